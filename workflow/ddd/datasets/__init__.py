"""Datasets with stable image ids: in-memory uint8 arrays (Gaussian-sigma, CIFAR-100) or
indexed image files (ImageNet); `prepare` builds any kind, `splits` opens it on a device."""
