#!/usr/bin/env bash
# Installs the Debian packages the build, the tests and the Vulkan CPU device (lavapipe) need.
# Needs a Swift 6 toolchain on PATH (https://www.swift.org/install/linux/).
set -euo pipefail
packages=(libvulkan-dev libvulkan1 glslang-dev glslang-tools spirv-tools mesa-vulkan-drivers vulkan-validationlayers
    libpng-dev libjpeg62-turbo-dev zlib1g-dev)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "setup: installing ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if ! command -v swift >/dev/null; then
    echo "setup: no 'swift' on PATH; install a Swift 6 toolchain (https://www.swift.org/install/linux/)" >&2
    exit 1
fi
