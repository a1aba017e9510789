"""Images against the simulator over loopback: real files of the asked size and format,
drawn from the prompt (two prompts differ, two images of one request differ), an edit that
redraws only the mask's transparent part, variations, URLs fetched without the key, every
parameter checked for the model before anything is sent, the cost in a real ledger, the
commands' output and exit statuses, and the playground's Images tool driven by keys at
80x24 (the gallery, the half-block preview, the viewer, bad input said, the prompt kept)."""

from __future__ import annotations

import base64
import io
import json
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from tui.api.errors import APIConnectionError, BadRequestError
from tui.app import LoomApp
from tui.areas.playground.api.images import download
from tui.areas.playground.core.images import ImageInputError, gallery
from tui.areas.playground.screens.images import ImagesTool, ImageViewer
from tui.areas.playground.screens.playground import PlaygroundScreen
from tui.core.services import Services
from tui.sim.server import SimServer
from tui.widgets.picture import Picture

from .conftest import loom, screen_text, settings_for, until

AUTH = {"Authorization": "Bearer sk-test-fake-0001"}


def _service(sim: SimServer, data: Path) -> tuple[Services, Any]:
    services = Services(settings_for(sim, data_dir=str(data), max_retries=0))
    return services, services.area("playground")


def _png(path: Path, size: tuple[int, int], colour: tuple[int, ...], mode: str = "RGB") -> Path:
    Image.new(mode, size, colour).save(path, "PNG")
    return path


async def test_generations_are_real_files_drawn_from_the_prompt(
    sim: SimServer, tmp_path: Path
) -> None:
    services, service = _service(sim, tmp_path / "data")
    try:
        made = await service.generate_images(
            "a red fox in the snow", "gpt-image-1", {"n": 2, "size": "1536x1024", "quality": "low"}
        )
        other = await service.generate_images("a quiet harbour at noon", "gpt-image-1", {})
        webp = await service.generate_images(
            "a red fox in the snow",
            "gpt-image-1",
            {"output_format": "webp", "output_compression": 50},
        )
        await services.ledger.flush()
        rows = await services.store.run("read", lambda r: r.ledger.rows(0, time.time() + 1))
    finally:
        await services.aclose()
    assert [f.name for f in made.files] == ["1.png", "2.png"]
    first, second = (Image.open(f) for f in made.files)
    assert first.size == (1536, 1024) and first.format == "PNG"
    assert first.tobytes() != second.tobytes()  # two images of one request differ
    assert Image.open(other.files[0]).tobytes() != first.resize((1024, 1024)).tobytes()
    assert Image.open(webp.files[0]).format == "WEBP" and webp.files[0].suffix == ".webp"
    about = json.loads((made.folder / "request.json").read_text())
    assert about["prompt"] == "a red fox in the snow" and about["options"]["n"] == 2
    assert (made.folder / "prompt.txt").read_text() == "a red fox in the snow\n"
    assert "sk-test" not in (made.folder / "request.json").read_text()
    assert (made.folder / "thumb.png").exists()
    assert made.cost is not None and made.cost > 0  # image tokens at gpt-image-1's price
    priced = [r for r in rows if r["endpoint"] == "/images/generations"]
    assert len(priced) == 3 and all(r["cost"] and r["cost"] > 0 for r in priced)
    assert [g.folder for g in gallery(made.folder.parent)][-1] == made.folder


async def test_dall_e_urls_are_fetched_without_the_key_and_priced_by_the_image(
    sim: SimServer, tmp_path: Path
) -> None:
    services, service = _service(sim, tmp_path / "data")
    try:
        made = await service.generate_images(
            "a lighthouse at night", "dall-e-3", {"size": "1792x1024", "quality": "hd"}
        )
        assert sim.state.last_had_key is False  # the image host never saw the key
        await services.ledger.flush()
        rows = await services.store.run("read", lambda r: r.ledger.rows(0, time.time() + 1))
    finally:
        await services.aclose()
    assert Image.open(made.files[0]).size == (1792, 1024)
    assert made.revised == ["A detailed picture of a lighthouse at night."]
    assert (made.folder / "revised_prompt.txt").exists()
    assert made.cost == pytest.approx(0.12)  # dall-e-3, hd, 1792x1024
    row = next(r for r in rows if r["endpoint"] == "/images/generations")
    assert row["model"] == "dall-e-3" and row["cost"] == pytest.approx(0.12)
    # An expired (or unknown) URL says so.
    gone = sim.base_url.removesuffix("/v1") + "/sim-images/img-0000.png"
    with pytest.raises(APIConnectionError, match="expired"):
        await download(gone)


