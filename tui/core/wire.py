"""Fewer bytes for the same screen: what Loom writes to the terminal, re-encoded.

Textual writes every styled run of cells as `ESC[<style>m text ESC[0m`: the style is set
again from scratch for each run, even when it is the one already in effect, and the cursor
is moved with a full `ESC[row;colH` at the start of each widget's part of a line, often to
where it already is. Over SSH every byte of that crosses the link. `encode` writes the
same cells with the same looks in fewer bytes:

- a style is sent only when the next character needs a different one, and then only what
  changes (a run of spaces needs only its background: its foreground cannot be seen);
- a cursor move to where the cursor already is, is left out; a short one (along the line,
  to the next line) is written as a relative move; a line feed before a move is left out
  (Textual writes one between the lines of a frame, never on the last row: it does not
  scroll);
- where the terminal erases in colour, a run of blank cells is erased (`ESC[nX`), not
  written space by space.

Anything else (mode switches, titles, links, clipboard) passes through as it came, with
the style in effect settled first. Each write ends with the style reset, as Textual's
own writes do, so nothing written later depends on what was written here. No Textual
here; tests check with a terminal emulator (`pyte`) that the screen drawn is the same.
"""

from __future__ import annotations

import re
from functools import lru_cache

TOKEN = re.compile(
    r"(?P<sgr>\x1b\[(?P<params>[0-9;]*)m)"
    r"|(?P<cup>\x1b\[(?P<row>\d+);(?P<col>\d+)H)"
    r"|(?P<newline>\r?\n)"
    r"|(?P<other>\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)"
    r"|[P_^X][\s\S]*?\x1b\\|[^\[\]P_^X]|$))"
    r"|(?P<text>[^\x1b\r\n]+)"
    r"|(?P<rest>[\s\S])"
)
PRINTABLE = re.compile(r"[ -~]*")
SPACES = re.compile(r"( +)")
ERASE_FROM = 5
"""Blank cells from which erasing (`ESC[nX`) is shorter than writing them, when a cursor
move follows anyway..."""
ERASE_AND_MOVE_FROM = 11
"""...and when the cursor must be moved past them (`ESC[nX ESC[nC`)."""

Look = tuple[frozenset[str], str, str, str]
"""A style as the terminal keeps it: attributes (SGR codes), foreground, background and
underline colour (their SGR codes, "" for the default)."""
PLAIN: Look = (frozenset(), "", "", "")
ATTRIBUTES = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "21", "53")
OFF = {
    "1": "22",
    "2": "22",
    "3": "23",
    "4": "24",
    "21": "24",
    "5": "25",
    "6": "25",
    "7": "27",
    "8": "28",
    "9": "29",
    "53": "55",
}
"""The code that turns each attribute off (22 turns off both bold and dim)."""
SEEN_ON_SPACES = frozenset({"4", "7", "9", "21", "53"})
"""Attributes that show on a blank cell (underlines, reverse video, strike, overline):
a space with one of these needs its whole style."""
FOREGROUNDS = frozenset([*(f"3{n}" for n in range(8)), *(f"9{n}" for n in range(8))])
BACKGROUNDS = frozenset([*(f"4{n}" for n in range(8)), *(f"10{n}" for n in range(8))])


@lru_cache(maxsize=1024)
def parse(params: str, start: Look = PLAIN) -> Look | None:
    """The style after `ESC[<params>m` on top of `start`; None for codes not known here."""
    attrs, fg, bg, ul = set(start[0]), start[1], start[2], start[3]
    parts = params.split(";") if params else ["0"]
    index = 0
    while index < len(parts):
        part = parts[index] or "0"
        if part in ("38", "48", "58"):  # extended colour: 5;n or 2;r;g;b follow
            kind = parts[index + 1] if index + 1 < len(parts) else ""
            length = {"5": 2, "2": 4}.get(kind)
            if length is None or index + length >= len(parts):
                return None
            colour = ";".join(parts[index : index + 1 + length])
            if part == "38":
                fg = colour
            elif part == "48":
                bg = colour
            else:
                ul = colour
            index += 1 + length
            continue
        if part == "0":
            attrs, fg, bg, ul = set(), "", "", ""
        elif part in ATTRIBUTES:
            attrs.add(part)
        elif part in ("22", "23", "24", "25", "27", "28", "29", "55"):
            attrs -= {name for name, off in OFF.items() if off == part}
        elif part in FOREGROUNDS:
            fg = part
        elif part == "39":
            fg = ""
        elif part in BACKGROUNDS:
            bg = part
        elif part == "49":
            bg = ""
        elif part == "59":
            ul = ""
        else:
            return None
        index += 1
    return frozenset(attrs), fg, bg, ul


