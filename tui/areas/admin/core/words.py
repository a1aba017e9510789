"""The organisation in words: how long ago a key was used (and whether it is stale), each
rate limit's name, an audit log entry as a sentence, and what a refused admin request
needs. No Textual here: the console and `loom admin` both say it this way."""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from tui.core.text import safe

if TYPE_CHECKING:
    from tui.areas.admin.api.schemas import ApiKey, AuditLog

STALE_DAYS = 90
"""A key not used for this many days (or never, and made this long ago) is stale."""
ADMIN_KEYS = "https://platform.openai.com/settings/organization/admin-keys"
LIMITS = {
    "max_requests_per_1_minute": "requests a minute",
    "max_tokens_per_1_minute": "tokens a minute",
    "max_images_per_1_minute": "images a minute",
    "max_audio_megabytes_per_1_minute": "audio MB a minute",
    "max_requests_per_1_day": "requests a day",
    "batch_1_day_max_input_tokens": "batch input tokens a day",
}
"""Every limit of `ProjectRateLimit`, as it reads."""
SHORT_LIMITS = {
    "max_requests_per_1_minute": "req/min",
    "max_tokens_per_1_minute": "tok/min",
    "max_images_per_1_minute": "img/min",
    "max_audio_megabytes_per_1_minute": "MB/min",
    "max_requests_per_1_day": "req/day",
    "batch_1_day_max_input_tokens": "batch tok/day",
}
VERBS = {
    "created": "created",
    "updated": "changed",
    "deleted": "deleted",
    "archived": "archived",
    "sent": "invited",
    "accepted": "accepted",
    "added": "added",
    "succeeded": "succeeded",
    "failed": "failed",
}
THINGS = {
    "api_key": "API key",
    "service_account": "service account",
    "rate_limit": "rate limit",
    "project": "project",
    "user": "user",
    "invite": "invite",
    "login": "login",
    "logout": "logout",
    "organization": "organisation",
}


def ago(moment: float | None, now: float | None = None) -> str:
    """`3 min ago`, `5 days ago`, `never`."""
    if not moment:
        return "never"
    seconds = max(0.0, (now if now is not None else time.time()) - moment)
    for size, unit in ((86_400, "day"), (3_600, "h"), (60, "min")):
        if seconds >= size:
            count = int(seconds // size)
            if unit == "day":
                return f"{count} day{'s' if count != 1 else ''} ago"
            return f"{count} {unit} ago"
    return "just now"


def is_stale(key: ApiKey, now: float | None = None) -> bool:
    """Unused for STALE_DAYS (never used: made that long ago)."""
    now = now if now is not None else time.time()
    last = key.last_used_at or key.created_at
    return bool(last) and now - last >= STALE_DAYS * 86_400


def number(value: int | None) -> str:
    """A limit as it reads: `800,000`; a dash when the model has none."""
    return "–" if value is None else f"{value:,}"


def actor_of(entry: AuditLog) -> str:
    """Who did it: a user's email, an admin or project key's owner, a service account."""
    actor = entry.actor or {}
    for part in (actor.get("api_key") or {}, actor.get("session") or {}):
        user = part.get("user") or {}
        found = user.get("email") or user.get("id")
        if found:
            return safe(str(found))
        account = part.get("service_account") or {}
        if account.get("id"):
            return safe(f"service account {account['id']}")
    return safe(str(actor.get("type") or "someone"))


def _changes(details: dict[str, Any]) -> str:
    asked = details.get("changes_requested") or details.get("data") or {}
    if not isinstance(asked, dict):
        return ""
    said = []
    for name, value in asked.items():
        label = LIMITS.get(name, name.replace("_", " "))
        shown = f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else value
        said.append(f"{label} {safe(str(shown))}")
    return ", ".join(said)


def entry_words(entry: AuditLog, names: Mapping[str, str] | None = None) -> str:
    """The entry as a sentence: `created service account Nightly with role member` (an id
    `names` knows by its name)."""
    thing, _, verb = entry.type.rpartition(".")
    details = entry.details()
    target_id = str(details.get("id", ""))
    target = safe((names or {}).get(target_id, target_id))
    changes = _changes(details)
    if entry.type == "invite.sent":
        data = details.get("data") or {}
        who = safe(str(data.get("email") or target))
        role = safe(str(data.get("role") or ""))
        return f"invited {who}" + (f" as {role}" if role else "")
    words = f"{VERBS.get(verb, verb)} {THINGS.get(thing, thing.replace('_', ' '))} {target}"
    if changes:
        joiner = " to " if verb == "updated" else " with "
        words += joiner + changes
    return words.strip()


def project_of(entry: AuditLog) -> str:
    """The project it was scoped to, by name ("" when none)."""
    project = entry.project or {}
    return safe(str(project.get("name") or project.get("id") or ""))


SCOPES = re.compile(r"[Mm]issing scopes?:\s*([A-Za-z0-9_.,\s]+?)(?:\.\s|\.$|$)")


def needs_words(message: str, doing: str) -> str:
    """A refused admin request (403) in words: the role and key it needs."""
    found = SCOPES.search(message)
    scopes = found.group(1).strip() if found else ""
    wanted = f" with the {scopes} permission" if scopes else ""
    return (
        f"This key may not do that (403) while {doing}: it needs an admin key{wanted}, which "
        f"only an organisation Owner can create ({ADMIN_KEYS}). Set it as OPENAI_ADMIN_KEY "
        "or the profile's admin_key_env."
    )
