"""The demo organisation: a city with districts, street offices, a bureau at each level, departments."""

from __future__ import annotations

# (code, name, level, parent code)
REGIONS = [
    ("440000", "广东省", 1, None),
    ("440300", "深圳市", 2, "440000"),
    ("440303", "罗湖区", 3, "440300"),
    ("440304", "福田区", 3, "440300"),
    ("440305", "南山区", 3, "440300"),
    ("440305001", "南头街道", 4, "440305"),
    ("440305002", "南山街道", 4, "440305"),
    ("440305003", "沙河街道", 4, "440305"),
    ("440305004", "蛇口街道", 4, "440305"),
    ("440305005", "招商街道", 4, "440305"),
    ("440305006", "粤海街道", 4, "440305"),
    ("440304001", "园岭街道", 4, "440304"),
    ("440304002", "南园街道", 4, "440304"),
    ("440304003", "华富街道", 4, "440304"),
    ("440303001", "桂园街道", 4, "440303"),
    ("440303002", "黄贝街道", 4, "440303"),
    ("440305001001", "南头城社区", 5, "440305001"),
    ("440305006001", "科技园社区", 5, "440305006"),
]

# (key, name, kind, region code, parent key)
UNITS = [
    ("gd_bureau", "广东省信访局", "bureau", "440000", None),
    ("city_bureau", "深圳市信访局", "bureau", "440300", None),
    ("city_gov", "深圳市人民政府", "government", "440300", None),
    ("city_housing", "深圳市住房和建设局", "department", "440300", None),
    ("city_hr", "深圳市人力资源和社会保障局", "department", "440300", None),
    ("city_env", "深圳市生态环境局", "department", "440300", None),
    ("city_transport", "深圳市交通运输局", "department", "440300", None),
    ("city_market", "深圳市市场监督管理局", "department", "440300", None),
    ("city_health", "深圳市卫生健康委员会", "department", "440300", None),
    ("city_edu", "深圳市教育局", "department", "440300", None),
    ("city_police", "深圳市公安局", "political_legal", "440300", None),
    ("city_law", "中共深圳市委政法委员会", "political_legal", "440300", None),
    ("city_discipline", "深圳市纪委监委", "discipline", "440300", None),
    ("ns_bureau", "南山区信访局", "bureau", "440305", "city_bureau"),
    ("ns_housing", "南山区住房和建设局", "department", "440305", "city_housing"),
    ("ns_hr", "南山区人力资源局", "department", "440305", "city_hr"),
    ("ns_urban", "南山区城市管理和综合执法局", "department", "440305", None),
    ("ns_env", "深圳市生态环境局南山管理局", "department", "440305", "city_env"),
    ("ns_edu", "南山区教育局", "department", "440305", "city_edu"),
    ("ns_discipline", "南山区纪委监委", "discipline", "440305", "city_discipline"),
    ("ns_law", "中共南山区委政法委员会", "political_legal", "440305", "city_law"),
    ("ns_mediation", "南山区人民调解委员会", "mediation", "440305", None),
    ("ns_nantou", "南头街道办事处", "street", "440305001", None),
    ("ns_nanshan", "南山街道办事处", "street", "440305002", None),
    ("ns_shahe", "沙河街道办事处", "street", "440305003", None),
    ("ns_shekou", "蛇口街道办事处", "street", "440305004", None),
    ("ns_zhaoshang", "招商街道办事处", "street", "440305005", None),
    ("ns_yuehai", "粤海街道办事处", "street", "440305006", None),
    ("ft_bureau", "福田区信访局", "bureau", "440304", "city_bureau"),
    ("ft_housing", "福田区住房和建设局", "department", "440304", "city_housing"),
    ("ft_yuanling", "园岭街道办事处", "street", "440304001", None),
    ("lh_bureau", "罗湖区信访局", "bureau", "440303", "city_bureau"),
]

# (username, full name, unit key, roles)
STAFF = [
    ("admin", "系统管理员", "city_bureau", ["admin"]),
    ("dengji", "李登记", "city_bureau", ["registrar"]),
    ("dengji2", "王接待", "city_bureau", ["registrar"]),
    ("ducha", "赵督查", "city_bureau", ["supervisor"]),
    ("lingdao", "陈局长", "city_bureau", ["leader", "unit_head"]),
    ("shenji", "孙审计", "city_bureau", ["auditor"]),
    ("ns_dengji", "周登记", "ns_bureau", ["registrar"]),
    ("chengban", "吴承办", "ns_housing", ["handler"]),
    ("fuzeren", "郑科长", "ns_housing", ["unit_head"]),
    ("hr_chengban", "冯承办", "ns_hr", ["handler"]),
    ("cg_chengban", "褚承办", "ns_urban", ["handler"]),
    ("env_chengban", "卫承办", "ns_env", ["handler"]),
    ("jiwei", "蒋纪检", "city_discipline", ["handler", "unit_head"]),
    ("ft_dengji", "沈登记", "ft_bureau", ["registrar"]),
    ("jiedao", "韩街道", "ns_nantou", ["handler", "unit_head"]),
    ("sj_fuzeren", "杨处长", "city_housing", ["unit_head", "handler"]),
    ("sheng_lingdao", "秦主任", "gd_bureau", ["leader", "unit_head"]),
]

# (name, priority, region prefix, category prefix, matter type, litigation only, keywords, target, mode, days)
RULES = [
    ("南山区城乡建设类", 50, "440305", "城乡建设", "", False, "", "ns_housing", "transfer", None),
    ("南山区劳动保障类", 50, "440305", "劳动和社会保障", "", False, "", "ns_hr", "transfer", None),
    ("南山区环境保护类", 50, "440305", "环境保护", "", False, "", "ns_env", "transfer", None),
    ("南山区市容噪音", 40, "440305", "", "", False, "占道,噪音,违建,油烟", "ns_urban", "transfer", None),
    ("南山区教育类", 50, "440305", "教育文体", "", False, "", "ns_edu", "transfer", None),
    ("全市城乡建设类", 80, "4403", "城乡建设", "", False, "", "city_housing", "transfer", None),
    ("全市劳动保障类", 80, "4403", "劳动和社会保障", "", False, "", "city_hr", "transfer", None),
    ("全市交通运输类", 80, "4403", "交通运输", "", False, "", "city_transport", "transfer", None),
    ("全市商贸旅游类", 80, "4403", "商贸旅游", "", False, "", "city_market", "transfer", None),
    ("全市卫生计生类", 80, "4403", "卫生计生", "", False, "", "city_health", "transfer", None),
    ("涉法涉诉转政法委", 10, "4403", "", "", True, "", "city_law", "transfer", None),
    ("检举控告转纪委监委", 10, "4403", "", "accusation", False, "", "city_discipline", "transfer", None),
    ("欠薪交办", 30, "4403", "劳动和社会保障", "", False, "欠薪,拖欠工资", "ns_hr", "assign", 30),
]