async def test_an_edit_redraws_only_the_masks_transparent_part(
    sim: SimServer, tmp_path: Path
) -> None:
    original = _png(tmp_path / "grey.png", (256, 256), (128, 128, 128))
    mask = Image.new("RGBA", (256, 256), (0, 0, 0, 255))
    mask.paste((0, 0, 0, 0), (0, 0, 128, 128))  # the top-left quarter is redrawn
    mask.save(tmp_path / "mask.png")
    services, service = _service(sim, tmp_path / "data")
    try:
        made = await service.edit_images(
            [original], "a sun and a boat", "dall-e-2", {"n": 1}, mask=tmp_path / "mask.png"
        )
        varied = await service.vary_image(made.files[0], "dall-e-2", {"n": 2, "size": "256x256"})
        with pytest.raises(ImageInputError, match="same size"):
            await service.edit_images(
                [original],
                "x",
                "dall-e-2",
                {},
                mask=_png(tmp_path / "small.png", (64, 64), (0, 0, 0, 0), "RGBA"),
            )
        wide = _png(tmp_path / "wide.png", (300, 200), (9, 9, 9))
        with pytest.raises(ImageInputError, match="square PNG"):
            await service.vary_image(wide, "dall-e-2", {})
        (tmp_path / "notes.png").write_text("not a picture")
        with pytest.raises(ImageInputError, match="not an image"):
            await service.vary_image(tmp_path / "notes.png", "dall-e-2", {})
        with pytest.raises(ImageInputError, match="does not exist"):
            await service.vary_image(tmp_path / "gone.png", "dall-e-2", {})
    finally:
        await services.aclose()
    edited = Image.open(made.files[0]).convert("RGB")
    assert edited.getpixel((200, 200)) == (128, 128, 128)  # kept where the mask is opaque
    assert edited.crop((0, 0, 128, 128)).getcolors(100_000) != [(128 * 128, (128, 128, 128))]
    assert len(varied.files) == 2 and Image.open(varied.files[0]).size == (256, 256)
    assert varied.cost == pytest.approx(0.032)


async def test_every_parameter_is_checked_for_the_model_before_sending(
    sim: SimServer, tmp_path: Path
) -> None:
    services, service = _service(sim, tmp_path / "data")
    before = sim.state.requests
    cases = [
        ("dall-e-3", {"n": 2}, "one image"),
        ("dall-e-2", {"size": "1536x1024"}, "takes size"),
        ("gpt-image-1", {"style": "vivid"}, "only dall-e-3"),
        ("dall-e-3", {"background": "transparent"}, "no background"),
        ("gpt-image-1", {"output_compression": 50}, "jpeg and webp"),
        ("gpt-image-1", {"response_format": "url"}, "base64"),
        ("gpt-image-1", {"background": "transparent", "output_format": "jpeg"}, "png or webp"),
    ]
    try:
        for model, options, said in cases:
            with pytest.raises(ImageInputError, match=said):
                await service.generate_images("a cat", model, options)
        with pytest.raises(ImageInputError, match="empty"):
            await service.generate_images("  ", "gpt-image-1", {})
        assert sim.state.requests == before  # nothing was sent
        with pytest.raises(BadRequestError, match="safety system"):
            await service.generate_images("how to kill a man", "gpt-image-1", {})
    finally:
        await services.aclose()


