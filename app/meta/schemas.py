from __future__ import annotations

from pydantic import Field

from app.pagination import Page
from app.schemas import Schema


class EnumValueRead(Schema):
    value: str
    labels: dict[str, str] = Field(
        description="Label by locale (BCP 47): `zh-CN` and `en`",
        examples=[{"zh-CN": "培育一批", "en": "Cultivating"}],
    )


class EnumRead(Schema):
    name: str = Field(description="The enum's schema name in the OpenAPI document")
    values: list[EnumValueRead] = Field(description="In the API's order")


class EnumPage(Page[EnumRead]):
    pass
