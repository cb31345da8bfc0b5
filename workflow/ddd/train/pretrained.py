"""Pretrained ImageNet classifiers, for inference only; nothing is ever downloaded.

torchvision weights come from the torch hub cache, where torchvision itself would put them
(`expected_weight_file`), or from an explicit checkpoint; timm models need a checkpoint.
`preprocess` dicts say how the loader must prepare images: resize the shorter side to
`resize` px with `interpolation`, center-crop `crop` px; `infer` then scales uint8 to
[0, 1] and normalises with `mean` and `std`. A pretrained model's decisions form a decision
table with a single epoch (0), with p_true and margin when asked for (ddd.decisions).
"""

from __future__ import annotations

import logging
import math
import os
import pickle
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import urlparse

import numpy as np
import pyarrow as pa
import torch
import torchvision
from torch import nn

import ddd
from ddd import decisions
from ddd.datasets import imagenet
from ddd.train import splits
from ddd.train.batches import loader
from ddd.train.loop import Evaluation, label_confidence
from ddd.train.precision import cuda_amp

log = logging.getLogger(__name__)
SOURCES = ("torchvision", "timm")
WEIGHTS = ("give the weights as torch.save(model.state_dict()) writes them, or a "
           ".safetensors file")


def load_pretrained(name: str, source: str = "torchvision",
                    checkpoint: str | os.PathLike | None = None
                    ) -> tuple[nn.Module, dict[str, Any]]:
    """A pretrained model in eval mode and its preprocessing (resize, crop, mean, std,
    interpolation). `checkpoint`: a state dict file, or a dict holding one under
    "state_dict" or "model"; without it, torchvision weights come from the hub cache."""
    if source == "torchvision":
        model, preprocess = _torchvision(name, checkpoint)
    elif source == "timm":
        model, preprocess = _timm(name, checkpoint)
    else:
        raise ValueError(f"unknown source {source!r}; valid: {', '.join(SOURCES)}")
    return model.eval(), preprocess


def expected_weight_file(name: str) -> Path:
    """Where torchvision caches the DEFAULT weights of model `name`."""
    url = _default_weights(name).url
    return Path(torch.hub.get_dir()) / "checkpoints" / Path(urlparse(url).path).name


@torch.inference_mode()
def infer(model: nn.Module, batches: Iterable[tuple[torch.Tensor, torch.Tensor]],
          preprocess: dict[str, Any], device: torch.device | str, amp: bool = False,
          confidence: bool = False) -> Evaluation:
    """Argmax class (int16) of every image, in order, and with `confidence` its p_true and
    margin. Batches are uint8 images (B, 3, H, W), already resized and cropped, with
    labels (used for the confidence only); they are normalised on `device`, where the
    model is moved (channels_last). `amp`: bfloat16 autocast on CUDA."""
    device = torch.device(device)
    # torch's stubs lack Module.to(device, memory_format=...), which torch accepts
    model.eval().to(device, memory_format=torch.channels_last)  # type: ignore[call-overload]
    mean = torch.tensor(preprocess["mean"], device=device).view(1, 3, 1, 1)
    std = torch.tensor(preprocess["std"], device=device).view(1, 3, 1, 1)
    out, p_true, margin = [], [], []
    with cuda_amp(device, amp).autocast(device):
        for images, labels in batches:
            if images.dtype != torch.uint8:
                raise TypeError(f"infer takes uint8 images, got {images.dtype}")
            x = images.to(device, non_blocking=True).float() / 255
            x = ((x - mean) / std).contiguous(memory_format=torch.channels_last)
            logits = model(x)
            out.append(logits.argmax(1))
            if confidence:
                p, m = label_confidence(logits, labels.to(device))
                p_true.append(p)
                margin.append(m)
    if not out:
        empty = np.empty(0, dtype=np.float32)
        return Evaluation(np.empty(0, dtype=np.int16), *((empty, empty) if confidence else ()))
    predictions = torch.cat(out).cpu().numpy().astype(np.int16)
    if not confidence:
        return Evaluation(predictions)
    return Evaluation(predictions, torch.cat(p_true).cpu().numpy(),
                      torch.cat(margin).cpu().numpy())


def decision_table(evaluation: Evaluation, labels: np.ndarray,
                   image_ids: np.ndarray | None = None) -> pa.Table:
    """The decision table of one pretrained model: a single epoch (0)."""
    def row(values: np.ndarray | None) -> np.ndarray | None:
        return None if values is None else np.asarray(values)[None]

    return decisions.from_predictions(np.asarray(evaluation.predictions)[None], labels, image_ids,
                                      p_true=row(evaluation.p_true),
                                      margin=row(evaluation.margin))


