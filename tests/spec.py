"""The official OpenAPI spec, loaded once, and a JSON Schema validator for its components."""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import pytest

from .conftest import spec_path

SKIP_REASON = (
    "the official OpenAPI spec is not here: put it at ../shared/openapi/openapi.yaml "
    "or set LOOM_OPENAPI_SPEC"
)


@functools.cache
def load_spec() -> dict[str, Any]:
    """The parsed spec (skips the test when the file is absent)."""
    path = spec_path()
    if path is None:
        pytest.skip(SKIP_REASON)
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with Path(path).open(encoding="utf-8") as handle:
        return dict(yaml.load(handle, Loader=loader))


def _nullable_to_json_schema(node: Any) -> Any:
    """Rewrite OpenAPI 3.0 `nullable: true` (which the spec still uses) as JSON Schema."""
    if isinstance(node, list):
        return [_nullable_to_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _nullable_to_json_schema(v) for k, v in node.items()}
    if out.pop("nullable", False) is True:
        return {"anyOf": [out, {"type": "null"}]}
    return out


@functools.cache
def component_validator(name: str) -> Any:
    """A Draft 2020-12 validator for `#/components/schemas/<name>`."""
    import jsonschema

    components = _nullable_to_json_schema(copy.deepcopy(load_spec()["components"]))
    schema = {"$ref": f"#/components/schemas/{name}", "components": components}
    return jsonschema.Draft202012Validator(schema)
