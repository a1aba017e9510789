"""Plain words for what went wrong and what to do about it (no Textual, no httpx import)."""

from __future__ import annotations

from dataclasses import dataclass

from tui.config import Settings
from tui.core.text import safe


@dataclass(frozen=True, slots=True)
class Advice:
    """A failure as a person should read it."""

    headline: str
    detail: str
    fix: str

    def as_dict(self) -> dict[str, str]:
        """The advice as stored with a failed reply."""
        return {"headline": self.headline, "detail": self.detail, "fix": self.fix}

    @classmethod
    def from_dict(cls, data: dict[str, str]) -> Advice:
        """Advice stored with a failed reply."""
        return cls(data.get("headline", ""), data.get("detail", ""), data.get("fix", ""))


def explain(error: BaseException, settings: Settings) -> Advice:
    """What an error from the API layer means for the user, and the fix."""
    from tui.api import errors as e

    detail = safe(getattr(error, "message", None) or str(error))
    request_id = getattr(error, "request_id", None)
    if request_id:
        detail += f" (request id {request_id})"
    where = settings.base_url
    if isinstance(error, e.AuthenticationError):
        fix = (
            "Set OPENAI_API_KEY to a valid key for this server and restart, "
            "or run `loom --demo` to try the built-in simulator."
        )
        return Advice("The server rejected the API key (401).", detail, fix)
    if isinstance(error, e.PermissionDeniedError):
        return Advice(
            "This key may not use that (403).",
            detail,
            "Check the key's project and permissions, or OPENAI_ORG_ID / OPENAI_PROJECT_ID.",
        )
    if isinstance(error, e.NotFoundError):
        return Advice(
            "Not found (404).",
            detail,
            "Pick another model with ctrl+o, or check OPENAI_BASE_URL "
            f"(now {where}; it usually ends in /v1).",
        )
    if isinstance(error, e.RateLimitError):
        wait = f" The server asked to wait {error.retry_after:g} s." if error.retry_after else ""
        return Advice(
            "Rate limit or quota reached (429).",
            detail + wait,
            "Wait a moment and press ctrl+r to retry; if it persists, check your plan and billing.",
        )
    if isinstance(error, e.BadRequestError):
        param = f" Parameter: {error.param}." if error.param else ""
        return Advice(
            "The server refused the request (400).",
            detail + param,
            "Change the named setting or shorten the conversation, then retry.",
        )
    if isinstance(error, e.ServerError):
        return Advice(
            f"The server failed ({error.status}).",
            detail,
            "It was retried already; try again in a moment with ctrl+r.",
        )
    if isinstance(error, e.StreamInterruptedError):
        if not error.partial.text and not error.partial.refusal:
            return Advice(
                "The reply did not arrive.",
                detail,
                "Nothing of it came. Press ctrl+r to ask again; if it keeps happening, "
                f"check the server at {where}.",
            )
        return Advice(
            "The reply was cut off.",
            detail,
            "What arrived is kept above. Press ctrl+r to ask again.",
        )
    if isinstance(error, e.RedirectError):
        return Advice(
            "The server sent the request elsewhere (redirect).",
            detail,
            "If the address it points to is the right server, start Loom with --base-url "
            "set to it (or set OPENAI_BASE_URL).",
        )
    if isinstance(error, e.APITimeoutError):
        return Advice(
            "The server did not answer in time.",
            detail,
            f"Check that {where} is reachable, then retry with ctrl+r.",
        )
    if isinstance(error, e.APIConnectionError):
        fix = (
            f"Check the network and OPENAI_BASE_URL (now {where}), or run `loom --demo` "
            "to use the built-in simulator."
        )
        return Advice("Could not reach the server.", detail, fix)
    if isinstance(error, e.MalformedResponseError):
        return Advice(
            "The server's reply was not valid for the OpenAI API.",
            detail,
            f"Check that {where} speaks the OpenAI protocol (its URL usually ends in /v1).",
        )
    if isinstance(error, e.APIError):
        return Advice("The request failed.", detail, "Retry with ctrl+r.")
    return Advice(
        "Something went wrong inside Loom.",
        f"{type(error).__name__}: {detail}",
        "Your conversation is kept. Please report this with the steps that led here.",
    )


