"""Seeded weights with exactly the engine's canonical names and shapes, written as one .safetensors.

Scales are like `SyntheticWeights` (Sources/BigBiGAN/Weights/SyntheticWeights.swift): kernels N(0, gain²/fan_in) with
the gains each model chooses, embedding N(0, 1). Batch-norm variances, and the encoder head's gains, follow this
file's own estimate of the second moment of each layer's input, tracked through the encoder (the engine measures
its variances instead, `SyntheticWeights.calibrated(for:)`). Unlike `SyntheticWeights`, biases, means, γ and β get small random values
instead of exact 0/1, so a layout bug in any of them cannot hide.

Each tensor is drawn from its own generator seeded by (seed, crc32(name)), so values never depend on order.
`engine_normals` reproduces the engine's own normal stream (`SeededRandom`), for the encoder's noise ε.
"""
import math
import zlib

import numpy as np

GENERATOR = "GenEncWrapper/Generator"
ENCODER = "GenEncWrapper/Encoder"
ROOT2 = math.sqrt(2.0)

# The released generator: (input, output) channel multipliers of the five GBlocks, attention after 64×64.
G_BLOCKS = [(16, 16), (16, 8), (8, 4), (4, 2), (2, 1)]
G_ZDIM, G_EMBED, G_BOTTOM, G_ATTENTION_BLOCK, G_EPS = 120, 128, 4, 3, 1e-4
E_BLOCKS, E_ZDIM, E_HIDDEN, E_EPS = [3, 4, 6, 3], 120, [4096, 4096, 4096, 4096], 1e-3


