"""Attachments: text inlined with its name, images as image parts, clear refusals."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from tui.app import LoomApp
from tui.areas.chat.core.attachments import TEXT_LIMIT, AttachmentError, load_attachment
from tui.areas.chat.widgets.messages import UserMessage
from tui.screens.dialogs import AskText
from tui.sim.server import SimServer

from .conftest import chat, say, settings_for, until

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
)


def test_files_that_cannot_be_attached_say_why(tmp_path: Path) -> None:
    with pytest.raises(AttachmentError, match="does not exist"):
        load_attachment(str(tmp_path / "nope.txt"))
    with pytest.raises(AttachmentError, match="is a folder"):
        load_attachment(str(tmp_path))
    binary = tmp_path / "blob.bin"
    binary.write_bytes(b"\x00\xff\xfe" * 10)
    with pytest.raises(AttachmentError, match="neither UTF-8 text nor a PNG"):
        load_attachment(str(binary))
    big = tmp_path / "big.log"
    big.write_text("x" * (TEXT_LIMIT + 1))
    with pytest.raises(AttachmentError, match="at most 256 KB"):
        load_attachment(str(big))


async def test_text_is_inlined_and_images_go_as_parts(sim: SimServer, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("warp runs lengthwise\n")
    image = tmp_path / "dot.png"
    image.write_bytes(PNG)
    app = LoomApp(settings_for(sim))
    async with app.run_test(size=(100, 30)) as pilot:
        for path in (notes, image):
            await pilot.press("ctrl+t")
            assert isinstance(app.screen, AskText)
            await pilot.press(*str(path), "enter")
            await pilot.pause()
        screen = chat(app)
        assert [a.name for a in screen.attachments] == ["notes.txt", "dot.png"]
        await say(pilot, app, "what do these show?")
        sent = sim.state.last_chat_body["messages"][-1]["content"]
        assert (
            sent[0]["type"] == "text"
            and "📎 notes.txt\n```\nwarp runs lengthwise\n```" in (sent[0]["text"])
        )
        assert sent[1] == {
            "type": "image_url",
            "image_url": {"url": "data:image/png;base64," + base64.b64encode(PNG).decode()},
        }
        shown = screen.query_one(UserMessage).content
        assert "warp runs lengthwise" in shown and "📎 dot.png (image, 1 KB)" in shown
        assert screen.attachments == []
        # The image goes again with the next turn, and after a restart (it is stored).
        await say(pilot, app, "and its colour?")
        first = sim.state.last_chat_body["messages"][0]["content"]
        assert first[1]["image_url"]["url"].startswith("data:image/png;base64,")
        assert sim.state.last_chat_body["messages"][-1]["content"] == "and its colour?"
    again = LoomApp(settings_for(sim))
    async with again.run_test(size=(100, 30)) as pilot:
        await until(lambda: chat(again).query(UserMessage), "the conversation reopened")
        await say(pilot, again, "one more")
        first = sim.state.last_chat_body["messages"][0]["content"]
        assert first[1]["type"] == "image_url"
