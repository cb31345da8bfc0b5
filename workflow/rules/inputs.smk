# Input, parameter and target functions of the stages in acceptable.smk, datamaps.smk,
# what_models_see.smk and verify.smk (their rule files hold rules alone).

from ddd import stored

# acceptable.smk
ACCEPTABLE_STUDIES = one_of(name for name, s in STUDIES.items() if s.acceptable)


RECTIFIED = "results/{study}/rectified"


def acceptable_targets():
    """Rectified tables, summary and figure of every study with acceptable labels; the
    cause table of every study (its figure, Fig 21, is one of every study's)."""
    targets = []
    for name, study in MAIN_STUDIES.items():
        targets.append(f"results/{name}/tables/impossible_causes.csv")
        if study.acceptable:
            targets += [
                f"results/{name}/tables/rectified.csv",
                f"results/{name}/rectified/summary.txt",
                *[f"results/{name}/figures/fig20_rectified.{ext}" for ext in EXTS],
            ]
    return targets


EXTS = ("png", "pdf")


def acceptable_file(wildcards):
    return STUDIES[wildcards.study].acceptable["path"]


def rectified_per_image(wildcards):
    """The rectified per-image table of a study with acceptable labels (else none)."""
    if not STUDIES[wildcards.study].acceptable:
        return {}
    return {"per_image": f"results/{wildcards.study}/rectified/per_image.parquet"}


# The error-review page (config review): built for every study with images when
# review.images > 0; its answer files score to results/<study>/review/acceptable.csv,
# which a study reads with acceptable_labels: {source: review}.
def review_targets():
    if config["review"]["images"] == 0:
        return []
    return [
        f"results/{name}/review/{file}"
        for name, study in MAIN_STUDIES.items()
        if not study.given
        for file in ("index.html", "manifest.json")
    ]


def review_folder(study):
    return config["review"]["responses"].format(study=study)


def review_responses(wildcards):
    files = sorted(str(p) for p in Path(review_folder(wildcards.study)).glob("*.csv"))
    if not files:
        raise ValueError(
            f"no review answer files (*.csv) in {review_folder(wildcards.study)}/: put "
            f"the files the review page (results/{wildcards.study}/review/index.html) "
            f"downloads there, or set review.responses"
        )
    return files


# datamaps.smk
def datamap_studies():
    """Studies with data maps: every trained or pretrained study when train.confidence."""
    if not config["train"]["confidence"]:
        return []
    return [name for name, study in MAIN_STUDIES.items() if not study.given]


def datamap_targets():
    """The data maps' tables and figure of every study that has them."""
    figure = plots.figures()["fig_data_map"]
    return [
        path.format(study=name)
        for name in datamap_studies()
        for path in (
            "results/{study}/tables/datamap_regions.csv",
            "results/{study}/tables/datamap_auc.csv",
            figure.output("png"),
            figure.output("pdf"),
        )
    ]


# what_models_see.smk
def mmd_critic_studies():
    """Studies whose runs all have features: trained, not given, no pretrained runs."""
    return [
        name
        for name, study in MAIN_STUDIES.items()
        if not study.given and not study.pretrained_ids
    ]


def shortcut_studies():
    """Studies with a planted shortcut (dataset.shortcut) and trained runs."""
    return [
        name for name in mmd_critic_studies() if "shortcut" in STUDIES[name].dataset
    ]


def explained_run_ids(name):
    """The runs whose attribution maps are computed: the first analysis.explanations.runs
    runs of the study (null: all); none for file datasets."""
    study = STUDIES[name]
    if study.kind in plan.FILE_KINDS:
        return []
    count = config["analysis"]["explanations"]["runs"]
    return study.run_ids[:count] if count is not None else study.run_ids


def explained_runs(wildcards):
    return explained_run_ids(wildcards.study)


def explanation_files(wildcards):
    return {
        run: f"results/{wildcards.study}/explanations/{run}.npz"
        for run in explained_runs(wildcards)
    }


def explanation_studies():
    """Studies with at least two explained runs (a pair to compare)."""
    return [name for name in mmd_critic_studies() if len(explained_run_ids(name)) >= 2]


def what_models_see_targets():
    """The MMD-critic tables of every study with trained runs; the explanation tables of
    every study with two explained runs; the shortcut tables of every study with a planted
    shortcut."""
    return (
        [
            f"results/{name}/{file}"
            for name in explanation_studies()
            for file in (
                "tables/explanation_pairs.csv",
                "tables/explanation_patch.csv",
                "figures/fig_explanations.png",
            )
        ]
        + [
            f"results/{name}/{file}"
            for name in mmd_critic_studies()
            for file in (
                "analysis/mmd_critic.parquet",
                "analysis/mmd_two_sample.parquet",
                "tables/mmd_enrichment.csv",
            )
        ]
        + [
            f"results/{name}/tables/shortcut_{table}.csv"
            for name in shortcut_studies()
            for table in ("kappa", "runs")
        ]
    )


def cue_runs(wildcards):
    """The runs of a study trained with the planted cue (recipe shortcut: true)."""
    study = STUDIES[wildcards.study]
    return [run.run_id for run in study.runs if run.recipe and run.recipe.shortcut]


# verify.smk


def verify_expected():
    """Every file the default target needs and every file the studies store."""
    return sorted(
        {
            *targets.default_targets(PLAN, config),
            *acceptable_targets(),
            *review_targets(),
            *datamap_targets(),
            *what_models_see_targets(),
            *stored.stored_files(PLAN),
        }
    )
