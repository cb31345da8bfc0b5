"""Datasets with stable image ids: in-memory uint8 arrays (Gaussian-sigma, CIFAR, MNIST) or
indexed image files (ImageNet, image folders); `prepare` builds any kind, `splits` opens
it on a device."""
