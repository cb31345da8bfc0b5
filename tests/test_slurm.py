"""The Slurm profile: what it asks for, and a run through it on a real Slurm.

The real run needs a Slurm controller with an idle node on this machine; CI starts a
one-node cluster with .ci/slurm_setup.sh. Elsewhere that test skips, saying so.
"""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from ddd import decisions
from tests.rules import workflow_rules
from tests.workflow_runs import KNOWN_LABEL_ERRORS, snakemake

ROOT = Path(__file__).resolve().parents[1]
PROFILE = yaml.safe_load((ROOT / "profiles/slurm/config.yaml").read_text())
TINY = yaml.safe_load((ROOT / "tests/tiny_config.yaml").read_text())
RULES = workflow_rules()
GPU_RULES = sorted(name for name, rule in RULES.items() if rule.gpu)


def test_profile_asks_gpus_for_gpu_rules_and_groups_every_other_rule_but_dataset():
    rules = set(RULES)
    assert PROFILE["executor"] == "slurm"
    assert {"train", "infer"} <= set(GPU_RULES)
    assert set(PROFILE["set-resources"]) <= rules
    for rule in GPU_RULES:
        resources = PROFILE["set-resources"][rule]
        assert resources["gpu"] == 1 and resources["cpus_per_gpu"] >= 1
        assert resources["runtime"] >= 60 and resources["mem_mb"] >= 8000
        assert PROFILE["set-threads"][rule] == resources["cpus_per_gpu"]
    assert not {"slurm_account", "slurm_partition", "gpu_model"} & {
        key for resources in [PROFILE["default-resources"], *PROFILE["set-resources"].values()]
        for key in resources}  # the cluster's own: left to the user
    # all: local; the dataset jobs: long single jobs of their own
    # verify: local; the explanation analyses read a GPU job's output (explain) that itself
    # reads the grouped image table, and a group may not depend on itself through another job
    assert set(PROFILE["groups"]) == rules - set(GPU_RULES) - {
        "dataset", "image_store", "all", "verify", "explanation_pairs", "explanation_figures"}
    assert set(PROFILE["groups"].values()) == {"analysis"}


@pytest.mark.workflow
def test_dry_run_through_the_profile_gives_training_its_gpu_resources(tmp_path):
    (tmp_path / "known_label_errors.txt").write_text("\n".join(map(str, KNOWN_LABEL_ERRORS)))
    out = snakemake(tmp_path, TINY, "--profile", str(ROOT / "profiles/slurm"), "--dry-run")
    assert out.returncode == 0, out.stdout + out.stderr
    text = out.stdout + out.stderr
    train = re.findall(r"rule train:.*?resources: ([^\n]+)", text, re.S)
    assert len(train) == 10
    expected = PROFILE["set-resources"]["train"]
    for line in train:
        res = dict(item.split("=", 1) for item in line.split(", "))
        assert {key: res[key] for key in expected} == {k: str(v) for k, v in expected.items()}
    assert "Group job analysis" in text


# --- a real Slurm -----------------------------------------------------------------------

def slurm_node() -> dict | None:
    """CPUs, memory (MB) and GPUs of an idle node of a Slurm that answers here, or None."""
    if not shutil.which("sinfo") or not shutil.which("sbatch"):
        return None
    try:
        out = subprocess.run(["sinfo", "-h", "-N", "-o", "%c %m %G %T"], capture_output=True,
                             text=True, timeout=20)
    except subprocess.TimeoutExpired:
        return None
    for line in out.stdout.splitlines() if out.returncode == 0 else []:
        cpus, memory, gres, state = line.split()
        if state in ("idle", "mixed"):
            return {"cpus": int(cpus), "mem_mb": int(memory), "gpus": "gpu" in gres}
    return None


NODE = slurm_node()
needs_slurm = pytest.mark.skipif(
    NODE is None, reason="no Slurm with an idle node answers on this machine (CI starts one "
                         "with .ci/slurm_setup.sh, as root)")


