"""A trained run's final-epoch logits on every evaluation image and a layer's activations
on the fixed RSA image subset, checked against its decision table."""

import numpy as np
import torch

from ddd import capture, decisions, features, rsa
from ddd.datasets import splits
from ddd.logs import to_file
from ddd.study import Recipe
from ddd.training import configure_determinism, pick_device

smk = snakemake

with to_file(smk.log[0]) as log:
    torch.set_num_threads(smk.threads)
    configure_determinism(True)
    recipe = Recipe(**smk.params.recipe)
    manifest = splits.read_manifest(smk.input.manifest)
    device = pick_device(smk.params.device)
    data, mean, std = capture.evaluation_data(smk.input.data, smk.input.manifest, recipe,
                                               device, smk.params.workers)
    model = capture.load_model(smk.input.model, recipe.architecture,
                                splits.num_classes(manifest),
                                splits.image_size(manifest), device)
    layer = capture.layer_for(smk.params.layer, recipe.architecture)
    labels = splits.labels(smk.input.data, "test")
    rows = rsa.stratified_subset(labels, smk.params.images, smk.params.seed)
    logits, activations = capture.capture(
        model, data, mean, std, smk.params.eval_batch_size,
        capture.find_layer(model, layer, recipe.architecture), rows, recipe.amp)
    final = decisions.read(smk.input.decisions, epoch=-1)
    if not np.array_equal(final["label"].to_numpy(), labels):
        raise ValueError(f"{smk.input.decisions} and {smk.input.data} disagree on labels; "
                         f"rerun the training job")
    differ = int(np.sum(logits.argmax(1) != final["prediction"].to_numpy()))
    stored = logits.astype(np.float16)
    ties = int(np.sum(stored.max(1) == np.sort(stored, axis=1)[:, -2]))
    log.info("%s: %d images; argmax of the logits differs from the decision table's final "
             "epoch on %d images; %d images have tied top logits in float16",
             smk.wildcards.run, len(labels), differ, ties)
    if differ:
        log.warning("the model's decisions are not reproduced exactly (GPU non-determinism "
                    "or another device or batch size than in training)")
    log.info("layer %r: %d images x %d values", layer, *activations.shape)
    features.save(smk.output[0], features.Features(
        final["image_id"].to_numpy(), labels, logits, final["image_id"].to_numpy()[rows],
        activations, layer))
