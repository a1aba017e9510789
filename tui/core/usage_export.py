"""Usage as CSV and JSON, for spreadsheets and scripts (the screen's `e`, `loom usage`)."""

from __future__ import annotations

import csv
import io
import json
import time
from pathlib import Path
from typing import TYPE_CHECKING

from tui.core.text import strip_controls

if TYPE_CHECKING:
    from tui.core.usage import Dataset


def _when(start: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start))


def to_csv(dataset: Dataset) -> str:
    """One row per bucket, group and part: bucket_start (UTC), group, part, value."""
    out = io.StringIO()
    writer = csv.writer(out)
    group = dataset.query.group or "all"
    writer.writerow(["bucket_start", group, "part", dataset.query.metric])
    for start, name, part, value in dataset.rows():
        writer.writerow([_when(start), strip_controls(name), part, round(value, 6)])
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
        "buckets": [_when(s) for s in dataset.starts],
        "parts": list(dataset.parts),
        "totals": {strip_controls(k): round(v, 6) for k, v in dataset.totals().items()},
        "values": {
            strip_controls(name): {
                part: [round(v, 6) for v in series[p]] for p, part in enumerate(dataset.parts)
            }
            for name, series in dataset.values.items()
        },
    }
    return json.dumps(body, ensure_ascii=False, indent=1)


def write_csv(dataset: Dataset, folder: Path) -> Path:
    """Write the CSV into `folder`; its path."""
    from tui.core.safe_files import slug, write_inside

    q = dataset.query
    stamp = time.strftime("%Y%m%d-%H%M%S")
    name = slug(f"usage-{q.source}-{q.metric}-{stamp}") + ".csv"
    return write_inside(folder, name, to_csv(dataset))
