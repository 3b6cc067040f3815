"""Realistic sample inputs, one per document kind (fictional people and numbers), for the preview script and
the tests. The story: 张三 complains to the 南山区住房和建设局 that the developer has not repaired leaking
roofs and that the 专项维修资金 application is stalled."""

from __future__ import annotations

import datetime as dt
from typing import Any

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

D = dt.date
ORGAN = "深圳市南山区住房和建设局"
BASE: dict[str, Any] = {
    "organ": ORGAN,
    "signer": "李明",
    "signer_role": "局长",
    "contact": "王芳，0755-26610000",
    "petitioner_name": "张三",
    "matter_number": "XF4403052026000123",
}


def notice_of_acceptance(**kw: Any) -> NoticeOfAcceptance:
    args = BASE | {
        "doc_number": "深南住建信告〔2026〕31号",
        "issued_on": D(2026, 9, 10),
        "received_on": D(2026, 9, 1),
        "received_via": "来信",
        "summary": "南山区某花园小区3栋楼顶渗漏，申请使用住宅专项维修资金未获答复",
        "handling_route_text": "该信访事项属于本机关职权范围，本机关依照《信访工作条例》"
        "第三十一条第（六）项的规定办理："
        "听取你陈述的事实和理由，组织现场调查核实，并出具信访处理意见书。必要时，本机关将通知你补充相关材料。",
    }
    return NoticeOfAcceptance(**(args | kw))


def legal_channel_notice(**kw: Any) -> LegalChannelNotice:
    args = BASE | {
        "doc_number": "深南住建信导〔2026〕7号",
        "issued_on": D(2026, 9, 12),
        "received_on": D(2026, 9, 2),
        "summary": "要求开发商赔偿房屋渗漏造成的室内装修损失8万元",
        "channel": "诉讼",
        "article_item": 1,
        "why": "你的请求系你与开发企业之间因商品房买卖合同履行引起的民事赔偿争议，"
        "属于应当通过审判机关诉讼程序解决的事项。",
        "competent_body": "深圳市南山区人民法院",
        "time_limit_hint": "向人民法院请求保护民事权利的诉讼时效期间为三年"
        "（《中华人民共和国民法典》第一百八十八条）。",
    }
    return LegalChannelNotice(**(args | kw))


def extension_notice(**kw: Any) -> ExtensionNotice:
    args = BASE | {
        "doc_number": "深南住建信延〔2026〕5号",
        "issued_on": D(2026, 10, 28),
        "accepted_on": D(2026, 9, 3),
        "original_due": D(2026, 11, 2),
        "new_due": D(2026, 12, 2),
        "days": 30,
        "reason": "该信访事项涉及小区业主大会表决程序和维修资金使用方案的审核，需要委托第三方机构对楼顶渗漏"
        "原因和维修费用进行鉴定，鉴定工作需要一定时间，情况复杂，不能在60日内办结。",
        "approver": "李明",
        "approver_role": "局长",
    }
    return ExtensionNotice(**(args | kw))


def opinion_letter(**kw: Any) -> OpinionLetter:
    args = BASE | {
        "doc_number": "深南住建信意〔2026〕12号",
        "issued_on": D(2026, 11, 22),
        "received_on": D(2026, 9, 1),
        "accepted_on": D(2026, 9, 3),
        "request": "要求本机关督促小区物业服务企业启动住宅专项维修资金应急使用程序，尽快维修3栋楼顶渗漏。",
        "facts": "3栋楼顶自2026年5月起多处渗漏，顶层多户住户受影响；"
        "业主委员会于2026年7月提出维修资金使用申请，至今未获处理。",
        "reasons": "楼顶渗漏已危及房屋使用安全，属于应当及时维修的紧急情形，有关单位拖延处理。",
        "findings": "本机关于2026年9月15日组织现场查看，3栋楼顶防水层老化开裂，渗漏属实；经第三方机构鉴定，"
        "属于危及房屋使用安全的紧急情形。该小区业主委员会的申请材料齐全，因物业服务企业未按时报送维修方案而停滞。",
        "decision": "支持",
        "decision_text": "本机关已责令物业服务企业于2026年12月10日前报送维修方案，"
        "并按照住宅专项维修资金应急使用程序"
        "组织维修；维修费用从该栋住宅专项维修资金中列支。",
        "legal_basis": [
            "《物业管理条例》第五十四条",
            "《住宅专项维修资金管理办法》第二十二条",
            "《深圳市物业管理条例》有关住宅专项维修资金应急使用的规定",
        ],
        "review_organ": "深圳市南山区人民政府",
    }
    return OpinionLetter(**(args | kw))


