#!/usr/bin/env bash
# GPU check for a Linux GPU machine without a Swift toolchain, in two steps:
#
#   tools/gpu-check.sh prepare            # here: release binaries (stripped, shaders built in), the Swift runtime and other
#                                         # non-system libraries and the Vulkan loader → .gpu-check.tar.xz (~25 MB)
#   tools/gpu-check.sh run [OUT]          # there: devices, the parity suites on the GPU, layer-by-layer parity and
#                                         # the benchmark of all three models (and the generator with fp16 storage
#                                         # and without Winograd) → JSON and logs in OUT (default $OUT)
#
# On the lent device machine: carry `.gpu-check.tar.xz` and run `tools/gpu-check.sh run`. Budget: under 8 minutes.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bundle="$root/.gpu-check"

prepare() {
    cd "$root"
    swift build -c release --static-swift-stdlib --product bigbigan
    # Swift Testing has no static library: the test bundle links the runtime dynamically and carries it in lib/.
    swift build -c release --build-tests -Xswiftc -enable-testing
    rm -rf "$bundle" && mkdir -p "$bundle/lib" "$bundle/deb"
    local bin; bin="$(swift build -c release --show-bin-path)"
    cp "$bin/bigbigan" "$bin/BigBiGANPackageTests.xctest" "$bundle/"
    # Libraries the GPU machine may lack: the Swift runtime pieces that are not static, libpng, libjpeg.
    for exe in "$bundle/bigbigan" "$bundle/BigBiGANPackageTests.xctest"; do
        ldd "$exe" | awk '/=> \// {print $3}' | grep -E '/opt/swift|libpng|libjpeg' | xargs -r -I{} cp -L {} "$bundle/lib/"
    done
    (cd "$bundle/deb" && apt-get download libvulkan1 >/dev/null 2>&1)
    strip "$bundle/bigbigan" "$bundle/BigBiGANPackageTests.xctest" "$bundle"/lib/*.so*
    tar -cJf "$bundle.tar.xz" -C "$root" .gpu-check
    du -sh "$bundle" "$bundle.tar.xz"
}

run() {
    local out="${1:-${OUT:?give an output folder or set OUT}}"
    mkdir -p "$out"
    [ -d "$bundle" ] || tar -xJf "$bundle.tar.xz" -C "$root"
    if ! ldconfig -p | grep -q libvulkan.so.1; then
        for f in "$bundle"/deb/*.deb; do dpkg -x "$f" /; done
        ldconfig
    fi
    export LD_LIBRARY_PATH="$bundle/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    export BIGBIGAN_CACHE_DIR="$(mktemp -d)"
    local b="$bundle/bigbigan"
    "$b" devices --json > "$out/devices.json"
    "$b" devices | tee "$out/devices.txt"
    # Parity suites only: the shader-validation suite needs glslangValidator and the source tree.
    timeout 240 "$bundle/BigBiGANPackageTests.xctest" --testing-library swift-testing \
        --filter 'parity|Parity|vulkanMatchesReference|fullSize|StagingTransfer|CommandRecorder|Winograd|HalfStorage|SteadyState' 2>&1 | tail -40 > "$out/tests.log" || true
    "$b" parity --model generator --batch 2 > "$out/parity-generator.txt" 2>&1 || true
    "$b" parity --model resnet50 --batch 2 > "$out/parity-resnet50.txt" 2>&1 || true
    for model in generator resnet50 revnet50x4; do
        timeout 120 "$b" bench --model "$model" --batch 1,8,64 --iterations 5 --warmup 2 --json > "$out/bench-$model.json" 2> "$out/bench-$model.err" || true
    done
    timeout 90 "$b" bench --model generator --batch 1,64 --precision fp16 --no-probe --json > "$out/bench-generator-fp16.json" 2> "$out/bench-generator-fp16.err" || true
    BIGBIGAN_WINOGRAD=off timeout 90 "$b" bench --model generator --batch 64 --no-probe --json > "$out/bench-generator-no-winograd.json" 2> "$out/bench-generator-no-winograd.err" || true
    tail -3 "$out/tests.log"; ls -la "$out"
}

case "${1:-}" in
    prepare) prepare ;;
    run) shift; run "$@" ;;
    *) echo "usage: $0 prepare | run [OUT]" >&2; exit 2 ;;
esac
