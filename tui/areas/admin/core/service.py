"""The organisation console's service: everything `loom admin` and the console ask of the
organisation goes through here — the organisation read (projects, users, invites, and
each project's members, service accounts, keys and rate limits), each change made (and
written to Loom's own log of its changes: what, on what, before → after, how it went;
never a key's value), the audit log read a page at a time and followed by the shared
watcher. The screens never hold the client."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from tui.areas.admin.core.audit import KIND, AuditFollower, AuditQuery
from tui.areas.admin.core.words import ADMIN_KEYS, needs_words
from tui.core.context import AreaContext, AreaService
from tui.core.text import safe, strip_controls

if TYPE_CHECKING:
    from tui.api.client import OpenAIClient
    from tui.api.schemas import CursorPage
    from tui.areas.admin.api.resource import AdminResource
    from tui.areas.admin.api.schemas import (
        ApiKey,
        AuditLog,
        Invite,
        NewKey,
        NewServiceAccount,
        Project,
        ProjectUser,
        RateLimit,
        ServiceAccount,
        User,
    )
    from tui.core.topic import Topic

T = TypeVar("T")
CHANGES_LOG = "admin-changes.jsonl"
"""Loom's own log of the changes it made to organisations, in the data folder."""
AT_ONCE = 6
"""Projects whose parts are read at the same time."""


class NoAdminKey(Exception):
    """No admin key is configured, or the server refused it (the message says what to do)."""


@dataclass
class ProjectParts:
    """One project and what it holds (filled in as its lists arrive)."""

    project: Project
    members: list[ProjectUser] = field(default_factory=list)
    accounts: list[ServiceAccount] = field(default_factory=list)
    keys: list[ApiKey] = field(default_factory=list)
    limits: list[RateLimit] = field(default_factory=list)
    loaded: bool = False
    problem: str | None = None

    @property
    def archived(self) -> bool:
        return self.project.status == "archived"


@dataclass
class OrgView:
    """The organisation as last read."""

    projects: list[ProjectParts] = field(default_factory=list)
    users: list[User] = field(default_factory=list)
    invites: list[Invite] = field(default_factory=list)
    read_at: float = 0.0

    def project(self, project_id: str) -> ProjectParts | None:
        return next((p for p in self.projects if p.project.id == project_id), None)

    def names(self) -> dict[str, str]:
        """Each id the organisation has, by what people call it (an audit log entry's
        target said by name)."""
        found: dict[str, str] = {}
        for user in self.users:
            found[user.id] = user.email or user.name
        for invite in self.invites:
            found[invite.id] = invite.email
        for parts in self.projects:
            found[parts.project.id] = parts.project.name
            for account in parts.accounts:
                found[account.id] = account.name
            for key in parts.keys:
                found[key.id] = key.name
            for limit in parts.limits:
                found.setdefault(limit.id, f"{limit.model} limits")
        return found

    def memberships(self, user_id: str) -> list[tuple[str, str]]:
        """(project name, role) of each project the user is in."""
        return [
            (p.project.name, m.role) for p in self.projects for m in p.members if m.id == user_id
        ]


@dataclass(frozen=True, slots=True)
class AdminChanged:
    """A change Loom made (told to the console so it reads the organisation again)."""

    action: str
    target: str


def new_key_of(made: object) -> tuple[str, str] | None:
    """(whose, the value) of a new key a change made (a service account, or a key for
    one), to be shown once; None for any other change."""
    from tui.areas.admin.api.schemas import NewKey, NewServiceAccount

    if isinstance(made, NewServiceAccount):
        if made.api_key is not None and made.api_key.value:
            return made.name, made.api_key.value
        return None
    if isinstance(made, NewKey) and made.value:
        return made.name, made.value
    return None


