import pytest
import torch
import torchvision

from ddd.train.models import ARCHITECTURES, build_model

torch.set_num_threads(1)

TORCHVISION = ["resnet18", "resnet50", "densenet121", "vgg11", "alexnet"]
ORIGINAL = {"vgg11": "vgg11_bn"}  # the torchvision model each architecture reproduces at 224 px
# Parameters for 10 classes at 32 px, in millions: the small-image stems change little but
# vgg11 and alexnet classify the globally pooled channels (512, 256), not a 7x7/6x6 map.
SMALL_PARAMS = {"resnet18": (11.0, 11.7), "resnet50": (23.0, 25.6),
                "densenet121": (6.8, 8.0), "vgg11": (9.0, 9.5), "alexnet": (20.0, 21.0)}


def autograd_ops(output: torch.Tensor) -> set[str]:
    """Names of the backward functions in an output's autograd graph."""
    seen, stack = set(), [output.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        stack.extend(parent for parent, _ in node.next_functions)
    return {type(node).__name__ for node in seen}


@pytest.fixture
def deterministic():
    previous = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(True)
    yield
    torch.use_deterministic_algorithms(previous)


def test_the_zoo_is_complete():
    assert set(ARCHITECTURES) == {"tiny_resnet", "tiny_densenet", "tiny_resnet_bnhead",
                                  "tiny_densenet_bnhead", *TORCHVISION}


@pytest.mark.parametrize("name", ["tiny_resnet", "tiny_densenet"])
def test_bnhead_variants_standardise_the_pooled_features_and_keep_the_plain_layout(name):
    plain = build_model(name, 10, 16).state_dict()
    assert "head.weight" in plain  # existing saved models still load
    torch.manual_seed(0)
    model = build_model(f"{name}_bnhead", 10, 16)
    norm, linear = model.head
    assert isinstance(norm, torch.nn.BatchNorm1d) and isinstance(linear, torch.nn.Linear)
    assert {k for k in model.state_dict() if not k.startswith("head.")} == \
        {k for k in plain if not k.startswith("head.")}
    seen = []
    norm.register_forward_hook(lambda module, args, out: seen.append(out))
    model.train()(torch.randn(8, 3, 16, 16) * torch.linspace(0.01, 3, 8).view(8, 1, 1, 1))
    assert seen[0].mean(0).abs().max() < 1e-5  # the head sees centred features


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_small_images_give_logits_and_a_deterministic_backward_pass(name, deterministic):
    torch.manual_seed(0)
    model = build_model(name, 10, 32).train()
    logits = model(torch.randn(2, 3, 32, 32))
    assert logits.shape == (2, 10)
    # adaptive pooling (other than to 1x1, which runs as a mean) has no deterministic
    # CUDA backward; CPU would not complain, so check that the graph has none
    assert not any("AdaptiveAvgPool" in op for op in autograd_ops(logits))
    logits.logsumexp(1).sum().backward()
    grads = [p.grad for p in model.parameters()]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)


@pytest.mark.parametrize("name", TORCHVISION)
def test_small_image_parameter_counts_are_sane(name):
    low, high = SMALL_PARAMS[name]
    model = build_model(name, 10, 32)
    assert low * 1e6 < sum(p.numel() for p in model.parameters()) < high * 1e6


@pytest.mark.parametrize("name", TORCHVISION)
def test_imagenet_size_has_torchvision_layout_and_logits(name):
    original = ORIGINAL.get(name, name)
    model = build_model(name, 1000, 224).eval()
    with torch.device("meta"):
        reference = torchvision.models.get_model(original)
    assert {k: v.shape for k, v in model.state_dict().items()} == \
        {k: v.shape for k, v in reference.state_dict().items()}
    meta = torchvision.models.get_model_weights(original).DEFAULT.meta
    assert sum(p.numel() for p in model.parameters()) == meta["num_params"]
    logits = model(torch.zeros(1, 3, 224, 224))
    assert logits.shape == (1, 1000)
    assert not any("AdaptiveAvgPool" in op for op in autograd_ops(logits))


def test_unknown_architecture_lists_every_valid_one():
    with pytest.raises(ValueError, match="unknown architecture 'vgg19'") as err:
        build_model("vgg19", 10, 32)
    assert all(name in str(err.value) for name in ARCHITECTURES)
