"""The base every request and response schema derives from."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    PlainSerializer,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError, core_schema

from app.i18n import Sentence

# Dates the service computes with (due dates, validity, windows): far from the calendar's ends,
# so that no date arithmetic can overflow on a client's typo. Written out, never a number
# (which pydantic would read as a Unix time): the pattern is the check and the document says it.
_CALENDAR_YEARS = "(19[0-9]{2}|2[01][0-9]{2}|2200)"
DATE_PATTERN = f"^{_CALENDAR_YEARS}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
DATETIME_PATTERN = f"^{_CALENDAR_YEARS}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[Tt ]"

# A text field the service strips must hold more than spaces; the document says so (the
# pattern), so a blank one is a request the schema refuses, not one it accepts and the service
# then refuses.
NON_BLANK = Field(json_schema_extra={"pattern": r"\S"})


def _written_out(pattern: str, what: Sentence) -> Callable[[Any], Any]:
    compiled = re.compile(pattern)

    def check(value: Any) -> Any:
        if isinstance(value, date):
            return value
        if not isinstance(value, str) or compiled.match(value) is None:
            raise ValueError(Sentence("must be {what} between the years 1900 and 2200", what=what))
        return value

    return check


CalendarDate = Annotated[
    date,
    BeforeValidator(_written_out(DATE_PATTERN, Sentence("an ISO 8601 date (YYYY-MM-DD)"))),
    Field(json_schema_extra={"pattern": DATE_PATTERN}),
]


def _within_calendar(value: datetime) -> datetime:
    if not 1900 <= value.year <= 2200:
        raise ValueError(Sentence("must lie between the years 1900 and 2200"))
    return value


# An instant with its offset, in the same years: year 1 at +08:00 is before year 1 in UTC,
# which neither Python nor PostgreSQL can hold.
CalendarDateTime = Annotated[
    AwareDatetime,
    BeforeValidator(_written_out(DATETIME_PATTERN, Sentence("an RFC 3339 date-time with offset"))),
    AfterValidator(_within_calendar),
    Field(json_schema_extra={"pattern": DATETIME_PATTERN}),
]


# Money, the one format in and out: yuan as a plain decimal string, ASCII digits (no exponent,
# no full-width digits), at most two decimals and 16 integer digits (Numeric(18, 2)); a minus
# sign only where negatives are allowed, and never on zero. Every answer writes two decimals,
# so what a write echoes is what a later read returns.
MONEY_PATTERN = r"^[0-9]{1,16}(\.[0-9]{1,2})?$"
SIGNED_MONEY_PATTERN = r"^-?[0-9]{1,16}(\.[0-9]{1,2})?$"
_CENT = Decimal("0.01")
_MONEY_LIMIT = Decimal(10) ** 16


def _money(pattern: str, words: Sentence) -> Any:
    compiled = re.compile(pattern)

    def parse(value: object) -> Decimal:
        if isinstance(value, Decimal) and value.is_finite():
            # From the service itself (seeds, computations), never from a client's JSON.
            amount = value.quantize(_CENT) + 0
        elif isinstance(value, str) and compiled.fullmatch(value):
            amount = Decimal(value).quantize(_CENT)
            if value.startswith("-") and amount == 0:
                raise ValueError(Sentence("-0 is not an amount; write 0"))
        else:
            raise ValueError(
                Sentence('must be {words}, a string such as "40050000.00"', words=words)
            )
        if abs(amount) >= _MONEY_LIMIT:
            raise ValueError(Sentence("must have at most 16 digits before the decimal point"))
        return amount

    return parse


def _two_decimals(value: Decimal) -> str:
    return f"{value:.2f}"


Money = Annotated[
    Decimal,
    BeforeValidator(
        _money(
            MONEY_PATTERN,
            Sentence("an amount in yuan (digits 0-9, up to 2 decimals, no exponent)"),
        )
    ),
    PlainSerializer(_two_decimals, return_type=str),
    WithJsonSchema({"type": "string", "pattern": MONEY_PATTERN, "examples": ["40050000.00"]}),
]
SignedMoney = Annotated[
    Decimal,
    BeforeValidator(
        _money(
            SIGNED_MONEY_PATTERN,
            Sentence(
                "an amount in yuan (optional minus, digits 0-9, up to 2 decimals, no exponent)"
            ),
        )
    ),
    PlainSerializer(_two_decimals, return_type=str),
    WithJsonSchema(
        {"type": "string", "pattern": SIGNED_MONEY_PATTERN, "examples": ["-1250000.00"]}
    ),
]


# Mainland mobile numbers, or landlines with an area code and an optional extension; ASCII
# digits only, no spaces: the pattern in the document is the whole rule.
# An e-mail address as the document states it: a dot-atom local part (no leading, trailing or
# doubled dot) and host-name labels; the pattern and `format: email` (whose local part holds
# at most 64 characters) are the whole rule, so a generated client and the service agree (the
# e-mail library's extra refusals, such as reserved domains, made schema-valid addresses fail).
# Stored lower-case: log-in compares lower-case.
_ATEXT = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL_PATTERN = rf"^{_ATEXT}(?:\.{_ATEXT})*@{_LABEL}(?:\.{_LABEL})+$"


def _local_part_fits(value: str) -> str:
    if len(value.partition("@")[0]) > 64:
        raise ValueError(Sentence("the part before @ holds at most 64 characters"))
    return value


Email = Annotated[
    str,
    StringConstraints(pattern=EMAIL_PATTERN, max_length=254, to_lower=True),
    AfterValidator(_local_part_fits),
    Field(json_schema_extra={"format": "email"}, examples=["li.ming@example.com"]),
]
PHONE_PATTERN = r"^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8}(-[0-9]{1,6})?)$"
Phone = Annotated[
    str,
    StringConstraints(pattern=PHONE_PATTERN, max_length=20),
    Field(examples=["13899905678", "0990-6881234"]),
]


def _decimal_pattern(integers: int, decimals: int, *, top: bool, positive: bool) -> str:
    """Plain decimals below 10**integers (10**integers itself too when `top`), at most
    `decimals` places, no leading zero, sign or exponent; above zero only when `positive`."""
    fraction = rf"(\.[0-9]{{1,{decimals}}})?"
    nonzero = f"[1-9][0-9]{{0,{integers - 1}}}{fraction}" if integers else None
    if positive:
        small = "|".join(
            "0" * zeros + f"[1-9][0-9]{{0,{decimals - 1 - zeros}}}" for zeros in range(decimals)
        )
        options = [nonzero, rf"0\.({small})"]
    else:
        options = [nonzero, f"0{fraction}"]
    if top:
        options.append("1" + "0" * integers + rf"(\.0{{1,{decimals}}})?")
    return "^(" + "|".join(option for option in options if option) + ")$"


@dataclass(frozen=True)
class DecimalText:
    """A decimal that is not money (a share, a threshold, a weight, a percent), as
    `Annotated[Decimal, DecimalText(2, 2, top=True)]` (a percent, 0 to 100 with two places):
    a string whose pattern states the whole rule, range included, so the document accepts
    exactly what the service does."""

    integers: int
    decimals: int
    top: bool = False
    positive: bool = False

    @property
    def pattern(self) -> str:
        return _decimal_pattern(self.integers, self.decimals, top=self.top, positive=self.positive)

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        pattern = self.pattern
        compiled = re.compile(pattern)

        def parse(value: object) -> object:
            if isinstance(value, Decimal) and value.is_finite():
                return value  # from the service itself (defaults, stored values)
            if isinstance(value, str) and compiled.fullmatch(value):
                return Decimal(value)
            raise ValueError(
                Sentence("must be a decimal string matching {pattern}", pattern=pattern)
            )

        return core_schema.no_info_before_validator_function(parse, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> dict[str, Any]:
        example = "1" if self.top or self.positive else "0.5"
        return {"type": "string", "pattern": self.pattern, "examples": [example]}


def _json_typed(kind: type[int] | type[bool]) -> BeforeValidator:
    """The JSON type JSON Schema names and no other: `false` is no integer, `0` no boolean and
    `"3"` neither, while `3.0` is an integer (fractions are still refused, `int_from_float`).
    Text validated as strings (a CSV import's cells, `model_validate_strings`) parses as its
    type, since text is all a CSV cell can be."""
    words = "integer" if kind is int else "boolean"

    def check(value: Any, info: ValidationInfo) -> Any:
        if info.mode not in ("python", "json"):
            return value
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if not (isinstance(value, bool) if kind is bool else number):
            raise PydanticCustomError(
                f"{words[:4]}_type",
                "{message}",
                {
                    "message": Sentence("Input should be a valid integer")
                    if kind is int
                    else Sentence("Input should be a valid boolean")
                },
            )
        return value

    return BeforeValidator(check)


# Integers and booleans as JSON Schema means them, where pydantic's lax mode takes `false` for
# an integer and `0` for a boolean, and StrictInt's refusal of `60.0` would contradict the
# document. Bounds go in `x: JsonInt = Field(ge=…)`; inside a further Annotated, `WholeNumber`
# comes last, after the bounds, or the document loses them:
# `Annotated[int, Field(ge=1, le=5), WholeNumber]`.
WholeNumber = _json_typed(int)
JsonInt = Annotated[int, WholeNumber]
JsonBool = Annotated[bool, _json_typed(bool)]

T = TypeVar("T")


def _refuse_null(value: Any) -> Any:
    if value is None:
        raise ValueError(Sentence("cannot be null: leave it out to keep the current value"))
    return value


def _drop_null(schema: dict[str, Any]) -> None:
    options = schema.pop("anyOf", None)
    if options is not None:
        kept = [option for option in options if option != {"type": "null"}]
        if len(kept) == 1:
            schema.update(kept[0])
        else:
            schema["anyOf"] = kept
    schema.pop("default", None)


# A field of a partial update (PATCH) that may be left out but never cleared: absent keeps the
# current value, null is refused, and the document says so (no `null` among its types), so
# what a client generated from it sends is what the service accepts.
Settable = Annotated[T | None, AfterValidator(_refuse_null), Field(json_schema_extra=_drop_null)]


# A rule across fields, which JSON Schema cannot state (`disbursed_funding` within
# `approved_funding`): raised in a model validator, it answers 422 `inconsistent_fields`
# instead of `validation_failed`, which would say the document allowed a request it refuses.
INCONSISTENT_FIELDS = "inconsistent_fields"
NUL_CHARACTER = "nul_character"


def inconsistent(message: str | Sentence, /) -> PydanticCustomError:
    """`message`: a sentence of the catalogues (the extraction knows this function)."""
    sentence = message if isinstance(message, Sentence) else Sentence(message)
    return PydanticCustomError(INCONSISTENT_FIELDS, "{message}", {"message": sentence})


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

    # Defaults are required in what the service answers (it always writes every field) and
    # optional in what it is sent: generators type a response field as always there.
    model_config = ConfigDict(
        extra="forbid",
        from_attributes=True,
        populate_by_name=False,
        json_schema_serialization_defaults_required=True,
    )

    @model_validator(mode="before")
    @classmethod
    def _reject_nul(cls, data: Any) -> Any:
        if isinstance(data, dict):
            found = _find_nul(data)
            if found is not None:
                where = ".".join(str(p) for p in found)
                raise PydanticCustomError(
                    NUL_CHARACTER,
                    "{message}",
                    {
                        "message": Sentence(
                            "{where} contains a NUL character, which cannot be stored",
                            where=where,
                        )
                    },
                )
        return data


class Named(Schema):
    """Another record a screen lists beside this one: its id and the name it shows."""

    model_config = Schema.model_config | {
        "json_schema_extra": {
            "examples": [
                {
                    "id": "38f12d92-a28f-47d8-bce4-4e27424458b6",
                    "name": "克拉玛依天晟环保科技有限责任公司",
                }
            ]
        }
    }

    id: uuid.UUID
    name: str
