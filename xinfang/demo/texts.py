"""Petition texts for the demo, written for this project: templates with slots filled deterministically."""

from __future__ import annotations

import random

# Estate names without a 小区 suffix: the templates add it ("{estate}小区").
ESTATES = ["阳光花园", "海岸名苑", "桃源新村", "南港雅居", "科技园公寓", "荔林苑", "滨海华庭", "青山公寓"]
ROADS = ["南海大道", "深南大道", "前海路", "桂庙路", "学府路", "沙河西路", "工业八路", "登良路"]
COMPANIES = [
    "鑫达建筑劳务公司",
    "宏盛物业管理公司",
    "远航电子厂",
    "新城装饰工程公司",
    "华美餐饮管理公司",
    "快捷物流公司",
    "博学教育培训中心",
    "安康药房",
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "建华",
    "海燕",
    "志强",
]

# category → list of (title, request, facts, reasons)
TEMPLATES: dict[str, list[tuple[str, str, str, str]]] = {
    "城乡建设": [
        (
            "{estate}小区电梯长期故障无人维修",
            "请求督促物业和相关部门尽快维修{estate}小区{n}栋电梯。",
            "{estate}小区{n}栋电梯自{m}个月前起频繁停运，业主多次向物业报修，物业称维修资金不足一直拖延。",
            "楼内有多位老人和残疾人，上下楼十分困难，存在安全隐患，物业应依合同履行维修义务。",
        ),
        (
            "{road}旁工地夜间施工噪音扰民",
            "请求责令{company}停止夜间违规施工。",
            "{road}旁的建筑工地每天晚上十一点后仍在打桩、运输渣土，持续约{m}个月。",
            "夜间施工严重影响周边居民休息，施工单位未取得夜间施工许可。",
        ),
        (
            "{estate}安置房迟迟不能交付",
            "请求尽快交付{estate}安置房并支付逾期过渡费。",
            "按照拆迁安置协议，{estate}安置房应于去年底交付，至今已逾期{m}个月，过渡费也已停发。",
            "开发单位违反安置协议，被拆迁户长期在外租房，生活困难。",
        ),
        (
            "{estate}小区违章搭建占用公共通道",
            "请求依法拆除{estate}小区{n}栋一楼违章搭建。",
            "{estate}小区{n}栋一楼住户在公共绿地上搭建铁皮房，占用消防通道。",
            "违章搭建堵塞消防通道，一旦发生火灾后果严重。",
        ),
    ],
    "劳动和社会保障": [
        (
            "{company}拖欠{n}名工人工资",
            "请求督促{company}支付拖欠的{m}个月工资共{amount}元。",
            "我们{n}名工人在{company}承包的工地务工，公司自{m}个月前起以资金周转困难为由拒发工资。",
            "按时足额支付劳动报酬是用人单位的法定义务，我们多次讨要无果，生活难以为继。",
        ),
        (
            "{company}未依法缴纳社会保险",
            "请求责令{company}为员工补缴社会保险。",
            "本人在{company}工作{m}年，公司一直未为员工缴纳养老和医疗保险。",
            "依法缴纳社会保险是用人单位的义务，公司的做法损害了员工的合法权益。",
        ),
        (
            "退休待遇核定有误请求复核",
            "请求重新核定本人退休待遇。",
            "本人于今年办理退休，核定的视同缴费年限比实际工作年限少了{n}年。",
            "本人有原单位的档案和工资表可以证明工作经历，核定结果与事实不符。",
        ),
    ],
    "环境保护": [
        (
            "{road}附近{company}排放废气刺鼻",
            "请求查处{company}违法排放废气。",
            "{road}附近的{company}每天傍晚排放有刺鼻气味的废气，周边{estate}小区居民不敢开窗。",
            "企业违法排污影响居民健康，请生态环境部门依法检查。",
        ),
        (
            "{estate}楼下餐馆油烟直排",
            "请求督促楼下餐馆安装油烟净化设施。",
            "{estate}小区{n}栋楼下新开的餐馆未安装油烟净化设备，油烟直接排向住宅楼。",
            "油烟直排违反大气污染防治规定，严重影响楼上住户生活。",
        ),
    ],
    "交通运输": [
        (
            "{road}公交站点撤销出行不便",
            "请求恢复{road}{estate}公交站点。",
            "{road}{estate}附近的公交站点于{m}个月前被撤销，附近居民需步行二十分钟才能乘车。",
            "站点周边有学校和社区卫生中心，老人和学生出行十分不便。",
        ),
        (
            "{road}路口红绿灯时长不合理",
            "请求调整{road}路口信号灯配时。",
            "{road}与{road2}交叉路口行人绿灯仅有十几秒，老人来不及通过。",
            "信号灯配时不合理，存在交通安全隐患。",
        ),
    ],
    "商贸旅游": [
        (
            "{company}预付卡无法退费",
            "请求督促{company}退还预付卡余额{amount}元。",
            "本人在{company}办理预付卡，现门店关闭，商家拒绝退还余额。",
            "商家停业未履行合同，应当退还剩余款项。",
        ),
    ],
    "卫生计生": [
        (
            "{company}销售过期药品",
            "请求查处{company}销售过期药品行为。",
            "本人于上周在{road}的{company}购买的药品已过有效期，商家拒绝退换。",
            "销售过期药品危害群众健康，违反药品管理规定。",
        ),
    ],
    "教育文体": [
        (
            "{estate}片区适龄儿童入学难",
            "请求增加{estate}片区学位供给。",
            "{estate}片区今年适龄儿童较多，片区学校学位不足，{n}名儿童被分流到较远学校。",
            "义务教育应就近入学，孩子每天通勤一个多小时，家长难以接送。",
        ),
        (
            "{company}培训机构停课不退费",
            "请求督促{company}退还培训费{amount}元。",
            "孩子在{company}报名的课程仅上了{n}节课，机构就停课失联。",
            "培训机构收费后不提供服务，应退还剩余费用。",
        ),
    ],
}

