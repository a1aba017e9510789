"""The organisation API's objects, shaped by the official OpenAPI spec (`Project`, `User`,
`Invite`, `ProjectUser`, `ProjectServiceAccount`, `ProjectApiKey`, `ProjectRateLimit`,
`AuditLog`). Unknown fields are kept; a role or status the spec does not list is kept as the
server's word. A new key's value lives only in `NewKey`, which nothing stores."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from tui.api.schemas import Tolerant
from tui.api.values import Moment, OptionalMoment


class Project(Tolerant):
    """`Project`."""

    id: str
    name: str = ""
    status: str = "active"
    created_at: Moment = 0
    archived_at: OptionalMoment = None


class User(Tolerant):
    """`User`: a member of the organisation."""

    id: str
    name: str = ""
    email: str = ""
    role: str = ""
    added_at: Moment = 0


class InvitedProject(Tolerant):
    id: str
    role: str = "member"


class Invite(Tolerant):
    """`Invite`."""

    id: str
    email: str = ""
    role: str = ""
    status: str = "pending"
    created_at: Moment = 0
    expires_at: OptionalMoment = None
    accepted_at: OptionalMoment = None
    projects: list[InvitedProject] = Field(default_factory=list)


class ProjectUser(Tolerant):
    """`ProjectUser`: a user's membership of one project."""

    id: str
    name: str | None = None
    email: str | None = None
    role: str = ""
    added_at: Moment = 0


class ServiceAccount(Tolerant):
    """`ProjectServiceAccount`."""

    id: str
    name: str = ""
    role: str = ""
    created_at: Moment = 0


class NewKey(Tolerant):
    """`ProjectServiceAccountApiKey`: a new key, its value in this one answer. Shown once,
    never stored, logged or exported."""

    id: str
    name: str = ""
    value: str = Field(default="", repr=False)
    created_at: Moment = 0

    def __str__(self) -> str:  # never the value, whatever prints it
        return f"new key {self.id}"

    def __repr__(self) -> str:
        return f"NewKey(id={self.id!r})"


class NewServiceAccount(ServiceAccount):
    """`ProjectServiceAccountCreateResponse`: the account and its first key."""

    api_key: NewKey | None = None

    def __repr__(self) -> str:
        return f"NewServiceAccount(id={self.id!r})"


class KeyOwner(Tolerant):
    type: str = "user"
    user: dict[str, Any] | None = None
    service_account: dict[str, Any] | None = None

    @property
    def name(self) -> str:
        """Who owns it, in words: a user's email (or name), a service account's name."""
        found = self.user if self.type == "user" else self.service_account
        if not found:
            return self.type
        return str(found.get("email") or found.get("name") or found.get("id") or self.type)


class ApiKey(Tolerant):
    """`ProjectApiKey`: redacted; the value is never in it."""

    id: str
    name: str = ""
    redacted_value: str = ""
    created_at: Moment = 0
    last_used_at: OptionalMoment = None
    owner_project_access: str = "active"
    owner: KeyOwner = Field(default_factory=KeyOwner)


class RateLimit(Tolerant):
    """`ProjectRateLimit`: one model's limits in one project (a limit absent is None)."""

    id: str
    model: str = ""
    max_requests_per_1_minute: int | None = None
    max_tokens_per_1_minute: int | None = None
    max_images_per_1_minute: int | None = None
    max_audio_megabytes_per_1_minute: int | None = None
    max_requests_per_1_day: int | None = None
    batch_1_day_max_input_tokens: int | None = None


class AuditLog(Tolerant):
    """`AuditLog`: one entry; its details are under the key named by its type."""

    id: str
    type: str = ""
    effective_at: Moment = 0
    project: dict[str, Any] | None = None
    actor: dict[str, Any] | None = None

    def details(self) -> dict[str, Any]:
        """The details of its type (`{"id": …, "changes_requested": …}`), or {}."""
        extra = self.model_extra or {}
        found = extra.get(self.type)
        return found if isinstance(found, dict) else {}
