"""The playground's three tools, each an input, its options and a result view:

- Completions: the prompt, the model and the parameters (f3); the completion streams in,
  each token coloured by how sure the model was of it; ←/→ in the result walk the tokens,
  and the alternatives the model weighed for the one under the cursor show beside it.
- Embeddings: texts, a line each; model, dimensions, encoding; the similarity of every pair
  as a heat map readable in 16 colours (`#` shows the numbers), or the closest pairs for
  more than 12 texts; ↑/↓ choose a text and its nearest neighbours are listed.
- Moderations: texts, a line each (`image: PATH_OR_URL` adds an image to the line before);
  flagged or not, and every category with its score as a bar, highest first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Label, Static, TextArea

from tui.areas.playground.core.completions import Choices, shade
from tui.areas.playground.screens.token_lines import Piece, TokenLines
from tui.widgets.field import Field
from tui.widgets.plain import plain

if TYPE_CHECKING:
    from tui.areas.playground.api.schemas import Moderation
    from tui.areas.playground.core.vectors import Embedded

SHADES = {
    "sure": "",
    "likely": "yellow",
    "unsure": "magenta",
    "doubtful": "bold red",
    "prompt": "dim",
}
"""How a token is drawn by how sure the model was (16 colours suffice)."""
PLACEHOLDER = "The completion comes here, token by token."
HEAT = (
    (0.8, "black on bright_green", "█"),
    (0.6, "black on green", "▓"),
    (0.4, "black on yellow", "▒"),
    (0.2, "white on blue", "░"),
    (-2.0, "", "·"),
)
"""Similarity bands of the heat map: from this value up, this look and this mark."""


def heat(value: float) -> tuple[str, str]:
    """(style, mark) of a similarity."""
    for low, style, mark in HEAT:
        if value >= low:
            return style, mark
    return "", "·"


class ResultView(Static, can_focus=True):
    """A tool's result, focusable so that its own keys act on it."""

    DEFAULT_CSS = """
    ResultView { padding: 0 1; height: auto; }
    ResultView:focus { background: $boost; }
    """


