"""The engine's generator and ResNet-50 encoder in PyTorch, built from the same canonical weights.

Semantics follow the Swift models exactly while computing in PyTorch's NCHW: TF kernels [kh,kw,Cin,Cout] become
OIHW; G_linear's output is reshaped as NHWC [N,4,4,16ch] (then permuted); TF SAME padding, including the
asymmetric pad (extra pixel after) of stride-2 layers on even sizes, is made explicit; attention flattens space
row-major over (h, w) as TF does. Inputs and outputs are NHWC like the engine's.

`for_export=True` builds the same functions in a form that pnnx → ncnn converts (no batch-size-dependent ops on
constants); outputs are identical.
"""
import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import weights as W


def _t(a):
    return torch.from_numpy(np.ascontiguousarray(a))


def _conv_weight(w):
    return _t(np.transpose(w, (3, 2, 0, 1)))  # HWIO → OIHW


def same_pads(size, k, s):
    """TF SAME padding along one axis: (before, after); the extra pixel goes after."""
    out = -(-size // s)
    total = max((out - 1) * s + k - size, 0)
    return total // 2, total - total // 2


class Conv(nn.Module):
    """A TF-layout conv with SAME padding; symmetric pads go into the conv, asymmetric ones into an explicit F.pad."""

    def __init__(self, t, scope, stride=1, bias=True):
        super().__init__()
        w = t[scope + "/w"]
        self.k, self.stride = w.shape[0], stride
        self.conv = nn.Conv2d(w.shape[2], w.shape[3], self.k, stride=stride, bias=bias)
        with torch.no_grad():
            self.conv.weight.copy_(_conv_weight(w))
            if bias:
                self.conv.bias.copy_(_t(t[scope + "/b"]))

    def forward(self, x):
        (top, bottom), (left, right) = same_pads(x.shape[2], self.k, self.stride), same_pads(x.shape[3], self.k, self.stride)
        if top == bottom and left == right:
            self.conv.padding = (top, left)
            return self.conv(x)
        self.conv.padding = (0, 0)
        return self.conv(F.pad(x, (left, right, top, bottom)))


def max_pool_same(x, k, s):
    """TF SAME max pooling (padding never wins). When SAME pads only after, that is exactly ceil_mode."""
    (top, bottom), (left, right) = same_pads(x.shape[2], k, s), same_pads(x.shape[3], k, s)
    if top == 0 and left == 0:
        return F.max_pool2d(x, k, s, ceil_mode=True)
    return F.max_pool2d(F.pad(x, (left, right, top, bottom), value=-math.inf), k, s)


class BatchNorm(nn.Module):
    """Stored-statistics batch norm (optionally with γ/β) and optional ReLU."""

    def __init__(self, t, scope, eps, affine=True):
        super().__init__()
        self.register_buffer("mean", _t(t[scope + "/accumulated_mean"]))
        self.register_buffer("var", _t(t[scope + "/accumulated_var"]))
        self.register_buffer("scale", _t(t[scope + "/scale"]) if affine else None)
        self.register_buffer("offset", _t(t[scope + "/offset"]) if affine else None)
        self.eps = eps

    def forward(self, x, relu=False):
        y = F.batch_norm(x, self.mean, self.var, self.scale, self.offset, False, 0.0, self.eps)
        return F.relu(y) if relu else y


def _linear(t, scope, bias=True):
    w = t[scope + "/w"]
    layer = nn.Linear(w.shape[0], w.shape[1], bias=bias)
    with torch.no_grad():
        layer.weight.copy_(_t(w.T))
        if bias:
            layer.bias.copy_(_t(t[scope + "/b"]))
    return layer


# ---------------------------------------------------------------- generator


class ConditionalBatchNorm(nn.Module):
    """x̂ · (1 + c·W_scale) + c·W_offset with stored statistics; c = concat(z chunk, embedding)."""

    def __init__(self, t, scope, eps):
        super().__init__()
        self.norm = BatchNorm(t, scope, eps, affine=False)
        self.gain = _linear(t, scope + "/scale", bias=False)
        self.bias = _linear(t, scope + "/offset", bias=False)

    def forward(self, x, c):
        n, ch = x.shape[0], x.shape[1]
        gain = (1 + self.gain(c)).reshape(n, ch, 1, 1)
        return F.relu(self.norm(x) * gain + self.bias(c).reshape(n, ch, 1, 1))


class GBlock(nn.Module):
    def __init__(self, t, scope):
        super().__init__()
        self.bn0 = ConditionalBatchNorm(t, scope + "/BatchNorm", W.G_EPS)
        self.conv0 = Conv(t, scope + "/conv0")
        self.bn1 = ConditionalBatchNorm(t, scope + "/BatchNorm_1", W.G_EPS)
        self.conv1 = Conv(t, scope + "/conv1")
        self.shortcut = Conv(t, scope + "/conv_sc")

    def forward(self, x, c):
        h = self.conv0(F.interpolate(self.bn0(x, c), scale_factor=2, mode="nearest"))
        h = self.conv1(self.bn1(h, c))
        return h + self.shortcut(F.interpolate(x, scale_factor=2, mode="nearest"))


class SelfAttention(nn.Module):
    def __init__(self, t, scope):
        super().__init__()
        self.theta = Conv(t, scope + "/theta", bias=False)
        self.phi = Conv(t, scope + "/phi", bias=False)
        self.g = Conv(t, scope + "/g", bias=False)
        self.o = Conv(t, scope + "/o_conv", bias=False)
        self.gamma = float(t[scope + "/gamma"])

    def forward(self, x):
        n, c, h, w = x.shape
        theta = self.theta(x).reshape(n, c // 8, h * w).transpose(1, 2)          # [N, HW, C/8]
        phi = F.max_pool2d(self.phi(x), 2, 2).reshape(n, c // 8, h * w // 4)     # [N, C/8, HW/4]
        g = F.max_pool2d(self.g(x), 2, 2).reshape(n, c // 2, h * w // 4)         # [N, C/2, HW/4]
        beta = torch.softmax(torch.matmul(theta, phi), dim=-1)                   # [N, HW, HW/4]
        attended = torch.matmul(g, beta.transpose(1, 2)).reshape(n, c // 2, h, w)
        return x + self.gamma * self.o(attended)


class Generator(nn.Module):
    """z [N,120] → image [N,128,128,3] (NHWC, tanh)."""

    def __init__(self, t, ch):
        super().__init__()
        g = W.GENERATOR
        self.ch = ch
        self.chunk = W.G_ZDIM // (len(W.G_BLOCKS) + 1)
        self.register_buffer("embedding", _t(t[g + "/linear/w"]))
        self.linear = _linear(t, g + "/GenZ/G_linear")
        self.blocks = nn.ModuleList(GBlock(t, g + ("/GBlock" if k == 0 else f"/GBlock_{k}")) for k in range(len(W.G_BLOCKS)))
        self.attention = SelfAttention(t, g + "/attention")
        self.final_norm = BatchNorm(t, g + "/BatchNorm", W.G_EPS)
        self.final_conv = Conv(t, g + "/conv_2d")

    def forward(self, z):
        n = z.shape[0]
        chunks = torch.split(z, self.chunk, dim=1)
        e = self.embedding.expand(n, -1)
        c0 = W.G_BLOCKS[0][0] * self.ch
        h = self.linear(chunks[0]).reshape(n, W.G_BOTTOM, W.G_BOTTOM, c0).permute(0, 3, 1, 2)
        for k, block in enumerate(self.blocks):
            h = block(h, torch.cat([chunks[k + 1], e], dim=1))
            if k == W.G_ATTENTION_BLOCK:
                h = self.attention(h)
        h = self.final_conv(self.final_norm(h, relu=True))
        return torch.tanh(h).permute(0, 2, 3, 1)


# ---------------------------------------------------------------- encoder


class PreActBottleneck(nn.Module):
    def __init__(self, t, scope, stride, projection):
        super().__init__()
        eps = W.E_EPS
        self.bn1 = BatchNorm(t, scope + "/bn1", eps)
        self.conv1 = Conv(t, scope + "/conv1", bias=False)
        self.bn2 = BatchNorm(t, scope + "/bn2", eps)
        self.conv2 = Conv(t, scope + "/conv2", stride=stride, bias=False)  # stride on the 3×3 (EncoderConventions)
        self.bn3 = BatchNorm(t, scope + "/bn3", eps)
        self.conv3 = Conv(t, scope + "/conv3", bias=False)
        self.shortcut = Conv(t, scope + "/shortcut", stride=stride, bias=False) if projection else None

    def forward(self, x):
        p = self.bn1(x, relu=True)
        skip = self.shortcut(p) if self.shortcut is not None else x
        h = self.bn2(self.conv1(p), relu=True)
        h = self.bn3(self.conv2(h), relu=True)
        return self.conv3(h) + skip


class ResNetEncoder(nn.Module):
    """x [N,256,256,3] NHWC → (z_mean, z_stdev, avepool_feat, bn_crelu_feat). z_sample = z_mean + z_stdev·ε is
    formed outside, with the engine's ε (see `engine_noise`)."""

    def __init__(self, t, width):
        super().__init__()
        e = W.ENCODER
        self.stem = Conv(t, e + "/stem/conv", stride=2, bias=False)
        blocks, channels = [], width // 4
        for s, count in enumerate(W.E_BLOCKS):
            cout = width << s
            for k in range(count):
                stride = 2 if s > 0 and k == 0 else 1
                blocks.append(PreActBottleneck(t, f"{e}/stage{s + 1}/block{k + 1}", stride, stride != 1 or channels != cout))
                channels = cout
        self.blocks = nn.ModuleList(blocks)
        self.final_norm = BatchNorm(t, e + "/final_bn", W.E_EPS)
        self.feature_norm = BatchNorm(t, e + "/bn_crelu/bn", W.E_EPS, affine=False)
        hidden, self.residual, width_in = [], [], channels
        for i, out in enumerate(W.E_HIDDEN):
            hidden.append(_linear(t, f"{e}/head/linear_{i + 1}"))
            self.residual.append(out == width_in)
            width_in = out
        self.hidden = nn.ModuleList(hidden)
        self.z_params = _linear(t, e + "/head/z_params")

    def forward(self, x):
        h = max_pool_same(self.stem(x.permute(0, 3, 1, 2)), 3, 2)
        for block in self.blocks:
            h = block(h)
        avepool = self.final_norm(h, relu=True).mean(dim=(2, 3))
        f = self.feature_norm(avepool)
        bn_crelu = torch.cat([F.relu(f), F.relu(-f)], dim=1)
        h = avepool
        for layer, residual in zip(self.hidden, self.residual):
            h = h + F.relu(layer(h)) if residual else F.relu(layer(h))
        params = self.z_params(h)
        return params[:, : W.E_ZDIM], F.softplus(params[:, W.E_ZDIM :]), avepool, bn_crelu


ENCODER_OUTPUTS = ["z_mean", "z_stdev", "avepool_feat", "bn_crelu_feat"]


def engine_noise(samples, zdim, seed):
    """The engine's ε for `z_sample` (`Encoder.noise`: `SeededRandom(seed:)`'s normals)."""
    return W.engine_normals(seed, samples * zdim).reshape(samples, zdim)


def build(model, tensors, ch, width):
    m = Generator(tensors, ch) if model == "generator" else ResNetEncoder(tensors, width)
    return m.eval()