#: What a petitioner adds when coming back about the same matter (a repeat petition, 重复信访).
FOLLOW_UPS = [
    "上次反映后至今没有得到解决，请尽快处理。",
    "已经反映过一次，情况没有任何改善。",
    "前期反映的问题仍然存在，希望有关部门重视。",
    "问题拖了这么久还没解决，请给个明确答复。",
]

ACCUSATIONS = [
    (
        "反映{unit}工作人员收受好处费",
        "请求调查{unit}个别工作人员违规收受好处费问题。",
        "{m}个月前办理相关审批时，经办人员暗示需要“打点”，本人被迫支付{amount}元后才办结。",
        "公职人员利用职务便利索取财物，违反廉洁纪律。",
    ),
]

LITIGATION = [
    (
        "不服法院判决请求重新审理",
        "请求对本人与{company}的合同纠纷案重新审理。",
        "本人与{company}合同纠纷一案已经区人民法院判决，本人认为判决认定事实错误。",
        "判决未采纳本人提交的关键证据，结果不公。",
    ),
    (
        "劳动仲裁裁决未执行",
        "请求督促执行劳动仲裁裁决，{company}支付补偿金{amount}元。",
        "劳动人事争议仲裁委员会已裁决{company}支付本人经济补偿，公司至今未履行。",
        "生效裁决应当履行，公司拒不履行损害本人权益。",
    ),
]


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def fill(template: tuple[str, str, str, str], rng: random.Random, **extra: str) -> tuple[str, str, str, str]:
    slots = {
        "estate": rng.choice(ESTATES),
        "road": rng.choice(ROADS),
        "road2": rng.choice(ROADS),
        "company": rng.choice(COMPANIES),
        "n": str(rng.randint(2, 30)),
        "m": str(rng.randint(2, 11)),
        "amount": f"{rng.randint(3, 180) * 1000:,}",
        **extra,
    }
    return tuple(part.format(**slots) for part in template)  # type: ignore[return-value]


def valid_id_number(rng: random.Random, region: str = "440305") -> str:
    """A syntactically valid, made-up ID number (GB 11643 checksum)."""
    from xinfang.core.pii import id_check_digit

    birth = f"{rng.randint(1950, 2004)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    body = f"{region}{birth}{rng.randint(0, 999):03d}"
    return body + id_check_digit(body)


def mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3578')}{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}"
