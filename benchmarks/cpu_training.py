"""CPU training speed: the workflow's training step against a plain float32 PyTorch loop,
and a whole training job under each precision.

Step rates: for tiny_resnet, tiny_densenet and resnet18 on 32 x 32 images, 10 classes,
batches of 128, SGD (lr 0.05, momentum 0.9, weight decay 5e-4), on 1 and 2 threads:
- plain: the textbook loop in float32 and NCHW memory order on already normalised float
  batches of the same images (forward, cross-entropy, zero_grad, backward, step);
- workflow: ddd.train.loop.train_epoch under train.precision and train.channels_last
  (default auto and true), which also shuffles, flips and normalises each uint8 batch.
Each rate is the best of --repeats timed epochs after one warm-up epoch, the two loops
alternating: images per second of wall time, and images per second of the process's CPU
time (all its threads), which other processes on a shared CPU disturb far less: on one
thread it is the wall rate of an idle machine.

Whole run: ddd.train.jobs.train_run plus writing its decision table (data loading,
evaluation before training and after each epoch, recording included), tiny_resnet on a
Gaussian-sigma dataset of 32 px images (10 classes, --run-train training and --run-test
test images per class), --run-epochs epochs, under fp32 + NCHW, fp32 + channels_last and
the settings given; wall and CPU seconds and the speed-ups over fp32 + NCHW.

Run: PYTHONPATH=workflow python benchmarks/cpu_training.py [--threads 1 2]
     [--architectures tiny_resnet ...] [--precision auto] [--no-channels-last] [--no-run]
The machine's load average is printed with the results: on a shared CPU, rerun when idle.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn

from ddd import decisions, plan
from ddd.datasets import arrays, gaussian
from ddd.train.batches import Batches, channel_stats
from ddd.train.jobs import train_run
from ddd.train.loop import configure_determinism, train_epoch
from ddd.train.models import build_model
from ddd.train.precision import native_bf16_cpu, resolve

CPU = torch.device("cpu")
CLASSES, SIZE, BATCH = 10, 32, 128
IMAGES = {"tiny_resnet": 2048, "tiny_densenet": 2048, "resnet18": 384}  # per timed epoch


def recipe(architecture: str, epochs: int = 2) -> object:
    return plan.recipe({"architecture": architecture, "epochs": epochs, "batch_size": BATCH,
                        "lr": 0.05, "weight_decay": 5e-4, "momentum": 0.9})


def optimizer_for(model: nn.Module) -> torch.optim.Optimizer:
    return torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)


def timed(work: Callable[[], object]) -> tuple[float, float]:
    """Wall and CPU seconds of `work()`."""
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


def plain_epoch(architecture: str, images: torch.Tensor, labels: torch.Tensor
                ) -> Callable[[], None]:
    """A plain float32 NCHW loop over pre-normalised batches: one epoch."""
    torch.manual_seed(0)
    model = build_model(architecture, CLASSES, SIZE).train()
    optimizer = optimizer_for(model)
    x = images.float()
    x = (x - x.mean(dim=(0, 2, 3), keepdim=True)) / x.std(dim=(0, 2, 3), keepdim=True)
    batches = list(zip(x.split(BATCH), labels.split(BATCH), strict=True))

    def epoch() -> None:
        for xb, yb in batches:
            loss = nn.functional.cross_entropy(model(xb), yb)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()

    return epoch


def workflow_epoch(architecture: str, images: torch.Tensor, labels: torch.Tensor,
                   precision: str, channels_last: bool) -> Callable[[], None]:
    """ddd.train.loop.train_epoch under the given settings: one epoch."""
    run = recipe(architecture, epochs=1_000_000)  # the epochs timed here train every layer
    numerics = resolve(precision, channels_last, CPU, run.amp)
    data = Batches(images, labels)
    torch.manual_seed(0)
    model = build_model(architecture, CLASSES, SIZE).to(memory_format=numerics.memory_format)
    optimizer = optimizer_for(model)
    mean, std = channel_stats(data)
    count = iter(range(1, 1_000_000))

    def epoch() -> None:
        train_epoch(model, optimizer, data, run, next(count), mean, std, False, numerics)

    return epoch


def step_rates(architecture: str, threads: int, args: argparse.Namespace
               ) -> list[list[float]]:
    """Best images/s, [[wall, CPU] of the plain loop, [wall, CPU] of the workflow's]."""
    torch.set_num_threads(threads)
    n = IMAGES[architecture]
    gen = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (n, 3, SIZE, SIZE), dtype=torch.uint8, generator=gen)
    labels = torch.randint(0, CLASSES, (n,), generator=gen)
    plain = plain_epoch(architecture, images, labels)
    ours = workflow_epoch(architecture, images, labels, args.precision, args.channels_last)
    plain(), ours()  # warm-up
    best = [[0.0, 0.0], [0.0, 0.0]]
    for _ in range(args.repeats):
        for i, epoch in enumerate((plain, ours)):
            best[i] = [max(b, n / t) for b, t in zip(best[i], timed(epoch), strict=True)]
    return best


