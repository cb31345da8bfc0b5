import numpy as np
import pytest
import torch

from ddd.datasets import gaussian
from ddd.plan import recipe as make_recipe
from ddd.study import Recipe
from ddd.train import checkpoints, loop
from ddd.train.models import ARCHITECTURES, build_model

torch.set_num_threads(1)


def small_data():
    sig = gaussian.sigmas(4, 1, 30)  # 4 well-separated classes
    train = gaussian.make_split(0, 32, sig, 8, seed=0)
    test = gaussian.make_split(1, 16, sig, 8, seed=0)

    def batches(split):
        return loop.Batches(torch.from_numpy(split.images),
                                torch.from_numpy(split.labels.astype(np.int64)))

    return batches(train), batches(test)


RECIPE = make_recipe({"architecture": "tiny_resnet", "epochs": 3, "batch_size": 32,
                      "lr": 0.05, "weight_decay": 5e-4})


def run(tmp_path, recipe=RECIPE, name="ckpt.pt", precision="fp32", channels_last=True):
    train, test = small_data()
    return loop.train(recipe, train, test, 4, tmp_path / name, "key", precision=precision,
                      channels_last=channels_last)


def test_learns_above_chance_and_records_every_epoch(tmp_path):
    _, result = run(tmp_path)
    assert result.predictions.shape == (4, 64)  # epoch 0 plus 3 epochs
    accuracy = (result.predictions[-1] == np.repeat(np.arange(4), 16)).mean()
    assert accuracy > 0.45  # chance is 0.25
    assert [h["epoch"] for h in result.history] == [1, 2, 3]
    assert all(h["seconds"] > 0 and np.isfinite(h["train_loss"]) for h in result.history)


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_same_seed_same_decisions_and_other_seed_differs(tmp_path, precision):
    _, a = run(tmp_path, name="a.pt", precision=precision)
    _, b = run(tmp_path, name="b.pt", precision=precision)
    _, c = run(tmp_path, Recipe(**{**RECIPE.__dict__, "init_seed": 1}), name="c.pt",
               precision=precision)
    assert a.numerics.precision == precision
    assert np.array_equal(a.predictions, b.predictions)
    assert not np.array_equal(a.predictions, c.predictions)


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
@pytest.mark.parametrize(("recalibrate", "head_epochs", "schedule"),
                         [(0, 0, "step"), (64, 0, "step"), (64, 2, "step"), (0, 0, "linear")])
def test_killed_run_resumes_to_identical_decisions(tmp_path, monkeypatch, recalibrate,
                                                   head_epochs, schedule, precision):
    recipe = Recipe(**{**RECIPE.__dict__, "bn_recalibration": recalibrate,
                       "head_epochs": head_epochs, "lr_schedule": schedule})
    _, uninterrupted = run(tmp_path, recipe, name="full.pt", precision=precision)
    save = loop._save_checkpoint

    def save_then_die(path, key, epoch, *args):
        save(path, key, epoch, *args)
        if epoch == 2:
            raise KeyboardInterrupt("killed after epoch 2")

    monkeypatch.setattr(loop, "_save_checkpoint", save_then_die)
    with pytest.raises(KeyboardInterrupt):
        run(tmp_path, recipe, name="resume.pt", precision=precision)
    monkeypatch.setattr(loop, "_save_checkpoint", save)
    assert (tmp_path / "resume.pt").exists()
    trained_epochs = []
    train_epoch = loop.train_epoch

    def counting(model, optimizer, data, recipe, epoch, *args):
        trained_epochs.append(epoch)
        return train_epoch(model, optimizer, data, recipe, epoch, *args)

    monkeypatch.setattr(loop, "train_epoch", counting)
    _, resumed = run(tmp_path, recipe, name="resume.pt", precision=precision)
    assert trained_epochs == [3]  # epochs 1 and 2 came from the checkpoint
    assert [h["epoch"] for h in resumed.history] == [1, 2, 3]
    assert np.array_equal(resumed.predictions, uninterrupted.predictions)


@pytest.mark.parametrize(("splits", "extra", "warmup"), [(1, 0, 0.2), (2, 1, 0.5), (1, 0, 0.0)])
def test_linear_schedule_sets_each_steps_lr(tmp_path, monkeypatch, splits, extra, warmup):
    recipe = make_recipe({**RECIPE.as_dict(), "lr_schedule": "linear", "lr_warmup": warmup,
                          "batch_splits": splits, "extra_epochs": extra})
    used = []
    step = torch.optim.SGD.step

    def recording(self, *args, **kwargs):
        used.append(self.param_groups[0]["lr"])
        return step(self, *args, **kwargs)

    monkeypatch.setattr(torch.optim.SGD, "step", recording)
    run(tmp_path, recipe)
    # independently: 128 training images in batches of 32, each fed as `splits` steps
    total = 128 // 32 * splits * (3 + extra)
    rise = min(max(round(warmup * total), 1), total - 1)
    t = np.arange(total)
    expected = 0.05 * np.minimum((t + 1) / rise, (total - t) / (total - rise))
    assert np.allclose(used, expected, rtol=1e-12)
    assert max(used) == pytest.approx(0.05) and used[-1] == pytest.approx(0.05 / (total - rise))


