"""NbOneVsRest: the naive-Bayes scaling is folded into the weights, so margins of plain features equal those
of a model fitted on explicitly scaled ones; β = 0 is plain one-vs-rest."""

from __future__ import annotations

import numpy as np
from scipy import sparse
from sklearn.linear_model import SGDClassifier

from xinfang.nlp.classify import NbOneVsRest

# Three classes, six features: 0–1 mark class a, 2–3 class b, 4 class c, 5 is everywhere.
ROWS = [
    ([0, 1, 5], "a"),
    ([0, 5], "a"),
    ([1, 5], "a"),
    ([2, 3, 5], "b"),
    ([2, 5], "b"),
    ([3, 5], "b"),
    ([4, 5], "c"),
    ([4, 0, 5], "c"),
    ([4, 2, 5], "c"),
]


def _data() -> tuple[sparse.csr_matrix, list[str]]:
    x = np.zeros((len(ROWS), 6), dtype=np.float32)
    for i, (cols, _) in enumerate(ROWS):
        x[i, cols] = 1.0
    return sparse.csr_matrix(x), [y for _, y in ROWS]


def _binary(x: sparse.csr_matrix, pos: np.ndarray) -> SGDClassifier:
    """The binary model NbOneVsRest fits per class (3 rows of 9 positive: weights 9/6 and 9/12)."""
    return SGDClassifier(
        loss="modified_huber",
        alpha=1e-3,
        max_iter=50,
        tol=None,
        class_weight={True: 9 / 6, False: 9 / 12},
        random_state=3,
    ).fit(x, pos)


def test_scaling_is_folded_into_the_weights() -> None:
    x, y = _data()
    model = NbOneVsRest(alpha=1e-3, epochs=50, nb_share=0.5, seed=3).fit(x, y)
    assert list(model.classes_) == ["a", "b", "c"] and model.coef_.shape == (3, 6)
    # Refit class "b" by hand on scaled features: its margins on the scaled matrix are the model's on x.
    pos = np.asarray(y) == "b"
    present = x.toarray() > 0
    p, q = present[pos].sum(0) + 1.0, present[~pos].sum(0) + 1.0
    scale = 0.5 + 0.5 * np.abs(np.log((p / p.sum()) / (q / q.sum())))
    ref = _binary(x @ sparse.diags(scale.astype(np.float32)), pos)
    expected = ref.decision_function(x @ sparse.diags(scale.astype(np.float32)))
    np.testing.assert_allclose(model.decision_function(x)[:, 1], expected, rtol=1e-4, atol=1e-5)
    # The feature present everywhere carries no class evidence: its scale is the smallest.
    assert scale[5] == scale.min()


def test_learns_the_classes_and_share_zero_is_plain_features() -> None:
    x, y = _data()
    for share in (0.0, 0.5, 1.0):
        model = NbOneVsRest(alpha=1e-3, epochs=50, nb_share=share, seed=3).fit(x, y)
        assert list(model.classes_[model.decision_function(x).argmax(1)]) == y
    plain = NbOneVsRest(alpha=1e-3, epochs=50, nb_share=0.0, seed=3).fit(x, y)
    pos = np.asarray(y) == "a"
    ref = _binary(x, pos)
    np.testing.assert_allclose(plain.coef_[0], ref.coef_[0], rtol=1e-5, atol=1e-6)
