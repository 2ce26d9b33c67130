"""Customer names, e-mail addresses and company names for the demo workspaces.

Chinese names carry their pinyin so the e-mail address looks like one a real
customer would pick; every address is on example.com / example.cn (RFC 2606),
so the demo can never mail a real person.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

SURNAMES = (
    ("王", "wang"),
    ("李", "li"),
    ("张", "zhang"),
    ("刘", "liu"),
    ("陈", "chen"),
    ("杨", "yang"),
    ("黄", "huang"),
    ("赵", "zhao"),
    ("吴", "wu"),
    ("周", "zhou"),
    ("徐", "xu"),
    ("孙", "sun"),
    ("马", "ma"),
    ("朱", "zhu"),
    ("胡", "hu"),
    ("郭", "guo"),
    ("何", "he"),
    ("高", "gao"),
    ("林", "lin"),
    ("罗", "luo"),
    ("郑", "zheng"),
    ("梁", "liang"),
    ("谢", "xie"),
    ("宋", "song"),
    ("唐", "tang"),
    ("许", "xu"),
    ("韩", "han"),
    ("冯", "feng"),
    ("邓", "deng"),
    ("曹", "cao"),
    ("欧阳", "ouyang"),
    ("司马", "sima"),
)
GIVEN_NAMES = (
    ("伟", "wei"),
    ("芳", "fang"),
    ("娜", "na"),
    ("秀英", "xiuying"),
    ("敏", "min"),
    ("静", "jing"),
    ("丽", "li"),
    ("强", "qiang"),
    ("磊", "lei"),
    ("军", "jun"),
    ("洋", "yang"),
    ("勇", "yong"),
    ("艳", "yan"),
    ("杰", "jie"),
    ("娟", "juan"),
    ("涛", "tao"),
    ("明", "ming"),
    ("超", "chao"),
    ("秀兰", "xiulan"),
    ("霞", "xia"),
    ("平", "ping"),
    ("刚", "gang"),
    ("桂英", "guiying"),
    ("子涵", "zihan"),
    ("浩然", "haoran"),
    ("梓萱", "zixuan"),
    ("宇轩", "yuxuan"),
    ("欣怡", "xinyi"),
    ("思远", "siyuan"),
    ("雨桐", "yutong"),
    ("嘉怡", "jiayi"),
    ("一鸣", "yiming"),
    ("晓燕", "xiaoyan"),
    ("建华", "jianhua"),
    ("志强", "zhiqiang"),
    ("佳琪", "jiaqi"),
    ("俊杰", "junjie"),
    ("文博", "wenbo"),
    ("诗涵", "shihan"),
    ("天佑", "tianyou"),
)
FIRST_NAMES = (
    "Emily",
    "James",
    "Olivia",
    "Liam",
    "Sophie",
    "Noah",
    "Mia",
    "Lucas",
    "Hannah",
    "Ethan",
    "Chloe",
    "Daniel",
    "Grace",
    "Jack",
    "Anna",
    "Ben",
    "Laura",
    "Tom",
    "Julia",
    "Max",
    "Sarah",
    "David",
    "Emma",
    "Leon",
    "Nora",
    "Felix",
    "Amelia",
    "Oscar",
    "Isla",
    "Henry",
    "Priya",
    "Raj",
    "Yuki",
    "Kenji",
    "Fatima",
    "Omar",
    "Elena",
    "Marco",
    "Ines",
    "Pierre",
)
LAST_NAMES = (
    "Smith",
    "Johnson",
    "Brown",
    "Taylor",
    "Wilson",
    "Clark",
    "Walker",
    "Wright",
    "Hall",
    "Young",
    "King",
    "Green",
    "Baker",
    "Turner",
    "Parker",
    "Evans",
    "Collins",
    "Murphy",
    "Cook",
    "Bell",
    "Müller",
    "Schmidt",
    "Fischer",
    "Weber",
    "Becker",
    "Novak",
    "Rossi",
    "Dubois",
    "Silva",
    "Kowalski",
    "Patel",
    "Khan",
    "Tanaka",
    "Sato",
    "Kim",
    "Nguyen",
    "O'Brien",
    "García",
    "Jensen",
    "Larsen",
)

ZH_CITIES = (
    ("上海", "sh"),
    ("深圳", "sz"),
    ("杭州", "hz"),
    ("北京", "bj"),
    ("苏州", "suzhou"),
    ("成都", "cd"),
    ("广州", "gz"),
    ("武汉", "wh"),
    ("南京", "nj"),
    ("青岛", "qd"),
)
ZH_CORES = (
    ("云帆", "yunfan"),
    ("星联", "xinglian"),
    ("远航", "yuanhang"),
    ("智运", "zhiyun"),
    ("华通", "huatong"),
    ("捷达", "jieda"),
    ("鼎盛", "dingsheng"),
    ("恒信", "hengxin"),
    ("速通", "sutong"),
    ("万里", "wanli"),
    ("海纳", "haina"),
    ("安达", "anda"),
)
ZH_TRADES = ("物流", "科技", "供应链", "配送", "冷链", "餐饮管理", "零售")
EN_PREFIXES = (
    "Bright",
    "North",
    "Blue",
    "Iron",
    "Swift",
    "Silver",
    "Harbor",
    "Summit",
    "Red",
    "Oak",
    "Clear",
    "Cedar",
    "Stone",
    "Pioneer",
    "Falcon",
)
EN_SUFFIXES = ("line", "wind", "field", "gate", "bridge", "path", "point", "way", "ridge", "port")
EN_TRADES = ("Logistics", "Foods", "Retail", "Freight", "Supply", "Couriers", "Pharma", "Grocers")
EN_LEGAL = ("GmbH", "Ltd", "Inc.", "AG", "B.V.", "LLC", "S.A.")


@dataclass(frozen=True)
class Person:
    name: str
    email: str


def chinese_person(rng: random.Random) -> Person:
    """A Chinese name with a pinyin address, the way most mainland customers sign up."""
    surname, surname_py = rng.choice(SURNAMES)
    given, given_py = rng.choice(GIVEN_NAMES)
    style = rng.randrange(3)
    if style == 0:
        local = f"{given_py}.{surname_py}{rng.randint(1, 99)}"
    elif style == 1:
        local = f"{surname_py}{given_py}{rng.randint(1980, 2005)}"
    else:
        local = f"{surname_py}_{given_py}"
    domain = "example.cn" if rng.random() < 0.7 else "example.com"
    return Person(name=f"{surname}{given}", email=f"{local}@{domain}")


def english_person(rng: random.Random) -> Person:
    """A western name; the address drops accents and apostrophes as mail providers do."""
    first = rng.choice(FIRST_NAMES)
    last = rng.choice(LAST_NAMES)
    local = f"{first}.{last}".lower()
    local = local.replace("ü", "ue").replace("í", "i").replace("'", "")
    if rng.random() < 0.3:
        local += str(rng.randint(1, 99))
    return Person(name=f"{first} {last}", email=f"{local}@example.com")


def chinese_company(rng: random.Random) -> Person:
    """A mainland company and its IT contact address."""
    city, city_py = rng.choice(ZH_CITIES)
    core, core_py = rng.choice(ZH_CORES)
    trade = rng.choice(ZH_TRADES)
    contact = rng.choice(("it", "admin", "ops", "pm"))
    return Person(
        name=f"{city}{core}{trade}有限公司", email=f"{contact}@{core_py}-{city_py}.example.cn"
    )


def english_company(rng: random.Random) -> Person:
    """A western company and its operations contact address."""
    stem = rng.choice(EN_PREFIXES) + rng.choice(EN_SUFFIXES)
    trade = rng.choice(EN_TRADES)
    legal = rng.choice(EN_LEGAL)
    contact = rng.choice(("it", "ops", "admin", "projects"))
    return Person(
        name=f"{stem} {trade} {legal}",
        email=f"{contact}@{stem.lower()}-{trade.lower()}.example.com",
    )
