"""AIGC Studio: watch and steer generative models write and draw."""

from importlib.metadata import PackageNotFoundError, version

try:  # one source of truth: the version in pyproject.toml, as installed
    __version__ = version("aigc-studio")
except PackageNotFoundError:  # run from a checkout that was never installed
    __version__ = "0+unknown"
