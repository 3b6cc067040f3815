"""One layout function per document kind, producing a format-neutral :class:`Layout`.

The layout is the conventional 公文 structure (GB/T 9704-2012《党政机关公文格式》): 版头 (发文机关标志,
发文字号, red separator), 标题, 主送机关 / addressee, 正文 with numbered sections, 附件说明, 发文机关署名,
成文日期 (Arabic numerals, §7.3.5.1) and 印章, 附注 (联系人及电话, §7.3.7), and for the 办结报告 — an
up-going document — the 签发人 in the header (§7.2.5) and the 版记 with 印发机关和印发日期 (§7.4). Letters
to a petitioner carry no 签发人 and no 印发 line (GB/T 9704 puts neither on a 下行文 / 信函); who signed, in
which role, is recorded in the document's metadata (``signoff``) and by the issuing service. ``render_docx``
and ``render_pdf`` draw the same Layout, so the Word and PDF versions always say the same thing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .cndate import arabic_date as ad
from .errors import DocumentError
from .kinds import (
    CompletionReport,
    DocumentInput,
    ExtensionNotice,
    LegalChannelNotice,
    NoticeOfAcceptance,
    OpinionLetter,
    RecheckOpinion,
    ReviewOpinion,
)

SEAL_PLACEHOLDER = "（印章）"
NUMERALS = "一二三四五六七八九十"
REGS = "《信访工作条例》"


@dataclass(frozen=True)
class Section:
    heading: str  # without the 一、 prefix; numbered by the renderer-neutral text below
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class Layout:
    kind: str
    organ: str  # 发文机关标志
    red_header: bool
    doc_number: str
    header_signer: str  # 上行文 only: "签发人：李四"; "" otherwise
    title: str
    addressee: str  # "张三：" or the 主送机关
    opening: tuple[str, ...]
    sections: tuple[Section, ...]
    closing: tuple[str, ...]  # e.g. 特此告知。
    attachments: tuple[str, ...]
    signature_organ: str
    signature_date: str  # 2026年11月22日 (GB/T 9704-2012 §7.3.5.1: Arabic numerals, no leading zeros)
    signoff: str  # 签发人：李四（局长） — metadata only (PDF/docx properties), not printed on letters
    note: str  # 附注 under the date, e.g. （联系人：王芳，联系电话：0755-26610000）; "" for none
    record_lines: tuple[str, ...]  # 版记 (§7.4): 印发机关和印发日期, only for the 上行 办结报告

    def numbered_sections(self) -> list[tuple[str, tuple[str, ...]]]:
        return [(f"{NUMERALS[i]}、{s.heading}", s.paragraphs) for i, s in enumerate(self.sections)]

    def text(self) -> str:
        """Plain text in reading order (for indexing and for tests)."""
        out = [self.organ, self.doc_number]
        if self.header_signer:
            out.append(self.header_signer)
        out += [self.title, self.addressee, *self.opening]
        for heading, paras in self.numbered_sections():
            out += [heading, *paras]
        out += list(self.closing)
        if self.attachments:
            out.append("附件：" + "；".join(f"{i}. {a}" for i, a in enumerate(self.attachments, 1)))
        out += [SEAL_PLACEHOLDER, self.signature_organ, self.signature_date, self.note, *self.record_lines]
        return "\n".join(x for x in out if x)


def _frame(
    doc: DocumentInput,
    addressee: str,
    opening: Sequence[str],
    sections: Sequence[Section],
    closing: Sequence[str] = (),
    attachments: Sequence[str] = (),
    header_signer: bool = False,
) -> Layout:
    contact = doc.contact.strip()
    note = ""
    if contact:
        name, sep, phone = contact.partition("，")
        note = (
            f"（联系人：{name.strip()}，联系电话：{phone.strip()}）"
            if sep
            else f"（联系人及电话：{contact}）"
        )
    # 版记 only on the up-going report; a letter to a petitioner has none (信函格式, GB/T 9704-2012 §10.1).
    record = (f"{doc.organ.strip()}　　{ad(doc.issued_on)}印发",) if header_signer else ()
    return Layout(
        kind=doc.KIND,
        organ=doc.organ.strip(),
        red_header=doc.red_header,
        doc_number=doc.doc_number.strip(),
        header_signer=f"签发人：{doc.signer.strip()}" if header_signer else "",
        title=doc.TITLE,
        addressee=f"{addressee.strip()}：",
        opening=tuple(opening),
        sections=tuple(sections),
        closing=tuple(closing),
        attachments=tuple(attachments),
        signature_organ=doc.organ.strip(),
        signature_date=ad(doc.issued_on),
        signoff=f"签发人：{doc.signer.strip()}（{doc.signer_role.strip()}）",
        note=note,
        record_lines=record,
    )


def _sec(heading: str, *paras: str) -> Section:
    return Section(heading, tuple(p.strip() for p in paras if p and p.strip()))


def _basis_paras(items: Sequence[str]) -> tuple[str, ...]:
    return tuple(f"（{NUMERALS[i] if i < 10 else i + 1}）{b}" for i, b in enumerate(items))


def layout_notice_of_acceptance(d: NoticeOfAcceptance) -> Layout:
    opening = (
        f"你于{ad(d.received_on)}以{d.received_via}方式反映的“{d.summary.strip()}”的信访事项"
        f"（信访事项编号：{d.matter_number}），本机关已收悉。根据{REGS}第二十三条的规定，现将有关事项告知如下：",
    )
    route = [d.handling_route_text]
    if d.forwarded_to.strip():
        route.append(f"本机关已将该信访事项转送、交办{d.forwarded_to.strip()}办理，请你与其联系。")
    limit = ""
    if d.time_limit_days is not None:
        limit = f"根据{REGS}第三十四条的规定，该信访事项将自受理之日起{d.time_limit_days}日内办结；情况复杂需要延长办理期限的，将另行书面告知延期理由。"  # noqa: E501
    sections = [
        _sec("接收情况", f"本机关已于{ad(d.received_on)}登记接收你反映的信访事项，并录入信访信息系统。"),
        _sec("处理途径和程序", *route),
    ]
    if limit:
        sections.append(_sec("办理期限", limit))
    sections.append(
        _sec(
            "查询和评价",
            f"你可以凭信访事项编号通过信访信息系统查询办理情况，并对办理情况进行评价（{REGS}第二十一条）。",
        )
    )
    return _frame(d, d.petitioner_name, opening, sections, closing=("特此告知。",))


_CHANNEL_VERB = {
    "诉讼": "依法提起诉讼",
    "仲裁": "依法申请仲裁",
    "党员申诉": "依照党内法规提出申诉",
    "申请复审": "依照有关规定申请复审",
    "行政复议": "依法申请行政复议",
    "行政裁决": "依法申请行政裁决",
    "行政确认": "依法申请行政确认",
    "行政许可": "依法申请行政许可",
    "行政处罚": "依法投诉举报，由其依法调查处理并作出行政处罚决定",
}


def layout_legal_channel_notice(d: LegalChannelNotice) -> Layout:
    item = NUMERALS[d.article_item - 1]
    opening = (
        f"你于{ad(d.received_on)}反映的“{d.summary.strip()}”的信访事项（信访事项编号：{d.matter_number}），"
        f"本机关已收悉。经审查，现将有关事项告知如下：",
    )
    sections = [
        _sec(
            "审查意见",
            f"{d.why.strip()}根据{REGS}第二十八条第二款、第三十一条第（{item}）项的规定，"
            f"该事项应当通过{d.channel}途径解决，本机关依法将其导入相应法定程序处理，不再按照信访程序办理。",
        ),
        _sec("法定途径", f"请你向{d.competent_body.strip()}{_CHANNEL_VERB[d.channel]}。", d.time_limit_hint),
        _sec(
            "权利告知",
            "通过法定途径提出的请求，由有权机关依照法定程序处理。有关申请期限、时效等以相关法律法规的规定为准，"
            "请你及时依法行使权利，以免因超过法定期限影响自身权益。",
        ),
    ]
    return _frame(d, d.petitioner_name, opening, sections, closing=("特此告知。",))


def layout_extension_notice(d: ExtensionNotice) -> Layout:
    opening = (
        f"本机关于{ad(d.accepted_on)}受理的你反映的信访事项（信访事项编号：{d.matter_number}），"
        f"原办理期限至{ad(d.original_due)}届满。现将延期办理有关事项告知如下：",
    )
    sections = [
        _sec("延期理由", d.reason),
        _sec(
            "延长期限",
            f"经本机关{d.approver_role.strip()}{d.approver.strip()}批准，根据{REGS}第三十四条的规定，"
            f"该信访事项办理期限延长{d.days}日，至{ad(d.new_due)}届满。延长期限未超过30日。",
        ),
        _sec(
            "办理安排",
            "本机关将在延长期限内办结该信访事项，并出具信访处理意见书。在此期间，你可以通过信访信息系统查询办理情况。",
        ),
    ]
    return _frame(d, d.petitioner_name, opening, sections, closing=("特此告知。",))


_DECISION_LEAD = {
    # Art 32(一)–(三)
    "支持": "经研究，你的请求事实清楚，符合法律、法规、规章或者其他有关规定，本机关予以支持。",
    "解释说明": "经研究，你的请求事由合理，但缺乏法律依据，本机关作如下解释说明。",
    "不予支持": "经研究，你的请求缺乏事实根据或者不符合法律、法规、规章或者其他有关规定，本机关不予支持。",
}
_DECISION_TAIL = {
    # Art 32¶2
    "支持": "本机关将督促有关机关、单位执行本处理意见。",
    "解释说明": "",
    "不予支持": "",
}


# Findings typed as staff write them often open with their own 经查/经调查核实: the section already says it.
_FINDINGS_LEAD = re.compile(r"^(?:经调查核实|经调查核查|经调查|经核查|经核实|经查实|经查)[：:，,、\s]*")


def _findings(text: str) -> str:
    return _FINDINGS_LEAD.sub("", text.strip(), count=1) or text.strip()


def layout_opinion_letter(d: OpinionLetter) -> Layout:
    heard = "，并依法举行了听证" if d.hearing_held else ""
    opening = (
        f"你于{ad(d.received_on)}反映的信访事项（信访事项编号：{d.matter_number}），本机关已于{ad(d.accepted_on)}受理。"
        f"本机关听取了你陈述的事实和理由，进行了调查核实{heard}。根据{REGS}第三十一条第（六）项、第三十二条的规定，"
        "现出具处理意见如下：",
    )
    sections = [
        _sec("投诉请求", d.request),
        _sec(
            "事实和理由",
            f"你反映：{d.facts.strip()}",
            f"你认为：{d.reasons.strip()}",
            f"经调查核实：{_findings(d.findings)}",
        ),
        _sec(
            f"处理意见（{d.decision}）",
            _DECISION_LEAD[d.decision],
            d.decision_text,
            _DECISION_TAIL[d.decision],
        ),
        _sec("法律法规依据", *_basis_paras(d.legal_basis)),
        _sec("复查权利告知", d.rights_text),
    ]
    return _frame(d, d.petitioner_name, opening, sections)


_OUTCOME_LEAD = {
    "维持": "维持{organ}作出的处理意见（{num}）。",
    "变更": "变更{organ}作出的处理意见（{num}）。",
    "撤销": "撤销{organ}作出的处理意见（{num}）。",
}


def _review_sections(
    d: ReviewOpinion | RecheckOpinion, prior_label: str, extra: Sequence[Section] = ()
) -> list[Section]:
    lead = _OUTCOME_LEAD[d.outcome].format(organ=d.prior_organ.strip(), num=d.prior_doc_number.strip())
    return [
        _sec(f"{prior_label}请求", d.request),
        _sec("查明事实", d.findings),
        *extra,
        _sec(f"{prior_label}意见（{d.outcome}）", lead, d.outcome_text),
        _sec("法律法规依据", *_basis_paras(d.legal_basis)),
        _sec("权利告知" if isinstance(d, ReviewOpinion) else "终结告知", d.rights_text),
    ]


def layout_review_opinion(d: ReviewOpinion) -> Layout:
    opening = (
        f"你不服{d.prior_organ.strip()}于{ad(d.prior_issued_on)}作出的《信访事项处理意见书》（{d.prior_doc_number.strip()}），"
        f"于{ad(d.request_received_on)}向本机关请求复查（信访事项编号：{d.matter_number}）。根据{REGS}第三十五条的规定，"
        "本机关对该信访事项进行了复查，现将复查意见答复如下：",
    )
    return _frame(d, d.petitioner_name, opening, _review_sections(d, "复查"))


def layout_recheck_opinion(d: RecheckOpinion) -> Layout:
    opening = (
        f"你不服{d.prior_organ.strip()}于{ad(d.prior_issued_on)}作出的《信访事项复查意见书》（{d.prior_doc_number.strip()}），"
        f"于{ad(d.request_received_on)}向本机关请求复核（信访事项编号：{d.matter_number}）。根据{REGS}第三十六条的规定，"
        "本机关对该信访事项进行了复核，现将复核意见答复如下：",
    )
    extra: list[Section] = []
    if d.hearing_held:
        note = "听证所需时间不计算在复核期限内（《信访工作条例》第三十六条第二款）。"
        if d.publish:
            note += "本复核意见经过听证，依法向社会公示。"
        extra.append(_sec("听证情况", d.hearing_summary, note))
    return _frame(d, d.petitioner_name, opening, _review_sections(d, "复核", extra))


def layout_completion_report(d: CompletionReport) -> Layout:
    opening = (
        f"{d.assigning_office.strip()}于{ad(d.assigned_on)}交办的{d.petitioner_name.strip()}"
        f"反映“{d.summary.strip()}”的信访事项"
        f"（交办编号：{d.assignment_number.strip()}，信访事项编号：{d.matter_number.strip()}），要求于{ad(d.due_on)}前"
        f"反馈办理结果。根据{REGS}第二十二条第一款第（三）项的规定，现将办理情况报告如下：",
    )
    result = [d.result]
    if d.decision.strip():
        result.append(
            f"本机关已出具《信访事项处理意见书》（{d.opinion_doc_number.strip()}），处理意见为“{d.decision}”。"
        )
    sections = [_sec("办理过程", d.process), _sec("办理结果", *result)]
    if d.petitioner_feedback.strip():
        sections.append(_sec("信访人意见", d.petitioner_feedback))
    if d.late_reason.strip():
        sections.append(_sec("逾期说明", d.late_reason))
    return _frame(
        d,
        d.assigning_office,
        opening,
        sections,
        closing=("特此报告。",),
        attachments=tuple(d.attachments),
        header_signer=True,
    )


_LAYOUTS: dict[type[DocumentInput], Callable[[Any], Layout]] = {
    NoticeOfAcceptance: layout_notice_of_acceptance,
    LegalChannelNotice: layout_legal_channel_notice,
    ExtensionNotice: layout_extension_notice,
    OpinionLetter: layout_opinion_letter,
    ReviewOpinion: layout_review_opinion,
    RecheckOpinion: layout_recheck_opinion,
    CompletionReport: layout_completion_report,
}


def layout_for(doc: DocumentInput) -> Layout:
    try:
        fn = _LAYOUTS[type(doc)]
    except KeyError:
        raise DocumentError("kind_unknown", f"no layout for {type(doc).__name__}") from None
    return fn(doc)
