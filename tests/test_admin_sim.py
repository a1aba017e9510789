"""The simulator's organisation over loopback: an admin key only, the seeded organisation
(owners and readers, three projects with one archived, a pending invite), every change
recorded in the audit log with the spec's event type and found again by its filters, paging
both ways, and the refusals the API gives (the last owner, an archived project, an email
already in)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tui.sim.app import SimConfig
from tui.sim.server import SimServer

from .spec import component_validator

ADMIN = {"Authorization": "Bearer sk-admin-test"}


@pytest.fixture
def org() -> Iterator[str]:
    """A simulator of its own (the organisation is state); its base URL."""
    with SimServer(SimConfig(seed=5)) as server:
        yield server.base_url + "/organization"


def test_only_an_admin_key_gets_in(org: str) -> None:
    refused = httpx.get(org + "/projects", headers={"Authorization": "Bearer sk-proj-1"})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "insufficient_permissions"
    assert httpx.get(org + "/audit_logs").status_code == 401


def test_the_organisation_is_seeded_as_the_demo_shows_it(org: str) -> None:
    active = httpx.get(org + "/projects", headers=ADMIN).json()
    every = httpx.get(org + "/projects?include_archived=true", headers=ADMIN).json()
    component_validator("ProjectListResponse").validate(every)
    assert [p["name"] for p in active["data"]] == ["Docs", "Support"]
    assert [p["status"] for p in every["data"]] == ["active", "active", "archived"]
    users = httpx.get(org + "/users", headers=ADMIN).json()
    component_validator("UserListResponse").validate(users)
    assert {u["role"] for u in users["data"]} == {"owner", "reader"}
    invites = httpx.get(org + "/invites", headers=ADMIN).json()
    component_validator("InviteListResponse").validate(invites)
    assert invites["data"][0]["status"] == "pending"


def test_every_change_is_in_the_audit_log_newest_first(org: str) -> None:
    made = httpx.post(org + "/projects", json={"name": "Looms"}, headers=ADMIN).json()
    project = made["id"]
    renamed = httpx.post(org + f"/projects/{project}", json={"name": "Looms 2"}, headers=ADMIN)
    assert renamed.json()["name"] == "Looms 2"
    httpx.post(org + f"/projects/{project}/archive", headers=ADMIN)
    sent = httpx.post(
        org + "/invites",
        json={
            "email": "fay@weavers.example",
            "role": "reader",
            "projects": [{"id": "proj_docs", "role": "member"}],
        },
        headers=ADMIN,
    ).json()
    component_validator("Invite").validate(sent)
    assert httpx.delete(org + f"/invites/{sent['id']}", headers=ADMIN).json()["deleted"]
    promoted = httpx.post(org + "/users/user-chen", json={"role": "owner"}, headers=ADMIN)
    assert promoted.json()["role"] == "owner"
    log = httpx.get(org + "/audit_logs?limit=6", headers=ADMIN).json()
    component_validator("ListAuditLogsResponse").validate(log)
    assert [e["type"] for e in log["data"]] == [
        "user.updated",
        "invite.deleted",
        "invite.sent",
        "project.archived",
        "project.updated",
        "project.created",
    ]
    assert log["data"][4]["project.updated"]["changes_requested"] == {"title": "Looms 2"}
    assert log["data"][5]["project"] == {"id": project, "name": "Looms"}  # its name then
    # Filters: by event type, by resource, by project, by time.
    typed = httpx.get(org + "/audit_logs?event_types[]=invite.sent", headers=ADMIN).json()
    assert len(typed["data"]) == 2 and all(e["type"] == "invite.sent" for e in typed["data"])
    about = httpx.get(org + f"/audit_logs?resource_ids[]={project}", headers=ADMIN).json()
    assert len(about["data"]) == 3
    in_project = httpx.get(org + f"/audit_logs?project_ids[]={project}", headers=ADMIN).json()
    assert len(in_project["data"]) == 3
    since = log["data"][5]["effective_at"]
    recent = httpx.get(org + f"/audit_logs?effective_at[gte]={since}", headers=ADMIN).json()
    assert len(recent["data"]) == 6
    # Paging: after the last of a page, and before the first of the next.
    first = httpx.get(org + "/audit_logs?limit=4", headers=ADMIN).json()
    second = httpx.get(org + f"/audit_logs?limit=4&after={first['last_id']}", headers=ADMIN).json()
    assert first["has_more"] and second["data"][0]["type"] == "project.updated"
    back = httpx.get(org + f"/audit_logs?before={second['first_id']}", headers=ADMIN).json()
    assert [e["id"] for e in back["data"]] == [e["id"] for e in first["data"]]


def test_what_the_api_refuses_the_simulator_refuses(org: str) -> None:
    httpx.post(org + "/users/user-ben", json={"role": "reader"}, headers=ADMIN)
    last_owner = httpx.delete(org + "/users/user-ana", headers=ADMIN)
    assert last_owner.status_code == 400 and "last owner" in last_owner.text
    archived = httpx.post(org + "/projects/proj_research", json={"name": "x"}, headers=ADMIN)
    assert archived.status_code == 400
    member = httpx.post(
        org + "/invites", json={"email": "ana@weavers.example", "role": "reader"}, headers=ADMIN
    )
    assert member.status_code == 409
    wrong_role = httpx.post(
        org + "/invites", json={"email": "g@h.i", "role": "admin"}, headers=ADMIN
    )
    assert wrong_role.status_code == 400 and wrong_role.json()["error"]["param"] == "role"
    assert httpx.get(org + "/projects/proj_nothing", headers=ADMIN).status_code == 404
    removed = httpx.delete(org + "/users/user-dara", headers=ADMIN)
    assert removed.json() == {
        "object": "organization.user.deleted",
        "id": "user-dara",
        "deleted": True,
    }
    assert httpx.get(org + "/users/user-dara", headers=ADMIN).status_code == 404


def test_odd_bodies_and_queries_get_a_400_never_a_500(org: str) -> None:
    odd: list[object] = [None, 1, "x", [1], {"a": 1}, [], True, ["x"]]
    with httpx.Client(headers=ADMIN) as client:
        for value in odd:
            bodies = [
                ("/invites", {"email": value, "role": value, "projects": [{"id": value}]}),
                ("/invites", {"email": "q@r.s", "role": "reader", "projects": value}),
                ("/projects", {"name": value}),
                ("/projects/proj_docs", {"name": value}),
                ("/users/user-chen", {"role": value}),
            ]
            for path, body in bodies:
                status = client.post(org + path, json=body).status_code
                assert status < 500, (path, body, status)
        for query in ("limit=abc", "effective_at[gte]=--1", "effective_at[lt]=-", "before=zzz"):
            for path in ("/audit_logs", "/users", "/projects", "/invites"):
                status = client.get(f"{org}{path}?{query}").status_code
                assert status < 500, (path, query, status)


def test_each_project_part_changes_and_is_recorded(org: str) -> None:
    docs = org + "/projects/proj_docs"
    # Members: add by email, change the role, remove; the last owner stays.
    added = httpx.post(
        docs + "/users", json={"email": "dara@weavers.example", "role": "member"}, headers=ADMIN
    )
    component_validator("ProjectUser").validate(added.json())
    again = httpx.post(
        docs + "/users", json={"user_id": "user-dara", "role": "member"}, headers=ADMIN
    )
    assert again.status_code == 400
    promoted = httpx.post(docs + "/users/user-dara", json={"role": "owner"}, headers=ADMIN)
    assert promoted.json()["role"] == "owner"
    assert httpx.delete(docs + "/users/user-dara", headers=ADMIN).json()["deleted"]
    last = httpx.delete(docs + "/users/user-ana", headers=ADMIN)
    assert last.status_code == 400 and "last owner" in last.text
    # A service account: its key's value in the one answer, redacted ever after.
    made = httpx.post(docs + "/service_accounts", json={"name": "Nightly"}, headers=ADMIN).json()
    component_validator("ProjectServiceAccountCreateResponse").validate(made)
    value = made["api_key"]["value"]
    keys = httpx.get(docs + "/api_keys", headers=ADMIN)
    component_validator("ProjectApiKeyListResponse").validate(keys.json())
    assert value not in keys.text and value[-4:] in keys.text
    # Its key is not deleted as a key, but a new one can be made (rotation).
    own = next(k for k in keys.json()["data"] if k["name"] == "Nightly")
    assert httpx.delete(docs + f"/api_keys/{own['id']}", headers=ADMIN).status_code == 400
    rotated = httpx.post(
        docs + f"/service_accounts/{made['id']}/api_keys",
        json={"name": "Nightly 2"},
        headers=ADMIN,
    ).json()
    assert rotated["value"] != value
    stale = next(k for k in keys.json()["data"] if k["name"] == "Old laptop")
    assert httpx.delete(docs + f"/api_keys/{stale['id']}", headers=ADMIN).json()["deleted"]
    # A rate limit tightened; a bad value refused.
    limits = httpx.get(docs + "/rate_limits", headers=ADMIN).json()
    component_validator("ProjectRateLimitListResponse").validate(limits)
    tightened = httpx.post(
        docs + "/rate_limits/rl-gpt-4o", json={"max_requests_per_1_minute": 100}, headers=ADMIN
    ).json()
    assert tightened["max_requests_per_1_minute"] == 100
    bad = httpx.post(
        docs + "/rate_limits/rl-gpt-4o", json={"max_tokens_per_1_minute": -1}, headers=ADMIN
    )
    assert bad.status_code == 400
    # The archived project's parts are read, never changed.
    research = org + "/projects/proj_research"
    assert httpx.get(research + "/api_keys", headers=ADMIN).status_code == 200
    refused = httpx.post(research + "/service_accounts", json={"name": "x"}, headers=ADMIN)
    assert refused.status_code == 400 and "archived" in refused.text
    assert httpx.get(org + "/projects/nope/users", headers=ADMIN).status_code == 404
    # Every change above, in the log, scoped to the project, newest first.
    log = httpx.get(org + "/audit_logs?project_ids[]=proj_docs&limit=9", headers=ADMIN).json()
    assert [e["type"] for e in log["data"]] == [
        "rate_limit.updated",
        "api_key.deleted",
        "api_key.created",
        "service_account.created",
        "user.deleted",
        "user.updated",
        "user.added",
        "service_account.created",
        "project.created",
    ]
    assert log["data"][0]["rate_limit.updated"]["changes_requested"] == {
        "max_requests_per_1_minute": 100
    }
    assert value not in httpx.get(org + "/audit_logs?limit=100", headers=ADMIN).text
