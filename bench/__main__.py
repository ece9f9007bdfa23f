"""Run every benchmark in turn: `make bench` (DATABASE_URL's server, or the embedded one)."""

from __future__ import annotations

from bench import exports, imports, login_flood, overview, ranking, reads, search, sweep, writes


def main() -> None:
    search.main()
    sweep.main()
    ranking.main()
    overview.main()
    imports.main()
    exports.main()
    reads.main([])
    writes.main([])
    login_flood.main()


if __name__ == "__main__":
    main()
