"""Measures the default model through the `bigbigan` tool itself (docs/default-model.md, Metrics):

1. linear probe top-1 (`bigbigan probe`, trained on the 60,000 training images, tested on the 10,000 test images)
   for avepool_feat and bn_crelu_feat, beside the same probe on the raw pixels;
2. 1,000 samples (`bigbigan generate`) classified by a small CNN trained here on the training set: the share of
   each class, how many classes appear, the mean confidence;
3. reconstructions G(E(x)) of the 10,000 test images (`bigbigan encode` → z_mean → `bigbigan generate --z`):
   how often the classifier gives the reconstruction the image's own label.

    python tools/train/metrics.py --bigbigan .build/release/bigbigan --work /tmp/metrics --output metrics.json

The images reach the tool as 28×28 greyscale PNG files in class folders, so its own preparation is measured.
"""

import argparse
import json
import pathlib
import struct
import subprocess
import sys
import time
import zlib

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.numpy import load_file, save_file

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import data  # noqa: E402


def write_png(path, grey):
    """An 8-bit greyscale PNG of `grey` [H, W] uint8."""
    h, w = grey.shape
    raw = b"".join(b"\0" + grey[y].tobytes() for y in range(h))

    def chunk(kind, payload):
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def class_folders(root, split):
    """DIR/<label>-<name>/<index>.png for every image of `split`; the label first so folders sort by label."""
    images, labels = data.load(split)
    folder = root / split
    if folder.exists() and sum(1 for _ in folder.rglob("*.png")) == len(images):
        return folder
    for label, name in enumerate(data.CLASSES):
        (folder / f"{label}-{name.replace('/', '-')}").mkdir(parents=True, exist_ok=True)
    for i, (image, label) in enumerate(zip(images, labels)):
        write_png(folder / f"{label}-{data.CLASSES[label].replace('/', '-')}" / f"{i:05d}.png", image)
    return folder


def run(tool, *args):
    started = time.time()
    result = subprocess.run([str(tool), *map(str, args)], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"{tool} {' '.join(map(str, args))} failed ({result.returncode}):\n{result.stderr}")
    print(f"  {' '.join(map(str, args[:2]))}… {time.time() - started:.0f} s", flush=True)
    return result.stdout


