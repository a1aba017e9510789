"""The organisation's administration: projects, members and invites, service accounts and
API keys, per-model rate limits, and the audit log that records each change — read and
changed safely with an admin key. Its parts: api/ (the resource, the schemas), core/ (the
service, the audit log's filter, follower and files, words), screens/ (the console),
commands.py (`loom admin`), sim/ (an organisation with owners and readers whose every
change is in its audit log)."""

from tui.registry import Area, Mode

AREA = Area(
    name="admin",
    modes=(
        Mode(
            "admin",
            "Organisation",
            "tui.areas.admin.screens.console:AdminScreen",
            "The organisation: projects, members, keys, rate limits and a live audit log",
            key="shift+f12",
            short="Org",
            order=65,
        ),
    ),
    service="tui.areas.admin.core.service:AdminService",
    commands="tui.areas.admin.commands",
    sim_routes="tui.areas.admin.sim.organisation:admin_routes",
    sim_state="tui.areas.admin.sim.state:Organisation.of",
)
