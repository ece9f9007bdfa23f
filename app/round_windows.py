"""The zone's year cut into coverage rounds: the rule every windows setting must keep. Pure,
and below every domain, so that the settings can check it as they load and the visits' rules
can build their rounds on it."""

from __future__ import annotations

from collections.abc import Sequence


def validate_windows(windows: Sequence[tuple[int, int]]) -> None:
    """Raise ValueError unless the windows are three or more month ranges that follow each
    other without gap or overlap from January to December."""
    if len(windows) < 3:
        raise ValueError(f"at least three round windows are needed, got {len(windows)}")
    expected_start = 1
    for index, (start, end) in enumerate(windows, start=1):
        if not 1 <= start <= end <= 12:
            raise ValueError(
                f"round window {index} ({start}, {end}) must be months 1-12 with the first "
                f"month not after the last"
            )
        if start != expected_start:
            what = "leaves a gap" if start > expected_start else "overlaps the previous one"
            raise ValueError(
                f"round window {index} ({start}, {end}) {what}: it must start in month "
                f"{expected_start}"
            )
        expected_start = end + 1
    if expected_start != 13:
        raise ValueError(
            f"round windows must cover the year up to December, they stop at month "
            f"{expected_start - 1}"
        )
