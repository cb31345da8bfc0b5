"""train.precision and train.channels_last: what auto resolves to, and the config keys."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import torch
import yaml

from ddd import plan
from ddd.plan import ConfigError
from ddd.train import precision

ROOT = Path(__file__).resolve().parents[1]
CPU, CUDA = torch.device("cpu"), torch.device("cuda")
TINY = yaml.safe_load((ROOT / "tests/tiny_config.yaml").read_text())


def cpuinfo(tmp_path, flags: str) -> str:
    """A /proc/cpuinfo of two processors with these flags."""
    block = f"processor\t: 0\nmodel name\t: Test CPU\nflags\t\t: fpu sse2 {flags}\n\n"
    path = tmp_path / "cpuinfo"
    path.write_text(block + block.replace(": 0", ": 1"))
    return str(path)


@pytest.mark.parametrize(("flags", "native"), [
    ("avx2 avx512f avx512bw avx512_bf16", True),
    ("avx2 amx_tile amx_bf16 amx_int8", True),
    ("avx2 avx512f avx512bw avx512_vnni", False),  # AVX-512 without its bf16 extension
    ("avx2", False),
])
def test_auto_is_bf16_on_cpus_that_compute_it_natively(tmp_path, flags, native):
    path = cpuinfo(tmp_path, flags)
    assert precision.native_bf16_cpu(path) is native
    resolved = precision.resolve("auto", True, CPU, amp=False, cpuinfo=path)
    assert resolved.precision == ("bf16" if native else "fp32")
    for forced in ("fp32", "bf16"):  # a setting other than auto is taken as it is
        assert precision.resolve(forced, True, CPU, amp=True, cpuinfo=path).precision == forced


def test_without_cpuinfo_auto_is_fp32(tmp_path):
    missing = tmp_path / "no_such_cpuinfo"
    assert precision.cpu_flags(missing) == set()
    assert precision.resolve("auto", True, CPU, False, cpuinfo=missing).precision == "fp32"


def test_auto_on_cuda_follows_the_recipes_amp(tmp_path):
    path = cpuinfo(tmp_path, "avx512_bf16")  # the host CPU does not matter on CUDA
    assert precision.resolve("auto", True, CUDA, amp=True, cpuinfo=path).precision == "bf16"
    assert precision.resolve("auto", True, CUDA, amp=False, cpuinfo=path).precision == "fp32"
    assert precision.resolve("fp32", True, CUDA, amp=True).precision == "fp32"
    assert precision.cuda_amp(CUDA, True).precision == "bf16"
    assert precision.cuda_amp(CPU, True).precision == "fp32"  # amp is for CUDA only


def test_numerics_autocast_and_memory_format():
    x = torch.randn(2, 3, 4, 4)
    conv = torch.nn.Conv2d(3, 2, 1)
    with precision.Numerics("bf16", False).autocast(CPU):
        assert conv(x).dtype == torch.bfloat16
    with precision.Numerics("fp32", True).autocast(CPU):
        assert conv(x).dtype == torch.float32
    assert precision.Numerics("fp32", True).memory_format == torch.channels_last
    assert precision.Numerics("bf16", False).describe() == {"precision": "bf16",
                                                            "memory_format": "contiguous"}


def test_recorded_numerics_fall_back_for_tables_without_them():
    fallback = precision.Numerics("fp32", True)
    assert precision.Numerics.recorded({"device": "cpu"}, fallback) is fallback
    recorded = {"precision": "bf16", "memory_format": "contiguous"}
    assert precision.Numerics.recorded(recorded, fallback) == precision.Numerics("bf16", False)


def test_unknown_precision_is_an_error_naming_the_key():
    with pytest.raises(ValueError, match=r"train.precision: 'fp16' is not one of"):
        precision.resolve("fp16", True, CPU, False)


def test_config_defaults_and_checks():
    config = copy.deepcopy(TINY)
    plan.load(config)
    assert config["train"]["precision"] == "auto" and config["train"]["channels_last"] is True
    config = copy.deepcopy(TINY)
    config["train"] = {"precision": "fp16"}
    with pytest.raises(ConfigError, match=r"train.precision.*'fp16'"):
        plan.load(config)
