"""The simulator's organisation as state: its users, projects, invites, each project's
members, service accounts, API keys and per-model rate limits, and the audit log of every
change — seeded as `loom --demo` shows it. Only redacted key values are kept: the one
value a new service account's key has is made, handed back once by its route, and
forgotten, as the API does."""

from __future__ import annotations

import bisect
import itertools
import random
import string
import threading
import time
from dataclasses import dataclass, field
from typing import Any

DAY = 86_400
ROLES = ("owner", "reader")
PROJECT_ROLES = ("owner", "member")
INVITE_DAYS = 7
ACTOR = ("user-ana", "ana@weavers.example")
"""Who the admin key belongs to: the actor of every change made through the simulator."""
LIMIT_FIELDS = (
    "max_requests_per_1_minute",
    "max_tokens_per_1_minute",
    "max_images_per_1_minute",
    "max_audio_megabytes_per_1_minute",
    "max_requests_per_1_day",
    "batch_1_day_max_input_tokens",
)
"""Every limit a project rate limit has (`ProjectRateLimit`)."""
MODEL_LIMITS: dict[str, dict[str, int]] = {
    "gpt-4o": {
        "max_requests_per_1_minute": 5_000,
        "max_tokens_per_1_minute": 800_000,
        "batch_1_day_max_input_tokens": 90_000_000,
    },
    "gpt-4o-mini": {
        "max_requests_per_1_minute": 10_000,
        "max_tokens_per_1_minute": 4_000_000,
        "max_requests_per_1_day": 1_000_000,
        "batch_1_day_max_input_tokens": 400_000_000,
    },
    "text-embedding-3-small": {
        "max_requests_per_1_minute": 5_000,
        "max_tokens_per_1_minute": 5_000_000,
    },
    "gpt-image-1": {
        "max_requests_per_1_minute": 50,
        "max_tokens_per_1_minute": 100_000,
        "max_images_per_1_minute": 20,
    },
    "whisper-1": {
        "max_requests_per_1_minute": 500,
        "max_tokens_per_1_minute": 0,
        "max_audio_megabytes_per_1_minute": 25,
    },
}
"""Each model's limits as a new project gets them."""


def redacted(value: str) -> str:
    """A key's value as the API shows it after creation: `sk-pro...abcd`."""
    return f"{value[:6]}...{value[-4:]}"


