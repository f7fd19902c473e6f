#!/usr/bin/env bash
# Side-by-side peer benchmark: ours (bigbigan, Vulkan) vs PyTorch (eager fp32) vs ncnn (Vulkan, via pnnx).
# On demand only, never from CI. See tools/peers/README.md.
#
#   tools/peers/run.sh [--ch 96] [--width 256] [--batch 1,4] [--models generator,resnet50] [--iterations 3]
#                      [--device D] [--workdir DIR] [--json PATH] [--skip ours|pytorch|ncnn] ...
#
# Environment: PEERS_VENV (default ~/.cache/bigbigan/peers-venv), PEERS_SCRATCH (swift --scratch-path, default .build),
# PEERS_TORCH (pip requirement for torch; default: the CPU wheel torch==2.13.0+cpu, falling back to plain torch,
# or plain torch where nvidia-smi sees a GPU).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
venv="${PEERS_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/bigbigan/peers-venv}"
scratch="${PEERS_SCRATCH:-$root/.build}"

if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import torch, ncnn, pnnx, safetensors, numpy" 2>/dev/null; then
    if [ -n "${PEERS_TORCH:-}" ]; then torch_req="$PEERS_TORCH"
    elif command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1; then torch_req="torch"
    else torch_req="torch==2.13.0+cpu"; fi
    echo "peers: setting up $venv ($torch_req, ncnn, pnnx)" >&2
    python3 -m venv "$venv"
    # The +cpu pin resolves where a CPU wheel is on offer (the PyTorch index, a local wheel folder); else any torch.
    "$venv/bin/pip" install -q "$torch_req" numpy safetensors ncnn pnnx \
        || "$venv/bin/pip" install -q torch numpy safetensors ncnn pnnx
fi

echo "peers: building bigbigan (release)" >&2
(cd "$root" && swift build -c release --product bigbigan --scratch-path "$scratch" >&2)
bin="$(cd "$root" && swift build -c release --product bigbigan --scratch-path "$scratch" --show-bin-path)/bigbigan"

cd "$root"
exec "$venv/bin/python" "$root/tools/peers/peers.py" --bigbigan "$bin" "$@"
