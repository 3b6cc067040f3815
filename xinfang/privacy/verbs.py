"""Every audit verb in Chinese, with what its event recorded folded into one sentence.

The audit pages and their CSV exports show these sentences, never the codes (``pii.reveal``,
``matter.accept``): the auditor (审计员) reads the log as a record of acts, and a code is no account of
an act.
``tests/test_verbs.py`` reads every ``verb=`` in the source and fails on one that is not here.

It lives in the privacy app, not in ``audit``, because the labels come from the domain apps' own choices
(matter statuses, clock kinds, workflow actions): ``audit`` sits below them and imports none of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from xinfang.accounts.models import Role
from xinfang.cases.models import Level, MatterStatus, MatterType
from xinfang.cases.workflow import LABELS as TRANSITION_LABELS
from xinfang.deadlines.models import DayKind
from xinfang.intake.models import PII_FIELDS, Channel
from xinfang.notify.models import Channel as NotifyChannel
from xinfang.routing.models import RouteMode

Detail = Callable[[Mapping[str, Any], Mapping[str, Any]], str]  # (new, old) → the particulars


@dataclass(frozen=True)
class Verb:
    label: str
    detail: Detail | None = None


UNKNOWN_LABEL = "其他操作"

_CHOICES: dict[str, dict[str, str]] = {
    "status": dict(MatterStatus.choices),
    "type": dict(MatterType.choices),
    "channel": dict(Channel.choices),
    "notify_channel": dict(NotifyChannel.choices),
    "mode": dict(RouteMode.choices),
    "level": dict(Level.choices),
    "day": dict(DayKind.choices),
    "role": dict(Role.choices),
    "pii": {**PII_FIELDS, "name": "姓名"},
    "served": {"electronic": "电子送达", "postal": "邮寄送达", "in_person": "直接送达"},
    "source": {"portal": "网上评价", "phone": "电话回访", "visit": "当面评价"},
    "otp_purpose": {"sign_in": "登录", "remove": "停用", "enrol": "启用"},
    "otp_by": {"self": "本人操作", "admin": "管理员操作"},
}


def _label(kind: str, value: Any) -> str:
    """The Chinese of a stored choice; nothing for a value not (or no longer) among the choices — the
    sentence then leaves it out rather than show a code."""
    return _CHOICES[kind].get(str(value), "") if value not in (None, "") else ""


def _join(*parts: str) -> str:
    return "，".join(p for p in parts if p)


def _status_change(new: Mapping[str, Any], old: Mapping[str, Any]) -> str:
    before, after = _label("status", old.get("status")), _label("status", new.get("status"))
    extra = _join(
        str(new.get("unit") or ""),
        str(new.get("decision") or ""),
        str(new.get("answer") or ""),
        str(new.get("adoption") or ""),
        str(new.get("article") or ""),
    )
    change = f"{before} → {after}" if before and after else after
    return _join(change, extra)


def _clock(new: Mapping[str, Any], old: Mapping[str, Any]) -> str:
    return _join(str(new.get("label") or ""), f"届满 {new['due_on']}" if new.get("due_on") else "")


def _fields(values: Any) -> str:
    return "、".join(_label("pii", f) for f in values or [])


def _roles(values: Any) -> str:
    return "、".join(_label("role", r) for r in values or []) or "无"


def _notify(new: Mapping[str, Any], old: Mapping[str, Any]) -> str:
    return _join(
        _label("notify_channel", new.get("channel")),
        f"发送至 {new['to']}" if new.get("to") else "",
        f"第 {new['attempts']} 次尝试" if new.get("attempts") else "",
        f"原因：{new['error']}" if new.get("error") else "",
    )


def _changed_fields(new: Mapping[str, Any], old: Mapping[str, Any]) -> str:
    names = [k for k in new if k not in ("contact", "reason")]
    return f"{'、'.join(_label('pii', n) for n in names)}：" + "；".join(
        f"{old.get(n) or '（空）'} → {new.get(n) or '（空）'}" for n in names
    )


def _calendar(new: Mapping[str, Any], old: Mapping[str, Any]) -> str:
    day = new or old
    return _join(str(day.get("date") or ""), _label("day", day.get("kind")), str(day.get("name") or ""))


def _rule(new: Mapping[str, Any], old: Mapping[str, Any]) -> str:
    rule = new or old
    prefix = rule.get("region_prefix") or "全国"
    days = f"{rule['days']} {'个工作日' if rule.get('working') else '日'}" if rule.get("days") else ""
    return _join(f"区划 {prefix}", str(rule.get("clock") or ""), days)


def _counts(labels: Mapping[str, str]) -> Detail:
    """Particulars that are counts: ``{"rows": 3}`` with ``{"rows": "档案"}`` → ``档案 3``."""

    def detail(new: Mapping[str, Any], old: Mapping[str, Any]) -> str:
        return _join(*(f"{label} {new[key]}" for key, label in labels.items() if new.get(key) is not None))

    return detail


VERBS: dict[str, Verb] = {
    # accounts: sign-in and the accounts themselves
    "accounts.login": Verb("登录系统", lambda n, o: f"IP {n['ip']}" if n.get("ip") else ""),
    "accounts.logout": Verb("退出登录", lambda n, o: f"IP {n['ip']}" if n.get("ip") else ""),
    "accounts.password_changed": Verb("修改登录密码", lambda n, o: f"IP {n['ip']}" if n.get("ip") else ""),
    "accounts.login_failed": Verb(
        "登录失败", lambda n, o: _join(f"用户名 {n.get('username', '')}", f"IP {n.get('ip') or '不明'}")
    ),
    "accounts.login_locked_out": Verb(
        "登录失败次数过多，账号已锁定",
        lambda n, o: _join(f"用户名 {n.get('username', '')}", f"锁定 {n.get('minutes', 0)} 分钟"),
    ),
    "accounts.user_created": Verb(
        "新建工作人员账号",
        lambda n, o: _join(str(n.get("username") or ""), f"角色 {_roles(n.get('roles'))}"),
    ),
    "accounts.roles_changed": Verb(
        "修改角色", lambda n, o: f"{_roles(o.get('roles'))} → {_roles(n.get('roles'))}"
    ),
    "accounts.token_created": Verb("新建接口令牌", lambda n, o: str(n.get("name") or "")),
    "accounts.otp_enrolled": Verb(
        "启用双因素认证",
        lambda n, o: _join(
            f"IP {n['ip']}" if n.get("ip") else "",
            f"恢复码 {n['recovery_codes']} 个" if n.get("recovery_codes") else "",
        ),
    ),
    "accounts.otp_verified": Verb("双因素认证通过", lambda n, o: f"IP {n['ip']}" if n.get("ip") else ""),
    "accounts.otp_failed": Verb(
        "双因素认证失败",
        lambda n, o: _join(_label("otp_purpose", n.get("purpose")), f"IP {n['ip']}" if n.get("ip") else ""),
    ),
    "accounts.otp_removed": Verb("停用双因素认证", lambda n, o: _label("otp_by", n.get("by"))),
    # system administration (Django admin pages; xinfang/org/admin.py)
    "admin.created": Verb("系统管理：新建", lambda n, o: f"{len(n)} 项设置" if n else ""),
    "admin.changed": Verb("系统管理：修改", lambda n, o: f"修改 {len(n)} 项设置" if n else ""),
    "admin.deleted": Verb("系统管理：删除", lambda n, o: str(o.get("repr") or "")),
    "org.region_created": Verb("新建行政区划", lambda n, o: f"{n.get('name', '')}（{n.get('code', '')}）"),
    "org.unit_created": Verb("新建单位", lambda n, o: str(n.get("name") or "")),
    "deadlines.calendar_day_set": Verb("设置节假日安排", _calendar),
    "deadlines.calendar_day_deleted": Verb("删除节假日安排", _calendar),
    "deadlines.rule_set": Verb("设置期限规则", _rule),
    "deadlines.rule_deleted": Verb("删除期限规则", _rule),
    # registration and the matter's course (the transitions come below, from cases.workflow.LABELS)
    "matter.registered": Verb(
        "登记信访事项",
        lambda n, o: _join(
            str(n.get("number") or ""), _label("channel", n.get("channel")), _label("type", n.get("type"))
        ),
    ),
    "contact.attached": Verb(
        "重复信访并入原事项",
        lambda n, o: _join(
            f"第 {n['ordinal']} 件" if n.get("ordinal") else "", _label("channel", n.get("channel"))
        ),
    ),
    "matter.not_accepted_final": Verb(
        "不再受理（已复核终结）", lambda n, o: f"原事项 {n['final_matter']}" if n.get("final_matter") else ""
    ),
    "matter.merged_in": Verb(
        "另一事项并入本事项",
        lambda n, o: _join(
            f"事项 {n['from']}" if n.get("from") else "",
            f"信访件 {n['contacts']} 件" if n.get("contacts") else "",
        ),
    ),
    "matter.unmerged_from": Verb(
        "撤销事项合并",
        lambda n, o: _join(
            f"恢复事项 {n['from']}" if n.get("from") else "",
            f"信访件 {n['contacts']} 件" if n.get("contacts") else "",
        ),
    ),
    "portal.code_issued": Verb("生成网上查询码"),
    "portal.code_reset": Verb("重置网上查询码", lambda n, o: f"新码发送至 {n['to']}" if n.get("to") else ""),
    "assignment.sent": Verb(
        "发出转送/交办",
        lambda n, o: _join(
            _label("mode", n.get("mode")),
            f"至 {n['unit']}" if n.get("unit") else "",
            f"办理期限 {n['deadline_days']} 日" if n.get("deadline_days") else "",
        ),
    ),
    "assignment.reported": Verb(
        "提交办结报告",
        lambda n, o: _join(f"报 {n['to']}" if n.get("to") else "", str(n.get("doc_number") or "")),
    ),
    "attachment.added": Verb("上传附件", lambda n, o: f"《{n['name']}》" if n.get("name") else ""),
    "clock.started": Verb("开始计时", _clock),
    "clock.completed": Verb(
        "时限结束", lambda n, o: _join(str(n.get("label") or ""), str(n.get("state_label") or ""))
    ),
    "clock.soon": Verb("即将到期提醒", _clock),
    "clock.overdue": Verb("已逾期", _clock),
    "clock.recomputed": Verb(
        "按节假日安排重新计算期限",
        lambda n, o: _join(
            str(n.get("label") or ""),
            f"原届满 {o['due_on']}" if o.get("due_on") else "",
            f"现届满 {n['due_on']}" if n.get("due_on") else "",
        ),
    ),
    "document.issued": Verb(
        "出具文书",
        lambda n, o: _join(f"《{n['title']}》" if n.get("title") else "", str(n.get("doc_number") or "")),
    ),
    "matter.extended": Verb(
        "延长办理期限",
        lambda n, o: _join(
            f"{n['days']} 日" if n.get("days") else "",
            f"至 {n['new_due']}" if n.get("new_due") else "",
            f"批准人 {n['approved_by']}" if n.get("approved_by") else "",
        ),
    ),
    "opinion.drafted": Verb("意见书拟稿", lambda n, o: _label("level", n.get("level"))),
    "opinion.served": Verb(
        "意见书送达",
        lambda n, o: _join(
            _label("level", n.get("level")), _label("served", n.get("method")), str(n.get("served_on") or "")
        ),
    ),
    "matter.evaluated": Verb(
        "评价", lambda n, o: _join(str(n.get("rating") or ""), _label("source", n.get("source")))
    ),
    "matter.hearing": Verb(
        "听证", lambda n, o: f"{n.get('from', '')} 至 {n.get('to', '')}" if n.get("from") else ""
    ),
    "matter.joint_added": Verb(
        "安排联合办理", lambda n, o: _join(str(n.get("unit") or ""), "牵头单位" if n.get("lead") else "")
    ),
    "matter.case_leader": Verb("领导包案", lambda n, o: str(n.get("leader") or "")),
    "matter.case_leader_ended": Verb("包案结束", lambda n, o: str(n.get("leader") or "")),
    "matter.answered": Verb("书面答复"),
    "followup.opened": Verb("督促落实支持意见"),
    "followup.done": Verb("支持意见已落实"),
    # notifications to petitioners and units
    "notify.queued": Verb("通知（待发送）", _notify),
    "notify.sent": Verb("通知已发送", _notify),
    "notify.retry": Verb("通知发送失败，稍后重试", _notify),
    "notify.failed": Verb("通知发送失败，已放弃", _notify),
    # personal data (个人信息保护法)
    "pii.reveal": Verb(
        "查看个人信息",
        lambda n, o: _join(
            _fields(n.get("fields")), f"第 {n['contact']} 件信访件" if n.get("contact") else ""
        ),
    ),
    "matter.search_pii": Verb(
        "按个人信息检索信访事项",
        lambda n, o: _join(
            "、".join(
                f"{_label('pii', k.get('kind'))} {k.get('value', '')}"
                for k in n.get("keys") or []
                if isinstance(k, dict)
            ),
            f"找到 {n['found']} 件" + ("以上" if n.get("more") else "") if n.get("found") is not None else "",
        ),
    ),
    "pii.reindexed": Verb("重建个人信息查找索引", _counts({"rows": "信访人档案", "changed": "变更"})),
    "pii.keys_rotated": Verb(
        "个人信息密钥轮换，重新加密", _counts({"rows": "信访人档案", "contact_rows": "信访件所留信息"})
    ),
    "petitioner.details_confirmed": Verb("核实并更新信访人档案", _changed_fields),
    "petitioner.details_set_aside": Verb(
        "核实后不采用信访件所留信息", lambda n, o: "、".join(_label("pii", k) for k in o)
    ),
    "petitioner.merged": Verb(
        "信访人重复记录合并",
        lambda n, o: _join(
            f"保留 {n.get('kept_name', '')}（编号 {n.get('kept', '')}）",
            f"并入编号 {o['duplicate']}" if o.get("duplicate") else "",
        ),
    ),
    "petitioner.unmerged": Verb(
        "撤销信访人合并", lambda n, o: f"恢复 {n.get('restored_name', '')}（编号 {n.get('restored', '')}）"
    ),
    "privacy.exported": Verb(
        "导出信访人个人信息（个人信息保护法第四十五条）",
        _counts({"contacts": "信访件", "matters": "事项", "notifications": "通知"}),
    ),
    "privacy.corrected": Verb("更正信访人信息（个人信息保护法第四十六条）", _changed_fields),
    "privacy.purged": Verb(
        "按保存期限处理个人信息",
        _counts(
            {
                "petitioners": "匿名化信访人",
                "parties": "匿名化信访件所留信息",
                "notifications": "清除通知接收人",
                "portal_codes": "删除查询码",
            }
        ),
    ),
    "privacy.retention_rule_set": Verb(
        "设置保存期限",
        lambda n, o: _join(
            str(n.get("record_class") or ""),
            f"{o['months']} → {n['months']} 个月" if o.get("months") else f"{n.get('months', '')} 个月",
            str(n.get("action") or ""),
        ),
    ),
    "privacy.incident_recorded": Verb("登记个人信息安全事件", lambda n, o: str(n.get("title") or "")),
    "privacy.incident_updated": Verb("修改个人信息安全事件", lambda n, o: f"修改 {len(n)} 项" if n else ""),
    "privacy.incident_reported": Verb(
        "已向履行个人信息保护职责的部门报告", lambda n, o: str(n.get("at") or "")
    ),
    "privacy.incident_notified": Verb("已通知个人", lambda n, o: str(n.get("at") or "")),
    "privacy.incident_closed": Verb("个人信息安全事件结案"),
    "privacy.audit_exported": Verb("导出审计日志", _counts({"rows": "条数"})),
    "privacy.pii_log_exported": Verb("导出个人信息查阅记录", _counts({"rows": "条数"})),
}

# Every guarded status change is written as ``matter.<action>`` (cases.workflow.transition).
for _action, _text in TRANSITION_LABELS.items():
    VERBS.setdefault(f"matter.{_action}", Verb(_text, _status_change))

VERB_LABELS: dict[str, str] = {code: verb.label for code, verb in VERBS.items()}


def verb_label(code: str) -> str:
    return VERB_LABELS.get(code, UNKNOWN_LABEL)


def describe(code: str, new: Any = None, old: Any = None) -> str:
    """The act in one Chinese sentence: its label and, after a colon, the particulars the event recorded."""
    verb = VERBS.get(code)
    if verb is None:
        return UNKNOWN_LABEL
    if verb.detail is None:
        return verb.label
    try:
        detail = verb.detail(new if isinstance(new, dict) else {}, old if isinstance(old, dict) else {})
    except (KeyError, TypeError, ValueError):
        # An event written before its verb carried these particulars: the label alone is still true.
        detail = ""
    return f"{verb.label}：{detail}" if detail else verb.label


def verb_choices() -> list[tuple[str, str]]:
    """For a filter: codes with their labels, sorted by label (Chinese readers pick by the words)."""
    return sorted(VERB_LABELS.items(), key=lambda item: item[1])
