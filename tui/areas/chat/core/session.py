"""A conversation as the chat screen drives it, with no Textual: its messages (the branch
shown), building requests, streaming a reply into events, and keeping it all saved.

Saving never stops the chat. Every write goes to the store's thread; when one fails (a
database locked by another program, a damaged file, a full disk, a removed folder) the
session keeps everything in memory, says so once (`save_problem`, `listeners`), and
writes what is missing when the store works again: on the next save, or on a retry a few
seconds later. Turns know which of their versions the store has (`Turn.saved`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tui.areas.chat.core.turn import Turn
from tui.areas.chat.core.writes import LAST_CONVERSATION, Entry, Plan, fields_of, plan_job
from tui.core.advice import Advice, explain
from tui.store.errors import StoreError

if TYPE_CHECKING:
    from tui.areas.chat.api.schemas import ChatCompletionRequest
    from tui.core.context import AreaContext
    from tui.core.topic import Topic
    from tui.store.conversations import Conversation, Message
    from tui.store.thread import Repositories

__all__ = ["ChatSession", "ReplyEnded", "ReplyEvent", "ReplyFailed", "ReplyText", "Turn"]

RETRY_SECONDS = (3.0, 6.0, 15.0, 30.0, 60.0)
"""Waits between attempts to save what the store refused (the last one repeats)."""
SHOWN_WAIT = 0.1
"""The longest the screen waits for a streaming reply's text to be saved before showing it
(a write takes well under a millisecond; a slow or locked store is not waited for)."""


@dataclass(slots=True)
class ReplyText:
    """More of the reply arrived (text or refusal)."""

    text: str


@dataclass(slots=True)
class ReplyEnded:
    """The reply is whole; its figures are on its turn."""


@dataclass(slots=True)
class ReplyFailed:
    """The reply failed; what arrived is kept on its turn."""

    advice: Advice


ReplyEvent = ReplyText | ReplyEnded | ReplyFailed


class SessionError(Exception):
    """Something the user asked for cannot be done now; `advice` says why and what to do."""

    def __init__(self, advice: Advice) -> None:
        super().__init__(advice.headline)
        self.advice = advice


class ChatSession:
    """The conversation on screen: its turns, its settings, its saving."""

    def __init__(self, context: AreaContext) -> None:
        self.context = context
        """All the session works with: the settings, the client, the store, the supervisor."""
        settings = context.settings()
        self.conversation_id: int | None = None
        self.title = ""
        self.model = settings.model
        self.system_prompt = settings.system_prompt
        """What the conversation starts with: the config's [chat] defaults, until changed."""
        self.params: dict[str, Any] = dict(settings.params)
        self.turns: list[Turn] = []
        """The branch shown, oldest first."""
        self.reply: Turn | None = None
        """The reply arriving now."""
        self.save_problem: str | None = None
        """Why something is not saved now (None when all is saved or being saved)."""
        self.save_state: Topic[str | None] = context.topic("saving the conversation")
        """Told when saving starts failing (why) or works again (None)."""
        self._generation = 0
        self._meta_version = 0
        self._meta_saved = 0
        self._leaf_saved: int | None = None
        self._save_lock = asyncio.Lock()
        self._saving: asyncio.Task[None] | None = None
        self._again = False
        self._retry: asyncio.Task[None] | None = None
        self._parts: list[str] = []
        """The pieces of the reply arriving now."""

    # --- state -----------------------------------------------------------------------

    @property
    def unsaved(self) -> bool:
        """Whether something shown is not in the store (yet)."""
        return self.save_problem is not None or any(not turn.saved for turn in self.turns)

    @property
    def streaming(self) -> bool:
        """Whether a reply is arriving now."""
        return self.reply is not None

    def start_new(self) -> None:
        """An empty conversation with the default model, system prompt and parameters (the
        one shown stays stored)."""
        self._reset()
        settings = self.context.settings()
        self.model = settings.model
        self.system_prompt = settings.system_prompt
        self.params = dict(settings.params)

    def apply_preset(self, system_prompt: str, params: dict[str, Any]) -> None:
        """Start with a preset's system prompt and parameters (and model, if it has one)."""
        self.system_prompt = system_prompt
        self.params = dict(params)
        model = self.params.pop("model", None)
        if model:
            self.model = str(model)
        self._meta_changed()

    def _reset(self) -> None:
        self.conversation_id = None
        self.title = ""
        self.system_prompt = ""
        self.params = {}
        self.turns = []
        self._leaf_saved = None
        self._meta_version = self._meta_saved = 0

    def _meta_changed(self) -> None:
        self._meta_version += 1

    # --- opening ---------------------------------------------------------------------

    async def open(self, conversation_id: int, leaf_id: int | None = None) -> None:
        """Show a stored conversation: the branch ending at `leaf_id`, or the one last
        shown. KeyError if it no longer exists; StoreError if the store fails."""

        def load(
            repos: Repositories,
        ) -> tuple[Conversation, list[Message], dict[int, tuple[int, int]], int]:
            store = repos.conversations
            conversation = store.get(conversation_id)
            if leaf_id is not None and leaf_id != conversation.leaf_id:
                store.update(conversation_id, leaf_id=leaf_id)
            path = store.path(conversation_id, leaf_id)
            store.set_setting(LAST_CONVERSATION, f"{conversation_id}@{time.time():.3f}")
            return conversation, path, store.branches(conversation_id), repos.generation

        conversation, path, branches, generation = await self.context.store().run(
            "opening the conversation", load
        )
        self._reset()
        self._generation = generation
        self.conversation_id = conversation.id
        self.title = conversation.title
        self.model = conversation.model or self.context.settings().model
        self.system_prompt = conversation.system_prompt
        self.params = dict(conversation.params)
        self.turns = [Turn.from_message(m, branches.get(m.id, (1, 1))) for m in path]
        self._leaf_saved = path[-1].id if path else None

    async def open_last(self) -> bool:
        """Reopen the conversation last shown, or one with newer activity since (made or
        imported from the shell, say); False if there is none."""

        def last(repos: Repositories) -> int | None:
            store = repos.conversations
            named, _, shown = (store.setting(LAST_CONVERSATION) or "").partition("@")
            newest = store.most_recent()
            if not (named.isdigit() and store.exists(int(named))):
                return newest
            newer = (
                newest is not None
                and newest != int(named)
                and shown.replace(".", "", 1).isdigit()
                and store.get(newest).updated > float(shown)
            )
            return newest if newer else int(named)

        conversation_id = await self.context.store().run("reopening the last conversation", last)
        if conversation_id is None:
            return False
        await self.open(conversation_id)
        return True

    # --- requests --------------------------------------------------------------------

    def request_messages(self, turns: Sequence[Turn]) -> list[dict[str, Any]]:
        """The API's messages for these turns, the system prompt first. Images go again
        with every later turn, as the API expects."""
        from tui.core.chat_messages import request_content

        messages: list[dict[str, Any]] = []
        if self.system_prompt:
            messages.append({"role": "system", "content": self.system_prompt})
        for turn in turns:
            text = turn.text_for_request()
            if text:
                messages.append({"role": turn.role, "content": request_content(text, turn.images)})
        return messages

    def build_request(self, messages: list[dict[str, Any]], model: str) -> ChatCompletionRequest:
        """The request for these messages with this conversation's parameters; SessionError
        when the parameters are not valid (an old or imported conversation)."""
        from pydantic import ValidationError

        from tui.areas.chat.api.schemas import ChatCompletionRequest, StreamOptions
        from tui.core.chat_params import check_all

        problems = check_all(self.params)
        try:
            if not problems:
                return ChatCompletionRequest.model_validate(
                    {
                        **self.params,
                        "model": model,
                        "messages": messages,
                        "stream_options": StreamOptions(include_usage=True),
                    }
                )
        except ValidationError as error:
            problems = [
                f"{'.'.join(str(part) for part in e['loc'])}: {e['msg']}" for e in error.errors()
            ]
        raise SessionError(
            Advice(
                "This conversation's parameters cannot be sent.",
                "; ".join(problems),
                "Press f3 to correct them (empty fields use the server's defaults).",
            )
        )

    # --- sending ---------------------------------------------------------------------

    def add_message(self, text: str, images: list[str], *, replacing: Turn | None = None) -> Turn:
        """Add the user's message (a new version of `replacing`, when editing) and the reply
        that will answer it, which is returned. Not saved yet: see `send`."""
        if replacing is not None and replacing in self.turns:
            del self.turns[self.turns.index(replacing) :]
        if self.conversation_id is None and not self.title:
            from tui.store.conversations import title_from

            self.title = title_from(text)
        self.turns.append(Turn("user", text, list(images)))
        return self._new_reply()

    async def send(self, text: str, images: list[str], *, replacing: Turn | None = None) -> Turn:
        """`add_message`, saved (or marked unsaved) before this returns: before the request
        leaves."""
        reply = self.add_message(text, images, replacing=replacing)
        await self.save()
        return reply

    def new_version(self, reply: Turn) -> Turn:
        """A new, empty version of `reply` in its place (the old one stays stored)."""
        del self.turns[self.turns.index(reply) :]
        return self._new_reply()

    async def regenerate(self, reply: Turn) -> Turn:
        """`new_version`, saved."""
        fresh = self.new_version(reply)
        await self.save()
        return fresh

    def reply_to_last(self) -> Turn | None:
        """Ask the last prompt again: a new version of the last reply, or a reply to a last
        message that has none. None if there is nothing to ask."""
        if not self.turns:
            return None
        last = self.turns[-1]
        return self.new_version(last) if last.role == "assistant" else self._new_reply()

    def _new_reply(self) -> Turn:
        reply = Turn("assistant", model=self.model, incomplete=True)
        self.turns.append(reply)
        return reply

    def can_continue(self, turn: Turn) -> bool:
        """Whether `turn` is the last reply and was cut short."""
        return (
            turn.role == "assistant"
            and bool(self.turns)
            and turn is self.turns[-1]
            and turn.finish_reason != "stop"
        )

    async def run_reply(
        self,
        reply: Turn,
        on_event: Callable[[ReplyEvent], None],
        *,
        continuing: bool = False,
        read_gap: float = 0.0,
    ) -> None:
        """Stream `reply` from the server, telling `on_event` as it grows and ends.

        The reply's turn keeps everything that arrived, and is saved as it grows (each
        `reply_shown`) and when it ends, fails or is stopped (cancelled: then it is marked
        stopped and CancelledError goes on)."""
        index = self.turns.index(reply)
        messages = self.request_messages(self.turns[: index + 1 if continuing else index])
        if continuing:
            from tui.config.conventions import CONTINUE_INSTRUCTION

            messages.append({"role": "user", "content": CONTINUE_INSTRUCTION})
            reply.finish_reason = None
            reply.error = None
            reply.incomplete = True
        self.reply = reply
        try:
            await self._stream(reply, messages, on_event, read_gap)
        except asyncio.CancelledError:
            reply.finish_reason = "stopped"
            reply.incomplete = True
            reply.changed()
            # Saved even though the worker is being cancelled: what arrived is kept.
            await asyncio.shield(self.save())
            raise
        finally:
            self.reply = None

    async def _stream(
        self,
        reply: Turn,
        messages: list[dict[str, Any]],
        on_event: Callable[[ReplyEvent], None],
        read_gap: float,
    ) -> None:
        try:
            request = self.build_request(messages, reply.model or self.model)
        except SessionError as problem:
            await self._failed(reply, problem.advice, on_event)
            return
        client = await self.context.client()
        from tui.api.errors import APIError
        from tui.api.observe import tagged
        from tui.areas.chat.api.resource import ChatResource

        tagged(conversation=self.conversation_id)  # the ledger says which conversation
        before = reply.content  # a continued reply keeps what it had
        parts = self._parts = [before] if before else []
        sent = time.monotonic()
        first: float | None = None
        chunks = 0
        try:
            async with ChatResource(client).stream(request, read_gap=read_gap) as stream:
                async for chunk in stream:
                    for choice in chunk.choices:
                        if choice.index != 0:
                            continue
                        piece = choice.delta.content or choice.delta.refusal
                        if piece:
                            if first is None:
                                first = time.monotonic()
                            chunks += 1
                            parts.append(piece)
                            on_event(ReplyText(piece))
        except APIError as error:
            reply.content = "".join(parts)
            self._parts = []
            reply.request_id = error.request_id
            await self._failed(reply, explain(error, self.context.settings()), on_event)
            return
        except asyncio.CancelledError:
            reply.content = "".join(parts)
            self._parts = []
            raise
        self._parts = []
        ended = time.monotonic()
        usage = stream.usage
        reply.content = before + (stream.text or stream.refusal)
        reply.finish_reason = stream.finish_reason
        reply.incomplete = False
        reply.error = None
        reply.tool_calls = [
            {"id": call.id, "name": call.name, "arguments": call.arguments}
            for call in stream.tool_calls
        ]
        reply.streamed = stream.streamed
        reply.prompt_tokens = usage.prompt_tokens if usage else None
        reply.completion_tokens = usage.completion_tokens if usage else chunks
        reply.ttft = None if first is None else first - sent
        span = ended - first if first is not None else 0.0
        reply.tokens_per_second = reply.completion_tokens / span if span > 0 else None
        reply.duration = ended - sent
        reply.request_id = stream.request_id
        reply.changed()
        self.reply = None  # whole: Esc has nothing left to stop
        on_event(ReplyEnded())
        await self.save()

    async def _failed(
        self, reply: Turn, advice: Advice, on_event: Callable[[ReplyEvent], None]
    ) -> None:
        reply.error = advice.as_dict()
        reply.finish_reason = "error"
        reply.incomplete = True
        reply.changed()
        on_event(ReplyFailed(advice))
        await self.save()

    def reply_shown(self, reply: Turn) -> None:
        """More of `reply` is going on screen: save it first, so that what is shown is
        kept whatever happens next (a `kill -9` a moment later included).

        The write runs in the store's thread, waited for here up to SHOWN_WAIT seconds (it
        takes well under a millisecond). A store that is failing or slow is not waited
        for: then the newest text is saved as soon as it can be, one write at a time."""
        if reply is self.reply and self._parts:
            # Joined here, a few times a second, not for every piece that arrives.
            reply.content = "".join(self._parts)
        reply.changed()
        store = self.context.store()
        record_id, text, version = reply.record_id, reply.content, reply.version
        if (
            record_id is not None
            and reply.saved_version >= 0
            and self.save_problem is None
            and store.problem is None
            and self._generation == store.generation
        ):
            try:
                done = store.run_waiting(
                    "saving the reply",
                    lambda repos: repos.conversations.save_reply(record_id, text),
                    SHOWN_WAIT,
                )
            except StoreError as error:
                self._set_problem(str(error))
                self._plan_retry()
                return
            if done:
                reply.saved_version = version
                return
        if self._saving is not None and not self._saving.done():
            self._again = True
            return
        self._saving = self.context.supervisor.start(
            f"saving the conversation ({id(self)})", self._save_while_changing
        )

    async def _save_while_changing(self) -> None:
        self._again = True
        while self._again:
            self._again = False
            await self.save()

    # --- changing the conversation ---------------------------------------------------

    async def configure(self, system_prompt: str, params: dict[str, Any], model: str) -> None:
        """New system prompt, parameters and model for the next messages (saved)."""
        self.system_prompt = system_prompt
        self.params = dict(params)
        if model:
            self.model = model
        self._meta_changed()
        if self.conversation_id is not None:
            await self.save()

    async def set_model(self, model: str) -> None:
        """The model the next messages go to (and the default for new conversations)."""
        self.model = model
        self.context.settings().model = model
        self._meta_changed()
        if self.conversation_id is not None:
            await self.save()

    def cut(self, turn: Turn) -> None:
        """Take `turn` and what follows off the branch shown (they stay stored)."""
        if turn in self.turns:
            del self.turns[self.turns.index(turn) :]

    async def switch_version(self, turn: Turn, step: int) -> Turn:
        """Show the previous (-1) or next (+1) version of `turn` and the newest branch
        through it; returns the turn shown in its place. SessionError if there is none."""
        await self.save()  # what is still being written lands first
        if turn.record_id is None or self.conversation_id is None or not turn.saved:
            raise SessionError(
                Advice(
                    "This message is not saved yet, so it has no other versions.",
                    self.save_problem or "",
                    "Wait until it is saved, then try again.",
                )
            )
        record_id = turn.record_id

        def target(repos: Repositories) -> int | None:
            store = repos.conversations
            siblings = store.siblings(record_id)
            index = siblings.index(record_id) + step
            if len(siblings) < 2 or not 0 <= index < len(siblings):
                return None
            return siblings[index]

        other = await self.context.store().run("finding the other version", target)
        if other is None:
            where = "first" if step < 0 else "last"
            raise SessionError(Advice(f"This is the {where} version of this message.", "", ""))
        leaf = await self.context.store().run(
            "finding the other version", lambda repos: repos.conversations.newest_leaf(other)
        )
        await self.open(self.conversation_id, leaf)
        return next(t for t in self.turns if t.record_id == other)

    async def delete(self, turn: Turn) -> bool:
        """Delete `turn` and what followed it on its branch; the view moves to another
        version of it, or to its parent. True if the whole conversation went with it."""
        await self.save()  # what is still being written lands first
        if turn.record_id is None or self.conversation_id is None:
            self.cut(turn)
            return False
        conversation_id, record_id = self.conversation_id, turn.record_id

        def delete(repos: Repositories) -> tuple[int | None, bool]:
            store = repos.conversations
            leaf = store.delete_message(record_id)
            if leaf is None and not store.messages(conversation_id):
                store.delete(conversation_id)
                return None, True
            return leaf, False

        leaf, emptied = await self.context.store().run("deleting the message", delete)
        if emptied:
            self.start_new()
            return True
        await self.open(conversation_id, leaf)
        return False

    # --- saving ----------------------------------------------------------------------

    async def save(self) -> bool:
        """Write what the store does not have yet; False (and `save_problem` set, a retry
        planned) when the store fails. Never raises for a store failure."""
        if await self._write():
            return True
        self._plan_retry()
        return False

    async def _write(self) -> bool:
        async with self._save_lock:
            plan = self._plan()
            if plan is not None:
                try:
                    result = await self.context.store().run(
                        "saving the conversation", plan_job(plan)
                    )
                except StoreError as error:
                    self._set_problem(str(error))
                    return False
                self._apply(plan, *result)
            self._set_problem(None)
            return True

    def _plan(self) -> Plan | None:
        meta_dirty = self._meta_version != self._meta_saved
        entries = []
        work = meta_dirty and self.conversation_id is not None
        for turn in self.turns:
            if turn.saved and self._generation == self.context.store().generation:
                entries.append(Entry(turn, turn.record_id, turn.version, None))
                continue
            work = True
            entries.append(Entry(turn, turn.record_id, turn.version, fields_of(turn)))
        if not self.turns and self.conversation_id is None:
            return None
        leaf = entries[-1].record_id if entries else None
        if not work and leaf == self._leaf_saved:
            return None
        meta = {
            "title": self.title or "New conversation",
            "model": self.model,
            "system_prompt": self.system_prompt,
            "params": dict(self.params),
            "dirty": meta_dirty,
            "version": self._meta_version,
        }
        return Plan(self.conversation_id, self._generation, meta, entries, self._leaf_saved)

    def _apply(
        self,
        plan: Plan,
        conversation_id: int,
        ids: list[int],
        branches: dict[int, tuple[int, int]],
        generation: int,
    ) -> None:
        self.conversation_id = conversation_id
        self._generation = generation
        self._meta_saved = plan.meta["version"]
        for entry, record_id in zip(plan.entries, ids, strict=True):
            turn = entry.turn
            turn.record_id = record_id
            if entry.data is not None or turn.saved_version < 0:
                turn.saved_version = entry.version
            if record_id in branches:
                turn.branch = branches[record_id]
        self._leaf_saved = ids[-1] if ids else None

    def _set_problem(self, problem: str | None) -> None:
        if problem == self.save_problem:
            return
        self.save_problem = problem
        self.save_state.publish(problem)

    def _plan_retry(self) -> None:
        if self._retry is not None and not self._retry.done():
            return
        self._retry = self.context.supervisor.start(
            f"saving the conversation again ({id(self)})", self._retry_until_saved
        )

    async def _retry_until_saved(self) -> None:
        attempt = 0
        while self.save_problem is not None:
            await asyncio.sleep(RETRY_SECONDS[min(attempt, len(RETRY_SECONDS) - 1)])
            attempt += 1
            await self._write()

    async def close(self) -> None:
        """Stop retrying; one last attempt to save what is missing."""
        if self._retry is not None:
            self._retry.cancel()
        if self.unsaved:
            await self.save()
