"""The default model's three networks in PyTorch, written to compute exactly what the Swift code computes at
inference (docs/default-model.md, Architecture), so a checkpoint trained here loads there under the canonical names.

Layouts: PyTorch runs NCHW; the canonical names hold TensorFlow layouts (conv kernels [kh, kw, in, out], linear
weights [in, out], feature maps flattened NHWC). `canonical_weights` and `load_canonical` convert.

Conventions shared with the Swift code:
- convolutions pad as TensorFlow's SAME (the extra pixel of an odd total goes after), max pooling ignores padding;
- the generator's batch norms have ε = 1e-4, the encoder's 1e-3, the discriminator has none;
- spectral normalisation is applied in training and the exported kernels are already divided by σ.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F

Z_DIM = 120
RESOLUTION = 32
G_EPSILON = 1e-4
E_EPSILON = 1e-3


def same_pad(x, kernel, stride, value=0.0):
    """Pads NCHW `x` as TensorFlow's SAME padding does for `kernel`/`stride`."""
    size = x.shape[-1]
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    before = total // 2
    return F.pad(x, (before, total - before, before, total - before), value=value)


class Conv(nn.Module):
    """A SAME-padded convolution."""

    def __init__(self, cin, cout, kernel, stride=1, bias=True):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, kernel, stride, padding=0, bias=bias)
        self.kernel, self.stride = kernel, stride

    def forward(self, x):
        return self.conv(same_pad(x, self.kernel, self.stride))


def max_pool_same(x, window, stride):
    return F.max_pool2d(same_pad(x, window, stride, value=float("-inf")), window, stride)


