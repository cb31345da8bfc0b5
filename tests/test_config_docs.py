"""config/README.md is what ddd.config_docs writes from the schema, and it documents every
key of the schema, none it lacks, with the defaults the workflow fills in."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from ddd import config_docs, plan

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "config" / "README.md"
REGENERATE = "PYTHONPATH=workflow python -m ddd.config_docs config/README.md"


def documented() -> dict[str, str]:
    """Key path (with its `(kind: ...)` group, if any) -> default column, from the page."""
    rows, group = {}, ""
    for line in README.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            group = line
        match = re.match(r"\| `([^`]+)` \| [^|]* \| ([^|]*) \|", line)
        if match:
            rows[f"{match[1]} {group}"] = match[2].strip()
    return rows


def property_names(node: Any) -> set[str]:
    """Every key name under any `properties` of the schema, found by brute force."""
    names: set[str] = set()
    if isinstance(node, dict):
        names |= set(node.get("properties", {}))
        for value in node.values():
            names |= property_names(value)
    elif isinstance(node, list):
        for value in node:
            names |= property_names(value)
    return names


def test_config_readme_is_generated_from_the_schema() -> None:
    expected = config_docs.render(config_docs.read_schema())
    assert README.read_text(encoding="utf-8") == expected, (
        f"config/README.md is out of date with workflow/schemas/config.schema.yaml; "
        f"regenerate it: {REGENERATE}")


def test_every_schema_key_is_documented_and_no_other() -> None:
    schema_names = property_names(config_docs.read_schema())
    paths = {row.split(" ")[0] for row in documented()}
    last = {path.rsplit(".", 1)[-1] for path in paths}
    placeholders = {p for p in last if p.startswith("<")}
    assert schema_names <= last, f"undocumented: {sorted(schema_names - last)}"
    assert last - placeholders <= schema_names, f"not in the schema: {sorted(last - schema_names)}"


def test_documented_defaults_are_the_ones_the_workflow_fills_in() -> None:
    config = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    for section in ("train", "analysis", "figures", "experiment"):
        config.pop(section, None)
    plan.load(config)  # fills the schema's defaults into `config`
    checked = 0
    for row, default in documented().items():
        path = row.split(" ")[0]
        if path.split(".")[0] == "studies" or not default.startswith("`"):
            continue
        expected = yaml.safe_load(default.strip("`"))
        if isinstance(expected, dict):
            continue  # a section's `{}`: its keys are checked row by row
        value: Any = config
        for part in path.split("."):
            value = value[part]
        assert expected == value, path
        checked += 1
    assert checked >= 20  # the leaf defaults of the four sections (28 today)


def test_a_key_without_description_is_an_error_naming_it() -> None:
    schema = {"type": "object", "properties": {
        "train": {"type": "object", "description": "jobs",
                  "properties": {"threads": {"type": "integer", "default": 1}}}}}
    with pytest.raises(ValueError, match=r"train\.threads"):
        config_docs.render(schema)


def test_types_defaults_and_html_in_cells() -> None:
    schema = {"definitions": {"n": {"type": "integer", "minimum": 1,
                                    "description": "results/<study>/ | n"}},
              "properties": {"a": {"$ref": "#/definitions/n", "default": 3},
                             "b": {"enum": ["x", "y"], "description": "`<x>` or y"}},
              "required": ["b"]}
    page = config_docs.render(schema)
    assert "| `a` | integer (&gt;= 1) | `3` | results/&lt;study&gt;/ \\| n |" in page
    assert "| `b` | one of: `x`, `y` | required | `<x>` or y |" in page


def test_main_writes_the_page(tmp_path: Path) -> None:
    out = tmp_path / "README.md"
    assert config_docs.main([str(out)]) == 0
    assert out.read_text(encoding="utf-8") == README.read_text(encoding="utf-8")
