"""The text of a reply: Markdown in pieces, rendered lazily, painted from cached lines."""

from __future__ import annotations

import time
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from itertools import accumulate

from rich.console import Console, ConsoleOptions
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.timer import Timer
from textual.widget import Widget

from tui.widgets.relayout import NoRelayoutOnResize

KEPT_RENDERS = 48
"""How many pieces, across all replies, keep their rendered lines."""
GAP = 1
"""Blank lines between pieces: what Markdown puts between two blocks."""
GROWTH_STEP = 6
"""While a reply streams, its height grows at least this many lines at a time."""
CONTEXT_LINES = 3
"""...and by the height of the view it is in less this many lines: the view following
the reply then turns a page at a time (keeping a few lines for context), and between
turns new lines are painted into the blank rows below the text. Without it every row of
the view is painted again for every few lines of text: what a terminal over SSH has to
carry (see bench/pty_stream.py)."""
LAYOUT_SECONDS = 0.25
"""While a reply streams, its height changes (a reflow of the screen) at most this often."""

DEFAULT_CODE_THEME = "monokai"
"""Code blocks' Pygments style when the theme names none (its `loom-code-theme` variable)."""


class RenderCache:
    """Rendered lines of the most recently used pieces of every reply of a view: an LRU.

    Owned by the screen that shows the replies and handed to each; a reply's pieces that
    fall out keep only their height and are rendered again if they come back into view,
    so memory stays bounded however long the conversation."""

    def __init__(self, kept: int = KEPT_RENDERS) -> None:
        self.kept = kept
        self._lines: OrderedDict[tuple[ReplyBody, int], list[Strip]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._lines)

    def get(self, body: ReplyBody, index: int) -> list[Strip] | None:
        """A piece's lines if kept (and now the most recently used)."""
        key = (body, index)
        lines = self._lines.get(key)
        if lines is not None:
            self._lines.move_to_end(key)
        return lines

    def peek(self, body: ReplyBody, index: int) -> list[Strip] | None:
        """A piece's lines if kept, leaving the order as it is."""
        return self._lines.get((body, index))

    def keep(self, body: ReplyBody, index: int, lines: list[Strip]) -> None:
        """Keep a piece's lines, forgetting the least recently used beyond `kept`."""
        self._lines[(body, index)] = lines
        self._lines.move_to_end((body, index))
        while len(self._lines) > self.kept:
            self._lines.popitem(last=False)

    def forget(self, body: ReplyBody, index: int) -> None:
        """Drop a piece's lines (its text, width or style changed)."""
        self._lines.pop((body, index), None)

    def owned_by(self, body: ReplyBody) -> dict[int, list[Strip]]:
        """Every kept piece of one reply, by index."""
        return {index: lines for (owner, index), lines in self._lines.items() if owner is body}


Rendered = tuple[int, Style, list[list[Strip]]]
"""Lines rendered ahead for some pieces, with the width and base style they were made for."""

_pool: ThreadPoolExecutor | None = None


def render_pool() -> ThreadPoolExecutor:
    """The one thread that renders streamed Markdown off the event loop.

    Rich renders in pure Python, so the thread does not add speed; it takes the rendering
    out of the event loop's callbacks. The interpreter hands the lock between threads every
    few milliseconds, so keys, timers and painting keep running while a large piece renders
    instead of waiting for all of it.
    """
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="loom-render")
    return _pool


def render_piece(
    console: Console,
    options: ConsoleOptions,
    style: Style,
    text: str,
    code_theme: str = DEFAULT_CODE_THEME,
) -> list[Strip]:
    """One piece of Markdown as painted lines, each exactly `options.max_width` cells."""
    # Imported here: the Markdown stack is not needed for the first frame.
    from tui.widgets.markdown_render import marks_code, render_markdown

    width = options.max_width
    markdown = render_markdown(text, code_theme, mark_code=marks_code(console, code_theme))
    rendered = console.render_lines(markdown, options, style=style)
    return [Strip(Segment.adjust_line_length(line, width, style)) for line in rendered]


