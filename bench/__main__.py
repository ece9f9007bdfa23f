"""Run every benchmark in turn: `make bench` (DATABASE_URL's server, or the embedded one)."""

from __future__ import annotations

from bench import exports, imports, overview, ranking, search, sweep


def main() -> None:
    search.main()
    sweep.main()
    ranking.main()
    overview.main()
    imports.main()
    exports.main()


if __name__ == "__main__":
    main()
