"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from app.audit.models import AuditEvent
from app.auth.models import ApiKey, LoginFailure, User
from app.db import Base
from app.enterprises.models import AnnualReport, Enterprise
from app.idempotency.models import IdempotencyRecord

metadata = Base.metadata

__all__ = [
    "AnnualReport",
    "ApiKey",
    "AuditEvent",
    "Enterprise",
    "IdempotencyRecord",
    "LoginFailure",
    "User",
    "metadata",
]
