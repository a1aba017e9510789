"""Run every benchmark and print, as the last line, one JSON object of the headline figures.

    python bench/run.py --quick    # a few minutes
    python bench/run.py            # longer: more repeats, the full 10,000-token paced run

Each measure is paired with a floor measured in the same run: a bare Textual app for
start-up, the bare API client and raw httpx reading the same stream for streaming.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import median, run_child, simulator
from client import measure as measure_client
from long_conversation import measure as measure_long
from pty_stream import measure as measure_pty
from startup import measure as measure_startup

TARGETS = {
    "startup_ratio": ("<=", 1.5),
    "startup_rss_mib": ("<=", 60),
    "stream_20k_tokens_per_s": (">=", 5000),
    "stream_scaling_50k_over_20k": ("<=", 2.7),
    "paced_200_cpu_share": ("<=", 0.25),
    "max_stall_ms": ("<=", 50),
    "rss_after_20k_mib": ("<=", 100),
    "client_us_per_chunk": ("<=", 25),
    "long_conversation_extra_first_frame_s": ("<=", 0.5),
    "long_conversation_extra_shown_s": ("<=", 0.5),
    "long_conversation_rss_mib": ("<=", 120),
    "pty_bytes_per_text_byte": ("<=", 8),
    "pty_cpu_share": ("<=", 0.15),
    "pty_idle_bytes_per_s": ("<=", 20),
    "pty_low_bandwidth_bytes_per_text_byte": ("<=", 3),
    "ft_first_poll_s": ("<=", 0.5),
    "ft_chart_redraw_ms": ("<=", 16.7),
    "ft_chart_add_point_us": ("<=", 10),
    "ft_watched_20_cpu_share": ("<=", 0.02),
    "models_5000_first_paint_ms": ("<=", 16.7),
    "models_5000_filter_key_worst_ms": ("<=", 16),
    "usage_first_chart_s": ("<=", 1.0),
    "usage_switch_grouping_ms": ("<=", 16.7),
    "ledger_1m_aggregate_s": ("<=", 0.5),
    "batch_results_first_rows_s": ("<=", 0.5),
    "batch_results_filter_key_worst_ms": ("<=", 16),
    "batch_results_rss_mib": ("<=", 150),
    "batch_check_mb_per_s": (">=", 50),
    "batch_watched_20_cpu_share": ("<=", 0.02),
    "playground_embed_100_after_reply_s": ("<=", 0.3),
    "playground_completion_logprobs_cpu_share": ("<=", 0.15),
    "images_preview_1024_ms": ("<=", 100),
    "images_gallery_100_open_s": ("<=", 0.5),
    "admin_audit_100k_first_page_s": ("<=", 0.5),
    "admin_projects_1000_filter_key_worst_ms": ("<=", 16),
}


def log(*parts: object) -> None:
    print(*parts, file=sys.stderr, flush=True)


def stream_runs(sizes: tuple[int, ...], repeats: int) -> dict[int, dict[str, Any]]:
    """UI, client and raw readers of the same N-token reply at unlimited speed, for each
    size. The sizes take turns within each repeat, so a ratio between two sizes can be
    taken within a repeat (this machine's speed drifts over minutes)."""
    runs: dict[int, dict[str, list[dict[str, Any]]]] = {
        n: {"ui": [], "client": [], "raw": []} for n in sizes
    }
    with ExitStack() as stack:
        urls = {n: stack.enter_context(simulator(reply_tokens=n)) for n in sizes}
        for _ in range(repeats):
            for n in sizes:
                for reader in ("raw", "client", "ui"):
                    runs[n][reader].append(run_child(["bench/stream.py", reader, urls[n]]))
    results = {n: _stream_result(runs[n]["ui"], runs[n]["client"], runs[n]["raw"]) for n in sizes}
    for n in sizes:
        results[n]["ui_wall_s_runs"] = [r["wall_s"] for r in runs[n]["ui"]]
        log(f"stream {n}:", json.dumps(results[n]))
    return results


def _stream_result(
    ui: list[dict[str, Any]], client: list[dict[str, Any]], raw: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "tokens": ui[0]["tokens"],
        "ui_tokens_per_s": median([r["tokens_per_s"] for r in ui]),
        "ui_wall_s": median([r["wall_s"] for r in ui]),
        "ui_cpu_share": median([r["cpu_share"] for r in ui]),
        # Each run's longest stall; the targets are medians over runs, the worst is kept too.
        "ui_max_stall_ms": median([r["max_stall_ms"] for r in ui]),
        "ui_max_stall_ms_runs": [r["max_stall_ms"] for r in ui],
        "ui_peak_rss_mib": max(r["peak_rss_mib"] for r in ui),
        "ui_rss_after_mib": median([r["rss_after_mib"] for r in ui]),
        "ui_pieces": ui[0]["segments"],
        "client_tokens_per_s": median([r["tokens_per_s"] for r in client]),
        "client_us_per_chunk": median([r["us_per_chunk"] for r in client]),
        "raw_tokens_per_s": median([r["tokens_per_s"] for r in raw]),
        "raw_us_per_chunk": median([r["us_per_chunk"] for r in raw]),
    }


def paced_run(tokens: int, rate: float, repeats: int = 3) -> dict[str, Any]:
    """A reply at a realistic speed: the share of one core the UI uses (median of
    `repeats` runs; single runs here vary by +-20%), and its stalls; and, paired in each
    repeat, the same run without Loom's ledger (what recording requests costs)."""
    uis, clients, bare = [], [], []
    with simulator(reply_tokens=tokens, tokens_per_second=rate) as url:
        for _ in range(repeats):
            uis.append(run_child(["bench/stream.py", "ui", url]))
            bare.append(run_child(["bench/stream.py", "ui", url], {"LOOM_BENCH_LEDGER": "off"}))
            clients.append(run_child(["bench/stream.py", "client", url]))
    shares = [ui["cpu_share"] for ui in uis]
    result = {
        "tokens": uis[0]["tokens"],
        "rate": rate,
        "ui_cpu_share": median(shares),
        "ui_cpu_share_runs": shares,
        "ui_max_stall_ms": median([ui["max_stall_ms"] for ui in uis]),
        "ui_max_stall_ms_runs": [ui["max_stall_ms"] for ui in uis],
        "no_ledger_cpu_share": median([b["cpu_share"] for b in bare]),
        "client_cpu_share": median(
            [c["us_per_chunk"] * c["chunks"] / 1e6 / c["wall_s"] for c in clients]
        ),
    }
    log(f"paced {tokens} at {rate}/s:", json.dumps(result))
    return result


def pty_runs(repeats: int, others: int) -> dict[str, Any]:
    """The real `loom` in a pseudo-terminal (bench/pty_stream.py): 100x30 (where the
    conversation list shows) and in low-bandwidth mode `repeats` times; the other sizes,
    the list hidden and a terminal that does not erase in colour `others` times."""
    main = measure_pty((100, 30), repeats)
    log("pty 100x30:", json.dumps(main))
    low = measure_pty((100, 30), repeats, low_bandwidth=True)
    log("pty low bandwidth:", json.dumps(low))
    figures = {
        "pty_bytes_per_text_byte": main["bytes_per_text_byte"],
        "pty_cpu_share": main["cpu_share"],
        "pty_idle_bytes_per_s": main["idle_bytes_per_s"],
        "pty_idle_cpu_share": main["idle_cpu_share"],
        "pty_first_frame_bytes": main["first_frame_bytes"],
        "pty_low_bandwidth_bytes_per_text_byte": low["bytes_per_text_byte"],
        "pty_low_bandwidth_cpu_share": low["cpu_share"],
        "pty_low_bandwidth_idle_bytes_per_s": low["idle_bytes_per_s"],
        "floor_pty_bytes_per_text_byte": main["floor_bytes_per_text_byte"],
        "floor_pty_cpu_share": main["floor_cpu_share"],
    }
    extra = {
        "80x24": dict(size=(80, 24)),
        "200x50": dict(size=(200, 50)),
        "list_hidden": dict(size=(100, 30), list_shown=False),
        "no_erase": dict(size=(100, 30), erase=False),
    }
    for name, options in extra.items():
        result = measure_pty(repeats=others, idle=False, **options)  # type: ignore[arg-type]
        log(f"pty {name}:", json.dumps(result))
        figures[f"pty_{name}_bytes_per_text_byte"] = result["bytes_per_text_byte"]
        figures[f"pty_{name}_cpu_share"] = result["cpu_share"]
        figures[f"floor_pty_{name}_bytes_per_text_byte"] = result["floor_bytes_per_text_byte"]
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repeats, shorter paced run")
    args = parser.parse_args()
    # Single runs here swing by 20-30%; every figure is a median of three runs or more.
    repeats = 3 if args.quick else 5
    startup = measure_startup(9 if args.quick else 15)
    log("startup:", json.dumps(startup))
    streams = stream_runs((1000, 5000, 20000, 50000), repeats)
    # Paired within each repeat: the two sizes ran one after the other.
    scaling = median(
        [
            long / short
            for long, short in zip(
                streams[50000]["ui_wall_s_runs"], streams[20000]["ui_wall_s_runs"], strict=True
            )
        ]
    )
    paced = paced_run(2000 if args.quick else 10000, 200)
    parse = asyncio.run(measure_client())
    log("client parse:", json.dumps(parse))
    long = measure_long(2000, 3 if args.quick else 7)
    log("long conversation:", json.dumps(long))
    pty = pty_runs(repeats, 1 if args.quick else 3)
    ft = run_child(["bench/fine_tuning.py", *(["--quick"] if args.quick else [])])
    log("fine-tuning:", json.dumps(ft))
    browser = run_child(["bench/models.py"])
    log("models:", json.dumps(browser))
    usage = run_child(["bench/usage.py", *(["--quick"] if args.quick else [])])
    log("usage:", json.dumps(usage))
    batches = run_child(["bench/batches.py", *(["--quick"] if args.quick else [])])
    log("batches:", json.dumps(batches))
    play = run_child(["bench/playground.py", *(["--quick"] if args.quick else [])])
    log("playground:", json.dumps(play))
    pictures = run_child(["bench/images.py", *(["--quick"] if args.quick else [])])
    log("images:", json.dumps(pictures))
    org = run_child(["bench/admin.py"])
    log("admin:", json.dumps(org))
    figures: dict[str, Any] = {
        "startup_ratio": startup["startup_ratio"],
        "startup_rss_mib": startup["startup_rss_mib"],
        "stream_20k_tokens_per_s": streams[20000]["ui_tokens_per_s"],
        "stream_scaling_50k_over_20k": round(scaling, 3),
        "paced_200_cpu_share": paced["ui_cpu_share"],
        "paced_200_no_ledger_cpu_share": paced["no_ledger_cpu_share"],
        "max_stall_ms": max(
            [s["ui_max_stall_ms"] for s in streams.values()] + [paced["ui_max_stall_ms"]]
        ),
        "worst_single_run_stall_ms": max(
            max(s["ui_max_stall_ms_runs"]) for s in [*streams.values(), paced]
        ),
        "rss_after_20k_mib": streams[20000]["ui_rss_after_mib"],
        "client_us_per_chunk": parse["client_us_per_chunk"],
        "long_conversation_extra_first_frame_s": long["long_extra_first_frame_s"],
        "long_conversation_extra_shown_s": long["long_extra_shown_s"],
        "long_conversation_rss_mib": long["long_rss_mib"],
        **pty,
        # Fine-tuning (bench/fine_tuning.py): a job of 50,000 events, its chart, 20 watched.
        "ft_first_poll_s": ft["first_poll_s"],
        "ft_poll_nothing_new_s": ft["poll_nothing_new_s"],
        "ft_history_50k_s": ft["history_s"],
        "ft_chart_redraw_ms": ft["chart_redraw_ms"],
        "ft_chart_add_point_us": ft["chart_add_point_us"],
        "ft_watched_20_cpu_share": ft["watched_cpu_share"],
        "floor_ft_one_get_s": ft["floor_one_get_s"],
        "floor_ft_text_redraw_ms": ft["floor_text_redraw_ms"],
        "floor_ft_watched_httpx_cpu_share": ft["floor_watched_httpx_cpu_share"],
        # The model browser (bench/models.py): 5,000 models.
        "models_5000_first_paint_ms": browser["first_paint_ms"],
        "models_5000_filter_key_ms": browser["filter_key_ms"],
        "models_5000_filter_key_worst_ms": browser["filter_key_worst_ms"],
        "floor_models_datatable_first_paint_ms": browser["floor_datatable_first_paint_ms"],
        "floor_models_datatable_filter_ms": browser["floor_datatable_filter_ms"],
        # Usage (bench/usage.py): 90 days x 1 h x 20 models; a ledger of 1,000,000 requests.
        "usage_points": usage["points"],
        "usage_first_chart_s": round(usage["first_chart_ms"] / 1000, 3),
        "usage_switch_grouping_ms": usage["switch_grouping_ms"],
        "floor_usage_chart_draw_ms": usage["floor_chart_draw_ms"],
        "ledger_1m_aggregate_s": usage["ledger_aggregate_s"],
        "floor_ledger_1m_scan_s": usage["floor_ledger_scan_s"],
        # Batches (bench/batches.py): 50,000 results, a large input checked, 20 watched.
        "batch_results_first_rows_s": batches["results_first_rows_s"],
        "batch_results_all_joined_s": batches["results_all_joined_s"],
        "batch_results_filter_key_ms": batches["results_filter_key_ms"],
        "batch_results_filter_key_worst_ms": batches["results_filter_key_worst_ms"],
        "batch_results_rss_mib": batches["results_rss_mib"],
        "batch_check_mb_per_s": batches["check_mb_per_s"],
        "batch_check_peak_rss_mib": batches["check_peak_rss_mib"],
        "batch_watched_20_cpu_share": batches["watched_cpu_share"],
        "floor_batch_httpx_first_line_s": batches["floor_results_httpx_first_line_s"],
        "floor_batch_scan_ms": batches["floor_results_scan_ms"],
        "floor_batch_rss_before_viewer_mib": batches["floor_results_rss_before_viewer_mib"],
        "floor_batch_json_mb_per_s": batches["floor_check_json_mb_per_s"],
        "floor_batch_json_peak_rss_mib": batches["floor_check_json_peak_rss_mib"],
        "floor_batch_watched_httpx_cpu_share": batches["floor_watched_httpx_cpu_share"],
        # The playground (bench/playground.py): 100 texts embedded; a completion with
        # logprobs=5 at 200 tokens/s in a pseudo-terminal.
        "playground_embed_100_after_reply_s": play["embed_100_after_reply_s"],
        "floor_playground_embed_100_request_s": play["floor_embed_100_request_s"],
        "playground_completion_logprobs_cpu_share": play["completion_logprobs_cpu_share"],
        "playground_completion_bytes_per_text_byte": play["completion_bytes_per_text_byte"],
        "floor_playground_completion_cpu_share": play["floor_completion_cpu_share"],
        # Images (bench/images.py): a 1024x1024 preview; a gallery of 100 generations.
        "images_preview_1024_ms": pictures["preview_1024_ms"],
        "images_gallery_100_open_s": pictures["gallery_100_open_s"],
        "floor_images_decode_1024_ms": pictures["floor_decode_1024_ms"],
        "floor_images_gallery_read_100_s": pictures["floor_gallery_read_100_s"],
        # The organisation console (bench/admin.py): 100,000 audit log entries; 1,000
        # projects filtered per keystroke.
        "admin_audit_100k_first_page_s": org["audit_first_page_s"],
        "admin_audit_100k_next_page_s": org["audit_next_page_s"],
        "admin_audit_100k_filtered_page_s": org["audit_filtered_page_s"],
        "floor_admin_audit_httpx_page_s": org["floor_audit_httpx_page_s"],
        "admin_projects_1000_filter_key_ms": org["projects_filter_key_ms"],
        "admin_projects_1000_filter_key_worst_ms": org["projects_filter_key_worst_ms"],
        "floor_admin_projects_scan_ms": org["floor_projects_scan_ms"],
        "floor_empty_first_frame_s": long["empty_first_frame_s"],
        "floor_short_conversation_shown_s": long["short_shown_s"],
        "floor_startup_bare_s": startup["startup_bare_s"],
        "floor_startup_bare_rss_mib": startup["startup_bare_rss_mib"],
        "floor_raw_lines_us_per_chunk": parse["raw_lines_us_per_chunk"],
        "loopback_client_us_per_chunk": streams[20000]["client_us_per_chunk"],
        "loopback_raw_httpx_us_per_chunk": streams[20000]["raw_us_per_chunk"],
        "floor_client_20k_tokens_per_s": streams[20000]["client_tokens_per_s"],
        "floor_paced_200_client_cpu_share": paced["client_cpu_share"],
        "quick": args.quick,
    }
    met = {}
    for key, (op, limit) in TARGETS.items():
        value = figures[key]
        met[key] = value <= limit if op == "<=" else value >= limit
    figures["targets_met"] = met
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
