"""Regenerate the SVG screenshots in this folder from demo mode: `python screenshots/make.py`."""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from tui.app import LoomApp
from tui.areas.chat.widgets.messages import ReplyView
from tui.areas.chat.widgets.prompt_input import PromptInput
from tui.config import Settings
from tui.sim.faults import Fault

HERE = Path(__file__).resolve().parent
# What a current terminal shows, whichever one this runs in (Rich reads these when an app
# is made); the 16-colour shot names its theme.
os.environ["TERM"] = "xterm-256color"
os.environ["COLORTERM"] = "truecolor"


def demo_app(theme: str | None = None, mode: str | None = None) -> LoomApp:
    # A fresh, empty history for every shot, and no config file: what a newcomer sees.
    settings = Settings.load(
        {"LOOM_STATE_DIR": tempfile.mkdtemp(prefix="loom-shots-state-")},
        demo=True,
        data_dir=tempfile.mkdtemp(prefix="loom-shots-"),
        config=os.devnull,
    )
    settings.sim_tokens_per_second = 0
    settings.theme = theme
    return LoomApp(settings, mode=mode)


async def settled(pilot: Any) -> None:
    """Every worker done and every reply on screen in full (at most 30 s)."""
    for _ in range(1500):
        await pilot.app.workers.wait_for_complete()
        if all(r.settled for r in pilot.app.query(ReplyView)):
            return
        await pilot.pause(0.02)
    raise SystemExit("screenshots: the app did not settle")


async def ask(pilot: Any, text: str) -> None:
    for line_no, line in enumerate(text.split("\n")):
        if line_no:
            await pilot.press("ctrl+j")
        await pilot.press(*line)
    await pilot.press("enter")
    await settled(pilot)


async def shoot(
    name: str,
    size: tuple[int, int],
    steps: Callable[[Any], Awaitable[None]],
    theme: str | None = None,
    mode: str | None = None,
) -> None:
    wanted = sys.argv[1:]  # `python screenshots/make.py playground-images`: only those
    if wanted and not any(name == w or name.startswith(w + "-") for w in wanted):
        return
    app = demo_app(theme, mode)
    async with app.run_test(size=size) as pilot:
        for prompt in app.query(PromptInput):
            prompt.cursor_blink = False
        await pilot.app.workers.wait_for_complete()
        await steps(pilot)
        await pilot.pause(0.2)
        app.save_screenshot(str(HERE / f"{name}.svg"))
    print(f"wrote {name}.svg")


async def chat(pilot: Any) -> None:
    await ask(pilot, "How do I list models with curl?\nKeep it short.")


async def chat_scrolled(pilot: Any) -> None:
    await chat(pilot)
    await pilot.press("pageup")


async def cut_stream(pilot: Any) -> None:
    await pilot.app.services.client()  # starts the demo simulator if it is not up yet
    sim = pilot.app.services.sim
    sim.state.faults.add(Fault("cut", after_chunks=25))
    await ask(pilot, "This reply will be cut off")


async def help_screen(pilot: Any) -> None:
    await pilot.press("f1")


async def model_picker(pilot: Any) -> None:
    for _ in range(500):
        if pilot.app.screen.models:
            break
        await pilot.pause(0.02)
    await pilot.press("ctrl+o")
    await pilot.pause()
    await pilot.press(*"4.1")


async def welcome(pilot: Any) -> None:
    await pilot.pause()


async def two_chats(pilot: Any) -> None:
    await ask(pilot, "How does a Jacquard loom read its cards?")
    await pilot.press("ctrl+n")
    await ask(pilot, "How do I list models with curl?")


async def conversation_list(pilot: Any) -> None:
    await two_chats(pilot)
    await pilot.press("ctrl+l")
    await pilot.pause(0.3)


async def conversation_list_wide(pilot: Any) -> None:
    await two_chats(pilot)
    await pilot.pause(0.3)


async def search(pilot: Any) -> None:
    await two_chats(pilot)
    await pilot.press("ctrl+f", *"cards")


async def message_actions(pilot: Any) -> None:
    await ask(pilot, "Show me some code")
    await pilot.press("ctrl+up", "up", "e")
    prompt = pilot.app.screen.query_one(PromptInput)
    prompt.load_text("Show me some code in Rust")
    prompt.action_submit()
    await pilot.pause()
    await settled(pilot)
    await pilot.press("ctrl+up", "up")


