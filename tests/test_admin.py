"""The organisation console's service, commands and screen against a simulator of their
own over loopback: the organisation read in full, each change made once it is confirmed
(and never before), a service account's key shown once and found nowhere after — not in
the request records, Loom's log of its changes, an export or the screen —, a refused key
told which role it needs, the audit log filtered by the server and followed live, and the
done-when walk through the console at 80x24 with the keyboard only."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tui.app import LoomApp
from tui.areas.admin.api.schemas import AuditLog
from tui.areas.admin.core.audit import AuditFollower, AuditQuery, FilterProblem, to_csv, to_jsonl
from tui.areas.admin.core.service import CHANGES_LOG, AdminService, NoAdminKey
from tui.core.services import Services
from tui.sim.app import SimConfig
from tui.sim.server import SimServer

from .conftest import loom, quiet, screen_text, settings_for, until

ADMIN = "sk-admin-test-0000000001"


@pytest.fixture
def org_sim() -> Iterator[SimServer]:
    """A simulator of its own: the organisation is state the tests change."""
    with SimServer(SimConfig(seed=11)) as server:
        yield server


def _services(sim: SimServer, tmp_path: Path, key: str | None = ADMIN) -> Services:
    return Services(settings_for(sim, admin_key=key, data_dir=str(tmp_path)))


async def test_the_organisation_is_read_in_full(org_sim: SimServer, tmp_path: Path) -> None:
    services = _services(org_sim, tmp_path)
    try:
        admin: AdminService = services.area("admin")
        view = await admin.read()
        assert [p.project.name for p in view.projects] == ["Docs", "Support", "Research 2025"]
        told: list[str] = []
        await admin.read_parts(view, lambda parts: told.append(parts.project.id))
        assert sorted(told) == ["proj_docs", "proj_research", "proj_support"]
        docs = view.project("proj_docs")
        assert docs is not None and docs.loaded
        assert {m.email for m in docs.members} == {"ana@weavers.example", "chen@weavers.example"}
        assert [a.name for a in docs.accounts] == ["Docs indexer"]
        assert {k.name for k in docs.keys} == {"Docs site", "Old laptop", "Docs indexer"}
        assert all("..." in k.redacted_value for k in docs.keys)
        assert {r.model for r in docs.limits} >= {"gpt-4o", "gpt-image-1", "whisper-1"}
        assert ("Support", "member") in view.memberships("user-chen")
        assert view.names()["proj_support"] == "Support"
    finally:
        await services.aclose()


async def test_a_new_key_is_handed_over_once_and_kept_nowhere(
    org_sim: SimServer, tmp_path: Path
) -> None:
    services = _services(org_sim, tmp_path)
    try:
        admin: AdminService = services.area("admin")
        view = await admin.read()
        docs = view.project("proj_docs")
        assert docs is not None
        made = await admin.create_service_account(docs.project, "Nightly")
        assert made.api_key is not None
        value = made.api_key.value
        assert value.startswith("sk-svcacct-") and value not in repr(made)
        rotated = await admin.rotate_key(docs.project, made)
        assert rotated.value and rotated.value != value and rotated.value not in str(rotated)
        records = list(services.requests)
        kept = " ".join(repr(r) + str(r.response_body) + str(r.request_body) for r in records)
        assert "POST /organization/projects/proj_docs/service_accounts" in " ".join(
            f"{r.method} {r.path}" for r in records
        )
        assert value not in kept and rotated.value not in kept
        assert "not kept" in kept
        logged = (tmp_path / CHANGES_LOG).read_text()
        assert "create service account" in logged and "new service account key" in logged
        assert value not in logged and rotated.value not in logged
    finally:
        await services.aclose()


async def test_a_refused_key_is_told_the_role_it_needs(org_sim: SimServer, tmp_path: Path) -> None:
    services = _services(org_sim, tmp_path, key="sk-proj-not-an-admin-key-0001")
    try:
        admin: AdminService = services.area("admin")
        from tui.api.errors import PermissionDeniedError

        with pytest.raises(PermissionDeniedError) as refused:
            await admin.read()
        words = admin.said(refused.value, "reading the organisation")
        assert "403" in words and "admin key" in words and "Owner" in words
        assert "api.management.read" in words
    finally:
        await services.aclose()
    services = _services(org_sim, tmp_path, key=None)
    try:
        with pytest.raises(NoAdminKey, match="OPENAI_ADMIN_KEY"):
            await services.area("admin").read()
    finally:
        await services.aclose()


async def test_the_audit_log_is_filtered_by_the_server_and_followed(
    org_sim: SimServer, tmp_path: Path
) -> None:
    services = _services(org_sim, tmp_path)
    try:
        admin: AdminService = services.area("admin")
        query = AuditQuery.parse("type:project.created,project.archived")
        page = await admin.audit_page(query)
        assert [e.type for e in page.data] == [
            "project.archived",
            "project.created",
            "project.created",
            "project.created",
        ]
        everything = await admin.audit_page(AuditQuery())
        arrived: list[list[AuditLog]] = []
        follower = AuditFollower(admin.resource, AuditQuery(), publish=arrived.append)
        follower.start_from(everything.data)
        await follower.poll()
        assert arrived == []  # nothing new yet
        view = await admin.read()
        await admin.read_parts(view)
        support = view.project("proj_support")
        assert support is not None
        limit = next(r for r in support.limits if r.model == "gpt-4o")
        await admin.set_rate_limit(support.project, limit, {"max_requests_per_1_minute": 10})
        await admin.invite("gus@weavers.example", "reader", [("proj_docs", "member")])
        await follower.poll()
        assert [e.type for e in arrived[0]] == ["rate_limit.updated", "invite.sent"]
        await follower.poll()
        assert len(arrived) == 1  # each entry comes once
    finally:
        await services.aclose()


def test_filters_read_as_people_type_them() -> None:
    now = 1_800_000_000
    query = AuditQuery.parse("type:api_key.deleted project:proj_docs actor:a@b since:7d Old", now)
    assert query.filters == {
        "event_types": ("api_key.deleted",),
        "project_ids": ("proj_docs",),
        "actor_emails": ("a@b",),
    }
    assert query.since == now - 7 * 86_400 and query.words == ("old",)
    assert AuditQuery.parse("since:2026-11-30").since == 1_795_996_800
    for bad in ("since:yesterday", "type:"):
        with pytest.raises(FilterProblem):
            AuditQuery.parse(bad)


def test_the_log_is_written_as_data() -> None:
    hostile = AuditLog.model_validate(
        {
            "id": "audit_log-1",
            "type": "project.updated",
            "effective_at": 1_800_000_000,
            "actor": {"type": "api_key", "api_key": {"user": {"email": "=HYPERLINK(1)"}}},
            "project.updated": {"id": "p\x1b[31m", "changes_requested": {"title": "x\x07"}},
        }
    )
    table = to_csv([hostile])
    assert "'=HYPERLINK(1)" in table and "\x1b" not in table and "\x07" not in table
    lines = to_jsonl([hostile])
    assert "\x1b" not in lines and json.loads(lines)["id"] == "audit_log-1"


def test_loom_admin_prints_each_list_for_scripts(org_sim: SimServer, tmp_path: Path) -> None:
    env = {
        "OPENAI_BASE_URL": org_sim.base_url,
        "OPENAI_API_KEY": "sk-test-fake-0001",
        "OPENAI_ADMIN_KEY": ADMIN,
        "LOOM_DATA_DIR": str(tmp_path),
    }
    projects = loom("admin", "projects", env=env)
    assert projects.returncode == 0, projects.stderr
    assert projects.stdout.splitlines()[1].split()[:3] == ["proj_docs", "Docs", "active"]
    keys = loom("admin", "keys", "--project", "proj_docs", "--json", env=env)
    rows = [json.loads(line) for line in keys.stdout.splitlines()]
    assert {r["name"] for r in rows} == {"Docs site", "Old laptop", "Docs indexer"}
    assert all(r["project_id"] == "proj_docs" for r in rows)
    stale = loom("admin", "keys", env=env).stdout
    assert "140 days ago (stale)" in stale
    limits = loom("admin", "rate-limits", env=env).stdout
    assert "gpt-image-1" in limits and "400,000" in limits
    users = loom("admin", "users", env=env).stdout
    assert "Support (member)" in users
    log = loom("admin", "audit-log", "--filter", "type:invite.sent", env=env)
    assert log.returncode == 0 and "invited eli@weavers.example as reader" in log.stdout
    bad = loom("admin", "audit-log", "--filter", "since:soon", env=env)
    assert bad.returncode == 2 and "since:soon" in bad.stderr
    refused = loom("admin", "users", env={**env, "OPENAI_ADMIN_KEY": "sk-proj-nope-00000001"})
    assert refused.returncode == 1 and "needs an admin key" in refused.stderr
    assert loom("admin", "users", "--follow", env=env).returncode == 2


# --- the console ----------------------------------------------------------------------------


def _console(sim: SimServer, tmp_path: Path) -> LoomApp:
    return LoomApp(settings_for(sim, admin_key=ADMIN, data_dir=str(tmp_path)), mode="admin")


async def _read(pilot: Any, screen: Any) -> None:
    await until(
        lambda: screen.view is not None and all(p.loaded for p in screen.view.projects),
        "the organisation read",
    )
    await quiet(pilot)


async def test_the_console_walk_done_when(org_sim: SimServer, tmp_path: Path) -> None:
    """Invite someone, create a service account and copy its key once, tighten a rate
    limit, delete a stale key, and watch each arrive in the followed audit log."""
    from tui.areas.admin.screens.console import AdminScreen
    from tui.areas.admin.screens.once import ShownOnce
    from tui.screens.confirm import ConfirmEdit
    from tui.screens.form import FormDialog

    app = _console(org_sim, tmp_path)
    copied: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:
        app.copy_to_clipboard = copied.append  # type: ignore[method-assign]
        screen = app.screen
        assert isinstance(screen, AdminScreen)
        await _read(pilot, screen)
        assert "Research 2025" in screen_text(app) and "archived" in screen_text(app)
        # The audit log, followed.
        await pilot.press("5")
        await until(lambda: len(screen.entries) == 8, "the seeded log")
        await pilot.press("f")
        assert screen.following
        # 1. Invite someone (Members, n): nothing is sent before the confirmation.
        await pilot.press("2", "n")
        await until(lambda: isinstance(app.screen, FormDialog), "the invite form")
        await pilot.press(*"gus@weavers.example", "enter", "enter", "enter", "enter")
        await until(lambda: isinstance(app.screen, ConfirmEdit), "the invite asked")
        assert "gus@weavers.example as reader" in screen_text(app)
        assert all(
            i["email"] != "gus@weavers.example" for i in org_sim.state.admin.invites.values()
        )
        await pilot.press("y")
        await until(
            lambda: any(
                i.email == "gus@weavers.example"
                for i in (screen.view.invites if screen.view else [])
            ),
            "the invite listed",
        )
        # 2. A service account in Docs, its key shown once and copied.
        await pilot.press("3", "n")
        await until(lambda: isinstance(app.screen, FormDialog), "the account form")
        await pilot.press(*"Nightly", "enter", "enter")
        await until(lambda: isinstance(app.screen, ConfirmEdit), "the account asked")
        await pilot.press("y")
        await until(lambda: isinstance(app.screen, ShownOnce), "the key shown once")
        value = app.screen._value
        assert value.startswith("sk-svcacct-") and value in screen_text(app)
        await pilot.press("enter")  # not copied yet: it says so and stays
        assert isinstance(app.screen, ShownOnce)
        await pilot.press("c", "enter")
        assert copied == [value]
        await until(lambda: app.screen is screen, "back on the console")
        await _read(pilot, screen)
        assert value not in screen_text(app)
        # 3. Tighten gpt-4o's limit in Docs (Rate limits, e).
        await pilot.press("4")
        await until(lambda: (screen.selected["limits"] or "").startswith("r:"), "a limit")
        key = "r:proj_docs:rl-gpt-4o"
        table = screen._table()
        table.cursor = next(n for n, row in enumerate(table.rows) if row.key == key)
        await pilot.pause()
        await pilot.press("e")
        await until(lambda: isinstance(app.screen, FormDialog), "the limits form")
        await pilot.press(*("backspace",) * 6, *"100", "ctrl+s")
        await until(lambda: isinstance(app.screen, ConfirmEdit), "the limit asked")
        assert "5,000" in screen_text(app) and "100" in screen_text(app)
        await pilot.press("y")
        limits = org_sim.state.admin.limits["proj_docs"]["rl-gpt-4o"]
        await until(lambda: limits["max_requests_per_1_minute"] == 100, "the limit changed")
        # 4. Delete the stale key: the name typed back, a stray key changes nothing.
        await _read(pilot, screen)
        await pilot.press("3", "slash", *"stale", "escape")
        await until(lambda: (screen.selected["keys"] or "").startswith("k:"), "the stale key")
        await pilot.press("x")
        await until(lambda: isinstance(app.screen, ConfirmEdit), "the deletion asked")
        await pilot.press("y", "enter")  # a stray key and Enter: not the name, nothing changes
        assert isinstance(app.screen, ConfirmEdit)
        assert len(org_sim.state.admin.keys["proj_docs"]) == 4
        await pilot.press(*("backspace",), *"Old laptop", "enter")
        await until(lambda: len(org_sim.state.admin.keys["proj_docs"]) == 3, "the key deleted")
        # Each change arrived in the followed log, newest first.
        await pilot.press("5")
        wanted = ["api_key.deleted", "rate_limit.updated", "service_account.created", "invite.sent"]
        await until(
            lambda: [e.type for e in screen.entries[:4]] == wanted,
            "the changes in the log",
            seconds=20,
        )
        text = screen_text(app)
        assert "deleted API key Old laptop" in text and value not in text
        # Export what is shown.
        await pilot.press("ctrl+e")
        exports = list((tmp_path / "exports").glob("audit-log-*"))
        assert sorted(p.suffix for p in exports) == [".csv", ".jsonl"]
        assert all(value not in p.read_text() for p in exports)
    changes = (tmp_path / CHANGES_LOG).read_text()
    assert changes.count("\n") == 4 and value not in changes


async def test_esc_changes_nothing(org_sim: SimServer, tmp_path: Path) -> None:
    from tui.areas.admin.screens.console import AdminScreen
    from tui.screens.confirm import ConfirmEdit

    app = _console(org_sim, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, AdminScreen)
        await _read(pilot, screen)
        await pilot.press("x")  # archive Docs
        await until(lambda: isinstance(app.screen, ConfirmEdit), "the archive asked")
        assert "type Docs to confirm" in screen_text(app)
        await pilot.press("escape")
        await until(lambda: app.screen is screen, "back")
        await pilot.press("2", "e", "n")  # a role change, refused with n
        await pilot.pause()
        assert app.screen is screen
        assert org_sim.state.admin.projects["proj_docs"]["status"] == "active"
        assert org_sim.state.admin.users["user-ana"]["role"] == "owner"
        assert not (tmp_path / CHANGES_LOG).exists()


async def test_the_console_without_an_admin_key_says_what_to_do(
    org_sim: SimServer, tmp_path: Path
) -> None:
    app = LoomApp(settings_for(org_sim, data_dir=str(tmp_path)), mode="admin")
    async with app.run_test(size=(80, 24)) as pilot:
        await quiet(pilot)
        text = screen_text(app)
        assert "needs an admin key" in text and "OPENAI_ADMIN_KEY" in " ".join(text.split())


async def test_a_thousand_projects_filter_as_typed(tmp_path: Path) -> None:
    with SimServer(SimConfig(seed=3)) as sim:
        org = sim.state.admin
        for n in range(1_000):
            org.add_project(f"Team {n:04d}", int(time.time()) - n)
        app = _console(sim, tmp_path)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            await until(lambda: screen.view is not None, "the projects", seconds=30)
            await pilot.press("slash", *"team 099")
            rows = [r.key for r in screen._table().rows]
            names = {p.project.id: p.project.name for p in screen.view.projects}
            shown = [names[key[2:]] for key in rows]
            assert {f"Team {n:04d}" for n in range(990, 1000)} <= set(shown)
            # Each row holds both words, in its name or its id.
            assert all("099" in f"{names[k[2:]]} {k}" for k in rows)
            await pilot.press("backspace", "backspace")
            assert len(screen._table().rows) == 1_000
            # The first hundred projects' parts are read; another's when it is looked at.
            view = screen.view
            await until(lambda: sum(p.loaded for p in view.projects) == 100, "the first 100")
            await pilot.press("escape", "end")
            last = view.projects[-1]
            await until(lambda: last.loaded, "the project looked at")
            assert sum(p.loaded for p in view.projects) == 101


async def test_outside_text_in_the_organisation_is_data(tmp_path: Path) -> None:
    """Names with markup and control sequences, as a hostile organisation holds them."""
    with SimServer(SimConfig(seed=8)) as sim:
        org = sim.state.admin
        evil = org.add_project("[/]\x1b[31m[bold]Evil[/bold]\x07", int(time.time()))
        org.record("project.created", evil["id"], details={"data": {"name": "[/]"}})
        app = _console(sim, tmp_path)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            await _read(pilot, screen)
            assert "[/][bold]Evil[/bold]" in screen_text(app)
            await pilot.press("5")
            await until(lambda: bool(screen.entries), "the log")
            await quiet(pilot)
            text = screen_text(app)
            assert "created project" in text and "\x1b" not in text and "\x07" not in text


def test_loom_admin_audit_log_follow_prints_new_entries(org_sim: SimServer, tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys

    import httpx

    env = {
        **__import__("os").environ,
        "OPENAI_BASE_URL": org_sim.base_url,
        "OPENAI_API_KEY": "sk-test-fake-0001",
        "OPENAI_ADMIN_KEY": ADMIN,
        "LOOM_DATA_DIR": str(tmp_path),
        "PYTHONUNBUFFERED": "1",
    }
    follow = subprocess.Popen(
        [sys.executable, "-m", "tui", "admin", "audit-log", "--follow"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert follow.stdout is not None
        lines = [follow.stdout.readline() for _ in range(8)]  # the seeded log, oldest first
        assert "created project" in lines[0] and "invited eli" in lines[-1]
        made = httpx.post(
            org_sim.base_url + "/organization/invites",
            json={"email": "hal@weavers.example", "role": "reader"},
            headers={"Authorization": f"Bearer {ADMIN}"},
        )
        assert made.status_code == 200
        arrived = follow.stdout.readline()  # blocks until it comes: the test's timeout bounds it
        assert "invite.sent" in arrived and "hal@weavers.example" in arrived
    finally:
        follow.send_signal(signal.SIGINT)
        _, errors = follow.communicate(timeout=20)
    assert follow.returncode == 0 and "Traceback" not in errors


async def test_a_server_that_fails_half_way_leaves_what_came(
    org_sim: SimServer, tmp_path: Path
) -> None:
    """The organisation read, then every later request failing: each project says why, the
    console keeps what it has and names the problem; nothing is lost or made up."""
    from tui.areas.admin.screens.console import AdminScreen
    from tui.sim.faults import Fault

    app = _console(org_sim, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, AdminScreen)
        await _read(pilot, screen)
        org_sim.state.faults.add(Fault("status", status=503), times=1_000, route="admin")
        await pilot.press("ctrl+r")
        await until(lambda: screen.problem is not None, "the problem said")
        await quiet(pilot)
        text = " ".join(screen_text(app).split())
        assert "503" in text and "Docs" in text  # what was read is still on screen
        org_sim.state.faults.clear()
    services = _services(org_sim, tmp_path)
    try:
        admin: AdminService = services.area("admin")
        view = await admin.read()
        org_sim.state.faults.add(Fault("status", status=500), times=1_000, route="admin")
        await admin.read_parts(view)
        assert all(not p.loaded and p.problem and "500" in p.problem for p in view.projects)
    finally:
        org_sim.state.faults.clear()
        await services.aclose()
