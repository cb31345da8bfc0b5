# One rule per figure of the registry (workflow/ddd/plots/catalog.py), all drawn by
# scripts/figure.py. Each rule's params hold only its own settings and a digest of its
# drawing code, so a change to one figure's settings or code reruns only that figure.

from ddd.plots import registry

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
            ANALYSIS_ENV
        params:
            **figure_params(figure),
        script:
            "../scripts/figure.py"
