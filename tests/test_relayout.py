"""The one private part of Textual Loom uses: fails loudly when an upgrade changes it."""

from __future__ import annotations

import ast
from pathlib import Path

from tui.widgets.relayout import EXPECTED_PARAMETERS, signature_matches


def test_textual_size_updated_still_takes_what_loom_passes() -> None:
    assert signature_matches(), (
        "textual.widget.Widget._size_updated changed its parameters (Loom expects "
        f"{EXPECTED_PARAMETERS}): look at tui/widgets/relayout.py before upgrading Textual"
    )


def test_no_other_module_reaches_into_textual_privates() -> None:
    """Private Textual names (`_x`) appear in tui/widgets/relayout.py only."""
    root = Path(__file__).resolve().parents[1] / "tui"
    found = []
    for path in root.rglob("*.py"):
        if path.name == "relayout.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module
                and node.module.startswith("textual")
            ):
                private = [a.name for a in node.names if a.name.startswith("_")]
                private += [node.module] if "._" in node.module else []
                if private:
                    found.append(f"{path.name}: {private}")
            elif isinstance(node, ast.FunctionDef) and node.name in ("_size_updated",):
                found.append(f"{path.name}: overrides {node.name}")
    assert found == []
