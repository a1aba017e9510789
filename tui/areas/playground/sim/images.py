"""The simulator's images: `POST /v1/images/generations`, `/v1/images/edits` and
`/v1/images/variations`, checked as the API checks them, answered with real image files of
the requested size and format, drawn from the prompt (two prompts differ; two images of one
request differ); an edit redraws only where the mask is transparent; `url` results are
served by the simulator itself for an hour, without a key (as a storage bucket would)."""

from __future__ import annotations

import base64
import hashlib
import io
import secrets
import time
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tui.areas.playground.sim import engines
from tui.sim.gate import Gate
from tui.sim.models import model_not_found
from tui.sim.reply import count_tokens
from tui.sim.state import InvalidRequest, SimState, error_response

URL_SECONDS = 3600
"""How long an image URL lasts."""
HOSTED_MOST = 200
"""Images kept for their URLs (the oldest go first)."""
DALL_E_2_SIZES = ("256x256", "512x512", "1024x1024")
DALL_E_3_SIZES = ("1024x1024", "1792x1024", "1024x1792")
GPT_SIZES = ("auto", "1024x1024", "1536x1024", "1024x1536")
GPT_PREFIXES = ("gpt-image-1", "gpt-image-2", "chatgpt-image")
OUTPUT_TOKENS = {"low": 272, "medium": 1056, "high": 4160, "auto": 1056}
"""Image tokens a 1024x1024 GPT image costs at each quality (larger sizes cost more)."""
MEDIA = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}


def _gpt(model: str) -> bool:
    return model.startswith(GPT_PREFIXES)


def _seed(*parts: object) -> int:
    return int.from_bytes(hashlib.sha256("\x00".join(map(str, parts)).encode()).digest()[:8])


def draw(prompt: str, index: int, width: int, height: int) -> Any:
    """An RGBA picture made from the prompt: a sky of two colours the words choose, a
    ground, a sun, and shapes placed by the words (the index moves them)."""
    import random

    import numpy as np
    from PIL import Image, ImageDraw

    rng = random.Random(_seed(prompt.lower().strip(), index))
    words = [w for w in prompt.lower().split() if w.isalpha()] or ["image"]
    top = np.array([rng.randrange(256) for _ in range(3)], dtype=np.float32)
    bottom = np.array([rng.randrange(256) for _ in range(3)], dtype=np.float32)
    ramp = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None]
    rows = (top * (1 - ramp) + bottom * ramp).astype(np.uint8)
    sky = np.broadcast_to(rows[:, None, :], (height, width, 3))
    picture = Image.fromarray(np.ascontiguousarray(sky), "RGB").convert("RGBA")
    pen = ImageDraw.Draw(picture)
    unit = min(width, height)
    horizon = int(height * rng.uniform(0.55, 0.8))
    ground = tuple(rng.randrange(256) for _ in range(3))
    pen.rectangle((0, horizon, width, height), fill=(*ground, 255))
    sun = (rng.uniform(0.1, 0.9) * width, rng.uniform(0.1, 0.4) * height)
    radius = unit * rng.uniform(0.06, 0.14)
    pen.ellipse(
        (sun[0] - radius, sun[1] - radius, sun[0] + radius, sun[1] + radius),
        fill=(255, rng.randrange(160, 256), rng.randrange(0, 120), 255),
    )
    for word in words[:12]:
        shaper = random.Random(_seed(word, index))
        x = shaper.uniform(0.05, 0.95) * width
        y = shaper.uniform(0.3, 0.95) * height
        size = unit * shaper.uniform(0.05, 0.18)
        colour = (*(shaper.randrange(256) for _ in range(3)), 255)
        kind = _seed(word) % 3
        if kind == 0:
            pen.ellipse((x - size, y - size, x + size, y + size), fill=colour)
        elif kind == 1:
            pen.rectangle((x - size, y - size * 0.6, x + size, y + size * 0.6), fill=colour)
        else:
            pen.polygon([(x, y - size), (x - size, y + size), (x + size, y + size)], fill=colour)
    return picture


