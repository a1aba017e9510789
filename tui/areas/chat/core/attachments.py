"""Files attached to a message: text is inlined with its name, images go as image parts."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path

TEXT_LIMIT = 256 * 1024
"""The largest text file inlined into a prompt (bytes)."""
IMAGE_LIMIT = 20 * 1024 * 1024
"""The largest image sent (bytes), OpenAI's per-image limit."""
SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
"""The first bytes of each image format the API takes (WebP: RIFF....WEBP, see below)."""


def image_type(head: bytes) -> str | None:
    """The media type of an image from its first bytes, whatever the file is called."""
    for signature, kind in SIGNATURES:
        if head.startswith(signature):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


class AttachmentError(ValueError):
    """The file cannot be attached; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file ready to send."""

    name: str
    size: int
    text: str | None = None
    data_url: str | None = None

    @property
    def is_image(self) -> bool:
        """Sent as an image part rather than inlined text."""
        return self.data_url is not None

    def inline(self) -> str:
        """What the message itself says about the file (its text, or a note for an image)."""
        if self.text is not None:
            fence = "````" if "```" in self.text else "```"
            return f"📎 {self.name}\n{fence}\n{self.text.rstrip()}\n{fence}"
        return f"📎 {self.name} (image, {_size(self.size)})"


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)} KB"


def load_attachment(path_text: str) -> Attachment:
    """Read a file to attach; AttachmentError names the problem and the fix."""
    path = Path(path_text.strip()).expanduser()
    if not path.exists():
        raise AttachmentError(f"{path} does not exist: check the path (~ is allowed).")
    if not path.is_file():
        raise AttachmentError(f"{path} is a folder, not a file: attach files one by one.")
    try:
        size = path.stat().st_size
        with path.open("rb") as file:
            head = file.read(16)
        # What the file holds decides, not its name: a text file called .png is text.
        kind = image_type(head)
        if kind is not None:
            if size > IMAGE_LIMIT:
                raise AttachmentError(
                    f"{path.name} is {_size(size)}; images can be at most "
                    f"{_size(IMAGE_LIMIT)}. Resize or compress it first."
                )
            encoded = base64.b64encode(path.read_bytes()).decode("ascii")
            return Attachment(path.name, size, data_url=f"data:{kind};base64,{encoded}")
        if size > TEXT_LIMIT:
            raise AttachmentError(
                f"{path.name} is {_size(size)}; text files can be at most {_size(TEXT_LIMIT)} "
                "(a large file fills the model's context). Attach the part that matters."
            )
        raw = path.read_bytes()
    except OSError as error:
        raise AttachmentError(f"cannot read {path}: {error.strerror or error}.") from error
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise AttachmentError(
            f"{path.name} is neither UTF-8 text nor a PNG, JPEG, GIF or WebP image, so it "
            "cannot be sent to a chat model."
        ) from None
    return Attachment(path.name, size, text=text)
