from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from app.enterprises.enums import (
    LEVELS,
    DirectRoute,
    EnterpriseStatus,
    Grade,
    QualificationKind,
    QualificationLevel,
    TaxCollection,
    TechField,
)
from app.enterprises.reporting import ReportingStatus
from app.enterprises.uscc import InvalidUSCC, normalize_uscc
from app.i18n import Sentence
from app.pagination import Page
from app.schemas import (
    NON_BLANK,
    CalendarDate,
    Email,
    JsonBool,
    Money,
    Phone,
    Schema,
    Settable,
    SignedMoney,
    WholeNumber,
    inconsistent,
)

# GB/T 4754: a section letter, then 2 to 4 digits of division, group and class.
INDUSTRY_CODE = r"^[A-T](\d{2}|\d{3}|\d{4})?$"
TAG = r"^[a-z][a-z0-9_]{0,49}$"

Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NON_BLANK
]
ShortName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), NON_BLANK
]
District = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), NON_BLANK
]
IndustryCode = Annotated[str, StringConstraints(pattern=INDUSTRY_CODE)]
Tag = Annotated[str, StringConstraints(pattern=TAG)]
Reference = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64), NON_BLANK
]
ContactName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50), NON_BLANK
]

ENTERPRISE_EXAMPLE: dict[str, Any] = {
    "uscc": "91650200MA77XKQ4XB",
    "name": "克拉玛依市正诚有限公司",
    "short_name": "正诚",
    "established_on": "2012-05-18",
    "district": "克拉玛依高新区",
    "industry_code": "M7320",
    "tech_field": "resources_environment",
    "tags": ["party_building_model"],
    "contact_name": "王建国",
    "contact_phone": "13899905678",
    "contact_email": "zhengcheng@example.com",
    "resident_enterprise": True,
    "restricted_products": False,
    "credit_listed": False,
    "tax_collection": "audit",
}


class EnterpriseContact(Schema):
    contact_name: ContactName | None = None
    contact_phone: Phone | None = None
    contact_email: Email | None = None


class EnterpriseCreate(EnterpriseContact):
    model_config = Schema.model_config | {"json_schema_extra": {"examples": [ENTERPRISE_EXAMPLE]}}

    uscc: str = Field(
        description="Unified Social Credit Code, 18 characters; any case, stored upper-case",
        min_length=1,
        max_length=64,
    )
    name: Name
    short_name: ShortName | None = None
    established_on: CalendarDate | None = None
    district: District | None = None
    industry_code: IndustryCode | None = Field(default=None, description="GB/T 4754, e.g. C3511")
    tech_field: TechField | None = None
    tags: list[Tag] = Field(default_factory=list, max_length=20)
    resident_enterprise: JsonBool = Field(
        default=True, description="A resident enterprise registered in the mainland"
    )
    restricted_products: JsonBool = Field(
        default=False,
        description="Products or services in the prohibited, restricted or eliminated catalogues",
    )
    credit_listed: JsonBool = Field(
        default=False,
        description="On the list of abnormal operations or of serious illegal and dishonest "
        "enterprises",
    )
    tax_collection: TaxCollection | None = Field(
        default=None, description="How its income tax is collected; null: not known"
    )

    @field_validator("uscc")
    @classmethod
    def _uscc(cls, value: str) -> str:
        try:
            return normalize_uscc(value)
        except InvalidUSCC as exc:
            raise PydanticCustomError(
                "invalid_uscc",
                "{message}",
                {"message": Sentence("USCC {rule}: {reason}", rule=exc.rule, reason=exc.message)},
            ) from exc

    @field_validator("tags")
    @classmethod
    def _unique_tags(cls, value: list[str]) -> list[str]:
        return sorted(set(value))


