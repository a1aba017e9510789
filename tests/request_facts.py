"""What the batch check knows of each endpoint's request body, taken from the official
spec: its required fields, and for each top-level field the JSON types (and the words, for a
field with a fixed list) it may take. `tui/areas/batches/core/requests.json` is this
module's output; a test keeps the two equal:

    .venv/bin/python -m tests.request_facts > tui/areas/batches/core/requests.json
"""

from __future__ import annotations

import json
from typing import Any

OPERATIONS = {
    "/v1/chat/completions": ("/chat/completions", "post"),
    "/v1/completions": ("/completions", "post"),
    "/v1/embeddings": ("/embeddings", "post"),
    "/v1/moderations": ("/moderations", "post"),
    "/v1/responses": ("/responses", "post"),
    "/v1/images/generations": ("/images/generations", "post"),
}
"""The batch endpoints whose bodies are JSON (image edits and videos are multipart)."""


def _resolve(spec: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        node = spec["components"]["schemas"][name]
    return node


def _merged(spec: dict[str, Any], node: Any) -> tuple[dict[str, Any], list[str]]:
    """(properties, required) of an object schema, allOf parts merged."""
    node = _resolve(spec, node)
    properties: dict[str, Any] = {}
    required: list[str] = []
    for part in node.get("allOf", []):
        inner_props, inner_required = _merged(spec, part)
        properties.update(inner_props)
        required += inner_required
    properties.update(node.get("properties", {}))
    required += node.get("required", [])
    return properties, required


def _types(spec: dict[str, Any], node: Any, depth: int = 0) -> tuple[set[str], set[str] | None]:
    """(JSON types, words) a schema allows; words None when any string goes."""
    node = _resolve(spec, node)
    if not isinstance(node, dict) or depth > 8:
        return set(), None
    kinds: set[str] = set()
    words: set[str] | None = set()
    branches = node.get("anyOf") or node.get("oneOf")
    if branches:
        for branch in branches:
            inner, inner_words = _types(spec, branch, depth + 1)
            kinds |= inner
            if "string" in inner:
                words = None if inner_words is None or words is None else words | inner_words
        return kinds, words if "string" in kinds else None
    if "allOf" in node:
        return {"object"}, None
    kind = node.get("type")
    if isinstance(kind, list):
        kinds = set(kind)
    elif isinstance(kind, str):
        kinds = {kind}
    elif "properties" in node:
        kinds = {"object"}
    if node.get("nullable"):
        kinds.add("null")
    enum = node.get("enum")
    if "string" in kinds and isinstance(enum, list) and all(isinstance(e, str) for e in enum):
        return kinds, set(enum)
    return kinds, None


def facts(spec: dict[str, Any]) -> dict[str, Any]:
    """For each batch endpoint: `required` and `fields` {name: {"types": […], "words": […]}}."""
    out: dict[str, Any] = {}
    for endpoint, (path, method) in OPERATIONS.items():
        operation = spec["paths"][path][method]
        body = operation["requestBody"]["content"]["application/json"]["schema"]
        properties, required = _merged(spec, body)
        fields: dict[str, Any] = {}
        for name, schema in sorted(properties.items()):
            kinds, words = _types(spec, schema)
            entry: dict[str, Any] = {"types": sorted(kinds)}
            if words:
                entry["words"] = sorted(words)
            fields[name] = entry
        out[endpoint] = {"required": sorted(set(required)), "fields": fields}
    return out


if __name__ == "__main__":
    from tests.spec import load_spec

    print(json.dumps(facts(load_spec()), indent=1, sort_keys=True))