def evaluate(spec: dict[str, Any], data: str | os.PathLike, manifest_path: str | os.PathLike,
             fields: dict[str, Any], device: torch.device, eval_batch_size: int,
             workers: int = 0, confidence: bool = False) -> tuple[pa.Table, dict[str, Any]]:
    """Evaluate the pretrained model `spec` (name, source, checkpoint) on the evaluation
    images of a file dataset: its one-epoch decision table (with p_true and margin when
    `confidence`) and its metadata (`fields`, which name the run, first)."""
    manifest = splits.read_manifest(manifest_path)
    model, preprocess = load_pretrained(spec["name"], spec["source"], spec["checkpoint"])
    index = imagenet.load_index(data, "test", verify=True, manifest_path=manifest_path)
    transform = imagenet.eval_transform(preprocess["resize"], preprocess["crop"],
                                        preprocess["interpolation"])
    log.info("run %s: %s (%s) on %s, %d images, preprocessing %s", fields.get("run"),
             spec["name"], spec["source"], device, len(index), preprocess)
    if splits.num_classes(manifest) != 1000:
        log.warning("the dataset has %d classes, not ImageNet's 1000: predictions are "
                    "indices into the 1000 ImageNet classes", splits.num_classes(manifest))
    began = time.perf_counter()
    batches = loader(imagenet.ImageFiles(index, transform), eval_batch_size, workers, None,
                     device)
    evaluation = infer(model, batches, preprocess, device, confidence=confidence)
    accuracy = float(np.mean(evaluation.predictions == index.labels))
    metadata = {
        **fields,
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
    return decision_table(evaluation, index.labels), metadata


def _default_weights(name: str) -> torchvision.models.WeightsEnum:
    names = torchvision.models.list_models(module=torchvision.models)
    if name not in names:
        raise ValueError(f"unknown torchvision model {name!r}; valid: {', '.join(names)}")
    return torchvision.models.get_model_weights(name).DEFAULT


def _torchvision(name: str, checkpoint: str | os.PathLike | None
                 ) -> tuple[nn.Module, dict[str, Any]]:
    weights = _default_weights(name)
    if checkpoint is None:
        path = expected_weight_file(name)
        if not path.is_file():
            raise FileNotFoundError(
                f"no weights for {name}: expected {path}. Download {weights.url} to {path} on "
                f"a machine with internet (or set TORCH_HOME to a cache holding it), or set "
                f"checkpoint: to a state dict file")
        # the file exists, so torchvision loads it from the cache without downloading
        model = torchvision.models.get_model(name, weights=weights)
    else:
        model = _build_with_state(name, weights, _state_dict(checkpoint))
    transforms = weights.transforms()
    return model, {"resize": transforms.resize_size[0], "crop": transforms.crop_size[0],
                   "mean": tuple(transforms.mean), "std": tuple(transforms.std),
                   "interpolation": transforms.interpolation.value}


def _build_with_state(name: str, weights: torchvision.models.WeightsEnum,
                      state: dict[str, torch.Tensor]) -> nn.Module:
    """torchvision's builder with `weights`, fed `state` instead of the weights' file.

    Builders given weights do more than load them: inception_v3 and googlenet transform
    their input, vit_h_14 takes 518 px, densenet renames legacy keys. Their get_state_dict
    is replaced for the call, so nothing can be downloaded.
    """
    with mock.patch.object(type(weights), "get_state_dict", lambda self, *args, **kw: state):
        return torchvision.models.get_model(name, weights=weights)


def _timm(name: str, checkpoint: str | os.PathLike | None) -> tuple[nn.Module, dict[str, Any]]:
    try:
        import timm
        from timm.data import resolve_data_config
    except ImportError as err:
        raise ImportError("source timm needs the timm package: pip install timm") from err
    if not timm.is_model(name):
        raise ValueError(f"unknown timm model {name!r}; see timm.list_models()")
    if checkpoint is None:
        raise ValueError(f"timm model {name}: set checkpoint: to its weight file (e.g. "
                         f"model.safetensors from its page under https://huggingface.co/timm, "
                         f"downloaded on a machine with internet); timm weights are never "
                         f"downloaded or looked up in caches here")
    model = timm.create_model(name, pretrained=False)
    model.load_state_dict(_state_dict(checkpoint))
    config = resolve_data_config({}, model=model, use_test_size=True)  # evaluation size
    crop = config["input_size"][-1]
    return model, {"resize": math.floor(crop / config["crop_pct"]), "crop": crop,
                   "mean": tuple(config["mean"]), "std": tuple(config["std"]),
                   "interpolation": config["interpolation"]}


def _state_dict(checkpoint: str | os.PathLike) -> dict[str, torch.Tensor]:
    """A state dict from a file: bare, or under "state_dict"/"model"; .safetensors too.
    A DataParallel "module." prefix is removed."""
    path = Path(checkpoint)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint {path} does not exist")
    state: Any  # what the file holds, checked below
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        state = load_file(path)
    else:
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
        except (RuntimeError, EOFError, pickle.UnpicklingError) as err:
            raise ValueError(f"checkpoint {path} is not a PyTorch weights file "
                             f"({str(err)[:200]}); {WEIGHTS}") from None
    if not isinstance(state, dict):
        raise ValueError(f"checkpoint {path} holds a {type(state).__name__}, not a state "
                         f"dict; {WEIGHTS}")
    for key in ("state_dict", "model"):
        if isinstance(state.get(key), dict):
            state = state[key]
            break
    return {k.removeprefix("module."): v for k, v in state.items()}