def encoded(picture: Any, output_format: str, compression: int | None, opaque: bool) -> bytes:
    """The picture as a file of `output_format` (png, jpeg or webp)."""
    buffer = io.BytesIO()
    if output_format == "jpeg" or opaque:
        picture = picture.convert("RGB")
    if output_format == "png":
        picture.save(buffer, "PNG", compress_level=1)
    else:
        quality = 90 if compression is None else max(1, compression)
        picture.save(buffer, "JPEG" if output_format == "jpeg" else "WEBP", quality=quality)
    return buffer.getvalue()


def _opened(data: bytes, what: str) -> Any:
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise InvalidRequest(
            f"Invalid input image - format must be in ['png', 'jpeg', 'webp'] ({what}).",
            what.split()[0],
        ) from None
    return image.convert("RGBA")


def edit(original: Any, mask: Any | None, prompt: str, index: int) -> Any:
    """The original redrawn where the mask is transparent (all of it blended with the
    new drawing when there is no mask)."""
    from PIL import Image

    fresh = draw(prompt, index, original.width, original.height)
    if mask is None:
        return Image.blend(original, fresh, 0.5)
    keep = mask.getchannel("A")  # opaque: kept; transparent: redrawn
    return Image.composite(original, fresh, keep)


def vary(original: Any, index: int) -> Any:
    """The original with its colours turned and its shapes shifted a little."""
    from PIL import ImageChops, ImageOps

    turned = ImageOps.autocontrast(original.convert("RGB"))
    r, g, b = turned.split()
    channels = [(r, g, b), (g, b, r), (b, r, g)][index % 3]
    from PIL import Image

    shifted = ImageChops.offset(Image.merge("RGB", channels), 7 * (index + 1), 5 * (index + 1))
    return shifted.convert("RGBA")


def _size(value: Any, allowed: tuple[str, ...], model: str) -> tuple[int, int]:
    size = "1024x1024" if value in (None, "", "auto") else str(value)
    if size not in allowed and not (size == "1024x1024" and "auto" in allowed):
        raise InvalidRequest(
            f"Invalid value: '{size}'. Supported values for {model} are: "
            + ", ".join(f"'{s}'" for s in allowed),
            "size",
        )
    width, height = size.split("x")
    return int(width), int(height)


def _count(value: Any, most: int, model: str) -> int:
    n = 1 if value is None else value
    if isinstance(n, str) and n.isdigit():
        n = int(n)
    if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= 10:
        raise InvalidRequest("Invalid 'n': an integer from 1 to 10.", "n")
    if n > most:
        raise InvalidRequest(f"Invalid 'n': {model} makes {most} image(s) a request.", "n")
    return n


def _options(body: dict[str, Any], model: str) -> dict[str, Any]:
    """output_format, compression, background and response_format, checked for the model."""
    gpt = _gpt(model)
    found: dict[str, Any] = {}
    for name, allowed in (
        ("output_format", tuple(MEDIA)),
        ("background", ("auto", "transparent", "opaque")),
        ("moderation", ("auto", "low")),
    ):
        value = body.get(name)
        if value in (None, ""):
            continue
        if not gpt:
            raise InvalidRequest(f"Unknown parameter: '{name}' is for the GPT image models.", name)
        if value not in allowed:
            raise InvalidRequest(f"Invalid value for '{name}': '{value}'.", name)
        found[name] = value
    compression = body.get("output_compression")
    if compression not in (None, ""):
        if isinstance(compression, str) and compression.isdigit():
            compression = int(compression)
        if not gpt or not isinstance(compression, int) or not 0 <= compression <= 100:
            raise InvalidRequest("Invalid 'output_compression': 0 to 100.", "output_compression")
        found["output_compression"] = compression
    response_format = body.get("response_format")
    if response_format not in (None, ""):
        if gpt:
            raise InvalidRequest(
                f"Unknown parameter: 'response_format' is not supported with {model}.",
                "response_format",
            )
        if response_format not in ("url", "b64_json"):
            raise InvalidRequest(
                f"Invalid 'response_format': '{response_format}'.", "response_format"
            )
        found["response_format"] = response_format
    if found.get("background") == "transparent" and found.get("output_format") == "jpeg":
        raise InvalidRequest("Transparent background requires png or webp.", "background")
    return found


