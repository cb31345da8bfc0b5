"""Conda environments: every rule names one, each parses, pins what requirements.txt pins,
provides every library its rule's script imports, and `snakemake --sdm conda` resolves them.

Conda channels are not reachable here, so the dry run uses a stand-in `conda` on PATH that
answers only the three questions Snakemake asks before creating environments.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

from tests.rules import workflow_rules
from tests.source import module_level_imports
from tests.workflow_runs import KNOWN_LABEL_ERRORS

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "workflow"


def env_pins(path: Path) -> dict[str, str]:
    """Package -> version of an env file's pip section (the only pins it has)."""
    spec = yaml.safe_load(path.read_text())
    pip = next(d["pip"] for d in spec["dependencies"] if isinstance(d, dict) and "pip" in d)
    return {Requirement(line).name.lower(): str(Requirement(line).specifier) for line in pip}


def requirement_pins() -> dict[str, str]:
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    reqs = [Requirement(line) for line in lines if line.strip() and not line.startswith("#")]
    return {r.name.lower(): str(r.specifier) for r in reqs}


RULE_ENVS = {name: rule.conda for name, rule in workflow_rules().items()
             if rule.script}  # rules that run code (not `all`)


def env_path(rule: str) -> Path:
    return RULE_ENVS[rule]


def imported_modules(script: Path) -> set[str]:
    """Top-level modules a script imports, following imports of the `ddd` package."""
    seen: set[Path] = set()
    modules: set[str] = set()
    todo = [script]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for node in module_level_imports(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            else:
                continue
            for name in names:
                if name.split(".")[0] != "ddd":
                    modules.add(name.split(".")[0])
                    continue
                target = PACKAGE.joinpath(*name.split("."))
                todo += [p for p in (target / "__init__.py", target.with_suffix(".py"))
                         if p.exists()]
    return modules - set(sys.stdlib_module_names) - {"ddd", "__future__"}


def closure(names: set[str]) -> set[str]:
    """Distributions installed with `names`: their non-optional requirements, recursively."""
    done: set[str] = set()
    todo = [n.lower() for n in names]
    while todo:
        name = todo.pop()
        if name in done:
            continue
        done.add(name)
        for line in importlib.metadata.requires(name) or []:
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name.lower())
    return done


def test_every_rule_that_runs_code_names_an_existing_env_file():
    assert len(RULE_ENVS) >= 20
    missing = {rule: env for rule, env in RULE_ENVS.items() if env is None or not env.is_file()}
    assert not missing, f"rules without an existing conda env file: {missing}"
    assert {env_path(rule).name for rule in RULE_ENVS} == {"train.yaml", "analysis.yaml"}


@pytest.mark.parametrize("env", sorted((ROOT / "envs").glob("*.yaml")), ids=lambda p: p.name)
def test_env_parses_and_pins_the_versions_of_requirements_txt(env):
    spec = yaml.safe_load(env.read_text())
    assert set(spec) == {"channels", "dependencies"}
    assert "python=3.11" in spec["dependencies"]
    pins = env_pins(env)
    required = requirement_pins()
    assert pins and all(version.startswith("==") for version in pins.values())
    assert {name: required.get(name) for name in pins} == pins


@pytest.mark.parametrize("rule", sorted(RULE_ENVS))
def test_env_provides_every_library_the_rules_script_imports(rule):
    script = workflow_rules()[rule].script
    providers = importlib.metadata.packages_distributions()
    needed = {module: providers.get(module, [module])[0].lower()
              for module in imported_modules(script)}
    installed = closure(set(env_pins(env_path(rule))))
    missing = {module: dist for module, dist in needed.items() if dist not in installed}
    assert not missing, f"{RULE_ENVS[rule]} lacks what rule {rule} imports: {missing}"


STAND_IN_CONDA = """#!/bin/sh
# Answers Snakemake's checks; creating an environment fails (no channels here).
case "$*" in
  "--version") echo "conda 24.11.3" ;;
  "info --json") echo '{"conda_prefix": "PREFIX", "platform": "linux-64"}' ;;
  "config --get channel_priority --json") echo '{"get": {"channel_priority": "strict"}}' ;;
  *) echo "stand-in conda cannot run: $*" >&2; exit 1 ;;
esac
"""


@pytest.mark.workflow
@pytest.mark.parametrize("flag", [["--sdm", "conda"], ["--use-conda"]], ids=" ".join)
def test_dry_run_with_conda_resolves_every_env(tmp_path, flag):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    conda = bin_dir / "conda"
    conda.write_text(STAND_IN_CONDA.replace("PREFIX", str(tmp_path / "prefix")))
    conda.chmod(0o755)
    (tmp_path / "known_label_errors.txt").write_text("\n".join(map(str, KNOWN_LABEL_ERRORS)))
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path),
           "PYTHONPATH": str(PACKAGE)}
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile"),
           "--directory", str(tmp_path), "--configfile", str(ROOT / "tests/tiny_config.yaml"),
           "--cores", "1", "--dry-run", *flag]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 0, out.stdout + out.stderr
    created = re.findall(r"Conda environment (\S+) will be created", out.stdout + out.stderr)
    assert sorted(Path(p).resolve().name for p in created) == ["analysis.yaml", "train.yaml"]
