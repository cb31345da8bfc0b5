"""The config schema (workflow/schemas/config.schema.yaml): the one place of the config's
keys, types and defaults. Checking a config fills the schema's defaults into it in place,
so every later reader sees plain, complete values.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from ddd.errors import ConfigError

PATH = Path(__file__).resolve().parents[1] / "schemas/config.schema.yaml"


def _filling_defaults(cls: type[jsonschema.protocols.Validator]
                      ) -> type[jsonschema.protocols.Validator]:
    """A validator class that sets each missing property's schema default before checking."""
    # jsonschema's validator classes have VALIDATORS; its Validator protocol does not say so
    check_properties = cls.VALIDATORS["properties"]  # type: ignore[attr-defined]

    def properties(validator, props, instance, schema) -> Iterator[Any]:
        if isinstance(instance, dict):
            for key, sub in props.items():
                if "default" in sub:
                    instance.setdefault(key, copy.deepcopy(sub["default"]))
        yield from check_properties(validator, props, instance, schema)

    return jsonschema.validators.extend(cls, {"properties": properties})


@cache
def validator(definition: str | None = None) -> jsonschema.protocols.Validator:
    """The default-filling validator of the whole config or of one of its definitions."""
    schema = yaml.safe_load(PATH.read_text())
    if definition is not None:
        schema = {"definitions": schema["definitions"], **schema["definitions"][definition]}
    return _filling_defaults(jsonschema.Draft202012Validator)(schema)


def check(instance: Any, definition: str | None, where: str) -> None:
    """Fill defaults into `instance` and validate it; the first error names its key path."""
    error = jsonschema.exceptions.best_match(validator(definition).iter_errors(instance))
    if error is not None:
        path = ".".join(str(p) for p in error.absolute_path)
        at = ".".join(part for part in (where, path) if part) or "the config"
        raise ConfigError(f"config: {at}: {error.message}")


def defaults(*path: str) -> dict[str, Any]:
    """The schema's defaults of the keys of one section (path: its keys from the top)."""
    section = yaml.safe_load(PATH.read_text())
    for key in path:
        section = section["properties"][key]
    return {key: sub["default"] for key, sub in section["properties"].items()
            if "default" in sub}


def definition_defaults(definition: str) -> dict[str, Any]:
    """The schema's defaults of the keys of one of its definitions (recipe, ...)."""
    section = yaml.safe_load(PATH.read_text())["definitions"][definition]
    return {key: sub["default"] for key, sub in section["properties"].items()
            if "default" in sub}
