#!/usr/bin/env bash
# Makes the Python environment of tools/train (PyTorch on the CPU) and installs the Fashion-MNIST data set from
# Debian. Usage: tools/train/setup.sh [VENV]   (default VENV: .venv-train)
set -euo pipefail
venv="${1:-.venv-train}"
if ! dpkg-query -W -f='${Status}' dataset-fashion-mnist 2>/dev/null | grep -q "install ok installed"; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq dataset-fashion-mnist python3-venv >/dev/null
fi
python3 -m venv "$venv"
# The CPU build of torch: from a local wheel folder when pip is configured with one, else PyPI's index.
"$venv/bin/pip" install -q -r "$(dirname "$0")/requirements.txt"
echo "setup: $venv ready; run $venv/bin/python tools/train/train.py --help"