def review_opinion(**kw: Any) -> ReviewOpinion:
    args = BASE | {
        "organ": "深圳市南山区人民政府",
        "signer": "赵强",
        "signer_role": "副区长",
        "doc_number": "深南府信复查〔2026〕9号",
        "issued_on": D(2026, 12, 28),
        "prior_organ": ORGAN,
        "prior_doc_number": "深南住建信意〔2026〕12号",
        "prior_issued_on": D(2026, 11, 22),
        "reply_received_on": D(2026, 11, 25),
        "request_received_on": D(2026, 12, 5),
        "request": "请求撤销原处理意见，并由开发企业而非住宅专项维修资金承担维修费用。",
        "findings": "经复查，原处理机关认定的事实清楚，该楼已过开发企业保修期限，"
        "维修费用依法从住宅专项维修资金中列支，"
        "原处理意见适用依据正确，程序合法。",
        "outcome": "维持",
        "outcome_text": "你要求由开发企业承担维修费用的请求，缺乏事实根据，不予支持。",
        "legal_basis": ["《信访工作条例》第三十五条", "《建设工程质量管理条例》第四十条"],
        "recheck_organ": "深圳市人民政府",
    }
    return ReviewOpinion(**(args | kw))


def recheck_opinion(**kw: Any) -> RecheckOpinion:
    args = BASE | {
        "organ": "深圳市人民政府",
        "signer": "钱伟",
        "signer_role": "副市长",
        "doc_number": "深府信复核〔2027〕3号",
        "issued_on": D(2027, 2, 10),
        "prior_organ": "深圳市南山区人民政府",
        "prior_doc_number": "深南府信复查〔2026〕9号",
        "prior_issued_on": D(2026, 12, 28),
        "reply_received_on": D(2026, 12, 30),
        "request_received_on": D(2027, 1, 8),
        "request": "请求撤销复查意见，由开发企业承担维修费用。",
        "findings": "经复核，复查意见认定事实清楚，适用依据正确，程序合法。",
        "outcome": "维持",
        "outcome_text": "维持复查意见。",
        "legal_basis": ["《信访工作条例》第三十六条"],
        "hearing_held": True,
        "hearing_summary": "本机关于2027年1月20日举行听证，信访人、开发企业、物业服务企业代表及业主代表参加，"
        "各方陈述了意见并进行了质证。",
    }
    return RecheckOpinion(**(args | kw))


def completion_report(**kw: Any) -> CompletionReport:
    args = {k: v for k, v in BASE.items()} | {
        "doc_number": "深南住建〔2026〕88号",
        "issued_on": D(2026, 11, 25),
        "assigning_office": "深圳市南山区信访局",
        "assignment_number": "南信交〔2026〕41号",
        "assigned_on": D(2026, 9, 3),
        "due_on": D(2026, 11, 30),
        "summary": "某花园小区3栋楼顶渗漏、住宅专项维修资金使用申请未获处理",
        "process": "本机关于2026年9月3日收到交办件后，即登记受理并书面告知信访人；9月15日组织现场查看，"
        "委托第三方机构鉴定；10月28日经本机关负责人批准延期30日并告知信访人；11月22日出具信访处理意见书。",
        "result": "责令物业服务企业报送维修方案，按应急使用程序组织维修，维修工作预计于2026年12月底前完成。",
        "decision": "支持",
        "opinion_doc_number": "深南住建信意〔2026〕12号",
        "petitioner_feedback": "信访人对处理意见表示认可，已通过信访信息系统评价为“满意”。",
        "attachments": ["信访事项处理意见书（深南住建信意〔2026〕12号）", "现场查看记录及鉴定意见"],
    }
    return CompletionReport(**(args | kw))


SAMPLES: dict[str, Any] = {
    "notice_of_acceptance": notice_of_acceptance,
    "legal_channel_notice": legal_channel_notice,
    "extension_notice": extension_notice,
    "opinion_letter": opinion_letter,
    "review_opinion": review_opinion,
    "recheck_opinion": recheck_opinion,
    "completion_report": completion_report,
}


def all_samples() -> list[DocumentInput]:
    return [factory() for factory in SAMPLES.values()]
