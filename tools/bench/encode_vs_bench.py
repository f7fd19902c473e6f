#!/usr/bin/env python3
"""End-to-end `bigbigan encode` of a folder of images against the compute-only `bigbigan bench` of the same encoder on
the same device: their ratio is what decoding, preprocessing, copying and writing cost on top of the model.

The two alternate ROUNDS times (bench, encode, bench, encode, ...), so that a change in the machine's load touches
both; each round's numbers and load are printed, then the ratio of the best encode to the best bench.

    tools/bench/encode_vs_bench.py FOLDER [options for both, e.g. --device 0 --width 64 --weights m/]

Environment: BIGBIGAN (the binary; default .build/release/bigbigan), BATCH (batch size; default 16), JOBS (decode
threads; default encode's: every core), MODEL (resnet50 or revnet50x4; default resnet50), ROUNDS (default 2).
"""
import json
import os
import re
import subprocess
import sys
import tempfile


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    folder, options = sys.argv[1], sys.argv[2:]
    binary = os.environ.get("BIGBIGAN", ".build/release/bigbigan")
    batch = os.environ.get("BATCH", "16")
    model = os.environ.get("MODEL", "resnet50")
    jobs = ["--jobs", os.environ["JOBS"]] if "JOBS" in os.environ else []
    benches, encodes = [], []
    with tempfile.TemporaryDirectory() as scratch:
        for round in range(int(os.environ.get("ROUNDS", "2"))):
            load = os.getloadavg()[0]
            bench = subprocess.run(
                [binary, "bench", "--model", model, "--batch", batch, "--iterations", "3", "--warmup", "1",
                 "--no-probe", "--json"] + options, check=True, capture_output=True, text=True)
            report = json.loads(bench.stdout)
            benches.append(report["results"][0]["images_per_second"])
            encode = subprocess.run(
                [binary, "encode", folder, "--encoder", model, "--batch-size", batch,
                 "--output", os.path.join(scratch, "features.safetensors"), "--weights", "synthetic"] + jobs + options,
                check=True, capture_output=True, text=True)
            done = re.search(r"encoded (\d+) input\(s\) in ([0-9.]+) s", encode.stderr)
            encodes.append(int(done.group(1)) / float(done.group(2)))
            decoding = [line for line in encode.stderr.splitlines() if "decoding took" in line]
            print(f"round {round + 1} (load {load:.2f} → {os.getloadavg()[0]:.2f}): bench {benches[-1]:.3f} images/s, "
                  f"encode {encodes[-1]:.3f} images/s; {decoding[0].removeprefix('bigbigan: ') if decoding else ''}")
    print(f"{report['model']} on {report['device']}, batch {batch}: best bench {max(benches):.3f} images/s, "
          f"best encode {max(encodes):.3f} images/s end to end, ratio {max(encodes) / max(benches):.3f}")


if __name__ == "__main__":
    main()
