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
