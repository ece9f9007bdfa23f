"""The Unified Social Credit Code (统一社会信用代码, GB 32100-2015).

18 characters from `0-9 A-H J-N P-R T-U W-Y` (no I, O, Z, S, V); the last is a check
character over the first 17 with the weights below, modulo 31.
"""

from __future__ import annotations

from app.i18n import Sentence

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALUES = {char: value for value, char in enumerate(ALPHABET)}
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
LENGTH = 18


class InvalidUSCC(ValueError):
    """`rule` names the rule that failed: length, alphabet or check_character."""

    def __init__(self, rule: str, message: Sentence) -> None:
        super().__init__(message.msgid)
        self.rule = rule
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


def check_character(first17: str) -> str:
    total = sum(VALUES[char] * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    check = 31 - total % 31
    return ALPHABET[0 if check == 31 else check]


def normalize_uscc(raw: str) -> str:
    """The code upper-cased, or InvalidUSCC naming the rule it breaks."""
    code = raw.strip().upper()
    if len(code) != LENGTH:
        raise InvalidUSCC(
            "length", Sentence("a USCC has 18 characters, not {length}", length=len(code))
        )
    wrong = sorted({char for char in code if char not in VALUES})
    if wrong:
        raise InvalidUSCC(
            "alphabet",
            Sentence(
                "a USCC uses only 0-9 and A-Y without I, O, S, V, Z; found {wrong}",
                wrong="".join(wrong),
            ),
        )
    expected = check_character(code[:17])
    if code[17] != expected:
        raise InvalidUSCC(
            "check_character",
            Sentence(
                "the check character is {found}, but the code needs {expected}",
                found=code[17],
                expected=expected,
            ),
        )
    return code


def is_uscc_prefix(text: str) -> bool:
    """Whether `text` could begin a USCC (so a search should try the code too)."""
    upper = text.upper()
    return 2 <= len(upper) <= LENGTH and all(char in VALUES for char in upper)