def _refused(prompt: str) -> bool:
    return any(score >= engines.FLAG_AT for score in engines.scores(prompt).values())


def image_routes(sim: SimState, gate: Gate) -> list[Route]:
    """Generations, edits, variations and the images' own URLs."""
    hosted: dict[str, tuple[bytes, str, float]] = {}

    def host(data: bytes, output_format: str, request: Request) -> str:
        name = f"img-{secrets.token_hex(8)}.{output_format}"
        hosted[name] = (data, MEDIA[output_format], time.time() + URL_SECONDS)
        while len(hosted) > HOSTED_MOST:
            hosted.pop(next(iter(hosted)))
        return str(request.url_for("sim_image", name=name))

    def answer(
        request: Request,
        headers: dict[str, str],
        pictures: list[Any],
        model: str,
        options: dict[str, Any],
        prompt: str,
        size: tuple[int, int],
        quality: str,
    ) -> Response:
        output_format = options.get("output_format", "png")
        opaque = options.get("background") == "opaque"
        data: list[dict[str, Any]] = []
        for picture in pictures:
            raw = encoded(picture, output_format, options.get("output_compression"), opaque)
            if options.get("response_format", "b64_json" if _gpt(model) else "url") == "url":
                item: dict[str, Any] = {"url": host(raw, output_format, request)}
            else:
                item = {"b64_json": base64.b64encode(raw).decode()}
            if model.startswith("dall-e-3"):
                item["revised_prompt"] = f"A detailed picture of {prompt.strip().rstrip('.')}."
            data.append(item)
        reply: dict[str, Any] = {"created": int(time.time()), "data": data}
        if _gpt(model):
            made = OUTPUT_TOKENS.get(quality, 1056) * size[0] * size[1] // (1024 * 1024)
            prompt_tokens = count_tokens(prompt)
            reply |= {
                "background": "transparent"
                if options.get("background") == "transparent"
                else "opaque",
                "output_format": output_format,
                "size": f"{size[0]}x{size[1]}",
                "quality": "medium" if quality == "auto" else quality,
                "usage": {
                    "input_tokens": prompt_tokens,
                    "output_tokens": made * len(pictures),
                    "total_tokens": prompt_tokens + made * len(pictures),
                    "input_tokens_details": {"text_tokens": prompt_tokens, "image_tokens": 0},
                },
            }
        return JSONResponse(reply, headers=headers)

    def refusal(headers: dict[str, str]) -> Response:
        return error_response(
            400,
            "Your request was rejected as a result of our safety system. Your prompt may "
            "contain text that is not allowed by our safety system.",
            param="prompt",
            code="moderation_blocked",
            headers=headers,
        )

    async def generations(request: Request) -> Response:
        headers, _, body, early = await gate.json_prelude(request, "images")
        if early is not None:
            return early
        assert body is not None  # (json_prelude answers when there is none)
        try:
            prompt = body.get("prompt")
            if not isinstance(prompt, str) or not prompt.strip():
                raise InvalidRequest("Missing required parameter: 'prompt'.", "prompt")
            model = str(body.get("model") or "dall-e-2")
            if model.startswith("dall-e-2"):
                size, most, quality = _size(body.get("size"), DALL_E_2_SIZES, model), 10, "standard"
            elif model.startswith("dall-e-3"):
                size, most = _size(body.get("size"), DALL_E_3_SIZES, model), 1
                quality = str(body.get("quality") or "standard")
            elif _gpt(model):
                size, most = _size(body.get("size"), GPT_SIZES, model), 10
                quality = str(body.get("quality") or "auto")
            else:
                return model_not_found(model, headers)
            n = _count(body.get("n"), most, model)
            options = _options(body, model)
            if body.get("style") not in (None, "") and not model.startswith("dall-e-3"):
                raise InvalidRequest("Unknown parameter: 'style' is for dall-e-3.", "style")
        except InvalidRequest as exc:
            return error_response(400, exc.message, param=exc.param, headers=headers)
        if _refused(prompt):
            return refusal(headers)
        pictures = [draw(prompt, i, *size) for i in range(n)]
        return answer(request, headers, pictures, model, options, prompt, size, quality)

    async def _form(request: Request) -> Any:
        try:
            return await request.form(max_part_size=64 * 1024 * 1024)
        except Exception as exc:  # a body that is not multipart/form-data
            raise InvalidRequest(f"Could not parse multipart form: {exc}", None) from None

    async def _images(form: Any, field: str) -> list[bytes]:
        found = [v for v in form.getlist(field) if isinstance(v, UploadFile)]
        found += [v for v in form.getlist(field + "[]") if isinstance(v, UploadFile)]
        return [await f.read() for f in found]

    async def edits(request: Request) -> Response:
        headers, _, early = gate.prelude(request, "images")
        if early is not None:
            return early
        try:
            form = await _form(request)
            prompt = form.get("prompt")
            if not isinstance(prompt, str) or not prompt.strip():
                raise InvalidRequest("Missing required parameter: 'prompt'.", "prompt")
            model = str(form.get("model") or "gpt-image-1")
            if not (_gpt(model) or model.startswith("dall-e-2")):
                raise InvalidRequest(
                    f"Invalid model {model}: edits take gpt-image-1 or dall-e-2.", "model"
                )
            raws = await _images(form, "image")
            if not raws:
                raise InvalidRequest("Missing required parameter: 'image'.", "image")
            originals = [_opened(raw, "image file") for raw in raws]
            mask_file = form.get("mask")
            mask = None
            if isinstance(mask_file, UploadFile):
                mask = _opened(await mask_file.read(), "mask file")
                if mask.size != originals[0].size:
                    raise InvalidRequest(
                        "Invalid mask: the mask and the image must have the same dimensions.",
                        "mask",
                    )
            n = _count(form.get("n"), 10, model)
            options = _options(dict(form), model)
            size = originals[0].size
        except InvalidRequest as exc:
            return error_response(400, exc.message, param=exc.param, headers=headers)
        if _refused(prompt):
            return refusal(headers)
        pictures = [edit(originals[0], mask, prompt, i) for i in range(n)]
        quality = str(form.get("quality") or "auto")
        return answer(request, headers, pictures, model, options, prompt, size, quality)

    async def variations(request: Request) -> Response:
        headers, _, early = gate.prelude(request, "images")
        if early is not None:
            return early
        try:
            form = await _form(request)
            model = str(form.get("model") or "dall-e-2")
            if not model.startswith("dall-e-2"):
                raise InvalidRequest(f"Invalid model {model}: variations take dall-e-2.", "model")
            raws = await _images(form, "image")
            if not raws:
                raise InvalidRequest("Missing required parameter: 'image'.", "image")
            original = _opened(raws[0], "image file")
            if original.width != original.height:
                raise InvalidRequest("Invalid input image - the image must be square.", "image")
            size = _size(form.get("size"), DALL_E_2_SIZES, model)
            n = _count(form.get("n"), 10, model)
            options = _options(dict(form), model)
        except InvalidRequest as exc:
            return error_response(400, exc.message, param=exc.param, headers=headers)
        base = original.resize(size)
        pictures = [vary(base, i) for i in range(n)]
        return answer(request, headers, pictures, model, options, "", size, "standard")

    async def sim_image(request: Request) -> Response:
        # Not a request to the API: said only so tests see that no key came with it.
        sim.last_had_key = bool(request.headers.get("authorization"))
        name = request.path_params["name"]
        found = hosted.get(name)
        if found is None or found[2] < time.time():
            hosted.pop(name, None)
            return Response(
                "<Error><Code>AuthenticationFailed</Code><Message>Signature not valid in the "
                "specified time frame</Message></Error>",
                status_code=403,
                media_type="application/xml",
            )
        return Response(found[0], media_type=found[1])

    return [
        Route("/v1/images/generations", generations, methods=["POST"]),
        Route("/v1/images/edits", edits, methods=["POST"]),
        Route("/v1/images/variations", variations, methods=["POST"]),
        Route("/sim-images/{name}", sim_image, methods=["GET"], name="sim_image"),
    ]
