"""What Loom writes to the terminal: fewer bytes, the same screen (tui.core.wire).

The screen is checked with a terminal emulator (pyte): what Textual would have written and
what Loom writes instead are both fed to one, and every cell must look the same. A space's
foreground colour cannot be seen, so it is not compared (unless the space is underlined,
struck through or in reverse video)."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pyte
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import chat, quiet, say, settings_for
from tui.app import LoomApp
from tui.core.terminal import plain_console
from tui.core.wire import PLAIN_GLYPHS, Wire, encode, parse

COLUMNS, ROWS = 40, 8


def look(char: Any) -> tuple[object, ...]:
    if char.data == " " and not (char.underscore or char.strikethrough or char.reverse):
        return (" ", char.bg)
    return (
        char.data,
        char.fg,
        char.bg,
        char.bold,
        char.italics,
        char.underscore,
        char.strikethrough,
        char.reverse,
    )


class Terminal:
    """A pyte screen fed write by write."""

    def __init__(self, columns: int = COLUMNS, rows: int = ROWS) -> None:
        self.screen = pyte.Screen(columns, rows)
        self.stream = pyte.Stream(self.screen)

    def feed(self, data: str) -> None:
        self.stream.feed(data)

    def cells(self) -> list[list[tuple[object, ...]]]:
        screen = self.screen
        return [
            [look(screen.buffer[y][x]) for x in range(screen.columns)] for y in range(screen.lines)
        ]


def assert_same_screens(writes: list[str], *, erase: bool, columns: int, rows: int) -> int:
    """Feed the writes as they are, and encoded, to two terminals: after every write the
    screens look the same. Returns the bytes saved."""
    original, encoded = Terminal(columns, rows), Terminal(columns, rows)
    wire = Wire(erase=erase)
    saved = 0
    for number, data in enumerate(writes):
        shorter = wire.encode(data)
        saved += len(data.encode()) - len(shorter.encode())
        original.feed(data)
        encoded.feed(shorter)
        assert encoded.cells() == original.cells(), f"write {number} drew another screen"
        assert (encoded.screen.cursor.x, encoded.screen.cursor.y) == (
            original.screen.cursor.x,
            original.screen.cursor.y,
        ), f"write {number} left the cursor elsewhere"
    return saved


# --- what it does --------------------------------------------------------------------------


def test_a_style_already_in_effect_is_not_sent_again() -> None:
    data = "\x1b[1;1H\x1b[38;5;251;48;5;233mab\x1b[0m\x1b[38;5;251;48;5;233mcd\x1b[0m"
    assert encode(data) == "\x1b[1;1H\x1b[38;5;251;48;5;233mabcd\x1b[0m"


def test_only_what_changes_is_sent() -> None:
    data = "\x1b[1;1H\x1b[38;5;251;48;5;233mab\x1b[0m\x1b[1;38;5;251;48;5;233mcd\x1b[0m"
    assert encode(data) == "\x1b[1;1H\x1b[38;5;251;48;5;233mab\x1b[1mcd\x1b[0m"


def test_a_space_needs_only_its_background() -> None:
    data = "\x1b[1;1H\x1b[31;40mab\x1b[0m\x1b[32;40m  \x1b[0m\x1b[31;40mcd\x1b[0m"
    assert encode(data) == "\x1b[1;1H\x1b[31;40mab  cd\x1b[0m"
    underlined = "\x1b[1;1H\x1b[31;40mab\x1b[0m\x1b[4;32;40m  \x1b[0m"
    assert "\x1b[4;32m" in encode(underlined)


def test_moves_to_where_the_cursor_is_are_left_out_and_short_ones_are_relative() -> None:
    assert encode("\x1b[3;5Hab\x1b[3;7Hcd") == "\x1b[3;5Habcd"
    assert encode("\x1b[3;5Hab\x1b[3;17Hcd") == "\x1b[3;5Hab\x1b[10Ccd"
    assert encode("\x1b[3;5Hab\n\x1b[4;1Hcd") == "\x1b[3;5Hab\r\ncd"
    # After a character whose width only the terminal knows, moves stay absolute.
    assert encode("\x1b[3;5H字\x1b[3;7Hcd") == "\x1b[3;5H字\x1b[3;7Hcd"


def test_blank_runs_are_erased_only_where_the_terminal_erases_in_colour() -> None:
    data = "\x1b[1;1H\x1b[48;5;233m" + " " * 30 + "\x1b[0m\x1b[2;1Hx"
    assert encode(data, erase=True) == "\x1b[1;1H\x1b[48;5;233m\x1b[30X\r\n\x1b[0mx"
    assert " " * 30 in encode(data, erase=False)


def test_other_sequences_pass_through_and_a_write_leaves_the_style_it_asked_for() -> None:
    osc = "\x1b]52;c;aGVsbG8=\x07"
    data = f"\x1b[1;1H\x1b[7mx{osc}y\x1b[0m\x1b[?25l"
    out = encode(data)
    assert out == f"\x1b[1;1H\x1b[7mx{osc}y\x1b[0m\x1b[?25l"
    assert encode("\x1b[1;1H\x1b[1mx\x1b[0m") == "\x1b[1;1H\x1b[1mx\x1b[0m"
    assert encode("\x1b[1;1H\x1b[1mx") == "\x1b[1;1H\x1b[1mx"
    # Codes this module does not know are kept as they came, after a reset.
    assert "\x1b[0;51m" in encode("\x1b[1;1H\x1b[51mz")
    assert parse("51") is None


def test_glyphs_a_console_cannot_draw_are_replaced_cell_for_cell() -> None:
    out = encode("\x1b[1;1H📎 file ╭─╮ ★ ▅", glyphs=PLAIN_GLYPHS)
    assert "+  file ┌─┐ * ▄" in out
    assert plain_console({"TERM": "linux"}) and not plain_console({"TERM": "xterm-256color"})


@pytest.mark.parametrize(
    ("term", "extra", "expected"),
    [
        ("xterm-256color", {}, True),
        ("linux", {}, True),
        ("screen-256color", {}, False),
        ("tmux-256color", {}, False),
        ("tmux-256color", {"TMUX": "/tmp/tmux-1/default,1,0"}, True),
        ("xterm-256color", {"STY": "1.pts-0.host"}, False),
        ("dumb", {}, False),
        ("no-such-terminal", {}, False),
    ],
)
def test_erasing_in_colour_follows_terminfo_tmux_and_screen(
    term: str, extra: dict[str, str], expected: bool
) -> None:
    # In a child: curses reads one terminfo entry per process.
    env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "STY")}
    env.update(extra, TERM=term)
    code = "from tui.core.terminal import erases_in_colour as e; print(e())"
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == str(expected)


# --- the same screen, whatever is written --------------------------------------------------

STYLES = [
    "0",
    "",
    "1",
    "4",
    "7",
    "9",
    "22",
    "24",
    "27",
    "31",
    "39",
    "44",
    "49",
    "38;5;251",
    "48;5;233",
    "38;2;10;20;30",
    "48;2;1;2;3",
    "1;38;5;23;48;5;16",
    "7;38;5;23;48;5;233",
    "2;3",
    "0;49",
]
TEXTS = ["a", "bc", " ", "   ", "          ", "word ", " x ", "字", "é"]


@st.composite
def writes(draw: st.DrawFn) -> list[str]:
    """Writes shaped like Textual's: moves to a cell, then styled text that stays within
    the line, and maybe a line feed (never one that would scroll)."""
    out = []
    for _ in range(draw(st.integers(1, 4))):
        parts = []
        for _ in range(draw(st.integers(1, 12))):
            row = draw(st.integers(1, ROWS))
            column = draw(st.integers(1, COLUMNS))
            parts.append(f"\x1b[{row};{column}H")
            room = COLUMNS - column + 1
            for _ in range(draw(st.integers(0, 5))):
                if draw(st.booleans()):
                    parts.append(f"\x1b[{draw(st.sampled_from(STYLES))}m")
                text = draw(st.sampled_from(TEXTS))
                width = sum(2 if ch == "字" else 1 for ch in text)
                if width > room:
                    break
                room -= width
                parts.append(text)
            if row < ROWS and draw(st.booleans()):
                parts.append("\n")  # Textual's, between lines: never on the last row
        out.append("".join(parts))
    return out


@settings(max_examples=300, deadline=None)
@given(writes(), st.booleans())
def test_any_write_draws_the_same_screen(data: list[str], erase: bool) -> None:
    assert_same_screens(data, erase=erase, columns=COLUMNS, rows=ROWS)


# --- Loom's own frames ---------------------------------------------------------------------


def record_frames(app: LoomApp) -> list[str]:
    """Every frame the app hands its driver (headless, it would hand none)."""
    from textual._compositor import CompositorUpdate

    frames: list[str] = []
    display = app._display

    def recording(screen: Any, renderable: Any) -> None:
        if isinstance(renderable, CompositorUpdate):
            frames.append(renderable.render_segments(app.console))
        display(screen, renderable)

    app._display = recording  # type: ignore[method-assign]
    return frames


@pytest.mark.parametrize("theme", ["loom-dark", "loom-ansi"])
async def test_loom_frames_draw_the_same_screen(sim: Any, theme: str) -> None:
    app = LoomApp(settings_for(sim, theme=theme))
    frames = record_frames(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await quiet(pilot)
        await say(pilot, app, "Tell me about looms")
        await pilot.press("ctrl+l")  # the conversation list
        await pilot.pause()
        await pilot.press("f1")  # the help screen over it
        await pilot.pause()
        await pilot.press("escape")
        await quiet(pilot)
        assert chat(app).session.turns
    assert len(frames) > 5
    for erase in (False, True):
        saved = assert_same_screens(frames, erase=erase, columns=80, rows=24)
        assert saved > sum(map(len, frames)) // 4, "less than a quarter saved"
