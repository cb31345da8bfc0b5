"""Does deterministic mode give the same decisions twice on the GPU, and does the
non-deterministic condition really differ? Default study's dataset size, 5 epochs.

Run (needs CUDA): .venv/bin/python benchmarks/gpu_determinism.py
(without the venv: PYTHONPATH=workflow python3 benchmarks/gpu_determinism.py)
"""

from __future__ import annotations

import time

import numpy as np
import torch

from ddd import plan
from ddd.datasets import gaussian
from ddd.datasets.arrays import ImageArrays
from ddd.train import loop


def main() -> None:
    if not torch.cuda.is_available():
        raise SystemExit("no CUDA device: this check needs a GPU")
    device = torch.device("cuda")
    print(torch.__version__, torch.cuda.get_device_name())
    sigmas = gaussian.sigmas(100)
    train_split = gaussian.make_split(0, 100, sigmas, 16, seed=0)
    test_split = gaussian.make_split(1, 50, sigmas, 16, seed=0)

    def batches(split: ImageArrays) -> loop.Batches:
        return loop.Batches(torch.from_numpy(split.images).to(device),
                                torch.from_numpy(split.labels.astype(np.int64)).to(device))

    runs = {"deterministic a": ("tiny_resnet", True), "deterministic b": ("tiny_resnet", True),
            "non-deterministic": ("tiny_resnet", False),
            "densenet a": ("tiny_densenet", True), "densenet b": ("tiny_densenet", True),
            "resnet18": ("resnet18", True)}
    final = {}
    for name, (architecture, deterministic) in runs.items():
        recipe = plan.recipe({"architecture": architecture, "epochs": 5, "batch_size": 128,
                              "lr": 0.1, "weight_decay": 5e-4, "lr_milestones": [4],
                              "deterministic": deterministic, "bn_recalibration": 2048})
        began = time.perf_counter()
        _, result = loop.train(recipe, batches(train_split), batches(test_split), 100,
                                   f"/tmp/gpu_determinism_{name.replace(' ', '_')}.pt",
                                   str(time.time()))
        final[name] = result.predictions
        accuracy = (result.predictions[-1] == test_split.labels).mean()
        print(f"{name:<18} accuracy {accuracy:.4f}  {time.perf_counter() - began:.1f} s")
    print("deterministic runs identical:",
          np.array_equal(final["deterministic a"], final["deterministic b"]))
    print("densenet runs identical:", np.array_equal(final["densenet a"], final["densenet b"]))
    changed = (final["deterministic a"][-1] != final["non-deterministic"][-1]).mean()
    print(f"non-deterministic run differs on {changed:.1%} of final decisions")


if __name__ == "__main__":
    main()
