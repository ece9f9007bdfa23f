"""The language a request is answered in (zh-CN or en, from Accept-Language) and the message
catalogues its sentences come from.

Sentences are written in English in the code, `_("... {name} ...", name=value)`, and looked up
in `app/locale/<locale>.po` (gettext catalogues, compiled when the service starts): English is
the msgid itself, so a sentence missing from a catalogue reads in English rather than failing.
Machine fields (`code`, `loc`, enum values) never go through here.
"""

from __future__ import annotations

import gettext
import io
from contextvars import ContextVar
from decimal import ROUND_UP, Decimal
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ZH = "zh-CN"
EN = "en"
LOCALES = (ZH, EN)
# What a request without Accept-Language gets: the API's first language, so integrations
# written against it read what they always read.
DEFAULT = EN
CATALOGUES = Path(__file__).parent / "locale"

locale_var: ContextVar[str] = ContextVar("locale", default=DEFAULT)


def negotiate(accept_language: str | None) -> str:
    """The best of LOCALES for an Accept-Language header (RFC 9110 weights; `zh`, `zh-CN`,
    `zh-Hans` and the like are Chinese); DEFAULT when none fits."""
    best, best_weight = DEFAULT, 0.0
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        language = tag.strip().lower().split("-")[0]
        chosen = ZH if language == "zh" else EN if language == "en" else None
        if chosen is not None and weight > best_weight:
            best, best_weight = chosen, weight
    return best


@cache
def translations(locale: str) -> gettext.NullTranslations:
    path = CATALOGUES / f"{locale.replace('-', '_')}.po"
    if not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as source:
        catalogue = read_po(source, locale=locale.replace("-", "_"))
    compiled = io.BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def _(message: str, /, **values: object) -> str:
    """`message` in the request's language, its `{name}` fields filled in."""
    text = translations(locale_var.get()).gettext(message)
    return text.format(**values) if values else text


def N_(message: str, /) -> str:  # noqa: N802 (gettext's name for it)
    """Marks a sentence for the catalogues where it is written; `_` translates it where used."""
    return message


class Sentence:
    """A sentence decided now and worded when it is read, in the reader's language: what the
    pure rule modules give (they know no request), and what is stored to be read later."""

    __slots__ = ("msgid", "values")

    def __init__(self, msgid: str, /, **values: object) -> None:
        self.msgid = msgid
        self.values = values

    def __str__(self) -> str:
        return _(self.msgid, **self.values)

    def render(self, locale: str) -> str:
        """The sentence in `locale`, whatever the request's language."""
        token = locale_var.set(locale)
        try:
            return str(self)
        finally:
            locale_var.reset(token)

    def to_json(self) -> dict[str, Any]:
        """What a row stores to word the sentence when it is read (values: text, numbers,
        amounts of money and other sentences)."""
        return {"msgid": self.msgid, "values": {k: _value_json(v) for k, v in self.values.items()}}

    @classmethod
    def from_json(cls, stored: dict[str, Any]) -> Sentence:
        return cls(stored["msgid"], **{k: _value_of(v) for k, v in stored["values"].items()})

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __repr__(self) -> str:
        return f"Sentence({self.msgid!r}, **{self.values!r})"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Sentence)
            and self.msgid == other.msgid
            and self.values == other.values
        )

    def __hash__(self) -> int:
        return hash(self.msgid)


TEN_THOUSAND = Decimal(10_000)
WAN_PLACES = Decimal("0.01")


class Yuan:
    """An amount of money in a sentence: yuan in English (to the fen, as stored), 万元 in
    Chinese, the unit staff think in; the template around it names the unit. Rounded away
    from zero to 0.01 万元 (100 yuan): a gap shown in 万元 must be enough when added."""

    __slots__ = ("amount",)

    def __init__(self, amount: Decimal | int) -> None:
        self.amount = Decimal(amount)

    def __format__(self, spec: str) -> str:
        if locale_var.get() == ZH:
            wan = (self.amount / TEN_THOUSAND).quantize(WAN_PLACES, rounding=ROUND_UP)
            return format(wan.normalize(), "f")
        return str(self.amount)

    def __repr__(self) -> str:
        return f"Yuan({self.amount!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Yuan) and self.amount == other.amount

    def __hash__(self) -> int:
        return hash(self.amount)


def _value_json(value: object) -> object:
    if isinstance(value, Sentence):
        return {"sentence": value.to_json()}
    if isinstance(value, Yuan):
        return {"yuan": str(value.amount)}
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


def _value_of(stored: object) -> object:
    if isinstance(stored, dict):
        if "sentence" in stored:
            return Sentence.from_json(stored["sentence"])
        if "yuan" in stored:
            return Yuan(Decimal(stored["yuan"]))
    return stored
