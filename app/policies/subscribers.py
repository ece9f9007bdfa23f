"""How the policy catalogue answers the visits."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import ProblemCode, Unprocessable
from app.events.bus import subscribe
from app.i18n import _
from app.policies import service
from app.visits.events import PoliciesPresented


@subscribe(PoliciesPresented)
async def only_catalogued_policies(session: AsyncSession, event: PoliciesPresented) -> None:
    unknown = await service.missing(session, list(event.policy_ids))
    if unknown:
        raise Unprocessable(
            _(
                "policies_presented names unknown policies: {policies}.",
                policies=", ".join(map(str, unknown)),
            ),
            code=ProblemCode.UNKNOWN_POLICY,
            loc=["body", "policies_presented"],
        )
