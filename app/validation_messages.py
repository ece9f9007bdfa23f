"""Pydantic's validation messages as sentences of the catalogues, so a 422's `errors[].msg`
and an import's row errors read in the request's language.

English is what pydantic writes (its own text, plural forms included); another language
looks the error's `type` up here and words it from the error's context. A type missing here
stays in pydantic's English. The service's own checks (PydanticCustomError, ValueError)
carry a Sentence and are worded from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.i18n import EN, N_, Sentence, locale_var

# pydantic's message of each type (its `{expected_plural}` left out: the catalogues' languages
# do not inflect).
MESSAGES: dict[str, str] = {
    "missing": N_("Field required"),
    "extra_forbidden": N_("Extra inputs are not permitted"),
    "string_type": N_("Input should be a valid string"),
    "string_too_short": N_("String should have at least {min_length} characters"),
    "string_too_long": N_("String should have at most {max_length} characters"),
    "string_pattern_mismatch": N_("String should match pattern '{pattern}'"),
    "int_type": N_("Input should be a valid integer"),
    "int_parsing": N_("Input should be a valid integer, unable to parse string as an integer"),
    "int_from_float": N_("Input should be a valid integer, got a number with a fractional part"),
    "bool_type": N_("Input should be a valid boolean"),
    "bool_parsing": N_("Input should be a valid boolean, unable to interpret input"),
    "float_type": N_("Input should be a valid number"),
    "float_parsing": N_("Input should be a valid number, unable to parse string as a number"),
    "finite_number": N_("Input should be a finite number"),
    "decimal_type": N_("Decimal input should be an integer, float, string or Decimal object"),
    "decimal_parsing": N_("Input should be a valid decimal"),
    "decimal_max_digits": N_("Decimal input should have no more than {max_digits} digits in total"),
    "decimal_max_places": N_(
        "Decimal input should have no more than {decimal_places} decimal places"
    ),
    "decimal_whole_digits": N_(
        "Decimal input should have no more than {whole_digits} digits before the decimal point"
    ),
    "greater_than": N_("Input should be greater than {gt}"),
    "greater_than_equal": N_("Input should be greater than or equal to {ge}"),
    "less_than": N_("Input should be less than {lt}"),
    "less_than_equal": N_("Input should be less than or equal to {le}"),
    "multiple_of": N_("Input should be a multiple of {multiple_of}"),
    "enum": N_("Input should be {expected}"),
    "literal_error": N_("Input should be {expected}"),
    "date_type": N_("Input should be a valid date"),
    "date_parsing": N_("Input should be a valid date in the format YYYY-MM-DD, {error}"),
    "date_from_datetime_parsing": N_("Input should be a valid date or datetime, {error}"),
    "date_from_datetime_inexact": N_(
        "Datetimes provided to dates should have zero time - e.g. be exact dates"
    ),
    "datetime_type": N_("Input should be a valid datetime"),
    "datetime_parsing": N_("Input should be a valid datetime, {error}"),
    "datetime_from_date_parsing": N_("Input should be a valid datetime or date, {error}"),
    "timezone_aware": N_("Input should have timezone info"),
    "uuid_type": N_("UUID input should be a string, bytes or UUID object"),
    "uuid_parsing": N_("Input should be a valid UUID, {error}"),
    "json_invalid": N_("Invalid JSON: {error}"),
    "dict_type": N_("Input should be a valid dictionary"),
    "list_type": N_("Input should be a valid list"),
    "too_short": N_(
        "{field_type} should have at least {min_length} items after validation, not {actual_length}"
    ),
    "too_long": N_(
        "{field_type} should have at most {max_length} items after validation, not {actual_length}"
    ),
    "value_error": N_("Value error, {error}"),
    "model_type": N_("Input should be a valid dictionary or instance of {class_name}"),
    "model_attributes_type": N_(
        "Input should be a valid dictionary or object to extract fields from"
    ),
    "union_tag_invalid": N_(
        "Input tag '{tag}' found using {discriminator} does not match any of the expected "
        "tags: {expected_tags}"
    ),
    "union_tag_not_found": N_("Unable to extract tag using discriminator {discriminator}"),
    "string_unicode": N_(
        "Input should be a valid string, unable to parse raw data as a unicode string"
    ),
}


class _Verbatim(Sentence):
    """Pydantic's own English, for a type the catalogues do not word."""

    def __str__(self) -> str:
        return self.msgid


def sentence_of(item: Mapping[str, Any]) -> Sentence:
    """A pydantic error item (from `ValidationError.errors()`, before any JSON encoding) as a
    sentence that words itself in the reader's language."""
    context = item.get("ctx") or {}
    for value in context.values():
        if isinstance(value, Sentence):
            return value  # the service's own check said it
    error = context.get("error")
    if isinstance(error, Exception) and error.args and isinstance(error.args[0], Sentence):
        return Sentence(MESSAGES["value_error"], error=error.args[0])
    template = MESSAGES.get(str(item.get("type")))
    message = str(item.get("msg", ""))
    if template is None:
        return _Verbatim(message)
    values: dict[str, object] = {
        str(key): value if isinstance(value, int | str) else str(value)
        for key, value in context.items()
    }
    try:
        template.format(**values)
    except (KeyError, IndexError, ValueError):
        return _Verbatim(message)
    return _PydanticWorded(template, message, values)


class _PydanticWorded(Sentence):
    """English as pydantic wrote it (its plurals), other languages from the catalogue."""

    __slots__ = ("english",)

    def __init__(self, msgid: str, english: str, values: dict[str, object]) -> None:
        super().__init__(msgid, **values)
        self.english = english

    def __str__(self) -> str:
        return self.english if locale_var.get() == EN else super().__str__()
