"""The original and rectified analyses side by side: accuracy per run, the measures both
ways, where each category's images go, and the summary lines."""

import pandas as pd

from ddd.analysis import rectified
from ddd.io.atomic import atomic_path, write_text
from ddd.io.logs import to_file

smk = snakemake


def both(name: str) -> dict[str, pd.DataFrame]:
    return {way: pd.read_parquet(smk.input[f"{way}_{name}"]) for way in ("original",
                                                                        "rectified")}


with to_file(smk.log[0]):
    accuracy = pd.read_parquet(smk.input.accuracy)
    images = both("images")
    tables = {
        "accuracy": accuracy,
        "comparison": rectified.comparison(accuracy, both("shares"), both("vs_base"),
                                           both("reference")),
        "transitions": rectified.transitions(images["original"], images["rectified"]),
    }
    for name, frame in tables.items():
        with atomic_path(smk.output[name]) as tmp:
            frame.to_csv(tmp, index=False)
    write_text(smk.output.summary, rectified.summary_lines(
        smk.wildcards.study, pd.read_parquet(smk.input.acceptable), tables["comparison"],
        tables["transitions"], accuracy))