async def parameters(pilot: Any) -> None:
    await pilot.press("f3", *"You answer like a patient weaving teacher.")
    pilot.app.screen.query_one("#param-temperature").value = "0.4"
    pilot.app.screen.query_one("#param-max_completion_tokens").value = "800"
    pilot.app.screen.query_one("#param-top_p").value = "1.5"


async def presets(pilot: Any) -> None:
    for name, prompt in (("terse reviewer", "Review code in one line."), ("teacher", "Explain.")):
        await pilot.press("f3", *prompt, "f4", *name, "enter")
        await pilot.pause(0.2)
        await pilot.press("escape")
    await pilot.press("f3", "f5")
    await pilot.pause(0.3)


async def running_job(pilot: Any) -> None:
    """The cockpit on the job training live, its curve a few seconds further on."""
    from tui.areas.fine_tuning.screens.cockpit import FineTuningScreen

    screen = pilot.app.screen
    assert isinstance(screen, FineTuningScreen)
    for _ in range(200):
        if screen.listed_at is not None:
            break
        await pilot.pause(0.05)
    for _ in range(10):
        job = screen.jobs.get(screen.selected or "")
        if job is not None and job.status == "running":
            break
        await pilot.press("down")
        await pilot.pause(0.1)
    await pilot.pause(3)


async def job_view(tab: str) -> Callable[[Any], Awaitable[None]]:
    async def steps(pilot: Any) -> None:
        await running_job(pilot)
        await pilot.press(tab)
        await pilot.pause(1)

    return steps


async def succeeded_checkpoints(pilot: Any) -> None:
    from tui.areas.fine_tuning.screens.cockpit import FineTuningScreen

    await running_job(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, FineTuningScreen)
    for _ in range(10):
        job = screen.jobs.get(screen.selected or "")
        if job is not None and job.status == "succeeded":
            break
        await pilot.press("down")
        await pilot.pause(0.3)
    await pilot.press("3")
    await pilot.pause(1)


async def pause_asked(pilot: Any) -> None:
    await running_job(pilot)
    await pilot.press("p")
    await pilot.pause(0.5)


async def cancel_asked(pilot: Any) -> None:
    await running_job(pilot)
    await pilot.press("x")
    await pilot.pause(0.3)
    await pilot.press(*"loomis-v")
    await pilot.pause(0.3)


async def zoomed_chart(pilot: Any) -> None:
    await running_job(pilot)
    await pilot.press("z", "m")
    await pilot.pause(1)


async def create_form(pilot: Any) -> None:
    import json

    folder = Path(tempfile.mkdtemp(prefix="loom-shots-ft-"))
    path = folder / "support-chats.jsonl"
    good = {
        "messages": [
            {"role": "user", "content": "Where is my order?"},
            {"role": "assistant", "content": "Let me check: what is its number?"},
        ]
    }
    rows = [json.dumps(good)] * 40
    rows[6] = '{"messages": [{"role": "user", "content": "hi"}'
    rows[17] = json.dumps({"messages": [{"role": "user", "content": "only a question"}]})
    path.write_text("\n".join(rows) + "\n")
    await running_job(pilot)
    await pilot.press("n")
    await pilot.pause(0.5)
    await pilot.press(*str(folder / "supp"), "tab")
    await pilot.pause(1.5)


async def model_list(pilot: Any) -> None:
    from tui.areas.models.screens.browser import ModelsScreen

    screen = pilot.app.screen
    assert isinstance(screen, ModelsScreen)
    for _ in range(200):
        if screen.shown:
            break
        await pilot.pause(0.05)
    for _ in range(8):
        await pilot.press("down")
    await pilot.pause(0.3)


async def model_filtered(pilot: Any) -> None:
    await model_list(pilot)
    await pilot.press("/", *"gpt-4", "enter")
    await pilot.pause(0.3)


async def model_detail(pilot: Any) -> None:
    await model_list(pilot)
    await pilot.press("/", *"loomis-v1:", "enter")
    await pilot.pause(0.2)
    await pilot.press("enter")
    await pilot.pause(1.5)


async def usage_chart(pilot: Any) -> None:
    from tui.areas.usage.screens.usage import UsageScreen

    screen = pilot.app.screen
    assert isinstance(screen, UsageScreen)
    for _ in range(400):
        if screen.dataset is not None and screen.dataset.complete:
            break
        await pilot.pause(0.05)
    await pilot.press("left", "left", "left")
    await pilot.pause(0.3)


