"""The materials each kind of application needs (申报材料清单), as the bureau's checklist
templates: versioned data, no I/O.

A campaign records the version of its kind's template it was opened with, and its
applications get their checklist items from it; a new version (a new year's guidelines) is a
new entry below and leaves the campaigns opened under the old one as they were. Item codes are
stable (the API's `item_code`); names are the materials' Chinese names, as the guidelines
list them, with an English gloss.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.applications.enums import CampaignKind


@dataclass(frozen=True)
class Material:
    code: str
    name: str  # Chinese, as the guidelines name it
    name_en: str


@dataclass(frozen=True)
class Template:
    kind: CampaignKind
    version: str
    materials: tuple[Material, ...]


class UnknownTemplate(LookupError):
    pass


LICENCE = Material("business_licence", "企业营业执照", "Business licence")
FINANCIAL_STATEMENTS = Material("financial_statements", "财务会计报表", "Financial statements")
IP_CERTIFICATES = Material("ip_certificates", "知识产权证书", "IP certificates")
ST_STAFF_LIST = Material("st_staff_list", "科技人员名单", "List of S&T staff")
RD_EXPENSE_AUDIT = Material(
    "rd_expense_audit",
    "研究开发费用专项审计报告",
    "Special audit report of R&D expense",
)
INTEGRITY_PLEDGE = Material("integrity_pledge", "科研诚信承诺书", "Research integrity pledge")

HTE_2026 = Template(
    CampaignKind.HTE_RECOGNITION,
    "2026.1",
    (
        Material("application_form", "高新技术企业认定申请书", "HTE recognition application form"),
        LICENCE,
        IP_CERTIFICATES,
        Material(
            "rd_project_materials",
            "研究开发项目立项及组织管理材料",
            "R&D projects and their organisation",
        ),
        Material("transformation_materials", "科技成果转化说明材料", "Achievements transformed"),
        ST_STAFF_LIST,
        RD_EXPENSE_AUDIT,
        Material(
            "high_tech_revenue_audit",
            "高新技术产品（服务）收入专项审计报告",
            "Special audit report of high-tech product (service) revenue",
        ),
        FINANCIAL_STATEMENTS,
        Material("income_tax_returns", "企业所得税年度纳税申报表", "Annual income tax returns"),
    ),
)

SME_2026 = Template(
    CampaignKind.SME_EVALUATION,
    "2026.1",
    (
        Material("evaluation_form", "科技型中小企业信息表", "Tech-based SME information form"),
        LICENCE,
        FINANCIAL_STATEMENTS,
        Material(
            "income_tax_return", "上一年度企业所得税年度纳税申报表", "Last year's income tax return"
        ),
        ST_STAFF_LIST,
        Material("rd_expense_detail", "研发费用明细账", "R&D expense ledger"),
        IP_CERTIFICATES,
    ),
)

PROJECT_2026 = Template(
    CampaignKind.PROJECT,
    "2026.1",
    (
        Material("project_application", "项目申报书", "Project application"),
        LICENCE,
        Material("feasibility_study", "项目可行性研究报告", "Feasibility study"),
        Material("budget", "项目经费预算表", "Project budget"),
        Material("matching_funds", "自筹资金证明", "Proof of matching funds"),
        FINANCIAL_STATEMENTS,
        IP_CERTIFICATES,
        INTEGRITY_PLEDGE,
    ),
)

LITTLE_GIANT_2026 = Template(
    CampaignKind.LITTLE_GIANT,
    "2026.1",
    (
        Material("application_form", "科技小巨人企业申报书", "Little giant application form"),
        LICENCE,
        Material("hte_certificate", "高新技术企业证书", "HTE certificate"),
        FINANCIAL_STATEMENTS,
        RD_EXPENSE_AUDIT,
        IP_CERTIFICATES,
        Material("development_plan", "企业发展规划", "Development plan"),
    ),
)

SRDI_2026 = Template(
    CampaignKind.SRDI_LITTLE_GIANT,
    "2026.1",
    (
        Material(
            "application_form",
            "专精特新“小巨人”企业申请书",
            "SRDI little giant application form",
        ),
        LICENCE,
        Material(
            "srdi_sme_recognition",
            "专精特新中小企业认定文件",
            "Recognition as an SRDI SME",
        ),
        Material("audited_statements", "近两年财务审计报告", "Audited statements, last two years"),
        Material("market_share_proof", "主导产品市场占有率证明材料", "Main product's market share"),
        IP_CERTIFICATES,
        Material("rd_institution_proof", "研发机构证明材料", "Proof of the R&D institution"),
        INTEGRITY_PLEDGE,
    ),
)

# kind → version → template; the last version of each kind is the one new campaigns use.
TEMPLATES: dict[CampaignKind, dict[str, Template]] = {}
for _template in (HTE_2026, SME_2026, PROJECT_2026, LITTLE_GIANT_2026, SRDI_2026):
    TEMPLATES.setdefault(_template.kind, {})[_template.version] = _template


def current(kind: CampaignKind) -> Template:
    """The template a campaign of this kind opens with now."""
    versions = TEMPLATES[kind]
    return versions[list(versions)[-1]]


def template(kind: CampaignKind, version: str) -> Template:
    try:
        return TEMPLATES[kind][version]
    except KeyError as exc:
        raise UnknownTemplate(f"no {kind.value} checklist version {version}") from exc
