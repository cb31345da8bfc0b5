"""The `ddd` command: error consistency and image difficulty of decisions from anywhere.

    ddd kappa FILE... [--unbiased] [--bootstrap N] [--seed S] [--level L] [--condition C]
    ddd difficulty FILE... [--tolerance T] [--condition C]
    ddd datamap TABLE... [--tolerance T] [--confidence C] [--variability V] [--images]
    ddd check CONFIG
    ddd verify [RESULTS] [--configfile CONFIG] [--expect FILE] [--format text|json]

FILE is one decision file per run, one correctness matrix, or one model-vs-human raw-data
folder (ddd.given.readers). Both commands call the functions the workflow's kappa and
difficulty rules call (ddd.analysis.tabulate: kappa_pairs, difficulty_tables), so their
numbers are the workflow's. --format table (aligned text), csv or json; `difficulty` prints
two tables, the histogram and the shares (csv: each after a `# name` line; json: one object).
`datamap` reads decision tables with p_true and margin (ddd.decisions; the workflow writes
them with train.confidence) and prints the region-by-category table and the ROC AUCs of
ddd.analysis.datamaps, the files' runs pooled and the categories from their final epochs
(--images: every run's per-image map instead).
`check` reads a workflow config as the Snakefile would (YAML errors with file and line,
which Snakemake's own message for a --configfile lacks; keys, values, runs, named files).
`verify` rereads every file the workflow stored under RESULTS (ddd.verify): one line per
damaged, foreign or missing file with the command that rebuilds it, a summary line, exit
status 1 on any problem; it records the outcome in RESULTS/verification.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ddd import decisions, plan, schema, stored, verify
from ddd.analysis import datamaps, difficulty, tabulate
from ddd.errors import DddError
from ddd.given import readers
from ddd.io import yamlfile
from ddd.io.textfile import read_text


def kappa_table(data: dict[str, readers.Decisions], resamples: int, seed: int, level: float,
                unbiased: bool) -> pd.DataFrame:
    """kappa_pairs of every subset's runs, one table."""
    return pd.concat([tabulate.kappa_pairs(d.correct, d.runs, subset, resamples, seed, level,
                                           unbiased)
                      for subset, d in data.items()], ignore_index=True)


def difficulty_table(data: dict[str, readers.Decisions], tolerance: int, shares_all_but: int
                     ) -> dict[str, pd.DataFrame]:
    """difficulty_tables of every subset's runs: {"histogram": ..., "shares": ...}, each
    with a leading subset column; `tolerance` and `shares_all_but` as the config's
    analysis.difficulty keys."""
    parts: dict[str, list[pd.DataFrame]] = {"histogram": [], "shares": []}
    for subset, d in data.items():
        wide = pd.DataFrame(d.correct.T, columns=d.runs, index=d.image_ids).assign(label=0)
        images = difficulty.image_table(wide, list(d.runs), tolerance)
        tables = tabulate.difficulty_tables(images, d.correct.mean(axis=1), shares_all_but)
        for name, frame in zip(parts, tables, strict=True):
            parts[name].append(frame.assign(subset=subset)[["subset", *frame.columns]])
    return {name: pd.concat(frames, ignore_index=True) for name, frames in parts.items()}


