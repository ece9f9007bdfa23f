"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from app.audit.models import AuditEvent
from app.auth.models import ApiKey, LoginFailure, User
from app.db import Base
from app.enterprises.models import AnnualReport, Enterprise, Qualification
from app.idempotency.models import IdempotencyRecord
from app.pools.models import PoolMember, PoolTransition

metadata = Base.metadata

__all__ = [
    "AnnualReport",
    "ApiKey",
    "AuditEvent",
    "Enterprise",
    "IdempotencyRecord",
    "LoginFailure",
    "PoolMember",
    "PoolTransition",
    "Qualification",
    "User",
    "metadata",
]
