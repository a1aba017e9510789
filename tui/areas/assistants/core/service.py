"""The assistants area's service: everything `loom assistants` (and the screen to come)
asks of the Assistants API goes through here — assistants listed, threads made and kept
(the API cannot list them), messages added, runs made, streamed, answered with tool
outputs and cancelled, steps read — and a thread brought home as a Loom conversation."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from tui.core.context import AreaContext, AreaService

if TYPE_CHECKING:
    from tui.api.client import OpenAIClient
    from tui.areas.assistants.api.resource import AssistantsResource, RunStream
    from tui.areas.assistants.api.schemas import Assistant, Message, Run, RunStep, Thread
    from tui.areas.assistants.store.threads import KnownThread

NO_API = (
    "This server has no Assistants API ({said}). OpenAI's has it (OpenAI has since moved "
    "on to the Responses API); Ollama, vLLM and LM Studio do not."
)


class AssistantsService(AreaService):
    """Assistants and threads of the server in use."""

    def __init__(self, context: AreaContext) -> None:
        super().__init__(context)
        self._resource: tuple[OpenAIClient, AssistantsResource] | None = None

    async def resource(self) -> AssistantsResource:
        from tui.areas.assistants.api.resource import AssistantsResource

        client = await self.context.client()
        if self._resource is None or self._resource[0] is not client:
            self._resource = (client, AssistantsResource(client))
        return self._resource[1]

    def server_changed(self) -> None:
        self._resource = None

    def said(self, error: BaseException, doing: str, area: str | None = None) -> str:
        """A failure in one line; a server without the API says so in one sentence."""
        from tui.api.errors import NotFoundError

        if isinstance(error, NotFoundError) and "thread" not in doing and "run" not in doing:
            return NO_API.format(said=f"404 while {doing}")
        return super().said(error, doing, area or "Assistants")

    # --- reading --------------------------------------------------------------------------

    async def assistants(self) -> list[Assistant]:
        resource = await self.resource()
        return [a async for a in resource.assistants()]

    async def thread(self, thread_id: str) -> tuple[Thread, list[Message]]:
        """A thread and its messages, oldest first; kept among the known threads."""
        resource = await self.resource()
        thread = await resource.thread(thread_id)
        messages = [m async for m in resource.messages(thread_id)]
        first = next((m.text for m in messages if m.role == "user"), "")
        assistant = next((m.assistant_id for m in messages if m.assistant_id), "") or ""
        await self.keep(thread_id, assistant, first)
        return thread, messages

    async def runs(self, thread_id: str) -> list[Run]:
        resource = await self.resource()
        return [r async for r in resource.runs(thread_id)]

    async def steps(self, thread_id: str, run_id: str) -> list[RunStep]:
        resource = await self.resource()
        return [s async for s in resource.steps(thread_id, run_id)]

    async def known_threads(self) -> list[KnownThread]:
        """The threads Loom knows on this server, the last seen first."""
        server = self.settings.base_url
        result: list[KnownThread] = await self.context.store().run(
            "reading the known threads", lambda r: r.area("assistants").known(server)
        )
        return result

    async def keep(self, thread_id: str, assistant_id: str = "", text: str = "") -> None:
        """Remember a thread (a store that fails only forgets it; it says so itself)."""
        from tui.store.conversations import title_from
        from tui.store.errors import StoreError

        server = self.settings.base_url
        title = title_from(text) if text else ""
        with contextlib.suppress(StoreError):
            await self.context.store().run(
                "keeping a thread",
                lambda r: r.area("assistants").keep(server, thread_id, assistant_id, title),
            )

    # --- running --------------------------------------------------------------------------

    async def new_thread(self, assistant_id: str, text: str) -> Thread:
        """A thread with the user's first message, kept."""
        resource = await self.resource()
        thread = await resource.create_thread([{"role": "user", "content": text}])
        await self.keep(thread.id, assistant_id, text)
        return thread

    async def say(self, thread_id: str, text: str) -> Message:
        resource = await self.resource()
        return await resource.add_message(thread_id, text)

    async def stream_run(self, thread_id: str, assistant_id: str) -> RunStream:
        await self.keep(thread_id, assistant_id)
        return (await self.resource()).stream_run(thread_id, assistant_id)

    async def answer(self, thread_id: str, run_id: str, outputs: Mapping[str, str]) -> RunStream:
        """The outputs of a run's tool calls (by call id), the run streamed on."""
        return (await self.resource()).submit_outputs(thread_id, run_id, outputs)

    async def cancel(self, thread_id: str, run_id: str) -> Run:
        return await (await self.resource()).cancel_run(thread_id, run_id)

    async def modify_assistant(self, assistant_id: str, changes: Mapping[str, Any]) -> Assistant:
        """Change an assistant's name, model or instructions (the screen asks first)."""
        return await (await self.resource()).modify_assistant(assistant_id, changes)

    # --- home -----------------------------------------------------------------------------

    async def export(self, thread_id: str) -> tuple[int, str]:
        """The thread as a new Loom conversation (its assistant's instructions as the system
        prompt, its model as the model): (the conversation's id, its title)."""
        from tui.store.conversations import title_from

        thread, messages = await self.thread(thread_id)
        assistant_id = next((m.assistant_id for m in messages if m.assistant_id), None)
        model, instructions, name = "gpt-4o-mini", "", ""
        if assistant_id:
            try:
                assistant = await (await self.resource()).assistant(assistant_id)
                model, instructions = assistant.model or model, assistant.instructions or ""
                name = assistant.name or ""
            except Exception:
                pass
        first = next((m.text for m in messages if m.role == "user"), "")
        title = title_from(first) if first else f"Thread {thread.id}"
        turns = [(m.role, m.text) for m in messages if m.role in ("user", "assistant")]
        # The chat's parameters are sent with each request: where it came from goes in the
        # title's words, never in them.
        if name:
            title = f"{title} ({name})"

        def write(repositories: Any) -> int:
            store = repositories.conversations
            with store.transaction():  # all of it, or nothing: no half conversation
                made = store.create(title=title, model=model, system_prompt=instructions)
                parent = None
                for role, text in turns:
                    message = store.add_message(
                        made.id,
                        role,
                        text,
                        parent_id=parent,
                        model=model if role == "assistant" else None,
                    )
                    parent = message.id
            return int(made.id)

        conversation_id: int = await self.context.store().run("bringing a thread home", write)
        return conversation_id, title
