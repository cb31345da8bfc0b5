"""The arithmetic a run trains and evaluates with: its precision and memory format.

`train.precision` auto means bfloat16 where the device runs it natively: a CPU with
AVX512-BF16 or AMX (its /proc/cpuinfo flags), or CUDA where the recipe asks for `amp` (the
CUDA path as it always was); float32 otherwise. bf16 is autocast: convolutions and matrix
products run in bfloat16 while the weights, the optimizer's state and the BatchNorm
statistics stay float32. `train.channels_last` keeps images and weights in NHWC order.
Both change the arithmetic, so they are recorded with every run and a checkpoint written
under one never resumes under another.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import torch

PRECISIONS = ("auto", "fp32", "bf16")
BF16_CPU_FLAGS = ("avx512_bf16", "amx_bf16")  # /proc/cpuinfo flags of native bfloat16


def cpu_flags(cpuinfo: str | Path = "/proc/cpuinfo") -> set[str]:
    """The CPU's feature flags (empty where /proc/cpuinfo is missing: not Linux)."""
    try:
        text = Path(cpuinfo).read_text(errors="replace")
    except OSError:
        return set()
    for line in text.splitlines():
        name, _, value = line.partition(":")
        if name.strip() == "flags":
            return set(value.split())
    return set()


def native_bf16_cpu(cpuinfo: str | Path = "/proc/cpuinfo") -> bool:
    """Whether the CPU computes bfloat16 natively (AVX512-BF16 or AMX)."""
    return any(flag in cpu_flags(cpuinfo) for flag in BF16_CPU_FLAGS)


@dataclass(frozen=True)
class Numerics:
    """A run's resolved precision (fp32 or bf16) and memory format."""

    precision: Literal["fp32", "bf16"]
    channels_last: bool

    @property
    def memory_format(self) -> torch.memory_format:
        return torch.channels_last if self.channels_last else torch.contiguous_format

    def autocast(self, device: torch.device) -> contextlib.AbstractContextManager:
        """bfloat16 autocast on `device` under bf16; full precision under fp32."""
        if self.precision == "bf16":
            return torch.autocast(device.type, dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def describe(self) -> dict[str, Any]:
        """What a decision table and a checkpoint record."""
        return {"precision": self.precision,
                "memory_format": "channels_last" if self.channels_last else "contiguous"}

    @classmethod
    def recorded(cls, metadata: dict[str, Any], fallback: Numerics) -> Numerics:
        """The numerics a decision table's metadata records (`fallback` for tables written
        before they were recorded)."""
        if "precision" not in metadata:
            return fallback
        return cls(metadata["precision"],
                   metadata.get("memory_format", "channels_last") == "channels_last")


FP32 = Numerics("fp32", True)  # float32, channels_last


def resolve(precision: str, channels_last: bool, device: torch.device, amp: bool,
            cpuinfo: str | Path = "/proc/cpuinfo") -> Numerics:
    """The numerics of `train.precision` and `train.channels_last` on `device`; `amp` is
    the recipe's (what auto means on CUDA)."""
    if precision not in PRECISIONS:
        raise ValueError(f"train.precision: {precision!r} is not one of {list(PRECISIONS)}")
    resolved: Literal["fp32", "bf16"]
    if precision == "auto":
        native = device.type == "cpu" and native_bf16_cpu(cpuinfo)
        resolved = "bf16" if (amp if device.type == "cuda" else native) else "fp32"
    else:
        resolved = "bf16" if precision == "bf16" else "fp32"
    return Numerics(resolved, bool(channels_last))


def cuda_amp(device: torch.device, amp: bool) -> Numerics:
    """bf16 on CUDA where `amp`, else fp32, channels_last: the arithmetic of pretrained
    models' inference and of runs recorded before the numerics were."""
    return Numerics("bf16" if amp and device.type == "cuda" else "fp32", True)
