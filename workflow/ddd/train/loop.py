"""The training loop: seeded, resumable epochs, evaluated before training and after each.

Every epoch's data order and augmentation come from a generator seeded by (data_seed,
epoch), and the model is initialised from init_seed, so a run killed after epoch e and
resumed from its checkpoint ends with the same decisions as an uninterrupted one
(deterministic mode). The last `head_epochs` epochs retrain only the classifier head on the
frozen features (decoupled classifier retraining, Kang et al. 2020): every other module
in evaluation mode, every other parameter fixed. The precision and memory format
(ddd.train.precision: bf16 autocast on CUDA with `amp` or on a CPU that computes bfloat16
natively) apply to training and evaluation alike; on CUDA `compile` uses torch.compile;
data sources are in ddd.train.batches. With `confidence`, every evaluation also records
each image's p_true and margin (ddd.decisions.CONFIDENCE) from the same logits as its
prediction.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

import ddd
from ddd.study import Recipe
from ddd.train import checkpoints
from ddd.train.batches import (
    Batches,
    Data,
    FileBatches,
    channel_stats,
    eval_batches,
    train_batches,
)
from ddd.train.models import build_model
from ddd.train.precision import Numerics
from ddd.train.precision import resolve as resolve_numerics

__all__ = ["Batches", "Evaluation", "FileBatches", "TrainResult", "pick_device", "predict",
           "train"]

log = logging.getLogger("ddd.train")
SPLIT_SEED = 20220101  # fixes the two class-stratified halves shared by every run
HEAD_NAMES = ("head", "fc", "classifier")  # the classifier module of ddd.train.models' models


@dataclass
class Evaluation:
    """One evaluation of every test image: predictions (int16) and, with confidence,
    p_true and margin (float32)."""

    predictions: np.ndarray
    p_true: np.ndarray | None = None
    margin: np.ndarray | None = None


@dataclass
class TrainResult:
    predictions: np.ndarray  # (epochs + 1, test images) int16; row 0 is before training
    history: list[dict[str, float]] = field(default_factory=list)
    p_true: np.ndarray | None = None  # (epochs + 1, test images) float32, with confidence
    margin: np.ndarray | None = None
    numerics: Numerics | None = None  # the precision and memory format it trained with

    def append(self, evaluation: Evaluation) -> None:
        """Add one evaluation's rows."""
        self.predictions = np.concatenate([self.predictions, evaluation.predictions[None]])
        if evaluation.p_true is not None:
            assert evaluation.margin is not None, "p_true and margin come together"
            self.p_true = np.concatenate([*([] if self.p_true is None else [self.p_true]),
                                          evaluation.p_true[None]])
            self.margin = np.concatenate([*([] if self.margin is None else [self.margin]),
                                          evaluation.margin[None]])


def run_metadata(recipe: Recipe, result: TrainResult, config_key: str, dataset_sha256: str,
                 train_images: int, device: torch.device, seconds: float) -> dict[str, Any]:
    """What a trained run's decision table records about its training."""
    return {
        "architecture": recipe.architecture,
        "init_seed": recipe.init_seed,
        "data_seed": recipe.data_seed,
        "recipe": recipe.as_dict(),
        "config_hash": config_key,
        "dataset_sha256": dataset_sha256,
        "train_images": int(train_images),
        "device": str(device),
        **(result.numerics.describe() if result.numerics is not None else {}),
        "history": result.history,
        "seconds": seconds,
        "versions": {"ddd": ddd.__version__, "torch": torch.__version__,
                     "numpy": np.__version__},
    }


def pick_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def subset_indices(labels: np.ndarray, subset: str, per_class: int | None = None
                   ) -> np.ndarray:
    """Training image indices: all, or one of two fixed class-stratified halves, of the
    first `per_class` images of each class (None: of all)."""
    if subset not in ("all", "half_a", "half_b"):
        raise ValueError(f"unknown train subset {subset!r}; valid: all, half_a, half_b")
    chosen = []
    for cls in np.unique(labels):
        idx = np.flatnonzero(labels == cls)[:per_class]
        if per_class is not None and len(idx) < per_class:
            raise ValueError(f"train_per_class {per_class}: class {cls} has only {len(idx)} "
                             f"training images; lower it or make a larger dataset")
        if subset == "all":
            chosen.append(idx)
            continue
        idx = idx[np.random.default_rng([SPLIT_SEED, int(cls)]).permutation(len(idx))]
        half = len(idx) // 2
        chosen.append(idx[:half] if subset == "half_a" else idx[half:])
    out = np.sort(np.concatenate(chosen))
    if out.size == 0:
        raise ValueError("empty split: half of the training data has no images")
    return out


