"""Compares which generator and encoder to export from one training run (docs/default-model.md, Training): exports
the averaged G with the averaged E, the averaged G with the trained E, and the trained G with the trained E from a
`train.py --checkpoint`, then measures each in PyTorch on the 10,000 test images — how often the reconstruction
G(E(x)), z = z_mean, keeps the class (the classifier of metrics.py), the encoder's mean z_stdev and |z_mean|²/120 —
a quick linear probe (full-batch logistic regression on 20,000 training images) of both features, and whether D's
joint score s_xz looks at the pairing at all (`pairing`).

    python tools/train/pairs.py --checkpoint run/checkpoint.pt --work /tmp/pairs
    python tools/train/pairs.py --weights Sources/BigBiGAN/DefaultModel/bigbigan-fashion-mnist.safetensors \
        --work /tmp/pairs
"""

import argparse
import pathlib
import subprocess
import sys

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import data  # noqa: E402
import metrics  # noqa: E402
import model  # noqa: E402
import train  # noqa: E402


def encode(e, x):
    """→ z_mean, z_stdev, avepool_feat, bn_crelu_feat of `x` in batches of 500."""
    outputs = [e(x[i: i + 500], torch.zeros(len(x[i: i + 500]), model.Z_DIM)) for i in range(0, len(x), 500)]
    return [torch.cat([o[k] for o in outputs]) for k in [0, 1, 3, 4]]


def quick_probe(train_features, train_labels, test_features, test_labels):
    mean, deviation = train_features.mean(0), train_features.std(0) + 1e-6
    train_features, test_features = (train_features - mean) / deviation, (test_features - mean) / deviation
    w = torch.zeros(train_features.shape[1], 10, requires_grad=True)
    b = torch.zeros(10, requires_grad=True)
    optimizer = torch.optim.Adam([w, b], lr=1e-2)
    for _ in range(300):
        loss = F.cross_entropy(train_features @ w + b, train_labels) + 1e-5 * (w ** 2).sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return ((test_features @ w + b).argmax(1) == test_labels).float().mean().item()


def pairing(g, d, x, z_mean, count=2000):
    """How much s_xz depends on which z goes with which x, on the first `count` images: each real pair (x, E(x)) is
    scored against x with the next image's z_mean, each generated pair (G(z), z) against G(z) with the next z.
    → (share of real pairs scored above their swap, share of generated pairs scored below theirs, mean |Δ s_xz| on
    the real pairs). A joint score that reads the pairing moves the shares away from 0.5."""
    x, z_real = x[:count], z_mean[:count]
    z_fake = torch.randn(count, model.Z_DIM, generator=torch.Generator().manual_seed(0))
    images = torch.cat([g(z_fake[i: i + 500]) for i in range(0, count, 500)])
    real, real_swapped = d(x, z_real)[2], d(x, z_real.roll(1, 0))[2]
    fake, fake_swapped = d(images, z_fake)[2], d(images, z_fake.roll(1, 0))[2]
    return ((real > real_swapped).float().mean().item(), (fake < fake_swapped).float().mean().item(),
            (real - real_swapped).abs().mean().item())


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--checkpoint", type=pathlib.Path, help="a train.py --checkpoint: measure its three pairs")
    source.add_argument("--weights", type=pathlib.Path, help="an exported .safetensors: measure it alone")
    parser.add_argument("--work", type=pathlib.Path, required=True, help="folder for the exported files")
    parser.add_argument("--seed", type=int, default=0, help="seeds the classifier and the probe's training subset")
    args = parser.parse_args()
    if args.weights:
        try:
            load_file(str(args.weights))
        except Exception as error:  # missing, unreadable or not a .safetensors: say which and why, not a traceback
            parser.error(f"cannot read {args.weights}: {error}")
    torch.set_num_threads(2)
    args.work.mkdir(parents=True, exist_ok=True)

    pairs = {"averaged G, averaged E": ("ema", "ema"), "averaged G, trained E": ("ema", "trained"),
             "trained G, trained E": ("trained", "trained")}
    if args.weights:
        files = {args.weights.name: args.weights}
    else:
        files = {}
        for name, (generator, encoder) in pairs.items():
            files[name] = args.work / f"g-{generator}-e-{encoder}.safetensors"
            subprocess.run([sys.executable, str(pathlib.Path(__file__).parent / "train.py"), "--from-checkpoint",
                            str(args.checkpoint), "--generator", generator, "--encoder", encoder,
                            "--output", str(files[name])], check=True)

    net, _ = metrics.cached_classifier(args.work, args.seed)

    def tensors(split, count=None):
        images, labels = data.load(split)
        picks = np.random.RandomState(args.seed).permutation(len(images))[:count] if count else slice(None)
        x = torch.from_numpy(data.preprocess(images[picks])).permute(0, 3, 1, 2).contiguous()
        return x, torch.from_numpy(labels[picks].astype(np.int64))

    x_test, y_test = tensors("test")
    x_train, y_train = tensors("train", 20000)
    for name, path in files.items():
        weights = load_file(str(path))
        g, e, d = train.build(spectral_norm=False, j_widths=model.stored_widths(weights, "J"))
        model.load_canonical(g, e, d, weights)
        for part in [g, e, d]:
            part.eval()
        with torch.no_grad():
            mean, stdev, avepool, bn_crelu = encode(e, x_test)
            _, _, train_avepool, train_bn_crelu = encode(e, x_train)
            reconstructions = torch.cat([g(mean[i: i + 500]) for i in range(0, len(mean), 500)])
            kept = (metrics.predict(net, reconstructions.mean(1, keepdim=True)).argmax(1) == y_test).float().mean()
            real_share, fake_share, change = pairing(g, d, x_test, mean)
        print(f"{name}: reconstructions keep the class {kept.item():.3f}, z_stdev {stdev.mean().item():.3f}, "
              f"|z_mean|²/120 {(mean ** 2).sum(1).mean().item() / model.Z_DIM:.3f}, quick probe avepool_feat "
              f"{quick_probe(train_avepool, y_train, avepool, y_test):.3f}, bn_crelu_feat "
              f"{quick_probe(train_bn_crelu, y_train, bn_crelu, y_test):.3f}; pairing: real pairs above their swap "
              f"{real_share:.3f}, generated below theirs {fake_share:.3f}, mean |Δ s_xz| {change:.3f}", flush=True)


if __name__ == "__main__":
    main()
