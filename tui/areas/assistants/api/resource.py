"""The Assistants API resource (`OpenAI-Beta: assistants=v2` on every request):
assistants, threads, messages, runs (streamed or not) and run steps. Lists are async
iterators following `after`; a streamed run is an async context manager of `RunEvent`s."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from tui.api.schemas import Deleted
from tui.areas.assistants.api.schemas import Assistant, Message, Run, RunEvent, RunStep, Thread

if TYPE_CHECKING:
    from tui.api.client import Exchange, OpenAIClient

BETA = {"OpenAI-Beta": "assistants=v2"}
PAGE = 100
PAGES = 50


def _id(value: str) -> str:
    return quote(value, safe="")


def thread_path(thread_id: str, *parts: str) -> str:
    return "/".join([f"/threads/{_id(thread_id)}", *(_id(p) for p in parts)])


class RunStream:
    """A streamed run's events, as they come (`async with … as events: async for …`)."""

    def __init__(self, client: OpenAIClient, path: str, body: dict[str, Any]) -> None:
        self._client = client
        self._path = path
        self._body = body
        self._exchange: Exchange | None = None
        self.error: str | None = None

    async def __aenter__(self) -> RunStream:
        self._exchange = await self._client.send(
            "POST", self._path, json_body=self._body, stream=True, headers=BETA
        )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        exchange = self._exchange
        if exchange is None or exchange.response is None:
            return
        await exchange.response.aclose()
        if exc is not None and self.error is None:
            self.error = str(exc) or type(exc).__name__
        self._client.observe(exchange.record(error=self.error))

    async def __aiter__(self) -> AsyncIterator[RunEvent]:
        from tui.api.sse import SSEEvents

        exchange = self._exchange
        assert exchange is not None and exchange.response is not None
        async for data in SSEEvents(exchange.response).data():
            exchange.received(data + "\n")
            event = RunEvent.of(data)
            if event is not None:
                yield event


class AssistantsResource:
    """`/assistants` and `/threads`."""

    def __init__(self, client: OpenAIClient) -> None:
        self._client = client

    async def _one(self, method: str, path: str, model: Any, body: Any = None) -> Any:
        return await self._client.request(method, path, json_body=body, model=model, headers=BETA)

    # --- assistants -----------------------------------------------------------------------

    def assistants(self) -> AsyncIterator[Assistant]:
        """Every assistant, newest first."""
        return self._client.paginate(
            "/assistants", Assistant, page_size=PAGE, max_pages=PAGES, headers=BETA
        )

    async def assistant(self, assistant_id: str) -> Assistant:
        found: Assistant = await self._one("GET", f"/assistants/{_id(assistant_id)}", Assistant)
        return found

    async def create_assistant(self, body: Mapping[str, Any]) -> Assistant:
        made: Assistant = await self._one("POST", "/assistants", Assistant, dict(body))
        return made

    async def modify_assistant(self, assistant_id: str, body: Mapping[str, Any]) -> Assistant:
        path = f"/assistants/{_id(assistant_id)}"
        done: Assistant = await self._one("POST", path, Assistant, dict(body))
        return done

    async def delete_assistant(self, assistant_id: str) -> Deleted:
        done: Deleted = await self._one("DELETE", f"/assistants/{_id(assistant_id)}", Deleted)
        return done

    # --- threads and messages -------------------------------------------------------------

    async def create_thread(self, messages: Sequence[Mapping[str, Any]] = ()) -> Thread:
        body = {"messages": [dict(m) for m in messages]} if messages else {}
        made: Thread = await self._one("POST", "/threads", Thread, body)
        return made

    async def thread(self, thread_id: str) -> Thread:
        found: Thread = await self._one("GET", thread_path(thread_id), Thread)
        return found

    async def delete_thread(self, thread_id: str) -> Deleted:
        done: Deleted = await self._one("DELETE", thread_path(thread_id), Deleted)
        return done

    def messages(self, thread_id: str) -> AsyncIterator[Message]:
        """A thread's messages, oldest first."""
        return self._client.paginate(
            thread_path(thread_id, "messages"),
            Message,
            params={"order": "asc"},
            page_size=PAGE,
            max_pages=PAGES,
            headers=BETA,
        )

    async def add_message(self, thread_id: str, text: str, role: str = "user") -> Message:
        path = thread_path(thread_id, "messages")
        made: Message = await self._one("POST", path, Message, {"role": role, "content": text})
        return made

    # --- runs ---------------------------------------------------------------------------

    def runs(self, thread_id: str) -> AsyncIterator[Run]:
        """A thread's runs, newest first."""
        return self._client.paginate(
            thread_path(thread_id, "runs"), Run, page_size=PAGE, max_pages=PAGES, headers=BETA
        )

    async def run(self, thread_id: str, run_id: str) -> Run:
        found: Run = await self._one("GET", thread_path(thread_id, "runs", run_id), Run)
        return found

    async def create_run(self, thread_id: str, assistant_id: str) -> Run:
        path = thread_path(thread_id, "runs")
        made: Run = await self._one("POST", path, Run, {"assistant_id": assistant_id})
        return made

    def stream_run(self, thread_id: str, assistant_id: str) -> RunStream:
        """A run made and streamed."""
        body = {"assistant_id": assistant_id, "stream": True}
        return RunStream(self._client, thread_path(thread_id, "runs"), body)

    async def cancel_run(self, thread_id: str, run_id: str) -> Run:
        path = thread_path(thread_id, "runs", run_id, "cancel")
        done: Run = await self._one("POST", path, Run)
        return done

    def submit_outputs(self, thread_id: str, run_id: str, outputs: Mapping[str, str]) -> RunStream:
        """Each call's output (by call id), the run streamed on from there."""
        body = {
            "tool_outputs": [{"tool_call_id": k, "output": v} for k, v in outputs.items()],
            "stream": True,
        }
        return RunStream(
            self._client, thread_path(thread_id, "runs", run_id, "submit_tool_outputs"), body
        )

    def steps(self, thread_id: str, run_id: str) -> AsyncIterator[RunStep]:
        """A run's steps, oldest first."""
        return self._client.paginate(
            thread_path(thread_id, "runs", run_id, "steps"),
            RunStep,
            params={"order": "asc"},
            page_size=PAGE,
            max_pages=PAGES,
            headers=BETA,
        )