def datamap_tables(files: Sequence[str], tolerance: int, thresholds: datamaps.Thresholds,
                   images: bool = False) -> dict[str, pd.DataFrame]:
    """Data maps of decision tables (named by file stem, or path where stems repeat), all
    pooled, with categories from their final epochs under `tolerance`: {"regions": ...,
    "auc": ...}, or {"images": the maps}."""
    stems = [Path(f).stem for f in files]
    names = stems if len(set(stems)) == len(stems) else list(files)
    sums, final = {}, {}
    for name, path in zip(names, files, strict=True):
        frame = decisions.read(path)
        sums[name] = datamaps.moments(frame, path)
        final[name] = frame.loc[frame["epoch"] == frame["epoch"].max(), "correct"].to_numpy()
    first = next(iter(sums.values()))
    correct = pd.DataFrame({"label": first.labels, **final},
                           index=pd.Index(first.image_ids, name="image_id"))
    maps = datamaps.study_maps(sums.items(), names, thresholds)  # checks the images match
    maps = datamaps.with_categories(maps, difficulty.image_table(correct, names, tolerance))
    if images:
        return {"images": maps}
    return {"regions": datamaps.region_table(maps), "auc": datamaps.auc_table(maps, names)}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ddd", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("files", nargs="+", metavar="FILE",
                        help="decision files (Parquet/CSV, one per run), one correctness "
                             "matrix (.npy with run names in a sibling .txt, CSV, Parquet), "
                             "or one model-vs-human raw-data folder")
    common.add_argument("--format", choices=("table", "csv", "json"), default="table")
    common.add_argument("--condition", help="model-vs-human data: only this condition level "
                                            "(default: one analysis per level)")
    kappa = commands.add_parser("kappa", parents=[common],
                                help="kappa of every pair of runs, with c_obs, c_exp, "
                                     "bootstrap interval, kappa bounds and p-value")
    kappa.add_argument("--unbiased", action="store_true",
                       help="the unbiased kappa n k / (n - 1 + k) (ddd.analysis.consistency)")
    kappa.add_argument("--bootstrap", type=int, default=1000, metavar="N",
                       help="bootstrap resamples over images for the interval (0: none)")
    kappa.add_argument("--seed", type=int, default=0, help="bootstrap seed")
    kappa.add_argument("--level", type=float, default=0.95, help="interval level")
    difficulty = commands.add_parser("difficulty", parents=[common],
                                     help="histogram of correct runs per image against the "
                                          "binomial, and trivial/impossible/in-between shares")
    defaults = schema.defaults("analysis", "difficulty")
    difficulty.add_argument("--tolerance", type=int, default=defaults["tolerance"],
                            metavar="T", help="an image is trivial when all but T runs get "
                                              "it right, impossible when at most T do "
                                              "(config analysis.difficulty.tolerance)")
    difficulty.add_argument("--shares-all-but", type=int, default=defaults["shares_all_but"],
                            metavar="N", help="shares also for all but N runs right (or "
                                              "wrong) (config analysis.difficulty."
                                              "shares_all_but)")
    datamap = commands.add_parser("datamap", help="data maps (confidence, variability, "
                                                  "correctness, AUM) against the categories")
    datamap.add_argument("files", nargs="+", metavar="TABLE",
                         help="decision tables (Parquet) with p_true and margin, one per run")
    datamap.add_argument("--format", choices=("table", "csv", "json"), default="table")
    datamap.add_argument("--tolerance", type=int, default=defaults["tolerance"], metavar="T",
                         help="categories: trivial if all but T runs are right at their "
                              "final epoch, impossible if at most T are (config "
                              "analysis.difficulty.tolerance)")
    datamap.add_argument("--confidence", type=float, default=datamaps.Thresholds.confidence,
                         help="easy-to-learn from this mean p_true")
    datamap.add_argument("--variability", type=float,
                         default=datamaps.Thresholds.variability,
                         help="ambiguous from this standard deviation of p_true")
    datamap.add_argument("--images", action="store_true",
                         help="print every run's per-image map instead of the tables")
    check = commands.add_parser("check", help="check a workflow config file: YAML syntax "
                                               "(file and line), keys, values, runs")
    check.add_argument("config", metavar="CONFIG", help="a config file (YAML)")
    checks = commands.add_parser("verify", help="reread every stored file of a results "
                                                "folder against what recorded it")
    checks.add_argument("results", nargs="?", default="results", metavar="RESULTS",
                        help="the results folder (default: results)")
    checks.add_argument("--configfile", metavar="CONFIG",
                        help="the config the results were made with: its studies' stored "
                             "files that are missing are problems too, and rebuild commands "
                             "name it")
    checks.add_argument("--expect", metavar="FILE",
                        help="a text file of paths (one a line) that must exist")
    checks.add_argument("--format", choices=("text", "json"), default="text")
    return parser