class Classifier(nn.Module):
    """A small CNN on 32×32 inputs in [-1, 1] (one channel of the model's three identical ones)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.conv3 = nn.Conv2d(64, 128, 3, padding=1)
        self.fc = nn.Linear(128 * 4 * 4, 10)

    def forward(self, x):
        for conv in [self.conv1, self.conv2, self.conv3]:
            x = F.max_pool2d(F.relu(conv(x)), 2)
        return self.fc(x.flatten(1))


def grey(images_nhwc):
    """[N, 32, 32, 3] in [-1, 1] → [N, 1, 32, 32] tensor (the channels are equal for Fashion-MNIST; averaged for
    generated images)."""
    return torch.from_numpy(np.ascontiguousarray(images_nhwc.mean(axis=-1, keepdims=True).transpose(0, 3, 1, 2)))


def train_classifier(seed, epochs=4):
    torch.manual_seed(seed)
    images, labels = data.load("train")
    x, y = grey(data.preprocess(images)), torch.from_numpy(labels)
    net = Classifier()
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    stream = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        order = torch.randperm(len(x), generator=stream)
        for start in range(0, len(x), 128):
            batch = order[start: start + 128]
            loss = F.cross_entropy(net(x[batch]), y[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    net.eval()
    test_images, test_labels = data.load("test")
    accuracy = (predict(net, grey(data.preprocess(test_images))).argmax(1) == torch.from_numpy(test_labels))
    return net, accuracy.float().mean().item()


def cached_classifier(work, seed):
    """The classifier of `seed` and its test accuracy, trained once and kept in `work` (it depends on the data and the
    seed only, not on the model measured)."""
    cached = work / f"classifier-seed{seed}.pt"
    if cached.exists():
        saved = torch.load(cached)
        net = Classifier()
        net.load_state_dict(saved["state"])
        return net.eval(), saved["accuracy"]
    net, accuracy = train_classifier(seed)
    torch.save({"state": net.state_dict(), "accuracy": accuracy}, cached)
    return net, accuracy


def predict(net, x):
    with torch.no_grad():
        return torch.cat([torch.softmax(net(x[i: i + 500]), dim=1) for i in range(0, len(x), 500)])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bigbigan", type=pathlib.Path, default=pathlib.Path(".build/release/bigbigan"))
    parser.add_argument("--weights", help="weights to measure (default: the tool's default model)")
    parser.add_argument("--work", type=pathlib.Path, required=True, help="folder for images and features")
    parser.add_argument("--output", type=pathlib.Path, required=True, help="the metrics as JSON")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(2)
    weights = ["--weights", args.weights] if args.weights else []
    work = args.work
    work.mkdir(parents=True, exist_ok=True)
    metrics = {}

    print("class folders", flush=True)
    folders = {split: class_folders(work, split) for split in ["train", "test"]}
    print("encoding", flush=True)
    encoded = {}
    for split, folder in folders.items():
        encoded[split] = work / f"{split}.safetensors"
        run(args.bigbigan, "encode", folder, "--classes", "--batch-size", 256, "--output", encoded[split], *weights)

    print("raw pixels", flush=True)
    for split in ["train", "test"]:
        images, labels = data.load(split)
        save_file({"pixels": images.reshape(len(images), -1).astype(np.float32),
                   "labels": labels.astype(np.float32)}, str(work / f"{split}-pixels.safetensors"))
    print("probes", flush=True)
    probe = {}
    for feature, train, test in [
        ("avepool_feat", encoded["train"], encoded["test"]),
        ("bn_crelu_feat", encoded["train"], encoded["test"]),
        ("pixels", work / "train-pixels.safetensors", work / "test-pixels.safetensors"),
    ]:
        probe[feature] = json.loads(run(args.bigbigan, "probe", "--train", train, "--test", test, "--feature",
                                        feature, "--json", *weights))
    metrics["probe"] = probe

    print("classifier", flush=True)
    net, accuracy = cached_classifier(work, args.seed)
    metrics["classifier_test_accuracy"] = accuracy

    print("samples", flush=True)
    samples_path = work / "samples.npy"
    run(args.bigbigan, "generate", "--count", 1000, "--seed", args.seed, "--output", samples_path, *weights)
    probabilities = predict(net, grey(np.load(samples_path)))
    classes = probabilities.argmax(1).numpy()
    shares = np.bincount(classes, minlength=10) / len(classes)
    metrics["samples"] = {
        "count": len(classes),
        "class_share": {name: round(float(s), 4) for name, s in zip(data.CLASSES, shares)},
        "classes_present": int((shares > 0).sum()),
        "smallest_share": float(shares.min()),
        "mean_confidence": probabilities.max(1).values.mean().item(),
    }

    print("reconstructions", flush=True)
    test = load_file(str(encoded["test"]))
    z_path, reconstructions_path = work / "test-z_mean.npy", work / "reconstructions.npy"
    np.save(z_path, test["z_mean"])
    run(args.bigbigan, "generate", "--z", z_path, "--output", reconstructions_path, "--batch-size", 256, *weights)
    predicted = predict(net, grey(np.load(reconstructions_path))).argmax(1).numpy()
    labels = test["labels"].astype(np.int64)
    kept = predicted == labels
    metrics["reconstructions"] = {
        "count": len(labels),
        "class_kept": float(kept.mean()),
        "class_kept_per_class": {name: round(float(kept[labels == c].mean()), 4) for c, name in enumerate(data.CLASSES)},
    }
    args.output.write_text(json.dumps(metrics, indent=2) + "\n")
    print(json.dumps(metrics, indent=2))


if __name__ == "__main__":
    main()
