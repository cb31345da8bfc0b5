# The scaling study (docs/methods.md, "Scaling"): a named target, not
# in `all`. The grid's runs are the study <study>_scaling, trained by the usual rules.

from ddd.analysis import scaling

SCALED = [name for name, study in STUDIES.items() if study.scaling_of]


rule scaling_summary:
    input:
        unpack(lambda wc: reference_paths(wc.study + scaling.SUFFIX)),
        runs="results/{study}_scaling/analysis/runs.parquet",
        correct="results/{study}_scaling/analysis/correctness.parquet",
        manifest="results/{study}_scaling/data/manifest.json",
    output:
        table="results/{study}/scaling/scaling.parquet",
        csv="results/{study}/scaling/scaling.csv",
        png="results/{study}/scaling/scaling.png",
        pdf="results/{study}/scaling/scaling.pdf",
    log:
        "logs/{study}/scaling.log",
    wildcard_constraints:
        study=one_of(STUDIES[name].scaling_of for name in SCALED),
    conda:
        ANALYSIS_ENV
    params:
        references=lambda wc: [r.name for r in STUDIES[wc.study].references],
        grid=lambda wc: STUDIES[wc.study + scaling.SUFFIX].run_table(),
        dpi=config["figures"]["dpi"],
    script:
        "../scripts/scaling.py"


rule scaling:
    input:
        [f"results/{STUDIES[name].scaling_of}/scaling/scaling.pdf" for name in SCALED],
