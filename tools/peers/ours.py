"""Runs the engine's CLI (`bigbigan`) on the same weights and inputs."""
import json
import os
import re
import subprocess

from safetensors.numpy import load_file
import numpy as np


class OursUnavailable(RuntimeError):
    pass


class Ours:
    def __init__(self, binary, device=None):
        self.binary = binary
        self.device = device

    def _run(self, args, timeout=None, on_device=True):
        command = [self.binary] + args + (["--device", self.device] if on_device and self.device is not None else [])
        run = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        if run.returncode != 0:
            errors = [line for line in run.stderr.splitlines() if line.startswith("Error")] or run.stderr.splitlines()[-1:]
            raise OursUnavailable(f"`bigbigan {args[0]}` exited {run.returncode}: {' '.join(errors)[:300]}\n"
                                  f"{' '.join(command)}\n{run.stderr.strip()[-3000:]}")
        return run.stdout

    def device_name(self):
        """The Vulkan device `bigbigan` chooses (from `bigbigan devices`)."""
        out = subprocess.run([self.binary, "devices"], capture_output=True, text=True).stdout
        chosen = re.search(r"Chosen: \S+ \((.*)\)\s*$", out, re.M)
        if self.device is not None:
            listed = re.search(rf"^\*?\s*{re.escape(self.device)}: (.*?) \[", out, re.M)
            if listed:
                return listed.group(1)
        return chosen.group(1) if chosen else None

    def synthetic_weights(self, seed, ch, width, workdir):
        """The engine's own synthetic weights (`bigbigan convert synthetic`): the generator at `ch` and the ResNet-50
        encoder at `width`, its batch norms calibrated exactly as `--weight-seed` calibrates them."""
        out = os.path.join(workdir, "ours-synthetic.safetensors")
        self._run(["convert", "synthetic", "--ch", str(ch), "--width", str(width), "--encoder", "resnet50",
                   "--weight-seed", str(seed), "--output", out], on_device=False)
        return load_file(out)

    def generate(self, z_path, weight_args, ch, workdir):
        out = os.path.join(workdir, "ours-generator.npy")
        self._run(["generate", "--z", z_path, "--output", out, "--ch", str(ch)] + weight_args)
        return [np.load(out)]

    def encode(self, x_path, weight_args, width, workdir, noise_seed=0):
        out = os.path.join(workdir, "ours-resnet50.safetensors")
        self._run(["encode", x_path, "--output", out, "--width", str(width), "--noise-seed", str(noise_seed)] + weight_args)
        return load_file(out)

    def bench(self, model, batches, weight_args, size_args, iterations, warmup):
        args = ["bench", "--model", model, "--batch", ",".join(map(str, batches)), "--iterations", str(iterations),
                "--warmup", str(warmup), "--no-probe", "--json"] + size_args + weight_args
        return json.loads(self._run(args))