class AdminService(AreaService):
    """The organisation of the admin key in use."""

    def __init__(self, context: AreaContext) -> None:
        super().__init__(context)
        self._resource: tuple[OpenAIClient, AdminResource] | None = None
        self.changed: Topic[AdminChanged] = context.topic("organisation changes")
        self.audit_news: Topic[list[AuditLog]] = context.topic("audit log")
        """Told of new audit log entries while the follow mode is on."""

    # --- the resource --------------------------------------------------------------------

    async def resource(self) -> AdminResource:
        """The organisation resource on the admin key's client (NoAdminKey without one)."""
        from tui.areas.admin.api.resource import AdminResource

        client = await self.context.admin_client()
        if client is None:
            raise NoAdminKey(self.no_admin_words())
        if self._resource is None or self._resource[0] is not client:
            self._resource = (client, AdminResource(client))
        return self._resource[1]

    def no_admin_words(self) -> str:
        """What to do when there is no admin key."""
        settings = self.settings
        where = f"the profile {settings.profile!r}" if settings.profile else "your config's profile"
        return (
            "The organisation console needs an admin key: an organisation Owner creates one "
            f'at {ADMIN_KEYS}; put it in {where} as admin_key_env = "OPENAI_ADMIN_KEY" (or '
            "set OPENAI_ADMIN_KEY) and restart."
        )

    def server_changed(self) -> None:
        self._resource = None

    def said(self, error: BaseException, doing: str, area: str | None = None) -> str:
        """A failure in one line; a 403 names the role and key it needs."""
        from tui.api.errors import PermissionDeniedError

        if isinstance(error, NoAdminKey):
            return str(error)
        if isinstance(error, PermissionDeniedError):
            return needs_words(safe(error.message), doing)
        return super().said(error, doing, area or "organisation")

    # --- reading -------------------------------------------------------------------------

    async def read(self) -> OrgView:
        """Projects (archived ones too), users and invites; each project's parts come with
        `read_parts`."""
        resource = await self.resource()

        async def every(items: Any) -> list[Any]:
            return [item async for item in items]

        projects, users, invites = await asyncio.gather(
            every(resource.projects()), every(resource.users()), every(resource.invites())
        )
        return OrgView([ProjectParts(p) for p in projects], users, invites, time.time())

    async def read_parts(
        self,
        view: OrgView,
        told: Callable[[ProjectParts], None] | None = None,
        *,
        projects: Sequence[ProjectParts] | None = None,
    ) -> None:
        """Each project's (or each of `projects`') members, service accounts, keys and rate
        limits, a few projects at a time; `told` after each project (one that failed says
        why in `problem`)."""
        resource = await self.resource()
        gate = asyncio.Semaphore(AT_ONCE)

        async def fill(parts: ProjectParts) -> None:
            async with gate:
                await self._fill(resource, parts)
            if told is not None:
                told(parts)

        wanted = view.projects if projects is None else projects
        await asyncio.gather(*(fill(p) for p in wanted))

    async def _fill(self, resource: AdminResource, parts: ProjectParts) -> None:
        from tui.api.errors import APIError

        project_id = parts.project.id

        async def every(items: Any) -> list[Any]:
            return [item async for item in items]

        try:
            parts.members, parts.accounts, parts.keys, parts.limits = await asyncio.gather(
                every(resource.members(project_id)),
                every(resource.service_accounts(project_id)),
                every(resource.api_keys(project_id)),
                every(resource.rate_limits(project_id)),
            )
            parts.loaded, parts.problem = True, None
        except APIError as error:
            parts.problem = self.said(error, f"reading the project {project_id}")

    async def audit_page(self, query: AuditQuery, *, after: str | None = None) -> CursorPage[Any]:
        """One page of the audit log (100 entries), newest first, after an entry."""
        resource = await self.resource()
        return await resource.audit_page(after=after, filters=query.filters, since=query.since)

    # --- following the log ----------------------------------------------------------------

    def follow_log(self, query: AuditQuery, shown: Sequence[AuditLog]) -> AuditFollower:
        """Follow the audit log from what is shown (newest first); new entries on
        `audit_news`."""
        follower = AuditFollower(self.resource, query, publish=self.audit_news.publish)
        follower.start_from(shown)
        self.context.watcher.stop(KIND, follower.key)
        watch = self.context.watcher.follow(follower)
        self.context.watcher.focus(watch, True)
        return follower

    def stop_following(self) -> None:
        """The follow mode is off."""
        self.context.watcher.stop(KIND, "organisation")

    # --- changes ---------------------------------------------------------------------------

    async def _change(
        self,
        action: str,
        target: str,
        before: str,
        after: str,
        call: Callable[[AdminResource], Awaitable[T]],
    ) -> T:
        """Make one change, write it to Loom's log of its changes, tell the console."""
        from tui.api.errors import APIError

        resource = await self.resource()
        try:
            done = await call(resource)
        except APIError as error:
            self._write(action, target, before, after, f"refused: {error}")
            raise
        self._write(action, target, before, after, "done")
        self.changed.publish(AdminChanged(action, target))
        return done

    def _write(self, action: str, target: str, before: str, after: str, outcome: str) -> None:
        """One line of Loom's own log of its changes (a disk that fails loses only it)."""
        line = {
            "at": int(time.time()),
            "server": self.settings.base_url,
            "action": action,
            "target": target,
            "before": before,
            "after": after,
            "outcome": outcome,
        }
        text = strip_controls(safe(json.dumps(line, ensure_ascii=False)))
        try:
            folder = self.settings.store_dir
            folder.mkdir(parents=True, exist_ok=True)
            with (folder / CHANGES_LOG).open("a", encoding="utf-8") as log:
                log.write(text + "\n")
        except OSError:
            pass  # the change is made; the server's audit log has it either way

    async def create_project(self, name: str) -> Project:
        return await self._change(
            "create project", name, "–", name, lambda r: r.create_project(name)
        )

    async def rename_project(self, project: Project, name: str) -> Project:
        return await self._change(
            "rename project",
            project.id,
            project.name,
            name,
            lambda r: r.rename_project(project.id, name),
        )

    async def archive_project(self, project: Project) -> Project:
        return await self._change(
            "archive project",
            project.id,
            "active",
            "archived",
            lambda r: r.archive_project(project.id),
        )

    async def invite(self, email: str, role: str, projects: Sequence[tuple[str, str]]) -> Invite:
        where = ", ".join(f"{p} ({r})" for p, r in projects)
        return await self._change(
            "invite",
            email,
            "–",
            f"{role}{' in ' + where if where else ''}",
            lambda r: r.invite(email, role, projects),
        )

    async def delete_invite(self, invite: Invite) -> object:
        return await self._change(
            "delete invite",
            invite.email,
            "pending",
            "deleted",
            lambda r: r.delete_invite(invite.id),
        )

    async def set_user_role(self, user: User, role: str) -> User:
        return await self._change(
            "change role", user.email, user.role, role, lambda r: r.set_user_role(user.id, role)
        )

    async def remove_user(self, user: User) -> object:
        return await self._change(
            "remove user", user.email, user.role, "removed", lambda r: r.remove_user(user.id)
        )

    async def add_member(self, project: Project, user: User, role: str) -> ProjectUser:
        return await self._change(
            "add to project",
            f"{user.email} → {project.id}",
            "–",
            role,
            lambda r: r.add_member(project.id, user.id, role),
        )

    async def set_member_role(self, project: Project, member: ProjectUser, role: str) -> object:
        return await self._change(
            "change project role",
            f"{member.email or member.id} in {project.id}",
            member.role,
            role,
            lambda r: r.set_member_role(project.id, member.id, role),
        )

    async def remove_member(self, project: Project, member: ProjectUser) -> object:
        return await self._change(
            "remove from project",
            f"{member.email or member.id} in {project.id}",
            member.role,
            "removed",
            lambda r: r.remove_member(project.id, member.id),
        )

    async def create_service_account(self, project: Project, name: str) -> NewServiceAccount:
        """A new service account; its key's value is in the answer, for the caller to show
        once (it is not written anywhere, here or in the request's record)."""
        made = await self._change(
            "create service account",
            f"{name} in {project.id}",
            "–",
            "member with a new key",
            lambda r: r.create_service_account(project.id, name),
        )
        if made.api_key is not None and made.api_key.value:
            from tui.core.text import SECRETS

            SECRETS.add(made.api_key.value)  # masked wherever else it might appear
        return made

    async def rotate_key(self, project: Project, account: ServiceAccount) -> NewKey:
        """Another key for a service account (shown once, like a new account's)."""
        made = await self._change(
            "new service account key",
            f"{account.name} in {project.id}",
            "–",
            "a new key",
            lambda r: r.new_service_account_key(project.id, account.id, account.name),
        )
        if made.value:
            from tui.core.text import SECRETS

            SECRETS.add(made.value)
        return made

    async def delete_service_account(self, project: Project, account: ServiceAccount) -> object:
        return await self._change(
            "delete service account",
            f"{account.name} in {project.id}",
            account.role,
            "deleted",
            lambda r: r.delete_service_account(project.id, account.id),
        )

    async def delete_key(self, project: Project, key: ApiKey) -> object:
        return await self._change(
            "delete API key",
            f"{key.name} ({key.redacted_value}) in {project.id}",
            "active",
            "deleted",
            lambda r: r.delete_api_key(project.id, key.id),
        )

    async def set_rate_limit(
        self, project: Project, limit: RateLimit, limits: Mapping[str, int]
    ) -> RateLimit:
        before = ", ".join(f"{k} {getattr(limit, k)}" for k in limits)
        after = ", ".join(f"{k} {v}" for k, v in limits.items())
        return await self._change(
            "change rate limit",
            f"{limit.model} in {project.id}",
            before,
            after,
            lambda r: r.set_rate_limit(project.id, limit.id, limits),
        )
