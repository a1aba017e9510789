"""Usage as CSV and JSON, for spreadsheets and scripts (the screen's `e`, `loom usage`)."""

from __future__ import annotations

import csv
import io
import json
import math
import time
from pathlib import Path
from typing import TYPE_CHECKING

from tui.core.text import moment, strip_controls

if TYPE_CHECKING:
    from tui.areas.usage.core.book import Dataset


def _when(start: int) -> str:
    return moment(start, "%Y-%m-%dT%H:%M:%SZ", utc=True)


def _number(value: float) -> int | float:
    """A figure as written: a whole count as an integer (`720`, not `720.0`), an amount
    to six places; what is not finite is written as 0 (JSON has no Infinity)."""
    if not math.isfinite(value):
        return 0
    if value == int(value) and abs(value) < 2**53:
        return int(value)
    return round(value, 6)


def to_csv(dataset: Dataset) -> str:
    """One row per bucket, group and part: bucket_start (UTC), group, part, value."""
    out = io.StringIO()
    writer = csv.writer(out)
    group = dataset.query.group or "all"
    writer.writerow(["bucket_start", group, "part", dataset.query.metric])
    for start, name, part, value in dataset.rows():
        writer.writerow([_when(start), strip_controls(name), part, _number(value)])
    return out.getvalue()


def to_json(dataset: Dataset) -> str:
    """The same as JSON: the query, the buckets' starts, and the values by group and part."""
    q = dataset.query
    body = {
        "source": q.source,
        "metric": q.metric,
        "group_by": q.group,
        "bucket_seconds": dataset.width,
        "complete": dataset.complete,
        "problem": dataset.problem,
        "left_out": dataset.unusable,
        "currency": dataset.currency if q.metric == "cost" else None,
        "buckets": [_when(s) for s in dataset.starts],
        "parts": list(dataset.parts),
        "totals": {strip_controls(k): _number(v) for k, v in dataset.totals().items()},
        "values": {
            strip_controls(name): {
                part: [_number(v) for v in series[p]] for p, part in enumerate(dataset.parts)
            }
            for name, series in dataset.values.items()
        },
    }
    return json.dumps(body, ensure_ascii=False, indent=1, allow_nan=False)


def write_csv(dataset: Dataset, folder: Path) -> Path:
    """Write the CSV into `folder`; its path."""
    from tui.core.safe_files import slug, write_inside

    q = dataset.query
    stamp = time.strftime("%Y%m%d-%H%M%S")
    name = slug(f"usage-{q.source}-{q.metric}-{stamp}") + ".csv"
    return write_inside(folder, name, to_csv(dataset))
