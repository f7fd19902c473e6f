"""Fashion-MNIST from Debian's `dataset-fashion-mnist`, preprocessed as the `bigbigan` tool does for a 28×28 image:
2 px of background on every side (32×32), the grey level replicated to three channels, x/127.5 − 1."""

import gzip
import pathlib

import numpy as np

DATASET = pathlib.Path("/usr/share/datasets/fashion-mnist")
CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def _idx(path, magic):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    if int.from_bytes(raw[:4], "big") != magic:
        raise ValueError(f"{path}: not an IDX file of the expected kind (magic {raw[:4].hex()})")
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(magic & 0xFF)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * len(dims))
    return data.reshape(dims)


def load(split, root=DATASET):
    """(images uint8 [N, 28, 28], labels int64 [N]) of `split`, "train" (60,000) or "test" (10,000)."""
    prefix = "train" if split == "train" else "t10k"
    images = _idx(root / f"{prefix}-images-idx3-ubyte.gz", 0x803)
    labels = _idx(root / f"{prefix}-labels-idx1-ubyte.gz", 0x801).astype(np.int64)
    return images, labels


def preprocess(images):
    """uint8 [N, 28, 28] → float32 [N, 32, 32, 3] in [-1, 1], background −1 (NHWC)."""
    padded = np.pad(images, ((0, 0), (2, 2), (2, 2))).astype(np.float32)
    return np.repeat((padded / 127.5 - 1)[..., None], 3, axis=-1)
