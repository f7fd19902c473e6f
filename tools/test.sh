#!/usr/bin/env bash
# The test command: the whole suite with the Khronos validation layer on (every message fails a test),
# in debug and in release (under -O, ARC may free an object right after its last Swift use, while the GPU still
# uses its memory; debug builds keep objects to the end of their scope and hide such bugs).
set -euo pipefail
cd "$(dirname "$0")/.."
export BIGBIGAN_VALIDATION=1
# A private shader/pipeline cache, so every run also exercises cold compilation.
export BIGBIGAN_CACHE_DIR="${BIGBIGAN_CACHE_DIR:-$(mktemp -d)}"
echo "== debug =="
swift test
echo "== release =="
swift test -c release -Xswiftc -enable-testing
