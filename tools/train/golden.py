"""Writes the default model's golden outputs, computed by the training code (tools/train/model.py) in float64 from
the shipped weights: z → image, image → the encoder's outputs, (x, z) → the three scores. The Swift tests
(DefaultModelTests) compare both backends with them.

    python tools/train/golden.py --weights Sources/BigBiGAN/DefaultModel/bigbigan-fashion-mnist.safetensors \
        --output Tests/Fixtures/default-model/golden.safetensors

z_sample depends on the noise ε, which the Swift encoder draws from its own seeded stream: the file holds z_mean and
z_stdev, and the test checks z_sample = z_mean + z_stdev·ε with the ε it used.
"""

import argparse
import pathlib
import sys

import numpy as np
import torch
from safetensors.torch import load_file, save_file

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import data  # noqa: E402
import train  # noqa: E402

SAMPLES = 4


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weights", type=pathlib.Path, required=True)
    parser.add_argument("--output", type=pathlib.Path, required=True)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    tensors = load_file(str(args.weights))
    g, e, d = train.build(spectral_norm=False, j_widths=train.model.stored_widths(tensors, "J"))
    train.model.load_canonical(g, e, d, tensors)
    for net in [g, e, d]:
        net.double().eval()

    rng = np.random.RandomState(args.seed)
    z = rng.standard_normal((SAMPLES, train.model.Z_DIM)).astype(np.float32)
    images, labels = data.load("test")
    picks = [int(np.flatnonzero(labels == c)[0]) for c in range(SAMPLES)]  # one image of each of classes 0…3
    x = data.preprocess(images[picks])  # [N, 32, 32, 3]

    with torch.no_grad():
        zt = torch.from_numpy(z).double()
        xt = torch.from_numpy(x).double().permute(0, 3, 1, 2)
        image = g(zt).permute(0, 2, 3, 1)
        mean, stdev, _, avepool, bn_crelu = e(xt, torch.zeros_like(zt))
        s_x, s_z, s_xz = d(xt, zt)

    out = {"z": zt, "x": torch.from_numpy(x), "image": image, "z_mean": mean, "z_stdev": stdev,
           "avepool_feat": avepool, "bn_crelu_feat": bn_crelu, "score_x": s_x, "score_z": s_z, "score_xz": s_xz}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    save_file({k: v.float().contiguous() for k, v in out.items()}, str(args.output),
              metadata={"weights": args.weights.name, "test_images": ",".join(map(str, picks))})
    for k, v in out.items():
        print(f"{k}: {tuple(v.shape)} range [{v.min().item():.4g}, {v.max().item():.4g}]")


if __name__ == "__main__":
    main()
