"""Datasets as uint8 image arrays with stable image ids."""
