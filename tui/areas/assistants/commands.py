"""`loom assistants`: the assistants screen; for scripts, the server's assistants (`list`,
`--json`), the
threads Loom knows (`threads`), one thread's messages (`show THREAD_ID`), a run streamed
(`run THREAD_ID|new --assistant ID [TEXT]`: its reply as it comes; a run that stops for its
tools prints each call and how to answer it), its tool calls answered (`answer THREAD_ID
RUN_ID CALL_ID=OUTPUT…`), its steps (`steps THREAD_ID RUN_ID`), and a thread brought home
as a Loom conversation (`export THREAD_ID`: then searchable, exportable, continued in chat).
Exit status 0; 1 when the server failed; 2 for a bad argument; 5 for a run that waits for
tool outputs."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from tui.cli.common import BAD_USE, FAILED, Options, err, out, settings

if TYPE_CHECKING:
    from tui.areas.assistants.api.resource import RunStream
    from tui.areas.assistants.core.service import AssistantsService

FAMILY = "assistants"
WAITS_FOR_TOOLS = 5
"""Exit status of a run that stopped at requires_action."""
ARGUMENTS = {"show": 1, "export": 1, "steps": 2, "run": 1}


def add(commands: argparse._SubParsersAction[argparse.ArgumentParser], options: Options) -> None:
    """The family's commands."""
    assistants = commands.add_parser(
        "assistants",
        help="assistants, threads and runs: list, show, run with streaming, answer, export",
        description=__doc__.split("\n\n")[0].replace("\n", " ") if __doc__ else None,
    )
    assistants.add_argument(
        "target",
        nargs="*",
        metavar="[list | threads | show ID | run ID|new [TEXT] | answer ID RUN CALL=OUT… | "
        "steps ID RUN | export ID]",
    )
    assistants.add_argument("--assistant", metavar="ID", help="run: the assistant to run")
    assistants.add_argument("--json", action="store_true", help="the API's objects as JSON")
    options(assistants)
    assistants.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """`loom assistants …`."""
    import asyncio

    if not args.target and not args.json:
        from tui.cli.workbench import run_app

        return run_app(args, mode="assistants")
    target = list(args.target) or ["list"]
    action, rest = target[0], target[1:]
    if action not in ("list", "threads", "show", "run", "answer", "steps", "export"):
        err(f"loom assistants: {action}? (list, threads, show, run, answer, steps, export)")
        return BAD_USE
    wanted = ARGUMENTS.get(action, 0)
    if (action == "run" and not 1 <= len(rest) <= 2) or (
        action != "run" and (len(rest) < wanted or (action != "answer" and len(rest) > wanted))
    ):
        err(f"loom assistants {action}: see loom assistants --help for what it takes")
        return BAD_USE
    if action == "answer" and (len(rest) < 3 or not all("=" in r for r in rest[2:])):
        err("loom assistants answer: THREAD_ID RUN_ID CALL_ID=OUTPUT (one per call)")
        return BAD_USE
    if action == "run" and not args.assistant:
        err("loom assistants run: --assistant ID (loom assistants lists them)")
        return BAD_USE
    try:
        return asyncio.run(_run(args, action, rest))
    except KeyboardInterrupt:
        return FAILED


async def _run(args: argparse.Namespace, action: str, rest: list[str]) -> int:
    from tui.api.errors import APIError
    from tui.core.services import Services
    from tui.store.errors import StoreError

    services = Services(settings(args), join_demo=True)
    service: AssistantsService = services.area("assistants")
    doing = {"list": "listing assistants", "threads": "reading the known threads"}.get(
        action, f"{action} {' '.join(rest[:1])}"
    )
    try:
        return await _act(args, service, action, rest)
    except (APIError, StoreError) as error:
        err(f"loom assistants: {service.said(error, doing)}")
        return FAILED
    finally:
        await services.aclose()


def _dump(value: Any) -> None:
    out(json.dumps(value.model_dump(mode="json"), ensure_ascii=False) + "\n")


async def _act(
    args: argparse.Namespace, service: AssistantsService, action: str, rest: list[str]
) -> int:
    if action == "list":
        for assistant in await service.assistants():
            if args.json:
                _dump(assistant)
                continue
            tools = ", ".join(assistant.tool_names()) or "no tools"
            out(f"{assistant.id}  {assistant.name or '(unnamed)'}  {assistant.model}  {tools}\n")
        return 0
    if action == "threads":
        for known in await service.known_threads():
            out(f"{known.thread_id}  {known.title or '–'}  {known.assistant_id or '–'}\n")
        return 0
    if action == "show":
        _, messages = await service.thread(rest[0])
        for message in messages:
            if args.json:
                _dump(message)
            else:
                out(f"## {message.role}\n\n{message.text}\n\n")
        return 0
    if action == "steps":
        for step in await service.steps(rest[0], rest[1]):
            if args.json:
                _dump(step)
                continue
            usage = (step.usage or {}).get("total_tokens")
            out(f"{step.id}  {step.type}  {step.status}  {usage or 0} tokens\n")
            for call in step.step_details.get("tool_calls") or []:
                function = call.get("function") or {}
                out(
                    f"  {function.get('name', call.get('type'))}({function.get('arguments', '')})"
                    f" → {function.get('output')!r}\n"
                )
        return 0
    if action == "export":
        conversation_id, title = await service.export(rest[0])
        out(f"conversation {conversation_id}: {title}\n")
        return 0
    if action == "answer":
        outputs = dict(r.split("=", 1) for r in rest[2:])
        return await _stream(args, await service.answer(rest[0], rest[1], outputs), rest[0])
    thread_id = rest[0]
    if thread_id == "new":
        thread = await service.new_thread(args.assistant, rest[1] if len(rest) > 1 else "Hello")
        thread_id = thread.id
        err(f"loom assistants: thread {thread_id}")
    elif len(rest) > 1:
        await service.say(thread_id, rest[1])
    return await _stream(args, await service.stream_run(thread_id, args.assistant), thread_id)


async def _stream(args: argparse.Namespace, stream: RunStream, thread_id: str) -> int:
    """A run's reply as it comes; its tool calls and how to answer them when it asks."""
    last = None
    async with stream as events:
        async for event in events:
            if args.json and event.kind != "delta":
                value = event.run or event.step or event.message
                if value is not None:
                    _dump(value)
            elif event.kind == "delta":
                if not args.json:
                    out(event.text)
                    sys.stdout.flush()
            elif event.kind == "error":
                err(f"loom assistants: the run failed: {event.error}")
                return FAILED
            if event.run is not None:
                last = event.run
    if not args.json:
        out("\n")
    if last is None:
        err("loom assistants: the stream ended before the run said anything")
        return FAILED
    if last.status == "requires_action":
        calls = last.tool_calls()
        for call in calls:
            err(f"loom assistants: {call.name} wants an answer (call {call.id}):\n{call.arguments}")
        answers = " ".join(f"{c.id}=OUTPUT" for c in calls)
        err(f"loom assistants: answer with: loom assistants answer {thread_id} {last.id} {answers}")
        return WAITS_FOR_TOOLS
    if last.status != "completed":
        said = (last.last_error or {}).get("message", last.status)
        err(f"loom assistants: the run ended {last.status}: {said}")
        return FAILED
    return 0
