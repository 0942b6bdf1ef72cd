"""Synthetic application records: obviously fake people with valid numbers, for tests, the
demo and benchmarks. Never real persons: names come from a small fixed list prefixed 测试-style
patterns, phone numbers from the 1380000xxxx test range."""

from __future__ import annotations

import copy
import datetime as dt
import random
from typing import Any

from station.checks import make_id_number, uscc_check_char

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌宇浩凯婷雪琳晨欣悦梅鹏飞辉波宁"
HUKOU_REGIONS = [
    "110105",
    "360426",
    "450103",
    "450102",
    "452122",
    "430521",
    "510722",
    "410823",
    "350583",
    "440883",
    "420117",
    "610113",
    "533023",
    "522121",
    "371502",
]
PROVINCE_OF = {
    "11": "北京市",
    "36": "江西省",
    "45": "广西壮族自治区",
    "43": "湖南省",
    "51": "四川省",
    "41": "河南省",
    "35": "福建省",
    "44": "广东省",
    "42": "湖北省",
    "61": "陕西省",
    "53": "云南省",
    "52": "贵州省",
    "37": "山东省",
}
MARITAL = ("20", "20", "21", "10", "22", "20", "40", "90", "20", "23", "30", "20")
STREETS = ["民族大道", "友爱路", "桃源路", "竹溪大道", "星光大道", "厢竹大道", "长湖路", "金湖路"]
COMPANIES = [
    "南宁示例物流有限公司",
    "广西示范建筑工程有限公司",
    "青秀区样例餐饮店",
    "南宁测试电子科技有限公司",
    "示例家政服务有限公司",
]


def make_uscc(rng: random.Random) -> str:
    chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    first17 = "91450100" + "".join(rng.choice(chars) for _ in range(9))
    return first17 + uscc_check_char(first17)


def sample_record(**overrides: Any) -> dict[str, Any]:
    """One complete, valid ``new`` application with fixed fake data."""
    record: dict[str, Any] = {
        "kind": "new",
        "person": {
            "id_number": "360426199101010071",
            "name": "测试甲",
            "sex": "1",
            "ethnic": "01",
            "birth_date": "1991-01-01",
            "hukou_address": "江西省九江市德安县示例村1号",
            "id_authority": "德安县公安局",
            "id_valid_from": "2015-01-01",
            "id_valid_to": "2035-01-01",
            "phone": "13800000001",
            "education": "61",
            "occupation": "5",
        },
        "residence": {
            "division_code": "450103",
            "community": "团结社区",
            "address": "民族大道100号3栋201",
            "arrival_date": "2026-03-01",
            "intended_months": 12,
            "reason": "1",
        },
        "dwelling": {
            "type": "rented",
            "landlord": {
                "name": "测试房东",
                "phone": "13800000002",
                "id_number": "11010519491231002X",
            },
        },
        "employer": {
            "name": "南宁示例物流有限公司",
            "uscc": "91110000600037341L",
            "address": "南宁市青秀区示例路8号",
            "phone": "0771-5550000",
        },
        "guardian": None,
        "members": [],
        "services": ["employment", "health"],
    }
    from station.profile.demo import demo_profile

    names = demo_profile("4501").community_names("450103")
    if names and record["residence"]["community"] not in names:
        record["residence"]["community"] = sorted(names)[0]
    for key, value in overrides.items():
        record[key] = value
    return copy.deepcopy(record)


def synthetic_record(rng: random.Random, today: dt.date, city: str = "4501") -> dict[str, Any]:
    """A random valid ``new`` application (fast: for bulk data)."""
    from station.profile.demo import demo_profile

    age = rng.randint(17, 62)
    birth = dt.date(today.year - age, rng.randint(1, 12), rng.randint(1, 28))
    region = rng.choice(HUKOU_REGIONS)
    sex = rng.choice("12")
    seq = rng.randrange(0, 1000)
    if (seq % 2 == 1) != (sex == "1"):
        seq = (seq + 1) % 1000
    id_number = make_id_number(region, birth, seq)
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    profile = demo_profile(city)
    districts = sorted({c.district for c in profile.communities}) or ["450103"]
    division = rng.choice(districts)
    communities = profile.communities_of(division)
    community = rng.choice(communities).name if communities else "示例社区"
    reason = rng.choice(("1", "1", "1", "3", "6", "9"))
    dwelling_type = rng.choice(("rented", "rented", "own", "dormitory", "relative"))
    issued = today - dt.timedelta(days=rng.randint(30, 3000))
    if issued.month == 2 and issued.day == 29:
        issued = issued.replace(day=28)
    record: dict[str, Any] = {
        "kind": "new",
        "person": {
            "id_number": id_number,
            "name": name,
            "sex": sex,
            "ethnic": rng.choice(("01", "01", "08", "12")),
            "birth_date": birth.isoformat(),
            "hukou_address": f"{PROVINCE_OF[region[:2]]}示例县{rng.randint(1, 99)}号",
            "id_authority": "示例县公安局",
            "id_valid_from": issued.isoformat(),
            "id_valid_to": "长期"
            if age > 45
            else issued.replace(year=issued.year + 20).isoformat(),
            "phone": f"1380000{rng.randrange(10000):04d}",
            "education": rng.choice(("61", "71", "31", "21")),
            "occupation": rng.choice(("5", "3", "10", "7")),
            # from the ID number's sequence, not from rng: the records made before stay as
            # they were (tests and benchmarks draw the same people from the same seed)
            "marital": "10" if age < 20 else MARITAL[int(id_number[14:17]) % len(MARITAL)],
        },
        "residence": {
            "division_code": division,
            "community": community,
            "address": f"{rng.choice(STREETS)}{rng.randint(1, 300)}号{rng.randint(1, 30)}栋"
            f"{rng.randint(1, 30)}0{rng.randint(1, 4)}",
            "arrival_date": (today - dt.timedelta(days=rng.randint(1, 700))).isoformat(),
            "intended_months": rng.choice((6, 12, 24, 36)),
            "reason": reason,
        },
        "dwelling": {"type": dwelling_type},
        "employer": None,
        "guardian": None,
        "members": [],
        "services": rng.sample(
            [
                "employment",
                "education",
                "health",
                "family_planning",
                "legal",
                "vehicle",
                "community",
                "other",
            ],
            rng.randint(0, 3),
        ),
    }
    arrival = dt.date.fromisoformat(record["residence"]["arrival_date"])
    if arrival < birth:
        record["residence"]["arrival_date"] = today.isoformat()
    if dwelling_type == "rented":
        record["dwelling"]["landlord"] = {
            "name": rng.choice(SURNAMES) + rng.choice(GIVEN),
            "phone": f"1380001{rng.randrange(10000):04d}",
            "id_number": make_id_number(
                "450103", dt.date(1960 + rng.randint(0, 30), 5, 5), rng.randrange(1000)
            ),
        }
    if reason in ("1", "3"):
        record["employer"] = {
            "name": rng.choice(COMPANIES),
            "uscc": make_uscc(rng),
            "address": "南宁市示例路" + str(rng.randint(1, 99)) + "号",
            "phone": f"0771-555{rng.randrange(10000):04d}",
        }
    if "education" in record["services"] and rng.random() < 0.8:
        child_birth = dt.date(today.year - rng.randint(6, 14), rng.randint(1, 12), 15)
        record["members"].append(
            {
                "relation": "child",
                "name": name[0] + rng.choice(GIVEN),
                "id_number": make_id_number(region, child_birth, rng.randrange(1000)),
                "birth_date": child_birth.isoformat(),
            }
        )
    return record
