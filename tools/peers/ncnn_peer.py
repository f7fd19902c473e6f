"""The ncnn peer: the PyTorch model traced at batch 1, converted with pnnx to .param/.bin (fp32 weights), and run
with ncnn's Vulkan backend in fp32 (fp16/bf16 storage and arithmetic off). ncnn has no batch axis, so a batch of B
is B extractions on one net; blobs are CHW per sample."""
import os
import re
import subprocess

import ncnn
import numpy as np
import pnnx
import torch


class ConversionError(RuntimeError):
    pass


def convert(model, example, workdir, name):
    """torch.jit.trace → pnnx → ncnn; returns (param, bin, pnnx log). Keeps pnnx's side files in `workdir`."""
    os.makedirs(workdir, exist_ok=True)
    pt = os.path.join(workdir, name + ".pt")
    with torch.inference_mode(False), torch.no_grad():
        torch.jit.trace(model, example, check_trace=False).save(pt)
    shape = ",".join(str(d) for d in example.shape)
    param, binary = os.path.join(workdir, name + ".ncnn.param"), os.path.join(workdir, name + ".ncnn.bin")
    for stale in (param, binary):
        if os.path.exists(stale):
            os.remove(stale)
    command = [pnnx.EXEC_PATH, pt, f"inputshape=[{shape}]f32", "device=cpu", "fp16=0", f"ncnnparam={param}", f"ncnnbin={binary}"]
    run = subprocess.run(command, cwd=workdir, capture_output=True, text=True)
    log = run.stdout + run.stderr
    with open(os.path.join(workdir, name + ".pnnx.log"), "w") as f:
        f.write(log)
    if run.returncode != 0 or not os.path.exists(param):
        raise ConversionError(f"pnnx exited {run.returncode}; last lines:\n" + "\n".join(log.splitlines()[-15:]))
    # The TorchScript file and pnnx's own weight copies are as large as the model; the .param/.py files stay.
    for large in (pt, os.path.join(workdir, name + ".pnnx.bin"), os.path.join(workdir, name + ".pnnx.onnx")):
        if os.path.exists(large):
            os.remove(large)
    return param, binary, log


def ignored_ops(param):
    """Layer types in the .param that ncnn cannot create (pnnx writes unsupported ops under their torch names)."""
    with open(param) as f:
        lines = f.read().splitlines()[2:]
    return sorted({t for t in (line.split()[0] for line in lines if line.strip()) if "." in t or "::" in t})


class NcnnRunner:
    def __init__(self, param, binary, gpu_index=None, winograd=True):
        self.net = ncnn.Net()
        opt = self.net.opt
        opt.use_vulkan_compute = True
        # On by default in ncnn: 3×3 stride-1 convs with ~2.25× fewer multiplies than direct/GEMM convolution.
        opt.use_winograd_convolution = winograd
        if gpu_index is not None:
            self.net.set_vulkan_device(gpu_index)
        # fp32 end to end, as ours and PyTorch: ncnn would otherwise store and compute in fp16 on lavapipe.
        for flag in ("use_fp16_packed", "use_fp16_storage", "use_fp16_arithmetic", "use_bf16_storage",
                     "use_int8_inference", "use_int8_packed", "use_int8_storage", "use_int8_arithmetic"):
            if hasattr(opt, flag):
                setattr(opt, flag, False)
        if self.net.load_param(param) != 0 or self.net.load_model(binary) != 0:
            raise ConversionError(f"ncnn could not load {param}")
        self.input = self.net.input_names()[0]
        # pnnx names outputs out0, out1, … in the model's return order.
        self.output = sorted(self.net.output_names(), key=lambda n: int(re.sub(r"\D", "", n) or 0))

    def run_one(self, sample):
        """One sample without its batch axis (CHW or a vector) → the outputs as numpy arrays, in output order."""
        ex = self.net.create_extractor()
        ex.input(self.input, ncnn.Mat(np.ascontiguousarray(sample, dtype=np.float32)))
        outs = []
        for name in self.output:
            ret, mat = ex.extract(name)
            if ret != 0:
                raise RuntimeError(f"ncnn extract {name} failed ({ret})")
            outs.append(np.array(mat).copy())
        return outs

    def run(self, batch):
        """[B, ...] → per output, [B, ...]."""
        per = [self.run_one(x) for x in batch]
        return [np.stack([p[i] for p in per]) for i in range(len(self.output))]


def gpu_index(name):
    """ncnn's index of the Vulkan device called `name` (the one ours uses), else its default device."""
    for i in range(ncnn.get_gpu_count()):
        if name and ncnn.get_gpu_info(i).device_name() == name:
            return i
    return ncnn.get_default_gpu_index() if ncnn.get_gpu_count() else None


def device_name(index):
    return ncnn.get_gpu_info(index).device_name() if index is not None else None
