"""The playground's Images tool, its options and its viewer.

- The tool: a prompt; the image(s) to start from and a mask, by path with Tab completion.
  With no image, f2 generates; with an image and a prompt, it edits (the mask's
  transparent part is redrawn); with an image and no prompt, it makes variations
  (dall-e-2). The gallery of past generations, newest first, beside a preview of the one
  chosen; Enter opens it whole, `e` takes its image as the one to start from.
- The options (f3): the model and every parameter of the request, checked together for
  the model as they are typed.
- The viewer: one generation's images, as large as the terminal allows, ←/→ between them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from tui.areas.playground.core.images import (
    GENERATE_MODEL,
    OPTION_NAMES,
    Generation,
    parse_options,
)
from tui.areas.playground.screens.tools import Tool
from tui.widgets.field import Field
from tui.widgets.key_footer import KeyFooter
from tui.widgets.path_input import PathInput
from tui.widgets.picture import Picture
from tui.widgets.plain import plain

if TYPE_CHECKING:
    from pathlib import Path

HELP = {
    "n": "images to make, 1-10 (dall-e-3: 1)",
    "size": "WxH: 1024x1024, 1536x1024, 1024x1536, auto · dall-e-3: 1792x1024 …",
    "quality": "auto, low, medium, high · dall-e-3: standard, hd",
    "style": "vivid or natural (dall-e-3)",
    "background": "auto, transparent, opaque (GPT image models)",
    "output_format": "png, jpeg, webp (GPT image models)",
    "output_compression": "0-100, for jpeg and webp",
    "moderation": "auto or low (GPT image models)",
    "response_format": "url or b64_json (DALL·E)",
}


def describe(generation: Generation) -> Text:
    """A gallery line: when, how many, the prompt."""
    import time

    when = time.strftime("%m-%d %H:%M", time.localtime(generation.created))
    line = Text(no_wrap=True, overflow="ellipsis")
    line.append(f"{when} ", "dim")
    line.append(f"{len(generation.files)}× ", "dim")
    line.append_text(plain(generation.title()))
    return line


async def preview(path: Path, columns: int, rows: int, *, whole: bool = False) -> tuple[Any, Any]:
    """(the pixels of an image for a box of columns x rows, the image they come from —
    its thumbnail when that is enough), decoded in a thread; OSError or ValueError when it
    cannot be read."""
    import asyncio

    from tui.core.pictures import THUMB_SIZE, opened, shrunk, thumbnail

    def load() -> tuple[Any, Any]:
        small = not whole and columns <= THUMB_SIZE and 2 * rows <= THUMB_SIZE
        image = opened(thumbnail(path) if small else path)
        return shrunk(image, columns, rows), image

    return await asyncio.to_thread(load)


class ImagesTool(Tool):
    """Images made from a prompt, edited, varied; the gallery; a preview."""

    NAME = "images"
    EXAMPLE = "A lighthouse on a cliff at dusk, woodcut style"
    BINDINGS = [
        Binding("e", "use_image", "Start from", id="images.use", tooltip="Edit this image"),
    ]
    DEFAULT_CSS = """
    ImagesTool > TextArea { height: 3; }
    ImagesTool #images-sources { width: 1fr; }
    ImagesTool #images-mask { width: 22; }
    ImagesTool #images-row { height: 1fr; }
    ImagesTool #images-gallery { width: 34; height: 1fr; border: round $panel-lighten-2; }
    ImagesTool #images-gallery:focus { border: round $primary; }
    ImagesTool #images-box { height: 1fr; border: round $panel-lighten-2; }
    ImagesTool #images-about { height: 1; padding: 0 1; color: $text-muted; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.model = GENERATE_MODEL
        self.options: dict[str, Any] = {"size": "1024x1024", "quality": "low"}
        self.generations: list[Generation] = []
        self.shown: Generation | None = None

    def compose(self) -> ComposeResult:
        yield Static(
            "A prompt makes images (f2). With an image: the prompt edits it (a mask's "
            "transparent part is redrawn); without a prompt, variations.",
            classes="tool-hint",
        )
        yield self._input()
        with Horizontal(classes="tool-options"):
            yield Label("Request")
            yield Static(self.options_text(), id="images-params")
        with Horizontal(classes="tool-options"):
            yield Label("Image")
            yield PathInput(
                placeholder="none: generate · PATH[, PATH…]", id="images-sources", compact=True
            )
            yield Label("mask")
            yield PathInput(placeholder="PNG (optional)", id="images-mask", compact=True)
        with Horizontal(id="images-row"):
            yield OptionList(id="images-gallery")
            with Vertical(id="images-box"):
                yield Picture(id="images-result")
        yield Static("", id="images-about")

    def on_mount(self) -> None:
        self.query_one(Picture).show(None, "The images come here; the gallery is on the left.")
        self.query_one("#images-gallery", OptionList).border_title = "Gallery"
        self.load_gallery()

    def options_text(self) -> Text:
        text = plain(self.model)
        for name, value in self.options.items():
            text.append(f" · {name} ")
            text.append_text(plain(str(value)))
        text.append("  (f3)", style="dim")
        return text

    def show_options(self) -> None:
        self.query_one("#images-params", Static).update(self.options_text())

    def sources(self) -> str:
        return self.query_one("#images-sources", Input).value

    def mask(self) -> str:
        return self.query_one("#images-mask", Input).value

    # --- the gallery ----------------------------------------------------------------------

    @work(group="images-gallery", exclusive=True, exit_on_error=False)
    async def load_gallery(self, chosen: Generation | None = None) -> None:
        """The past generations, newest first; `chosen` (one just made) shown."""
        service: Any = getattr(self.screen, "service", None)
        if service is None:
            return
        self.generations = await service.gallery()
        listing = self.query_one("#images-gallery", OptionList)
        listing.clear_options()
        listing.add_options([Option(describe(g)) for g in self.generations])
        if not self.generations:
            return
        index = 0
        if chosen is not None:
            index = next(
                (n for n, g in enumerate(self.generations) if g.folder == chosen.folder), 0
            )
        listing.highlighted = index
        self.show_generation(self.generations[index])

    @on(OptionList.OptionHighlighted, "#images-gallery")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if 0 <= event.option_index < len(self.generations):
            self.show_generation(self.generations[event.option_index])

    @on(OptionList.OptionSelected, "#images-gallery")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        if 0 <= event.option_index < len(self.generations):
            self.app.push_screen(ImageViewer(self.generations[event.option_index]))

    def show_generation(self, generation: Generation) -> None:
        self.shown = generation
        about = Text(no_wrap=True, overflow="ellipsis")
        about.append(generation.model or "?")
        about.append(f" · {len(generation.files)} image(s)")
        if generation.cost is not None:
            about.append(f" · ${generation.cost:.3f}")
        if generation.files:
            about.append(" · ")
            about.append_text(plain(str(generation.files[0])))
        revised = next((r for r in generation.revised if r), "")
        if revised:
            about.append(" · revised: ")
            about.append_text(plain(revised))
        self.query_one("#images-about", Static).update(about)
        self.draw_preview()

    @work(group="images-preview", exclusive=True, exit_on_error=False)
    async def draw_preview(self) -> None:
        picture = self.query_one(Picture)
        generation = self.shown
        if generation is None or not generation.files:
            picture.show(None, "This generation's files are gone.")
            return
        size = picture.size
        try:
            pixels, image = await preview(generation.files[0], size.width, size.height)
        except (OSError, ValueError) as error:
            picture.show(None, plain(f"Cannot show {generation.files[0].name}: {error}"))
            return
        picture.show(pixels, image=image)

    def on_resize(self) -> None:
        if self.shown is not None:
            self.draw_preview()

    def action_use_image(self) -> None:
        """Start from the chosen generation's image: the prompt then edits it."""
        if self.shown is None or not self.shown.files:
            return
        self.query_one("#images-sources", Input).value = str(self.shown.files[0])
        self.input_area().focus()

    async def send(self, screen: Any) -> None:
        """Generate, edit or vary: the playground's f2 on this tool (`screen` has the
        service and the status line)."""
        from tui.areas.playground.core.images import ImageInputError, paths_of
        from tui.core.failures import APIError

        service = screen.service
        prompt = self.text()
        sources = paths_of(self.sources())
        mask = paths_of(self.mask())
        try:
            if not sources:
                screen.say(f"Making images with {self.model}…")
                await service.remember("images", prompt)
                made = await service.generate_images(prompt, self.model, self.options)
            elif prompt.strip():
                model = self.model if not self.model.startswith("dall-e-3") else "gpt-image-1"
                screen.say(f"Editing {', '.join(p.name for p in sources)} with {model}…")
                await service.remember("images", prompt)
                made = await service.edit_images(
                    sources, prompt, model, self.options, mask[0] if mask else None
                )
            else:
                screen.say(f"Varying {sources[0].name} with dall-e-2…")
                options = {k: v for k, v in self.options.items() if k in ("n", "size")}
                if options.get("size") not in (None, "256x256", "512x512", "1024x1024"):
                    options.pop("size")
                made = await service.vary_image(sources[0], "dall-e-2", options)
        except ImageInputError as error:
            screen.say(f"{error} (the input is kept)", bad=True)
            return
        except OSError as error:
            screen.say(
                f"The images could not be written ({error.strerror or error}): free some "
                "space; the prompt is kept, f2 asks again.",
                bad=True,
            )
            return
        except APIError as error:
            screen.told(error, "making the images", "images")
            return
        self.took(made)
        cost = f" · ${made.cost:.3f}" if made.cost is not None else ""
        screen.say(
            f"{len(made.files)} image(s) saved in images/{made.folder.name}{cost} · "
            "Enter in the gallery shows one whole"
        )

    def took(self, generation: Generation) -> None:
        """A request's images were saved: into the gallery, shown."""
        self.load_gallery(generation)


