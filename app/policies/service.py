"""The policy catalogue, the policies that apply to an enterprise, and policy awareness."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.audit import service as audit
from app.auth.roles import Principal
from app.config import Settings
from app.enterprises import service as enterprise_service
from app.enterprises.service import EnterpriseSnapshot
from app.errors import NotFound, ProblemCode, Unprocessable
from app.http import check_if_match
from app.i18n import _
from app.pagination import PageParams
from app.policies import matching, repository
from app.policies.models import Policy
from app.policies.repository import POLICY_SORTS as POLICY_SORTS
from app.policies.schemas import (
    CriterionCheck,
    PolicyCreate,
    PolicyCriteria,
    PolicyFilter,
    PolicyMatch,
    PolicyMatchPage,
    PolicyPage,
    PolicyReachRead,
    PolicyRead,
    PolicyUpdate,
)
from app.pools import service as pool_service
from app.visits import service as visit_service

CRITERIA_FIELDS = tuple(PolicyCriteria.model_fields)


class PolicyNotFound(NotFound):
    code = ProblemCode.POLICY_NOT_FOUND


def _read(policy: Policy) -> PolicyRead:
    values = {name: getattr(policy, name) for name in PolicyRead.model_fields if name != "criteria"}
    values["criteria"] = PolicyCriteria.model_validate(
        {name: getattr(policy, name) for name in CRITERIA_FIELDS}
    )
    return PolicyRead.model_validate(values)


def _columns(criteria: PolicyCriteria) -> dict[str, Any]:
    values = criteria.model_dump(mode="python")
    values["pools"] = sorted({pool.value for pool in criteria.pools})
    values["tech_fields"] = sorted({f.value for f in criteria.tech_fields})
    if criteria.qualification_required is not None:
        values["qualification_required"] = criteria.qualification_required.value
    return values


async def create_policy(
    session: AsyncSession, actor: Principal, data: PolicyCreate
) -> tuple[PolicyRead, int]:
    values = data.model_dump(exclude={"criteria"})
    values["level"] = data.level.value
    policy = Policy(**values, **_columns(data.criteria))
    await repository.add(session, policy)
    read = _read(policy)
    await audit.commit_change(session, actor, "policy.create", "policy", policy.id, after=read)
    return read, policy.version


async def _load(session: AsyncSession, policy_id: uuid.UUID) -> Policy:
    policy = await repository.get(session, policy_id)
    if policy is None:
        raise PolicyNotFound(_("policy {policy_id} does not exist", policy_id=policy_id))
    return policy


async def get_policy(session: AsyncSession, policy_id: uuid.UUID) -> tuple[PolicyRead, int]:
    policy = await _load(session, policy_id)
    return _read(policy), policy.version


async def list_policies(session: AsyncSession, where: PolicyFilter, page: PageParams) -> PolicyPage:
    fetched = await page.fetch(session, repository.policies(where), repository.POLICY_SORTS)
    return PolicyPage(items=[_read(p) for p in fetched.items], **fetched.page_fields())


async def update_policy(
    session: AsyncSession,
    actor: Principal,
    policy_id: uuid.UUID,
    data: PolicyUpdate,
    if_match: str | None,
) -> tuple[PolicyRead, int]:
    policy = await _load(session, policy_id)
    check_if_match(if_match, policy.version)
    before = _read(policy)
    changes = data.model_dump(exclude_unset=True, exclude={"criteria"})
    if data.level is not None:
        changes["level"] = data.level.value
    if data.criteria is not None:
        changes.update(_columns(data.criteria))
    valid_from = changes.get("valid_from", policy.valid_from)
    valid_to = changes.get("valid_to", policy.valid_to)
    if valid_to is not None and valid_to < valid_from:
        raise Unprocessable(
            _("valid_to is before valid_from."),
            code=ProblemCode.INVALID_PERIOD,
            loc=["body", "valid_to"],
        )
    for name, value in changes.items():
        setattr(policy, name, value)
    await repository.flush(session)
    after = _read(policy)
    await audit.commit_change(
        session,
        actor,
        "policy.update",
        "policy",
        policy.id,
        before=before,
        after=after,
    )
    return after, policy.version


async def missing(session: AsyncSession, ids: list[uuid.UUID]) -> list[uuid.UUID]:
    """For the visits: which of these are not policies of the catalogue."""
    found = await repository.existing_ids(session, ids)
    return [policy_id for policy_id in ids if policy_id not in found]


async def catalogue_ids(session: AsyncSession) -> list[uuid.UUID]:
    return await repository.all_ids(session)


def _criteria(policy: Policy) -> matching.Criteria:
    return matching.Criteria(
        pools=frozenset(policy.pools),
        tech_fields=frozenset(policy.tech_fields),
        max_employees=policy.max_employees,
        max_revenue=policy.max_revenue,
        qualification_required=policy.qualification_required,
    )


def _profile(snapshot: EnterpriseSnapshot, pools: set[str]) -> matching.Profile:
    return matching.Profile(
        pools=frozenset(pools),
        tech_field=snapshot.tech_field,
        report_year=snapshot.report_year,
        employees=snapshot.employees,
        revenue=snapshot.revenue,
        qualifications=frozenset(snapshot.qualifications),
    )


async def matches(
    session: AsyncSession,
    settings: Settings,
    viewer: Principal,
    enterprise_id: uuid.UUID,
    as_of: date | None,
    page: PageParams,
) -> PolicyMatchPage:
    """The policies valid on the day whose every criterion the enterprise meets."""
    await enterprise_service.ensure_visible(session, viewer, enterprise_id)
    day = as_of or clock.today(settings.zone)
    snapshot = (await enterprise_service.snapshots(session, day, enterprise_id)).get(enterprise_id)
    if snapshot is None:  # archived: no policy is for it any more
        return PolicyMatchPage(items=[], next_cursor=None)
    pools = (await pool_service.active_pools(session, enterprise_id)).get(enterprise_id, set())
    profile = _profile(snapshot, pools)
    after = page.after(2)
    found = []
    for policy in await repository.valid_on(session, day):
        # The catalogue's order is valid_from, id descending: resume strictly after the cursor.
        if after is not None and (policy.valid_from, policy.id) >= (after[0], after[1]):
            continue
        applies, checks = matching.applies(_criteria(policy), profile)
        if applies:
            found.append((policy, checks))
        if len(found) > page.limit:
            break
    items, cursor = page.paginate(found, lambda m: (m[0].valid_from, m[0].id))
    return PolicyMatchPage(
        items=[
            PolicyMatch(
                policy=_read(policy),
                reasons=[
                    CriterionCheck(
                        criterion=c.criterion,
                        met=c.met,
                        actual=c.actual,
                        required=c.required,
                        message=str(c.message),
                    )
                    for c in checks
                ],
            )
            for policy, checks in items
        ],
        next_cursor=cursor,
    )


async def reach(
    session: AsyncSession, settings: Settings, policy_id: uuid.UUID, as_of: date | None
) -> PolicyReachRead:
    """How many of the enterprises the policy applies to were told of it in a visit."""
    policy = await _load(session, policy_id)
    day = as_of or clock.today(settings.zone)
    criteria = _criteria(policy)
    pools = await pool_service.active_pools(session)
    eligible = {
        enterprise_id
        for enterprise_id, snapshot in (await enterprise_service.snapshots(session, day)).items()
        if matching.applies(criteria, _profile(snapshot, pools.get(enterprise_id, set())))[0]
    }
    told = eligible & await visit_service.enterprises_told(session, policy_id)
    return PolicyReachRead(
        policy_id=policy_id,
        as_of=day,
        eligible=len(eligible),
        told=len(told),
        awareness_percent=matching.awareness_percent(len(told), len(eligible)),
    )