async def usage_costs(pilot: Any) -> None:
    await usage_chart(pilot)
    await pilot.press("m", "m", "m", "m")
    await pilot.pause(1.5)


async def usage_ledger(pilot: Any) -> None:
    await ask(pilot, "How are you?")
    await ask(pilot, "Tell me about looms")
    await pilot.press("f12")
    await pilot.pause(1.5)
    await pilot.press("o", "d")  # Loom's ledger, today
    await pilot.pause(1.5)


async def inspector(pilot: Any) -> None:
    await ask(pilot, "How do I list models with curl?")
    await pilot.press("f8")
    await pilot.pause(0.5)


async def inspector_detail(pilot: Any) -> None:
    await inspector(pilot)
    from tui.areas.requests.screens.inspector import RequestsScreen
    from tui.widgets.row_table import RowTable

    screen = pilot.app.screen
    assert isinstance(screen, RequestsScreen)
    table = screen.query_one(RowTable)
    table.cursor = next(n for n, r in enumerate(screen.records) if r.path == "/chat/completions")
    await pilot.press("enter")
    await pilot.pause(0.5)


async def batches_listed(pilot: Any) -> None:
    from tui.areas.batches.screens.batches import BatchesScreen

    screen = pilot.app.screen
    assert isinstance(screen, BatchesScreen)
    for _ in range(300):
        if screen.batches and screen.selected:
            break
        await pilot.pause(0.05)
    await pilot.pause(2.5)  # a few polls: the pace and the time left


async def batch_results(pilot: Any) -> None:
    await batches_listed(pilot)
    await pilot.press("end", "r")
    for _ in range(300):
        if getattr(pilot.app.screen, "complete", False):
            break
        await pilot.pause(0.05)
    await pilot.pause(0.3)


async def batch_result(pilot: Any) -> None:
    await batch_results(pilot)
    await pilot.press("x", "enter")
    await pilot.pause(0.5)


async def batch_new(pilot: Any) -> None:
    await batches_listed(pilot)
    folder = Path(tempfile.mkdtemp(prefix="loom-shots-batch-"))
    from tui.areas.batches.sim.routes import chat_lines, jsonl

    path = folder / "tickets.jsonl"
    path.write_bytes(jsonl(chat_lines(120)))
    await pilot.press("n", *str(path), "tab", *"weekly tickets")
    await pilot.pause(1.0)


async def batch_preview(pilot: Any) -> None:
    await batches_listed(pilot)
    folder = Path(tempfile.mkdtemp(prefix="loom-shots-table-"))
    table = folder / "tickets.csv"
    table.write_text(
        "id,text\nT-1,The printer jams every morning\nT-2,Dark mode please\nT-3,Refund order 12\n"
    )
    await pilot.press("n")
    await pilot.pause(0.5)
    form = pilot.app.screen
    form.query_one("#build-table").value = str(table)
    form.query_one("#build-user").value = "Summarise this ticket in one line: {text}"
    form.query_one("#build-system").value = "You triage support tickets."
    form.draft.params = {"temperature": 0.2, "max_completion_tokens": 60}
    await pilot.press("f4")
    await pilot.pause(1.0)
    await pilot.press("n")
    await pilot.pause(0.3)


async def _playground(pilot: Any, tool: str) -> None:
    from tui.areas.playground.screens.playground import PlaygroundScreen

    for _ in range(100):
        if isinstance(pilot.app.screen, PlaygroundScreen):
            break
        await pilot.pause(0.05)
    screen = pilot.app.screen
    screen.action_tool(tool)  # demo mode: the tool holds an example input
    await pilot.press("f2")
    for _ in range(200):
        await pilot.pause(0.05)
        if not screen.busy:
            break
    await pilot.pause(0.3)


async def playground_completion(pilot: Any) -> None:
    await _playground(pilot, "completions")
    pilot.app.screen.tool().result().focus()
    await pilot.press("right", "right", "right")
    await pilot.pause(0.2)


async def playground_embeddings(pilot: Any) -> None:
    await _playground(pilot, "embeddings")


async def playground_moderations(pilot: Any) -> None:
    await _playground(pilot, "moderations")


async def playground_images(pilot: Any) -> None:
    from tui.widgets.picture import Picture

    screen = pilot.app.screen
    await _playground(pilot, "images")  # the example prompt, made
    tool = screen.tool()
    tool.set_text("A harbour at noon with red sails")
    await pilot.press("f2")
    for _ in range(200):
        await pilot.pause(0.05)
        if len(tool.generations) == 2 and tool.query_one(Picture).pixels is not None:
            break
    await pilot.pause(0.3)


