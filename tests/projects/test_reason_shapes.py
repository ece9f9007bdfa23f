"""Every alert reason code has its own typed shape in the document (issue 16 point 2): a code
added to the rules without one fails here, as it fails the TypeScript client's `never`."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from app.config import PROJECT_ROOT
from app.projects import alert_rules
from app.projects.enums import ReasonCode
from app.projects.schemas import AlertReason
from app.projects.service.alerts import _reasons


def test_the_union_maps_every_code_and_the_enum_names_them() -> None:
    schemas = json.loads((PROJECT_ROOT / "openapi" / "openapi.json").read_text())["components"][
        "schemas"
    ]
    mapping = schemas["AlertReason"]["discriminator"]["mapping"]
    assert set(mapping) == {code.value for code in ReasonCode}
    assert schemas["AlertReasonCode"]["enum"] == [code.value for code in ReasonCode]


def test_what_the_rules_write_reads_back_through_the_union_unchanged() -> None:
    facts = alert_rules.ProjectFacts(
        status="in_progress",
        start_on=date(2025, 1, 1),
        end_on=date(2025, 6, 30),
        milestones=[
            alert_rules.Milestone("样机", date(2025, 3, 1), Decimal(1)),
            alert_rules.Milestone("验收", date(2025, 7, 10), Decimal(1)),
        ],
    )
    red = alert_rules.evaluate(facts, date(2025, 7, 5))
    yellow = alert_rules.evaluate(
        alert_rules.ProjectFacts("in_progress", date(2025, 1, 1), date(2025, 12, 31)),
        date(2025, 12, 20),
    )
    written = _reasons(red) + _reasons(yellow)
    assert {r["code"] for r in written} >= {"milestone_overdue", "past_end_date"}
    for reason in written:
        read = AlertReason.model_validate(reason).model_dump(mode="json")
        assert read.pop("description")  # the sentence, written when read (in its language)
        assert read == reason