class EnterpriseUpdate(EnterpriseContact):
    """Every field optional; `null` clears an optional field (not `name` nor `tags`)."""

    model_config = Schema.model_config | {
        "json_schema_extra": {"examples": [{"contact_phone": "13999901234", "tags": []}]}
    }

    name: Settable[Name] = None
    short_name: ShortName | None = None
    established_on: CalendarDate | None = None
    district: District | None = None
    industry_code: IndustryCode | None = None
    tech_field: TechField | None = None
    tags: Settable[list[Tag]] = Field(default=None, max_length=20, description="`[]` clears them")
    resident_enterprise: Settable[JsonBool] = None
    restricted_products: Settable[JsonBool] = None
    credit_listed: Settable[JsonBool] = None
    tax_collection: TaxCollection | None = None


# The enterprise of the create example, as the service answers for it.
ENTERPRISE_READ_EXAMPLE: dict[str, Any] = {
    "id": "0b7e4a52-6a1f-4f0e-9d8e-1d2c3b4a5f60",
    **ENTERPRISE_EXAMPLE,
    "status": "active",
    "created_at": "2024-03-05T02:14:37Z",
    "updated_at": "2026-05-28T07:40:12Z",
}


class EnterpriseRead(Schema):
    model_config = Schema.model_config | {
        "json_schema_extra": {"examples": [ENTERPRISE_READ_EXAMPLE]}
    }

    id: uuid.UUID
    uscc: str
    name: str
    short_name: str | None
    established_on: date | None
    district: str | None
    industry_code: str | None
    tech_field: TechField | None
    tags: list[str]
    resident_enterprise: bool
    restricted_products: bool
    credit_listed: bool
    tax_collection: TaxCollection | None
    contact_name: str | None = Field(description="Masked for integrations")
    contact_phone: str | None = Field(description="Masked for integrations: 138****5678")
    contact_email: str | None = Field(description="Masked for integrations: z***@example.com")
    status: EnterpriseStatus
    created_at: datetime
    updated_at: datetime


class EnterprisePage(Page[EnterpriseRead]):
    model_config = Page.model_config | {
        "json_schema_extra": {
            "examples": [
                {
                    "items": [
                        ENTERPRISE_READ_EXAMPLE,
                        {
                            "id": "48f165d5-7b00-47f4-b81e-f86f5c8cc1ab",
                            "uscc": "91650200MA78K3L21D",
                            "name": "克拉玛依昆仑数智科技有限公司",
                            "short_name": "昆仑数智",
                            "established_on": "2016-08-22",
                            "district": "克拉玛依区",
                            "industry_code": "I6513",
                            "tech_field": "electronic_information",
                            "tags": [],
                            "contact_name": "张丽",
                            "contact_phone": "13999012468",
                            "contact_email": "zhangli@example.com",
                            "resident_enterprise": True,
                            "restricted_products": False,
                            "credit_listed": False,
                            "tax_collection": "audit",
                            "status": "active",
                            "created_at": "2023-11-20T08:05:51Z",
                            "updated_at": "2026-04-02T03:31:09Z",
                        },
                    ],
                    "next_cursor": (
                        "WzEsIlx1NTE0Ylx1NjJjOVx1NzM5Ylx1NGY5ZFx1NjYwNlx1NGVkMVx1NjU3MFx1"
                        "NjY3YVx1NzlkMVx1NjI4MFx1NjcwOVx1OTY1MFx1NTE2Y1x1NTNmOCIseyJ1IjoiNDhm"
                        "MTY1ZDUtN2IwMC00N2Y0LWI4MWUtZjg2ZjVjOGNjMWFiIn1d.FOlk6Pw8fXG592xfFVZYbg"
                    ),
                    "has_more": True,
                    "total": 128,
                    "total_is_estimate": False,
                }
            ]
        }
    }


Count = Annotated[int, Field(ge=0, le=10_000_000), WholeNumber]
Flag = JsonBool

