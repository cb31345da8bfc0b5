"""`ddd verify`: every stored file of a results folder checked against what recorded it.

A plain `snakemake` rebuilds only what is older than its inputs: a file damaged, replaced
or deleted with its timestamp kept stays in results/ until something rereads it. This
module rereads everything the workflow stored, per study folder:

- the dataset file against its manifest's sha256 (a given study: the given files against
  the sha256 its identity file recorded);
- decision tables (decisions/, references/, confusion/decisions/): every page's CRC, the
  metadata's checksum, the table's contract, and the run, study and dataset named in the
  metadata against the file's name, its folder and the current dataset; a table of a newer
  schema is reported as such, never as damage;
- features: the archive's CRCs, its arrays, and its images and labels against its run's
  decision table; final models: the archive's CRCs and the sha256 their run's decision
  table recorded;
- training checkpoints left by interrupted runs: their length and sha256;
- the image store: its index against the dataset, each shard's size and each image's CRC32;
- every file of `expected` (what the workflow's targets need) that is missing.

Each problem is one line with the command that rebuilds the file; the last verification is
recorded in results/verification.json. No torch: checkpoints are checked by their header.
"""

from __future__ import annotations

import json
import mmap
import re
import time
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from ddd import decisions
from ddd.datasets.arrays import sha256
from ddd.io import sealed
from ddd.io.atomic import write_text

RECORD = "verification.json"  # the last verification, in the results folder
FEATURE_ARRAYS = ("image_ids", "labels", "logits", "rsa_image_ids", "activations", "layer")
UPGRADE = "keep it and upgrade ddd-workflow to read it"


@dataclass(frozen=True)
class Problem:
    """One stored file that is damaged, foreign or missing, and how to rebuild it."""

    path: str
    problem: str
    fix: str

    def line(self) -> str:
        return f"{self.path}: {self.problem}; {self.fix}"


@dataclass
class Verification:
    """The outcome of one verification."""

    results: str
    when: str
    seconds: float = 0.0
    checked: Counter = field(default_factory=Counter)  # files checked, by kind
    problems: list[Problem] = field(default_factory=list)
    previous: dict[str, Any] | None = None  # the verification recorded before this one

    @property
    def outcome(self) -> str:
        n = len(self.problems)
        return "no problems" if n == 0 else f"{n} problem{'s' * (n != 1)}"

    def summary(self) -> str:
        before = (f"; previous verification {self.previous['when']}: "
                  f"{self.previous['outcome']}" if self.previous else "")
        needed = self.checked["expected files"]
        stored = sum(self.checked.values()) - needed
        looked = f", {needed} needed files looked for" if needed else ""
        return (f"ddd verify {self.results}: {stored} stored files reread{looked} in "
                f"{self.seconds:.1f} s: {self.outcome}{before}")

    def as_dict(self) -> dict[str, Any]:
        return {"results": self.results, "when": self.when, "seconds": round(self.seconds, 3),
                "outcome": self.outcome, "checked": dict(self.checked),
                "problems": [asdict(p) for p in self.problems], "previous": self.previous}


