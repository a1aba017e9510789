"""A lint for the rule "outside text is never markup": widget text built from anything but
a literal goes through `plain()` (or `Text`/`Content`), or passes `markup=False`.

Textual reads `[...]` as markup in `Static`/`Label` content, option prompts, border titles
and more; one server message or title with brackets would end the app. This test reads
every module of `tui/` and names each call that builds such text from a variable, an
f-string or a concatenation without one of the safe wrappers. A line may opt out with a
`# markup-safe: reason` comment (a Rich renderable that is not text, for instance).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "tui"
WIDGET_CALLS = {"Static", "Label", "Option", "Button", "Link", "Tooltip"}
"""Constructors whose first argument Textual parses as markup when it is a str."""
TEXT_ATTRIBUTES = {"border_title", "border_subtitle", "tooltip"}
WINDOW_TITLES = {"title", "sub_title"}
"""Markup too, but only on the app or a screen (`self.title`), not on Loom's own objects."""
UI = ("app.py", "screens", "widgets")
SAFE_WRAPPERS = {"plain", "Text", "Content", "assemble", "from_rich_text"}


def _is_safe(node: ast.expr | None) -> bool:
    if node is None:
        return True
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.IfExp):
        return _is_safe(node.body) and _is_safe(node.orelse)
    if isinstance(node, ast.Call):
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        return name in SAFE_WRAPPERS
    return False


def _is_text_building(node: ast.expr) -> bool:
    """An f-string, a concatenation or a join/format: text, not some other object."""
    if isinstance(node, ast.JoinedStr | ast.BinOp):
        return True
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr in {"join", "format"}
    return False


def _window_title(target: ast.Attribute) -> bool:
    base = target.value
    on_self = isinstance(base, ast.Name) and base.id == "self"
    on_app = isinstance(base, ast.Attribute) and base.attr in {"app", "screen"}
    return target.attr in WINDOW_TITLES and (on_self or on_app)


def _markup_off(call: ast.Call) -> bool:
    return any(
        k.arg == "markup" and isinstance(k.value, ast.Constant) and k.value.value is False
        for k in call.keywords
    )


def offenders(source: str, filename: str) -> list[str]:
    """Each unsafe call or assignment in one module, as `file:line: what`."""
    tree = ast.parse(source)
    lines = source.splitlines()
    found: list[str] = []

    def flag(node: ast.AST, what: str) -> None:
        line = lines[node.lineno - 1]
        if "markup-safe:" not in line:
            found.append(f"{filename}:{node.lineno}: {what}: {line.strip()}")

    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            first = node.args[0] if node.args else None
            if name in WIDGET_CALLS and not _markup_off(node) and not _is_safe(first):
                flag(node, f"{name}() with text that is not plain()")
            elif name in {"update", "add_row"} and not _markup_off(node):
                for arg in node.args:
                    if _is_text_building(arg):
                        flag(node, f".{name}() with text built from parts")
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if (
                    isinstance(target, ast.Attribute)
                    and (target.attr in TEXT_ATTRIBUTES or _window_title(target))
                    and not _is_safe(node.value)
                ):
                    flag(node, f"{target.attr} set to text that is not plain()")
    return found


def test_widget_text_from_outside_goes_through_plain() -> None:
    found: list[str] = []
    paths = [path for part in UI for path in sorted(ROOT.joinpath(part).rglob("*.py"))]
    for path in [ROOT / "app.py", *paths]:
        found += offenders(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    assert found == [], "\n".join(found)


def test_the_lint_catches_what_it_should() -> None:
    bad = """
Static(f"Model {model}")
Static(title)
Option(model_id, id=model_id)
label.update("\\n".join(problems))
label.update(f"{title} ({count})")
prompt.border_title = f"{names} attached"
widget.tooltip = server_text
self.title = conversation.title
table.add_row(keys, f"{what}")
"""
    good = """
Static("Loom's own words")
Static(plain(f"Model {model}"))
Static(title, markup=False)
Option(plain(model_id), id=model_id)
label.update(plain("\\n".join(problems)))
prompt.border_title = plain(names) if names else ""
widget.tooltip = "a tooltip Loom wrote"
Static(table)  # markup-safe: a Rich table of Text cells
settings.update(values)
self.session.title = conversation.title
"""
    assert len(offenders(bad, "bad.py")) == 9
    assert offenders(good, "good.py") == []
