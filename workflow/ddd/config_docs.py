"""config/README.md, generated from the config schema: every key's path, type, default and
description (`workflow/schemas/config.schema.yaml`, the only place they are written).

    python -m ddd.config_docs [OUTPUT]     (default: print to standard output)

A key without a `description` in the schema is an error naming it, so no key goes
undocumented; tests/test_config_docs.py holds config/README.md to what this writes.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ddd.io.atomic import atomic_path

SCHEMA = Path(__file__).resolve().parents[1] / "schemas" / "config.schema.yaml"
# Placeholders for the names users choose (a study's name, a condition's, ...).
PLACEHOLDERS = {"studies": "<study>", "conditions": "<condition>", "pretrained": "<model>",
                "references": "<reference>", "runs": "<run>"}
# Where the full recipe's keys are listed: a study's base recipe (conditions' `changes` and
# a confusion experiment's `recipe` take the same keys).
RECIPE_AT = "studies.<study>.recipe"
RECIPE = "#/definitions/recipe"

Schema = Mapping[str, Any]


@dataclass(frozen=True)
class Key:
    """One documented config key."""

    path: str
    type: str
    default: str
    description: str
    when: str = ""  # the condition under which the key applies (`kind: gaussian`)


def _lookup(root: Schema, ref: str) -> Schema:
    node: Any = root
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def resolve(root: Schema, node: Schema) -> dict[str, Any]:
    """`node` with its `$ref` (and a one-item `allOf` of one) merged in; the node's own
    entries (description, default) win over the referenced definition's."""
    merged: dict[str, Any] = {}
    if "$ref" in node:
        merged.update(resolve(root, _lookup(root, node["$ref"])))
    all_of = node.get("allOf", [])
    if len(all_of) == 1 and "$ref" in all_of[0] and "if" not in all_of[0]:
        merged.update(resolve(root, all_of[0]))
    merged.update({k: v for k, v in node.items()
                   if k != "$ref" and not (k == "allOf" and len(all_of) == 1)})
    return merged


def _bounds(node: Schema) -> str:
    marks = {"minimum": ">=", "exclusiveMinimum": ">", "maximum": "<=",
             "exclusiveMaximum": "<"}
    return ", ".join(f"{sign} {node[k]}" for k, sign in marks.items() if k in node)


def type_of(root: Schema, node: Schema) -> str:
    """A short human-readable type: `integer >= 1`, `list of string`, `one of: a, b`."""
    node = resolve(root, node)
    if "const" in node:
        return f"`{node['const']}`"
    if "enum" in node:
        return "one of: " + ", ".join(f"`{v}`" for v in node["enum"])
    variants = node.get("oneOf") or node.get("anyOf")
    if variants and "type" not in node:
        return " or ".join(t for t in (type_of(root, v) for v in variants) if t)
    kinds = node.get("type", "object" if "properties" in node else "")
    names = []
    for kind in [kinds] if isinstance(kinds, str) else kinds:
        if kind == "array":
            items = type_of(root, node["items"]) if "items" in node else ""
            names.append(f"list of {items}" if items else "list")
        elif kind == "object":
            names.append("mapping")
        else:
            names.append(kind)
    bounds = _bounds(node)
    text = " or ".join(n for n in names if n)
    return f"{text} ({bounds})" if bounds else text


def _default(node: Schema, required: bool) -> str:
    if "default" not in node:
        return "required" if required else ""
    dumped = yaml.safe_dump(node["default"], default_flow_style=True, width=1000).strip()
    return f"`{dumped.removesuffix('...').strip()}`"


def _when(condition: Schema) -> str:
    """`kind: gaussian` from an `if: {properties: {kind: {const: gaussian}}}`."""
    parts = []
    for name, test in condition.get("properties", {}).items():
        values = [test["const"]] if "const" in test else test.get("enum", [])
        parts.append(f"{name}: {', '.join(str(v) for v in values)}")
    return "; ".join(parts)


