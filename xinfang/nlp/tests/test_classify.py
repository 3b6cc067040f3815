from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from xinfang.nlp import DataError, EmptyTextError, NotTrainedError, UnknownLabelError
from xinfang.nlp.classify import CategoryClassifier, NbOneVsRest
from xinfang.nlp.vectorize import CharTfidf

from .conftest import toy_rows


@pytest.fixture(scope="module")
def clf() -> CategoryClassifier:
    rows = toy_rows()
    return CategoryClassifier(["城乡建设", "劳动和社会保障", "教育文体", "环境保护"]).fit(
        [t for t, _ in rows], [y for _, y in rows]
    )


def test_char_tfidf_matches_sklearn() -> None:
    docs = ["物业费太高了", "拆迁补偿不到位", "物业不作为，物业费乱收", "a"]
    ours = CharTfidf((1, 3), 1).fit(docs)
    sk = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, lowercase=False).fit(docs)
    names = ours.get_feature_names_out()
    assert set(names) == set(sk.get_feature_names_out())
    perm = np.array([sk.vocabulary_[n] for n in names])
    diff = ours.transform(docs) - sk.transform(docs)[:, perm]
    assert abs(diff).max() < 1e-6


def test_key_table_maps_keys_as_binary_search_does() -> None:
    """The hash table gives every key the column a search of the sorted vocabulary gives, misses included,
    with many keys sharing slots (a vocabulary of consecutive keys, a table at load 0.5)."""
    import pickle

    from xinfang.nlp.vectorize import _KeyTable

    rng = np.random.default_rng(7)
    vocab = np.unique(np.concatenate([np.arange(1, 5000), rng.integers(1, 2**62, 20000)])).astype(np.int64)
    keys = np.concatenate([vocab, rng.integers(1, 2**62, 20000), np.arange(4990, 5100)]).astype(np.int64)
    rng.shuffle(keys)
    col, hit = _KeyTable(vocab).lookup(keys)
    ref = np.searchsorted(vocab, keys)
    ref[ref >= len(vocab)] = 0
    assert np.array_equal(hit, vocab[ref] == keys) and hit.sum() >= len(vocab)
    assert np.array_equal(col[hit], ref[hit])
    # The table is rebuilt after loading, never stored with the model.
    vec = CharTfidf((1, 3), 1).fit(["丽发新城搅拌站粉尘扰民", "夜间公交线路太少"])
    before = vec.transform(["搅拌站夜间扰民"]).toarray()
    again = pickle.loads(pickle.dumps(vec))  # noqa: S301 — our own object
    assert "_table" not in again.__getstate__()
    assert np.array_equal(again.transform(["搅拌站夜间扰民"]).toarray(), before)


def test_topk_probabilities_and_explanation(clf: CategoryClassifier) -> None:
    p = clf.predict_one("我们公司拖欠工资半年了，社保也不交", k=3)
    assert p.label == "劳动和社会保障"
    assert len(p.top) == 3 and 0 < p.probability <= 1
    assert sum(c.probability for c in p.top) <= 1.0 + 1e-6
    assert [c.probability for c in p.top] == sorted((c.probability for c in p.top), reverse=True)
    assert p.terms and all(len(t) >= 2 and w > 0 for t, w in p.terms)


def test_explanation_terms_read_as_words() -> None:
    from xinfang.nlp.classify import _display_term

    assert _display_term(",物业") == "物业" and _display_term("费。 ") == "费" and _display_term("，。") == ""
    assert _display_term("6号线") == "6号线"


def test_explanation_terms_have_no_edge_punctuation_nor_nested_terms() -> None:
    from xinfang.nlp.classify import NbOneVsRest

    clf = CategoryClassifier()
    clf._names = np.array([",物业", "物业", "电梯", "栋电", "栋电梯", "维修", "，"], dtype=object)
    clf._svm = NbOneVsRest(alpha=1e-4, epochs=1, nb_share=0.5, seed=1)
    clf._svm.coef_ = np.array([[5.0, 1.0, 4.0, 3.0, 2.0, 0.5, 9.0], [0.0] * 7])
    data, indices = np.ones(7, dtype=np.float32), np.arange(7)
    terms = clf._explain(data, indices, 0, 8)
    # ",物业" reads 物业 (the bare 物业 is then the same term); 栋电梯 holds the higher-ranked 电梯.
    assert terms == [("物业", 5.0), ("电梯", 4.0), ("栋电", 3.0), ("维修", 0.5)]


