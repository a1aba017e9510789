"""How a chat session's turns are written to the store: a plan made on the event loop (a
snapshot of what is not saved yet), and the job that writes it in the store's thread."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tui.areas.chat.core.turn import Turn
    from tui.store.thread import Repositories

LAST_CONVERSATION = "last_conversation"
"""The store setting naming the conversation last shown (reopened at start)."""


@dataclass(slots=True)
class Entry:
    """One turn as a save writes it (taken on the event loop, written in the thread)."""

    turn: Turn
    record_id: int | None
    version: int
    data: dict[str, Any] | None
    """The turn's fields when it must be written; None when the store has it already."""


@dataclass(slots=True)
class Plan:
    conversation_id: int | None
    generation: int
    meta: dict[str, Any]
    entries: list[Entry]
    leaf_known: int | None


def fields_of(turn: Turn) -> dict[str, Any]:
    return {
        "role": turn.role,
        "content": str(turn.content),
        "images": list(turn.images),
        "model": turn.model,
        "finish_reason": turn.finish_reason,
        "prompt_tokens": turn.prompt_tokens,
        "completion_tokens": turn.completion_tokens,
        "ttft": turn.ttft,
        "duration": turn.duration,
        "request_id": turn.request_id,
        "incomplete": turn.incomplete,
        "tool_calls": list(turn.tool_calls),
        "error": turn.error,
    }


def plan_job(
    plan: Plan,
) -> Callable[[Repositories], tuple[int, list[int], dict[int, tuple[int, int]], int]]:
    """The write a plan asks for, to run in the store's thread: the conversation (created
    if it has no id in this database), each turn not stored as it is, the branch shown."""

    def job(repos: Repositories) -> tuple[int, list[int], dict[int, tuple[int, int]], int]:
        store = repos.conversations
        # Ids from an earlier opening of the database (a file removed and made again)
        # mean nothing now: everything is written afresh.
        fresh = repos.generation != plan.generation
        conversation_id = None if fresh else plan.conversation_id
        if conversation_id is not None and not store.exists(conversation_id):
            conversation_id, fresh = None, True
        meta = plan.meta
        ids: list[int] = []
        added = False
        with store.transaction():
            if conversation_id is None:
                conversation_id = store.create(
                    title=meta["title"],
                    model=meta["model"],
                    system_prompt=meta["system_prompt"],
                    params=meta["params"],
                ).id
                store.set_setting(LAST_CONVERSATION, f"{conversation_id}@{time.time():.3f}")
            elif meta["dirty"]:
                store.update(
                    conversation_id,
                    model=meta["model"],
                    system_prompt=meta["system_prompt"],
                    params=meta["params"],
                )
            parent: int | None = None
            for entry in plan.entries:
                record_id = None if fresh else entry.record_id
                data = entry.data
                if data is None and record_id is None:
                    data = fields_of(entry.turn)
                if record_id is None:
                    assert data is not None
                    record_id = store.add_message(
                        conversation_id,
                        data["role"],
                        data["content"],
                        parent_id=parent,
                        model=data["model"],
                        incomplete=data["incomplete"],
                        images=data["images"],
                    ).id
                    added = True
                if data is not None and data["role"] == "assistant":
                    store.save_reply(
                        record_id,
                        data["content"],
                        **{k: v for k, v in data.items() if k not in _NOT_REPLY_FIELDS},
                    )
                ids.append(record_id)
                parent = record_id
            leaf = ids[-1] if ids else None
            if fresh or added or leaf != plan.leaf_known:
                store.update(conversation_id, leaf_id=leaf)
        branches = store.branches(conversation_id) if added else {}
        return conversation_id, ids, branches, repos.generation

    return job


_NOT_REPLY_FIELDS = {"role", "content", "images"}
