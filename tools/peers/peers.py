"""Side-by-side peer benchmark: the engine (`bigbigan`, Vulkan) against PyTorch (eager fp32) and ncnn (Vulkan, via
pnnx), same architectures, same weights, same device, one run. Prints per model and batch the images/s of each and
the ratios ours/peer, checks that the outputs agree, and writes everything as JSON. Run through `tools/peers/run.sh`.
"""
import os

# OpenMP threads that spin while waiting collapse when the cores are shared with other work (measured on a busy
# 2-core machine: 2 threads took 15× longer than 1); passive waiting costs little on an idle machine. Must be set
# before torch loads its OpenMP runtime; an exported value wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse
import copy
import datetime
import json
import platform
import sys
import tempfile
import time
import traceback
import warnings

import numpy as np
import torch

import models as M
import ncnn_peer as N
import weights as W
from ours import Ours, OursUnavailable

warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)


def parse():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--bigbigan", required=True, help="path of the release `bigbigan` binary")
    p.add_argument("--models", default="generator,resnet50")
    p.add_argument("--ch", type=int, default=96, help="generator channel multiplier (96: the release)")
    p.add_argument("--width", type=int, default=256, help="ResNet-50 encoder width (256: the release)")
    p.add_argument("--batch", default="1,4", help="comma-separated batch sizes to time")
    p.add_argument("--check-batch", type=int, default=2, help="samples whose outputs are compared")
    p.add_argument("--iterations", type=int, default=3, help="timed iterations per peer and batch (median)")
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--device", default=None, help="ours' --device (index or name); ncnn uses the device of that name")
    p.add_argument("--torch-threads", type=int, default=os.cpu_count() or 1,
                   help="PyTorch CPU threads (default: all cores; on a busy machine 1 can be much faster)")
    p.add_argument("--seed", type=int, default=0, help="seed of weights and inputs")
    p.add_argument("--weights", choices=["file", "synthetic"], default="file",
                   help="file: draw weights, write a .safetensors, ours loads it with --weights; synthetic: the "
                        "engine's SyntheticWeights (exported by `bigbigan convert synthetic`), ours uses --weight-seed")
    p.add_argument("--tolerance", type=float, default=1e-3, help="max abs error allowed, × max(1, max |reference|)")
    p.add_argument("--ncnn-winograd", choices=["on", "off"], default="on",
                   help="ncnn's Winograd 3×3 convolutions (its default: on; off compares the same arithmetic as ours)")
    p.add_argument("--skip", default="", help="comma-separated peers to leave out: ours, pytorch, ncnn")
    p.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "bigbigan-peers"), help="weights, inputs, converted models, logs")
    p.add_argument("--json", dest="json_path", default=None, help="write the report here (default: WORKDIR/peers.json)")
    return p.parse_args()