REPORT_EXAMPLE: dict[str, Any] = {
    "revenue": "38500000.00",
    "high_tech_revenue": "27200000.00",
    "total_cost": "31000000.00",
    "net_assets": "16400000.00",
    "total_assets": "42000000.00",
    "employees": 86,
    "st_staff": 21,
    "rd_expense": "2150000.00",
    "rd_expense_domestic": "2150000.00",
    "ip_class1": 2,
    "ip_class2": 9,
    "ip_class1_new": 1,
    "ip_class2_new": 3,
    "ip_class2_used": 4,
    "achievements_transformed": 4,
    "filed_on": "2026-04-20",
    "tech_advancement": "B",
    "core_support": "B",
    "ip_self_developed": True,
    "standards_drafted": 1,
    "rd_org": {
        "rd_accounting": True,
        "rd_institution": True,
        "transformation_incentives": False,
        "talent_programs": True,
    },
    "major_incident": False,
}


class RdOrganisation(Schema):
    """The four yes/no items of the high-tech assessment's R&D organisation part."""

    # Written and read back in the same shape: one schema for both directions (a client's
    # generated model is one class), its defaults optional in both.
    model_config = Schema.model_config | {"json_schema_serialization_defaults_required": False}

    rd_accounting: Flag = False
    rd_institution: Flag = False
    transformation_incentives: Flag = False
    talent_programs: Flag = False


class AnnualReportWrite(Schema):
    model_config = Schema.model_config | {"json_schema_extra": {"examples": [REPORT_EXAMPLE]}}

    revenue: Money = Field(description="Operating revenue (sales), yuan")
    high_tech_revenue: Money = Field(description="High-tech product/service revenue, yuan")
    total_cost: Money
    net_assets: SignedMoney = Field(description="Total assets − total liabilities; may be negative")
    total_assets: Money
    employees: Count
    st_staff: Count = Field(description="S&T staff")
    rd_expense: Money
    rd_expense_domestic: Money
    ip_class1: Count = Field(default=0, description="Class I IP owned at year end")
    ip_class2: Count = Field(default=0, description="Class II IP owned at year end")
    ip_class1_new: Count = Field(default=0, description="Class I IP granted in the year")
    ip_class2_new: Count = Field(default=0, description="Class II IP granted in the year")
    ip_class2_used: Count = Field(
        default=0,
        description="Of ip_class2, those that already supported an earlier high-tech "
        "recognition (a class II item supports one only)",
    )
    achievements_transformed: Count = 0
    filed_on: CalendarDate | None = Field(
        default=None,
        description="When it was filed; staff may set it (history), others get today",
    )
    tech_advancement: Grade | None = None
    core_support: Grade | None = None
    ip_self_developed: Flag | None = None
    standards_drafted: Count = 0
    rd_org: RdOrganisation = Field(default_factory=RdOrganisation)
    major_incident: Flag = False

    @model_validator(mode="after")
    def _consistent(self) -> AnnualReportWrite:
        if self.st_staff > self.employees:
            raise inconsistent("st_staff cannot exceed employees")
        if self.rd_expense_domestic > self.rd_expense:
            raise inconsistent("rd_expense_domestic cannot exceed rd_expense")
        if self.high_tech_revenue > self.revenue:
            raise inconsistent("high_tech_revenue cannot exceed revenue")
        if self.ip_class2_used > self.ip_class2:
            raise inconsistent("ip_class2_used cannot exceed ip_class2")
        return self


class AnnualReportRead(Schema):
    id: uuid.UUID
    enterprise_id: uuid.UUID
    year: int
    revenue: Decimal
    high_tech_revenue: Decimal
    total_cost: Decimal
    net_assets: Decimal
    total_assets: Decimal
    employees: int
    st_staff: int
    rd_expense: Decimal
    rd_expense_domestic: Decimal
    ip_class1: int
    ip_class2: int
    ip_class1_new: int
    ip_class2_new: int
    ip_class2_used: int
    achievements_transformed: int
    filed_on: date
    tech_advancement: Grade | None
    core_support: Grade | None
    ip_self_developed: bool | None
    standards_drafted: int
    rd_org: RdOrganisation
    major_incident: bool
    created_at: datetime
    updated_at: datetime


