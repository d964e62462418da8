"""Reference data of 塔河县 (Tahe County, Daxing'anling, Heilongjiang) for the demo and benchmarks.

Township codes are the real statistical division codes. Village names are those of the county as far as
we could confirm them; the rest are plausible demo names, and every village code follows the national
scheme (001–199 communities, 200–399 villages).
"""

from __future__ import annotations

COUNTY = ("232722000000", "塔河县")

TOWNSHIPS: list[tuple[str, str]] = [
    ("232722100000", "塔河镇"),
    ("232722101000", "瓦拉干镇"),
    ("232722102000", "盘古镇"),
    ("232722103000", "古驿镇"),
    ("232722104000", "开库康镇"),
    ("232722200000", "十八站鄂伦春族乡"),
    ("232722201000", "依西肯乡"),
]

# (code, name) per township, by township code.
VILLAGES: dict[str, list[tuple[str, str]]] = {
    "232722100000": [
        ("232722100001", "东山社区"),
        ("232722100002", "西岭社区"),
        ("232722100003", "河南社区"),
        ("232722100201", "永丰村"),
        ("232722100202", "新建村"),
        ("232722100203", "塔丰村"),
    ],
    "232722101000": [
        ("232722101001", "瓦拉干社区"),
        ("232722101201", "瓦拉干村"),
        ("232722101202", "富林村"),
    ],
    "232722102000": [("232722102001", "盘古社区"), ("232722102201", "盘古村"), ("232722102202", "蒙克山村")],
    "232722103000": [
        ("232722103001", "古驿社区"),
        ("232722103201", "古驿村"),
        ("232722103202", "二十二站村"),
    ],
    "232722104000": [
        ("232722104201", "开库康村"),
        ("232722104202", "马伦村"),
        ("232722104203", "大草甸子村"),
    ],
    "232722200000": [
        ("232722200201", "鄂伦春民族村"),
        ("232722200202", "十八站村"),
        ("232722200203", "白银纳村"),
    ],
    "232722201000": [("232722201201", "依西肯村"), ("232722201202", "安罗村"), ("232722201203", "三合村")],
}

# (code, name, short name) of county departments; the plan's member units and the bureaus DESIGN.md names.
DEPARTMENTS: list[tuple[str, str, str]] = [
    ("czj", "塔河县财政局", "财政局"),
    ("rsj", "塔河县人力资源和社会保障局", "人社局"),
    ("nyncj", "塔河县农业农村局", "农业农村局"),
    ("mzj", "塔河县民政局", "民政局"),
    ("sjj", "塔河县审计局", "审计局"),
    ("xczxj", "塔河县乡村振兴局", "乡村振兴局"),
    ("jyj", "塔河县教育局", "教育局"),
    ("wjj", "塔河县卫生健康局", "卫健局"),
    ("zjj", "塔河县住房和城乡建设局", "住建局"),
    ("lcj", "塔河县林业和草原局", "林草局"),
    ("yjglj", "塔河县应急管理局", "应急管理局"),
    ("fgj", "塔河县经济发展和改革局", "发改局"),
    ("zfb", "塔河县人民政府办公室", "政府办"),
    ("rmyh", "中国人民银行塔河县支行", "人民银行"),
]

# Agent banks (代发银行): (bank code, name, department code of its county branch).
AGENT_BANKS: list[tuple[str, str, str]] = [
    ("103", "中国农业银行", "bank-abc"),
    ("105", "中国建设银行", "bank-ccb"),
    ("403", "中国邮政储蓄银行", "bank-psbc"),
    ("102", "中国工商银行", "bank-icbc"),
    ("402", "黑龙江塔河农村商业银行", "bank-rcb"),
]
