"""The chat's panels and dialogs: the model picker, parameters and presets, export,
attachments and the help."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from tui.areas.chat.widgets.messages import ReplyView, UserMessage
from tui.areas.chat.widgets.prompt_input import PromptInput
from tui.areas.chat.widgets.sidebar import ChatList
from tui.widgets.plain import plain

if TYPE_CHECKING:
    pass

from tui.areas.chat.screens.base import ChatBase, export_dir


class Panels(ChatBase):
    """The chat's panels and dialogs: the model picker, parameters and presets, export,"""

    def action_pick_model(self) -> None:
        """Open the model picker."""
        from tui.screens.model_picker import ModelPicker

        async def chosen(model: str | None) -> None:
            if model:
                await self.use_model(model)

        infos = {m.id: m for m in self.services.catalogue.current.models}
        self.app.push_screen(
            ModelPicker(self.models, self.session.model, self.models_status, infos), chosen
        )

    async def chat_with(self, model: str) -> None:
        """Talk to `model` in a conversation of its own: a new one unless the one on
        screen is empty (the other stays in the list)."""
        if self.streaming:
            self.notify("A reply is still arriving: press Esc to stop it first.", timeout=4)
            return
        if self.session.turns:
            await self.action_new_chat(offer_presets=False)
        await self.use_model(model)
        self.notify(f"New conversation with {model}.", title="Model", timeout=4)

    async def use_model(self, model: str) -> None:
        """Send the next messages to `model` (and start with it next time)."""
        self._status().model = model
        await self.session.set_model(model)
        problem = self.services.remember(model=model)
        if problem:
            self.notify(problem, title="Model", severity="warning")

    async def action_moderate(self) -> None:
        """Moderate every message of this conversation, in the playground's moderation
        tool, each verdict beside its message (flagged ones marked)."""
        texts = [(turn.role, turn.content) for turn in self.session.turns if turn.content.strip()]
        if not texts:
            self.notify("Nothing to moderate yet: this conversation has no message.", timeout=3)
            return
        await self.app.deliver("playground", "moderate_messages", texts)  # type: ignore[attr-defined]

    async def action_speak(self) -> None:
        """Speak the last reply: the playground's Audio tool writes it to a file and plays
        it where the machine has a player."""
        replies = [
            t.content for t in self.session.turns if t.role == "assistant" and t.content.strip()
        ]
        if not replies:
            self.notify("Nothing to speak yet: no reply in this conversation.", timeout=3)
            return
        await self.app.deliver("playground", "speak_text", replies[-1])  # type: ignore[attr-defined]

    async def action_export(self) -> None:
        """Export the conversation on screen to a Markdown or JSON file."""
        conversation_id = self.session.conversation_id
        if conversation_id is None:
            self.notify("Nothing saved to export yet: send a message first.", timeout=3)
            return
        from tui.screens.dialogs import Choose

        folder = export_dir(self.services.settings)
        title = self.session.title

        async def chosen(index: int | None) -> None:
            if index is None:
                return
            fmt = ("md", "json")[index]
            from tui.areas.chat.core.export import file_stem, render
            from tui.core.safe_files import write_inside

            text = await self._stored(
                "exporting the conversation",
                lambda repos: render(
                    repos.conversations, repos.conversations.get(conversation_id), fmt
                ),
            )
            if text is None:
                return
            path = folder / f"{file_stem(title)}-{conversation_id}.{fmt}"
            try:
                path = await asyncio.to_thread(write_inside, folder, path.name, text)
            except OSError as error:
                self.notify(
                    f"Could not write {path}: {error.strerror or error}. "
                    "Check the folder's permissions or free space.",
                    severity="error",
                    timeout=8,
                )
                return
            self.notify(f"Exported to {path}", timeout=6)

        self.app.push_screen(
            Choose(
                f"Export “{title}”",
                ["Markdown (.md)", "JSON: the API's messages + metadata (.json)"],
                hint=f"Written to {folder}",
            ),
            chosen,
        )

    def action_params(self) -> None:
        """Edit this conversation's system prompt and parameters (and presets)."""
        from tui.screens.params import ParamsScreen

        async def saved(result: tuple[str, dict[str, Any]] | None) -> None:
            if result is None:
                return
            params = dict(result[1])
            model = str(params.pop("model", "") or "")
            if model:
                self._status().model = model
                self.services.settings.model = model
            await self.session.configure(result[0], params, model)
            self.notify("Saved: the next message uses these settings.", timeout=3)

        self.app.push_screen(
            ParamsScreen(
                self.session.system_prompt,
                self.session.params,
                self.services,
                self.session.model,
                self.models,
            ),
            saved,
        )

    def action_attach(self) -> None:
        """Attach a file to the next message."""
        from tui.screens.dialogs import AskText

        def chosen(path: str | None) -> None:
            if not path:
                return
            from tui.areas.chat.core.attachments import AttachmentError, load_attachment

            try:
                attachment = load_attachment(path)
            except AttachmentError as error:
                self.notify(str(error), title="Attach", severity="error", timeout=8)
                return
            self.attachments.append(attachment)
            self._show_attachments()
            self.notify(f"Attached {attachment.name}: it goes with your next message.", timeout=3)

        self.app.push_screen(
            AskText("Attach a file (path; Esc cancels)", placeholder="~/notes.txt or ./chart.png"),
            chosen,
        )

    def _show_attachments(self) -> None:
        names = ", ".join(a.name for a in self.attachments)
        self._prompt().border_title = plain(f"📎 {names} (Esc removes)") if names else ""
        self.refresh_bindings()

    def action_help(self) -> None:
        """Show every key of this screen."""
        from tui.screens.help import HelpScreen, describe_bindings
        from tui.screens.params import ParamsScreen

        message_bindings = list(UserMessage.BINDINGS) + [
            b for b in ReplyView.BINDINGS if b not in UserMessage.BINDINGS
        ]
        keymap: dict[str, str] = getattr(self.app, "keymap", {})
        sections = [
            (title, describe_bindings(list(bindings), keymap))
            for title, bindings in (
                ("Writing", PromptInput.BINDINGS),
                ("Chat", self.BINDINGS),
                ("On a message (ctrl+up or shift+tab, then ↑↓)", message_bindings),
                ("In the conversation list (ctrl+l)", ChatList.BINDINGS),
                ("In the parameters (f3)", ParamsScreen.BINDINGS),
                ("Everywhere", self.app.BINDINGS),
            )
        ]
        intro = (
            "Enter sends your message; the reply streams in as Markdown and the view follows "
            "it unless you scroll up (PageUp/PageDown scroll, ctrl+end follows again). "
            "Esc stops a reply and keeps what arrived. Every conversation is saved; ctrl+l "
            "lists them, ctrl+f searches them all. ctrl+p finds any action, conversation, "
            "model or profile by name. Keys can be remapped in the config's [keymap] by the "
            "ids shown in brackets."
        )
        self.app.push_screen(HelpScreen("Loom · chat", sections, intro))

    async def _offer_presets(self) -> None:
        presets = await self._stored(
            "reading the presets", lambda r: r.presets.presets(), asked=False
        )
        if not presets:
            return
        from tui.screens.dialogs import Choose

        def chosen(index: int | None) -> None:
            if index:
                preset = presets[index - 1]
                self.session.apply_preset(preset.system_prompt, preset.params)
                self._status().model = self.session.model
                self.notify(f"Preset “{preset.name}”.", timeout=3)

        labels = ["No preset"] + [p.name for p in presets]
        self.app.push_screen(Choose("Start with a preset?", labels), chosen)