class AnnualReportPage(Page[AnnualReportRead]):
    pass


class ReportingYearRead(Schema):
    """One year of a high-tech recognition's development reports (年度发展情况报表)."""

    year: int
    due_on: date = Field(description="31 May of the next year")
    filed_on: date | None = Field(description="When that year's report was filed; null: not")
    status: ReportingStatus


class QualificationCreate(Schema):
    """A direct route of the tech-based SME evaluation, recorded by staff."""

    model_config = Schema.model_config | {
        "json_schema_extra": {
            "examples": [
                {
                    "kind": "national_st_award",
                    "reference": "2023-J-202-2-03",
                    "issued_on": "2024-06-24",
                    "award_rank": 2,
                }
            ]
        }
    }

    kind: DirectRoute
    reference: Reference | None = Field(default=None, description="Certificate or decision number")
    issued_on: CalendarDate = Field(description="When it was awarded, recognised or published")
    valid_until: CalendarDate | None = Field(
        default=None,
        description="An award or a standard counts five years (default: five years after "
        "issued_on); an R&D institution's recognition needs its end date",
    )
    award_rank: Annotated[int, Field(ge=1, le=3), WholeNumber] | None = Field(
        default=None, description="An award: the enterprise's rank among its units (1-3)"
    )
    level: QualificationLevel | None = Field(
        default=None,
        description="An institution: provincial, ministerial or national; a standard: "
        "international, national or industry",
    )

    @model_validator(mode="after")
    def _particulars(self) -> QualificationCreate:
        award = self.kind is DirectRoute.NATIONAL_ST_AWARD
        if award != (self.award_rank is not None):
            raise inconsistent("award_rank goes with a national_st_award, and only with it")
        if award != (self.level is None):
            raise inconsistent("level goes with an institution or a standard, and only with them")
        if self.level is not None and self.level not in LEVELS[self.kind]:
            raise inconsistent("this level does not fit the kind")
        if self.kind is DirectRoute.PROVINCIAL_RD_INSTITUTION and self.valid_until is None:
            raise inconsistent("an R&D institution's recognition needs valid_until")
        if self.valid_until is not None and self.valid_until < self.issued_on:
            raise inconsistent("valid_until cannot be before issued_on")
        return self


class QualificationRead(Schema):
    id: uuid.UUID
    enterprise_id: uuid.UUID
    kind: QualificationKind
    reference: str | None = Field(description="Certificate or registration number")
    issued_on: date
    valid_until: date
    award_rank: int | None = Field(default=None, description="An award's rank among its units")
    level: QualificationLevel | None = Field(
        default=None, description="An institution's or a standard's level"
    )
    source: str = Field(description="What recorded it: `pool_exit`, …")
    created_at: datetime
    reporting: list[ReportingYearRead] = Field(
        default_factory=list,
        description="High-tech: each year of the recognition with its development report "
        "(due 31 May of the next year); empty for other kinds",
    )
    reporting_lapsed: bool = Field(
        default=False,
        description="Two consecutive years' reports late or missing: the authority may revoke "
        "the recognition (the service flags, staff decide)",
    )
    re_recognition_year: int | None = Field(
        default=None,
        description="High-tech: the recognition's third year, when the enterprise is due for "
        "re-recognition",
    )


class QualificationPage(Page[QualificationRead]):
    pass


class DueQualificationRead(QualificationRead):
    """A qualification due for renewal, with the enterprise it belongs to."""

    enterprise_name: str
    uscc: str


class DueQualificationPage(Page[DueQualificationRead]):
    pass


# What a list may be narrowed by, as the router reads it from the query and the repository
# turns it into SQL.
@dataclass(frozen=True)
class EnterpriseFilter:
    q: str | None = None
    tech_field: str | None = None
    district: str | None = None
    tag: str | None = None
    status: str = "active"
    only_id: uuid.UUID | None = None
