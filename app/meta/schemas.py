from __future__ import annotations

from typing import Any

from pydantic import Field

from app.pagination import Page
from app.schemas import Schema

TIER_EXAMPLE: dict[str, Any] = {
    "name": "Tier",
    "values": [
        {"value": "selected", "labels": {"zh-CN": "优选一批", "en": "Selected"}},
        {"value": "cultivating", "labels": {"zh-CN": "培育一批", "en": "Cultivating"}},
        {"value": "mature", "labels": {"zh-CN": "成熟一批", "en": "Mature"}},
        {"value": "applying", "labels": {"zh-CN": "申报一批", "en": "Applying"}},
    ],
}


class EnumValueRead(Schema):
    model_config = Schema.model_config | {
        "json_schema_extra": {"examples": [TIER_EXAMPLE["values"][1]]}
    }

    value: str
    labels: dict[str, str] = Field(
        description="Label by locale (BCP 47): `zh-CN` and `en`",
        examples=[{"zh-CN": "培育一批", "en": "Cultivating"}],
    )


class EnumRead(Schema):
    model_config = Schema.model_config | {"json_schema_extra": {"examples": [TIER_EXAMPLE]}}

    name: str = Field(description="The enum's schema name in the OpenAPI document")
    values: list[EnumValueRead] = Field(description="In the API's order")


class EnumPage(Page[EnumRead]):
    model_config = Page.model_config | {
        "json_schema_extra": {
            "examples": [
                {
                    "items": [
                        TIER_EXAMPLE,
                        {
                            "name": "TransitionKind",
                            "values": [
                                {"value": "entry", "labels": {"zh-CN": "入库", "en": "Entry"}},
                                {
                                    "value": "tier_change",
                                    "labels": {"zh-CN": "调整梯队", "en": "Tier change"},
                                },
                                {"value": "exit", "labels": {"zh-CN": "出库", "en": "Exit"}},
                            ],
                        },
                    ],
                    "next_cursor": "WyJUcmFuc2l0aW9uS2luZCJd.5ValGoosaJMmwnKo8Tvb7w",
                    "has_more": True,
                    "total": None,
                    "total_is_estimate": False,
                }
            ]
        }
    }
