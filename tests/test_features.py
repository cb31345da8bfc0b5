"""Capturing logits and a named layer's activations from a model, and their file."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ddd import features
from ddd.train import capture
from ddd.train.batches import Batches
from ddd.train.models import build_model


@pytest.fixture
def model_and_data():
    torch.manual_seed(0)
    model = build_model("tiny_resnet", 5, 8).eval()
    gen = torch.Generator().manual_seed(1)
    images = torch.randint(0, 256, (23, 3, 8, 8), dtype=torch.uint8, generator=gen)
    data = Batches(images, torch.arange(23) % 5)
    mean = torch.full((1, 3, 1, 1), 127.0)
    std = torch.full((1, 3, 1, 1), 70.0)
    return model, data, mean, std


def test_capture_gives_logits_of_all_images_and_the_layer_on_chosen_rows(model_and_data):
    model, data, mean, std = model_and_data
    rows = np.array([0, 4, 5, 11, 22])
    x = (data.images.float() - mean) / std
    seen = {}
    handle = model.blocks[2].register_forward_hook(lambda m, i, o: seen.update(out=o))
    with torch.no_grad():
        expected_logits = model(x).numpy()
    handle.remove()
    layer = capture.find_layer(model, "blocks.2", "tiny_resnet")
    logits, acts = capture.capture(model, data, mean, std, 4, layer, rows)  # 6 batches
    np.testing.assert_allclose(logits, expected_logits, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(acts, seen["out"][rows].flatten(1).numpy(), rtol=1e-4,
                               atol=1e-5)
    logits_out, acts_out = capture.capture(model, data, mean, std, 10, None, rows)
    np.testing.assert_allclose(acts_out, logits_out[rows])
    assert not model.blocks[2]._forward_hooks  # the hook is removed again


def test_layer_names_are_checked(model_and_data):
    model = model_and_data[0]
    assert capture.find_layer(model, capture.OUTPUT, "tiny_resnet") is None
    with pytest.raises(ValueError, match=r"no module 'blocks\.9'; valid: 'output'.*'head'"):
        capture.find_layer(model, "blocks.9", "tiny_resnet")
    assert capture.layer_for({"tiny_resnet": "head"}, "tiny_resnet") == "head"
    with pytest.raises(ValueError, match="no layer for architecture 'vgg11'"):
        capture.layer_for({"tiny_resnet": "head"}, "vgg11")


def test_features_file_round_trip_in_float16(tmp_path):
    found = features.Features(np.arange(4), np.array([0, 1, 0, 1]),
                              np.array([[1.0, 2.0]] * 4), np.array([1, 3]),
                              np.ones((2, 6)), "head")
    features.save(tmp_path / "run.npz", found)
    back = features.load(tmp_path / "run.npz")
    assert back.logits.dtype == np.float16 and back.layer == "head"
    np.testing.assert_array_equal(back.rsa_image_ids, [1, 3])
    with pytest.raises(ValueError, match="float16 range"):
        features.save(tmp_path / "big.npz", features.Features(
            found.image_ids, found.labels, found.logits * 1e6, found.rsa_image_ids,
            found.activations, "head"))
    assert not (tmp_path / "big.npz").exists()
    with pytest.raises(FileNotFoundError, match="snakemake"):
        features.load(tmp_path / "none.npz")