def no_key_message(settings: Settings) -> str:
    """The welcome text shown when there is no key and no demo."""
    why = f"{settings.key_problem}.\n\n" if settings.key_problem else ""
    return (
        "No API key is set, so Loom cannot talk to a server yet.\n\n" + why + "Two ways in:\n"
        "  - set OPENAI_API_KEY (and OPENAI_BASE_URL for a compatible server such as vLLM, "
        "Ollama or LM Studio) and start loom again;\n"
        "  - or run `loom --demo` to try everything against the built-in simulator, with no "
        f"key and no network.\n\nServer now: {settings.base_url}"
    )


def explain_call(
    error: BaseException, settings: Settings, *, doing: str, area: str | None = None
) -> Advice:
    """What a failed request of a screen other than chat means (`doing`: "pausing the
    job"), and the fix. With `area` ("fine-tuning"), a 404 without an error code (the
    route itself is missing) says the server has no such API."""
    from tui.api import errors as e

    detail = safe(getattr(error, "message", None) or str(error))
    request_id = getattr(error, "request_id", None)
    if request_id:
        detail += f" (request id {request_id})"
    where = settings.base_url
    if isinstance(error, e.NotFoundError) and area and error.code in (None, "unknown_url"):
        return Advice(
            f"This server has no {area} API (404 while {doing}).",
            detail,
            f"{where} does not offer it (Ollama, vLLM and LM Studio do not); use a profile "
            "for OpenAI or Azure OpenAI.",
        )
    if isinstance(error, e.NotFoundError):
        return Advice(f"Not found (404) while {doing}.", detail, "Check the id; it may be gone.")
    if isinstance(error, e.AuthenticationError):
        return Advice(
            f"The server rejected the API key (401) while {doing}.",
            detail,
            "Set a valid key for this server (OPENAI_API_KEY or the profile's api_key_env) "
            "and restart.",
        )
    if isinstance(error, e.PermissionDeniedError):
        return Advice(
            f"This key may not do that (403) while {doing}.",
            detail,
            "Use a key of the project that owns it, with write access (an owner or admin "
            "key for organisation settings).",
        )
    if isinstance(error, e.RateLimitError):
        wait = f" The server asked to wait {error.retry_after:g} s." if error.retry_after else ""
        return Advice(
            f"Rate limit reached (429) while {doing}.",
            detail + wait,
            "Loom waits and tries again on its own.",
        )
    if isinstance(error, e.BadRequestError):
        param = f" Parameter: {error.param}." if error.param else ""
        return Advice(
            f"The server refused it (400) while {doing}.",
            detail + param,
            "Change what it names and try again.",
        )
    if isinstance(error, e.APIConnectionError):
        return Advice(
            f"Could not reach the server while {doing}.",
            detail,
            f"Check the network and the base URL (now {where}); Loom keeps trying.",
        )
    if isinstance(error, e.ServerError):
        return Advice(
            f"The server failed ({error.status}) while {doing}.",
            detail,
            "It was retried already; Loom tries again in a moment.",
        )
    if isinstance(error, e.MalformedResponseError):
        return Advice(
            f"The server's reply was not valid for the OpenAI API while {doing}.",
            detail,
            f"Check that {where} speaks the OpenAI protocol (its URL usually ends in /v1).",
        )
    if isinstance(error, e.APIError):
        return Advice(f"The request failed while {doing}.", detail, "Try again.")
    if isinstance(error, OSError):
        return Advice(
            f"A file could not be read or written while {doing}.",
            safe(f"{error.filename or ''} {error.strerror or error}".strip()),
            "Check the path and its permissions.",
        )
    return Advice(
        f"Something went wrong inside Loom while {doing}.",
        f"{type(error).__name__}: {detail}",
        "Please report this with the steps that led here.",
    )