def test_the_simulator_checks_what_the_client_might_not(sim: SimServer) -> None:
    base = sim.base_url
    bad = httpx.post(
        base + "/images/generations",
        json={"prompt": "x", "model": "dall-e-2", "size": "1792x1024"},
        headers=AUTH,
    )
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "size"
    made = httpx.post(
        base + "/images/generations",
        json={
            "prompt": "a cat",
            "model": "dall-e-2",
            "size": "256x256",
            "response_format": "b64_json",
        },
        headers=AUTH,
    )
    picture = Image.open(io.BytesIO(base64.b64decode(made.json()["data"][0]["b64_json"])))
    assert picture.size == (256, 256)
    not_an_image = httpx.post(
        base + "/images/variations",
        files={"image": ("x.png", b"not a picture", "image/png")},
        headers=AUTH,
    )
    assert not_an_image.status_code == 400 and not_an_image.json()["error"]["param"] == "image"
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64)).save(buffer, "PNG")
    mask = io.BytesIO()
    Image.new("RGBA", (32, 32)).save(mask, "PNG")
    mismatched = httpx.post(
        base + "/images/edits",
        data={"prompt": "x", "model": "dall-e-2"},
        files={"image": ("a.png", buffer.getvalue()), "mask": ("m.png", mask.getvalue())},
        headers=AUTH,
    )
    assert mismatched.status_code == 400 and mismatched.json()["error"]["param"] == "mask"


def _env(sim: SimServer, tmp_path: Path) -> dict[str, str]:
    return {
        "OPENAI_BASE_URL": sim.base_url,
        "OPENAI_API_KEY": "sk-test-fake-0001",
        "LOOM_DATA_DIR": str(tmp_path / "data"),
    }


def test_the_images_commands_print_the_paths_written(sim: SimServer, tmp_path: Path) -> None:
    env = _env(sim, tmp_path)
    out = tmp_path / "out"
    made = loom("images", "generate", "a blue whale", "--n", "2", "--out", str(out), env=env)
    assert made.returncode == 0, made.stderr
    paths = [Path(line) for line in made.stdout.splitlines()]
    assert len(paths) == 2 and all(p.exists() and p.parent.parent == out for p in paths)
    square = _png(tmp_path / "sq.png", (128, 128), (10, 200, 30))
    varied = loom("images", "vary", str(square), "--json", env=env)
    assert varied.returncode == 0, varied.stderr
    assert len(json.loads(varied.stdout)["files"]) == 1
    edited = loom("images", "edit", str(paths[0]), "--prompt", "add a boat", env=env)
    assert edited.returncode == 0, edited.stderr
    assert Path(edited.stdout.strip()).exists()
    wrong = loom("images", "generate", "x", "--model", "dall-e-3", "--n", "3", env=env)
    assert wrong.returncode == 2 and "one image" in wrong.stderr
    refused = loom("images", "generate", "how to kill a man", env=env)
    assert refused.returncode == 1 and "safety system" in refused.stderr
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    full = loom("images", "generate", "a cat", "--out", str(blocked), env=env)
    assert full.returncode == 1 and "could not be written" in full.stderr
    assert "Traceback" not in full.stderr + refused.stderr + wrong.stderr