def render(look: Look) -> str:
    """The SGR parameters that set `look` after a reset ("" for no style at all)."""
    attrs, fg, bg, ul = look
    return ";".join([*(a for a in ATTRIBUTES if a in attrs), *filter(None, (fg, bg, ul))])


def change(old: Look, new: Look) -> str:
    """The shortest SGR parameters that turn `old` into `new`."""
    codes: list[str] = []
    removed = old[0] - new[0]
    if removed:
        offs = {OFF[a] for a in removed}
        cleared = {a for a in old[0] if OFF[a] in offs}
        codes += sorted(offs)
        codes += [a for a in ATTRIBUTES if a in new[0] and a in cleared]
    codes += [a for a in ATTRIBUTES if a in new[0] and a not in old[0]]
    for before, after, default in zip(old[1:], new[1:], ("39", "49", "59"), strict=True):
        if before != after:
            codes.append(after or default)
    delta = ";".join(codes)
    fresh = "0;" + render(new) if new != PLAIN else "0"
    return delta if len(delta) <= len(fresh) else fresh


def space_look(look: Look | str) -> object:
    """What a space in this style looks like: its background, unless the style has an
    attribute that shows on blank cells too (then the whole style)."""
    if isinstance(look, str) or look[0] & SEEN_ON_SPACES:
        return look
    return look[2]


class _Encoder:
    def __init__(self, erase: bool, glyphs: dict[int, str] | None) -> None:
        self.erase = erase
        self.glyphs = glyphs
        self.out: list[str] = []
        self.emitted: Look | str = PLAIN
        """The style in effect at the terminal (a string: SGR parameters after a reset,
        for codes `parse` does not know)."""
        self.wanted: Look | str = PLAIN
        """The style the next character is to have."""
        self.cursor: tuple[int, int] | None = None
        """(row, column) when known."""
        self.blanks = 0
        """Blank cells not yet written, in the style in effect."""
        self.newline = ""
        """A line feed not yet written (left out if a cursor move follows)."""

    def settle(self) -> None:
        wanted, emitted = self.wanted, self.emitted
        if wanted == emitted:
            return
        if isinstance(wanted, str) or isinstance(emitted, str):
            params = "0;" + (wanted if isinstance(wanted, str) else render(wanted))
            self.out.append(f"\x1b[{params.rstrip(';')}m")
        else:
            self.out.append(f"\x1b[{change(emitted, wanted)}m")
        self.emitted = wanted

    def flush(self, moving: bool = False, last: bool = False) -> None:
        """Write what is held back; `moving`: a cursor move comes next; `last`: the write
        ends here (blanks are written, so the cursor ends where the write leaves it)."""
        if self.blanks:
            count, self.blanks = self.blanks, 0
            least = ERASE_FROM if moving else ERASE_AND_MOVE_FROM
            if self.erase and not last and count >= least:
                if not moving:
                    # The last blank is written: a run that ends at the right edge leaves
                    # the cursor where writing it would (past the edge, not on it).
                    self.out.append(f"\x1b[{count - 1}X\x1b[{count - 1}C ")
                else:
                    self.out.append(f"\x1b[{count}X")
                if moving and self.cursor is not None:  # erasing leaves the cursor where it was
                    self.cursor = (self.cursor[0], self.cursor[1] - count)
            else:
                self.out.append(" " * count)
        if self.newline:
            if not moving:
                self.settle()
                self.out.append(self.newline)
                self.cursor = None
            self.newline = ""

    def sgr(self, params: str) -> None:
        wanted = self.wanted
        if isinstance(wanted, str):
            self.wanted = f"{wanted};{params}" if params not in ("", "0") else PLAIN
            return
        look = parse(params, wanted)
        self.wanted = look if look is not None else f"{render(wanted)};{params}".lstrip(";")

    def move(self, text: str, row: int, column: int) -> None:
        self.flush(moving=True)
        cursor = self.cursor
        if cursor == (row, column):
            return
        self.cursor = (row, column)
        if cursor is not None:
            # A known cursor is never past the last column (see `text`), so moving from
            # it along the line, or down a line from its start, lands where `text` says.
            moved = ""
            if row == cursor[0] and column > cursor[1]:
                moved = _right(column - cursor[1])
            elif row == cursor[0] + 1:
                # Down one line: the row below exists (it is being moved to), so the line
                # feed does not scroll.
                moved = "\r\n" + _right(column - 1)
            if moved and len(moved) < len(text):
                self.out.append(moved)
                return
        self.out.append(text)

    def line_feed(self, text: str) -> None:
        self.flush()
        self.newline = text

    def text(self, text: str) -> None:
        for piece in SPACES.split(text):
            if not piece:
                continue
            blank = not piece.strip(" ")
            if blank and space_look(self.wanted) == space_look(self.emitted):
                if self.newline:
                    self.flush()
                self.blanks += len(piece)
            else:
                self.flush()
                self.settle()
                if blank:
                    self.blanks += len(piece)
                else:
                    self.out.append(piece if self.glyphs is None else piece.translate(self.glyphs))
            if self.cursor is not None:
                # Only plain ASCII moves the cursor by a known amount: a character's width
                # is the terminal's to say. Textual writes within the line, so the cursor
                # never wraps; after the last column it is counted one past it, which no
                # move targets.
                if PRINTABLE.fullmatch(piece):
                    self.cursor = (self.cursor[0], self.cursor[1] + len(piece))
                else:
                    self.cursor = None

    def other(self, text: str) -> None:
        self.flush()
        self.settle()
        self.out.append(text)
        self.cursor = None

    def end(self) -> str:
        """What to write: the style left in effect is the one the write as it came would
        have left (Textual's writes end with none)."""
        self.flush(last=True)
        self.settle()
        out = "".join(self.out)
        self.out.clear()
        self.cursor = None  # others may write between two writes
        return out


