"""The batches area's service: everything the batches screen and `loom batches` ask of the
server and of the watcher goes through here (the screens never hold the client)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.areas.batches.core.follower import KIND, BatchFollower, BatchUpdate
from tui.core.context import AreaContext, AreaService
from tui.core.failures import APIError

if TYPE_CHECKING:
    import asyncio

    from tui.api.client import OpenAIClient
    from tui.api.multipart import Progress
    from tui.areas.batches.api.resource import BatchesResource
    from tui.areas.batches.api.schemas import Batch
    from tui.areas.batches.core.results import Inputs, LineStore, ResultRow
    from tui.core.topic import Topic
    from tui.store.ledger import LedgerRow

LIST_PAGE = 100
"""Batches asked for a page."""
LIST_PAGES = 50
"""The most pages listed (the newest 5,000)."""
ACCOUNT_AT_CLOSE = 10.0
"""Seconds closing waits for the usage of batches that just ended to be kept."""


class FileProblem(APIError):
    """A batch's file that cannot be read: gone from the server, or a download that broke
    off. Its message is the whole sentence (what happened and what to do)."""


class BatchesService(AreaService):
    """Batches of the server in use: listed, followed, watched."""

    def __init__(self, context: AreaContext) -> None:
        super().__init__(context)
        self.updates: Topic[BatchUpdate] = context.topic("batches")
        """Told after every poll of every batch followed."""
        self.followers: dict[str, BatchFollower] = {}
        self._resource: tuple[OpenAIClient, BatchesResource] | None = None
        self._accounting: set[asyncio.Task[Any]] = set()
        self.updates.subscribe(self._ended)

    async def resource(self) -> BatchesResource:
        """The batches resource on the client in use (a new one after the server changed)."""
        from tui.areas.batches.api.resource import BatchesResource

        client = await self.context.client()
        if self._resource is None or self._resource[0] is not client:
            self._resource = (client, BatchesResource(client))
        return self._resource[1]

    async def list_batches(self) -> tuple[list[Batch], str | None]:
        """The server's batches, newest first, and what stopped a list that never ended
        (what came is kept). Raises the API's errors otherwise."""
        from tui.api.errors import PagingStopped

        resource = await self.resource()
        found: list[Batch] = []
        note = None
        try:
            async for batch in resource.list(page_size=LIST_PAGE, max_pages=LIST_PAGES):
                found.append(batch)
        except PagingStopped as stopped:
            note = f"showing the {len(found):,} batches that came: {stopped}"
        return found, note

    def follower(self, batch_id: str) -> BatchFollower:
        """A follower of one batch for the watcher, publishing on `updates`."""
        return BatchFollower(self.resource, batch_id, publish=self.updates.publish)

    def server_changed(self) -> None:
        """Another server: its batches are not the old one's."""
        self.followers.clear()
        self._resource = None

    # --- files, results, changes -----------------------------------------------------------

    async def chunks(self, file_id: str, kind: str = "output") -> AsyncIterator[bytes]:
        """A file on the server (a batch's `kind` file) piece by piece as it streams down;
        FileProblem when it is gone or the download breaks off."""
        from tui.api.errors import APIConnectionError, NotFoundError

        client = await self.context.client()
        came = 0
        try:
            async for piece in client.files.content_chunks(file_id):
                came += len(piece)
                yield piece
        except NotFoundError as error:
            raise FileProblem(
                f"The {kind} file {file_id} is no longer on the server (404): a batch's "
                "files expire (30 days after it ends, unless it set output_expires_after) "
                "and cannot be fetched again once gone. Run the batch again from its input "
                "to have them anew.",
                status=404,
                request_id=error.request_id,
            ) from error
        except APIConnectionError as error:
            raise FileProblem(
                f"The download of the {kind} file {file_id} broke off after "
                f"{came / 1e6:,.1f} MB ({error.message}). What came is kept; download it "
                "again to have the rest."
            ) from error

    async def lines(self, file_id: str, kind: str = "output") -> AsyncIterator[str]:
        """The lines of a file on the server, as they stream down (see `chunks`)."""
        from tui.areas.batches.core.results import lines_of

        async for line in lines_of(self.chunks(file_id, kind)):
            yield line

    def told(self, error: BaseException, doing: str) -> str:
        """A failure in one line: a file's problem in its own words, any other as the
        API's errors are said."""
        if isinstance(error, FileProblem):
            return error.message
        return self.said(error, doing, "batches")

    async def input_index(self, batch: Batch, store: LineStore | None = None) -> Inputs:
        """custom_id -> (line, the line) of the batch's input file; with `store`, the lines
        are kept there and the index says where."""
        from tui.areas.batches.core.results import index_line

        found: Inputs = {}
        number = 0
        async for line in self.lines(batch.input_file_id, "input"):
            number += 1
            index_line(found, number, line, store)
        return found

    async def results(self, batch: Batch) -> AsyncIterator[ResultRow]:
        """A row per request that has an answer, the output file's first, then the error
        file's, as they stream down (not yet joined with the input: see `input_index`)."""
        from tui.areas.batches.core.results import parse_output_line

        for kind, file_id in (("output", batch.output_file_id), ("error", batch.error_file_id)):
            if not file_id:
                continue
            async for line in self.lines(file_id, kind):
                row = parse_output_line(line)
                if row is not None:
                    yield row

    async def submit(
        self,
        content: bytes,
        endpoint: str,
        *,
        name: str = "batch.jsonl",
        metadata: dict[str, str] | None = None,
        progress: Progress | None = None,
    ) -> Batch:
        """Upload an input file (purpose `batch`) and start a batch on it."""
        client = await self.context.client()
        upload = await client.files.upload("batch", data=content, filename=name, progress=progress)
        return await (await self.resource()).create(upload.id, endpoint, metadata=metadata)

    async def resubmit_failed(self, batch: Batch) -> Batch | None:
        """A new batch of the requests that failed in `batch`, as they were sent; None when
        none failed."""
        from tui.areas.batches.core.results import failed_inputs, join

        inputs = await self.input_index(batch)
        rows = [join(row, inputs) async for row in self.results(batch)]
        again = failed_inputs(rows)
        if not again:
            return None
        about = (batch.metadata or {}).get("description", batch.id)
        metadata = {"description": f"{about} (failed again)"[:512], "resubmits": batch.id}
        content = ("\n".join(again) + "\n").encode()
        return await self.submit(
            content, batch.endpoint, name=f"{batch.id}-failed.jsonl", metadata=metadata
        )

    async def conversation_prompts(
        self, title_or_id: str, system: str = ""
    ) -> tuple[str, str, list[Any]]:
        """(its title, its model, the messages of each prompt asked again) of a Loom
        conversation named by id or by a part of its title (the newest of those that
        match), with `system` instead of its own system prompt when given; TemplateError
        when none matches, StoreError when the store fails."""
        from tui.areas.batches.core.build import TemplateError
        from tui.core.chat_messages import prompts

        wanted = title_or_id.strip()
        if not wanted:
            raise TemplateError("name a conversation: its number or a part of its title")

        def read(repos: Any) -> tuple[str, str, list[Any]] | None:
            found = repos.conversations.find(wanted)
            if not found:
                return None
            conversation = found[0]
            path = repos.conversations.path(conversation.id)
            asked = prompts(system or conversation.system_prompt, path)
            return conversation.title, conversation.model, asked

        got = await self.context.store().run("reading the conversation", read)
        if got is None:
            raise TemplateError(
                f"no conversation is numbered or titled {wanted!r} (loom list shows them)"
            )
        return got

    # --- the ledger ------------------------------------------------------------------------

    def _ended(self, update: BatchUpdate) -> None:
        """A followed batch ended here, as it was watched: its usage goes into the ledger
        (in the background; a batch seen only once it had ended is counted when its
        results are read)."""
        from tui.areas.batches.core.usage import ENDED

        batch = update.state.batch
        if batch is None or update.change is None:
            return
        before, now = update.change
        if before and before not in ENDED and now in ENDED:
            self.account_later(batch)

    def account_later(self, batch: Batch, rows: Iterable[ResultRow] | None = None) -> None:
        """`account` in the background (closing waits for it a while)."""
        task = self.context.supervisor.start(
            f"keeping the usage of {batch.id}", lambda: self._account_quietly(batch, rows)
        )
        if task is not None:
            self._accounting.add(task)
            task.add_done_callback(self._accounting.discard)

    async def aclose(self) -> None:
        """Closing: the usage of batches that just ended is kept first (for a while)."""
        import asyncio

        if self._accounting:
            await asyncio.wait(set(self._accounting), timeout=ACCOUNT_AT_CLOSE)

    async def _account_quietly(self, batch: Batch, rows: Iterable[ResultRow] | None = None) -> None:
        import contextlib

        from tui.api.errors import APIError
        from tui.store.errors import StoreError

        # Not counted now, counted when its results are read; a store that fails is told
        # once by the store itself.
        with contextlib.suppress(APIError, StoreError):
            await self.account(batch, rows)

    async def account(self, batch: Batch, rows: Iterable[ResultRow] | None = None) -> int:
        """Keep an ended batch's real usage in Loom's ledger, once however often it is
        asked: a row per request, from `rows` (already read) or from its files (streamed
        down). How many rows were kept: 0 when the batch has not ended, was counted
        before, or the ledger is off."""
        from tui.areas.batches.core.usage import ENDED, ledger_rows, once_key

        settings = self.settings
        if batch.status not in ENDED or not settings.ledger:
            return 0
        made: list[LedgerRow] = []

        def add(some: Iterable[ResultRow]) -> None:
            made.extend(
                ledger_rows(
                    batch,
                    some,
                    server=settings.base_url,
                    profile=settings.profile or "",
                    prices=self.context.prices(),
                )
            )

        if rows is not None:
            add(rows)
        else:
            async for row in self.results(batch):
                add((row,))
        key = once_key(settings.base_url, batch)
        return int(
            await self.context.store().run(
                "keeping the batch's usage in the ledger",
                lambda repos: repos.ledger.add(made, once=key),
            )
        )

    async def cancel(self, batch_id: str) -> Batch:
        """Cancel a batch (the screen asks first)."""
        return await (await self.resource()).cancel(batch_id)

    # --- following ---------------------------------------------------------------------------

    def _make(self, batch_id: str) -> BatchFollower:
        follower = self.followers.get(batch_id)
        if follower is None:
            follower = self.follower(batch_id)
            self.followers[batch_id] = follower
        return follower

    def show(self, batch_id: str) -> BatchFollower:
        """A screen shows this batch now: followed at the fast rate."""
        follower = self._make(batch_id)
        watch = self.context.watcher.follow(follower)
        self.context.watcher.focus(watch, True)
        return follower

    def hide(self, batch_id: str) -> None:
        """No screen shows this batch any more."""
        watch = self.context.watcher.get(KIND, batch_id)
        if watch is not None:
            self.context.watcher.focus(watch, False)

    def is_watched(self, batch_id: str) -> bool:
        """Whether the user asked to watch this batch on every screen."""
        watch = self.context.watcher.get(KIND, batch_id)
        return watch is not None and watch.kept

    def watch(self, batch_id: str, *, known_status: str = "") -> None:
        """Watch a batch on every screen and after a restart: a notice when it ends."""
        self.context.watcher.follow(self._make(batch_id), keep=True, known_status=known_status)

    def unwatch(self, batch_id: str) -> None:
        """Stop watching a batch on every screen."""
        self.context.watcher.unkeep(KIND, batch_id)

    async def started(self) -> None:
        """After the first frame: follow again the batches watched before; in demo mode,
        those running, so that a newcomer hears when one ends."""
        from tui.api.errors import APIError

        restored = await self.context.watcher.restore(KIND, self._make)
        if not self.settings.demo or restored:
            return
        try:
            batches, _ = await self.list_batches()
        except APIError:
            return
        for batch in batches:
            if batch.status in ("validating", "in_progress", "finalizing"):
                self.watch(batch.id, known_status=batch.status)

    async def download(self, batch: Batch) -> list[Path]:
        """The batch's output and error files, streamed into downloads/ of the data folder
        under names made from its id (a name a server sends is never a path)."""
        from tui.core.safe_files import slug, writing_inside

        folder = self.settings.store_dir / "downloads"
        written: list[Path] = []
        for kind, file_id in (("output", batch.output_file_id), ("errors", batch.error_file_id)):
            if not file_id:
                continue
            with writing_inside(folder, f"{slug(batch.id, 'batch')}-{kind}.jsonl") as (out, path):
                async for piece in self.chunks(file_id, kind.removesuffix("s")):
                    out.write(piece)
            written.append(path)
        return written
