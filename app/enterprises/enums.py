from __future__ import annotations

from enum import StrEnum


class TechField(StrEnum):
    """The eight state-supported high-tech fields (国家重点支持的高新技术领域)."""

    ELECTRONIC_INFORMATION = "electronic_information"
    BIOLOGY_NEW_MEDICINE = "biology_new_medicine"
    AEROSPACE = "aerospace"
    NEW_MATERIALS = "new_materials"
    HIGH_TECH_SERVICES = "high_tech_services"
    NEW_ENERGY_ENERGY_SAVING = "new_energy_energy_saving"
    RESOURCES_ENVIRONMENT = "resources_environment"
    ADVANCED_MANUFACTURING_AUTOMATION = "advanced_manufacturing_automation"


class EnterpriseStatus(StrEnum):
    ACTIVE = "active"
    ARCHIVED = "archived"


class QualificationKind(StrEnum):
    """Qualifications the bureau cultivates: high-tech enterprise (高新技术企业) and the
    tech-based SME registration (科技型中小企业入库)."""

    HTE = "hte"
    SME = "sme"
    # The tech-based SME direct routes, recorded by staff with their particulars: a national
    # S&T award with the enterprise among the first three units (`rank`), a recognised R&D
    # institution (`level`: provincial, ministerial or national), a standard it led (`level`:
    # international, national or industry).
    NATIONAL_ST_AWARD = "national_st_award"
    PROVINCIAL_RD_INSTITUTION = "provincial_rd_institution"
    LED_STANDARD = "led_standard"


class DirectRoute(StrEnum):
    """The qualifications staff record: the tech-based SME direct routes (the high-tech and
    SME qualifications themselves come from the pools)."""

    NATIONAL_ST_AWARD = QualificationKind.NATIONAL_ST_AWARD.value
    PROVINCIAL_RD_INSTITUTION = QualificationKind.PROVINCIAL_RD_INSTITUTION.value
    LED_STANDARD = QualificationKind.LED_STANDARD.value


# "within the last five years": an award or a standard counts five years from its date.
ROUTE_YEARS = 5


class QualificationLevel(StrEnum):
    """The level of an R&D institution's recognition or of a standard led."""

    INTERNATIONAL = "international"
    NATIONAL = "national"
    MINISTERIAL = "ministerial"
    PROVINCIAL = "provincial"
    INDUSTRY = "industry"


# Which levels each direct route admits (an institution provincial or ministerial or above).
LEVELS = {
    DirectRoute.PROVINCIAL_RD_INSTITUTION: (
        QualificationLevel.NATIONAL,
        QualificationLevel.MINISTERIAL,
        QualificationLevel.PROVINCIAL,
    ),
    DirectRoute.LED_STANDARD: (
        QualificationLevel.INTERNATIONAL,
        QualificationLevel.NATIONAL,
        QualificationLevel.INDUSTRY,
    ),
}


class TaxCollection(StrEnum):
    """How the enterprise's income tax is collected: on its books (查账征收) or assessed by
    the tax office (核定征收); the tech-based SME evaluation asks the first from 2022."""

    AUDIT = "audit"
    ASSESSED = "assessed"


class Grade(StrEnum):
    """Grades of the high-tech assessment's technical advancement and core support."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"


def sql_values(enum: type[StrEnum]) -> str:
    """`'a', 'b'` for a CHECK constraint naming the enum's values."""
    return ", ".join(f"'{member.value}'" for member in enum)
