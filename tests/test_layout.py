"""The package's layout as a rule: torch lives in the torch wing (`ddd.train`, and the dataset
readers of `ddd.datasets` that use torchvision), nothing outside it imports torch directly or
through another module, and the import graph has no cycle.

The graph is read from the source (module-level imports, as `python -c "import ddd.x"` runs
them); imports inside functions are optional features and are not edges.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.source import module_level_imports

PACKAGE = Path(__file__).resolve().parents[1] / "workflow"
TORCH = {"torch", "torchvision"}
# The torch wing: training and inference, and the datasets that decode files with torchvision.
WING = ("ddd.train", "ddd.datasets.imagenet", "ddd.datasets.image_folder",
        "ddd.datasets.mnist", "ddd.datasets.store", "ddd.datasets.prepare")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted((PACKAGE / "ddd").rglob("*.py"))}


def imports(name: str) -> set[str]:
    """Modules `name` imports at module level: ddd modules by full name, others by top name."""
    found: set[str] = set()
    for node in module_level_imports(ast.parse(MODULES[name].read_text())):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            # `from pkg import sub` depends on pkg.sub; `from mod import name` on mod
            targets = [f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in MODULES
                       else node.module for a in node.names]
        else:
            continue
        for target in targets:
            if target.split(".")[0] != "ddd":
                found.add(target.split(".")[0])
            elif target in MODULES:
                found.add(target)
    return found - {"ddd", name}


GRAPH = {name: imports(name) for name in MODULES}


def in_wing(name: str) -> bool:
    return any(name == w or name.startswith(w + ".") for w in WING)


def reaches(name: str) -> set[str]:
    seen, todo = set(), [name]
    while todo:
        for target in GRAPH.get(todo.pop(), ()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def test_the_graph_is_read():
    assert len(MODULES) > 40
    assert "ddd.train.loop" in MODULES and "torch" in GRAPH["ddd.train.loop"]
    assert reaches("ddd.train.jobs") & TORCH


@pytest.mark.parametrize("name", sorted(n for n in MODULES if not in_wing(n)))
def test_nothing_outside_the_torch_wing_imports_torch(name):
    reached = reaches(name)
    assert not reached & TORCH, (
        f"{name} imports torch through {sorted(m for m in reached if in_wing(m))}: "
        "torch-free modules run in the analysis env (envs/analysis.yaml)")


def test_every_module_that_imports_torch_is_in_the_wing():
    direct = {n for n, targets in GRAPH.items() if targets & TORCH}
    assert direct and all(in_wing(n) for n in direct), sorted(n for n in direct
                                                                if not in_wing(n))


def test_no_import_cycle():
    state: dict[str, int] = {}  # 1 = on the path, 2 = done

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for target in sorted(t for t in GRAPH.get(name, ()) if t in MODULES):
            if state.get(target) == 1:
                raise AssertionError("import cycle: " + " -> ".join(path + [name, target]))
            if target not in state:
                visit(target, path + [name])
        state[name] = 2

    for name in MODULES:
        if name not in state:
            visit(name, [])


# The modules of the jobs that train, capture features and explain on in-memory images.
TRAINING_JOBS = ("ddd.train.jobs", "ddd.train.capture", "ddd.train.explain", "ddd.train.loop",
                 "ddd.train.splits")


@pytest.mark.parametrize("name", TRAINING_JOBS)
def test_training_jobs_do_not_import_torchvision(name):
    # importing torchvision takes about 2 s (it loads torch._dynamo), paid by every job
    assert "torchvision" not in reaches(name) | {name}, (
        f"{name} imports torchvision at module level; import it where files are decoded")