class SelfAttention(nn.Module):
    """BigGAN self-attention (Tensors/Ops/SelfAttention.swift): keys and values max-pooled 2×2, y = x + γ·o."""

    def __init__(self, c):
        super().__init__()
        self.theta = nn.Conv2d(c, c // 8, 1, bias=False)
        self.phi = nn.Conv2d(c, c // 8, 1, bias=False)
        self.g = nn.Conv2d(c, c // 2, 1, bias=False)
        self.o_conv = nn.Conv2d(c // 2, c, 1, bias=False)
        self.gamma = nn.Parameter(torch.zeros(()))

    def forward(self, x):
        n, c, h, w = x.shape
        theta = self.theta(x).flatten(2)  # [N, C/8, HW], positions row-major over (h, w)
        phi = F.max_pool2d(self.phi(x), 2).flatten(2)  # [N, C/8, HW/4]
        g = F.max_pool2d(self.g(x), 2).flatten(2)  # [N, C/2, HW/4]
        beta = torch.softmax(theta.transpose(1, 2) @ phi, dim=-1)  # [N, HW, HW/4]
        attended = (g @ beta.transpose(1, 2)).view(n, c // 2, h, w)
        return x + self.gamma * self.o_conv(attended)


# Generator ------------------------------------------------------------------------------------------------------------
class ConditionalBatchNorm(nn.Module):
    """gain = 1 + c·W_scale, bias = c·W_offset (no bias terms); batch statistics in training, stored ones after."""

    def __init__(self, channels, condition_dim):
        super().__init__()
        self.norm = nn.BatchNorm2d(channels, eps=G_EPSILON, affine=False)
        self.scale = nn.Linear(condition_dim, channels, bias=False)
        self.offset = nn.Linear(condition_dim, channels, bias=False)
        nn.init.zeros_(self.scale.weight)
        nn.init.zeros_(self.offset.weight)

    def forward(self, x, condition):
        gain = 1 + self.scale(condition)
        return self.norm(x) * gain[:, :, None, None] + self.offset(condition)[:, :, None, None]


class GBlock(nn.Module):
    """Generator/GBlock.swift: conv0(up(relu(CBN₀ x))) → conv1(relu(CBN₁ ·)) + conv_sc(up(x))."""

    def __init__(self, cin, cout, condition_dim):
        super().__init__()
        self.BatchNorm = ConditionalBatchNorm(cin, condition_dim)
        self.conv0 = Conv(cin, cout, 3)
        self.BatchNorm_1 = ConditionalBatchNorm(cout, condition_dim)
        self.conv1 = Conv(cout, cout, 3)
        self.conv_sc = Conv(cin, cout, 1)

    def forward(self, x, condition):
        h = F.interpolate(F.relu(self.BatchNorm(x, condition)), scale_factor=2, mode="nearest")
        h = self.conv1(F.relu(self.BatchNorm_1(self.conv0(h), condition)))
        return h + self.conv_sc(F.interpolate(x, scale_factor=2, mode="nearest"))


class Generator(nn.Module):
    """Generator/Generator.swift with GeneratorConfig(ch:, blocks: 3, attentionResolution: 16)."""

    MULTIPLIERS = [(8, 4), (4, 2), (2, 1)]

    def __init__(self, ch, embedding_dim=128, attention_resolution=16):
        super().__init__()
        self.ch = ch
        self.chunk = Z_DIM // (len(self.MULTIPLIERS) + 1)
        self.bottom = self.MULTIPLIERS[0][0] * ch
        condition = self.chunk + embedding_dim
        self.linear = nn.Parameter(torch.randn(1, embedding_dim) * 0.1)  # the single label's embedding row
        self.G_linear = nn.Linear(self.chunk, 4 * 4 * self.bottom)
        self.blocks = nn.ModuleList(GBlock(a * ch, b * ch, condition) for a, b in self.MULTIPLIERS)
        self.attention_after = [4 << (k + 1) for k in range(len(self.MULTIPLIERS))].index(attention_resolution)
        self.attention = SelfAttention(self.MULTIPLIERS[self.attention_after][1] * ch)
        self.BatchNorm = nn.BatchNorm2d(ch, eps=G_EPSILON)
        self.conv_2d = Conv(ch, 3, 3)

    def forward(self, z):
        chunks = z.split(self.chunk, dim=1)
        e = self.linear.expand(z.shape[0], -1)
        h = self.G_linear(chunks[0]).view(-1, 4, 4, self.bottom).permute(0, 3, 1, 2)  # NHWC order as in TF
        for k, block in enumerate(self.blocks):
            h = block(h, torch.cat([chunks[k + 1], e], dim=1))
            if k == self.attention_after:
                h = self.attention(h)
        return torch.tanh(self.conv_2d(F.relu(self.BatchNorm(h))))


# Encoder --------------------------------------------------------------------------------------------------------------
class PreActBottleneck(nn.Module):
    """Encoder/ResNetEncoder.swift: ResNet v2 bottleneck, stride on the 3×3 conv, projection on relu(bn1(x))."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        mid = cout // 4
        self.bn1 = nn.BatchNorm2d(cin, eps=E_EPSILON)
        self.conv1 = Conv(cin, mid, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(mid, eps=E_EPSILON)
        self.conv2 = Conv(mid, mid, 3, stride, bias=False)
        self.bn3 = nn.BatchNorm2d(mid, eps=E_EPSILON)
        self.conv3 = Conv(mid, cout, 1, bias=False)
        self.shortcut = Conv(cin, cout, 1, stride, bias=False) if stride != 1 or cin != cout else None

    def forward(self, x):
        p = F.relu(self.bn1(x))
        skip = self.shortcut(p) if self.shortcut is not None else x
        h = F.relu(self.bn3(self.conv2(F.relu(self.bn2(self.conv1(p))))))
        return self.conv3(h) + skip


class Encoder(nn.Module):
    """Encoder/Encoder.swift with EncoderConfig(architecture: .resnet50, width:, blocksPerStage:, resolution: 32,
    stem: .small)."""

    def __init__(self, width, blocks_per_stage, hidden_widths, small_stem=True):
        super().__init__()
        # EncoderStemKind: .small is a 3×3/1 conv without pooling (32×32 inputs); .imageNet the 7×7/2 conv + 3×3/2 max pool.
        self.small_stem = small_stem
        self.stem = Conv(3, width // 4, 3, 1, bias=False) if small_stem else Conv(3, width // 4, 7, 2, bias=False)
        self.blocks = nn.ModuleDict()
        channels = width // 4
        for s, count in enumerate(blocks_per_stage):
            for k in range(count):
                cout = width << s
                self.blocks[f"stage{s + 1}/block{k + 1}"] = PreActBottleneck(
                    channels, cout, 2 if s > 0 and k == 0 else 1)
                channels = cout
        self.final_bn = nn.BatchNorm2d(channels, eps=E_EPSILON)
        self.feature_bn = nn.BatchNorm1d(channels, eps=E_EPSILON, affine=False)  # bn_crelu/bn
        self.hidden = nn.ModuleList()
        self.residual = []
        inputs = channels
        for out in hidden_widths:
            self.hidden.append(nn.Linear(inputs, out))
            self.residual.append(out == inputs)
            inputs = out
        self.z_params = nn.Linear(inputs, 2 * Z_DIM)

    def features(self, x):
        h = self.stem(x) if self.small_stem else max_pool_same(self.stem(x), 3, 2)
        for block in self.blocks.values():
            h = block(h)
        return F.relu(self.final_bn(h)).mean(dim=(2, 3))

    def forward(self, x, epsilon):
        """→ z_mean, z_stdev, z_sample, avepool_feat, bn_crelu_feat for noise `epsilon` [N, 120]."""
        avepool = self.features(x)
        normed = self.feature_bn(avepool)
        bn_crelu = torch.cat([F.relu(normed), F.relu(-normed)], dim=1)
        h = avepool
        for layer, residual in zip(self.hidden, self.residual):
            h = h + F.relu(layer(h)) if residual else F.relu(layer(h))
        mean, raw = self.z_params(h).split(Z_DIM, dim=1)
        stdev = F.softplus(raw)
        return mean, stdev, mean + stdev * epsilon, avepool, bn_crelu


# Discriminator --------------------------------------------------------------------------------------------------------
class DBlock(nn.Module):
    """Discriminator/DBlock.swift: conv1(relu(conv0(relu?(x)))), average-pooled 2×2 when downsampling, + shortcut."""

    def __init__(self, cin, cout, downsample, preactivation):
        super().__init__()
        self.conv0 = Conv(cin, cout, 3)
        self.conv1 = Conv(cout, cout, 3)
        self.conv_sc = Conv(cin, cout, 1) if cin != cout or downsample else None
        self.downsample, self.preactivation = downsample, preactivation

    def forward(self, x):
        h = self.conv1(F.relu(self.conv0(F.relu(x) if self.preactivation else x)))
        skip = x
        if self.downsample:
            h, skip = F.avg_pool2d(h, 2), F.avg_pool2d(skip, 2)
        if self.conv_sc is not None:
            skip = self.conv_sc(skip)
        return h + skip


class MLP(nn.Module):
    """Hidden linears with ReLU, residual where widths match (as the encoder head), then a linear score."""

    def __init__(self, inputs, widths):
        super().__init__()
        self.hidden = nn.ModuleList()
        self.residual = []
        for out in widths:
            self.hidden.append(nn.Linear(inputs, out))
            self.residual.append(out == inputs)
            inputs = out
        self.score = nn.Linear(inputs, 1)
        self.width = inputs

    def features(self, h):
        for layer, residual in zip(self.hidden, self.residual):
            h = h + F.relu(layer(h)) if residual else F.relu(layer(h))
        return h


class Discriminator(nn.Module):
    """Discriminator/Discriminator.swift: F(x) BigGAN trunk with global sum pooling, H(z) and J(F, H) MLPs."""

    MULTIPLIERS = [(0, 1, True), (1, 2, True), (2, 4, True), (4, 4, False)]  # 0: the 3 image channels

    def __init__(self, ch, h_widths, j_widths, attention_resolution=16):
        super().__init__()
        self.blocks = nn.ModuleList(
            DBlock(a * ch if a else 3, b * ch, down, k > 0) for k, (a, b, down) in enumerate(self.MULTIPLIERS))
        sizes = []
        size = RESOLUTION
        for _, _, down in self.MULTIPLIERS:
            size //= 2 if down else 1
            sizes.append(size)
        self.attention_after = sizes.index(attention_resolution)
        self.attention = SelfAttention(self.MULTIPLIERS[self.attention_after][1] * ch)
        features = self.MULTIPLIERS[-1][1] * ch
        self.F_score = nn.Linear(features, 1)
        self.H = MLP(Z_DIM, h_widths)
        self.J = MLP(features + self.H.width, j_widths)

    def forward(self, x, z):
        h = x
        for k, block in enumerate(self.blocks):
            h = block(h)
            if k == self.attention_after:
                h = self.attention(h)
        f = F.relu(h).sum(dim=(2, 3))
        hz = self.H.features(z)
        j = self.J.features(torch.cat([f, hz], dim=1))
        return self.F_score(f)[:, 0], self.H.score(hz)[:, 0], self.J.score(j)[:, 0]


# Canonical names --------------------------------------------------------------------------------------------------------
G_SCOPE = "GenEncWrapper/Generator/"
E_SCOPE = "GenEncWrapper/Encoder/"
D_SCOPE = "Discriminator/"


def _bn(prefix, norm, affine=True):
    out = {prefix + "accumulated_mean": (norm.running_mean, "plain"), prefix + "accumulated_var": (norm.running_var, "plain")}
    if affine:
        out[prefix + "scale"] = (norm.weight, "plain")
        out[prefix + "offset"] = (norm.bias, "plain")
    return out


def _conv_layer(prefix, conv):
    out = {prefix + "w": (conv.weight, "conv")}
    if conv.bias is not None:
        out[prefix + "b"] = (conv.bias, "plain")
    return out


def _linear_layer(prefix, linear):
    return {prefix + "w": (linear.weight, "linear"), prefix + "b": (linear.bias, "plain")}


def _attention(prefix, a):
    out = {prefix + "gamma": (a.gamma, "plain")}
    for name in ["theta", "phi", "g", "o_conv"]:
        out[prefix + name + "/w"] = (getattr(a, name).weight, "conv")
    return out


def named_tensors(g, e, d):
    """Canonical name → (the module's tensor, its layout: "conv", "linear" or "plain")."""
    out = {G_SCOPE + "linear/w": (g.linear, "plain")}
    # G_linear's outputs are NHWC-ordered already: the forward pass views them as [N, 4, 4, C].
    out.update(_linear_layer(G_SCOPE + "GenZ/G_linear/", g.G_linear))
    for k, block in enumerate(g.blocks):
        p = G_SCOPE + ("GBlock/" if k == 0 else f"GBlock_{k}/")
        for name in ["BatchNorm", "BatchNorm_1"]:
            cbn = getattr(block, name)
            out.update(_bn(p + name + "/", cbn.norm, affine=False))
            out[p + name + "/scale/w"] = (cbn.scale.weight, "linear")
            out[p + name + "/offset/w"] = (cbn.offset.weight, "linear")
        for name in ["conv0", "conv1", "conv_sc"]:
            out.update(_conv_layer(p + name + "/", getattr(block, name).conv))
    out.update(_attention(G_SCOPE + "attention/", g.attention))
    out.update(_bn(G_SCOPE + "BatchNorm/", g.BatchNorm))
    out.update(_conv_layer(G_SCOPE + "conv_2d/", g.conv_2d.conv))

    out.update(_conv_layer(E_SCOPE + "stem/conv/", e.stem.conv))
    for name, block in e.blocks.items():
        p = E_SCOPE + name + "/"
        for bn in ["bn1", "bn2", "bn3"]:
            out.update(_bn(p + bn + "/", getattr(block, bn)))
        for conv in ["conv1", "conv2", "conv3"]:
            out.update(_conv_layer(p + conv + "/", getattr(block, conv).conv))
        if block.shortcut is not None:
            out.update(_conv_layer(p + "shortcut/", block.shortcut.conv))
    out.update(_bn(E_SCOPE + "final_bn/", e.final_bn))
    out.update(_bn(E_SCOPE + "bn_crelu/bn/", e.feature_bn, affine=False))
    for i, layer in enumerate(e.hidden):
        out.update(_linear_layer(E_SCOPE + f"head/linear_{i + 1}/", layer))
    out.update(_linear_layer(E_SCOPE + "head/z_params/", e.z_params))

    for k, block in enumerate(d.blocks):
        p = D_SCOPE + ("F/DBlock/" if k == 0 else f"F/DBlock_{k}/")
        for name in ["conv0", "conv1"]:
            out.update(_conv_layer(p + name + "/", getattr(block, name).conv))
        if block.conv_sc is not None:
            out.update(_conv_layer(p + "conv_sc/", block.conv_sc.conv))
    out.update(_attention(D_SCOPE + "F/attention/", d.attention))
    out.update(_linear_layer(D_SCOPE + "F/score/", d.F_score))
    for part, mlp in [("H", d.H), ("J", d.J)]:
        for i, layer in enumerate(mlp.hidden):
            out.update(_linear_layer(D_SCOPE + f"{part}/linear_{i + 1}/", layer))
        out.update(_linear_layer(D_SCOPE + f"{part}/score/", mlp.score))
    return out


def canonical_weights(g, e, d):
    """Every tensor under its canonical name in TensorFlow layout; spectrally normalised kernels as normalised."""
    def convert(t, layout):
        t = t.detach().float()
        return t.permute(2, 3, 1, 0) if layout == "conv" else t.t() if layout == "linear" else t
    return {name: convert(t, layout).contiguous().clone() for name, (t, layout) in named_tensors(g, e, d).items()}


def stored_widths(tensors, part):
    """The hidden widths of D's `part` MLP ("H" or "J") in canonical `tensors`: linear_1, linear_2, … until one is
    missing, each [inputs, width]."""
    widths = []
    while (w := tensors.get(D_SCOPE + f"{part}/linear_{len(widths) + 1}/w")) is not None:
        widths.append(w.shape[1])
    return widths


def load_canonical(g, e, d, tensors):
    """Loads canonical tensors into plain (not spectrally normalised) modules of the same sizes; every name must
    match."""
    targets = named_tensors(g, e, d)
    missing = sorted(set(targets) - set(tensors))
    extra = sorted(set(tensors) - set(targets))
    if missing or extra:
        raise ValueError(f"weights do not match the model: missing {missing[:5]}, unexpected {extra[:5]}")
    with torch.no_grad():
        for name, (target, layout) in targets.items():
            value = tensors[name]
            value = value.permute(3, 2, 0, 1) if layout == "conv" else value.t() if layout == "linear" else value
            if tuple(value.shape) != tuple(target.shape):
                raise ValueError(f"{name}: shape {tuple(value.shape)}, the model needs {tuple(target.shape)}")
            target.copy_(value)
