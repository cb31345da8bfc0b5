"""A given study's identity file (ddd.given.planning): every given file read and checked once;
the study's images, classes, runs and the files' checksums."""

import json

from ddd.given import planning
from ddd.io.atomic import write_text
from ddd.io.logs import to_file

smk = snakemake

with to_file(smk.log[0]) as log:
    spec = smk.params.spec
    found = planning.read_source(spec, smk.params.paths)
    manifest = planning.identity(found, spec, smk.params.runs,
                                    planning.class_names(spec["class_names"]))
    write_text(smk.output[0], json.dumps(manifest, indent=2) + "\n")
    log.info("%d runs x %d images from %s; labels given: %s; classes: %s", len(found.runs),
             len(found.image_ids), spec["kind"], manifest["labels"],
             manifest["splits"]["test"]["classes"])