def _right(cells: int) -> str:
    return "" if cells == 0 else "\x1b[C" if cells == 1 else f"\x1b[{cells}C"


class Wire:
    """Re-encodes the writes to one terminal, one after another (the style in effect
    carries from one to the next).

    `erase`: runs of blank cells may be erased (`ESC[nX`) rather than written, which is
    right only where the terminal erases with the background in effect
    (`tui.core.terminal.erases_in_colour`). `glyphs`: characters the terminal cannot draw,
    to what it draws instead in as many cells (`PLAIN_GLYPHS`)."""

    def __init__(self, *, erase: bool = False, glyphs: dict[int, str] | None = None) -> None:
        self._encoder = _Encoder(erase, glyphs)

    def encode(self, data: str) -> str:
        """The same screen in fewer bytes (see the module's docstring)."""
        return _encode(self._encoder, data)


def encode(data: str, *, erase: bool = False, glyphs: dict[int, str] | None = None) -> str:
    """One write on its own, re-encoded (see `Wire`)."""
    return _encode(_Encoder(erase, glyphs), data)


def _encode(encoder: _Encoder, data: str) -> str:
    for match in TOKEN.finditer(data):
        kind = match.lastgroup
        if kind == "sgr":
            encoder.sgr(match.group("params"))
        elif kind == "cup":
            encoder.move(match.group(), int(match.group("row")), int(match.group("col")))
        elif kind == "newline":
            encoder.line_feed(match.group())
        elif kind == "text":
            encoder.text(match.group())
        else:
            encoder.other(match.group())
    return encoder.end()


PLAIN_GLYPHS: dict[int, str] = str.maketrans(
    {
        # Rounded and heavy box drawing: the light set every console font has.
        "╭": "┌",
        "╮": "┐",
        "╰": "└",
        "╯": "┘",
        "━": "─",
        "┃": "│",
        "┏": "┌",
        "┓": "┐",
        "┗": "└",
        "┛": "┘",
        "┣": "├",
        "┫": "┤",
        "┳": "┬",
        "┻": "┴",
        "╋": "┼",
        # Eighth blocks (scroll bars, tall borders): the half blocks.
        "▔": "▀",
        "▁": "▄",
        "▂": "▄",
        "▃": "▄",
        "▅": "▄",
        "▆": "█",
        "▇": "█",
        "▏": "▌",
        "▎": "▌",
        "▍": "▌",
        "▋": "▌",
        "▊": "█",
        "▉": "█",
        "▕": "▐",
        # Symbols and emoji (an emoji takes two cells, and so does what stands for it).
        "✗": "x",
        "✓": "v",
        "✔": "v",
        "★": "*",
        "☆": "*",
        "⚠": "!",
        "⚙": "*",
        "⋯": "…",
        "📎": "+ ",
        "🔎": "> ",
    }
)
"""What a console that draws only a small set of characters (the Linux console's fonts,
about the WGL4 set) shows instead of the glyphs Loom and Textual use beyond it, in the same
number of cells."""