async def playground_audio(pilot: Any) -> None:
    from tui.areas.playground.core import audio

    audio.PLAYERS = ()  # a shot makes no sound
    screen = pilot.app.screen
    await _playground(pilot, "audio")  # the example spoken
    tool = screen.tool()
    tool.action_take()
    await pilot.press("f2")
    for _ in range(200):
        await pilot.pause(0.05)
        if tool.transcript is not None:
            break
    await pilot.pause(0.3)


async def organisation(pilot: Any, section: str = "1") -> None:
    from tui.areas.admin.screens.console import AdminScreen

    screen = pilot.app.screen
    assert isinstance(screen, AdminScreen)
    for _ in range(500):
        if screen.view is not None and all(p.loaded for p in screen.view.projects):
            break
        await pilot.pause(0.02)
    await pilot.press(section)
    if section == "5":
        for _ in range(500):
            if screen.entries:
                break
            await pilot.pause(0.02)
    await pilot.app.workers.wait_for_complete()


def organisation_in(section: str) -> Callable[[Any], Awaitable[None]]:
    async def steps(pilot: Any) -> None:
        await organisation(pilot, section)

    return steps


async def organisation_limit_edit(pilot: Any) -> None:
    await organisation(pilot, "4")
    screen = pilot.app.screen
    table = screen._table()
    table.cursor = next(n for n, r in enumerate(table.rows) if r.key == "r:proj_docs:rl-gpt-4o")
    await pilot.pause()
    await pilot.press("e")
    await pilot.pause(0.2)
    await pilot.press(*("backspace",) * 6, *"1000", "ctrl+s")
    await pilot.pause(0.2)


async def organisation_delete_asked(pilot: Any) -> None:
    await organisation(pilot, "3")
    await pilot.press("slash", *"stale", "escape")
    await pilot.pause()
    await pilot.press("x")
    await pilot.pause(0.2)


async def assistants_thread(pilot: Any) -> None:
    from tui.areas.assistants.screens.assistants import AssistantsScreen
    from tui.screens.form import FormDialog

    screen = pilot.app.screen
    assert isinstance(screen, AssistantsScreen)
    await pilot.app.workers.wait_for_complete()  # the assistants and threads listed
    await pilot.press("down", "n", *"What is the weather in Porto?", "enter")
    for _ in range(500):
        if isinstance(pilot.app.screen, FormDialog):
            break
        await pilot.pause(0.02)
    await pilot.press(*"18 C and sunny", "enter")
    for _ in range(500):
        if screen.run is not None and screen.run.status == "completed" and not screen.streaming:
            break
        await pilot.pause(0.02)
    await pilot.app.workers.wait_for_complete()


async def assistants_tool_asked(pilot: Any) -> None:
    from tui.screens.form import FormDialog

    await pilot.app.workers.wait_for_complete()
    await pilot.press("down", "n", *"What is the weather in Porto?", "enter")
    for _ in range(500):
        if isinstance(pilot.app.screen, FormDialog):
            break
        await pilot.pause(0.02)


async def assistants_steps(pilot: Any) -> None:
    await assistants_thread(pilot)
    await pilot.press("s")
    await pilot.pause(0.3)


