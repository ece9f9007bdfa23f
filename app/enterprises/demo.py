"""A western-China high-tech zone's enterprises (克拉玛依), generated reproducibly.

Shared by the demo seeder and the search benchmark, so both look like the same zone.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.enterprises import repository
from app.enterprises.enums import TechField
from app.enterprises.models import AnnualReport, Enterprise
from app.enterprises.uscc import ALPHABET, check_character

DEMO_ENTERPRISES = 240
DEMO_YEARS = (2023, 2024, 2025)

PLACES = ["克拉玛依市", "克拉玛依", "新疆", "新疆克拉玛依", "克拉玛依高新区"]
# No 正 or 诚: the benchmark plants 正诚 itself, so a two-character query stays selective.
CORE_CHARACTERS = (
    "鑫瑞天山金岩博达华油恒信通宏远泰和昆仑准东西域胜利新科创源汇聚德邦益安盛隆"
    "卓越百川嘉禾众合东方腾飞翔宇海纳中兴启明星辰蓝图智慧赛维力拓融晟"
)
INDUSTRIES: list[tuple[str, TechField, str]] = [
    ("石油技术", TechField.RESOURCES_ENVIRONMENT, "B1120"),
    ("油田服务", TechField.RESOURCES_ENVIRONMENT, "B1120"),
    ("防腐技术", TechField.NEW_MATERIALS, "C3360"),
    ("新材料", TechField.NEW_MATERIALS, "C2929"),
    ("信息技术", TechField.ELECTRONIC_INFORMATION, "I6510"),
    ("软件", TechField.ELECTRONIC_INFORMATION, "I6513"),
    ("数据科技", TechField.ELECTRONIC_INFORMATION, "I6450"),
    ("环保科技", TechField.RESOURCES_ENVIRONMENT, "N7722"),
    ("能源科技", TechField.NEW_ENERGY_ENERGY_SAVING, "D4415"),
    ("光伏科技", TechField.NEW_ENERGY_ENERGY_SAVING, "C3825"),
    ("智能装备", TechField.ADVANCED_MANUFACTURING_AUTOMATION, "C3490"),
    ("机械制造", TechField.ADVANCED_MANUFACTURING_AUTOMATION, "C3512"),
    ("生物科技", TechField.BIOLOGY_NEW_MEDICINE, "M7340"),
    ("检测技术", TechField.HIGH_TECH_SERVICES, "M7452"),
    ("技术服务", TechField.HIGH_TECH_SERVICES, "M7590"),
    ("航空科技", TechField.AEROSPACE, "C3741"),
]
SUFFIXES = ["有限公司", "有限责任公司", "股份有限公司"]
DISTRICTS = ["克拉玛依区", "独山子区", "白碱滩区", "乌尔禾区", "克拉玛依高新区"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
GIVEN = "建国军伟芳娜敏静丽强磊洋勇艳杰涛明超秀兰霞平刚"
GRADES = "ABCDE"
# Enterprises the report names, so the demo zone reads like the zone it comes from.
NAMED = [
    ("克拉玛依市正诚有限公司", "正诚", TechField.HIGH_TECH_SERVICES),
    ("克拉玛依胜利高原机械有限公司", "胜利高原", TechField.ADVANCED_MANUFACTURING_AUTOMATION),
    ("新疆克拉玛依市迪马有限责任公司", "迪马", TechField.NEW_MATERIALS),
    ("新疆正通石油天然气股份有限公司", "正通石油", TechField.RESOURCES_ENVIRONMENT),
    ("克拉玛依市科技防腐技术有限责任公司", "科技防腐", TechField.NEW_MATERIALS),
    ("西部黄金克拉玛依矿业科技有限责任公司", "西部黄金", TechField.RESOURCES_ENVIRONMENT),
]


@dataclass(frozen=True)
class GeneratedEnterprise:
    values: dict[str, Any]
    reports: list[dict[str, Any]]


def make_uscc(rng: random.Random, taken: set[str]) -> str:
    while True:
        # 9 = registered with market regulation, 1 = enterprise, 650200 = 克拉玛依市.
        body = "91650200" + "".join(rng.choice(ALPHABET) for _ in range(9))
        code = body + check_character(body)
        if code not in taken:
            taken.add(code)
            return code


def _money(value: float) -> Decimal:
    return Decimal(f"{max(value, 0):.2f}")


def _reports(rng: random.Random, years: tuple[int, ...]) -> list[dict[str, Any]]:
    revenue = rng.lognormvariate(16.8, 1.0)  # median ≈ 20 M yuan
    employees = rng.randint(12, 480)
    reports = []
    for year in years:
        revenue *= rng.uniform(0.85, 1.45)
        employees = max(5, int(employees * rng.uniform(0.9, 1.2)))
        total_assets = revenue * rng.uniform(0.8, 1.6)
        rd = revenue * rng.uniform(0.01, 0.08)
        st_staff = min(employees, int(employees * rng.uniform(0.05, 0.4)))
        reports.append(
            {
                "year": year,
                "revenue": _money(revenue),
                "high_tech_revenue": _money(revenue * rng.uniform(0.35, 0.92)),
                "total_cost": _money(revenue * rng.uniform(0.7, 0.95)),
                "net_assets": _money(total_assets * rng.uniform(0.25, 0.65)),
                "total_assets": _money(total_assets),
                "employees": employees,
                "st_staff": st_staff,
                "rd_expense": _money(rd),
                "rd_expense_domestic": _money(rd * rng.uniform(0.8, 1.0)),
                "ip_class1": rng.choice([0, 0, 1, 2, 3, 5]),
                "ip_class2": rng.randint(0, 18),
                "ip_class1_new": rng.choice([0, 0, 0, 1, 2]),
                "ip_class2_new": rng.randint(0, 5),
                "achievements_transformed": rng.randint(0, 6),
                "filed_on": date(year + 1, rng.randint(3, 7), rng.randint(1, 28)),
                "tech_advancement": rng.choice(GRADES),
                "core_support": rng.choice(GRADES),
                "ip_self_developed": rng.random() < 0.8,
                "standards_drafted": rng.choice([0, 0, 0, 1, 2]),
                "rd_accounting": rng.random() < 0.7,
                "rd_institution": rng.random() < 0.5,
                "transformation_incentives": rng.random() < 0.4,
                "talent_programs": rng.random() < 0.5,
                "major_incident": rng.random() < 0.02,
            }
        )
    return reports


def generate(
    count: int, *, seed: int = 2019, years: tuple[int, ...] = DEMO_YEARS
) -> Iterator[GeneratedEnterprise]:
    rng = random.Random(seed)
    taken_codes: set[str] = set()
    taken_names: set[str] = set()
    for index in range(count):
        industry, field, industry_code = rng.choice(INDUSTRIES)
        core = rng.choice(CORE_CHARACTERS) + rng.choice(CORE_CHARACTERS)
        name = f"{rng.choice(PLACES)}{core}{industry}{rng.choice(SUFFIXES)}"
        if index < len(NAMED):
            name, core, field = NAMED[index]
        elif name in taken_names:
            name = f"{rng.choice(PLACES)}{core}{industry}第{index}分{rng.choice(SUFFIXES)}"
        taken_names.add(name)
        contact = rng.choice(SURNAMES) + "".join(
            rng.choice(GIVEN) for _ in range(rng.randint(1, 2))
        )
        tags = ["party_building_model"] if rng.random() < 0.08 else []
        yield GeneratedEnterprise(
            values={
                "id": uuid.UUID(int=rng.getrandbits(128), version=4),
                "uscc": make_uscc(rng, taken_codes),
                "name": name,
                "short_name": core,
                "established_on": date(
                    rng.randint(1998, 2023), rng.randint(1, 12), rng.randint(1, 28)
                ),
                "district": rng.choice(DISTRICTS),
                "industry_code": industry_code,
                "tech_field": field.value,
                "tags": tags,
                "contact_name": contact,
                "contact_phone": f"1{rng.choice('3589')}{rng.randint(0, 999_999_999):09d}",
                "contact_email": f"contact{index}@example.com",
                # Most assessed on their books, one in twenty by the tax office (drawn
                # without the generator, so the rest of the zone stays as it was).
                "tax_collection": "assessed" if index % 20 == 7 else "audit",
            },
            reports=_reports(rng, years),
        )


async def seed(session: AsyncSession, settings: Settings) -> None:
    """The demo zone's enterprises and three years of reports, once."""
    if await repository.any_enterprise(session):
        return
    enterprises: list[Enterprise] = []
    reports: list[AnnualReport] = []
    for generated in generate(DEMO_ENTERPRISES):
        enterprise = Enterprise(**generated.values)
        enterprises.append(enterprise)
        reports.extend(
            AnnualReport(enterprise_id=enterprise.id, **report) for report in generated.reports
        )
    await repository.add_many(session, enterprises, reports)
    await session.commit()
