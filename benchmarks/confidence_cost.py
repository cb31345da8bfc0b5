"""What recording p_true and margin costs: one evaluation with and without it, against one
training epoch, on the embedded default's data and model (config.yaml: 100 Gaussian-sigma
classes of 16x16 images, 100 training and 50 test images per class, tiny_resnet_bnhead,
batch 512, evaluation batches of 1000).

The added work is ddd.train.loop.label_confidence on the test set's logits, timed alone
(best of 50: a difference of two evaluation times drowns in their noise on a shared
machine); the evaluation (ddd.train.loop.predict, best of `--repeats`) and the training
epoch (ddd.train.loop.train_epoch, once) are timed in the same process.

Run: PYTHONPATH=workflow .venv/bin/python benchmarks/confidence_cost.py [--threads 1]
"""

from __future__ import annotations

import argparse
import time

import torch
import yaml

from ddd import plan
from ddd.datasets import gaussian
from ddd.train.batches import Batches, channel_stats, eval_batches
from ddd.train.loop import configure_determinism, label_confidence, predict, train_epoch
from ddd.train.models import build_model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=1, help="as train.threads")
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    with open("config.yaml") as file:
        config = yaml.safe_load(file)
    study = config["studies"]["gaussian"]
    data, recipe = study["dataset"], plan.recipe(study["recipe"])
    configure_determinism(recipe.deterministic)
    sigmas = gaussian.sigmas(data["classes"], data["sigma_min"], data["sigma_step"])

    def split(index: int, per_class: int) -> Batches:
        arrays = gaussian.make_split(index, per_class, sigmas, data["image_size"], data["seed"])
        return Batches(torch.from_numpy(arrays.images),
                       torch.from_numpy(arrays.labels.astype("int64")))

    train, test = split(0, data["train_per_class"]), split(1, data["test_per_class"])
    torch.manual_seed(0)
    model = build_model(recipe.architecture, data["classes"], data["image_size"])
    model = model.to(memory_format=torch.channels_last)
    optimizer = torch.optim.SGD(model.parameters(), lr=recipe.lr, momentum=recipe.momentum)
    mean, std = channel_stats(train)
    epoch = time_it(lambda: train_epoch(model, optimizer, train, recipe, 1, mean, std, False))
    evaluation = min(time_it(lambda: predict(model, test, mean, std, 1000))
                     for _ in range(args.repeats))
    model.eval()
    with torch.inference_mode():
        logits = torch.cat([model(x) for x, _ in eval_batches(test, 1000, mean, std)])
        extra = min(time_it(lambda: [label_confidence(part, labels).__getitem__(0).numpy()
                                     for part, labels in zip(logits.split(1000),
                                                             test.labels.split(1000),
                                                             strict=True)])
                    for _ in range(50))
    print(f"{len(train)} training, {len(test)} test images, {args.threads} threads, "
          f"torch {torch.__version__}")
    print(f"training epoch {epoch:.3f} s, evaluation {evaluation * 1e3:.1f} ms; p_true and "
          f"margin {extra * 1e3:.2f} ms: {100 * extra / evaluation:.2f}% of an evaluation, "
          f"{100 * extra / (epoch + evaluation):.3f}% of an epoch with its evaluation")


def time_it(fn: object) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
