"""The MNIST split: the official training images train and the official test set is held out when
the folder has them; the test set alone splits 9,000 / 1,000."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest

from studio.core.errors import CorpusError
from studio.engine.image.datasets import mnist_split, mnist_split_card


def _write_idx(path: Path, array: np.ndarray) -> None:
    head = struct.pack(">BBBB", 0, 0, 8, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    path.write_bytes(gzip.compress(head + array.astype(np.uint8).tobytes(), compresslevel=1))


def _folder(tmp_path: Path, n_test: int, n_train: int | None, n_labels: int = 60) -> Path:
    rng = np.random.default_rng(1)
    _write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", rng.integers(0, 256, (n_test, 28, 28)))
    _write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", rng.integers(0, 10, n_test))
    if n_train is not None:
        name = "train-images-first25206-idx3-ubyte.gz"  # the file's published name
        _write_idx(tmp_path / name, rng.integers(0, 256, (n_train, 28, 28)))
        _write_idx(tmp_path / "train-labels-idx1-ubyte.gz", np.arange(n_labels) % 10)
    return tmp_path


def test_official_training_images_train_and_the_whole_test_set_is_held_out(tmp_path: Path) -> None:
    split = mnist_split(_folder(tmp_path, n_test=30, n_train=12))
    assert split["train_x"].shape == (12, 28, 28)
    # the first N of the 60 labels go with the first N images
    assert split["train_y"].tolist() == [i % 10 for i in range(12)]
    assert split["test_x"].shape == (30, 28, 28) and len(split["test_y"]) == 30
    assert "official" in str(mnist_split_card(tmp_path)["split"])


def test_test_set_alone_splits_nine_thousand_to_the_rest(tmp_path: Path) -> None:
    split = mnist_split(_folder(tmp_path, n_test=9010, n_train=None))
    assert len(split["train_x"]) == 9000 and len(split["test_x"]) == 10
    assert mnist_split_card(tmp_path)["files"] == [
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
    ]


def test_more_training_images_than_labels_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="do not match"):
        mnist_split(_folder(tmp_path, n_test=30, n_train=12, n_labels=5))