def train_indices(labels: np.ndarray, recipe: Recipe) -> np.ndarray:
    """The training images a recipe trains on (train_subset of the first train_per_class)."""
    return subset_indices(labels, recipe.train_subset, recipe.train_per_class)


def configure_determinism(deterministic: bool) -> None:
    """Deterministic algorithms everywhere, or cuDNN's fastest (non-deterministic) ones."""
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.use_deterministic_algorithms(deterministic)
    torch.backends.cudnn.deterministic = deterministic
    torch.backends.cudnn.benchmark = not deterministic


def label_confidence(logits: torch.Tensor, labels: torch.Tensor
                     ) -> tuple[torch.Tensor, torch.Tensor]:
    """p_true (softmax at temperature 1) and margin (label's logit minus the largest
    other) of (images, classes) logits, in float32."""
    logits = logits.float()
    index = labels.long()[:, None]
    p_true = logits.log_softmax(1).gather(1, index).squeeze(1).exp()
    others = logits.scatter(1, index, float("-inf"))
    return p_true, logits.gather(1, index).squeeze(1) - others.amax(1)


@torch.inference_mode()
def predict(model: nn.Module, data: Data, mean: torch.Tensor, std: torch.Tensor,
            batch_size: int, numerics: Numerics, confidence: bool = False) -> Evaluation:
    """Argmax class of every image, in order; with `confidence` its p_true and margin."""
    model.eval()
    out, p_true, margin = [], [], []
    with numerics.autocast(data.device):
        for x, y in eval_batches(data, batch_size, mean, std, numerics.memory_format):
            logits = model(x)
            out.append(logits.argmax(1))
            if confidence:
                p, m = label_confidence(logits, y.to(logits.device))
                p_true.append(p)
                margin.append(m)
    predictions = torch.cat(out).cpu().numpy().astype(np.int16)
    if not confidence:
        return Evaluation(predictions)
    return Evaluation(predictions, torch.cat(p_true).cpu().numpy(),
                      torch.cat(margin).cpu().numpy())


@torch.no_grad()
def recalibrate_batchnorm(model: nn.Module, data: Data, mean: torch.Tensor,
                          std: torch.Tensor, images: int, batch_size: int,
                          memory_format: torch.memory_format = torch.channels_last) -> None:
    """Replace BatchNorm running statistics by plain averages of the batch statistics over
    `images` training images (a fixed, seeded choice), computed with the current weights.

    The default exponential average follows the last few batches. When classes differ
    only in pixel scale (the Gaussian-sigma set), its noise shifts every prediction at
    once and test accuracy jumps from epoch to epoch; averaging over many batches of the
    final weights removes that. The forward passes run in float32 under every precision.
    """
    norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if images <= 0 or not norms:
        return
    if not isinstance(data, Batches):
        raise ValueError("bn_recalibration needs the training data in memory; set it to 0 "
                         "for file-based datasets (ImageNet)")
    momenta = [m.momentum for m in norms]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # cumulative average over the calibration batches
    model.train()
    order = torch.randperm(len(data.images), generator=torch.Generator().manual_seed(0))
    order = order[:images].to(data.images.device)
    for start in range(0, len(order), batch_size):
        x = (data.images[order[start:start + batch_size]].float() - mean) / std
        model(x.contiguous(memory_format=memory_format))
    for m, momentum in zip(norms, momenta, strict=True):
        m.momentum = momentum


def classifier_head(model: nn.Module) -> nn.Module:
    """The model's classifier: its child named head, fc or classifier."""
    for name in HEAD_NAMES:
        head = getattr(model, name, None)
        if isinstance(head, nn.Module):
            return head
    raise ValueError(f"head_epochs: {type(model).__name__} has no classifier module named "
                     f"one of {HEAD_NAMES}; set head_epochs to 0")


def freeze_all_but_head(model: nn.Module) -> None:
    """Put every module outside the classifier head in evaluation mode and fix its
    parameters; the head stays as it is."""
    head = classifier_head(model)
    in_head = {id(m) for m in head.modules()}
    head_params = {id(p) for p in head.parameters()}
    for module in model.modules():
        if id(module) not in in_head:
            module.training = False  # not eval(): it would recurse into the head
    for param in model.parameters():
        param.requires_grad_(id(param) in head_params)