@dataclass
class Organisation:
    """The organisation, by id (insertion order: oldest first)."""

    now: float = field(default_factory=lambda: time.time())  # looked up when made
    projects: dict[str, dict[str, Any]] = field(default_factory=dict)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    invites: dict[str, dict[str, Any]] = field(default_factory=dict)
    members: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    """project id → user id → `ProjectUser`."""
    service_accounts: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    """project id → service account id → `ProjectServiceAccount`."""
    keys: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    """project id → key id → `ProjectApiKey` (redacted only)."""
    limits: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    """project id → rate limit id → `ProjectRateLimit`."""
    log: list[dict[str, Any]] = field(default_factory=list)
    rng: random.Random = field(default_factory=random.Random)
    """Ids and key values: seeded by the simulator's seed, so a run is the same each time."""
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def of(cls, sim: Any) -> Organisation:
        """A simulator's organisation, filled as `loom --demo` shows it."""
        made = cls(rng=random.Random(f"admin\x00{sim.config.seed}"))
        made.seed()
        return made

    # --- making things -------------------------------------------------------------------------

    def next_id(self, prefix: str) -> str:
        return f"{prefix}{self.rng.getrandbits(48):012x}{next(self._ids):04d}"

    def add_project(self, name: str, created: int, project_id: str | None = None) -> dict[str, Any]:
        """A new active project with every model's default rate limits."""
        project_id = project_id or self.next_id("proj_")
        project = {
            "id": project_id,
            "object": "organization.project",
            "name": name,
            "created_at": created,
            "archived_at": None,
            "status": "active",
        }
        self.projects[project_id] = project
        self.members[project_id] = {}
        self.service_accounts[project_id] = {}
        self.keys[project_id] = {}
        self.limits[project_id] = {
            f"rl-{model}": {"object": "project.rate_limit", "id": f"rl-{model}", "model": model}
            | limits
            for model, limits in MODEL_LIMITS.items()
        }
        return project

    def add_member(self, project_id: str, user_id: str, role: str, at: int) -> dict[str, Any]:
        user = self.users[user_id]
        member = {
            "object": "organization.project.user",
            "id": user_id,
            "name": user["name"],
            "email": user["email"],
            "role": role,
            "added_at": at,
        }
        self.members[project_id][user_id] = member
        return member

    def add_service_account(
        self, project_id: str, name: str, at: int, *, role: str = "member"
    ) -> tuple[dict[str, Any], dict[str, Any] | None, str | None]:
        """(the account, its first key, the key's value — never kept) ; no key when role is
        `none` (`create_service_account_only`)."""
        account_id = self.next_id("svc_acct_")
        account = {
            "object": "organization.project.service_account",
            "id": account_id,
            "name": name,
            "role": role,
            "created_at": at,
        }
        self.service_accounts[project_id][account_id] = account
        if role == "none":
            return account, None, None
        key, value = self.add_key(project_id, name, at, account=account)
        return account, key, value

    def add_key(
        self,
        project_id: str,
        name: str,
        at: int,
        *,
        user_id: str | None = None,
        account: dict[str, Any] | None = None,
        used: int | None = None,
    ) -> tuple[dict[str, Any], str]:
        """(a project key, its value — for the caller to hand back once, never kept)."""
        alphabet = string.ascii_letters + string.digits + "-_"
        secret = "".join(self.rng.choice(alphabet) for _ in range(43))
        value = f"sk-{'svcacct' if account else 'proj'}-{secret}"
        owner: dict[str, Any]
        if account is not None:
            owner = {
                "type": "service_account",
                "service_account": {
                    "id": account["id"],
                    "name": account["name"],
                    "created_at": account["created_at"],
                    "role": account["role"],
                },
            }
        else:
            assert user_id is not None
            user = self.users[user_id]
            owner = {
                "type": "user",
                "user": {
                    "id": user_id,
                    "email": user["email"],
                    "name": user["name"],
                    "created_at": user["added_at"],
                    "role": self.members[project_id].get(user_id, {}).get("role", "member"),
                },
            }
        key_id = self.next_id("key_")
        key = {
            "object": "organization.project.api_key",
            "redacted_value": redacted(value),
            "name": name,
            "created_at": at,
            "last_used_at": used,
            "id": key_id,
            "owner_project_access": "active",
            "owner": owner,
        }
        self.keys[project_id][key_id] = key
        return key, value

    def record(
        self,
        kind: str,
        target: str,
        *,
        details: dict[str, Any] | None = None,
        project: str | None = None,
        at: float | None = None,
    ) -> dict[str, Any]:
        """One audit log entry, newest last in `log`; `project` the one it was scoped to
        (the target itself, when the target is a project)."""
        entry: dict[str, Any] = {
            "id": f"audit_log-{next(self._ids):08d}",
            "type": kind,
            "effective_at": int(at if at is not None else time.time()),
            "actor": {
                "type": "api_key",
                "api_key": {
                    "id": "key_admin",
                    "type": "user",
                    "user": {"id": ACTOR[0], "email": ACTOR[1]},
                },
            },
            kind: {"id": target, **(details or {})},
        }
        scoped = self.projects.get(project or target)
        if scoped is not None:
            entry["project"] = {"id": scoped["id"], "name": scoped["name"]}
        log = self.log
        if log and entry["effective_at"] < log[-1]["effective_at"]:
            bisect.insort(log, entry, key=lambda e: e["effective_at"])  # oldest first
        else:
            log.append(entry)
        return entry

    def grow_log(self, entries: int, *, since: float) -> None:
        """`entries` more entries spread evenly from `since` to now, oldest first (a large
        organisation's log, for the benches)."""
        step = max(1e-3, (time.time() - since) / max(1, entries))
        kinds = ("api_key.created", "project.updated", "user.updated", "rate_limit.updated")
        projects = list(self.projects)
        for n in range(entries):
            self.record(
                kinds[n % len(kinds)],
                f"key_{n:07d}",
                project=projects[n % len(projects)],
                at=since + n * step,
            )

    # --- the demo's organisation -------------------------------------------------------------

    def seed(self) -> None:
        now = int(self.now)
        start = now - 200 * DAY
        for n, (name, email, role) in enumerate(
            [
                ("Ana Ruiz", "ana@weavers.example", "owner"),
                ("Ben Okafor", "ben@weavers.example", "owner"),
                ("Chen Li", "chen@weavers.example", "reader"),
                ("Dara Kim", "dara@weavers.example", "reader"),
            ]
        ):
            user_id = f"user-{name.split()[0].lower()}"
            self.users[user_id] = {
                "object": "organization.user",
                "id": user_id,
                "name": name,
                "email": email,
                "role": role,
                "added_at": start + n * 9 * DAY,
            }
        for n, (name, archived) in enumerate(
            [("Docs", False), ("Support", False), ("Research 2025", True)]
        ):
            created = start + n * 20 * DAY
            project = self.add_project(name, created, f"proj_{name.split()[0].lower()}")
            if archived:
                project["status"], project["archived_at"] = "archived", created + 150 * DAY
        for project_id, who in {
            "proj_docs": [("user-ana", "owner"), ("user-chen", "member")],
            "proj_support": [
                ("user-ben", "owner"),
                ("user-dara", "member"),
                ("user-chen", "member"),
            ],
            "proj_research": [("user-ana", "owner")],
        }.items():
            for user_id, role in who:
                self.add_member(project_id, user_id, role, start + 45 * DAY)
        indexer, _, _ = self.add_service_account("proj_docs", "Docs indexer", now - 60 * DAY)
        bot, _, _ = self.add_service_account("proj_support", "Support bot", now - 30 * DAY)
        for project_id, name, owner, made, used in [
            ("proj_docs", "Docs site", "user-ana", 120, 1 / 24),
            ("proj_docs", "Old laptop", "user-chen", 180, 140),
            ("proj_support", "Helpdesk", "user-ben", 90, 2),
            ("proj_support", "Trial 2025", "user-dara", 120, None),
            ("proj_research", "Notebooks", "user-ana", 160, 70),
        ]:
            self.add_key(
                project_id,
                name,
                now - made * DAY,
                user_id=owner,
                used=None if used is None else int(now - used * DAY),
            )
        for key in self.keys["proj_docs"].values():
            if key["owner"]["type"] == "service_account":
                key["last_used_at"] = now - 300
        self.invites["invite-eli"] = {
            "object": "organization.invite",
            "id": "invite-eli",
            "email": "eli@weavers.example",
            "role": "reader",
            "status": "pending",
            "created_at": now - 2 * DAY,
            "expires_at": now + 5 * DAY,
            "accepted_at": None,
            "projects": [{"id": "proj_docs", "role": "member"}],
        }
        self.limits["proj_support"]["rl-gpt-4o"]["max_tokens_per_1_minute"] = 400_000
        history: list[tuple[str, str, dict[str, Any] | None, str | None, int]] = [
            ("project.created", "proj_docs", {"data": {"name": "Docs"}}, None, 170),
            ("project.created", "proj_support", {"data": {"name": "Support"}}, None, 150),
            ("project.created", "proj_research", None, None, 130),
            ("project.archived", "proj_research", None, None, 30),
            (
                "service_account.created",
                indexer["id"],
                {"data": {"role": "member"}},
                "proj_docs",
                60,
            ),
            (
                "service_account.created",
                bot["id"],
                {"data": {"role": "member"}},
                "proj_support",
                30,
            ),
            (
                "rate_limit.updated",
                "rl-gpt-4o",
                {"changes_requested": {"max_tokens_per_1_minute": 400_000}},
                "proj_support",
                10,
            ),
            (
                "invite.sent",
                "invite-eli",
                {"data": {"email": "eli@weavers.example", "role": "reader"}},
                None,
                2,
            ),
        ]
        for kind, target, details, scope, days_ago in history:
            self.record(kind, target, details=details, project=scope, at=now - days_ago * DAY)
