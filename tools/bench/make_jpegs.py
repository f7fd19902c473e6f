#!/usr/bin/env python3
"""Writes COUNT synthetic JPEGs of about ImageNet's size and weight into FOLDER, for timing `bigbigan encode`.

Each image is 500x375 (every fourth one 375x500): a few random low-frequency waves and soft discs (the smooth regions
of a photograph) plus mild noise (texture), stored by libjpeg-turbo's `cjpeg` at quality 90 with 4:2:0 subsampling,
which gives files of about 97 KB, a little under the ImageNet average (about 110 KB). Needs Python 3 with NumPy and `cjpeg`
(Debian: libjpeg-turbo-progs). Deterministic: the same COUNT gives the same files.

    tools/bench/make_jpegs.py 512 /tmp/jpegs
"""
import os
import subprocess
import sys
import tempfile

import numpy as np


def image(rng, width, height):
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    pixels = np.zeros((height, width, 3), np.float32) + rng.uniform(60, 190, 3)
    for _ in range(6):
        fx, fy = rng.uniform(-0.05, 0.05, 2)
        phase = rng.uniform(0, 2 * np.pi)
        pixels += np.sin(fx * x + fy * y + phase)[..., None] * rng.uniform(-40, 40, 3)
    for _ in range(8):
        cx, cy, radius = rng.uniform(0, width), rng.uniform(0, height), rng.uniform(15, 120)
        inside = 1 / (1 + np.exp(np.clip(((x - cx) ** 2 + (y - cy) ** 2) ** 0.5 - radius, -50, 50)))
        pixels += inside[..., None] * rng.uniform(-70, 70, 3)
    pixels += rng.normal(0, 20, pixels.shape)
    return np.clip(pixels, 0, 255).astype(np.uint8)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    count, folder = int(sys.argv[1]), sys.argv[2]
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as scratch:
        ppm = os.path.join(scratch, "image.ppm")
        for i in range(count):
            width, height = (375, 500) if i % 4 == 3 else (500, 375)
            with open(ppm, "wb") as f:
                f.write(b"P6\n%d %d\n255\n" % (width, height) + image(rng, width, height).tobytes())
            out = os.path.join(folder, "%06d.jpg" % i)
            subprocess.run(["cjpeg", "-quality", "90", "-sample", "2x2", "-outfile", out, ppm], check=True)


if __name__ == "__main__":
    main()