def train_epoch(net: nn.Module, optimizer: torch.optim.Optimizer, data: Data,
                recipe: Recipe, epoch: int, mean: torch.Tensor, std: torch.Tensor,
                progress: bool, numerics: Numerics,
                step_schedule: torch.optim.lr_scheduler.LRScheduler | None = None
                ) -> dict[str, float]:
    """One epoch of SGD steps (only the head's in the last `head_epochs`); returns the mean
    training loss and accuracy. `step_schedule`, if given, steps after every SGD step."""
    net.train()
    if epoch > recipe.total_epochs - recipe.head_epochs:
        freeze_all_but_head(net)
    loss_sum = torch.zeros((), device=data.device)
    right = torch.zeros((), device=data.device, dtype=torch.long)
    batches = train_batches(data, recipe.batch_size, recipe.data_seed, epoch, recipe.flip,
                            recipe.crop_padding, mean, std, numerics.memory_format)
    steps = -(-len(data) // recipe.batch_size)
    for x_batch, y_batch in tqdm(batches, total=steps, desc=f"epoch {epoch}", leave=False,
                                 disable=not progress):
        # batch_splits > 1: the same batch fed as consecutive smaller steps (B.3 half batch).
        for x, y in zip(x_batch.tensor_split(recipe.batch_splits),
                        y_batch.tensor_split(recipe.batch_splits), strict=True):
            with numerics.autocast(data.device):
                logits = net(x)
                loss = nn.functional.cross_entropy(logits, y,
                                                   label_smoothing=recipe.label_smoothing)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            if step_schedule is not None:
                step_schedule.step()
            loss_sum += loss.detach() * len(y)
            right += (logits.argmax(1) == y).sum()
    n = len(data)
    return {"train_loss": loss_sum.item() / n, "train_accuracy": right.item() / n}


def lr_schedule(optimizer: torch.optim.Optimizer, recipe: Recipe, train_images: int
                ) -> torch.optim.lr_scheduler.LRScheduler:
    """The recipe's learning-rate schedule. `step`: lr times lr_gamma after each of the
    lr_milestones epochs (stepped once per epoch). `linear`: stepped after every SGD step of
    the run's total_epochs, lr rises linearly over the first lr_warmup share of the steps
    and falls linearly to lr / (steps after the warm-up) at the last step."""
    if recipe.lr_schedule == "step":
        return torch.optim.lr_scheduler.MultiStepLR(optimizer, list(recipe.lr_milestones),
                                                    recipe.lr_gamma)
    steps = -(-train_images // recipe.batch_size) * recipe.batch_splits * recipe.total_epochs
    warmup = min(max(round(recipe.lr_warmup * steps), 1), steps - 1) if steps > 1 else 0

    def factor(step: int) -> float:
        step = min(step, steps - 1)
        if step < warmup:
            return (step + 1) / warmup
        return (steps - step) / (steps - warmup)

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def train(recipe: Recipe, train_data: Data, test_data: Data, num_classes: int,
          checkpoint: str | os.PathLike, checkpoint_key: str,
          eval_batch_size: int = 1000, image_size: int | None = None,
          precision: str = "auto", channels_last: bool = True, confidence: bool = False
          ) -> tuple[nn.Module, TrainResult]:
    """Train one run, evaluating on `test_data` before training and after every epoch.

    `image_size` (the training crop) defaults to the in-memory images' size. `precision`
    and `channels_last` are train.precision and train.channels_last (ddd.train.precision);
    `confidence`: record p_true and margin at every evaluation too.

    After each epoch the full state is saved to `checkpoint` (atomically); a checkpoint whose
    key matches `checkpoint_key` (the run's config hash) is resumed, any other is ignored,
    and one of this configuration written under another precision or memory format is an
    error (CheckpointError).
    """
    if recipe.head_epochs >= recipe.total_epochs:
        raise ValueError(f"head_epochs ({recipe.head_epochs}) must be fewer than the run's "
                         f"{recipe.total_epochs} epochs, or the features are never trained")
    configure_determinism(recipe.deterministic)
    device = train_data.device
    if image_size is None:
        if not isinstance(train_data, Batches):
            raise ValueError("give image_size (the training crop) for file-based data")
        image_size = train_data.images.shape[-1]
    numerics = resolve_numerics(precision, channels_last, device, recipe.amp)
    log.info("precision %s, memory format %s", *numerics.describe().values())
    torch.manual_seed(recipe.init_seed)
    model = build_model(recipe.architecture, num_classes, image_size)
    # torch's stubs lack Module.to(device, memory_format=...), which torch accepts
    model = model.to(device, memory_format=numerics.memory_format)  # type: ignore[call-overload]
    compiled = recipe.compile and device.type == "cuda"
    # torch's stubs type torch.compile's result as any callable; of a Module it is a Module.
    # model keeps the plain state dict.
    net = cast(nn.Module, torch.compile(model)) if compiled else model
    optimizer = torch.optim.SGD(model.parameters(), lr=recipe.effective_lr,
                                momentum=recipe.momentum, nesterov=recipe.nesterov,
                                weight_decay=recipe.weight_decay)
    scheduler = lr_schedule(optimizer, recipe, len(train_data))
    step_schedule = scheduler if recipe.lr_schedule == "linear" else None
    mean, std = channel_stats(train_data)
    test_labels = np.asarray(test_data.labels.cpu() if isinstance(test_data, Batches)
                             else test_data.labels)

    def evaluate() -> tuple[Evaluation, float]:
        began = time.perf_counter()
        recalibrate_batchnorm(model, train_data, mean, std, recipe.bn_recalibration,
                              recipe.batch_size, numerics.memory_format)
        evaluation = predict(net, test_data, mean, std, eval_batch_size, numerics, confidence)
        return evaluation, time.perf_counter() - began

    result = TrainResult(np.empty((0, len(test_data)), dtype=np.int16), numerics=numerics)
    start_epoch = 1
    state = _load_checkpoint(checkpoint, checkpoint_key, numerics, confidence)
    if state is not None:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        result = TrainResult(state["predictions"].numpy(), state["history"],
                             state["p_true"].numpy() if confidence else None,
                             state["margin"].numpy() if confidence else None, numerics)
        start_epoch = state["epoch"] + 1
        log.info("resuming from %s after epoch %d", checkpoint, state["epoch"])
    else:
        evaluation, _ = evaluate()
        result.append(evaluation)
        log.info("epoch 0 (untrained): test accuracy %.4f",
                 np.mean(evaluation.predictions == test_labels))
    progress = sys.stderr.isatty()
    for epoch in range(start_epoch, recipe.total_epochs + 1):
        began = time.perf_counter()
        stats = train_epoch(net, optimizer, train_data, recipe, epoch, mean, std, progress,
                            numerics, step_schedule)
        if step_schedule is None:
            scheduler.step()
        evaluation, eval_seconds = evaluate()
        stats.update(epoch=epoch,
                     test_accuracy=float(np.mean(evaluation.predictions == test_labels)),
                     seconds=time.perf_counter() - began, eval_seconds=eval_seconds,
                     lr=optimizer.param_groups[0]["lr"])
        result.append(evaluation)
        result.history.append(stats)
        log.info("epoch %d/%d: train loss %.4f, train accuracy %.4f, test accuracy %.4f, "
                 "%.1f s (evaluation %.1f s)", epoch, recipe.total_epochs, stats["train_loss"],
                 stats["train_accuracy"], stats["test_accuracy"], stats["seconds"],
                 eval_seconds)
        _save_checkpoint(checkpoint, checkpoint_key, epoch, model, optimizer, scheduler, result)
    return model, result


def _save_checkpoint(path: str | os.PathLike, key: str, epoch: int, model: nn.Module,
                     optimizer: torch.optim.Optimizer,
                     scheduler: torch.optim.lr_scheduler.LRScheduler,
                     result: TrainResult) -> None:
    state = {"key": key, "epoch": epoch, "model": model.state_dict(),
             "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
             "predictions": torch.from_numpy(result.predictions), "history": result.history,
             "numerics": result.numerics.describe() if result.numerics else None}
    if result.p_true is not None:
        assert result.margin is not None, "p_true and margin come together"
        state.update(p_true=torch.from_numpy(result.p_true),
                     margin=torch.from_numpy(result.margin))
    checkpoints.save(path, state)


def _load_checkpoint(path: str | os.PathLike, key: str, numerics: Numerics, confidence: bool
                     ) -> dict | None:
    """The checkpoint's state if it is this configuration's, None if there is none to
    resume; an error if it is this configuration's under other numerics."""
    path = Path(path)
    if not path.exists():
        return None
    try:
        state = checkpoints.load(path)
    except Exception as err:  # truncated, altered or foreign: start over, but say so
        log.warning("ignoring unreadable checkpoint %s (%s); training from scratch", path, err)
        return None
    if state.get("key") != key:
        log.info("checkpoint %s belongs to another configuration; training from scratch", path)
        return None
    if confidence and "p_true" not in state:
        log.info("checkpoint %s has no p_true and margin; training from scratch", path)
        return None
    written, now = state.get("numerics"), numerics.describe()
    if written is None:
        log.info("checkpoint %s does not record its precision; training from scratch", path)
        return None
    if written != now:
        raise checkpoints.CheckpointError(
            f"{path} was written under precision {written['precision']}, memory format "
            f"{written['memory_format']}; this run trains under precision "
            f"{now['precision']}, memory format {now['memory_format']}, and a run never "
            f"resumes under other arithmetic. Resume it with train.precision: "
            f"{written['precision']} and train.channels_last: "
            f"{str(written['memory_format'] == 'channels_last').lower()}, or delete {path} "
            f"to train from scratch")
    return state