def whole_run(threads: int, precision: str, channels_last: bool, folder: Path,
              args: argparse.Namespace) -> tuple[float, float]:
    """Wall and CPU seconds of one training job, decision table written, under these
    settings."""
    torch.set_num_threads(threads)
    data, manifest = folder / "dataset.npz", folder / "manifest.json"
    if not data.exists():
        sig = gaussian.sigmas(CLASSES, 1, 3)
        splits = {name: gaussian.make_split(i, per_class, sig, SIZE, seed=0)
                  for i, (name, per_class) in enumerate([("train", args.run_train),
                                                        ("test", args.run_test)])}
        arrays.save(data, manifest, splits, {"spec": {"seed": 0}})
    fields = {"run": "base-1", "condition": "base", "instance": 1, "dataset": "gaussian"}
    found = {}

    def job() -> None:
        _, table, found["metadata"] = train_run(
            recipe("tiny_resnet", args.run_epochs), data, manifest, fields, CPU,
            folder / "run.ckpt", 1000, precision=precision, channels_last=channels_last)
        decisions.write(folder / "base-1.parquet", table, found["metadata"])

    wall, cpu = timed(job)
    (folder / "run.ckpt").unlink(missing_ok=True)
    metadata = found["metadata"]
    accuracy = metadata["history"][-1]["test_accuracy"]
    print(f"  {threads} thread(s), precision {precision:<4} ({metadata['precision']}), "
          f"{metadata['memory_format']:<13}: {wall:6.1f} s wall, {cpu:6.1f} s CPU, "
          f"final accuracy {accuracy:.3f}", flush=True)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--architectures", nargs="+", default=list(IMAGES),
                        choices=list(IMAGES))
    parser.add_argument("--precision", choices=["auto", "fp32", "bf16"], default="auto")
    parser.add_argument("--no-channels-last", dest="channels_last", action="store_false")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--no-run", dest="run", action="store_false",
                        help="skip the whole-run timing")
    parser.add_argument("--run-train", type=int, default=500, help="per class")
    parser.add_argument("--run-test", type=int, default=100, help="per class")
    parser.add_argument("--run-epochs", type=int, default=2)
    args = parser.parse_args()
    configure_determinism(True)
    resolved = resolve(args.precision, args.channels_last, CPU, False)
    print(f"torch {torch.__version__}, {os.cpu_count()} CPUs, native bf16: "
          f"{native_bf16_cpu()}; workflow step: precision {args.precision} -> "
          f"{resolved.precision}, {resolved.describe()['memory_format']}; "
          f"load average {os.getloadavg()[0]:.2f}")
    print(f"step rates (images/s, batch {BATCH}, {SIZE} px, best of {args.repeats}):")
    print("  (the first three rates per second of wall time, the last three per CPU second)")
    print(f"  {'architecture':<14} {'threads':>7}" + 2 * f" {'plain fp32':>11} {'workflow':>9} "
          f"{'ratio':>6}")
    for architecture in args.architectures:
        for threads in args.threads:
            (plain, plain_cpu), (ours, ours_cpu) = step_rates(architecture, threads, args)
            print(f"  {architecture:<14} {threads:>7} {plain:>11,.0f} {ours:>9,.0f} "
                  f"{ours / plain:>5.2f}x  {plain_cpu:>11,.0f} {ours_cpu:>9,.0f} "
                  f"{ours_cpu / plain_cpu:>5.2f}x", flush=True)
    if args.run:
        print(f"whole run (tiny_resnet, {CLASSES * args.run_train} training and "
              f"{CLASSES * args.run_test} test images, {args.run_epochs} epochs, "
              f"evaluation after each, decision table written):")
        with tempfile.TemporaryDirectory() as tmp:
            for threads in args.threads:
                base = whole_run(threads, "fp32", False, Path(tmp), args)
                whole_run(threads, "fp32", True, Path(tmp), args)
                fast = whole_run(threads, args.precision, args.channels_last, Path(tmp), args)
                print(f"  {threads} thread(s): speed-up over fp32 + NCHW {base[0] / fast[0]:.2f}x "
                      f"(wall), {base[1] / fast[1]:.2f}x (CPU)")
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
