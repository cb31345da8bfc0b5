"""Rule scripts import the workflow's own package, even where another copy of `ddd` would
come first on the search path (an editable install of another checkout)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
TINY = yaml.safe_load((ROOT / "tests/tiny_config.yaml").read_text())

pytestmark = pytest.mark.workflow


def test_jobs_import_the_workflows_package_ahead_of_another_copy(tmp_path):
    other = tmp_path / "other_checkout"
    (other / "ddd").mkdir(parents=True)
    (other / "ddd/__init__.py").write_text(
        "raise ImportError('the ddd of another checkout was imported')\n")
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(TINY))
    (tmp_path / "known_label_errors.txt").write_text("3\n")  # tiny_b's label errors
    study = next(iter(TINY["studies"]))
    target = f"results/{study}/data/manifest.json"  # the dataset job imports ddd
    env = {**os.environ, "PYTHONPATH": str(other)}  # ahead of site-packages, like a .pth
    out = subprocess.run(
        [sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile"),
         "--directory", str(tmp_path), "--configfile", str(config), "--cores", "1", target],
        capture_output=True, text=True, timeout=300, env=env)
    assert out.returncode == 0, out.stdout + out.stderr
    assert (tmp_path / target).exists()
