"""Exception hierarchy of the text layer.

Every failure the package raises on purpose is an :class:`NlpError`, so callers on the Django side can
catch one type and degrade (e.g. show "no suggestion") instead of failing the registration form.
"""

from __future__ import annotations


class NlpError(Exception):
    """Base class for every error raised deliberately by ``xinfang.nlp``."""


class EmptyTextError(NlpError, ValueError):
    """The input was empty, or nothing was left after normalisation (only spaces, emoji, control chars)."""


class UnknownLabelError(NlpError, ValueError):
    """Training data used a label that is not in the deployment taxonomy."""

    def __init__(self, labels: list[str], taxonomy: list[str]) -> None:
        self.labels = labels
        self.taxonomy = taxonomy
        shown = "、".join(repr(x) for x in labels[:10])
        more = f" (+{len(labels) - 10} more)" if len(labels) > 10 else ""
        super().__init__(
            f"label(s) not in the taxonomy: {shown}{more}; taxonomy has {len(taxonomy)} categories"
        )


class DataError(NlpError, ValueError):
    """A training/eval CSV is missing columns, has too few rows, or cannot be parsed."""


class ModelLoadError(NlpError):
    """A persisted model is missing, corrupted, from another format version, or of the wrong kind."""


class NotTrainedError(NlpError):
    """A model was used before ``fit`` (or before a trained file was loaded)."""


class IndexStateError(NlpError):
    """Misuse of a duplicate-detection index (e.g. duplicate id, incompatible parameters on load)."""
