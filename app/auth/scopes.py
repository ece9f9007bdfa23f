"""What an API key may read: one scope per area of the service, declared by each read route.

A new area adds its scope here; a router declares it with `ScopeRequired` (app.auth.
dependencies), and tests/auth/test_scopes.py fails for any GET an integration can reach
without one.
"""

from __future__ import annotations

from enum import StrEnum


class Scope(StrEnum):
    READ_ENTERPRISES = "read:enterprises"
    READ_POOLS = "read:pools"
    READ_PROJECTS = "read:projects"
    READ_VISITS = "read:visits"
    READ_RANKINGS = "read:rankings"
    READ_OUTCOMES = "read:outcomes"
    READ_CHANGES = "read:changes"


# Keys issued before scopes were enforced get all of these (migration 0030), so none breaks.
READ_SCOPES = frozenset(Scope)
