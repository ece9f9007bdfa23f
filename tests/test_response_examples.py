"""Issue 16: every schema that the ten screens' answers reach carries an example, and each
example is an answer the service could give: its model reads it and writes it back unchanged
(in zh-CN, as the screens ask), so it holds every field of the answer and nothing else. No
database: the document is built as `python -m app.cli openapi` builds it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from typing import Any

from pydantic import BaseModel, ValidationError

from app.config import Settings
from app.i18n import ZH, locale_var
from app.main import create_app

# Each screen's request, as the document names its path (all GET, answering 200).
SCREENS = {
    "dashboard": "/api/v1/statistics/overview",
    "enterprise search": "/api/v1/enterprises",
    "enterprise detail": "/api/v1/enterprises/{enterprise_id}",
    "pool members by tier": "/api/v1/pools/{pool}/members",
    "alert board": "/api/v1/alerts/board",
    "overdue demands": "/api/v1/demands",
    "round coverage": "/api/v1/visit-rounds/{year}/{round_number}/coverage",
    "ranking entries": "/api/v1/rankings/{run_id}/entries",
    "outcome statistics": "/api/v1/statistics/outcomes",
    "enum labels": "/api/v1/meta/enums",
}
# What the walk reached when the examples were written: 40 objects (pages, items and what
# they nest) and the AlertReason union. Fewer means the walk lost its way, not that the
# screens need less.
AT_LEAST = 41
REF_PREFIX = "#/components/schemas/"


@cache
def document() -> dict[str, Any]:
    settings = Settings(database_url=None, secret_key="openapi-only-" + "x" * 16)
    app = create_app(settings, database_url="postgresql+asyncpg://unused@localhost/unused")
    return app.openapi()


def _walk(node: Any, schemas: dict[str, Any], seen: dict[str, None]) -> None:
    """Every component schema `node` reaches, into `seen` in the order first met. Examples
    are data, not schemas, and are not entered."""
    if isinstance(node, list):
        for item in node:
            _walk(item, schemas, seen)
        return
    if not isinstance(node, dict):
        return
    ref = node.get("$ref")
    if isinstance(ref, str):
        name = ref.removeprefix(REF_PREFIX)
        if name not in seen:
            seen[name] = None
            _walk(schemas[name], schemas, seen)
    for key in ("anyOf", "oneOf", "allOf", "prefixItems", "items", "additionalProperties"):
        _walk(node.get(key), schemas, seen)
    _walk(list(node.get("properties", {}).values()), schemas, seen)


def screen_schemas() -> list[str]:
    """The named schemas the ten screens' answers reach, enums left out (their values are
    the whole of them)."""
    spec = document()
    schemas = spec["components"]["schemas"]
    seen: dict[str, None] = {}
    for screen, path in SCREENS.items():
        answer = spec["paths"][path]["get"]["responses"]["200"]
        schema = answer["content"]["application/json"]["schema"]
        assert "$ref" in schema, (screen, "answers an unnamed schema")
        _walk(schema, schemas, seen)
    return [name for name in seen if "enum" not in schemas[name]]


def examples_of(schema: dict[str, Any]) -> list[Any]:
    listed = list(schema.get("examples") or [])
    return [*listed, schema["example"]] if "example" in schema else listed


def _models(cls: type[BaseModel]) -> Iterator[type[BaseModel]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _models(sub)


def model_named(name: str) -> type[BaseModel]:
    """The app's model a component schema is named after (the document names each by its
    class)."""
    found = {model for model in _models(BaseModel) if model.__name__ == name}
    assert len(found) == 1, f"{name}: {len(found)} models of that name"
    return found.pop()


def model_examples(name: str) -> list[Any]:
    """The examples as the model states them, nulls included."""
    return examples_of(model_named(name).model_json_schema(mode="serialization"))


def test_every_schema_the_screens_read_has_an_example() -> None:
    schemas = document()["components"]["schemas"]
    names = screen_schemas()
    assert len(names) >= AT_LEAST, names
    missing = [name for name in names if not examples_of(schemas[name])]
    assert missing == []


def test_each_example_is_an_answer_the_service_could_give() -> None:
    schemas = document()["components"]["schemas"]
    wrong: list[str] = []
    # `description` of an alert reason is a sentence in the request's language.
    token = locale_var.set(ZH)
    try:
        for name in screen_schemas():
            schema = schemas[name]
            model = model_named(name)
            for example in model_examples(name):
                if "properties" in schema:
                    absent = set(schema.get("required", [])) - set(example)
                    unknown = set(example) - set(schema["properties"])
                    if absent or unknown:
                        wrong.append(f"{name}: lacks {sorted(absent)}, has {sorted(unknown)}")
                        continue
                try:
                    written = model.model_validate(example).model_dump(mode="json")
                except ValidationError as exc:
                    wrong.append(f"{name}: {exc}")
                    continue
                if written != example:
                    wrong.append(f"{name}: the service would write {written}")
    finally:
        locale_var.reset(token)
    assert wrong == []


def test_the_document_shows_the_models_examples() -> None:
    """What a reader of openapi.json sees is the model's example, its nulls included (FastAPI
    leaves them out of the document; app.main puts them back, or an example would lack
    required nullable fields its own schema asks for)."""
    schemas = document()["components"]["schemas"]
    with_nulls = 0
    for name in screen_schemas():
        expected = model_examples(name)
        assert examples_of(schemas[name]) == expected, name
        with_nulls += "null" in json.dumps(expected)
    assert with_nulls >= 8, with_nulls
