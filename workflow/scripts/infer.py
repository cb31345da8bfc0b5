"""Evaluate one pretrained model on the study's evaluation images: a one-epoch decision
table, like a trained run's."""

import time

import numpy as np
import torch
import torchvision

import ddd
from ddd import decisions, pretrained
from ddd.batches import loader
from ddd.datasets import imagenet, splits
from ddd.logs import to_file
from ddd.training import pick_device

smk = snakemake

with to_file(smk.log[0]) as log:
    torch.set_num_threads(smk.threads)
    spec = smk.params.model
    device = pick_device(smk.params.device)
    manifest = splits.read_manifest(smk.input.manifest)
    model, preprocess = pretrained.load_pretrained(spec["name"], spec["source"],
                                                   spec["checkpoint"])
    index = imagenet.load_index(smk.input.data, "test", verify=True,
                                manifest_path=smk.input.manifest)
    transform = imagenet.eval_transform(preprocess["resize"], preprocess["crop"],
                                        preprocess["interpolation"])
    images = imagenet.ImageFiles(index, transform)
    log.info("run %s: %s (%s) on %s, %d images, preprocessing %s", smk.wildcards.run,
             spec["name"], spec["source"], device, len(index), preprocess)
    if splits.num_classes(manifest) != 1000:
        log.warning("the dataset has %d classes, not ImageNet's 1000: predictions are "
                    "indices into the 1000 ImageNet classes", splits.num_classes(manifest))
    began = time.perf_counter()
    batches = loader(images, smk.params.eval_batch_size, smk.params.workers, None, device)
    predictions = pretrained.infer(model, batches, preprocess, device)
    table = pretrained.decision_table(predictions, index.labels)
    accuracy = float(np.mean(predictions == index.labels))
    metadata = {
        **smk.params.run,
        "run": smk.wildcards.run,
        "dataset": "imagenet",
        "architecture": spec["name"],
        "pretrained": spec,
        "preprocess": preprocess,
        "dataset_sha256": manifest["sha256"],
        "device": str(device),
        "history": [{"epoch": 0, "test_accuracy": accuracy}],
        "seconds": time.perf_counter() - began,
        "versions": {"ddd": ddd.__version__, "torch": torch.__version__,
                     "torchvision": torchvision.__version__, "numpy": np.__version__},
    }
    decisions.write(smk.output.decisions, table, metadata)
    log.info("top-1 accuracy %.4f, %.1f s", accuracy, metadata["seconds"])