async def main() -> None:
    ast = "assistants"
    await shoot("assistants-80x24", (80, 24), assistants_thread, mode=ast)
    await shoot("assistants-tool-asked-80x24", (80, 24), assistants_tool_asked, mode=ast)
    await shoot("assistants-steps-80x24", (80, 24), assistants_steps, mode=ast)
    await shoot("assistants-120x40", (120, 40), assistants_thread, mode=ast)
    org = "admin"
    await shoot("organisation-80x24", (80, 24), organisation_in("1"), mode=org)
    await shoot("organisation-members-80x24", (80, 24), organisation_in("2"), mode=org)
    await shoot("organisation-keys-80x24", (80, 24), organisation_in("3"), mode=org)
    await shoot("organisation-limits-80x24", (80, 24), organisation_in("4"), mode=org)
    await shoot("organisation-audit-80x24", (80, 24), organisation_in("5"), mode=org)
    await shoot("organisation-audit-120x40", (120, 40), organisation_in("5"), mode=org)
    await shoot("organisation-limit-edit-80x24", (80, 24), organisation_limit_edit, mode=org)
    await shoot("organisation-delete-asked-80x24", (80, 24), organisation_delete_asked, mode=org)
    await shoot(
        "organisation-16-colours-80x24", (80, 24), organisation_in("3"), theme="loom-ansi", mode=org
    )
    await shoot("batches-80x24", (80, 24), batches_listed, mode="batches")
    await shoot("batches-120x40", (120, 40), batches_listed, mode="batches")
    await shoot("batch-results-80x24", (80, 24), batch_results, mode="batches")
    await shoot("batch-result-80x24", (80, 24), batch_result, mode="batches")
    await shoot("batch-new-80x24", (80, 24), batch_new, mode="batches")
    await shoot("batch-preview-80x24", (80, 24), batch_preview, mode="batches")
    play = "playground"
    await shoot("playground-80x24", (80, 24), playground_completion, mode=play)
    await shoot("playground-embeddings-80x24", (80, 24), playground_embeddings, mode=play)
    await shoot("playground-moderations-80x24", (80, 24), playground_moderations, mode=play)
    await shoot("playground-images-80x24", (80, 24), playground_images, mode=play)
    await shoot("playground-audio-80x24", (80, 24), playground_audio, mode=play)
    await shoot("playground-120x40", (120, 40), playground_completion, mode=play)
    await shoot("usage-80x24", (80, 24), usage_chart, mode="usage")
    await shoot("usage-120x40", (120, 40), usage_chart, mode="usage")
    await shoot("usage-costs-80x24", (80, 24), usage_costs, mode="usage")
    await shoot("usage-16-colours-80x24", (80, 24), usage_chart, theme="loom-ansi", mode="usage")
    await shoot("usage-ledger-80x24", (80, 24), usage_ledger)
    await shoot("requests-80x24", (80, 24), inspector)
    await shoot("requests-120x40", (120, 40), inspector)
    await shoot("request-detail-80x24", (80, 24), inspector_detail)
    await shoot("models-80x24", (80, 24), model_list, mode="models")
    await shoot("models-filtered-80x24", (80, 24), model_filtered, mode="models")
    await shoot("models-detail-80x24", (80, 24), model_detail, mode="models")
    await shoot("models-120x40", (120, 40), model_list, mode="models")
    ft = "fine-tuning"
    await shoot("fine-tuning-80x24", (80, 24), running_job, mode=ft)
    await shoot("fine-tuning-120x40", (120, 40), running_job, mode=ft)
    await shoot("fine-tuning-events-80x24", (80, 24), await job_view("2"), mode=ft)
    await shoot("fine-tuning-details-80x24", (80, 24), await job_view("5"), mode=ft)
    await shoot("fine-tuning-checkpoints-80x24", (80, 24), succeeded_checkpoints, mode=ft)
    await shoot("fine-tuning-zoomed-80x24", (80, 24), zoomed_chart, mode=ft)
    await shoot("fine-tuning-create-80x24", (80, 24), create_form, mode=ft)
    await shoot("fine-tuning-pause-asked-80x24", (80, 24), pause_asked, mode=ft)
    await shoot("fine-tuning-cancel-asked-80x24", (80, 24), cancel_asked, mode=ft)
    await shoot("fine-tuning-16-colours-80x24", (80, 24), running_job, theme="loom-ansi", mode=ft)
    await shoot("chat-welcome-80x24", (80, 24), welcome)
    await shoot("chat-80x24", (80, 24), chat)
    await shoot("chat-scrolled-80x24", (80, 24), chat_scrolled)
    await shoot("chat-120x40", (120, 40), chat)
    await shoot("chat-stream-cut-80x24", (80, 24), cut_stream)
    await shoot("help-80x24", (80, 24), help_screen)
    await shoot("model-picker-80x24", (80, 24), model_picker)
    await shoot("conversation-list-80x24", (80, 24), conversation_list)
    await shoot("conversation-list-120x40", (120, 40), conversation_list_wide)
    await shoot("search-80x24", (80, 24), search)
    await shoot("message-actions-80x24", (80, 24), message_actions)
    await shoot("parameters-80x24", (80, 24), parameters)
    await shoot("presets-80x24", (80, 24), presets)
    await shoot("chat-16-colours-80x24", (80, 24), chat, theme="loom-ansi")
    await shoot("chat-light-80x24", (80, 24), chat, theme="loom-light")
    await shoot("chat-high-contrast-80x24", (80, 24), chat, theme="loom-high-contrast")


if __name__ == "__main__":
    asyncio.run(main())
