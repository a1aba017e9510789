"""`loom batches validate FILE`, `loom batches [ID]` and `loom batches watch ID` from the
shell, in a subprocess against the simulator over loopback: the lines, the spec's request
shapes, and the exit statuses scripts rely on."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tui.areas.batches.core.check import check_file
from tui.areas.batches.sim.engine import Timing
from tui.areas.batches.sim.routes import chat_lines, jsonl, make_batch, parse_create
from tui.sim.app import SimConfig
from tui.sim.files import add_file
from tui.sim.server import SimServer

from .conftest import loom
from .hostile import Hostile, hostile  # noqa: F401
from .request_facts import facts
from .spec import load_spec


@pytest.fixture(scope="module")
def batch_server() -> Iterator[SimServer]:
    timing = {"batches": Timing(validating=0.2, per_request=0.05, finalizing=0.2, cancelling=0.2)}
    with SimServer(SimConfig(seed=17, timing=timing)) as server:
        yield server


def _batch(sim: SimServer, rows: list[Any]) -> str:
    state = sim.state
    file_id = add_file(state, "in.jsonl", jsonl(rows), created_at=0, purpose="batch")
    parsed = parse_create(
        {"input_file_id": file_id, "endpoint": "/v1/chat/completions", "completion_window": "24h"},
        state,
    )
    return make_batch(state, parsed, authorization="Bearer sk-test-fake-0001").id


def test_the_shipped_request_shapes_are_the_specs() -> None:
    shipped = Path(__file__).parent.parent / "tui/areas/batches/core/requests.json"
    assert json.loads(shipped.read_text()) == facts(load_spec()), (
        "regenerate: .venv/bin/python -m tests.request_facts > tui/areas/batches/core/requests.json"
    )


def test_validate_checks_each_line_against_the_endpoints_request(tmp_path: Path) -> None:
    good = tmp_path / "good.jsonl"
    good.write_bytes(jsonl(chat_lines(30)))
    done = loom("batches", "validate", str(good))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "30 requests to /v1/chat/completions, model gpt-4o-mini" in lines[0]
    assert "no problems found" in done.stdout and "at most 1,800 out" in done.stdout
    assert lines[-1].startswith("cost at the batch price (50% off): ")
    rows: list[Any] = chat_lines(9)
    rows[1] = "{oops"
    rows[2]["custom_id"] = "ticket-0000"
    rows[3]["url"] = "/v1/embeddings"
    rows[4]["body"]["temprature"] = 0.2
    rows[5]["body"]["max_tokens"] = "60"
    rows[6]["body"]["service_tier"] = "turbo"
    rows[7]["body"]["model"] = "gpt-4o"
    del rows[8]["body"]["messages"]
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(jsonl(rows))
    refused = loom("batches", "validate", str(bad))
    assert refused.returncode == 1, refused.stderr
    out = refused.stdout
    assert "line 2: is not JSON" in out
    assert "line 3: custom_id 'ticket-0000' is used by an earlier line" in out
    assert "line 4: url '/v1/embeddings' differs from '/v1/chat/completions'" in out
    assert "line 5: body.temprature is not a parameter of /v1/chat/completions" in out
    assert "line 6: body.max_tokens should be integer or null, not string" in out
    assert "line 7: body.service_tier is 'turbo'; it takes auto, default" in out
    assert "line 8: model 'gpt-4o' differs from 'gpt-4o-mini'" in out
    assert "line 9: body.messages is required for /v1/chat/completions" in out
    assert "8 problems:" in out and "1 request to" in out
    assert "Traceback" not in refused.stderr


def test_validate_refuses_what_never_ends_and_is_the_same_check_as_the_screens(
    tmp_path: Path,
) -> None:
    for endless in ("/dev/zero", str(tmp_path)):
        refused = loom("batches", "validate", endless, timeout=20)
        assert refused.returncode == 2 and "cannot read" in refused.stderr
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n\n")
    report = check_file(empty)
    assert not report.ok and report.problems == ["the file: it holds no requests"]
    deep = tmp_path / "deep.jsonl"
    deep.write_text("[" * 50_000 + "]" * 50_000 + "\n")
    assert check_file(deep).problems == ["line 1: nests more than 200 levels deep"]
    help_text = " ".join(loom("batches", "--help").stdout.split())
    assert "2 the file cannot be read" in help_text and "exit status 0" in help_text


def test_watch_exits_0_on_completed_1_on_failed_and_4_for_an_unknown_batch(
    batch_server: SimServer, tmp_path: Path
) -> None:
    env = {
        "OPENAI_BASE_URL": batch_server.base_url,
        "OPENAI_API_KEY": "sk-test-fake-0001",
        "LOOM_DATA_DIR": str(tmp_path),
    }
    batch_id = _batch(batch_server, chat_lines(20))
    done = loom("batches", "watch", batch_id, env=env)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    statuses = [line for line in lines if line.startswith("status: ")]
    assert statuses[-1].endswith("✓ completed")  # (it may have ended before the first look)
    assert lines[-1].startswith("files: file-")
    counts = [line for line in lines if " done, " in line]
    assert counts[-1] == "20 done, 0 failed of 20" and len(counts) == len(set(counts))
    broken = chat_lines(3)
    broken[1]["custom_id"] = "ticket-0000"
    failed = loom("batches", "watch", _batch(batch_server, broken), env=env)
    assert failed.returncode == 1 and "✗ failed" in failed.stdout
    assert "line 2: The custom_id 'ticket-0000' is a duplicate" in failed.stdout
    unknown = loom("batches", "watch", "batch_nope", env=env)
    assert unknown.returncode == 4 and "404" in unknown.stderr
    listed = loom("batches", "list", env=env)
    assert listed.returncode == 0 and batch_id in listed.stdout
    shown = loom("batches", batch_id, "--json", env=env)
    assert json.loads(shown.stdout)["status"] == "completed"
    detail = loom("batches", "show", batch_id, env=env)
    assert "requests 20: 20 done, 0 failed" in detail.stdout and "completed" in detail.stdout


def test_submit_results_resubmit_and_cancel_from_the_shell(
    batch_server: SimServer, tmp_path: Path
) -> None:
    env = {
        "OPENAI_BASE_URL": batch_server.base_url,
        "OPENAI_API_KEY": "sk-test-fake-0001",
        "LOOM_DATA_DIR": str(tmp_path / "data"),
    }
    rows = chat_lines(8)
    rows[2]["body"]["temperature"] = 5  # refused by the chat route: a failed request
    rows[5]["body"]["temperature"] = 5
    rows[6]["custom_id"] = "\x1b]52;c;aGk=\x07odd"  # a custom_id is data, never a sequence
    path = tmp_path / "in.jsonl"
    path.write_bytes(jsonl(rows))
    sent = loom("batches", "submit", str(path), "--description", "from the shell", env=env)
    assert sent.returncode == 0, sent.stderr
    batch_id = sent.stdout.splitlines()[-1]
    assert batch_id.startswith("batch_") and "no problems found" in sent.stdout
    assert loom("batches", "watch", batch_id, env=env).returncode == 0
    jsonl_out = loom("batches", "results", batch_id, env=env)
    assert jsonl_out.returncode == 0, jsonl_out.stderr
    joined = [json.loads(line) for line in jsonl_out.stdout.splitlines()]
    assert len(joined) == 8 and {j["line"] for j in joined} == set(range(1, 9))
    failed = [j for j in joined if j["status_code"] != 200]
    assert sorted(j["custom_id"] for j in failed) == ["ticket-0002", "ticket-0005"]
    assert failed[0]["request"]["body"]["temperature"] == 5 and "temperature" in failed[0]["error"]
    table = tmp_path / "results.csv"
    as_csv = loom("batches", "results", batch_id, "--csv", "-o", str(table), env=env)
    assert as_csv.returncode == 0 and "8 requests written" in as_csv.stderr
    text = table.read_text()
    assert text.startswith("custom_id,line,status_code,error,model,input_tokens")
    assert "\x1b" not in text and "\x07" not in text and "\nodd,7,200," in text, [
        line for line in text.splitlines() if "\x1b" in line
    ]
    import sqlite3

    from tui.store.db import DB_NAME

    with sqlite3.connect(tmp_path / "data" / DB_NAME) as db:  # the watch or the results kept
        kept = db.execute(  # its real usage, once
            "SELECT count(*), sum(prompt_tokens) FROM ledger WHERE endpoint = ?",
            ("/chat/completions (batch)",),
        ).fetchone()
    assert kept[0] == 8 and kept[1] > 0, kept
    again = loom("batches", "resubmit", batch_id, env=env)
    assert again.returncode == 0, again.stderr
    second = again.stdout.strip()
    assert second.startswith("batch_") and second != batch_id
    made = batch_server.state.batches.batches[second]
    assert [line.custom_id for line in made.lines] == ["ticket-0002", "ticket-0005"]
    assert made.metadata == {"description": "from the shell (failed again)", "resubmits": batch_id}
    made.timing = Timing(validating=60)  # still validating: it can be cancelled
    asked = loom("batches", "cancel", second, env=env)
    assert asked.returncode == 2 and "--yes" in asked.stderr
    cancelled = loom("batches", "cancel", second, "--yes", env=env)
    assert cancelled.returncode == 0 and "cancel" in cancelled.stdout
    late = loom("batches", "cancel", batch_id, "--yes", env=env)
    assert late.returncode == 1 and "Traceback" not in late.stderr
    assert "while cancelling batch_" in late.stderr and "status 'completed'" in late.stderr


def test_a_server_without_batches_gets_one_plain_sentence(
    hostile: Hostile,  # noqa: F811
    tmp_path: Path,
) -> None:
    env = {
        "OPENAI_BASE_URL": hostile.base_url,
        "OPENAI_API_KEY": "sk-test-fake-0001",
        "LOOM_DATA_DIR": str(tmp_path),
    }
    done = loom("batches", "list", env=env)
    assert done.returncode == 1 and done.stdout == ""
    lines = done.stderr.splitlines()
    assert (
        len(lines) == 1 and "This server has no batches API (404 while listing batches)" in lines[0]
    )
    assert "Ollama" in lines[0] and "Traceback" not in done.stderr


def test_build_fills_a_template_from_a_csv_or_jsonl_table(tmp_path: Path) -> None:
    table = tmp_path / "tickets.csv"
    table.write_text(
        'id,text,lang\nT-1,"The printer jams, daily",fr\nT-2,Dark mode please,de\n\nT-3,{x},en\n',
        encoding="utf-8",
    )
    out = tmp_path / "built.jsonl"
    done = loom(
        "batches", "build", str(table),
        "--user", "Translate into {lang}: {text}",
        "--system", "You translate; keep {{braces}}.",
        "--model", "gpt-4o-mini", "--max-tokens", "50", "--id-column", "id",
        "-o", str(out),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "3 requests written" in done.stderr and "no problems found" in done.stdout
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [line["custom_id"] for line in lines] == ["T-1", "T-2", "T-3"]
    first = lines[0]["body"]
    assert first["max_tokens"] == 50 and first["model"] == "gpt-4o-mini"
    assert first["messages"] == [
        {"role": "system", "content": "You translate; keep {braces}."},
        {"role": "user", "content": "Translate into fr: The printer jams, daily"},
    ]
    assert lines[2]["body"]["messages"][1]["content"] == "Translate into en: {x}"  # data, as is
    missing = loom("batches", "build", str(table), "--user", "{ticket}", "-o", str(out))
    assert missing.returncode == 1 and "{ticket}" in missing.stderr
    assert "its columns: id, text, lang" in missing.stderr
    rows = tmp_path / "rows.jsonl"
    rows.write_text('{"q": "one"}\n{"q": "two"}\n')
    built = loom("batches", "build", str(rows), "--user", "Answer: {q}", "-o", str(out))
    assert built.returncode == 0, built.stderr
    assert [json.loads(x)["custom_id"] for x in out.read_text().splitlines()] == [
        "row-00001",
        "row-00002",
    ]
    unread = loom("batches", "build", "/dev/zero", "--user", "{q}", "-o", str(out))
    assert unread.returncode == 2 and "Traceback" not in unread.stderr


def test_build_asks_a_conversations_prompts_again_of_another_model(tmp_path: Path) -> None:
    from tui.store.conversations import open_conversations

    data = tmp_path / "data"
    store = open_conversations(data)
    talk = store.create(title="Looms of Lyon", model="gpt-4o-mini", system_prompt="Be brief.")
    first = store.add_message(talk.id, "user", "What is a Jacquard loom?")
    reply = store.add_message(talk.id, "assistant", "", parent_id=first.id, model="gpt-4o-mini")
    store.save_reply(reply.id, "A loom run by punched cards.", finish_reason="stop")
    second = store.add_message(talk.id, "user", "Who built it?", parent_id=reply.id)
    failed = store.add_message(talk.id, "assistant", "", parent_id=second.id)
    store.save_reply(failed.id, "", error={"headline": "timeout", "detail": "", "fix": ""})
    store.add_message(talk.id, "user", "When?", parent_id=failed.id)
    store.db.close()
    out = tmp_path / "again.jsonl"
    done = loom(
        "batches", "build", "--conversation", "lyon", "--model", "gpt-4o", "--temperature",
        "0.2", "-o", str(out), "--data-dir", str(data),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "3 prompts of “Looms of Lyon” asked of gpt-4o" in done.stderr
    assert "3 requests to /v1/chat/completions, model gpt-4o" in done.stdout
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [line["custom_id"] for line in lines] == ["turn-001", "turn-002", "turn-003"]
    assert all(line["body"]["model"] == "gpt-4o" for line in lines)
    assert lines[0]["body"]["temperature"] == 0.2
    assert lines[0]["body"]["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "What is a Jacquard loom?"},
    ]
    assert lines[2]["body"]["messages"] == [  # the failed reply is not asked again
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "What is a Jacquard loom?"},
        {"role": "assistant", "content": "A loom run by punched cards."},
        {"role": "user", "content": "Who built it?"},
        {"role": "user", "content": "When?"},
    ]
    none = loom(
        "batches", "build", "--conversation", "weaving", "-o", str(out), "--data-dir", str(data)
    )
    assert none.returncode == 1 and "no conversation is numbered or titled 'weaving'" in none.stderr
    assert "Traceback" not in none.stderr
