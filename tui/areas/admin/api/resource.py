"""The organisation resource (`/organization/…`, an admin key's): projects, users,
invites, each project's members, service accounts, API keys and rate limits, and the audit
log. Lists are async iterators following `after`; the audit log is read a page at a time,
since it may hold years."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

from pydantic import BaseModel

from tui.api.schemas import CursorPage, Deleted
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

if TYPE_CHECKING:
    from tui.api.client import OpenAIClient

BASE = "/organization"
PAGE = 100
PAGES = 100
"""The most pages of one list (10,000 items at 100 a page)."""
M = TypeVar("M", bound=BaseModel)


def _id(value: str) -> str:
    return quote(value, safe="")


def project_path(project_id: str, *parts: str) -> str:
    """`/organization/projects/{id}/…`, each part quoted."""
    return "/".join([f"{BASE}/projects/{_id(project_id)}", *(_id(p) for p in parts)])


class AdminResource:
    """`/organization`; the client must send an admin key."""

    def __init__(self, client: OpenAIClient) -> None:
        self._client = client

    def _list(
        self, path: str, item: type[M], params: Mapping[str, Any] | None = None
    ) -> AsyncIterator[M]:
        return self._client.paginate(path, item, params=params, page_size=PAGE, max_pages=PAGES)

    async def _one(self, method: str, path: str, item: type[M], body: Any = None) -> M:
        found: M = await self._client.request(method, path, json_body=body, model=item)
        return found

    # --- projects ------------------------------------------------------------------------

    def projects(self, *, include_archived: bool = True) -> AsyncIterator[Project]:
        """Every project (archived ones too, unless asked not to)."""
        return self._list(
            f"{BASE}/projects", Project, {"include_archived": str(include_archived).lower()}
        )

    async def create_project(self, name: str) -> Project:
        return await self._one("POST", f"{BASE}/projects", Project, {"name": name})

    async def project(self, project_id: str) -> Project:
        return await self._one("GET", project_path(project_id), Project)

    async def rename_project(self, project_id: str, name: str) -> Project:
        return await self._one("POST", project_path(project_id), Project, {"name": name})

    async def archive_project(self, project_id: str) -> Project:
        return await self._one("POST", project_path(project_id, "archive"), Project)

    # --- users and invites ---------------------------------------------------------------

    def users(self, *, emails: Sequence[str] = ()) -> AsyncIterator[User]:
        return self._list(f"{BASE}/users", User, {"emails": list(emails)} if emails else None)

    async def user(self, user_id: str) -> User:
        return await self._one("GET", f"{BASE}/users/{_id(user_id)}", User)

    async def set_user_role(self, user_id: str, role: str) -> User:
        return await self._one("POST", f"{BASE}/users/{_id(user_id)}", User, {"role": role})

    async def remove_user(self, user_id: str) -> Deleted:
        return await self._one("DELETE", f"{BASE}/users/{_id(user_id)}", Deleted)

    def invites(self) -> AsyncIterator[Invite]:
        return self._list(f"{BASE}/invites", Invite)

    async def invite(
        self, email: str, role: str, projects: Sequence[tuple[str, str]] = ()
    ) -> Invite:
        """Invite someone: their email, organisation role, and (project id, role) pairs."""
        body: dict[str, Any] = {"email": email, "role": role}
        if projects:
            body["projects"] = [{"id": p, "role": r} for p, r in projects]
        return await self._one("POST", f"{BASE}/invites", Invite, body)

    async def delete_invite(self, invite_id: str) -> Deleted:
        return await self._one("DELETE", f"{BASE}/invites/{_id(invite_id)}", Deleted)

    # --- a project's members -------------------------------------------------------------

    def members(self, project_id: str) -> AsyncIterator[ProjectUser]:
        return self._list(project_path(project_id, "users"), ProjectUser)

    async def add_member(self, project_id: str, user_id: str, role: str) -> ProjectUser:
        body = {"user_id": user_id, "role": role}
        return await self._one("POST", project_path(project_id, "users"), ProjectUser, body)

    async def set_member_role(self, project_id: str, user_id: str, role: str) -> ProjectUser:
        path = project_path(project_id, "users", user_id)
        return await self._one("POST", path, ProjectUser, {"role": role})

    async def remove_member(self, project_id: str, user_id: str) -> Deleted:
        return await self._one("DELETE", project_path(project_id, "users", user_id), Deleted)

    # --- service accounts and keys -------------------------------------------------------

    def service_accounts(self, project_id: str) -> AsyncIterator[ServiceAccount]:
        return self._list(project_path(project_id, "service_accounts"), ServiceAccount)

    async def create_service_account(self, project_id: str, name: str) -> NewServiceAccount:
        """A new service account; its key's value is in this one answer (never kept in the
        request's record)."""
        made: NewServiceAccount = await self._client.request(
            "POST",
            project_path(project_id, "service_accounts"),
            json_body={"name": name},
            model=NewServiceAccount,
            secret_reply=True,
        )
        return made

    async def new_service_account_key(self, project_id: str, account_id: str, name: str) -> NewKey:
        """Another key for a service account (rotation: then delete the old one's account
        key); its value is in this one answer."""
        made: NewKey = await self._client.request(
            "POST",
            project_path(project_id, "service_accounts", account_id, "api_keys"),
            json_body={"name": name},
            model=NewKey,
            secret_reply=True,
        )
        return made

    async def delete_service_account(self, project_id: str, account_id: str) -> Deleted:
        path = project_path(project_id, "service_accounts", account_id)
        return await self._one("DELETE", path, Deleted)

    def api_keys(self, project_id: str) -> AsyncIterator[ApiKey]:
        """Every enabled key of the project, its owner with access or not."""
        path = project_path(project_id, "api_keys")
        return self._list(path, ApiKey, {"owner_project_access": "any"})

    async def delete_api_key(self, project_id: str, key_id: str) -> Deleted:
        return await self._one("DELETE", project_path(project_id, "api_keys", key_id), Deleted)

    # --- rate limits ---------------------------------------------------------------------

    def rate_limits(self, project_id: str) -> AsyncIterator[RateLimit]:
        return self._list(project_path(project_id, "rate_limits"), RateLimit)

    async def set_rate_limit(
        self, project_id: str, limit_id: str, limits: Mapping[str, int]
    ) -> RateLimit:
        path = project_path(project_id, "rate_limits", limit_id)
        return await self._one("POST", path, RateLimit, dict(limits))

    # --- the audit log -------------------------------------------------------------------

    async def audit_page(
        self,
        *,
        limit: int = PAGE,
        after: str | None = None,
        before: str | None = None,
        filters: Mapping[str, Sequence[str]] | None = None,
        since: int | None = None,
        until: int | None = None,
    ) -> CursorPage[AuditLog]:
        """One page of the audit log, newest first: after (older than) or before (newer
        than) an entry, with the spec's filters (`event_types`, `project_ids`,
        `actor_ids`, `actor_emails`, `resource_ids`) and an `effective_at` range."""
        params: dict[str, Any] = {"limit": limit}
        if after:
            params["after"] = after
        if before:
            params["before"] = before
        for name, values in (filters or {}).items():
            if values:
                params[f"{name}[]"] = list(values)
        if since is not None:
            params["effective_at[gte]"] = since
        if until is not None:
            params["effective_at[lt]"] = until
        page: CursorPage[AuditLog] = await self._client.request(
            "GET", f"{BASE}/audit_logs", params=params, model=CursorPage[AuditLog]
        )
        return page