def test_checkpoint_of_another_configuration_is_ignored(tmp_path):
    run(tmp_path, name="shared.pt")
    train, test = small_data()
    _, result = loop.train(RECIPE, train, test, 4, tmp_path / "shared.pt", "other-key")
    assert len(result.history) == 3  # trained from scratch, not resumed at epoch 3


def test_half_splits_are_disjoint_stratified_halves():
    labels = np.repeat(np.arange(5), 10)
    a = loop.subset_indices(labels, "half_a")
    b = loop.subset_indices(labels, "half_b")
    assert len(np.intersect1d(a, b)) == 0
    assert np.array_equal(np.sort(np.concatenate([a, b])), np.arange(50))
    assert np.bincount(labels[a]).tolist() == [5] * 5
    assert loop.subset_indices(labels, "all").tolist() == list(range(50))


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_every_architecture_maps_images_to_class_logits(name):
    model = build_model(name, 7, 16).eval()
    with torch.no_grad():
        assert model(torch.zeros(2, 3, 16, 16)).shape == (2, 7)


def test_unknown_architecture_lists_valid_ones():
    with pytest.raises(ValueError, match="valid: .*tiny_resnet"):
        build_model("resnet19", 10, 16)


def test_batchnorm_recalibration_sets_exact_training_statistics():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.BatchNorm2d(3))
    images = torch.randint(0, 256, (50, 3, 4, 4), dtype=torch.uint8)
    data = loop.Batches(images, torch.zeros(50, dtype=torch.long))
    mean, std = torch.zeros(1, 3, 1, 1), torch.ones(1, 3, 1, 1)
    loop.recalibrate_batchnorm(model, data, mean, std, images=50, batch_size=50)
    bn = model[0]
    assert torch.allclose(bn.running_mean, images.float().mean(dim=(0, 2, 3)))
    assert torch.allclose(bn.running_var, images.float().var(dim=(0, 2, 3)), rtol=1e-4)
    assert bn.momentum == 0.1  # restored for training


def test_train_per_class_keeps_the_first_images_of_each_class():
    labels = np.repeat(np.arange(3), 10)[np.random.default_rng(0).permutation(30)]
    first = loop.subset_indices(labels, "all", per_class=4)
    assert len(first) == 12
    for cls in range(3):
        assert first[labels[first] == cls].tolist() == np.flatnonzero(labels == cls)[:4].tolist()
    half = loop.subset_indices(labels, "half_a", per_class=4)
    assert len(half) == 6 and set(half) <= set(first)
    with pytest.raises(ValueError, match="class 0 has only 10 training images"):
        loop.subset_indices(labels, "all", per_class=11)


def test_head_epochs_train_only_the_head_on_frozen_features(tmp_path):
    body_only = Recipe(**{**RECIPE.__dict__, "epochs": 2, "architecture": "tiny_resnet_bnhead"})
    with_head = Recipe(**{**body_only.__dict__, "epochs": 3, "head_epochs": 1})
    a, _ = run(tmp_path, body_only, name="a.pt")
    b, result = run(tmp_path, with_head, name="b.pt")
    a_state, b_state = a.state_dict(), b.state_dict()
    body = [k for k in a_state if not k.startswith("head.")]
    assert body and all(torch.equal(a_state[k], b_state[k]) for k in body)
    assert not torch.equal(a_state["head.1.weight"], b_state["head.1.weight"])
    assert not torch.equal(a_state["head.0.running_mean"], b_state["head.0.running_mean"])
    assert [h["epoch"] for h in result.history] == [1, 2, 3]
    with pytest.raises(ValueError, match="head_epochs"):
        run(tmp_path, Recipe(**{**RECIPE.__dict__, "head_epochs": 3}), name="c.pt")


def test_label_confidence_matches_an_independent_softmax(rng):
    logits = rng.normal(0, 4, (50, 7)).astype(np.float32)
    labels = rng.integers(0, 7, 50)
    p_true, margin = loop.label_confidence(torch.from_numpy(logits), torch.from_numpy(labels))
    z = logits.astype(np.float64)
    softmax = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    expected_p = softmax[np.arange(50), labels]
    runner_up = np.array([np.delete(row, label).max() for row, label in
                          zip(softmax, labels, strict=True)])
    np.testing.assert_allclose(p_true.numpy(), expected_p, rtol=1e-5)
    np.testing.assert_allclose(margin.numpy(), np.log(expected_p) - np.log(runner_up),
                               rtol=1e-4, atol=1e-5)


