"""Trains the default model (docs/default-model.md) on Fashion-MNIST on the CPU and exports the EMA generator, the
encoder and the discriminator as one .safetensors under the canonical names.

    python tools/train/train.py --output Sources/BigBiGAN/DefaultModel/bigbigan-fashion-mnist.safetensors

Objective (BigBiGAN, arXiv 1907.02544, §2; the TF Hub colab's losses): D minimises the hinge loss of each of its
three scores, real pairs (x, E(x)) labelled +1 and generated pairs (G(z), z) −1; E and G minimise the summed score of
the real pairs minus that of the generated ones. Adam β1 = 0, β2 = 0.999, the encoder's learning rate 5× the
generator's; an exponential moving average of G is what is exported. The training passes run in bfloat16 under
torch.autocast (`--bf16`); weights, optimiser state and the export stay float32. `--latent-regression` adds a term
outside the paper's objective (off by default; docs/default-model.md, Limits).
"""

import argparse
import copy
import json
import pathlib
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import save_file

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import data  # noqa: E402
import model  # noqa: E402

# The default model's sizes; the Swift configuration (DefaultModel.swift) must say the same.
G_CH = 32
E_WIDTH = 64
E_BLOCKS = [2, 2, 2]
E_HIDDEN = [256, 256]
D_CH = 32
D_H = [256, 256]
D_J = [256, 256]  # --j-widths' default
# What a checkpoint records of its run, so that an export from it (--from-checkpoint) uses the same.
TRAINING_OPTIONS = ["steps", "batch", "d_steps", "lr_g", "lr_e", "lr_d", "ema", "initial_stdev", "seed", "threads",
                    "channels_last", "joint_spectral_norm", "j_widths", "train_stdev", "bf16", "latent_regression"]


def build(spectral_norm, initial_stdev=None, joint_spectral_norm=False, j_widths=D_J, train_stdev=True):
    g = model.Generator(G_CH)
    e = model.Encoder(E_WIDTH, E_BLOCKS, E_HIDDEN)
    d = model.Discriminator(D_CH, D_H, j_widths)
    if initial_stdev is not None:
        # z_stdev = softplus(σ̂): σ̂'s bias set so that E starts nearly deterministic (PyTorch's default bias starts
        # z_stdev at ≈ 0.69); training still widens it (docs/default-model.md, Training).
        with torch.no_grad():
            e.z_params.bias[model.Z_DIM:].fill_(float(np.log(np.expm1(initial_stdev))))
    if not train_stdev:
        # σ̂ = its bias alone, which train() keeps there: z_stdev stays at --initial-stdev for every image.
        with torch.no_grad():
            e.z_params.weight[model.Z_DIM:].zero_()
    # The conditional batch norms' gain/bias projections start at zero (gain 1, bias 0) and are not spectrally
    # normalised: σ of a zero matrix is 0.
    conditional = {id(m) for c in g.modules() if isinstance(c, model.ConditionalBatchNorm) for m in [c.scale, c.offset]}
    # D's H(z) and J(F, H) optionally stay plain: with them normalised, J ignores which z goes with which x
    # (docs/default-model.md, Limits).
    plain = set() if joint_spectral_norm else {id(m) for part in [d.H, d.J] for m in part.modules()}
    for net in [g, d]:
        for m in list(net.modules()):
            if isinstance(m, (nn.Conv2d, nn.Linear)) and id(m) not in conditional:
                nn.init.orthogonal_(m.weight)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
                if spectral_norm and id(m) not in plain:
                    nn.utils.parametrizations.spectral_norm(m, eps=1e-6)
    return g, e, d


def remove_spectral_norm(net):
    """Replaces each parametrised weight by its normalised value (the power iteration's current u)."""
    for m in net.modules():
        if nn.utils.parametrize.is_parametrized(m, "weight"):
            nn.utils.parametrize.remove_parametrizations(m, "weight", leave_parametrized=True)


