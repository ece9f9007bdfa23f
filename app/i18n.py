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
from functools import cache
from pathlib import Path

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
