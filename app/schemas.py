"""The base every request and response schema derives from."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator


def _find_nul(value: Any, path: tuple[str | int, ...] = ()) -> tuple[str | int, ...] | None:
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = _find_nul(item, (*path, str(key)))
            if found is not None:
                return found
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = _find_nul(item, (*path, index))
            if found is not None:
                return found
    return None


class Schema(BaseModel):
    """Unknown fields are rejected; NUL characters, which PostgreSQL cannot store, too."""

    model_config = ConfigDict(extra="forbid", from_attributes=True, populate_by_name=False)

    @model_validator(mode="before")
    @classmethod
    def _reject_nul(cls, data: Any) -> Any:
        if isinstance(data, dict):
            found = _find_nul(data)
            if found is not None:
                where = ".".join(str(p) for p in found)
                raise ValueError(f"{where} contains a NUL character, which cannot be stored")
        return data
