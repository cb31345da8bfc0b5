"""Build a study's dataset file and manifest."""

from ddd.datasets import arrays, gaussian
from ddd.logs import to_file

smk = snakemake

with to_file(smk.log[0]) as log:
    spec = dict(smk.params.spec)
    if spec["kind"] != "gaussian":
        raise ValueError(f"unknown dataset kind {spec['kind']!r}; valid: gaussian")
    sig = gaussian.sigmas(spec["classes"], spec["sigma_min"], spec["sigma_step"])
    seed = spec["seed"]
    splits = {
        "train": gaussian.make_split(0, spec["train_per_class"], sig, spec["image_size"], seed),
        "test": gaussian.make_split(1, spec["test_per_class"], sig, spec["image_size"], seed),
    }
    arrays.save(smk.output.data, smk.output.manifest, splits,
                {"spec": spec, "sigmas": sig.tolist(), "seed": seed})
    for name, split in splits.items():
        log.info("%s: %d images of shape %s", name, len(split.images), split.images.shape[1:])