def test_confidence_is_recorded_at_every_evaluation_and_changes_no_decision(tmp_path):
    train, test = small_data()
    model, with_confidence = loop.train(RECIPE, train, test, 4, tmp_path / "c.pt", "key",
                                        precision="fp32", confidence=True)
    _, without = run(tmp_path, name="plain.pt")
    assert without.p_true is None and without.margin is None
    assert np.array_equal(with_confidence.predictions, without.predictions)
    assert with_confidence.p_true.shape == with_confidence.margin.shape == (4, 64)
    right = with_confidence.predictions == test.labels.numpy()
    assert np.all(with_confidence.margin[right] >= 0) and np.all(
        with_confidence.margin[~right] <= 0)
    # the final row is the returned model's softmax on the test images, computed here
    mean, std = loop.channel_stats(train)
    with torch.no_grad():
        logits = torch.cat([model.eval()(x) for x, _ in loop.eval_batches(test, 64, mean, std)])
    softmax = logits.double().softmax(1).numpy()
    np.testing.assert_allclose(with_confidence.p_true[-1],
                               softmax[np.arange(64), test.labels.numpy()], rtol=1e-4,
                               atol=1e-6)


def test_killed_run_with_confidence_resumes_to_identical_values(tmp_path, monkeypatch):
    train, test = small_data()
    _, uninterrupted = loop.train(RECIPE, train, test, 4, tmp_path / "full.pt", "key",
                                  precision="fp32", confidence=True)
    save = loop._save_checkpoint

    def save_then_die(path, key, epoch, *args):
        save(path, key, epoch, *args)
        if epoch == 2:
            raise KeyboardInterrupt("killed after epoch 2")

    monkeypatch.setattr(loop, "_save_checkpoint", save_then_die)
    with pytest.raises(KeyboardInterrupt):
        loop.train(RECIPE, train, test, 4, tmp_path / "resume.pt", "key", precision="fp32",
                   confidence=True)
    monkeypatch.setattr(loop, "_save_checkpoint", save)
    _, resumed = loop.train(RECIPE, train, test, 4, tmp_path / "resume.pt", "key",
                            precision="fp32", confidence=True)
    assert [h["epoch"] for h in resumed.history] == [1, 2, 3]
    assert np.array_equal(resumed.p_true, uninterrupted.p_true)
    assert np.array_equal(resumed.margin, uninterrupted.margin)


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_bf16_computes_in_bfloat16_and_keeps_float32_state(tmp_path, monkeypatch, precision):
    conv_outputs = set()

    def watched(*args):
        model = build_model(*args)
        model.stem[0].register_forward_hook(
            lambda module, _, out: conv_outputs.add((module.training, out.dtype)))
        return model

    monkeypatch.setattr(loop, "build_model", watched)
    model, _ = run(tmp_path, precision=precision)  # (BatchNorm recalibration: float32)
    wanted = torch.bfloat16 if precision == "bf16" else torch.float32
    assert conv_outputs == {(True, wanted), (False, wanted)}  # training and evaluation
    state = checkpoints.load(tmp_path / "ckpt.pt")
    momenta = [s["momentum_buffer"] for s in state["optimizer"]["state"].values()]
    floats = [t for t in [*model.state_dict().values(), *momenta] if t.is_floating_point()]
    assert len(momenta) == len(list(model.parameters()))
    assert floats and all(t.dtype == torch.float32 for t in floats)  # weights, BN, momentum
    assert state["numerics"] == {"precision": precision, "memory_format": "channels_last"}


@pytest.mark.parametrize("channels_last", [True, False])
def test_memory_format_is_applied_and_recorded(tmp_path, channels_last):
    model, result = run(tmp_path, precision="bf16", channels_last=channels_last)
    weight = model.stem[0].weight
    assert weight.is_contiguous(memory_format=torch.channels_last) == channels_last
    assert weight.is_contiguous() != channels_last
    metadata = loop.run_metadata(RECIPE, result, "key", "sha", 128, torch.device("cpu"), 1.0)
    assert metadata["precision"] == "bf16"
    assert metadata["memory_format"] == ("channels_last" if channels_last else "contiguous")


def test_checkpoint_never_resumes_under_other_numerics(tmp_path, caplog):
    run(tmp_path, name="bf16.pt", precision="bf16")
    with pytest.raises(checkpoints.CheckpointError,
                       match=r"bf16\.pt was written under precision bf16.*train\.precision: "
                             r"bf16.*or delete .*bf16\.pt"):
        run(tmp_path, name="bf16.pt", precision="fp32")
    with pytest.raises(checkpoints.CheckpointError, match="memory format channels_last"):
        run(tmp_path, name="bf16.pt", precision="bf16", channels_last=False)
    with caplog.at_level("INFO", "ddd.train"):
        run(tmp_path, name="bf16.pt", precision="bf16")  # the same numerics resume
    assert "resuming from" in caplog.text and "from scratch" not in caplog.text
    state = checkpoints.load(tmp_path / "bf16.pt")
    del state["numerics"]  # a checkpoint that does not record them is not resumed
    checkpoints.save(tmp_path / "bf16.pt", state)
    caplog.clear()
    with caplog.at_level("INFO", "ddd.train"):
        _, result = run(tmp_path, name="bf16.pt", precision="bf16")
    assert "does not record its precision; training from scratch" in caplog.text
    assert "resuming from" not in caplog.text
