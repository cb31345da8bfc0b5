"""Running the workflow from tests: the tiny config, Snakemake in a subprocess, and the jobs
a run would execute (from the DAG, tests/dag.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
TINY = yaml.safe_load((ROOT / "tests/tiny_config.yaml").read_text())
KNOWN_LABEL_ERRORS = [3, 50, 120]  # tiny_b's file of known label errors (image ids)


def snakemake(workdir: Path, config: dict, *args: str,
              root: Path = ROOT) -> subprocess.CompletedProcess:
    path = workdir / "config_under_test.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(root / "Snakefile"),
           "--directory", str(workdir), "--configfile", str(path), "--cores", "2", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600)


def planned(workdir: Path, config: dict, root: Path = ROOT) -> tuple[dict[str, int], list[str]]:
    """Jobs a run (of the workflow in `root`) would execute: counts per rule, and the run
    ids of the jobs of one run (training and features), from Snakemake's DAG."""
    path = workdir / "config_under_test.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    out = subprocess.run([sys.executable, "-m", "tests.dag", str(root / "Snakefile"),
                          str(workdir), str(path)], capture_output=True, text=True,
                         timeout=600, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    found = json.loads(out.stdout.strip().splitlines()[-1])
    return found["counts"], found["runs"]
