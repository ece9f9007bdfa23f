"""The demo zone's policy catalogue: the policies the specialists present on their visits,
with the bureau's interpretation and whom each is for."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.policies import repository
from app.policies.models import Policy

CATALOGUE: list[dict[str, Any]] = [
    {
        "title": "高新技术企业认定管理办法",
        "issuer": "科技部 财政部 国家税务总局",
        "level": "national",
        "valid_from": date(2016, 1, 1),
        "summary": "高新技术企业的认定条件、程序和监督管理（国科发火〔2016〕32号）。",
        "interpretation": "近三年研发费用占比按收入规模分5%/4%/3%三档，科技人员占比不低于10%，"
        "高新技术产品收入占比不低于60%，创新能力评价须达71分以上。培育库企业可先做"
        "自评，专员据差距清单逐项辅导。",
        "pools": ["hte"],
    },
    {
        "title": "科技型中小企业评价办法",
        "issuer": "科技部 财政部 国家税务总局",
        "level": "national",
        "valid_from": date(2022, 6, 1),
        "summary": "科技型中小企业的评价条件与指标（国科发政〔2022〕67号）。",
        "interpretation": "职工不超过500人、年收入和资产总额均不超过2亿元；评价得分不低于60分且"
        "科技人员指标不为0，或持有有效高企证书等可直接入库。每年均可填报，入库当年有效。",
        "pools": ["sme"],
        "max_employees": 500,
        "max_revenue": Decimal("200000000.00"),
    },
    {
        "title": "研发费用加计扣除政策",
        "issuer": "财政部 国家税务总局",
        "level": "national",
        "valid_from": date(2023, 1, 1),
        "summary": "企业研发费用按实际发生额的100%在税前加计扣除。",
        "interpretation": "辅助账按项目归集；委托境外研发只能按费用的80%计入且不超过境内研发费用"
        "的三分之二。预缴申报时即可享受，专员提醒企业在汇算清缴前完成归集。",
    },
    {
        "title": "知识产权质押融资",
        "issuer": "克拉玛依市市场监督管理局",
        "level": "city",
        "valid_from": date(2024, 1, 1),
        "valid_to": date(2026, 12, 31),
        "summary": "以专利权、商标权质押向合作银行贷款，给予贴息和评估费补助。",
        "interpretation": "贴息为实际支付利息的50%，单户每年最高50万元；评估费补助最高5万元。"
        "须持有有效的发明专利或实用新型专利，合作银行包括中国银行“知贷通”。",
        "qualification_required": None,
    },
    {
        "title": "克拉玛依高新区支持高新技术企业发展若干措施",
        "issuer": "克拉玛依高新区科技局",
        "level": "district",
        "valid_from": date(2025, 1, 1),
        "valid_to": date(2027, 12, 31),
        "summary": "对首次认定的高新技术企业给予一次性奖励，培育库企业优先推荐。",
        "interpretation": "首次通过认定奖励30万元，重新认定奖励10万元；职工300人以下的培育库企业"
        "另可申请研发投入后补助。",
        "pools": ["hte"],
        "max_employees": 300,
    },
    {
        "title": "自治区专精特新中小企业认定",
        "issuer": "新疆维吾尔自治区工业和信息化厅",
        "level": "regional",
        "valid_from": date(2023, 3, 1),
        "summary": "专业化、精细化、特色化、新颖化中小企业的认定标准与支持措施。",
        "interpretation": "须为科技型中小企业或持有有效高企证书，从事特定细分市场两年以上，"
        "研发投入占比不低于3%。认定后可申报国家级专精特新“小巨人”。",
        "qualification_required": "sme",
        "max_employees": 1000,
    },
    {
        "title": "首台（套）重大技术装备推广应用奖励",
        "issuer": "新疆维吾尔自治区工业和信息化厅",
        "level": "regional",
        "valid_from": date(2024, 7, 1),
        "summary": "对首台套、首批次、首版次产品的研制和推广应用给予奖励。",
        "interpretation": "按产品销售额的10%奖励，最高300万元；先进制造与自动化、新材料领域优先。",
        "tech_fields": ["advanced_manufacturing_automation", "new_materials"],
    },
    {
        "title": "高新区科技创新券",
        "issuer": "克拉玛依高新区科技局",
        "level": "district",
        "valid_from": date(2022, 1, 1),
        "valid_to": date(2024, 12, 31),
        "summary": "向中小企业发放创新券，用于购买检验检测、技术咨询等科技服务（已到期）。",
        "interpretation": "单户每年最高10万元；2025年起并入新的科技服务补助政策。",
        "pools": ["hte", "sme"],
    },
]


async def seed(session: AsyncSession, settings: Settings) -> None:
    if await repository.all_ids(session):
        return
    for entry in CATALOGUE:
        values = {"pools": [], "tech_fields": [], **entry}
        await repository.add(session, Policy(**values))