class ReplyBody(NoRelayoutOnResize, Widget):
    """A reply's Markdown as a list of pieces cut at safe block boundaries.

    One widget however long the reply: layout asks for one height, painting renders only
    the pieces in view, and only the last piece (the streaming tail) ever changes. Each
    piece is rendered by Rich once per text and width; the lines of the most recently
    used pieces are kept, the rest keep only their height and render again if they come
    back into view, so memory stays bounded in long conversations.
    """

    DEFAULT_CSS = """
    ReplyBody { height: auto; padding: 0 1; }
    """

    def __init__(
        self,
        pieces: list[str] | None = None,
        cache: RenderCache | None = None,
        page_height: Callable[[], int] | None = None,
    ) -> None:
        super().__init__()
        self.page_height = page_height
        """The height of the view the reply is shown in (its growth step follows it)."""
        self.cache = cache or RenderCache()
        """Where this reply's rendered lines are kept (shared by the replies of a view)."""
        self._code: str | None = None
        self.pieces: list[str] = list(pieces or [])
        self._heights: list[int | None] = [None] * len(self.pieces)
        self._width: int | None = None
        self._style: Style | None = None
        self._starts: list[int] = []
        self._reported = 0
        self._painted_to = 0
        self._last_layout = 0.0
        self._layout_timer: Timer | None = None
        self.growing = False
        """While True, the height is reported in steps of GROWTH_STEP lines (see below)."""
        self.hold_layout = False
        """While True (more text is being rendered in the render thread), a due reflow waits
        for that text: it comes with it, painted while the thread is idle."""

    @property
    def source(self) -> str:
        """The whole Markdown text."""
        return "".join(self.pieces)

    @property
    def laid_out(self) -> bool:
        """Whether the width to render at is known (the widget has been laid out)."""
        return self._width is not None and self.is_mounted

    def render_job(self, texts: list[str]) -> Callable[[], Rendered] | None:
        """A function rendering these texts as this widget would paint them now, to run in
        `render_pool()`; None until the widget has been laid out (its width is unknown)."""
        width = self._width
        if width is None or not self.is_mounted:
            return None
        console = self.app.console
        options = self._options(width)
        style = self._base_style()
        code = self._code_theme()

        def job() -> Rendered:
            return width, style, [render_piece(console, options, style, t, code) for t in texts]

        return job

    def set_pieces(self, frozen: list[str], tail: str, rendered: Rendered | None = None) -> None:
        """Append finished pieces and replace the tail (the last piece).

        `rendered` holds lines made by `render_job([*frozen, tail])`: they are used if the
        width and style did not change meanwhile, so nothing is rendered here.
        """
        changed = max(0, len(self.pieces) - 1)
        before = self.cache.peek(self, changed) if self.pieces else None
        if self.pieces:
            last = len(self.pieces) - 1
            if frozen:
                self._set(last, frozen[0])
                frozen = frozen[1:]
                for text in frozen:
                    self.pieces.append(text)
                    self._heights.append(None)
                self.pieces.append(tail)
                self._heights.append(None)
            else:
                self._set(last, tail)
        else:
            self.pieces = [*frozen, tail]
            self._heights = [None] * len(self.pieces)
        self._starts = []
        if rendered is not None and rendered[:2] == (self._width, self._style):
            for index, lines in enumerate(rendered[2], start=changed):
                self._keep(index, lines)
        self._refresh_for_growth(changed, before)

    def finish(self) -> None:
        """The text is complete: report the exact height again."""
        self.growing = False
        if self._layout_timer is not None:
            self._layout_timer.stop()
            self._layout_timer = None
        self.refresh(layout=True)

    def _refresh_for_growth(self, changed: int, before: list[Strip] | None) -> None:
        # A reflow of the screen costs far more than repainting this widget. While the
        # reply grows its height is reported in steps, so most updates only repaint, and
        # only the lines from the first one that differs down (the rest are as they were:
        # text added to a paragraph usually changes its last line or two).
        width = self._width
        if width is None or self._reported == 0:
            self.refresh(layout=True)
            return
        top = self._layout(width)[changed]
        if before is not None:
            after = self._piece_lines(changed, width)
            same = 0
            for old, new in zip(before, after, strict=False):
                if old != new:
                    break
                same += 1
            top += same
        # Down to the end of the text (or of what it covered before): the blank rows a
        # growing reply keeps below its text stay as they are.
        content = self._content_lines(width)
        end = min(self._reported, max(content, self._painted_to))
        self._painted_to = content
        if top < end:
            self.refresh(Region(0, top, width, end - top))
        if self._stepped(self._content_lines(width)) != self._reported:
            # At most one reflow per LAYOUT_SECONDS while streaming: lines past the
            # reported height wait for it (a fraction of a second), the rest repaints now.
            wait = self._last_layout + LAYOUT_SECONDS - time.monotonic()
            if not self.growing or wait <= 0:
                self._relayout()
            elif self._layout_timer is None:
                self._layout_timer = self.set_timer(wait, self._layout_due, name="reply-layout")

    def _layout_due(self) -> None:
        self._layout_timer = None
        if not self.hold_layout:
            self._relayout()

    def _relayout(self) -> None:
        self._layout_timer = None
        self._last_layout = time.monotonic()
        self.refresh(layout=True)

    def _stepped(self, lines: int) -> int:
        if not self.growing:
            return lines
        page = self.page_height() if self.page_height is not None else 0
        step = max(GROWTH_STEP, page - CONTEXT_LINES)
        return -(-lines // step) * step

    def _content_lines(self, width: int) -> int:
        starts = self._layout(width)
        return max(0, starts[-1] - GAP) if self.pieces else 0

    def _set(self, index: int, text: str) -> None:
        if self.pieces[index] != text:
            self.pieces[index] = text
            self._heights[index] = None
            self.cache.forget(self, index)

    def _forget_all(self) -> None:
        self._heights = [None] * len(self.pieces)
        self._starts = []
        for index in range(len(self.pieces)):
            self.cache.forget(self, index)

    def _options(self, width: int) -> ConsoleOptions:
        return self.app.console.options.update(width=width, height=None, highlight=False)

    def _base_style(self) -> Style:
        if self._style is None:
            self._style = self.rich_style
        return self._style

    def _code_theme(self) -> str:
        if self._code is None:
            self._code = self.app.current_theme.variables.get("loom-code-theme", DEFAULT_CODE_THEME)
        return self._code

    def _keep(self, index: int, lines: list[Strip]) -> None:
        self._heights[index] = len(lines)
        self.cache.keep(self, index, lines)

    def _piece_lines(self, index: int, width: int) -> list[Strip]:
        lines = self.cache.get(self, index)
        if lines is None:
            options = self._options(width)
            lines = render_piece(
                self.app.console,
                options,
                self._base_style(),
                self.pieces[index],
                self._code_theme(),
            )
            self._keep(index, lines)
        return lines

    def _layout(self, width: int) -> list[int]:
        """The first line of each piece at this width (rendering pieces not yet measured)."""
        if width != self._width:
            self._width = width
            self._forget_all()
        # `_starts` is emptied wherever a height is forgotten, so this check is O(1): it
        # runs for every painted line.
        if not self._starts:
            heights = [
                h if h is not None else len(self._piece_lines(i, width))
                for i, h in enumerate(self._heights)
            ]
            self._starts = [0, *accumulate(h + GAP for h in heights)]
        return self._starts

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        self._reported = self._stepped(self._content_lines(width))
        return self._reported

    def render_line(self, y: int) -> Strip:
        width = self.content_size.width
        starts = self._layout(width)
        index = bisect_right(starts, y) - 1
        if 0 <= index < len(self.pieces):
            lines = self._piece_lines(index, width)
            offset = y - starts[index]
            if offset < len(lines):
                return lines[offset]
        return Strip.blank(width, self._base_style())

    def notify_style_update(self) -> None:
        super().notify_style_update()
        # Style updates also come for changes that do not touch this widget's colours
        # (hover, focus elsewhere): re-render every piece only when the base style changed.
        code = self.app.current_theme.variables.get("loom-code-theme", DEFAULT_CODE_THEME)
        if (self._style is not None and self.rich_style != self._style) or (
            self._code is not None and code != self._code
        ):
            self._style = None
            self._code = None
            self._forget_all()
            self.refresh(layout=True)

    def on_unmount(self) -> None:
        for index in range(len(self.pieces)):
            self.cache.forget(self, index)