def write_whole(path, write):
    """Calls `write` on a sibling `.partial` file, then renames it to `path`: a failed write leaves `path` as it was."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    write(partial)
    partial.replace(path)


def standing_statistics(net, batches):
    """Batch-norm statistics averaged over `batches` (BigGAN's standing statistics), replacing the running ones."""
    for m in net.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.reset_running_stats()
            m.momentum = None  # cumulative average
    net.train()
    with torch.no_grad():
        for batch in batches:
            batch()
    net.eval()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", type=pathlib.Path, required=True, help="the .safetensors to write")
    parser.add_argument("--steps", type=int, default=3500, help="generator/encoder updates")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--d-steps", type=int, default=1, help="discriminator updates per generator update")
    parser.add_argument("--lr-g", type=float, default=1e-4)
    parser.add_argument("--lr-e", type=float, default=5e-4)
    parser.add_argument("--lr-d", type=float, default=4e-4)
    parser.add_argument("--ema", type=float, default=0.999,
                        help="decay of the averages of G and E once past the warm-up (1 + t)/(10 + t), which is the "
                             "smaller until step 8,990 at 0.999")
    parser.add_argument("--initial-stdev", type=float, default=0.1, help="E's z_stdev at initialisation")
    parser.add_argument("--train-stdev", action=argparse.BooleanOptionalAction, default=True,
                        help="train E's z_stdev (off: it stays at --initial-stdev for every image)")
    parser.add_argument("--generator", choices=["ema", "trained"], default="ema",
                        help="export G's moving average or its trained weights")
    parser.add_argument("--encoder", choices=["ema", "trained"], default="ema",
                        help="export E's moving average (it lags like G's) or its trained weights")
    parser.add_argument("--checkpoint", type=pathlib.Path,
                        help="also save every network, the averages and the data stream here (torch.save)")
    parser.add_argument("--checkpoint-every", type=int, metavar="N",
                        help="also save the checkpoint every N steps, so a run can be measured as it goes")
    parser.add_argument("--from-checkpoint", type=pathlib.Path,
                        help="skip training: export from a --checkpoint, with the options of its run")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--channels-last", action=argparse.BooleanOptionalAction, default=True,
                        help="hold images and weights NHWC in memory (the shipped run did): the same model, faster "
                             "on the CPU, other rounding, so --no-channels-last is another run")
    parser.add_argument("--bf16", action=argparse.BooleanOptionalAction, default=True,
                        help="run the training passes in bfloat16 (torch.autocast; the shipped run did): about 2× "
                             "faster a step on the AMX Xeon measured; weights, optimiser state and the export stay "
                             "fp32, and D's scores are cast to fp32 before the losses; --no-bf16 is another run")
    parser.add_argument("--joint-spectral-norm", action=argparse.BooleanOptionalAction, default=False,
                        help="spectrally normalise D's H(z) and J(F, H) as the rest of D (the shipped run did not: "
                             "with it J ignores which z goes with which x)")
    parser.add_argument("--j-widths", type=int, nargs="+", default=D_J, metavar="WIDTH",
                        help="hidden widths of D's J(F, H) MLP (layers of equal width are residual)")
    parser.add_argument("--latent-regression", type=float, default=0.0, metavar="WEIGHT",
                        help="add WEIGHT × mean (z_mean(G(z)) − z)² to E's loss, E learning to invert G on its "
                             "samples (G gets no gradient from it); outside the paper's objective, which 0 (the "
                             "default) is")
    parser.add_argument("--log", type=pathlib.Path, help="JSON lines of losses (default: OUTPUT with .log.jsonl)")
    args = parser.parse_args()
    if args.checkpoint_every is not None and (args.checkpoint is None or args.checkpoint_every < 1):
        parser.error("--checkpoint-every takes a count of steps ≥ 1, and --checkpoint to say where")
    if min(args.j_widths) < 1:
        parser.error("--j-widths takes widths ≥ 1")
    if not 0 < args.initial_stdev < float("inf"):
        parser.error("--initial-stdev takes a finite z_stdev > 0 (z_stdev is softplus(σ̂))")
    if not 0 <= args.latent_regression < float("inf"):
        parser.error("--latent-regression takes a finite weight ≥ 0")
    saved = None
    if args.from_checkpoint:
        try:
            saved = torch.load(args.from_checkpoint, weights_only=False)
        except Exception as error:  # a missing, unreadable or corrupt file: say which and why, not a traceback
            parser.error(f"cannot read {args.from_checkpoint}: {error}")
        if not (isinstance(saved, dict) and "options" in saved):
            parser.error(f"{args.from_checkpoint} is not a checkpoint written by train.py --checkpoint")
    if saved:
        # Checkpoints written before these options existed trained NCHW, H and J normalised, J 256, 256 and
        # z_stdev trained, all in fp32, with the paper's objective alone.
        older = {"channels_last": False, "joint_spectral_norm": True, "j_widths": D_J, "train_stdev": True,
                 "bf16": False, "latent_regression": 0.0}
        for option, value in {**older, **saved["options"]}.items():
            setattr(args, option, value)
        args.steps = saved.get("step", args.steps)  # a checkpoint saved during training holds fewer steps

    if args.bf16 and not saved and not (torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported()):
        # The 2× was measured with AMX and AVX-512 BF16; without them oneDNN emulates bfloat16 or falls back further.
        print("train.py: this CPU has neither AVX-512 BF16 nor AMX, which made --bf16 2× faster than fp32 where it was "
              "measured; here it may be slower. --no-bf16 trains in fp32, a different run from the shipped one",
              file=sys.stderr, flush=True)
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    images, _ = data.load("train")
    # NHWC in memory (channels_last): PyTorch's CPU convolutions run the encoder's forward and backward about 1.6×
    # and the discriminator's 1.3× faster than on NCHW (docs/default-model.md, Training).
    layout = torch.channels_last if args.channels_last else torch.contiguous_format
    real = torch.from_numpy(data.preprocess(images)).permute(0, 3, 1, 2).contiguous(memory_format=layout)
    g, e, d = build(spectral_norm=True, initial_stdev=args.initial_stdev, joint_spectral_norm=args.joint_spectral_norm,
                    j_widths=args.j_widths, train_stdev=args.train_stdev)
    for net in [g, e, d]:
        net.to(memory_format=layout)
    g_ema, e_ema = copy.deepcopy(g).eval(), copy.deepcopy(e).eval()
    opt_d = torch.optim.Adam(d.parameters(), lr=args.lr_d, betas=(0.0, 0.999))
    opt_ge = torch.optim.Adam(
        [{"params": g.parameters(), "lr": args.lr_g}, {"params": e.parameters(), "lr": args.lr_e}],
        betas=(0.0, 0.999))
    stream = torch.Generator().manual_seed(args.seed)
    order, cursor = torch.randperm(len(real), generator=stream), 0

    def real_batch():
        nonlocal order, cursor
        if cursor + args.batch > len(order):
            order, cursor = torch.randperm(len(real), generator=stream), 0
        batch = real[order[cursor: cursor + args.batch]]
        cursor += args.batch
        return batch

    def noise():
        return torch.randn(args.batch, model.Z_DIM, generator=stream)

    def save_checkpoint(step, train_seconds):
        """Writes the run after `step` steps to --checkpoint (over the previous one, only once written whole)."""
        run = {"options": {k: v for k, v in vars(args).items() if k in TRAINING_OPTIONS}, "step": step,
               "g": g.state_dict(), "e": e.state_dict(), "d": d.state_dict(), "g_ema": g_ema.state_dict(),
               "e_ema": e_ema.state_dict(), "stream": stream.get_state(), "order": order, "cursor": cursor,
               "train_seconds": train_seconds}
        write_whole(args.checkpoint, lambda partial: torch.save(run, partial))

    if saved:
        for net, name in [(g, "g"), (e, "e"), (d, "d"), (g_ema, "g_ema"), (e_ema, "e_ema")]:
            net.load_state_dict(saved[name])
        stream.set_state(saved["stream"])
        order, cursor, train_seconds = saved["order"], saved["cursor"], saved["train_seconds"]
    else:
        train_seconds = train(args, g, e, d, g_ema, e_ema, opt_d, opt_ge, real_batch, noise, stream,
                              save_checkpoint if args.checkpoint_every else None)
        if args.checkpoint:
            save_checkpoint(args.steps, train_seconds)

    # Export: the chosen generator with converged singular vectors and standing statistics, the chosen encoder
    # with statistics averaged over training data, the discriminator as trained.
    generator = g_ema if args.generator == "ema" else g
    encoder = e_ema if args.encoder == "ema" else e
    generator.train()
    with torch.no_grad():
        for _ in range(20):
            generator(noise())  # each pass takes one power-iteration step per spectrally normalised layer
    for net in [generator, d]:
        net.eval()
        remove_spectral_norm(net)
    standing_statistics(generator, [lambda: generator(noise()) for _ in range(100)])
    standing_statistics(encoder, [lambda: encoder(real_batch(), noise()) for _ in range(100)])
    d.eval()
    tensors = model.canonical_weights(generator, encoder, d)
    options = {k: str(v) for k, v in vars(args).items()
               if k not in ["checkpoint", "checkpoint_every", "from_checkpoint", "log"]}
    metadata = {
        "bigbigan.model": "fashion-mnist-32",
        "bigbigan.encoder.resolution": str(model.RESOLUTION),
        "bigbigan.training": json.dumps({**options, "train_seconds": round(train_seconds, 1)}),
    }
    write_whole(args.output, lambda partial: save_file(tensors, str(partial), metadata=metadata))
    total = sum(t.numel() for t in tensors.values())
    print(f"wrote {args.output}: {len(tensors)} tensors, {total} values, trained {train_seconds:.0f} s", flush=True)


