"""Images: what each model accepts (checked before anything is sent, so a wrong size is a
sentence, not a 400), the request bodies, what a generation costs, and the gallery — a
folder per request under the data folder with the images, the prompt and the revised
prompt beside them."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tui.core.safe_files import slug, write_inside

GENERATE_MODEL = "gpt-image-1"
EDIT_MODEL = "gpt-image-1"
VARY_MODEL = "dall-e-2"
GPT_IMAGE = ("gpt-image-1", "gpt-image-1-mini", "gpt-image-1.5", "gpt-image-2", "chatgpt-image")
"""The GPT image models (ids that start with one of these)."""


class ImageInputError(ValueError):
    """A request the model would refuse; the words name the parameter and the fix."""


@dataclass(frozen=True, slots=True)
class Rules:
    """What one image model takes."""

    sizes: tuple[str, ...]
    qualities: tuple[str, ...]
    most: int
    """Images one request makes (`n`)."""
    prompt_chars: int
    styles: tuple[str, ...] = ()
    gpt: bool = False
    """A GPT image model: background, output_format, output_compression and moderation;
    always base64 (no `response_format`)."""
    edits: bool = True
    edit_images: int = 1
    """Images one edit takes."""


DALL_E_2 = Rules(
    sizes=("256x256", "512x512", "1024x1024"),
    qualities=("standard",),
    most=10,
    prompt_chars=1000,
)
DALL_E_3 = Rules(
    sizes=("1024x1024", "1792x1024", "1024x1792"),
    qualities=("standard", "hd"),
    most=1,
    prompt_chars=4000,
    styles=("vivid", "natural"),
    edits=False,
)
GPT_RULES = Rules(
    sizes=("auto", "1024x1024", "1536x1024", "1024x1536"),
    qualities=("auto", "low", "medium", "high"),
    most=10,
    prompt_chars=32000,
    gpt=True,
    edit_images=16,
)
BACKGROUNDS = ("auto", "transparent", "opaque")
FORMATS = ("png", "jpeg", "webp")
MODERATIONS = ("auto", "low")


def rules_of(model: str) -> Rules:
    """The rules of a model id; an unknown one (another server's) gets the GPT image
    model's, the most permissive, and the server decides."""
    if model.startswith("dall-e-2"):
        return DALL_E_2
    if model.startswith("dall-e-3"):
        return DALL_E_3
    return GPT_RULES


def _one_of(name: str, value: str, allowed: Sequence[str], model: str) -> None:
    if value not in allowed:
        raise ImageInputError(f"{model} takes {name} {', '.join(allowed)}; not {value!r}")


def generation_body(prompt: str, model: str, options: Mapping[str, Any]) -> dict[str, Any]:
    """A CreateImageRequest for `model`, every option checked against what it takes.
    Options: n, size, quality, style, background, output_format, output_compression,
    moderation, response_format, user (None or "" leaves one out)."""
    rules = rules_of(model)
    prompt = prompt.strip()
    if not prompt:
        raise ImageInputError("the prompt is empty: say what the image should show")
    if len(prompt) > rules.prompt_chars:
        raise ImageInputError(
            f"the prompt has {len(prompt):,} characters; {model} takes {rules.prompt_chars:,}"
        )
    body: dict[str, Any] = {"model": model, "prompt": prompt}
    body.update(_common(model, rules, options))
    style = options.get("style")
    if style:
        if not rules.styles:
            raise ImageInputError(f"{model} has no style (only dall-e-3 does): leave it out")
        _one_of("style", style, rules.styles, model)
        body["style"] = style
    return body


def _common(model: str, rules: Rules, options: Mapping[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    n = options.get("n")
    if n is not None:
        if not isinstance(n, int) or not 1 <= n <= rules.most:
            most = "one image" if rules.most == 1 else f"1 to {rules.most} images"
            raise ImageInputError(f"{model} makes {most} a request; not {n}")
        body["n"] = n
    size = options.get("size")
    if size:
        _one_of("size", size, rules.sizes, model)
        body["size"] = size
    quality = options.get("quality")
    if quality:
        _one_of("quality", quality, rules.qualities, model)
        body["quality"] = quality
    gpt_only = {
        "background": BACKGROUNDS,
        "output_format": FORMATS,
        "moderation": MODERATIONS,
    }
    for name, allowed in gpt_only.items():
        value = options.get(name)
        if not value:
            continue
        if not rules.gpt:
            raise ImageInputError(f"{model} has no {name} (the GPT image models do)")
        _one_of(name, value, allowed, model)
        body[name] = value
    compression = options.get("output_compression")
    if compression is not None:
        if not rules.gpt:
            raise ImageInputError(f"{model} has no output_compression (the GPT image models do)")
        if body.get("output_format", "png") == "png":
            raise ImageInputError("output_compression is for jpeg and webp: choose one of them")
        if not isinstance(compression, int) or not 0 <= compression <= 100:
            raise ImageInputError(f"output_compression is 0 to 100; not {compression}")
        body["output_compression"] = compression
    if body.get("background") == "transparent" and body.get("output_format") == "jpeg":
        raise ImageInputError("a transparent background needs png or webp, not jpeg")
    response_format = options.get("response_format")
    if response_format:
        if rules.gpt:
            raise ImageInputError(f"{model} always answers in base64: leave response_format out")
        _one_of("response_format", response_format, ("url", "b64_json"), model)
        body["response_format"] = response_format
    user = options.get("user")
    if user:
        body["user"] = str(user)
    return body


@dataclass(frozen=True, slots=True)
class Picture:
    """An image file given to an edit or a variation."""

    path: Path
    width: int
    height: int
    format: str
    """PNG, JPEG, WEBP, …"""
    size: int
    has_alpha: bool


PICTURE_BYTES = {"dall-e-2": 4 * 1024 * 1024}
"""The largest image file each model takes (GPT image models: 50 MB)."""


def read_picture(path: Path) -> Picture:
    """What an image file is; ImageInputError naming it when it is missing or not an image."""
    from PIL import Image, UnidentifiedImageError

    try:
        size = path.stat().st_size
        with Image.open(path) as image:
            image.verify()
        with Image.open(path) as image:
            alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
            return Picture(path, image.width, image.height, image.format or "?", size, alpha)
    except FileNotFoundError:
        raise ImageInputError(f"{path} does not exist: give the path of an image") from None
    except IsADirectoryError:
        raise ImageInputError(f"{path} is a folder: give the path of an image") from None
    except (UnidentifiedImageError, SyntaxError, ValueError):
        raise ImageInputError(f"{path} is not an image Loom can read (PNG, JPEG or WEBP)") from None
    except OSError as error:
        raise ImageInputError(f"{path} cannot be read: {error.strerror or error}") from None


def check_edit(
    model: str, images: Sequence[Picture], mask: Picture | None, options: Mapping[str, Any]
) -> dict[str, Any]:
    """The text fields of a CreateImageEditRequest, the images and the mask checked."""
    rules = rules_of(model)
    if not rules.edits:
        raise ImageInputError(f"{model} cannot edit images: use gpt-image-1 or dall-e-2")
    if not images:
        raise ImageInputError("an edit needs an image: give one path or more")
    if len(images) > rules.edit_images:
        raise ImageInputError(
            f"{model} edits {rules.edit_images} image(s) at a time; {len(images)} were given"
        )
    most = PICTURE_BYTES.get(model, 50 * 1024 * 1024)
    for picture in images:
        _fits(picture, model, most)
        square_png = picture.format == "PNG" and picture.width == picture.height
        if model.startswith("dall-e-2") and not square_png:
            raise ImageInputError(f"dall-e-2 edits a square PNG; {picture.path.name} is not")
    if mask is not None:
        first = images[0]
        if (mask.width, mask.height) != (first.width, first.height):
            raise ImageInputError(
                f"the mask is {mask.width}x{mask.height} but the image is "
                f"{first.width}x{first.height}: they must be the same size"
            )
        if mask.format != "PNG" or not mask.has_alpha:
            raise ImageInputError(
                "the mask must be a PNG with transparency (its transparent part is redrawn)"
            )
    return _common(model, rules, options)


def check_variation(model: str, image: Picture, options: Mapping[str, Any]) -> dict[str, Any]:
    """The text fields of a CreateImageVariationRequest (dall-e-2 only), the image checked."""
    if not model.startswith("dall-e-2"):
        raise ImageInputError("only dall-e-2 makes variations: choose it as the model")
    _fits(image, model, PICTURE_BYTES["dall-e-2"])
    if image.format != "PNG" or image.width != image.height:
        raise ImageInputError(f"a variation starts from a square PNG; {image.path.name} is not")
    return _common(model, DALL_E_2, options)


def _fits(picture: Picture, model: str, most: int) -> None:
    if picture.size > most:
        raise ImageInputError(
            f"{picture.path.name} is {picture.size / 1e6:.1f} MB; {model} takes "
            f"{most / 1e6:.0f} MB at most (make it smaller)"
        )


# --- what it costs ---------------------------------------------------------------------------


def units_of(model: str, body: Mapping[str, Any], made: int) -> tuple[tuple[str, float], ...]:
    """The priced units of a DALL·E request: (image:SIZE:QUALITY, count); GPT image models
    are priced by their tokens instead (none)."""
    if rules_of(model).gpt:
        return ()
    size = str(body.get("size") or "1024x1024")
    quality = str(body.get("quality") or "standard")
    return ((f"image:{size}:{quality}", float(made)),)


# --- the gallery -------------------------------------------------------------------------------


@dataclass
class Generation:
    """One request's images on disk, and what made them."""

    folder: Path
    kind: str
    """generate, edit or vary."""
    prompt: str
    model: str
    created: float
    files: list[Path] = field(default_factory=list)
    revised: list[str] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    cost: float | None = None

    def title(self) -> str:
        return self.prompt or f"{self.kind} of {self.options.get('source', 'an image')}"


ABOUT = "request.json"
"""The file beside the images that says what made them."""


def gallery_dir(data: Path) -> Path:
    return data / "images"


def new_folder(base: Path, prompt: str, now: float | None = None) -> Path:
    """A folder of its own for one request: its time and the prompt's first words."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now or time.time()))
    name = f"{stamp}-{slug(' '.join(prompt.split()[:6]).lower(), 'image')[:48]}"
    folder, n = base / name, 1
    while folder.exists():
        n += 1
        folder = base / f"{name}-{n}"
    return folder


def save(
    folder: Path,
    images: Sequence[bytes],
    *,
    extension: str,
    kind: str,
    prompt: str,
    model: str,
    revised: Sequence[str],
    options: Mapping[str, Any],
    cost: float | None,
) -> Generation:
    """Write the images and request.json (the prompt, the revised prompts, the options:
    never a key) into `folder`; the Generation. OSError when the disk refuses."""
    files = [write_inside(folder, f"{n}.{extension}", data) for n, data in enumerate(images, 1)]
    generation = Generation(
        folder,
        kind,
        prompt,
        model,
        time.time(),
        files,
        list(revised),
        dict(options),
        cost,
    )
    about = {
        "kind": kind,
        "prompt": prompt,
        "model": model,
        "created": generation.created,
        "files": [f.name for f in files],
        "revised_prompts": list(revised),
        "options": dict(options),
        "cost": cost,
    }
    write_inside(folder, ABOUT, json.dumps(about, indent=2, ensure_ascii=False) + "\n")
    _thumbnail(folder, images[0])
    if any(revised):
        write_inside(folder, "revised_prompt.txt", "\n".join(r for r in revised if r) + "\n")
    write_inside(folder, "prompt.txt", prompt + "\n")
    return generation


def _thumbnail(folder: Path, first: bytes) -> None:
    """The gallery's thumbnail of the first image (a failure only costs speed later)."""
    import io

    from tui.core.pictures import THUMB, make_thumbnail

    try:
        from PIL import Image

        with Image.open(io.BytesIO(first)) as image:
            image.load()
            make_thumbnail(image, folder / THUMB)
    except (OSError, ValueError, SyntaxError):
        return


def gallery(base: Path, most: int = 500) -> list[Generation]:
    """The past generations under `base`, newest first (a folder whose request.json is
    unreadable is skipped, never fatal)."""
    found: list[Generation] = []
    try:
        folders = sorted((p for p in base.iterdir() if p.is_dir()), reverse=True)
    except OSError:
        return []
    for folder in folders[: most * 2]:
        try:
            about = json.loads((folder / ABOUT).read_text(encoding="utf-8"))
            files = [folder / str(name) for name in about.get("files", [])]
            found.append(
                Generation(
                    folder,
                    str(about.get("kind", "generate")),
                    str(about.get("prompt", "")),
                    str(about.get("model", "")),
                    float(about.get("created", 0.0)),
                    [f for f in files if f.exists()],
                    [str(r) for r in about.get("revised_prompts", [])],
                    dict(about.get("options") or {}),
                    about.get("cost") if isinstance(about.get("cost"), int | float) else None,
                )
            )
        except (OSError, ValueError, TypeError, AttributeError):
            continue
    found.sort(key=lambda g: g.created, reverse=True)  # (a folder's name has only seconds)
    return found[:most]


OPTION_NAMES = (
    "n",
    "size",
    "quality",
    "style",
    "background",
    "output_format",
    "output_compression",
    "moderation",
    "response_format",
)
"""The options the screen offers, in its order (every one of CreateImageRequest's)."""
WHOLE = ("n", "output_compression")


def parse_options(model: str, texts: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
    """Options typed as text, checked together for `model`: (options, problems)."""
    options: dict[str, Any] = {}
    problems: list[str] = []
    for name in OPTION_NAMES:
        text = texts.get(name, "").strip()
        if not text:
            continue
        if name in WHOLE:
            if not text.isdigit():
                problems.append(f"{name}: {text!r} is not a whole number")
                continue
            options[name] = int(text)
        else:
            options[name] = text
    if not problems:
        try:
            generation_body("check", model, options)
        except ImageInputError as error:
            problems.append(str(error))
    return options, problems


def paths_of(text: str) -> list[Path]:
    """Image paths typed in one field: one, or several separated by commas."""
    return [Path(part.strip()).expanduser() for part in text.split(",") if part.strip()]
