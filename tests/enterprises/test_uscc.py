"""DOMAIN.md: 18 characters from 0-9 A-H J-N P-R T-U W-Y (no I, O, Z, S, V); the last is a
check character: check = 31 − (Σ value×weight mod 31), where 31 maps to 0."""

from __future__ import annotations

import pytest

from app.enterprises.uscc import InvalidUSCC, check_character, is_uscc_prefix, normalize_uscc

VALID = ["91350100M000100Y43", "914403001922038216", "9144030071526726XG"]


class TestValidCodes:
    @pytest.mark.parametrize("code", VALID)
    def test_the_domain_examples_pass(self, code: str) -> None:
        assert normalize_uscc(code) == code

    @pytest.mark.parametrize("code", VALID)
    def test_lower_case_is_accepted_and_upper_cased(self, code: str) -> None:
        assert normalize_uscc(f"  {code.lower()} ") == code

    def test_a_check_value_of_31_maps_to_zero(self) -> None:
        # A weighted sum of 0 gives 31 − 0 = 31, which the standard writes as 0.
        body = "00000000000000000"
        assert check_character(body) == "0"


def mutate(code: str, index: int) -> str:
    replacement = "1" if code[index] != "1" else "2"
    return code[:index] + replacement + code[index + 1 :]


class TestInvalidCodes:
    @pytest.mark.parametrize("index", range(18))
    def test_any_one_changed_character_breaks_the_check(self, index: int) -> None:
        with pytest.raises(InvalidUSCC) as raised:
            normalize_uscc(mutate(VALID[0], index))
        assert raised.value.rule == "check_character"

    @pytest.mark.parametrize("letter", ["I", "O", "S", "V", "Z"])
    def test_letters_outside_the_alphabet(self, letter: str) -> None:
        with pytest.raises(InvalidUSCC) as raised:
            normalize_uscc(VALID[0][:8] + letter + VALID[0][9:])
        assert raised.value.rule == "alphabet"
        assert letter in str(raised.value)

    @pytest.mark.parametrize("code", [VALID[0][:17], VALID[0] + "0", ""])
    def test_wrong_length(self, code: str) -> None:
        with pytest.raises(InvalidUSCC) as raised:
            normalize_uscc(code)
        assert raised.value.rule == "length"


class TestPrefix:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [("91", True), ("9165", True), ("9", False), ("正诚", False), ("91I", False)],
    )
    def test_what_could_begin_a_code(self, text: str, expected: bool) -> None:
        assert is_uscc_prefix(text) is expected
