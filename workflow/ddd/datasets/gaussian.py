"""The synthetic Gaussian-sigma dataset of Meding et al. (appendix B.1, B.7).

Class i is pixel-wise independent RGB noise with mean 128 and standard deviation
sigma_i = sigma_min + i * sigma_step. Values are rounded and clipped to 0..255, so
for large sigma the effective std is smaller than sigma (class 99 at sigma 100: ~82).
"""

from __future__ import annotations

import numpy as np

from ddd.datasets.arrays import ImageArrays

MEAN = 128.0


def sigmas(classes: int, sigma_min: float = 1.0, sigma_step: float = 1.0) -> np.ndarray:
    """Standard deviation of each class."""
    return sigma_min + sigma_step * np.arange(classes, dtype=np.float64)


def make_split(split_index: int, per_class: int, class_sigmas: np.ndarray, image_size: int,
               seed: int) -> ImageArrays:
    """Images grouped by class: image id = class * per_class + j.

    Each (split, class) has its own random stream, so the test images do not change
    when the number of training images does.
    """
    if per_class < 1:
        raise ValueError(f"empty split: images per class must be >= 1, got {per_class}")
    shape = (per_class, 3, image_size, image_size)
    images = np.empty((len(class_sigmas) * per_class, *shape[1:]), dtype=np.uint8)
    for cls, sigma in enumerate(class_sigmas):
        rng = np.random.default_rng([seed, split_index, cls])
        noise = rng.standard_normal(shape, dtype=np.float32) * np.float32(sigma) + MEAN
        images[cls * per_class:(cls + 1) * per_class] = np.clip(np.rint(noise), 0, 255)
    labels = np.repeat(np.arange(len(class_sigmas), dtype=np.int16), per_class)
    return ImageArrays(images, labels)


def kl_adjacent(class_sigmas: np.ndarray) -> np.ndarray:
    """KL(class i || class i+1) per pixel for zero-mean Gaussians (appendix B.7, eq. 1)."""
    s0, s1 = class_sigmas[:-1], class_sigmas[1:]
    return np.log(s1 / s0) + s0**2 / (2 * s1**2) - 0.5
