"""The one guarded transition function for a matter's status, with the table of allowed moves.

Issue-3 states (handling, opinion, review chain) extend ``ALLOWED`` — never bypass it with a direct write.
"""

from __future__ import annotations

from typing import Any

from xinfang.audit.services import record_event
from xinfang.core.errors import TransitionNotAllowed

from .models import Matter, MatterStatus

S = MatterStatus

# (from, to) → the action that makes the move. Anything absent is forbidden.
ALLOWED: dict[tuple[str, str], str] = {
    (S.REGISTERED, S.ROUTED): "route",  # 转送/交办, Art 22
    (S.REGISTERED, S.ACCEPTED): "accept_direct",  # an organ with power receives it directly, Art 23¶1
    (S.REGISTERED, S.NOT_ACCEPTED): "not_accept",  # e.g. Art 19¶3 / Art 36¶3 不再受理
    (S.ROUTED, S.ACCEPTED): "accept",  # Art 23¶3 告知接收情况
    (S.ROUTED, S.OBJECTION): "object",  # Art 23¶3 5 working days
    (S.ROUTED, S.REGISTERED): "recall",  # the sender withdraws a misrouted matter
    (S.OBJECTION, S.REGISTERED): "objection_approved",  # materials returned, route again
    (S.OBJECTION, S.ROUTED): "objection_rejected",
    (S.ACCEPTED, S.CLOSED): "close",  # 建议意见/检举控告 answered, or Art 31(1)–(5) closed
    (S.ACCEPTED, S.REPLIED): "opinion",  # Art 31(6), 32: 处理意见书
    (S.REPLIED, S.IN_REVIEW): "review_request",  # Art 35: within 30 days of receipt
    (S.REPLIED, S.CLOSED): "close",
    (S.CLOSED, S.IN_REVIEW): "review_request",  # closed after the reply, but the 30-day window is still open
    (S.IN_REVIEW, S.REVIEWED): "review_decide",
    (S.REVIEWED, S.IN_RECHECK): "recheck_request",  # Art 36¶1
    (S.REVIEWED, S.CLOSED): "close",
    (S.IN_RECHECK, S.FINAL): "recheck_decide",  # Art 36¶3: final
    (S.REGISTERED, S.MERGED): "merge",  # a duplicate registration folded into the matter it repeats
    (S.MERGED, S.REGISTERED): "unmerge",  # a wrong 并入 undone
}

LABELS = {
    "route": "转送/交办",
    "accept_direct": "直接受理",
    "not_accept": "不予受理",
    "accept": "受理并告知",
    "object": "提出异议",
    "recall": "撤回转交",
    "objection_approved": "异议成立，退回重新分流",
    "objection_rejected": "异议不成立，继续办理",
    "close": "办结",
    "opinion": "出具处理意见书",
    "review_request": "申请复查",
    "review_decide": "出具复查意见",
    "recheck_request": "申请复核",
    "recheck_decide": "出具复核意见（终结）",
    "merge": "并入其他事项",
    "unmerge": "撤销并入",
}


def allowed_actions(status: str) -> list[str]:
    return [action for (src, _dst), action in ALLOWED.items() if src == status]


def transition(
    matter: Matter,
    to: str,
    *,
    actor: Any,
    action: str,
    reason: str = "",
    data: dict[str, Any] | None = None,
    is_public: bool = True,
) -> Matter:
    """Move ``matter`` to ``to`` if the table allows it for ``action``; write the event in the caller's
    transaction. Raises ``TransitionNotAllowed`` (code ``transition_not_allowed``) otherwise."""
    src = matter.status
    if ALLOWED.get((src, to)) != action:
        raise TransitionNotAllowed(
            "transition_not_allowed",
            f"当前状态“{MatterStatus(src).label}”不能执行“{LABELS.get(action, action)}”",
            status_from=src,
            status_to=to,
        )
    matter.status = to
    matter.save(update_fields=["status", "updated_at"])
    record_event(
        actor=actor,
        verb=f"matter.{action}",
        subject=matter,
        matter_id=matter.pk,
        old={"status": src},
        new={"status": to, **(data or {})},
        reason=reason,
        is_public=is_public,
    )
    return matter
