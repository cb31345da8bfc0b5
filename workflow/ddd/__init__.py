"""ddd: how similarly neural networks err, image by image (dichotomous data difficulty)."""

__version__ = "0.1.0"
