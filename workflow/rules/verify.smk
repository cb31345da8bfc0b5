# `snakemake --cores 1 verify` rereads every file the workflow stored (ddd.verify): damaged,
# foreign or missing files, one line each with the command that rebuilds it. Not part of
# `all`; it has no output, so it runs whenever it is asked for, and records its outcome in
# results/verification.json.


rule verify:
    log:
        "logs/verify.log",
    localrule: True
    conda:
        ANALYSIS_ENV
    params:
        expected=verify_expected(),
        configfiles=[str(path) for path in workflow.overwrite_configfiles],
    script:
        "../scripts/verify.py"