class Tool(Vertical):
    """What every tool has: a title, an input, an options row, a result and its notes."""

    NAME = ""
    HINT = ""
    DEFAULT_CSS = """
    Tool { height: 1fr; }
    Tool > .tool-hint { color: $text-muted; height: auto; padding: 0 1; }
    Tool > TextArea { height: 5; }
    Tool > .tool-options { height: 1; }
    Tool > .tool-options > Label { width: auto; padding: 0 1; color: $text-muted; }
    Tool > .tool-options > Field { width: 1fr; }
    Tool > .tool-options > #embeddings-model { width: 26; }
    Tool > .tool-options > #embeddings-dimensions { width: 8; }
    Tool > .tool-result-box { height: 1fr; border: round $panel-lighten-2; }
    Tool > .tool-result-box:focus-within { border: round $primary; }
    """

    def input_area(self) -> TextArea:
        return self.query_one(f"#{self.NAME}-input", TextArea)

    def text(self) -> str:
        return self.input_area().text

    def set_text(self, text: str) -> None:
        self.input_area().load_text(text)

    def result(self) -> Widget:
        return self.query_one(f"#{self.NAME}-result")

    EXAMPLE = ""
    """What the input holds in demo mode (elsewhere it is the placeholder, after "e.g.")."""

    def __init__(self, *, example: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.example = example

    def _input(self) -> TextArea:
        text = self.EXAMPLE if self.example else ""
        area = TextArea(text, id=f"{self.NAME}-input", tab_behavior="focus", soft_wrap=True)
        area.placeholder = "e.g. " + self.EXAMPLE.replace("\n", " · ")
        return area


# --- completions -------------------------------------------------------------------------------


class CompletionsTool(Tool):
    """A prompt continued by a base model, token by token."""

    NAME = "completions"
    EXAMPLE = "Once upon a time, in a city of weavers,"
    DEFAULT_CSS = """
    CompletionsTool #completions-row { height: 1fr; }
    CompletionsTool #completions-box { border: round $panel-lighten-2; height: 1fr; }
    CompletionsTool #completions-box:focus-within { border: round $primary; }
    CompletionsTool #completions-alternatives {
        width: 30; border: round $panel-lighten-2; padding: 0 1;
    }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.model = "gpt-3.5-turbo-instruct"
        self.params: dict[str, Any] = {"max_tokens": 64, "logprobs": 5}
        self.choices = Choices()
        self.cursor = 0
        self.note = ""
        self._drawn = 0
        self._alternatives_for: tuple[int, int] | None = None

    def compose(self) -> ComposeResult:
        yield Static(
            "A prompt for a base model to continue (legacy completions). f2 sends; f3 sets "
            "the model and every parameter.",
            classes="tool-hint",
        )
        yield self._input()
        with Horizontal(classes="tool-options"):
            yield Label("Request")
            yield Static(self.params_text(), id="completions-params")
        with Horizontal(id="completions-row"):
            with Vertical(id="completions-box"):
                yield TokenLines(self.move, id="completions-result")
            yield Static(Text("Alternatives", style="dim"), id="completions-alternatives")

    def on_mount(self) -> None:
        self.view().replace([Piece(PLACEHOLDER, "dim")])

    def on_resize(self) -> None:
        self.query_one("#completions-alternatives").display = self.size.width >= 70

    def view(self) -> TokenLines:
        return self.query_one("#completions-result", TokenLines)

    def params_text(self) -> Text:
        text = plain(self.model)
        for name, value in self.params.items():
            shown = "|".join(value) if isinstance(value, list) else str(value)
            text.append(f" · {name} ")
            text.append_text(plain(shown))
        text.append("  (f3)", style="dim")
        return text

    def show_params(self) -> None:
        self.query_one("#completions-params", Static).update(self.params_text())

    def start(self) -> None:
        self.choices = Choices()
        self.cursor = 0
        self.note = ""
        self._drawn = 0
        self._alternatives_for = None
        self.view().replace([])

    def tokens(self) -> list[Any]:
        ordered = self.choices.ordered()
        return ordered[0].tokens if ordered else []

    def move(self, step: int) -> None:
        count = len(self.tokens())
        if count:
            self.cursor = max(0, min(count - 1, self.cursor + step))
            self.view().set_cursor(self.cursor)
            self._show_alternatives()

    @staticmethod
    def _pieces(choice: Any, start: int) -> tuple[list[Piece], int]:
        """The pieces of a choice from its token (or text part) `start`, and how far."""
        if choice.tokens:
            made = [
                Piece(token.text, SHADES[shade(token.probability)], start + n)
                for n, token in enumerate(choice.tokens[start:])
            ]
            return made, len(choice.tokens)
        return [Piece(part) for part in choice.parts[start:]], len(choice.parts)

    def draw(self) -> None:
        """New tokens onto the last lines while one choice streams; all of it again when
        it ends, for several choices, or with a note."""
        ordered = self.choices.ordered()
        view = self.view()
        if not ordered:
            view.replace([Piece(self.note or PLACEHOLDER, "dim")])
            self._show_alternatives()
            return
        finished = all(c.finish_reason for c in ordered)
        if len(ordered) == 1 and not finished and not self.note:
            made, self._drawn = self._pieces(ordered[0], self._drawn)
            view.extend(made, follow=not view.has_focus)
            self._show_alternatives()
            return
        pieces: list[Piece] = []
        for n, choice in enumerate(ordered):
            if len(ordered) > 1:
                finish = f" ({choice.finish_reason})" if choice.finish_reason else ""
                pieces.append(
                    Piece(f"{'' if n == 0 else chr(10)}— choice {n + 1}{finish}\n", "bold")
                )
            if n == 0:
                pieces += self._pieces(choice, 0)[0]
            else:
                pieces.append(Piece(choice.text))
            if len(ordered) == 1 and choice.finish_reason:
                pieces.append(Piece(f"\n\n[{choice.finish_reason}]", "dim"))
        if self.note:
            pieces.append(Piece("\n" + self.note, "dim"))
        self._drawn = len(ordered[0].tokens or ordered[0].parts)
        view.replace(pieces, self.cursor if self.tokens() else None)
        self._show_alternatives()

    def _show_alternatives(self) -> None:
        key = (self.cursor, min(len(self.tokens()), self.cursor + 1))
        if key == self._alternatives_for:
            return  # the same token: nothing to draw again
        self._alternatives_for = key
        self.query_one("#completions-alternatives", Static).update(self.alternatives())

    def alternatives(self) -> Text:
        tokens = self.tokens()
        if not tokens:
            words = "With logprobs set (f3), ←/→ in the completion show what else the model "
            return Text(words + "weighed for each token.", style="dim")
        token = tokens[min(self.cursor, len(tokens) - 1)]
        text = Text("Token ", style="bold")
        text.append_text(plain(repr(token.text)))
        if token.probability is not None:
            text.append(f"\n{token.probability:6.1%}  {shade(token.probability)}\n\n")
        ranked = sorted(token.alternatives.items(), key=lambda kv: -kv[1])
        import math

        for other, logprob in ranked:
            mark = "▶ " if other == token.text else "  "
            text.append(mark)
            text.append(f"{math.exp(logprob):6.1%} ")
            text.append_text(plain(repr(other)))
            text.append("\n")
        if not ranked:
            text.append("\nno alternatives: set logprobs (f3)", "dim")
        return text


# --- embeddings --------------------------------------------------------------------------------


class MatrixView(ResultView):
    """The similarity of every pair; ↑/↓ choose a text, # shows the numbers."""

    BINDINGS = [
        Binding("down", "pick(1)", "Next text", id="play.text.next", show=False),
        Binding("up", "pick(-1)", "Previous text", id="play.text.prev", show=False),
        Binding("number_sign,n", "numbers", "Numbers", id="play.numbers", show=False),
    ]

    def tool(self) -> EmbeddingsTool | None:
        for node in self.ancestors:
            if isinstance(node, EmbeddingsTool):
                return node
        return None

    def action_pick(self, step: int) -> None:
        tool = self.tool()
        if tool is not None and tool.embedded is not None:
            count = len(tool.embedded.texts)
            tool.chosen = max(0, min(count - 1, tool.chosen + step))
            tool.draw()

    def action_numbers(self) -> None:
        tool = self.tool()
        if tool is not None:
            tool.numbers = not tool.numbers
            tool.draw()


class EmbeddingsTool(Tool):
    """How close texts are."""

    NAME = "embeddings"
    EXAMPLE = (
        "The cat sat on the mat\nA cat was sitting on a mat\nDogs chase cats\n"
        "Quarterly tax returns are due"
    )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.embedded: Embedded | None = None
        self.chosen = 0
        self.numbers = False

    def compose(self) -> ComposeResult:
        yield Static(
            "Texts, a line each (ctrl+o reads them from a file). f2 embeds; in the result "
            "↑/↓ choose a text, # shows the numbers; ctrl+e exports.",
            classes="tool-hint",
        )
        yield self._input()
        with Horizontal(classes="tool-options"):
            yield Label("Model")
            yield Field("text-embedding-3-small", id="embeddings-model", compact=True)
            yield Label("Dimensions")
            yield Field("", placeholder="all", id="embeddings-dimensions", compact=True)
            yield Label("Encoding")
            yield Field(
                "float", placeholder="float or base64", id="embeddings-encoding", compact=True
            )
        with VerticalScroll(classes="tool-result-box"):
            yield MatrixView(
                Text("How close the texts are comes here.", style="dim"), id="embeddings-result"
            )

    def draw(self) -> None:
        from tui.areas.playground.core.vectors import MATRIX_MOST
        from tui.core.words import money

        embedded = self.embedded
        if embedded is None:
            return
        matrix = embedded.similarity()
        count = len(embedded.texts)
        self.chosen = min(self.chosen, count - 1)
        shown = Text()
        for n, name in enumerate(embedded.texts):
            mark = "▶" if n == self.chosen else " "
            shown.append(f"{mark}{n + 1:>3} ", "bold" if n == self.chosen else "")
            shown.append_text(plain(name.replace("\n", " ")[:66]))
            shown.append("\n")
        shown.append("\n")
        if count <= MATRIX_MOST:
            shown.append("     " + "".join(f"{n + 1:>5}" for n in range(count)) + "\n")
            for n in range(count):
                shown.append(f"{n + 1:>4} ", "bold" if n == self.chosen else "")
                for m in range(count):
                    value = float(matrix[n][m])
                    style, mark = heat(value)
                    cell = f"{value:5.2f}" if self.numbers else f"  {mark * 2} "
                    shown.append(cell, style)
                shown.append("\n")
            shown.append("  █ ≥0.8  ▓ ≥0.6  ▒ ≥0.4  ░ ≥0.2  · below   (# numbers)\n", "dim")
        else:
            shown.append("The closest pairs:\n", "bold")
            for a, b, value in embedded.ranked_pairs(matrix, most=15):
                style, _ = heat(value)
                shown.append(f"  {value:5.2f}", style)
                shown.append(f"  {a + 1} · {b + 1}\n")
        shown.append("\nNearest to ", "bold")
        shown.append(f"{self.chosen + 1}: ")
        near = embedded.neighbours(self.chosen, matrix)[:5]
        shown.append(", ".join(f"{i + 1} ({v:.2f})" for i, v in near) or "no other text")
        norms = embedded.norms()
        cost = "" if embedded.cost is None else f" · {money(embedded.cost)}"
        shown.append(
            f"\n{embedded.model} · {embedded.dimensions:,} dimensions · "
            f"{embedded.tokens:,} tokens{cost} · norm {min(norms):.3f}–{max(norms):.3f}",
            "dim",
        )
        self.query_one(f"#{self.NAME}-result", ResultView).update(shown)


# --- moderations -------------------------------------------------------------------------------


class VerdictView(ResultView):
    """Each input's verdict; `a` shows every category, not only the highest."""

    BINDINGS = [Binding("a", "all", "All categories", id="play.all", show=False)]

    def action_all(self) -> None:
        for node in self.ancestors:
            if isinstance(node, ModerationsTool):
                node.every = not node.every
                node.draw()
                return


class ModerationsTool(Tool):
    """Would this be flagged, and for what."""

    NAME = "moderations"
    EXAMPLE = "I will find you and hurt you\nThe weather is lovely today"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.inputs: list[Any] = []
        self.labels: list[str] = []
        self.verdict: Moderation | None = None
        self.every = False
        self.roles: list[str] = []
        """Whose each line is, when the lines came from a conversation."""
        self.roles_text = ""

    def compose(self) -> ComposeResult:
        yield Static(
            "Texts, a line each; a line `image: PATH_OR_URL` adds an image to the text before "
            "it. f2 moderates; in the result `a` shows every category.",
            classes="tool-hint",
        )
        yield self._input()
        with Horizontal(classes="tool-options"):
            yield Label("Model")
            yield Field("omni-moderation-latest", id="moderations-model", compact=True)
        with VerticalScroll(classes="tool-result-box"):
            yield VerdictView(
                Text("Each text's verdict comes here.", style="dim"), id="moderations-result"
            )

    def draw(self) -> None:
        from tui.areas.playground.core.verdicts import bar, scores

        verdict = self.verdict
        if verdict is None:
            return
        shown = Text()
        for n, result in enumerate(verdict.results):
            label = self.labels[n] if n < len(self.labels) else f"input {n + 1}"
            if n < len(self.roles):
                label = f"{self.roles[n]}: {label}"
            shown.append(
                " FLAGGED " if result.flagged else " ok ",
                "bold reverse" if result.flagged else "bold",
            )
            shown.append(" ")
            shown.append_text(plain(label.replace("\n", " ")[:64]))
            shown.append("\n")
            ranked = scores(result)
            for score in ranked if self.every else ranked[:4]:
                style = "bold red" if score.flagged else ("yellow" if score.score >= 0.2 else "")
                shown.append(f"   {bar(score.score, 16)} {score.score:5.2f} ", style)
                shown.append(f"{score.category}", style)
                if score.applied:
                    shown.append(f"  ({', '.join(score.applied)})", "dim")
                shown.append("\n")
            shown.append("\n")
        shown.append(
            f"{verdict.model} · `a`: {'the highest only' if self.every else 'every category'}",
            "dim",
        )
        self.query_one(f"#{self.NAME}-result", ResultView).update(shown)
