"""AIGC Studio: watch and steer generative models write and draw."""

__version__ = "0.1.0"
