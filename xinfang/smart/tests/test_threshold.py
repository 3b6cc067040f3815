"""判重 verdicts in the workflow: candidates just below the threshold are shown as possibly related, every
candidate shown gets a verdict (confirmed / rejected / ignored) from the form or the API, and smart_train
moves the live threshold from them."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from xinfang.nlp.dedup.detector import default_verifier
from xinfang.smart import engine
from xinfang.smart.duplicates import reset_index, same_problem
from xinfang.smart.models import DuplicateVerdict, Suggestion
from xinfang.smart.services import record_decisions, suggest, tune_duplicate_threshold
from xinfang.testing.factories import register

from .test_duplicates import PLANT_OTHER, _world_with_stats

SHIPPED = default_verifier().threshold


@pytest.fixture(autouse=True)
def _fresh(settings, tmp_path):
    settings.XINFANG_MODEL_DIR = tmp_path / "models"
    reset_index()
    yield
    reset_index()


def _write_threshold(value):
    engine.dedup_threshold_path().parent.mkdir(parents=True, exist_ok=True)
    engine.dedup_threshold_path().write_text(json.dumps({"threshold": value}), encoding="utf-8")


def _ask(world, actor="registrar"):
    return suggest(actor=world.users[actor], title=PLANT_OTHER[0], text="\n".join(PLANT_OTHER[1:]))


def test_candidate_below_a_raised_threshold_is_shown_as_possibly_related(world, settings):
    first = _world_with_stats(world)
    [hit] = same_problem(world.users["registrar"], "\n".join(PLANT_OTHER), title=PLANT_OTHER[0])
    assert hit["near"] is False and hit["threshold"] == round(SHIPPED, 3)
    raised = round((hit["score"] + 1) / 2, 4)  # above the pair's score, within the margin
    _write_threshold(raised)
    assert engine.duplicate_threshold() == raised
    out = _ask(world)
    assert out["same_problem"] == []
    [near] = out["possibly_related"]
    assert near["matter_number"] == first.matter.number and near["near"] is True
    assert near["threshold"] == round(raised, 3) and "共同关键词" in near["reason"]
    assert near["score"] == hit["score"]
    # Beyond the margin below the threshold it is not shown at all.
    settings.XINFANG_DUPLICATE_NEAR_MARGIN = (raised - hit["score"]) / 2
    assert _ask(world)["possibly_related"] == []


def test_broken_threshold_file_means_the_shipped_threshold(world):
    assert engine.duplicate_threshold() == SHIPPED
    engine.dedup_threshold_path().parent.mkdir(parents=True, exist_ok=True)
    engine.dedup_threshold_path().write_text("{not json", encoding="utf-8")
    assert engine.duplicate_threshold() == SHIPPED
    _write_threshold(7)
    assert engine.duplicate_threshold() == SHIPPED


def test_each_candidate_shown_gets_a_verdict(world):
    first = _world_with_stats(world)
    registrar = world.users["registrar"]
    title, request, facts = PLANT_OTHER

    def contact(**kw):
        return register(world, title=title, request=request, facts=facts, reasons="扰民", **kw)

    # Attached: confirmed.
    out = _ask(world)
    again = contact(attach_to=first.matter.number)
    record_decisions(suggestion_id=out["suggestion_id"], contact=again, actor=registrar)
    # Registered as new after saying "不是同一事项": rejected.
    out = _ask(world)
    shown = {f["matter_number"] for f in out["same_problem"]}
    assert first.matter.number in shown
    new = contact()
    record_decisions(
        suggestion_id=out["suggestion_id"], contact=new, actor=registrar, rejected=[first.matter.number]
    )
    # Registered as new without a word: ignored.
    out = _ask(world)
    record_decisions(suggestion_id=out["suggestion_id"], contact=contact(), actor=registrar)
    rows = list(DuplicateVerdict.objects.filter(matter_number=first.matter.number).order_by("pk"))
    assert [v.verdict for v in rows] == ["confirmed", "rejected", "ignored"]
    assert all(v.shown_as == "flag" and v.score >= v.threshold == round(SHIPPED, 3) for v in rows)
    # A suggestion is bound once: recording again writes nothing more.
    record_decisions(suggestion_id=out["suggestion_id"], contact=new, actor=registrar)
    assert DuplicateVerdict.objects.filter(matter_number=first.matter.number).count() == 3


def test_form_and_api_carry_the_rejections(world):
    first = _world_with_stats(world)
    title, request, facts = PLANT_OTHER
    c = Client()
    c.force_login(world.users["registrar"])
    out = c.post("/suggest/", {"title": title, "text": f"{request}\n{facts}"}).json()
    assert first.matter.number in [f["matter_number"] for f in out["same_problem"]]
    form = {
        "channel": "letter",
        "matter_type": "petition",
        "region_code": "440305",
        "title": title,
        "request": request,
        "facts": facts,
        "reasons": "扰民",
        "headcount": 1,
        "suggestion_id": out["suggestion_id"],
        "duplicate_rejected": f"{first.matter.number},",
        "p-TOTAL_FORMS": 1,
        "p-INITIAL_FORMS": 0,
        "p-0-name": "陈二",
        "p-0-kind": "person",
        "p-0-address": "某路2号",
    }
    assert c.post("/register/", form).status_code == 302
    assert DuplicateVerdict.objects.get(suggestion_id=out["suggestion_id"]).verdict == "rejected"

    _token, raw = world.token()
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    out = api.post("/api/v1/suggestions", {"title": title, "text": f"{request}\n{facts}"}, "application/json")
    out = out.json()
    body = {
        "channel": "online",
        "title": title,
        "request": request,
        "facts": facts,
        "reasons": "扰民",
        "region_code": "440305",
        "petitioners": [{"name": "李四", "address": "某路3号"}],
        "attach_to": first.matter.number,
        "suggestion_id": out["suggestion_id"],
    }
    r = api.post("/api/v1/contacts", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert r.status_code == 201, r.json()
    verdicts = DuplicateVerdict.objects.filter(suggestion_id=out["suggestion_id"])
    assert verdicts.get(matter_number=first.matter.number).verdict == "confirmed"
    assert Suggestion.objects.get(pk=out["suggestion_id"]).contact_id == r.json()["contact_id"]
    # A retried request replays its answer and records nothing twice.
    recorded = verdicts.count()
    again = api.post("/api/v1/contacts", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 200 and verdicts.count() == recorded


def _verdicts(suggestion, scores, verdict):
    DuplicateVerdict.objects.bulk_create(
        DuplicateVerdict(
            suggestion=suggestion,
            matter_number=f"X-{i}",
            score=s,
            threshold=SHIPPED,
            shown_as="flag" if s >= SHIPPED else "near",
            verdict=verdict,
        )
        for i, s in enumerate(scores)
    )


def test_smart_train_moves_the_live_threshold_from_verdicts(world):
    first = _world_with_stats(world)
    suggestion = Suggestion.objects.create(payload={})
    out = StringIO()
    call_command("smart_train", "--threshold", stdout=out)
    assert f"{SHIPPED:.2f} → {SHIPPED:.2f}" in out.getvalue() and "沿用出厂阈值" in out.getvalue()
    # Registrars rejected 20 candidates just above the threshold and confirmed 20 well above it.
    _verdicts(suggestion, [SHIPPED + 0.005 * i for i in range(20)], "rejected")
    _verdicts(suggestion, [0.9 + 0.004 * i for i in range(20)], "confirmed")
    report = StringIO()
    call_command("smart_train", "--report", stdout=report)
    assert "（未写入）" in report.getvalue()
    assert engine.duplicate_threshold() == SHIPPED  # --report does not install what it reports
    choice = tune_duplicate_threshold()
    assert choice.threshold > SHIPPED + 0.05 and choice.precision >= 0.9 and choice.recall == 1.0
    saved = json.loads(engine.dedup_threshold_path().read_text(encoding="utf-8"))
    assert saved["threshold"] == choice.threshold and saved["verdicts"] == 40
    assert engine.duplicate_threshold() == choice.threshold
    # The live look-up now uses it: the paraphrase pair (score below the new threshold) is only "related".
    [hit] = same_problem(world.users["registrar"], "\n".join(PLANT_OTHER), title=PLANT_OTHER[0])
    assert hit["matter_number"] == first.matter.number
    assert hit["threshold"] == round(choice.threshold, 3)
    assert hit["near"] is (hit["score"] < choice.threshold)