def test_title_is_used(clf: CategoryClassifier) -> None:
    p = clf.predict(["请尽快处理"], ["孩子入学划片不合理"])[0]
    assert p.label == "教育文体"


def test_unknown_label_names_it() -> None:
    with pytest.raises(UnknownLabelError, match="火星移民"):
        CategoryClassifier(["城乡建设", "教育文体"]).fit(
            ["a文本", "b文本", "c文本"], ["城乡建设", "教育文体", "火星移民"]
        )


def test_bad_training_shapes() -> None:
    with pytest.raises(DataError):
        CategoryClassifier().fit(["一", "二"], ["甲"])
    with pytest.raises(DataError):
        CategoryClassifier().fit(["一", "二"], ["甲", "甲"])


def test_untrained_and_empty(clf: CategoryClassifier) -> None:
    with pytest.raises(NotTrainedError):
        CategoryClassifier().predict_one("物业")
    with pytest.raises(EmptyTextError, match="#1"):
        clf.predict(["物业费太高", "   \u3000😀"])


def test_huge_text_is_truncated_and_classified(clf: CategoryClassifier) -> None:
    p = clf.predict_one("小区物业乱收停车费。" * 10_000)
    assert p.truncated and p.label == "城乡建设"


def test_mixed_script_input(clf: CategoryClassifier) -> None:
    assert clf.predict_one("學校亂收補課費😡😡\x00").label == "教育文体"


def test_calibration_error_is_the_gap_between_probability_and_accuracy() -> None:
    from xinfang.nlp.training import calibration_error

    conf = np.array([0.9] * 10 + [0.6] * 10)
    right = np.array([True] * 9 + [False] + [True] * 6 + [False] * 4)
    assert calibration_error(conf, right) == pytest.approx(0.0)
    # Shown 0.9 and right half the time, in half the rows: a gap of 0.4 over half the rows.
    half = np.array([True] * 5 + [False] * 5 + [True] * 6 + [False] * 4)
    assert calibration_error(conf, half) == pytest.approx(0.2)


def test_calibration_model_leaves_out_the_copies_of_the_calibration_rows() -> None:
    """Extras that copy a labelled row (the shared data's segmented set holds every one of them) must not
    train the model the temperature is fitted for, or that model has seen the calibration rows."""
    rows = toy_rows() * 3  # ≥ 50 rows: calibration runs
    texts, labels = [t for t, _ in rows], [y for _, y in rows]
    links = [{i} for i in range(len(texts))]
    with_links = CategoryClassifier().fit(
        texts, labels, extra_texts=texts, extra_labels=labels, extra_links=links
    )
    held = with_links.meta["calibration_rows"]
    assert held > 0 and with_links.meta["calibration_extras_left_out"] == held
    blind = CategoryClassifier().fit(texts, labels, extra_texts=texts, extra_labels=labels)
    assert blind.meta["calibration_extras_left_out"] == 0
    with pytest.raises(DataError):
        CategoryClassifier().fit(
            texts, labels, extra_texts=texts, extra_labels=labels, extra_links=links[:-1]
        )


def test_regularisation_is_chosen_on_small_training_sets_only() -> None:
    from xinfang.nlp.classify import ClassifierParams

    rows = toy_rows() * 2
    texts, labels = [t for t, _ in rows], [y for _, y in rows]
    small = CategoryClassifier().fit(texts, labels)
    assert small.meta["alpha"] in ClassifierParams().small_alphas
    assert isinstance(small._svm, NbOneVsRest) and small._svm.alpha == small.meta["alpha"]
    # At or above small_rows, or with extra data (the shared corpus), the measured default stays.
    fixed = CategoryClassifier(params=ClassifierParams(small_rows=len(texts), alpha=7e-5)).fit(texts, labels)
    assert fixed.meta["alpha"] == 7e-5
    extra = CategoryClassifier(params=ClassifierParams(alpha=7e-5)).fit(
        texts, labels, extra_texts=texts[:4], extra_labels=labels[:4]
    )
    assert extra.meta["alpha"] == 7e-5
