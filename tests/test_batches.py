"""Batches on the device: seeded order, flips and crops; evaluation in order."""

import numpy as np
import torch

from ddd.train import batches


def data(n: int = 20, size: int = 6) -> batches.Batches:
    images = torch.arange(n * 3 * size * size, dtype=torch.int64).remainder(250) + 1
    return batches.Batches(images.to(torch.uint8).view(n, 3, size, size),
                           torch.arange(n) % 4)


def test_random_crop_shifts_within_the_padding_and_fills_zeros():
    x = torch.ones(50, 3, 8, 8, dtype=torch.uint8)
    out = batches.random_crop(x, 2, torch.Generator().manual_seed(0))
    assert out.shape == x.shape
    zeros_per_image = (out == 0).flatten(1).sum(1)
    assert zeros_per_image.max() <= 3 * (8 * 8 - 6 * 6)  # at most 2 rows and 2 columns
    assert (zeros_per_image == 0).any() and (zeros_per_image > 0).any()
    # A pure shift: each image's non-zero block is a contiguous 8x8 window of the original.
    again = batches.random_crop(x, 2, torch.Generator().manual_seed(0))
    assert torch.equal(out, again)


def test_random_crop_keeps_pixels_in_place_relative_to_each_other():
    x = torch.arange(64, dtype=torch.uint8).view(1, 1, 8, 8).repeat(10, 3, 1, 1)
    out = batches.random_crop(x, 1, torch.Generator().manual_seed(3))
    inner = out[:, :, 1:-1, 1:-1].int()
    # Neighbours along a row differ by 1, along a column by 8, whatever the shift.
    assert torch.all(inner[..., 1:] - inner[..., :-1] == 1)
    assert torch.all(inner[..., 1:, :] - inner[..., :-1, :] == 8)


def test_epoch_batches_are_seeded_and_cover_every_image_once():
    d = data()
    mean, std = batches.channel_stats(d)

    def epoch(seed, number):
        xs, ys = zip(*batches.train_batches(d, 6, seed, number, True, 2, mean, std),
                     strict=True)
        return torch.cat(xs), torch.cat(ys)

    x, y = epoch(0, 1)
    assert [len(b) for b, _ in batches.train_batches(d, 6, 0, 1, True, 2, mean, std)] == [
        6, 6, 6, 2]
    assert torch.equal(x, epoch(0, 1)[0])  # same seed and epoch: same batches
    assert not torch.equal(x, epoch(0, 2)[0]) and not torch.equal(x, epoch(1, 1)[0])
    assert sorted(y.tolist()) == sorted(d.labels.tolist())


def test_eval_batches_keep_order_and_normalise():
    d = data()
    mean, std = batches.channel_stats(d)
    xs, ys = zip(*batches.eval_batches(d, 7, mean, std), strict=True)
    assert torch.equal(torch.cat(ys), d.labels)
    x = torch.cat(xs)
    assert np.allclose(x.mean(dim=(0, 2, 3)).numpy(), 0, atol=1e-5)
    assert x.is_contiguous(memory_format=torch.channels_last)