def _children(root: Schema, node: Schema, path: str, when: str,
              skip: frozenset[str] = frozenset()) -> Iterator[Key]:
    """Keys below a resolved mapping `node` whose own path is `path`."""
    required = set(node.get("required", []))
    for name, child in node.get("properties", {}).items():
        if name not in skip:
            yield from _key(root, child, f"{path}.{name}" if path else name, when,
                            name in required)
    extra = node.get("additionalProperties")
    if isinstance(extra, Mapping):
        placeholder = PLACEHOLDERS.get(path.rsplit(".", 1)[-1], "<name>")
        extra_node = resolve(root, extra)
        if _has_keys(root, extra_node):
            yield from _key(root, extra, f"{path}.{placeholder}", when)
    for variant in node.get("oneOf", []) + node.get("anyOf", []):
        variant = resolve(root, variant)
        if variant.get("type") == "object" or "properties" in variant:
            yield from _children(root, variant, path, when)
    for branch in node.get("allOf", []):
        if "if" in branch and "then" in branch:
            then = resolve(root, branch["then"])
            tested = frozenset(branch["if"].get("properties", {}))
            yield from _children(root, then, path, _when(branch["if"]), tested)


def _has_keys(root: Schema, node: Schema) -> bool:
    """Whether a mapping has named keys of its own (directly or in a variant)."""
    if "properties" in node:
        return True
    return any(_has_keys(root, resolve(root, v)) for v in node.get("oneOf", []))


def _key(root: Schema, raw: Schema, path: str, when: str,
         required: bool = False) -> Iterator[Key]:
    node = resolve(root, raw)
    yield Key(path, type_of(root, node), _default(node, required),
              " ".join(str(node.get("description", "")).split()), when)
    if path == RECIPE_AT:
        yield from _children(root, resolve(root, _lookup(root, RECIPE)), path, when)
    else:
        yield from _children(root, node, path, when)


def keys(schema: Schema) -> list[Key]:
    """Every documented key of the schema, in the schema's order."""
    return list(_children(schema, schema, "", ""))


def _escape(text: str) -> str:
    """Table-cell text: pipes escaped, and `<...>` outside code spans kept visible."""
    parts = text.replace("|", "\\|").split("`")
    for i in range(0, len(parts), 2):
        parts[i] = parts[i].replace("<", "&lt;").replace(">", "&gt;")
    return "`".join(parts)


def _group(key: Key) -> str:
    parts = key.path.split(".")
    return ".".join(parts[:3]) if parts[0] == "studies" and len(parts) >= 3 else parts[0]


HEADER = """\
# Configuration keys

<!-- Generated by `python -m ddd.config_docs config/README.md` from
workflow/schemas/config.schema.yaml; edit the schema's descriptions, not this file. -->

Every key the workflow reads, with its type, its default and what it means, generated from
the config schema (`workflow/schemas/config.schema.yaml`), which holds the only defaults.
`<study>`, `<condition>` and the like stand for names you choose. Every mapping rejects
unknown keys, naming the key's path and the valid ones; `ddd check my_study.yaml` checks a
config without running anything. Examples: `config.yaml` (the embedded default) and the
studies in `config/`; how the config is resolved: [docs/scale.md](../docs/scale.md).
"""


def render(schema: Schema) -> str:
    """The markdown page; a ValueError names every key without a description."""
    found = keys(schema)
    missing = [k.path + (f" ({k.when})" if k.when else "") for k in found if not k.description]
    if missing:
        raise ValueError("config keys without a description in the schema "
                         f"({SCHEMA.name}); add one to each: " + ", ".join(missing))
    lines = [HEADER]
    heading = None
    for key in found:
        group = _group(key) + (f" ({key.when})" if key.when else "")
        if group != heading:
            heading = group
            lines += [f"\n## `{_group(key)}`" + (f" ({key.when})" if key.when else "") + "\n",
                      "| key | type | default | description |", "|---|---|---|---|"]
        lines.append(f"| `{key.path}` | {_escape(key.type)} | {_escape(key.default)} | "
                     f"{_escape(key.description)} |")
    return "\n".join(lines) + "\n"


def read_schema(path: str | Path = SCHEMA) -> dict[str, Any]:
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ddd.config_docs", description=__doc__
                                     .split("\n\n")[0])
    parser.add_argument("output", nargs="?", help="file to write (default: standard output)")
    parser.add_argument("--schema", default=str(SCHEMA), help="the config schema")
    args = parser.parse_args(argv)
    try:
        text = render(read_schema(args.schema))
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if args.output is None:
        sys.stdout.write(text)
    else:
        with atomic_path(args.output) as tmp:
            tmp.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
