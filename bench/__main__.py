"""Run every benchmark in turn."""

from __future__ import annotations

BENCHMARKS: list[str] = []


def main() -> None:
    if not BENCHMARKS:
        print("no benchmarks yet")


if __name__ == "__main__":
    main()
