"""Every verb the code writes has its Chinese label, and the audit pages never show a code."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from xinfang.cases.models import AlertLevel
from xinfang.cases.workflow import ALLOWED
from xinfang.privacy.verbs import UNKNOWN_LABEL, VERB_LABELS, describe

ROOT = Path(__file__).resolve().parents[2]  # xinfang/
CODE = re.compile(r"^[a-z_]+\.[a-z_]+$")
# The names an f-string verb is built from, and the values they take (cases.workflow, cases.clocks).
PLACEHOLDERS = {
    "action": sorted(set(ALLOWED.values())),
    "level": [AlertLevel.SOON.value, AlertLevel.OVERDUE.value],
}


def _options(node: ast.expr) -> list[str]:
    """The strings ``node`` can be: a literal, ``a if c else b`` of literals, or an f-string of those and of
    the known placeholders."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _options(node.body) + _options(node.orelse)
    if isinstance(node, ast.FormattedValue):
        if isinstance(node.value, ast.Name):
            if node.value.id not in PLACEHOLDERS:
                pytest.fail(f"verb built from {node.value.id!r}: add its values to PLACEHOLDERS")
            return PLACEHOLDERS[node.value.id]
        return _options(node.value)
    if isinstance(node, ast.JoinedStr):
        out = [""]
        for part in node.values:
            out = [a + b for a in out for b in _options(part)]
        return out
    return []


def _verbs_in(tree: ast.AST) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "verb":
            found.update(_options(node.value))
        elif isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "verb" for t in node.targets
        ):
            # verb = "notify.failed" if give_up else "notify.retry" — and not a page's message held in a
            # variable of that name (web.views): only what has the form of a verb code.
            found.update(v for v in _options(node.value) if CODE.match(v))
        elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "_record_everywhere":
            found.update(_options(node.args[1]))  # intake.merge: (actor, verb, …)
    return found


def written_verbs() -> set[str]:
    verbs: set[str] = set()
    for path in ROOT.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        verbs |= _verbs_in(ast.parse(path.read_text(encoding="utf-8")))
    return verbs


def test_every_verb_written_has_a_chinese_label() -> None:
    verbs = written_verbs()
    # The reader works: it finds the registration, the f-string transitions and the variable-built ones.
    assert {
        "matter.registered",
        "matter.recheck_decide",
        "clock.overdue",
        "notify.retry",
        "admin.created",
    } <= verbs
    assert len(verbs) > 60
    missing = sorted(verbs - VERB_LABELS.keys())
    assert missing == []
    for code in verbs:
        label = VERB_LABELS[code]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in label) and code not in label


@pytest.mark.parametrize(
    ("verb", "new", "old", "sentence"),
    [
        (
            "pii.reveal",
            {"fields": ["id_number", "phone"], "contact": 2},
            None,
            "查看个人信息：证件号码、联系电话，第 2 件信访件",
        ),
        (
            "matter.accept",
            {"status": "accepted"},
            {"status": "routed"},
            "受理并告知：已转交待受理 → 已受理办理中",
        ),
        (
            "matter.registered",
            {"number": "440300-2026-000001", "channel": "visit", "type": "petition"},
            None,
            "登记信访事项：440300-2026-000001，来访，申诉求决类",
        ),
        (
            "accounts.roles_changed",
            {"roles": ["registrar", "auditor"]},
            {"roles": ["registrar"]},
            "修改角色：登记员 → 登记员、审计员",
        ),
        (
            "privacy.corrected",
            {"phone": "139****0002"},
            {"phone": "139****0001"},
            "更正信访人信息（个人信息保护法第四十六条）：联系电话：139****0001 → 139****0002",
        ),
        ("followup.done", None, None, "支持意见已落实"),
    ],
)
def test_describe_folds_the_particulars_into_the_sentence(verb, new, old, sentence) -> None:
    assert describe(verb, new, old) == sentence


def test_an_unknown_verb_or_odd_particulars_never_show_a_code() -> None:
    assert describe("some.future_verb", {"x": 1}) == UNKNOWN_LABEL
    # An old event without the particulars a label expects: the label alone.
    assert (
        describe("clock.recomputed", {"label": None, "due_on": None}, {"due_on": None})
        == "按节假日安排重新计算期限"
    )
    assert describe("matter.extended", "not a dict") == "延长办理期限"
