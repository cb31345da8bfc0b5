"""Reread every stored file of results/ and check the files the targets need (ddd.verify)."""

import sys

from ddd import verify
from ddd.io.logs import to_file

smk = snakemake

with to_file(smk.log[0]) as log:
    options = " ".join(f"--configfile {path}" for path in smk.params.configfiles)
    report = verify.verify("results", smk.params.expected,
                           lambda path: verify.rebuild_command(path, options))
    verify.record(report)
    lines = [*(problem.line() for problem in report.problems), report.summary()]
    log.info("\n".join(lines))
    print("\n".join(lines))
if report.problems:
    sys.exit(1)
