import re
import sys
import types
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pytest
import torch
import torchvision
from torch import nn

from ddd import decisions
from ddd.datasets import imagenet
from ddd.train import pretrained
from ddd.train.pretrained import decision_table, expected_weight_file, infer, load_pretrained
from tests import fakes

torch.set_num_threads(1)

IMAGENET = {"resize": 256, "crop": 224, "mean": (0.485, 0.456, 0.406),
            "std": (0.229, 0.224, 0.225), "interpolation": "bilinear"}
RESNET18_URL = torchvision.models.ResNet18_Weights.DEFAULT.url


@pytest.fixture(autouse=True)
def no_downloads(monkeypatch):
    def refuse(url, *args, **kwargs):
        raise AssertionError(f"tried to download {url}")

    monkeypatch.setattr(torch.hub, "download_url_to_file", refuse)


@pytest.fixture
def hub(tmp_path, monkeypatch) -> Path:
    """A fresh torch hub cache: TORCH_HOME, with no torch.hub.set_dir override."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.setattr(torch.hub, "_hub_dir", None)
    return tmp_path / "hub" / "checkpoints"


@pytest.fixture(scope="module")
def reference() -> nn.Module:
    torch.manual_seed(0)
    return torchvision.models.resnet18().eval()


def assert_same_weights(model: nn.Module, reference: nn.Module) -> None:
    expected = reference.state_dict()
    actual = model.state_dict()
    assert actual.keys() == expected.keys()
    assert all(torch.equal(actual[k], expected[k]) for k in expected)


def test_torchvision_weights_load_from_the_hub_cache(hub, reference):
    path = hub / Path(urlparse(RESNET18_URL).path).name
    assert expected_weight_file("resnet18") == path
    path.parent.mkdir(parents=True)
    torch.save(reference.state_dict(), path)
    model, preprocess = load_pretrained("resnet18")
    assert not model.training
    assert_same_weights(model, reference)
    assert preprocess == IMAGENET


@pytest.mark.parametrize("wrap", [lambda s: s, lambda s: {"state_dict": s},
                                  lambda s: {"model": s, "epoch": 3},
                                  lambda s: {f"module.{k}": v for k, v in s.items()}],
                         ids=["bare", "state_dict", "model", "dataparallel"])
def test_torchvision_weights_load_from_a_checkpoint(hub, tmp_path, reference, wrap):
    path = tmp_path / "weights.pt"
    torch.save(wrap(reference.state_dict()), path)
    model, preprocess = load_pretrained("resnet18", checkpoint=path)
    assert_same_weights(model, reference)
    assert preprocess == IMAGENET
    assert not hub.exists()  # the cache was not consulted


def test_checkpoints_get_what_torchvision_does_with_its_weights(tmp_path):
    """Legacy densenet keys are renamed; googlenet transforms its input, drops aux heads."""
    torch.manual_seed(0)
    densenet = torchvision.models.densenet121()
    legacy = {re.sub(r"(denselayer\d+\.(?:norm|relu|conv))([12])", r"\1.\2", k): v
              for k, v in densenet.state_dict().items()
              if not k.endswith("num_batches_tracked")}  # as in torchvision's old files
    assert legacy.keys() != densenet.state_dict().keys()
    torch.save(legacy, tmp_path / "densenet.pth")
    model, _ = load_pretrained("densenet121", checkpoint=tmp_path / "densenet.pth")
    assert_same_weights(model, densenet)
    googlenet = torchvision.models.googlenet(aux_logits=True, init_weights=False)
    torch.save(googlenet.state_dict(), tmp_path / "googlenet.pth")
    model, _ = load_pretrained("googlenet", checkpoint=tmp_path / "googlenet.pth")
    assert model.transform_input and model.aux1 is None
    weights = torchvision.models.GoogLeNet_Weights
    assert "get_state_dict" not in vars(weights)  # the stand-in loader is gone again


def test_missing_weights_name_the_expected_file_and_url(hub):
    with pytest.raises(FileNotFoundError) as err:
        load_pretrained("resnet18")
    message = str(err.value)
    assert str(hub / Path(urlparse(RESNET18_URL).path).name) in message
    assert RESNET18_URL in message and "checkpoint:" in message


def test_missing_checkpoint_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match=re.escape(str(tmp_path / "nope.pt"))):
        load_pretrained("resnet18", checkpoint=tmp_path / "nope.pt")


def test_unknown_model_or_source_is_a_value_error():
    with pytest.raises(ValueError, match="unknown torchvision model 'resnet19'.*resnet18"):
        load_pretrained("resnet19")
    with pytest.raises(ValueError, match="unknown source 'keras'"):
        load_pretrained("resnet18", source="keras")


def uint8_batches(n: int, size: int, seed: int = 0) -> list[tuple[torch.Tensor, torch.Tensor]]:
    gen = torch.Generator().manual_seed(seed)
    images = torch.randint(0, 256, (n, 3, size, size), dtype=torch.uint8, generator=gen)
    labels = torch.randint(0, 10, (n,), generator=gen)
    return list(zip(images.split(3), labels.split(3), strict=True))


def test_infer_normalises_and_takes_the_argmax():
    torch.manual_seed(0)
    model = torchvision.models.resnet18(num_classes=10).eval()
    batches = uint8_batches(7, 32)
    predictions = infer(model, batches, IMAGENET, "cpu").predictions
    images = torch.cat([x for x, _ in batches]).float() / 255
    mean = torch.tensor(IMAGENET["mean"]).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET["std"]).view(1, 3, 1, 1)
    with torch.no_grad():
        expected = model((images - mean) / std).argmax(1).numpy()
    assert predictions.dtype == np.int16
    assert np.array_equal(predictions, expected)


def test_infer_records_confidence_from_the_same_logits(tmp_path):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 10)).eval()
    batches = uint8_batches(7, 8)
    labels = torch.cat([y for _, y in batches]).numpy()
    evaluation = infer(model, batches, IMAGENET, "cpu", confidence=True)
    images = torch.cat([x for x, _ in batches]).float() / 255
    mean = torch.tensor(IMAGENET["mean"]).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET["std"]).view(1, 3, 1, 1)
    with torch.no_grad():
        logits = model((images - mean) / std).numpy()
    p_true, margin = decisions.confidence(logits, labels)  # numpy, independent of torch
    np.testing.assert_allclose(evaluation.p_true, p_true, rtol=1e-5)
    np.testing.assert_allclose(evaluation.margin, margin, rtol=1e-4, atol=1e-5)
    path = tmp_path / "run.parquet"
    decisions.write(path, decision_table(evaluation, labels),
                    {"run": "r", "dataset": "imagenet", "condition": "pretrained",
                     "instance": 1, "architecture": "toy"})
    frame = decisions.read(path)
    for name, expected in (("p_true", p_true), ("margin", margin)):
        np.testing.assert_allclose(frame[name], expected, rtol=decisions.CONFIDENCE_ERROR,
                                   atol=decisions.CONFIDENCE_ABS_ERROR)


def test_infer_rejects_float_images():
    with pytest.raises(TypeError, match="uint8"):
        infer(nn.Identity(), [(torch.zeros(1, 3, 4, 4), torch.zeros(1))], IMAGENET, "cpu")


def test_decision_table_has_one_epoch_and_validates(tmp_path):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 10))
    batches = uint8_batches(7, 8)
    labels = torch.cat([y for _, y in batches]).numpy()
    table = decision_table(infer(model, batches, IMAGENET, "cpu"), labels,
                           image_ids=np.arange(100, 107))
    decisions.validate(table)
    path = tmp_path / "run.parquet"
    decisions.write(path, table, {"run": "r", "dataset": "imagenet", "condition": "pretrained",
                                  "instance": 1, "architecture": "toy"})
    frame = decisions.read(path, epoch=-1)
    assert frame["epoch"].unique().tolist() == [0]
    assert frame["image_id"].tolist() == list(range(100, 107))
    assert frame["label"].tolist() == labels.tolist()


@pytest.mark.filterwarnings("ignore:The image decoding:DeprecationWarning")
def test_evaluate_a_model_on_a_file_dataset(tmp_path, monkeypatch, caplog):
    source = fakes.write_imagenet(tmp_path / "ilsvrc")
    indices = {name: imagenet.build_index(source, folder)[0]
               for name, folder in (("train", "train"), ("test", "val"))}
    data, manifest = tmp_path / "dataset.npz", tmp_path / "manifest.json"
    imagenet.save_index(data, manifest, indices, {"spec": {}}, wnids=fakes.WNIDS,
                        class_names=fakes.WNIDS)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(3 * 16 * 16, 1000)).eval()
    preprocess = {**IMAGENET, "resize": 20, "crop": 16}
    loaded = []
    monkeypatch.setattr(pretrained, "load_pretrained",
                        lambda *spec: loaded.append(spec) or (model, preprocess))
    spec = {"name": "toy", "source": "torchvision", "checkpoint": None}
    with caplog.at_level("INFO", "ddd"):
        table, meta = pretrained.evaluate(spec, data, manifest, {"run": "toy-1"},
                                         torch.device("cpu"), 4)
    assert loaded == [("toy", "torchvision", None)]
    assert "not ImageNet's 1000" in caplog.text
    transform = imagenet.eval_transform(20, 16, "bilinear")
    images = [x for x, _ in imagenet.ImageFiles(indices["test"], transform)]
    expected = infer(model, [(torch.stack(images), None)], preprocess, "cpu").predictions
    assert table.column("prediction").to_numpy().tolist() == expected.tolist()
    assert list(meta)[:3] == ["run", "dataset", "architecture"] and meta["pretrained"] == spec
    assert meta["history"] == [{"epoch": 0, "test_accuracy": float(
        np.mean(expected == indices["test"].labels))}]


def test_timm_without_timm_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "timm", None)  # import timm raises ImportError
    with pytest.raises(ImportError, match="pip install timm"):
        load_pretrained("resnet18", source="timm")


def test_timm_path_with_a_stand_in_module(monkeypatch, tmp_path):
    """Our side of the timm calls (is_model, create_model, resolve_data_config)."""
    torch.manual_seed(0)
    reference = nn.Linear(4, 3)
    timm = types.ModuleType("timm")
    timm.is_model = lambda name: name == "toy"
    timm.create_model = lambda name, pretrained: nn.Linear(4, 3)
    data = types.ModuleType("timm.data")
    data.resolve_data_config = lambda args, model, use_test_size=False: {
        "input_size": (3, 288, 288) if use_test_size else (3, 224, 224), "crop_pct": 0.95,
        "mean": (0.5, 0.5, 0.5), "std": (0.5, 0.5, 0.5), "interpolation": "bicubic"}
    timm.data = data
    monkeypatch.setitem(sys.modules, "timm", timm)
    monkeypatch.setitem(sys.modules, "timm.data", data)
    torch.save({"state_dict": reference.state_dict()}, tmp_path / "toy.pth")
    model, preprocess = load_pretrained("toy", "timm", tmp_path / "toy.pth")
    assert_same_weights(model, reference)
    assert preprocess == {"resize": 303, "crop": 288, "mean": (0.5, 0.5, 0.5),
                          "std": (0.5, 0.5, 0.5), "interpolation": "bicubic"}
    with pytest.raises(ValueError, match="set checkpoint:"):
        load_pretrained("toy", "timm")
    with pytest.raises(ValueError, match="unknown timm model 'resnet19'"):
        load_pretrained("resnet19", "timm", tmp_path / "toy.pth")


def test_timm_model_from_a_checkpoint(tmp_path):
    timm = pytest.importorskip("timm")
    torch.manual_seed(0)
    reference = timm.create_model("resnet10t", pretrained=False)
    torch.save(reference.state_dict(), tmp_path / "resnet10t.pth")
    model, preprocess = load_pretrained("resnet10t", "timm", tmp_path / "resnet10t.pth")
    assert_same_weights(model, reference)
    assert preprocess["crop"] == 224 and len(preprocess["mean"]) == 3


def test_safetensors_checkpoint(tmp_path, reference):
    safetensors = pytest.importorskip("safetensors.torch")
    safetensors.save_file(reference.state_dict(), tmp_path / "model.safetensors")
    model, _ = load_pretrained("resnet18", checkpoint=tmp_path / "model.safetensors")
    assert_same_weights(model, reference)