class _Checker:
    """Collects problems; `command` gives the rebuild command of a path."""

    def __init__(self, report: Verification, command: Callable[[str], str]) -> None:
        self.report = report
        self.command = command
        self.final: dict[Path, tuple[np.ndarray, np.ndarray]] = {}  # a run's image ids, labels
        self.model_sha256: dict[Path, str] = {}  # the model a run's table recorded

    def add(self, path: Path, problem: str, fix: str | None = None) -> None:
        problem = re.sub(rf"^{re.escape(str(path))}:?\s*", "", problem)
        problem = re.sub(r"[;.]?\s*([Rr]ebuild[^:;.]*:\s*)?snakemake --cores \d+ --force .*$", "",
                         problem)
        self.report.problems.append(Problem(str(path), problem,
                                            fix or f"rebuild: {self.command(str(path))}"))

    def count(self, kind: str) -> None:
        self.report.checked[kind] += 1

    def study(self, folder: Path) -> None:
        sha = self.dataset(folder)
        for path in sorted(folder.glob("decisions/*.parquet")):
            self.table(path, path.stem, folder.name, sha)
        for path in sorted(folder.glob("references/*.parquet")):
            self.table(path, None, folder.name, sha)
        for path in sorted(folder.glob("confusion/decisions/*/*.parquet")):
            self.table(path, f"confusion_{path.parent.name}-{path.stem}", folder.name, sha)
        for path in sorted(folder.glob("features/*.npz")):
            self.features(path, folder / "decisions" / f"{path.stem}.parquet")
        for path in sorted(folder.glob("models/*.pt")):
            self.model(path, folder / "decisions" / f"{path.stem}.parquet")
        for path in sorted([*folder.glob("checkpoints/*.pt"),
                            *folder.glob("confusion/checkpoints/*/*.pt")]):
            self.count("checkpoints")
            try:
                sealed.unseal(path)
            except sealed.SealError as err:
                self.add(path, str(err), "delete it (training then starts that run over): "
                                         f"rm {path}")
        if (folder / "data/store").is_dir():
            self.store(folder / "data/store", sha)

    def dataset(self, folder: Path) -> str | None:
        """Check the dataset (or given files) against the manifest; its sha256, if any."""
        manifest_path = folder / "data/manifest.json"
        if not manifest_path.exists():
            return None
        self.count("manifests")
        try:
            manifest = json.loads(manifest_path.read_bytes())
            recorded = manifest["sha256"]
        except (ValueError, KeyError, TypeError) as err:
            self.add(manifest_path, f"not a manifest of the workflow's ({err})")
            return None
        if isinstance(recorded, dict):  # a given study: the given files it was made from
            for given, checksum in recorded.items():
                self.count("given files")
                source = folder.parent.parent / given  # given paths: from the working dir
                if not source.is_file():
                    self.add(source, f"the given file of {manifest_path} is missing",
                             "restore it, or remove the study from the config")
                elif sha256(source) != checksum:
                    self.add(manifest_path, f"the given file {given} changed since the "
                                            f"study's decision tables were made from it")
            return None
        data = manifest_path.with_name(str(manifest.get("file", "dataset.npz")))
        self.count("datasets")
        if not data.exists():
            self.add(data, f"missing; its manifest {manifest_path} remains")
        elif sha256(data) != recorded:
            self.add(data, f"does not match the sha256 in {manifest_path} (damaged or "
                           f"replaced)")
        return str(recorded)

    def table(self, path: Path, run: str | None, study: str, sha: str | None) -> None:
        self.count("decision tables")
        try:
            meta = decisions.read_metadata(path)
            decisions.check_provenance(path, meta, run, study, sha)
            table = decisions.read_arrow(path)
        except decisions.NewerSchemaError as err:
            self.add(path, str(err).split("; the file is not damaged")[0], UPGRADE)
        except (decisions.DecisionTableError, OSError) as err:
            self.add(path, str(err))
        else:
            if "model_sha256" in meta:
                self.model_sha256[path] = meta["model_sha256"]
            epochs = table.column("epoch").to_numpy()
            final = epochs == epochs.max()
            self.final[path] = (table.column("image_id").to_numpy()[final],
                                table.column("label").to_numpy()[final])

    def model(self, path: Path, table: Path) -> None:
        """A final model: its archive's CRCs, and its sha256 against the one its run's
        decision table recorded (tables written before it was recorded have none)."""
        self.count("models")
        if not self.archive(path) or table not in self.model_sha256:
            return
        if sha256(path) != self.model_sha256[table]:
            self.add(path, f"is not the model its run's decision table {table} recorded "
                           f"(another run's, or retrained without its table)")

    def features(self, path: Path, table: Path) -> None:
        self.count("features")
        if not self.archive(path):
            return
        with np.load(path) as archive:
            missing = [key for key in FEATURE_ARRAYS if key not in archive]
            if missing:
                self.add(path, f"lacks arrays {missing}")
                return
            ids, labels = archive["image_ids"], archive["labels"]
        if table in self.final and not all(
                np.array_equal(a, b) for a, b in zip((ids, labels), self.final[table],
                                                     strict=True)):
            self.add(path, f"its images or labels differ from its run's decision table "
                           f"{table}")

    def archive(self, path: Path) -> bool:
        """Check a zip archive's (.npz, torch.save) every member against its CRC."""
        try:
            with zipfile.ZipFile(path) as archive:
                bad = archive.testzip()
        except (zipfile.BadZipFile, OSError, EOFError) as err:
            self.add(path, f"not a readable archive ({err})")
            return False
        if bad is not None:
            self.add(path, f"its member {bad} fails its CRC (damaged)")
            return False
        return True

    def store(self, folder: Path, sha: str | None) -> None:
        index_path = folder / "index.npz"
        self.count("image stores")
        if not self.archive(index_path):
            return
        with np.load(index_path) as index:
            arrays = dict(index)
        if sha is not None and str(arrays.get("dataset_sha256")) != sha:
            self.add(folder, f"its index {index_path} was built from another dataset index")
            return
        for split in ("train", "test"):
            self.store_split(folder, split, arrays)

    def store_split(self, folder: Path, split: str, index: dict[str, np.ndarray]) -> None:
        keys = [f"{split}_{key}" for key in ("shard", "offset", "length", "crc32",
                                             "shard_bytes")]
        if any(key not in index for key in keys):
            self.add(folder, f"its index lacks the {split} split")
            return
        shard, offset, length, crc, sizes = (index[key] for key in keys)
        for number, size in enumerate(sizes):
            path = folder / f"{split}-{number:03d}.bin"
            self.count("image store shards")
            actual = path.stat().st_size if path.is_file() else None
            if actual != size:
                self.add(path, f"has {actual} bytes, the store's index records {size}")
                continue
            rows = np.flatnonzero(shard == number)
            if size == 0 or rows.size == 0:
                continue
            with open(path, "rb") as handle, \
                    mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
                bad = [i for i in rows if zlib.crc32(data[offset[i]:offset[i] + length[i]])
                       != crc[i]]
            if bad:
                self.add(path, f"{len(bad)} images fail their CRC32 (the first: image "
                               f"{int(bad[0])} of the {split} split)")


