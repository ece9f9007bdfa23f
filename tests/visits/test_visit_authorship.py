"""On a live server: a specialist records visits only in their own name (colleagues may be
added beside them); staff may credit any specialist."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from app import clock
from tests.enterprises.test_enterprises import body as enterprise_body
from tests.problems import assert_problem


def _post(base_url: str, headers: dict[str, str], path: str, body: dict[str, Any]) -> Any:
    response = httpx.post(f"{base_url}{path}", headers=headers, json=body)
    assert response.status_code in (200, 201), response.text
    return response.json()


def _specialist(base_url: str, admin: dict[str, str], name: str) -> tuple[str, dict[str, str]]:
    """A specialist's profile id and a token of their user."""
    email = f"visitor-{uuid.uuid4().hex[:8]}@example.com"
    user = _post(
        base_url,
        admin,
        "/api/v1/users",
        {"email": email, "password": "long-enough-pw", "role": "specialist"},
    )
    profile = _post(base_url, admin, "/api/v1/specialists", {"user_id": user["id"], "name": name})
    token = httpx.post(
        f"{base_url}/api/v1/auth/token", data={"username": email, "password": "long-enough-pw"}
    ).json()["access_token"]
    return profile["id"], {"Authorization": f"Bearer {token}"}


def _visit(enterprise_id: str, *specialist_ids: str) -> dict[str, Any]:
    return {
        "enterprise_id": enterprise_id,
        "specialist_ids": list(specialist_ids),
        "visited_at": clock.now().isoformat(),
        "kind": "on_demand",
        "channel": "onsite",
    }


class TestVisitAuthorship:
    def test_a_specialist_records_visits_only_in_their_own_name(
        self, live_api: tuple[str, dict[str, str]]
    ) -> None:
        base_url, admin = live_api
        enterprise_id = _post(base_url, admin, "/api/v1/enterprises", enterprise_body())["id"]
        mine, me = _specialist(base_url, admin, "王专员")
        colleague, _ = _specialist(base_url, admin, "李专员")
        put = httpx.put(
            f"{base_url}/api/v1/enterprises/{enterprise_id}/specialist",
            headers=admin,
            json={"specialist_id": mine},
        )
        assert put.status_code in (200, 201), put.text

        def visits_of(specialist_id: str) -> int:
            listed = httpx.get(
                f"{base_url}/api/v1/visits",
                headers=admin,
                params={"specialist_id": specialist_id, "limit": 200},
            )
            assert listed.status_code == 200, listed.text
            return len(listed.json()["items"])

        before = visits_of(colleague)
        credited = httpx.post(
            f"{base_url}/api/v1/visits", headers=me, json=_visit(enterprise_id, colleague)
        )
        assert_problem(credited, 403, "visit_not_in_own_name")
        assert visits_of(colleague) == before

        together = _post(base_url, me, "/api/v1/visits", _visit(enterprise_id, mine, colleague))
        assert set(together["specialist_ids"]) == {mine, colleague}
        alone = _post(base_url, me, "/api/v1/visits", _visit(enterprise_id, mine))
        assert alone["specialist_ids"] == [mine]
        # Staff may record any specialist's visit.
        staff = _post(base_url, admin, "/api/v1/visits", _visit(enterprise_id, colleague))
        assert staff["specialist_ids"] == [colleague]
        assert visits_of(colleague) == before + 2
