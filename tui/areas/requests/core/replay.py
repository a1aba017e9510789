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

LEFT_OUT = {"host", "content-length", "accept-encoding", "connection", "user-agent", "cookie"}
"""Headers not written into a command (curl sets its own)."""
FROM_VARIABLES = {
    "authorization": ("Authorization", "Bearer $OPENAI_API_KEY"),
    "api-key": ("api-key", "$OPENAI_API_KEY"),
    "x-api-key": ("x-api-key", "$OPENAI_API_KEY"),
    "openai-organization": ("OpenAI-Organization", "$OPENAI_ORG_ID"),
    "openai-project": ("OpenAI-Project", "$OPENAI_PROJECT_ID"),
}
"""Headers whose values come from the SDK's environment variables in a command."""


def variable_for(header: str) -> str:
    """The environment variable a copied command reads a masked header from
    (`Helicone-Auth` -> `$HELICONE_AUTH`)."""
    return "$" + "".join(ch if ch.isalnum() else "_" for ch in header.upper())


def _header_lines(record: RequestRecord) -> list[str]:
    """`-H` options: secrets from variables, so the command works as copied and holds none."""
    headers = record.request_headers or {}
    masked = {name.lower() for name in record.masked_headers}
    lines = ['  -H "Authorization: Bearer $OPENAI_API_KEY"']
    for name, value in headers.items():
        low = name.lower()
        if low in LEFT_OUT or low == "content-type" or low == "authorization":
            continue
        if low in FROM_VARIABLES:
            shown, variable = FROM_VARIABLES[low]
            lines.append(f'  -H "{shown}: {variable}"')
        elif low in masked:
            lines.append(f'  -H "{safe(name)}: {variable_for(name)}"')
        else:
            lines.append(f"  -H {shlex.quote(safe(f'{name}: {value}'))}")
    return lines


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
    lines += _header_lines(record)
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
    ]
    masked = {name.lower() for name in record.masked_headers}
    from_env = [
        f"{safe(name)!r}: os.environ[{variable_for(name)[1:]!r}]"
        for name in (record.request_headers or {})
        if name.lower() in masked and name.lower() not in FROM_VARIABLES
    ]
    headers = f", default_headers={{{', '.join(from_env)}}}" if from_env else ""
    lines.append(
        f'client = OpenAI(api_key=os.environ["OPENAI_API_KEY"], base_url={safe(root)!r}{headers})'
    )
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