def verify(results: str | Path = "results", expected: Iterable[str] = (),
           command: Callable[[str], str] | None = None) -> Verification:
    """Check every stored file under `results` and that every `expected` path exists.
    `command(path)`: the command that rebuilds a path (default: `rebuild_command`)."""
    began = time.perf_counter()
    results = Path(results)
    report = Verification(str(results), datetime.now(UTC).isoformat(timespec="seconds"),
                          previous=last(results))
    checker = _Checker(report, command or rebuild_command)
    for path in sorted(set(expected)):
        checker.count("expected files")
        if not Path(path).exists():
            checker.add(Path(path), "missing, though the workflow's targets need it")
    for folder in sorted(p for p in results.iterdir() if p.is_dir()) if results.is_dir() \
            else []:
        checker.study(folder)
    report.seconds = time.perf_counter() - began
    return report


def rebuild_command(path: str, options: str = "") -> str:
    """The command that rebuilds `path` and everything made from it."""
    return f"snakemake --cores 1 --forcerun {path}{' ' + options if options else ''}"


def record(report: Verification) -> None:
    """Keep `report` as the results folder's last verification (atomically)."""
    results = Path(report.results)
    if results.is_dir():
        data = {key: value for key, value in report.as_dict().items() if key != "previous"}
        write_text(results / RECORD, json.dumps(data, indent=2) + "\n")


def last(results: str | Path) -> dict[str, Any] | None:
    """The last recorded verification of a results folder: when, outcome, problems."""
    path = Path(results) / RECORD
    try:
        data = json.loads(path.read_text())
        return {"when": data["when"], "outcome": data["outcome"],
                "problems": len(data["problems"])}
    except (OSError, ValueError, KeyError, TypeError):
        return None


def last_line(results: str | Path = "results") -> str:
    """One line on the last verification, for the workflow's closing summary."""
    found = last(results)
    if found is None:
        return (f"{results} not verified yet: ddd verify {results} (or snakemake --cores 1 "
                f"verify) rereads every stored file")
    return f"{results} last verified {found['when']}: {found['outcome']}"
