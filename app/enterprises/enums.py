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
