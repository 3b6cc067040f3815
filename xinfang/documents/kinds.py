"""Inputs of the official documents of the petition lifecycle, one frozen dataclass per kind.

Every instance validates itself on construction (``__post_init__``) and raises :class:`DocumentError` with a
stable ``code`` when a part that the 《信访工作条例》(2022) requires is missing, so an invalid document can
never reach a renderer. Article references are to the 2022 条例 unless stated otherwise.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import ClassVar

from .errors import DocumentError
from .rules import (
    CHANNEL_ITEM,
    DECISIONS,
    DOC_NUMBER_RE,
    MAX_EXTENSION_DAYS,
    RECEIPT_CHANNELS,
    REQUEST_WINDOW_DAYS,
    REVIEW_OUTCOMES,
    blank,
    check_basis,
    not_before,
    require,
)


@dataclass(frozen=True, kw_only=True)
class DocumentInput:
    """Parts every document has: 发文机关, 发文字号, 成文日期 and the sign-off (签发人 and the role)."""

    KIND: ClassVar[str] = ""
    TITLE: ClassVar[str] = ""

    organ: str  # 发文机关 (full name; printed in the header and the signature block)
    doc_number: str  # 发文字号, e.g. 深南住建信意〔2026〕12号
    issued_on: dt.date  # 成文日期
    signer: str  # 签发人
    signer_role: str  # responsible role of the signer, e.g. 局长 / 分管副局长
    contact: str = ""  # 联系人及电话
    red_header: bool = True  # 版头 in red (GB/T 9704-2012 §7.2.3); False for black-and-white copies

    def __post_init__(self) -> None:
        require(self, "organ", "doc_number")
        if not DOC_NUMBER_RE.match(self.doc_number.strip()):
            raise DocumentError(
                "doc_number_invalid",
                f"document number {self.doc_number!r} must look like 深南住建信意〔2026〕12号",
                "doc_number",
            )
        if blank(self.signer) or blank(self.signer_role):
            raise DocumentError("signoff_required", "签发人 and the responsible role are required", "signer")
        self.validate()

    def validate(self) -> None:  # overridden per kind
        return None

    def as_dict(self) -> dict[str, object]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True, kw_only=True)
class PetitionerDocument(DocumentInput):
    """A document addressed to the petitioner about one registered matter."""

    petitioner_name: str  # 信访人姓名（名称）
    matter_number: str  # 信访事项编号 in the 信访信息系统 (Art 21)

    def __post_init__(self) -> None:
        require(self, "petitioner_name", "matter_number")
        super().__post_init__()


@dataclass(frozen=True, kw_only=True)
class NoticeOfAcceptance(PetitionerDocument):
    """受理告知书 — Art 23: written notice of 接收情况 and 处理途径和程序, within 15 days of receipt."""

    KIND: ClassVar[str] = "notice_of_acceptance"
    TITLE: ClassVar[str] = "信访事项受理告知书"

    received_on: dt.date
    received_via: str  # one of RECEIPT_CHANNELS (Art 21)
    summary: str  # 反映的事项
    handling_route_text: str  # 处理途径和程序 (Art 23¶1)
    forwarded_to: str = ""  # 转送、交办去向 when a lower organ handles it (Art 23¶1)
    time_limit_days: int | None = 60  # Art 34 (only for Art 31(6) matters); None omits the sentence

    def validate(self) -> None:
        require(self, "summary", "handling_route_text")
        if self.received_via not in RECEIPT_CHANNELS:
            raise DocumentError(
                "channel_invalid", f"received_via must be one of {RECEIPT_CHANNELS}", "received_via"
            )
        not_before(self.issued_on, self.received_on, "issued_on", "received_on")
        if self.time_limit_days is not None and self.time_limit_days <= 0:
            raise DocumentError("time_limit_invalid", "time_limit_days must be positive", "time_limit_days")


@dataclass(frozen=True, kw_only=True)
class LegalChannelNotice(PetitionerDocument):
    """导入法定途径告知书 — Art 31(一)–(四): the matter is led into litigation, arbitration, 党员申诉 or an
    administrative procedure instead of the 信访 procedure (诉访分离, Art 28¶2)."""

    KIND: ClassVar[str] = "legal_channel_notice"
    TITLE: ClassVar[str] = "信访事项导入法定途径告知书"

    received_on: dt.date
    summary: str  # the request as the petitioner put it
    channel: str  # one of CHANNEL_ITEM
    article_item: int  # Art 31 item 1..4, must match the channel
    why: str  # why the matter belongs in that channel
    competent_body: str  # where to go, e.g. 深圳市南山区人民法院
    time_limit_hint: str = ""  # e.g. a reminder of the 仲裁时效 / 起诉期限

    def validate(self) -> None:
        require(self, "summary", "why", "competent_body")
        if self.channel not in CHANNEL_ITEM:
            raise DocumentError("channel_invalid", f"channel must be one of {tuple(CHANNEL_ITEM)}", "channel")
        if self.article_item not in (1, 2, 3, 4):
            raise DocumentError(
                "article_item_invalid", "article_item must be Art 31 item 1–4", "article_item"
            )
        if CHANNEL_ITEM[self.channel] != self.article_item:
            raise DocumentError(
                "channel_item_mismatch",
                f"{self.channel} is Art 31 item {CHANNEL_ITEM[self.channel]}, not {self.article_item}",
                "article_item",
            )
        not_before(self.issued_on, self.received_on, "issued_on", "received_on")


@dataclass(frozen=True, kw_only=True)
class ExtensionNotice(PetitionerDocument):
    """延期告知书 — Art 34: extension approved by 本机关负责人, at most 30 days, reasons told to the
    petitioner."""

    KIND: ClassVar[str] = "extension_notice"
    TITLE: ClassVar[str] = "信访事项延期办理告知书"

    accepted_on: dt.date
    original_due: dt.date
    new_due: dt.date
    days: int
    reason: str
    approver: str  # 批准延期的本机关、单位负责人
    approver_role: str = "负责人"

    def validate(self) -> None:
        if blank(self.reason):
            raise DocumentError(
                "extension_reason_required", "Art 34 requires the reason for the extension", "reason"
            )
        if blank(self.approver):
            raise DocumentError(
                "extension_approver_required",
                "Art 34: the extension needs 本机关负责人's approval",
                "approver",
            )
        if self.days <= 0:
            raise DocumentError("extension_days_invalid", "extension days must be positive", "days")
        if self.days > MAX_EXTENSION_DAYS:
            raise DocumentError(
                "extension_too_long", f"Art 34: an extension may not exceed 30 days (got {self.days})", "days"
            )
        not_before(self.original_due, self.accepted_on, "original_due", "accepted_on")
        # 民法典 Art 203: a period ending on a holiday runs to the next working day, so new_due may be later
        # than original_due + days (at most past the longest holiday), never earlier.
        earliest = self.original_due + dt.timedelta(days=self.days)
        if not earliest <= self.new_due <= earliest + dt.timedelta(days=9):  # 春节: up to 9 days off
            raise DocumentError(
                "extension_dates_inconsistent",
                "new_due must be original_due + days (rolled past holidays)",
                "new_due",
            )
        if self.issued_on > self.original_due:
            # an elapsed period cannot be extended; being overdue is an Art 45(1) matter
            raise DocumentError(
                "extension_after_due", "the extension must be notified before the due date", "issued_on"
            )
        not_before(self.issued_on, self.accepted_on, "issued_on", "accepted_on")


@dataclass(frozen=True, kw_only=True)
class OpinionLetter(PetitionerDocument):
    """信访处理意见书 — Art 31(六), Art 32: request, facts and reasons, the opinion and its legal basis."""

    KIND: ClassVar[str] = "opinion_letter"
    TITLE: ClassVar[str] = "信访事项处理意见书"

    received_on: dt.date
    accepted_on: dt.date
    request: str  # 投诉请求
    facts: str  # facts stated by the petitioner
    reasons: str  # reasons stated by the petitioner
    findings: str  # 调查核实情况 (Art 31(六): "听取…陈述…并调查核实")
    decision: str  # one of DECISIONS (Art 32(一)–(三))
    decision_text: str  # the opinion itself
    legal_basis: Sequence[str]  # 法律法规依据 (Art 32), non-empty
    review_organ: str = ""  # 原办理机关的上一级机关 (Art 35)
    review_rights_text: str = ""  # overrides the default Art 35 notice
    hearing_held: bool = False  # Art 31(六): hearing for 重大、复杂、疑难 matters

    def validate(self) -> None:
        require(self, "request", "facts", "reasons", "findings", "decision_text")
        if self.decision not in DECISIONS:
            raise DocumentError("decision_invalid", f"decision must be one of {DECISIONS}", "decision")
        check_basis(self)
        not_before(self.accepted_on, self.received_on, "accepted_on", "received_on")
        not_before(self.issued_on, self.accepted_on, "issued_on", "accepted_on")
        if blank(self.review_rights_text) and blank(self.review_organ):
            raise DocumentError(
                "review_organ_required",
                "Art 35: name the organ one level up that reviews (复查)",
                "review_organ",
            )
        if not blank(self.review_rights_text) and "复查" not in self.review_rights_text:
            raise DocumentError(
                "review_rights_invalid", "the rights notice must tell of 复查 (Art 35)", "review_rights_text"
            )

    @property
    def rights_text(self) -> str:
        if not blank(self.review_rights_text):
            return self.review_rights_text.strip()
        return (
            f"你如对本处理意见不服，可以自收到本意见书之日起30日内，向{self.review_organ}请求复查"
            "（《信访工作条例》第三十五条）。"
        )


@dataclass(frozen=True, kw_only=True)
class _ReviewBase(PetitionerDocument):
    """Common parts of 复查 (Art 35) and 复核 (Art 36) opinions."""

    prior_organ: str  # organ whose opinion is reviewed
    prior_doc_number: str  # its 发文字号
    prior_issued_on: dt.date
    reply_received_on: dt.date | None = None  # when the petitioner received the prior written reply
    request_received_on: dt.date  # when this organ received the 复查/复核 request
    request: str  # the request and its grounds
    findings: str  # what the review established
    outcome: str  # one of REVIEW_OUTCOMES
    outcome_text: str
    legal_basis: Sequence[str]

    def validate(self) -> None:
        require(self, "prior_organ", "prior_doc_number", "request", "findings", "outcome_text")
        if self.outcome not in REVIEW_OUTCOMES:
            raise DocumentError("outcome_invalid", f"outcome must be one of {REVIEW_OUTCOMES}", "outcome")
        check_basis(self)
        not_before(self.request_received_on, self.prior_issued_on, "request_received_on", "prior_issued_on")
        not_before(self.issued_on, self.request_received_on, "issued_on", "request_received_on")
        if self.reply_received_on is not None:
            not_before(self.reply_received_on, self.prior_issued_on, "reply_received_on", "prior_issued_on")
            late = (self.request_received_on - self.reply_received_on).days > REQUEST_WINDOW_DAYS
            if late:
                raise DocumentError(
                    "request_out_of_time",
                    "the request was made more than 30 days after the written reply was received (Art 35/36)",
                    "request_received_on",
                )


@dataclass(frozen=True, kw_only=True)
class ReviewOpinion(_ReviewBase):
    """复查意见书 — Art 35: the organ one level up answers within 30 days of the request."""

    KIND: ClassVar[str] = "review_opinion"
    TITLE: ClassVar[str] = "信访事项复查意见书"

    recheck_organ: str  # the organ one level up from this one, where 复核 is requested (Art 36¶1)

    def validate(self) -> None:
        super().validate()
        require(self, "recheck_organ")

    @property
    def rights_text(self) -> str:
        return (
            f"你如对本复查意见不服，可以自收到本复查意见书之日起30日内，向{self.recheck_organ}请求复核"
            "（《信访工作条例》第三十六条第一款）。"
        )


FINALITY_TEXT = (
    "本复核意见为终结意见。你如对本复核意见不服，仍然以同一事实和理由提出投诉请求的，"
    "各级党委和政府信访部门和其他机关、单位不再受理（《信访工作条例》第三十六条第三款）。"
)


@dataclass(frozen=True, kw_only=True)
class RecheckOpinion(_ReviewBase):
    """复核意见书 — Art 36: final 信访 opinion; optional hearing; after it the same facts and reasons are
    not accepted again (Art 36¶3)."""

    KIND: ClassVar[str] = "recheck_opinion"
    TITLE: ClassVar[str] = "信访事项复核意见书"

    hearing_held: bool = False
    hearing_summary: str = ""  # 听证情况 (Art 36¶2)
    publish: bool = False  # "经过听证的复核意见可以依法向社会公示" (Art 36¶2)

    def validate(self) -> None:
        super().validate()
        if self.hearing_held and blank(self.hearing_summary):
            raise DocumentError(
                "hearing_summary_required", "a hearing was held: summarise it", "hearing_summary"
            )
        if not self.hearing_held and not blank(self.hearing_summary):
            raise DocumentError(
                "hearing_not_held", "hearing_summary given but hearing_held is False", "hearing_held"
            )
        if self.publish and not self.hearing_held:
            raise DocumentError(
                "publication_requires_hearing", "Art 36¶2: only a heard 复核意见 may be published", "publish"
            )

    @property
    def rights_text(self) -> str:
        return FINALITY_TEXT


@dataclass(frozen=True, kw_only=True)
class CompletionReport(DocumentInput):
    """办结报告 — Art 22¶1(三): the organ a matter was 交办 to reports the result to the 信访部门 that
    assigned it, within the period it set. An up-going document (上行文), so the 签发人 also stands in the
    header (GB/T 9704-2012 §7.2.5)."""

    KIND: ClassVar[str] = "completion_report"
    TITLE: ClassVar[str] = "信访事项办结报告"

    assigning_office: str  # the 信访部门 that assigned the matter (addressee)
    assignment_number: str  # its 交办 number
    assigned_on: dt.date
    due_on: dt.date  # the period set in the 交办 (Art 22¶1(三))
    petitioner_name: str
    matter_number: str
    summary: str  # the matter
    process: str  # 办理过程
    result: str  # 办理结果
    decision: str = ""  # Art 32 outcome when a 处理意见书 was issued
    opinion_doc_number: str = ""  # that 处理意见书's number
    petitioner_feedback: str = ""  # 信访人意见 / 评价 (Art 21¶2)
    late_reason: str = ""  # required when reported after due_on
    attachments: Sequence[str] = field(default_factory=tuple)

    def validate(self) -> None:
        require(
            self,
            "assigning_office",
            "assignment_number",
            "petitioner_name",
            "matter_number",
            "summary",
            "process",
            "result",
        )
        if not blank(self.decision) and self.decision not in DECISIONS:
            raise DocumentError("decision_invalid", f"decision must be one of {DECISIONS}", "decision")
        if not blank(self.decision) and blank(self.opinion_doc_number):
            raise DocumentError(
                "opinion_doc_number_required",
                "cite the 处理意见书 that states the decision",
                "opinion_doc_number",
            )
        not_before(self.due_on, self.assigned_on, "due_on", "assigned_on")
        not_before(self.issued_on, self.assigned_on, "issued_on", "assigned_on")
        if self.issued_on > self.due_on and blank(self.late_reason):
            raise DocumentError(
                "late_reason_required", "the report is after the assigned period: explain why", "late_reason"
            )
        object.__setattr__(self, "attachments", tuple(a.strip() for a in self.attachments if not blank(a)))


ALL_KINDS: tuple[type[DocumentInput], ...] = (
    NoticeOfAcceptance,
    LegalChannelNotice,
    ExtensionNotice,
    OpinionLetter,
    ReviewOpinion,
    RecheckOpinion,
    CompletionReport,
)
