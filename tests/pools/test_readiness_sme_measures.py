"""Issue 17 points 4-6: the tech-based SME evaluation as its measures (2017) and service
guidelines (2022) state it: the basic conditions beyond size, the direct routes as recorded
qualifications, and from 2022 the tax collection and the industry. Table-tested from the
texts' wording; the first reading (SME 2017) checked none of them."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from app.pools.readiness import (
    SME_2017,
    SME_2017_MEASURES,
    SME_2022,
    Assessment,
    RuleSet,
    assess_sme,
    rule_set_for,
)
from tests.pools.test_readiness import Y, facts, report


def sme(
    rules: RuleSet = SME_2022, *, reports: list[Any] | None = None, **changes: Any
) -> Assessment:
    enterprise = replace(
        facts(), **{"tax_collection": "audit", "industry_code": "C3985", **changes}
    )
    return assess_sme(enterprise, reports or [report(Y)], Y, rules)


def met(assessment: Assessment) -> dict[str, bool]:
    return {condition.code: condition.met for condition in assessment.conditions}


def test_the_conditions_in_the_order_the_domain_names_them() -> None:
    assert [c.code for c in sme().conditions] == [
        "resident_enterprise",
        "max_employees",
        "max_revenue",
        "max_total_assets",
        "no_restricted_products",
        "no_major_incident",
        "not_credit_listed",
        "tax_collection_audit",
        "industry_eligible",
        "st_staff_score",
        "score",
    ]
    assert [c.code for c in sme(SME_2017_MEASURES).conditions][-2:] == ["st_staff_score", "score"]
    assert "tax_collection_audit" not in met(sme(SME_2017_MEASURES))


class TestBasicConditions:
    # 第六条: 在中国境内注册的居民企业; 产品和服务不属于禁止、限制和淘汰类; 在填报上一年及
    # 当年内未发生重大安全、重大质量事故和严重环境违法、科研严重失信行为; 未列入经营异常名录
    # 和严重违法失信企业名单.
    @pytest.mark.parametrize(
        ("changes", "code"),
        [
            pytest.param({"resident_enterprise": False}, "resident_enterprise", id="not resident"),
            pytest.param({"restricted_products": True}, "no_restricted_products", id="restricted"),
            pytest.param({"credit_listed": True}, "not_credit_listed", id="credit-listed"),
        ],
    )
    def test_each_basic_condition_fails_alone(self, changes: dict[str, Any], code: str) -> None:
        assessment = sme(**changes)
        assert [c for c, ok in met(assessment).items() if not ok] == [code]
        assert [gap.code for gap in assessment.gaps] == [code]
        assert assessment.passed is False
        # The first reading never asked.
        assert assess_sme(replace(facts(), **changes), [report(Y)], Y, SME_2017).passed

    @pytest.mark.parametrize(
        ("incident_in_y", "next_report", "ok"),
        [
            pytest.param(False, None, True, id="none, next year not filed"),
            pytest.param(False, False, True, id="none in either year"),
            pytest.param(True, None, False, id="in the assessed year"),
            pytest.param(False, True, False, id="in the next year, filed"),
        ],
    )
    def test_no_incident_in_the_year_or_the_next_where_filed(
        self, incident_in_y: bool, next_report: bool | None, ok: bool
    ) -> None:
        reports = [report(Y, major_incident=incident_in_y)]
        if next_report is not None:
            reports.append(report(Y + 1, major_incident=next_report))
        assert met(sme(reports=reports))["no_major_incident"] is ok

    def test_the_basic_conditions_apply_on_every_route(self) -> None:
        # A valid HTE certificate passes a weak score, never a credit listing.
        weak = [report(Y, st_staff=0, rd_expense=0, rd_expense_domestic=0, ip_class1=0)]
        assessment = sme(reports=weak, hte_certified=True, credit_listed=True)
        assert met(assessment)["score"] is True
        assert assessment.condition("score").actual == "direct:hte_certificate"
        assert assessment.passed is False


class TestDirectRoutes:
    # "Passes ... or directly through one of the direct routes, each a recorded
    # qualification valid on apply_on"
    @pytest.mark.parametrize(
        "route",
        ["hte_certified", "national_st_award", "provincial_rd_institution", "led_standard"],
    )
    def test_each_route_passes_a_low_score(self, route: str) -> None:
        weak = [report(Y, st_staff=0, rd_expense=0, rd_expense_domestic=0, ip_class1=0)]
        assert sme(reports=weak).passed is False
        held: dict[str, Any] = {route: True}
        assessment = sme(reports=weak, **held)
        assert assessment.passed, assessment.conditions
        named = "hte_certificate" if route == "hte_certified" else route
        assert assessment.condition("score").actual == f"direct:{named}"


class TestFrom2022:
    # 2022 指引: 企业所得税实行查账征收; 行业不属于不适用研发费用税前加计扣除政策的行业
    @pytest.mark.parametrize(
        ("tax", "ok"),
        [
            pytest.param("audit", True, id="on the books"),
            pytest.param("assessed", False, id="assessed"),
            pytest.param(None, False, id="not on record"),
        ],
    )
    def test_income_tax_on_the_books(self, tax: str | None, ok: bool) -> None:
        assessment = sme(tax_collection=tax)
        assert met(assessment)["tax_collection_audit"] is ok
        assert met(sme(SME_2017_MEASURES, tax_collection=tax)).get("tax_collection_audit") is None

    @pytest.mark.parametrize(
        ("industry", "ok"),
        [
            pytest.param("C3985", True, id="manufacturing"),
            pytest.param("C1610", False, id="tobacco C16"),
            pytest.param("F5191", False, id="wholesale F"),
            pytest.param("H6110", False, id="accommodation H"),
            pytest.param("K7010", False, id="real estate K"),
            pytest.param("L7212", False, id="business services L"),
            pytest.param("R9011", False, id="entertainment R90"),
            pytest.param("R8610", True, id="R86 is not entertainment"),
            pytest.param("I6513", True, id="software"),
            pytest.param(None, False, id="not on record"),
        ],
    )
    def test_the_industry_outside_the_excluded_list(self, industry: str | None, ok: bool) -> None:
        assert met(sme(industry_code=industry))["industry_eligible"] is ok

    def test_chosen_by_the_evaluation_year(self) -> None:
        assert rule_set_for("sme", 2021) is SME_2017_MEASURES
        assert rule_set_for("sme", 2022) is SME_2022
        # The 2017 measures govern evaluations from 2017, data year 2016.
        assert rule_set_for("sme", 2017) is SME_2017_MEASURES
