"""智慧信访 text layer: normalisation, segmentation, category classification, type and litigation
screening, duplicate detection (判重) and routing suggestions.

Pure Python (numpy / scipy / scikit-learn / jieba / zhconv); it must never import Django so that it can be
used from batch jobs, tests and the CLI alike. Heavy resources (jieba dictionary, models) load lazily.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .errors import (
    DataError,
    EmptyTextError,
    IndexStateError,
    ModelLoadError,
    NlpError,
    NotTrainedError,
    UnknownLabelError,
)

__all__ = [
    "DataError",
    "EmptyTextError",
    "IndexStateError",
    "ModelLoadError",
    "NlpError",
    "NotTrainedError",
    "UnknownLabelError",
    "__version__",
]
