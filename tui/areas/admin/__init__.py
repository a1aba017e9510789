"""The organisation's administration: projects, members and invites, and the audit log
that records each change. So far its simulator (sim/): an organisation with owners and
readers, three projects (one archived), invites, and an audit log of every change made
through it, admin key only; the console and the commands come next (issue 22)."""

from tui.registry import Area

AREA = Area(
    name="admin",
    sim_routes="tui.areas.admin.sim.organisation:admin_routes",
    sim_state="tui.areas.admin.sim.state:Organisation.of",
)