class ImageOptions(ModalScreen[tuple[str, dict[str, Any]] | None]):
    """The model and every option of the next image request."""

    DEFAULT_CSS = """
    ImageOptions { align: center middle; }
    ImageOptions > VerticalScroll {
        width: 90; max-width: 100%; height: 1fr; max-height: 100%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    ImageOptions .row { height: 1; }
    ImageOptions .row Label { width: 20; }
    ImageOptions .row Input { width: 1fr; }
    ImageOptions #iopts-problems { color: $text-error; }
    ImageOptions .hint { color: $text-muted; }
    """
    BINDINGS = [
        Binding("f2,ctrl+s", "save", "Save", id="iopts.save", tooltip="Use these options"),
        Binding("escape", "cancel", "Cancel", id="iopts.cancel", tooltip="Change nothing"),
    ]

    def __init__(self, model: str, options: dict[str, Any]) -> None:
        super().__init__()
        self.model = model
        self.options = options

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static("The next image request's model and options", classes="hint")
            with Horizontal(classes="row"):
                yield Label("model")
                yield Field(
                    self.model,
                    placeholder="gpt-image-1, dall-e-3, dall-e-2 …",
                    id="iopt-model",
                    compact=True,
                )
            for name in OPTION_NAMES:
                with Horizontal(classes="row"):
                    yield Label(name, markup=False)
                    value = self.options.get(name)
                    yield Field(
                        "" if value is None else str(value),
                        placeholder=f"default · {HELP[name]}",
                        id=f"iopt-{name}",
                        compact=True,
                    )
            yield Static("", id="iopts-problems")
            yield Static(
                "Empty fields use the server's default. F2 saves · Esc cancels", classes="hint"
            )
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#iopt-model", Input).focus()

    def _read(self) -> tuple[str, dict[str, Any], list[str]]:
        model = self.query_one("#iopt-model", Input).value.strip() or GENERATE_MODEL
        texts = {name: self.query_one(f"#iopt-{name}", Input).value for name in OPTION_NAMES}
        options, problems = parse_options(model, texts)
        return model, options, problems

    @on(Input.Changed)
    def _check(self) -> None:
        _, _, problems = self._read()
        self.query_one("#iopts-problems", Static).update(plain("\n".join(problems)))

    def action_save(self) -> None:
        """Use these options."""
        model, options, problems = self._read()
        if problems:
            self.query_one("#iopts-problems", Static).update(plain("\n".join(problems)))
            return
        self.dismiss((model, options))

    def action_cancel(self) -> None:
        """Close, changing nothing."""
        self.dismiss(None)


