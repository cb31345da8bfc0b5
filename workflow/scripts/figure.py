"""Any registered figure (ddd/plots/catalog.py): the rule's figure from its inputs and the
settings in its params."""

from ddd.io.logs import to_file
from ddd.plots import base, registry

smk = snakemake

with to_file(smk.log[0]):
    figure = registry.by_rule(smk.rule)
    settings = {key: smk.params[key] for key in (*figure.config, *figure.plan)}
    inputs = {key: smk.input[key] for key in figure.inputs}
    drawn = figure.draw(inputs, smk.wildcards.get("study"), **settings)
    base.save(drawn, [smk.output.png, smk.output.pdf], smk.params.dpi)
