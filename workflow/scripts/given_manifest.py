"""A given study's identity file (ddd.given_study): every given file read and checked once;
the study's images, classes, runs and the files' checksums."""

import json

from ddd import given_study
from ddd.atomic import write_text
from ddd.logs import to_file

smk = snakemake

with to_file(smk.log[0]) as log:
    spec = smk.params.spec
    found = given_study.read_source(spec, smk.params.paths)
    manifest = given_study.identity(found, spec, smk.params.runs,
                                    given_study.class_names(spec["class_names"]))
    write_text(smk.output[0], json.dumps(manifest, indent=2) + "\n")
    log.info("%d runs x %d images from %s; labels given: %s; classes: %s", len(found.runs),
             len(found.image_ids), spec["kind"], manifest["labels"],
             manifest["splits"]["test"]["classes"])