def train(args, g, e, d, g_ema, e_ema, opt_d, opt_ge, real_batch, noise, stream, save_checkpoint=None):
    """The training loop; → its wall time in seconds. `save_checkpoint(step, seconds)` runs every
    --checkpoint-every steps (saving draws no random numbers, so the run is the same with or without it)."""
    log_path = args.log or args.output.with_suffix(".log.jsonl")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "w")
    start = time.time()

    def low_precision():
        return torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16)

    def scores(x, z):
        """D's three scores of the pairs (x, z), in fp32 whatever precision D ran in."""
        return [s.float() for s in d(x, z)]

    ema_pairs = [pair for average, net in [(g_ema, g), (e_ema, e)]
                 for pair in zip(average.state_dict().values(), net.state_dict().values())]
    for step in range(1, args.steps + 1):
        for _ in range(args.d_steps):
            x, z = real_batch(), noise()
            with low_precision():
                with torch.no_grad():
                    fake = g(z)
                    _, _, z_hat, _, _ = e(x, torch.randn(args.batch, model.Z_DIM, generator=stream))
                real_scores = scores(x, z_hat)
                fake_scores = scores(fake, z)
            loss_d = sum(F.relu(1 - s).mean() + F.relu(1 + t).mean() for s, t in zip(real_scores, fake_scores))
            opt_d.zero_grad(set_to_none=True)
            loss_d.backward()
            opt_d.step()

        x, z = real_batch(), noise()
        d.requires_grad_(False)  # the E/G pass needs D's gradients with respect to its inputs only
        with low_precision():
            _, stdev, z_hat, _, _ = e(x, torch.randn(args.batch, model.Z_DIM, generator=stream))
            real_total = sum(scores(x, z_hat))
            fake = g(z)
            fake_total = sum(scores(fake, z))
            if args.latent_regression:
                # z_mean of G's samples; no noise is drawn, so the random stream stays the paper objective's.
                z_back = e(fake.detach(), torch.zeros_like(z))[0].float()
        loss_ge = real_total.mean() - fake_total.mean()
        if args.latent_regression:
            regression = ((z_back - z) ** 2).mean()
            loss_ge = loss_ge + args.latent_regression * regression
        opt_ge.zero_grad(set_to_none=True)
        loss_ge.backward()
        if not args.train_stdev:
            # Zero gradients leave Adam's moments at zero, so σ̂'s weights and bias never move.
            e.z_params.weight.grad[model.Z_DIM:] = 0
            e.z_params.bias.grad[model.Z_DIM:] = 0
        opt_ge.step()
        d.requires_grad_(True)

        decay = min(args.ema, (1 + step) / (10 + step))
        with torch.no_grad():
            for average, t in ema_pairs:
                if average.dtype.is_floating_point:
                    average.mul_(decay).add_(t, alpha=1 - decay)
                else:
                    average.copy_(t)
        if step % 50 == 0 or step == args.steps:
            record = {"step": step, "seconds": round(time.time() - start, 1), "loss_d": loss_d.item(),
                      "loss_ge": loss_ge.item(), "real_score": real_total.mean().item(),
                      "fake_score": fake_total.mean().item(), "z_stdev": stdev.mean().item()}
            if args.latent_regression:
                record["latent_regression"] = regression.item()
            log.write(json.dumps(record) + "\n")
            log.flush()
            print(json.dumps(record), flush=True)
        if save_checkpoint and step % args.checkpoint_every == 0 and step < args.steps:
            save_checkpoint(step, time.time() - start)
    log.close()
    return time.time() - start


if __name__ == "__main__":
    main()
