"""Every enum of the API with its labels, read from the OpenAPI document the app serves, so
that the list cannot miss an enum another package adds."""

from __future__ import annotations

from typing import Any

from app.meta.labels import LABELS, LOCALES
from app.meta.schemas import EnumPage, EnumRead, EnumValueRead
from app.pagination import PageParams


def enums_of(openapi: dict[str, Any]) -> dict[str, list[str]]:
    """name → values of every enum schema in the document's components."""
    schemas = openapi.get("components", {}).get("schemas", {})
    return {
        name: [str(value) for value in schema["enum"]]
        for name, schema in sorted(schemas.items())
        if "enum" in schema
    }


def unlabelled(openapi: dict[str, Any]) -> list[str]:
    """`Enum.value` for every enum value of the document that has no labels."""
    missing = []
    for name, values in enums_of(openapi).items():
        known = LABELS.get(name, {})
        missing += [f"{name}.{value}" for value in values if value not in known]
    return missing


def list_enums(openapi: dict[str, Any], name: str | None, page: PageParams) -> EnumPage:
    after = page.after(1)
    reads = []
    for enum_name, values in enums_of(openapi).items():
        if (name is not None and enum_name != name) or (
            after is not None and enum_name <= after[0]
        ):
            continue
        known = LABELS.get(enum_name, {})
        reads.append(
            EnumRead(
                name=enum_name,
                values=[
                    EnumValueRead(
                        value=value,
                        # An unlabelled value shows as itself rather than breaking a screen;
                        # the labels test fails on it before it ships.
                        labels=dict(zip(LOCALES, known.get(value, (value, value)), strict=True)),
                    )
                    for value in values
                ],
            )
        )
        if len(reads) > page.limit:
            break
    items, cursor = page.paginate(reads, lambda e: (e.name,))
    return EnumPage(items=items, next_cursor=cursor)