def accounting_enabled() -> bool:
    out = subprocess.run(["sacct", "-n", "-X", "-j", "1"], capture_output=True, text=True)
    return out.returncode == 0 and "disabled" not in out.stdout + out.stderr


def fit_to_node(profile: dict, node: dict, logdir: Path) -> dict:
    """The profile with its resource requests cut down to what one small node has."""
    fitted = copy.deepcopy(profile)
    cpus, mem_mb = node["cpus"], max(500, node["mem_mb"] // 8)
    fitted["cores"] = cpus
    fitted["default-resources"]["mem_mb"] = mem_mb
    for resources in fitted["set-resources"].values():
        resources["mem_mb"] = min(resources.get("mem_mb", mem_mb), mem_mb)
        if "cpus_per_gpu" in resources:
            resources["cpus_per_gpu"] = 1
        if not node["gpus"]:
            resources.pop("gpu", None)
    fitted["set-threads"] = dict.fromkeys(fitted["set-threads"], 1)
    fitted.update({"latency-wait": 5, "slurm-logdir": str(logdir),
                   "slurm-init-seconds-before-status-checks": 2})
    if not accounting_enabled():  # finished jobs stay visible to squeue (MinJobAge)
        fitted["slurm-status-command"] = "squeue"
    return fitted


def slurm_jobs(job_ids: list[str]) -> pd.DataFrame:
    """State and working directory of finished jobs, from Slurm's accounting or, without a
    database, its job completion log (`sacct --completion`). A job id may appear more than
    once: a restarted controller without saved state counts from 1 again."""
    mode = [] if accounting_enabled() else ["--completion"]
    out = subprocess.run(["sacct", *mode, "-n", "-P", "-X", "-j", ",".join(job_ids),
                          "-o", "JobID,State,WorkDir"], capture_output=True, text=True,
                         timeout=30, check=True)
    rows = [line.split("|") for line in out.stdout.splitlines() if line]
    return pd.DataFrame(rows, columns=["job", "state", "workdir"])


@needs_slurm
@pytest.mark.workflow
def test_tiny_study_through_slurm_equals_a_local_run(tmp_path):
    config = copy.deepcopy(TINY)
    study = config["studies"]["tiny"]
    config["studies"] = {"tiny": study}
    study["conditions"] = {name: study["conditions"][name] for name in ("base", "learning_rate")}
    study.pop("label_errors", None)  # no cleanlab features: training and core analyses only
    config["analysis"]["difficulty"] = {"shares_all_but": 0}  # two histogram runs
    runs = ["base-1", "learning_rate-1", "learning_rate-2"]
    targets = ["results/tiny/summary.txt", *(f"results/tiny/decisions/{r}.parquet" for r in runs)]
    profile = tmp_path / "profile"
    profile.mkdir()
    (profile / "config.yaml").write_text(
        yaml.safe_dump(fit_to_node(PROFILE, NODE, tmp_path / "slurm_logs")))
    on_slurm, local = tmp_path / "slurm", tmp_path / "local"
    on_slurm.mkdir()
    local.mkdir()

    out = snakemake(on_slurm, config, "--profile", str(profile), *targets)
    text = out.stdout + out.stderr
    assert out.returncode == 0, text
    submitted = re.findall(r"Job \S+ has been submitted with SLURM jobid (\d+) \(log: (\S+)\)",
                           text)
    kinds = sorted(Path(log).relative_to(tmp_path / "slurm_logs").parts[0]
                   for _, log in submitted)  # rule_<name> or group_<group>_<rules>
    # the plugin names a group's log folder after its rules, sorted, cut to a length
    grouped = ["collect_decisions", "difficulty", "ideal_observer", "image_table", "kappa",
               "summary", "vs_reference"]
    assert f"group_analysis_{'_'.join(grouped)}".startswith(kinds[0].removesuffix("..."))
    assert kinds[0].startswith("group_analysis_collect_decisions_difficulty_ideal_observer")
    assert kinds[1:] == ["rule_dataset"] + ["rule_train"] * 3
    job_ids = [job for job, _ in submitted]
    jobs = slurm_jobs(job_ids)
    ours = jobs[jobs["workdir"] == str(on_slurm)]
    assert len(job_ids) == 5 and sorted(ours["job"]) == sorted(job_ids), jobs
    assert (ours["state"] == "COMPLETED").all(), ours

    out = snakemake(local, config, *targets)
    assert out.returncode == 0, out.stdout + out.stderr
    for run in runs:
        pd.testing.assert_frame_equal(
            decisions.read(on_slurm / f"results/tiny/decisions/{run}.parquet"),
            decisions.read(local / f"results/tiny/decisions/{run}.parquet"))
    summary = "results/tiny/summary.txt"
    assert (on_slurm / summary).read_text() == (local / summary).read_text()


def running_jobs(workdir: Path) -> list[str]:
    """Ids of the Slurm jobs running with `workdir` as their working directory."""
    out = subprocess.run(["squeue", "-h", "-t", "RUNNING", "-o", "%i|%Z"], capture_output=True,
                         text=True, timeout=30, check=True)
    return [job for job, folder in (line.split("|", 1) for line in out.stdout.splitlines())
            if folder == str(workdir)]


@needs_slurm
@pytest.mark.workflow
def test_training_job_cancelled_by_slurm_is_resubmitted_and_resumes(tmp_path):
    epochs = 4
    config = copy.deepcopy(TINY)
    study = config["studies"]["tiny"]
    study["dataset"]["train_per_class"] = 200  # epochs long enough to cancel one midway
    study["recipe"].update(epochs=epochs, lr_milestones=[3])
    study["conditions"] = {"base": {"instances": 1}}
    study.pop("label_errors", None)
    study.pop("confusion", None)
    config["studies"] = {"tiny": study}
    config["analysis"]["difficulty"] = {"shares_all_but": 0}
    run, checkpoint = "results/tiny/decisions/base-1.parquet", "results/tiny/checkpoints/base-1.pt"
    profile = tmp_path / "profile"
    profile.mkdir()
    fitted = fit_to_node(PROFILE, NODE, tmp_path / "slurm_logs")
    assert fitted["retries"] >= 1  # the profile's: a job Slurm ends is submitted again
    (profile / "config.yaml").write_text(yaml.safe_dump(fitted))
    on_slurm, local = tmp_path / "slurm", tmp_path / "local"
    on_slurm.mkdir()
    local.mkdir()
    (on_slurm / "config_under_test.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile"),
           "--directory", str(on_slurm), "--configfile",
           str(on_slurm / "config_under_test.yaml"), "--profile", str(profile), run]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 400
    while not (on_slurm / checkpoint).exists():  # an epoch done: cancel the job in the next
        assert proc.poll() is None, proc.stdout.read()
        assert time.monotonic() < deadline, "no checkpoint after 400 s"
        time.sleep(0.2)
    cancelled = running_jobs(on_slurm)
    assert len(cancelled) == 1, cancelled
    subprocess.run(["scancel", cancelled[0]], check=True, timeout=30)
    text, _ = proc.communicate(timeout=600)
    assert proc.returncode == 0, text
    submitted = re.findall(r"rule (\w+):.*?has been submitted with SLURM jobid (\d+)", text,
                           re.S)
    train = [job for rule, job in submitted if rule == "train"]
    assert len(train) == 2 and train[0] == cancelled[0], text  # the job, then again
    log = (on_slurm / "logs/tiny/train/base-1.log").read_text()
    resumed = re.search(rf"resuming from {checkpoint} after epoch (\d+)", log)
    assert resumed and 1 <= int(resumed[1]) < epochs, log

    out = snakemake(local, config, run)
    assert out.returncode == 0, out.stdout + out.stderr
    pd.testing.assert_frame_equal(decisions.read(on_slurm / run), decisions.read(local / run))