def log(message):
    print(f"[peers {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def torch_device(threads):
    if torch.cuda.is_available():
        # fp32 means fp32: no TF32 in matmuls or convolutions.
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
        return torch.device("cuda")
    torch.set_num_threads(threads)
    return torch.device("cpu")


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            return next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or platform.machine()


def torch_device_name(device):
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return (f"{cpu_name()} CPU, {torch.get_num_threads()} threads, "
            f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY')}")


def run_torch(model, x, device):
    with torch.inference_mode():
        out = model(torch.from_numpy(x).to(device))
    out = out if isinstance(out, tuple) else (out,)
    return [o.cpu().numpy() for o in out]


def steady_rate(run, images, iterations, warmup, extra_warmup=4, record=None):
    """Images/s from the median of `iterations` timed runs, after at least `warmup` runs and until two consecutive
    runs differ by under 10% (at most `extra_warmup` more): PyTorch on the CPU speeds up over its first few
    forwards at a new size (allocator and oneDNN warm-up), and steady state is what is compared."""
    last = None
    for i in range(warmup + extra_warmup):
        start = time.perf_counter()
        run()
        elapsed = time.perf_counter() - start
        if i + 1 >= warmup and last is not None and abs(elapsed - last) <= 0.1 * last:
            break
        last = elapsed
    times = []
    for _ in range(iterations):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    if record is not None:
        record.append([round(t, 4) for t in times])
    return images / float(np.median(times))


def time_torch(model, x, device, iterations, warmup, record):
    x = torch.from_numpy(x).to(device)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)

    def run():
        with torch.inference_mode():
            model(x)
        sync()

    sync()
    return steady_rate(run, x.shape[0], iterations, warmup, record=record)


def inputs(model, n, seed):
    rng = np.random.default_rng([seed, n, 7])
    if model == "generator":
        return rng.standard_normal((n, W.G_ZDIM)).astype(np.float32)
    return rng.uniform(-1, 1, (n, 256, 256, 3)).astype(np.float32)


def named_outputs(model, outs, noise_seed):
    """Outputs by the engine's names; for the encoder also z_sample = z_mean + z_stdev·ε with the engine's ε."""
    if model == "generator":
        return {"image": outs[0]}
    named = dict(zip(M.ENCODER_OUTPUTS, outs))
    eps = M.engine_noise(named["z_mean"].shape[0], W.E_ZDIM, noise_seed)
    named["z_sample"] = (named["z_mean"] + named["z_stdev"] * eps).astype(np.float32)
    return named


def compare(reference, other, tolerance):
    result = {}
    for name, ref in reference.items():
        got = np.asarray(other[name], dtype=np.float32).reshape(ref.shape)
        err = float(np.max(np.abs(got - ref)))
        scale = float(np.max(np.abs(ref)))
        result[name] = {"max_abs_error": err, "max_abs_reference": scale, "ok": err <= tolerance * max(1.0, scale)}
    return result


def prepare_weights(model, args, label, workdir, ours):
    """The PyTorch model, ours' weight arguments and the weights' description."""
    if args.weights == "synthetic":
        scope = (W.GENERATOR if model == "generator" else W.ENCODER) + "/"
        exported = ours.synthetic_weights(args.seed, args.ch, args.width, workdir)
        tensors = {name: t for name, t in exported.items() if name.startswith(scope)}
        log(f"{label}: the engine's synthetic weights (seed {args.seed}, from bigbigan convert synthetic)")
        weight_args, path = ["--weights", "synthetic", "--weight-seed", str(args.seed)], None
    else:
        tensors = W.make([model], args.ch, args.width, args.seed)
        path = os.path.join(workdir, "weights.safetensors")
        log(f"{label}: drew weights → {path}")
        W.write(tensors, path, f"bigbigan peers, {label}, seed {args.seed}")
        weight_args = ["--weights", path]
    info = {"kind": args.weights, "seed": args.seed, "tensors": len(tensors),
            "parameters": int(sum(t.size for t in tensors.values()))}
    if path is not None:
        info["path"] = path
    return M.build(model, tensors, args.ch, args.width), weight_args, info


def check_ours(model, args, ours, weight_args, x_path, workdir, reference, report):
    """Ours on the check inputs against PyTorch; False when ours cannot run (then it is not timed either)."""
    label = report["model"]
    log(f"{label}: ours (bigbigan) on the same inputs")
    try:
        if model == "generator":
            got = named_outputs(model, ours.generate(x_path, weight_args, args.ch, workdir), 0)
        else:
            got = ours.encode(x_path, weight_args, args.width, workdir, noise_seed=0)
    except OursUnavailable as e:
        report["notes"].append(f"ours unavailable: {e}")
        log(f"{label}: ours unavailable: {e}")
        return False
    report["agreement"]["ours_vs_pytorch"] = compare(reference, got, args.tolerance)
    return True


def check_ncnn(model, args, cpu_model, x, workdir, reference, report):
    """pnnx conversion and ncnn on the check inputs against PyTorch; the runner, or None when ncnn cannot run."""
    label = report["model"]
    log(f"{label}: pnnx conversion (trace at batch 1, fp32 weights)")
    try:
        param, binary, _ = N.convert(cpu_model, torch.from_numpy(x[:1]), workdir, model)
        unsupported = N.ignored_ops(param)
        if unsupported:
            raise N.ConversionError(f"ops ncnn lacks: {', '.join(unsupported)}")
        index = N.gpu_index(args.ours_device_name)
        report["ncnn_device"] = N.device_name(index)
        runner = N.NcnnRunner(param, binary, gpu_index=index, winograd=args.ncnn_winograd == "on")
        log(f"{label}: ncnn (Vulkan, fp32) on the same inputs")
        got = named_outputs(model, runner.run(x), 0)
    except Exception as e:  # a failed conversion must not lose the other peers' numbers
        report["notes"].append(f"ncnn unavailable: {e}")
        log(f"{label}: ncnn unavailable: {e}\n{traceback.format_exc()}")
        return None
    report["agreement"]["ncnn_vs_pytorch"] = compare(reference, got, args.tolerance)
    return runner


def time_peers(model, args, ours, weight_args, torch_model, device, runner, report):
    label, batches = report["model"], report["batches"]
    timing = {b: {} for b in batches}
    if ours is not None:
        log(f"{label}: timing ours (bigbigan bench)")
        size_args = ["--ch", str(args.ch)] if model == "generator" else ["--width", str(args.width)]
        try:
            bench = ours.bench(model, batches, weight_args, size_args, args.iterations, args.warmup)
            report["ours_bench"] = bench
            for r in bench["results"]:
                timing[r["batch"]]["ours"] = r["images_per_second"]
        except OursUnavailable as e:
            report["notes"].append(f"ours bench failed: {e}")
    seconds = {"pytorch": {}, "ncnn": {}}
    for b in batches:
        xb = inputs(model, b, args.seed + 1)
        if torch_model is not None:
            log(f"{label}: timing PyTorch at batch {b}")
            record = []
            timing[b]["pytorch"] = time_torch(torch_model, xb, device, args.iterations, args.warmup, record)
            seconds["pytorch"][str(b)] = record[0]
        if runner is not None:
            log(f"{label}: timing ncnn at batch {b}")
            record = []
            timing[b]["ncnn"] = steady_rate(lambda: runner.run(xb), b, args.iterations, args.warmup, record=record)
            seconds["ncnn"][str(b)] = record[0]
    report["timing"] = {str(b): t for b, t in timing.items()}
    report["timed_run_seconds"] = seconds


def run_model(model, args, ours, device, skip):
    size = args.ch if model == "generator" else args.width
    label = f"generator (ch {size})" if model == "generator" else f"resnet50 (width {size})"
    workdir = os.path.join(args.workdir, f"{model}-{size}")
    os.makedirs(workdir, exist_ok=True)
    report = {"model": label, "batches": [int(b) for b in args.batch.split(",")], "agreement": {}, "notes": []}
    cpu_model, weight_args, report["weights"] = prepare_weights(model, args, label, workdir, ours)
    torch_model = cpu_model if device.type == "cpu" else copy.deepcopy(cpu_model).to(device)

    x = inputs(model, args.check_batch, args.seed)
    x_path = os.path.join(workdir, "check-inputs.npy")
    np.save(x_path, x)
    log(f"{label}: PyTorch reference on {args.check_batch} sample(s)")
    reference = named_outputs(model, run_torch(torch_model, x, device), 0)

    ours_ok = "ours" not in skip and check_ours(model, args, ours, weight_args, x_path, workdir, reference, report)
    runner = None if "ncnn" in skip else check_ncnn(model, args, cpu_model, x, workdir, reference, report)
    time_peers(model, args, ours if ours_ok else None, weight_args, None if "pytorch" in skip else torch_model,
               device, runner, report)
    return report


def ratio(t, peer):
    return t["ours"] / t[peer] if "ours" in t and t.get(peer) else None


def print_report(report):
    out = [f"BigBiGAN peers — {report['date']} — precision {report['precision']}",
           f"ours + ncnn: Vulkan device '{report['vulkan_device']}' (ncnn Winograd {report['ncnn_winograd']}); "
           f"PyTorch {report['pytorch_version']} on {report['pytorch_device']}"]
    for m in report["models"]:
        out.append("")
        w = m["weights"]
        out.append(f"{m['model']}   ({w['parameters'] / 1e6:.1f} M parameters, {w['kind']} weights seed {w['seed']}; "
                   f"images/s, median of {report['iterations']})")
        if "ours_bench" in m:
            out.append(f"{m['ours_bench']['flops_per_image'] / 1e9:.1f} GFLOP per image (multiply-adds × 2)")
        out.append("batch     ours   PyTorch      ncnn   ours/PyTorch   ours/ncnn")
        for b in m["batches"]:
            t = m["timing"][str(b)]
            cell = lambda k: f"{t[k]:9.3f}" if k in t else "        –"
            rat = lambda k: f"{ratio(t, k):12.2f}×" if ratio(t, k) is not None else "            –"
            out.append(f"{b:5d} {cell('ours')} {cell('pytorch')} {cell('ncnn')}  {rat('pytorch')} {rat('ncnn')}")
        for pair, result in m["agreement"].items():
            cells = ", ".join(f"{k} {v['max_abs_error']:.2e}{'' if v['ok'] else ' MISMATCH'}" for k, v in result.items())
            out.append(f"agreement {pair.replace('_', ' ')} (max abs error, {report['check_batch']} samples): {cells}")
        out += [f"note: {n.splitlines()[0]}" for n in m["notes"]]
    print("\n".join(out))


def main():
    args = parse()
    skip = {s for s in args.skip.split(",") if s}
    os.makedirs(args.workdir, exist_ok=True)
    device = torch_device(args.torch_threads)
    ours = Ours(args.bigbigan, args.device)
    args.ours_device_name = ours.device_name()
    report = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "precision": "fp32", "vulkan_device": args.ours_device_name,
        "pytorch_version": torch.__version__, "pytorch_device": torch_device_name(device),
        "iterations": args.iterations, "warmup": args.warmup, "check_batch": args.check_batch,
        "tolerance": args.tolerance, "seed": args.seed, "ncnn_winograd": args.ncnn_winograd, "models": [],
    }
    for model in [m for m in args.models.split(",") if m]:
        if model not in ("generator", "resnet50"):
            sys.exit(f"unknown model {model}: use generator, resnet50")
        report["models"].append(run_model(model, args, ours, device, skip))
    path = args.json_path or os.path.join(args.workdir, "peers.json")
    with open(path, "w") as f:
        json.dump(report, f, indent=2, sort_keys=True)
    print_report(report)
    log(f"wrote {path}")
    mismatched = [m["model"] for m in report["models"] for r in m["agreement"].values() for v in r.values() if not v["ok"]]
    if mismatched:
        sys.exit(f"outputs disagree beyond the tolerance: {', '.join(sorted(set(mismatched)))}")


if __name__ == "__main__":
    main()