class ImageViewer(ModalScreen[None]):
    """One generation's images, one at a time, as large as the terminal allows."""

    DEFAULT_CSS = """
    ImageViewer { background: $background; }
    ImageViewer #viewer-title { height: 1; padding: 0 1; background: $panel; }
    ImageViewer Picture { height: 1fr; }
    ImageViewer #viewer-about { height: auto; max-height: 3; padding: 0 1; color: $text-muted; }
    """
    BINDINGS = [
        Binding("right,n", "step(1)", "Next", id="viewer.next", tooltip="The next image"),
        Binding("left,p", "step(-1)", "Previous", id="viewer.previous", tooltip="The one before"),
        Binding("escape,q", "close", "Back", id="viewer.back", tooltip="Back to the gallery"),
    ]

    def __init__(self, generation: Generation) -> None:
        super().__init__()
        self.generation = generation
        self.index = 0

    def compose(self) -> ComposeResult:
        yield Static("", id="viewer-title")
        yield Picture()
        yield Static("", id="viewer-about")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.call_after_refresh(self.draw)

    def on_resize(self) -> None:
        self.draw()

    def action_step(self, step: int) -> None:
        """Another image of the generation."""
        count = len(self.generation.files)
        if count:
            self.index = (self.index + step) % count
            self.draw()

    def action_close(self) -> None:
        """Back to the gallery."""
        self.dismiss(None)

    @work(group="viewer", exclusive=True, exit_on_error=False)
    async def draw(self) -> None:
        generation = self.generation
        files = generation.files
        title = Text(no_wrap=True, overflow="ellipsis")
        title.append(f"{self.index + 1}/{len(files)} ", "bold")
        title.append_text(plain(generation.title()))
        self.query_one("#viewer-title", Static).update(title)
        about = Text()
        if files:
            about.append_text(plain(str(files[self.index])))
        revised = generation.revised[self.index] if self.index < len(generation.revised) else ""
        if revised:
            about.append("\nrevised prompt: ")
            about.append_text(plain(revised))
        self.query_one("#viewer-about", Static).update(about)
        picture = self.query_one(Picture)
        if not files:
            picture.show(None, "This generation's files are gone.")
            return
        size = picture.size
        try:
            pixels, image = await preview(files[self.index], size.width, size.height, whole=True)
        except (OSError, ValueError) as error:
            picture.show(None, plain(f"Cannot show {files[self.index].name}: {error}"))
            return
        picture.show(pixels, image=image)
