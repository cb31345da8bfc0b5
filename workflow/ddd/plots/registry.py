"""The figure registry: every figure declared once, with its inputs, settings and scope.

`@figure(...)` registers a drawing function (an adapter from loaded inputs to the functions
of `ddd.plots.*`); `workflow/rules/figures.smk` makes one rule per registered figure and
`common.smk` asks for the targets here. The entries live in `ddd.plots.catalog`.
"""

from __future__ import annotations

import hashlib
import inspect
import string
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import CodeType, FunctionType, ModuleType
from typing import Any, Literal

import matplotlib.pyplot as plt

Scope = Literal["study", "trained", "rsa", "gaussian", "references", "studies", "confusion",
                "acceptable", "confidence"]
"""Which studies a figure is drawn for: every study; studies without pretrained runs (their
decisions over epochs, or RSA of trained runs' activations); gaussian datasets; studies
with reference decision makers; one figure over all studies (more than one configured);
studies with a class-confusion experiment; studies with acceptable labels (asked for by
workflow/rules/acceptable.smk); studies whose decision tables record confidence
(train.confidence: workflow/rules/datamaps.smk asks for these)."""

Draw = Callable[..., plt.Figure]
Inputs = Mapping[str, Any]  # input name: path (a list of paths for scope "studies")
EXTENSIONS = ("png", "pdf")


@dataclass(frozen=True)
class Figure:
    """One figure, drawn by rule `rule` (default: `name`). Input templates may hold `{study}`
    and names of study-plan values (`{base_run}`); `config` maps a setting to its dotted
    config key; `plan` names values of the study plan the workflow resolves for the study
    (base_run, flag_label). `draw(inputs, study, **settings)` returns the figure."""

    name: str
    draw: Draw
    inputs: dict[str, str]
    scope: Scope = "study"
    config: dict[str, str] = field(default_factory=dict)
    plan: tuple[str, ...] = ()
    rule: str = ""

    def __post_init__(self) -> None:
        if not self.rule:
            object.__setattr__(self, "rule", self.name)

    def input_paths(self, studies: list[str], value: Callable[[str], Any]) -> dict[str, Any]:
        """Input paths: templates filled in for one study (a list over `studies` for scope
        "studies"); `value(name)` gives the plan values they name besides `{study}`."""
        paths = {}
        for key, template in self.inputs.items():
            names = {f for _, f, _, _ in string.Formatter().parse(template) if f} - {"study"}
            values = {name: value(name) for name in names}
            filled = [template.format(study=study, **values) for study in studies]
            paths[key] = filled if self.scope == "studies" else filled[0]
        return paths

    @property
    def folder(self) -> str:
        return {"studies": "results/figures", "confusion": "results/{study}/confusion/figures"}.get(
            self.scope, "results/{study}/figures")

    def output(self, ext: str) -> str:
        """Output path template of one format."""
        return f"{self.folder}/{self.name}.{ext}"

    @property
    def log(self) -> str:
        return f"logs/{self.folder.removeprefix('results/')}/{self.name}.log"

    @property
    def caption(self) -> str:
        """The report caption, relative to workflow/rules/."""
        return f"../report/{self.name}.rst"

    @property
    def category(self) -> str:
        return "all studies" if self.scope == "studies" else "{study}"

    @property
    def subcategory(self) -> str:
        return "class confusion" if self.scope == "confusion" else "figures"

    def applies(self, *, pretrained: bool, dataset: str, references: bool = False) -> bool:
        """Whether a study (with pretrained runs or not, of this dataset kind, with
        reference decision makers or not) has it."""
        return {"study": True, "trained": not pretrained, "rsa": not pretrained,
                "gaussian": dataset == "gaussian",
                "references": references}.get(self.scope, False)

    def digest(self) -> str:
        """Hash of the drawing code: this function and every `ddd` function it reaches."""
        assert isinstance(self.draw, FunctionType), "figures are drawn by plain functions"
        sha = hashlib.sha256()
        for source in sorted(set(_sources(self.draw, set(), self.draw.__module__.split(".")[0]))):
            sha.update(source.encode())
        return sha.hexdigest()[:16]


_REGISTRY: dict[str, Figure] = {}


def figure(name: str, inputs: dict[str, str], scope: Scope = "study",
           config: dict[str, str] | None = None, plan: tuple[str, ...] = (),
           rule: str = "") -> Callable[[Draw], Draw]:
    """Register the decorated function as figure `name` (its rule: `rule`, default `name`)."""
    def register(draw: Draw) -> Draw:
        if name in _REGISTRY:
            raise ValueError(f"figure {name!r} is registered twice; give one of them "
                             f"another name")
        _REGISTRY[name] = Figure(name, draw, inputs, scope, config or {}, plan, rule)
        return draw
    return register


def figures() -> dict[str, Figure]:
    """Every registered figure, by name."""
    return dict(_REGISTRY)


def by_rule(rule: str) -> Figure:
    """The figure a rule draws."""
    found = [fig for fig in figures().values() if fig.rule == rule]
    if not found:
        raise KeyError(f"no figure is registered for rule {rule!r} (see ddd/plots/catalog.py)")
    return found[0]


def study_targets(study: str, *, pretrained: bool, dataset: str, references: bool = False
                  ) -> list[str]:
    """PNG and PDF of every figure of one study (per-study scopes only)."""
    return [fig.output(ext).format(study=study) for fig in figures().values()
            if fig.applies(pretrained=pretrained, dataset=dataset, references=references)
            for ext in EXTENSIONS]


def shared_targets() -> list[str]:
    """PNG and PDF of every figure over all studies."""
    return [fig.output(ext) for fig in figures().values() if fig.scope == "studies"
            for ext in EXTENSIONS]


def _codes(code: CodeType) -> Iterator[CodeType]:
    yield code
    for const in code.co_consts:
        if isinstance(const, CodeType):
            yield from _codes(const)


def _sources(fn: FunctionType, seen: set[FunctionType], package: str) -> Iterator[str]:
    """Source of `fn` and of every function of `package` it names, directly or as
    `module.function`, recursively."""
    if fn in seen:
        return
    seen.add(fn)
    yield inspect.getsource(fn)
    for code in _codes(fn.__code__):
        for name in code.co_names:
            target: Any = fn.__globals__.get(name)
            found = ([getattr(target, n, None) for n in code.co_names]
                     if isinstance(target, ModuleType)
                     and target.__name__.split(".")[0] == package else [target])
            for obj in found:
                if inspect.isfunction(obj) and obj.__module__.split(".")[0] == package:
                    yield from _sources(obj, seen, package)
