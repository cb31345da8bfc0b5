"""The files the workflow stores for a config's studies, from its plan: what `ddd verify`
expects to find besides the files the default target needs."""

from __future__ import annotations

from ddd.plan import Plan


def stored_files(loaded: Plan, results: str = "results") -> list[str]:
    """The files the workflow stores for every configured study of a plan (a scaling grid
    only on request): datasets, decision tables (runs, references, confusion runs), trained
    runs' models and, where the study draws RSA figures (no pretrained runs), features."""
    out = []
    for name in loaded.main_studies:
        study = loaded.studies[name]
        base = f"{results}/{name}"
        out.append(f"{base}/data/manifest.json")
        if not study.given:
            out.append(f"{base}/data/dataset.npz")
        out += [f"{base}/decisions/{run}.parquet" for run in study.run_ids]
        out += [f"{base}/models/{run}.pt" for run in study.trained_ids]
        if not study.given and not study.pretrained_ids:
            out += [f"{base}/features/{run}.npz" for run in study.trained_ids]
        out += [f"{base}/references/{ref.name}.parquet" for ref in study.references]
        if study.confusion:
            out += study.confusion.decision_tables(name)
    return out
