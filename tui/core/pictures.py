"""Images made ready for the terminal: read (in a thread, by the caller), shrunk to the
cells they will fill, and their thumbnails kept beside them so a gallery of a hundred
generations opens without decoding a hundred full-size files.

A cell shows two pixels, one above the other (the upper half block `▀` in the top pixel's
colour on the bottom pixel's), so a box of C columns and R rows holds C x 2R pixels, and
those pixels are square on a usual terminal font (a cell is about twice as tall as wide).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

THUMB = "thumb.png"
"""The thumbnail kept beside each generation's first image."""
THUMB_SIZE = 256
"""Pixels on the thumbnail's longer side: a full 80x24 preview needs 156 x 44."""
BACKDROP = (24, 24, 24)
"""What shows through a transparent image."""


def fit(width: int, height: int, columns: int, rows: int) -> tuple[int, int]:
    """The (columns, pixel rows) an image of width x height takes in a box of columns x
    rows cells, its proportions kept (pixel rows are twice the cell rows it fills)."""
    if width <= 0 or height <= 0 or columns <= 0 or rows <= 0:
        return 0, 0
    scale = min(columns / width, 2 * rows / height)
    return max(1, round(width * scale)), max(2, round(height * scale) // 2 * 2)


def opened(path: Path) -> Any:
    """The image at `path`, decoded (OSError or ValueError when it cannot be read)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            image.load()
            return image.copy() if image.mode in ("RGB", "RGBA") else image.convert("RGBA")
    except (UnidentifiedImageError, SyntaxError) as error:
        raise ValueError(f"{path.name} is not an image: {error}") from None


def shrunk(image: Any, columns: int, rows: int) -> Any:
    """`image` as RGB pixels for a box of columns x rows cells (transparency laid over
    BACKDROP)."""
    from PIL import Image

    width, height = fit(image.width, image.height, columns, rows)
    if width == 0:
        return Image.new("RGB", (1, 2), BACKDROP)
    factor = min(image.width // max(1, width), image.height // max(1, height))
    if factor >= 2:
        image = image.reduce(factor)  # a fast box filter first, for a large original
    small = image.resize((width, height), Image.Resampling.BILINEAR)
    if small.mode == "RGBA":
        ground = Image.new("RGB", small.size, BACKDROP)
        ground.paste(small, mask=small.getchannel("A"))
        return ground
    return small.convert("RGB")


def thumbnail(image_path: Path) -> Path:
    """The thumbnail of an image (made and kept beside it the first time; the image itself
    when the folder cannot be written)."""
    thumb = image_path.with_name(THUMB)
    try:
        if thumb.stat().st_mtime >= image_path.stat().st_mtime:
            return thumb
    except OSError:
        pass
    try:
        make_thumbnail(opened(image_path), thumb)
    except (OSError, ValueError):
        return image_path
    return thumb


def make_thumbnail(image: Any, thumb: Path) -> None:
    """Write `image`'s thumbnail to `thumb` (through a temporary file)."""
    import os

    small = image.copy()
    small.thumbnail((THUMB_SIZE, THUMB_SIZE))
    temporary = thumb.with_name(f".{thumb.name}.{os.getpid()}.part")
    try:
        small.save(temporary, "PNG")
        os.replace(temporary, thumb)
    except OSError:
        temporary.unlink(missing_ok=True)
        raise
