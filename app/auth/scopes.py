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
    READ_ACTIVITIES = "read:activities"
    READ_RANKINGS = "read:rankings"
    READ_OUTCOMES = "read:outcomes"
    READ_POLICIES = "read:policies"
    READ_APPLICATIONS = "read:applications"
    READ_CHANGES = "read:changes"
    READ_PLANS = "read:plans"


# Keys issued before scopes were enforced got all of these (migrations 0030 and 0033), so none
# breaks; a scope added later goes to the keys that read its neighbour (0047: pools → plans;
# 0048: pools → applications).
READ_SCOPES = frozenset(Scope)