class WeightSet:
    """Name → float32 array, drawn deterministically, one method per `WeightRole` of the Swift code: kernels
    N(0, gain²/fan_in) from numpy, small random biases, means, γ, β and variances around the expected value."""

    def __init__(self, seed):
        self.seed = seed
        self.tensors = {}

    def _rng(self, name):
        return np.random.default_rng([self.seed, zlib.crc32(name.encode())])

    def kernel(self, name, shape, gain):
        fan_in = max(1, int(np.prod(shape)) // max(1, shape[-1]))
        std = np.float32(gain) / np.sqrt(np.float32(fan_in))
        self.tensors[name] = (self._rng(name).standard_normal(shape).astype(np.float32) * std).astype(np.float32)

    def embedding(self, name, shape):
        self.tensors[name] = self._rng(name).standard_normal(shape).astype(np.float32)

    def small(self, name, shape, std, mean=0.0):
        """A bias, stored mean, γ (mean 1) or β: `mean` ± N(0, std²)."""
        self.tensors[name] = (mean + self._rng(name).standard_normal(shape) * std).astype(np.float32)

    def variance(self, name, shape, expected):
        self.tensors[name] = (np.float32(expected) * self._rng(name).uniform(0.8, 1.25, shape)).astype(np.float32)

    def linear(self, scope, inputs, outputs, gain):
        self.kernel(scope + "/w", [inputs, outputs], gain)
        self.small(scope + "/b", [outputs], 0.05)

    def conv(self, scope, k, cin, cout, gain, bias):
        self.kernel(scope + "/w", [k, k, cin, cout], gain)
        if bias:
            self.small(scope + "/b", [cout], 0.05)

    def batch_norm(self, scope, c, expected_variance=1.0, affine=True):
        self.variance(scope + "/accumulated_var", [c], expected_variance)
        self.small(scope + "/accumulated_mean", [c], 0.05 * math.sqrt(expected_variance))
        if affine:
            self.small(scope + "/scale", [c], 0.05, mean=1.0)
            self.small(scope + "/offset", [c], 0.05)


def engine_normals(seed, count):
    """`SeededRandom(seed:)`'s first `count` values of `normal()` (SplitMix64, Box–Muller cos then sin, Double →
    Float), vectorised: state k is seed + k·γ (mod 2⁶⁴)."""
    pairs = (count + 1) // 2
    k = np.arange(1, 2 * pairs + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = np.uint64(seed & 0xFFFFFFFFFFFFFFFF) + k * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    u = ((z >> np.uint64(11)).astype(np.float64) + 1) * 2.0 ** -53
    r, t = np.sqrt(-2 * np.log(u[0::2])), 2 * np.pi * u[1::2]
    out = np.empty(2 * pairs, dtype=np.float32)
    out[0::2], out[1::2] = r * np.cos(t), r * np.sin(t)
    return out[:count]


def generator_weights(ws, ch):
    """Generator (docs/released-modules.md, Generator; Generator.swift, GBlock.swift) at channel multiplier `ch`."""
    g = GENERATOR
    chunk = G_ZDIM // (len(G_BLOCKS) + 1)
    cond = chunk + G_EMBED
    ws.embedding(g + "/linear/w", [1, G_EMBED])
    ws.linear(g + "/GenZ/G_linear", chunk, G_BOTTOM * G_BOTTOM * G_BLOCKS[0][0] * ch, 1.0)
    for k, (i, o) in enumerate(G_BLOCKS):
        cin, cout = i * ch, o * ch
        s = g + ("/GBlock" if k == 0 else f"/GBlock_{k}")
        for bn, c in (("BatchNorm", cin), ("BatchNorm_1", cout)):
            ws.batch_norm(f"{s}/{bn}", c, affine=False)
            ws.kernel(f"{s}/{bn}/scale/w", [cond, c], 0.1)
            ws.kernel(f"{s}/{bn}/offset/w", [cond, c], 0.1)
        ws.conv(s + "/conv0", 3, cin, cout, ROOT2, True)
        ws.conv(s + "/conv1", 3, cout, cout, 1.0, True)
        ws.conv(s + "/conv_sc", 1, cin, cout, math.sqrt(0.5), True)
    c = G_BLOCKS[G_ATTENTION_BLOCK][1] * ch
    a = g + "/attention"
    ws.kernel(a + "/theta/w", [1, 1, c, c // 8], 1.0)
    ws.kernel(a + "/phi/w", [1, 1, c, c // 8], 1.0)
    ws.kernel(a + "/g/w", [1, 1, c, c // 2], 1.0)
    ws.kernel(a + "/o_conv/w", [1, 1, c // 2, c], 1.0)
    ws.tensors[a + "/gamma"] = np.array(0.2, dtype=np.float32)  # rank 0, as the engine reads it
    last = G_BLOCKS[-1][1] * ch
    ws.batch_norm(g + "/BatchNorm", last)
    ws.conv(g + "/conv_2d", 3, last, 3, 1.0, True)


def encoder_weights(ws, width):
    """ResNet-v2-50 encoder (docs/released-modules.md, ResNet-50 trunk; ResNetEncoder.swift, Encoder.swift,
    EncoderConventions.swift) at `width`."""
    e = ENCODER
    stem = width // 4
    ws.conv(e + "/stem/conv", 7, 3, stem, math.sqrt(3.0), False)
    channels, moment = stem, 2.0  # the 3×3 max pool of unit normals: mean ≈ 1.2, E[x²] ≈ 2
    for s, count in enumerate(E_BLOCKS):
        cout = width << s
        mid = cout // 4
        for k in range(count):
            b = f"{e}/stage{s + 1}/block{k + 1}"
            stride = 2 if s > 0 and k == 0 else 1
            ws.batch_norm(b + "/bn1", channels, moment)
            ws.conv(b + "/conv1", 1, channels, mid, ROOT2, False)
            ws.batch_norm(b + "/bn2", mid)
            ws.conv(b + "/conv2", 3, mid, mid, ROOT2, False)
            ws.batch_norm(b + "/bn3", mid)
            ws.conv(b + "/conv3", 1, mid, cout, 1.0, False)
            if stride != 1 or channels != cout:
                ws.conv(b + "/shortcut", 1, channels, cout, 1.0, False)
                moment = 1.0
            else:
                moment += 0.5
            channels = cout
    ws.batch_norm(e + "/final_bn", channels, moment)
    feature_moment = 0.5  # after the final BN + ReLU
    ws.batch_norm(e + "/bn_crelu/bn", channels, feature_moment, affine=False)
    moment, width_in = feature_moment, channels
    for i, out in enumerate(E_HIDDEN):
        residual = out == width_in
        ws.linear(f"{e}/head/linear_{i + 1}", width_in, out, 0.5 if residual else math.sqrt(2 / moment))
        moment = moment * 1.125 if residual else 1.0
        width_in = out
    ws.linear(e + "/head/z_params", width_in, 2 * E_ZDIM, 1 / math.sqrt(moment))


def make(models, ch, width, seed):
    ws = WeightSet(seed)
    if "generator" in models:
        generator_weights(ws, ch)
    if "resnet50" in models:
        encoder_weights(ws, width)
    return ws.tensors


def write(tensors, path, description):
    from safetensors.numpy import save_file
    save_file(tensors, path, metadata={"description": description})
