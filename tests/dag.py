"""The jobs Snakemake would run, read from its DAG through the Snakemake API (not from the
text of a dry run). Run as a module, in a process of its own, so that the workflow under
test imports its own copy of the package:

    python -m tests.dag SNAKEFILE WORKDIR CONFIGFILE   # prints JSON
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from snakemake.api import SnakemakeApi
from snakemake.settings.types import (
    ConfigSettings,
    DAGSettings,
    OutputSettings,
    ResourceSettings,
    StorageSettings,
)


def needrun(snakefile: Path, workdir: Path, configfile: Path) -> dict[str, object]:
    """Jobs per rule that a run would execute now, and the run ids of the jobs of one run
    (wildcards study and run: training, features, inference), sorted."""
    with SnakemakeApi(OutputSettings()) as api:
        workflow_api = api.workflow(
            resource_settings=ResourceSettings(cores=2), storage_settings=StorageSettings(),
            config_settings=ConfigSettings(configfiles=[configfile]),
            snakefile=snakefile, workdir=workdir)
        dag_api = workflow_api.dag(DAGSettings())
        workflow = dag_api.workflow_api._workflow
        workflow.dag_settings = dag_api.dag_settings
        workflow._prepare_dag(forceall=False, ignore_incomplete=True, lock_warn_only=True)
        workflow._build_dag()
        jobs = list(workflow.dag.needrun_jobs())
    runs = [job.wildcards["run"] for job in jobs
            if list(job.wildcards.keys())[:2] == ["study", "run"]]
    return {"counts": dict(Counter(job.rule.name for job in jobs)), "runs": sorted(runs)}


if __name__ == "__main__":
    snakefile, workdir, configfile = map(Path, sys.argv[1:4])
    print(json.dumps(needrun(snakefile.resolve(), workdir.resolve(), configfile.resolve())))