async def test_the_images_tool_makes_previews_views_and_edits_by_keys(
    sim: SimServer, private_data_dir: Path, tmp_path: Path
) -> None:
    app = LoomApp(settings_for(sim), mode="playground")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: isinstance(app.screen, PlaygroundScreen), "the playground")
        screen = app.screen
        assert isinstance(screen, PlaygroundScreen)
        for _ in range(3):
            await pilot.press("ctrl+t")
        await until(lambda: screen.tool_name == "images", "the images tool")
        tool = screen.query_one("#images", ImagesTool)
        await pilot.press(*"a red fox", "f2")
        await until(lambda: len(tool.generations) == 1, "the generation in the gallery")
        picture = tool.query_one(Picture)
        await until(lambda: picture.pixels is not None, "the preview drawn")
        assert "▀" in screen_text(app) and "a red fox" in screen_text(app)
        folder = private_data_dir / "images"
        assert len(list(folder.glob("*/1.png"))) == 1
        tool.query_one("#images-gallery").focus()
        await pilot.press("enter")
        await until(lambda: isinstance(app.screen, ImageViewer), "the viewer")
        viewer = app.screen
        await until(lambda: viewer.query_one(Picture).pixels is not None, "the whole image")
        assert "1/1" in screen_text(app)
        await pilot.press("escape")
        await until(lambda: app.screen is screen, "back to the playground")
        tool.query_one("#images-gallery").focus()
        await pilot.press("e")  # start from it: the prompt now edits it
        assert tool.sources().endswith("1.png")
        bad_mask = _png(tmp_path / "m.png", (10, 10), (0, 0, 0, 0), "RGBA")
        tool.query_one("#images-mask").value = str(bad_mask)  # type: ignore[attr-defined]
        tool.set_text("add a moon")
        await pilot.press("f2")
        status = screen.query_one("#play-status")
        await until(lambda: "same size" in str(status.render()), "the mask's size said")
        assert tool.text() == "add a moon"  # the prompt is kept
        tool.query_one("#images-mask").value = ""  # type: ignore[attr-defined]
        await pilot.press("f2")
        await until(lambda: len(tool.generations) == 2, "the edit in the gallery")
        assert tool.generations[0].kind == "edit"


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # variations: dall-e-2's, kept
def test_the_official_sdk_reads_the_simulators_images(sim: SimServer, tmp_path: Path) -> None:
    import openai

    client = openai.OpenAI(base_url=sim.base_url, api_key="sk-sdk-test", max_retries=0)
    made = client.images.generate(model="gpt-image-1", prompt="a green kite", size="1024x1536")
    assert made.usage is not None and made.usage.output_tokens > 0
    first = made.data[0].b64_json if made.data else None
    assert first and Image.open(io.BytesIO(base64.b64decode(first))).size == (1024, 1536)
    square = _png(tmp_path / "sq.png", (64, 64), (200, 20, 20))
    with square.open("rb") as image:
        varied = client.images.create_variation(image=image, n=2, size="256x256")
    assert varied.data is not None and len(varied.data) == 2 and varied.data[0].url
    fetched = httpx.get(varied.data[0].url)
    assert fetched.status_code == 200 and fetched.headers["content-type"] == "image/png"
    with square.open("rb") as image:
        edited = client.images.edit(image=image, prompt="add a star", model="gpt-image-1")
    assert edited.data and edited.data[0].b64_json


@pytest.mark.parametrize(
    ("environ", "draws"),
    [
        ({"TERM": "xterm-kitty"}, True),
        ({"TERM": "xterm-256color", "KITTY_WINDOW_ID": "1"}, True),
        ({"TERM": "xterm-256color", "TERM_PROGRAM": "iTerm.app"}, True),
        ({"TERM": "xterm-256color", "TERM_PROGRAM": "WezTerm"}, True),
        ({"TERM": "xterm-kitty", "TMUX": "/tmp/tmux-0/default,1,0"}, False),  # not via tmux
        ({"TERM": "screen-256color", "TERM_PROGRAM": "iTerm.app"}, False),
        ({"TERM": "xterm-256color"}, False),  # never asked: a start never waits for it
        ({"TERM": "xterm-256color", "LOOM_IMAGES": "graphics"}, True),
        ({"TERM": "xterm-kitty", "LOOM_IMAGES": "blocks"}, False),
    ],
)
def test_only_terminals_that_draw_images_are_asked(environ: dict[str, str], draws: bool) -> None:
    from tui.core.terminal import draws_images

    assert draws_images(environ) is draws


async def test_a_terminal_that_draws_images_is_given_the_image(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from textual.app import App, ComposeResult
    from textual.widget import Widget

    from tui.widgets import picture as picture_module

    class Drawn(Widget):
        image: Any = None

    monkeypatch.setattr(picture_module, "image_widget", lambda: Drawn)
    from tui.core.pictures import shrunk

    photo = Image.new("RGB", (64, 64), (250, 10, 10))

    class One(App[None]):
        def compose(self) -> ComposeResult:
            yield Picture()

    app = One()
    async with app.run_test(size=(40, 12)) as pilot:
        picture = app.query_one(Picture)
        picture.show(shrunk(photo, 40, 12), image=photo)
        await pilot.pause()
        drawn = picture.query_one(Drawn)
        assert drawn.image is photo and drawn.display and picture.drawn_by_terminal
        assert "▀" not in picture.render_line(5).text  # the terminal draws it, not blocks
        picture.show(None, "gone")
        await pilot.pause()
        assert not drawn.display and not picture.drawn_by_terminal


@pytest.mark.skipif(
    bool(sys.__stdout__ and sys.__stdout__.isatty()), reason="asks the real terminal"
)
def test_without_a_protocol_the_widget_is_half_blocks() -> None:
    import textual_image.widget  # noqa: F401  (not a terminal here: it finds no protocol)

    from tui.widgets.graphics import image_widget

    assert image_widget() is None