def run_verify(results: str, configfile: str | None, expect: str | None) -> verify.Verification:
    """ddd.verify.verify of a results folder, with the rebuild commands run from the
    folder's parent (the workflow's working directory); ConfigError for a bad config."""
    if not os.path.isdir(results):
        raise DddError(f"{results} is not a folder: give the results folder (default: "
                         f"results, in the workflow's working directory)")
    workdir = os.path.dirname(os.path.abspath(results))
    options = [f"--configfile {os.path.abspath(configfile)}"] if configfile else []
    if os.path.abspath(workdir) != os.getcwd():
        options.append(f"--directory {workdir}")
    expected = []
    if configfile:
        expected += stored.stored_files(plan.load(yamlfile.read_config(configfile)), results)
    if expect:
        expected += [line.strip() for line in read_text(expect).splitlines() if line.strip()]
    return verify.verify(results, expected, lambda path: verify.rebuild_command(
        os.path.relpath(path, workdir), " ".join(options)))


def check_config(path: str) -> str:
    """What the Snakefile makes of a config file: its studies and runs, or ConfigError."""
    loaded = plan.load(yamlfile.read_config(path))
    plan.check_files(loaded)
    studies = loaded.studies
    return "\n".join([f"{path}: valid; studies and their runs:"]
                     + [f"  {name}: {len(study.runs)}" for name, study in studies.items()])


def _render(tables: dict[str, pd.DataFrame], fmt: str) -> str:
    if fmt == "json":
        records = {name: t.astype(object).where(t.notna(), None).to_dict("records")
                   for name, t in tables.items()}
        return json.dumps(records if len(tables) > 1 else list(records.values())[0],
                          indent=2)
    if fmt == "csv":
        if len(tables) == 1:
            return next(iter(tables.values())).to_csv(index=False).rstrip("\n")
        return "\n\n".join(f"# {name}\n" + t.to_csv(index=False).rstrip("\n")
                           for name, t in tables.items())
    return "\n\n".join((f"{name}\n" if len(tables) > 1 else "")
                       + t.to_string(index=False, float_format=lambda x: f"{x:.4g}")
                       for name, t in tables.items())


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (1 for unreadable input)."""
    args = _parser().parse_args(argv)
    if args.command == "verify":
        try:
            report = run_verify(args.results, args.configfile, args.expect)
        except (DddError, OSError, ValueError) as err:
            print(f"ddd verify: error: {err}", file=sys.stderr)
            return 2
        verify.record(report)
        if args.format == "json":
            print(json.dumps(report.as_dict(), indent=2))
        else:
            print("\n".join([*(p.line() for p in report.problems), report.summary()]))
        return 1 if report.problems else 0
    if args.command == "check":
        try:
            print(check_config(args.config))
        except (DddError, OSError) as err:  # every user error, never a traceback
            print(f"ddd check: error: {err}", file=sys.stderr)
            return 1
        return 0
    try:
        if args.command == "datamap":
            tables = datamap_tables(args.files, args.tolerance, datamaps.Thresholds(
                args.confidence, args.variability), args.images)
            print(_render(tables, args.format))
            return 0
        data = readers.read_any(args.files, args.condition)
        if args.command == "kappa":
            tables = {"kappa": kappa_table(data, args.bootstrap, args.seed, args.level,
                                           args.unbiased)}
        else:
            tables = difficulty_table(data, args.tolerance, args.shares_all_but)
    except (ValueError, FileNotFoundError) as err:
        print(f"ddd {args.command}: error: {err}", file=sys.stderr)
        return 1
    print(_render(tables, args.format))
    return 0


if __name__ == "__main__":
    sys.exit(main())
