"""A recorded request as a command to run it again: curl, or Python with the official SDK.
The key is never written out: it is `$OPENAI_API_KEY` (and the organisation and project
their variables), whatever the record holds."""

from __future__ import annotations

import json
import shlex
from typing import TYPE_CHECKING, Any

from tui.core.text import safe

if TYPE_CHECKING:
    from tui.api.observe import RequestRecord

LEFT_OUT = {
    "host",
    "content-length",
    "accept-encoding",
    "connection",
    "user-agent",
    "authorization",
    "openai-organization",
    "openai-project",
    "api-key",
    "cookie",
}
"""Headers not written into a command (curl sets its own; the secrets come from variables)."""


def _body(record: RequestRecord) -> Any:
    text = record.request_body
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def as_curl(record: RequestRecord) -> str:
    """A curl command that sends the same request (secrets from the environment)."""
    lines = [f"curl -sS -X {record.method} {shlex.quote(safe(record.url))}"]
    lines.append('  -H "Authorization: Bearer $OPENAI_API_KEY"')
    headers = {k.lower(): v for k, v in (record.request_headers or {}).items()}
    if "openai-organization" in headers:
        lines.append('  -H "OpenAI-Organization: $OPENAI_ORG_ID"')
    if "openai-project" in headers:
        lines.append('  -H "OpenAI-Project: $OPENAI_PROJECT_ID"')
    for name, value in (record.request_headers or {}).items():
        if name.lower() in LEFT_OUT or name.lower() == "content-type":
            continue
        lines.append(f"  -H {shlex.quote(safe(f'{name}: {value}'))}")
    body = record.request_body
    if body and body.startswith("(multipart"):
        lines.append("  # the body was multipart/form-data: add -F purpose=... -F file=@PATH")
    elif body:
        lines.append("  -H 'Content-Type: application/json'")
        lines.append(f"  -d {shlex.quote(safe(body))}")
    return " \\\n".join(lines)


def as_python(record: RequestRecord) -> str:
    """The same request with the official `openai` package."""
    base = record.url.split("?", 1)[0]
    path = record.path.split("?", 1)[0]
    root = base[: len(base) - len(path)] if base.endswith(path) else base
    body = _body(record)
    lines = [
        "import os",
        "",
        "from openai import OpenAI",
        "",
        f'client = OpenAI(api_key=os.environ["OPENAI_API_KEY"], base_url={safe(root)!r})',
    ]
    if record.method == "POST" and path == "/chat/completions" and isinstance(body, dict):
        args = ", ".join(f"{k}={v!r}" for k, v in body.items())
        if body.get("stream"):
            lines += [
                f"for chunk in client.chat.completions.create({args}):",
                '    print(chunk.choices[0].delta.content or "" if chunk.choices else "", end="")',
            ]
        else:
            lines.append(f"print(client.chat.completions.create({args}))")
    elif record.method == "GET" and path == "/models":
        lines.append("for model in client.models.list():\n    print(model.id)")
    else:
        query = record.url.split("?", 1)[1] if "?" in record.url else ""
        target = path + (f"?{query}" if query else "")
        call = record.method.lower()
        extra = f", body={body!r}" if body is not None and call in ("post", "put", "patch") else ""
        lines.append(f"print(client.{call}({safe(target)!r}{extra}, cast_to=object))")
    return "\n".join(lines) + "\n"
