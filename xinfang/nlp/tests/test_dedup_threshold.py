"""The 判重 threshold tuned from registrars' verdicts: it moves only with enough evidence, towards the best
recall that keeps the precision target, and never below the scores it has verdicts for."""

from xinfang.nlp.dedup.threshold import MIN_VERDICTS, Verdict, tune


def _v(scores, verdict):
    return [Verdict(s, verdict) for s in scores]


def test_too_few_verdicts_keep_the_shipped_threshold():
    choice = tune(0.53, _v([0.55, 0.6], "rejected") + _v([0.9], "confirmed"))
    assert choice.threshold == 0.53 and choice.verdicts == 3
    assert str(MIN_VERDICTS) in choice.reason


def test_rejections_just_above_the_threshold_raise_it():
    # 20 rejections between 0.53 and 0.62, 20 confirmations from 0.66 up: the shipped 0.53 has precision 0.5.
    rejected = _v([0.53 + 0.0045 * i for i in range(20)], "rejected")
    confirmed = _v([0.66 + 0.015 * i for i in range(20)], "confirmed")
    choice = tune(0.53, rejected + confirmed)
    assert choice.prior_precision == 0.5 and choice.prior_recall == 1.0
    # The lowest threshold that keeps precision ≥ 0.9 and all confirmed pairs (two rejections stay above it).
    assert choice.threshold == 0.61
    assert choice.precision >= 0.9 and choice.recall == 1.0
    assert "上调" in choice.reason


def test_confirmed_near_misses_lower_it_but_not_below_the_lowest_verdict():
    # Registrars attach contacts shown as "possibly related" (0.45–0.52): recall grows by going down.
    near_confirmed = _v([0.45 + 0.005 * i for i in range(14)], "confirmed")
    flags = _v([0.6 + 0.01 * i for i in range(20)], "confirmed") + _v([0.55, 0.7], "rejected")
    near_rejected = _v([0.39, 0.40, 0.41], "rejected")
    choice = tune(0.53, near_confirmed + flags + near_rejected)
    # Every confirmed pair is kept from 0.45 down; 0.45 is the nearest such threshold to the shipped one.
    assert choice.threshold == 0.45 and "下调" in choice.reason
    assert choice.recall == 1.0 and choice.precision >= 0.9
    assert choice.prior_recall < 0.7
    only_high = tune(0.53, _v([0.8] * 30, "confirmed") + _v([0.75], "rejected"))
    assert only_high.threshold >= 0.75  # nothing known below 0.75: it does not guess lower


def test_ignored_candidates_weigh_half_a_rejection():
    confirmed = _v([0.7] * 18, "confirmed")
    # 4 ignored at 0.6 = 2 rejections: precision at 0.6 is 18/20 = 0.9, the target holds, nothing moves.
    assert tune(0.6, confirmed + _v([0.6] * 4, "ignored"), min_verdicts=10).threshold == 0.6
    # 4 explicit rejections at 0.6: 18/22 < 0.9, so it moves just above them (not up to 0.7: no evidence).
    assert tune(0.6, confirmed + _v([0.6] * 4, "rejected"), min_verdicts=10).threshold == 0.61


def test_unreachable_precision_keeps_the_confirmed_pairs():
    mixed = _v([0.6, 0.7, 0.8, 0.9] * 5, "rejected") + _v([0.65, 0.75, 0.85] * 4, "confirmed")
    choice = tune(0.53, mixed)
    assert choice.threshold == 0.85 and "达不到" in choice.reason
    none_confirmed = tune(0.53, _v([0.6] * 40, "rejected"))
    assert none_confirmed.threshold == 0.53 and "尚无" in none_confirmed.reason
