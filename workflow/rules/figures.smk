# One rule per figure of the registry (workflow/ddd/plots/catalog.py), all drawn by
# scripts/figure.py. Each rule's params hold only its own settings and a digest of its
# drawing code, so a change to one figure's settings or code reruns only that figure.

from ddd.plots import registry

# Values of the study plan that figures name in their inputs or settings.
FIGURE_PLAN = {
    "base_run": base_run,
    "flag_label": flag_label,
    "studies": lambda wildcards: list(STUDIES),
    "both_ways": lambda wildcards: CONFUSION[wildcards.study].both_ways,
    "correction": lambda wildcards: CONFUSION[wildcards.study].correction,
}
FIGURE_STUDIES = {
    "confusion": one_of(
        name for name, spec in config["studies"].items() if "confusion" in spec
    ),
}


def config_value(key):
    """The config value at a dotted key (figures.histogram.title)."""
    value = config
    for part in key.split("."):
        value = value[part]
    return value


def figure_inputs(figure):
    def inputs(wildcards):
        studies = list(STUDIES) if figure.scope == "studies" else [wildcards.study]
        return figure.input_paths(studies, lambda name: FIGURE_PLAN[name](wildcards))

    return inputs


def figure_params(figure):
    """dpi, the digest of the drawing code, and the figure's own settings only."""
    return {
        "dpi": config["figures"]["dpi"],
        "code": figure.digest(),
        **{name: config_value(key) for name, key in figure.config.items()},
        **{name: FIGURE_PLAN[name] for name in figure.plan},
    }


for figure in registry.figures().values():

    rule:
        name:
            figure.rule
        input:
            unpack(figure_inputs(figure)),
        output:
            png=report(
                figure.output("png"),
                caption=figure.caption,
                category=figure.category,
                subcategory=figure.subcategory,
            ),
            pdf=figure.output("pdf"),
        log:
            figure.log,
        wildcard_constraints:
            study=FIGURE_STUDIES.get(figure.scope, one_of(STUDIES)),
        conda:
            "../../envs/analysis.yaml"
        params:
            **figure_params(figure),
        script:
            "../scripts/figure.py"
