#!/usr/bin/env bash
# The test command: the whole suite with the Khronos validation layer on (every message fails a test),
# in debug and in release (ARC frees objects earlier under -O: pitfall P1).
set -euo pipefail
cd "$(dirname "$0")/.."
export BIGBIGAN_VALIDATION=1
# A private shader/pipeline cache, so every run also exercises cold compilation.
export BIGBIGAN_CACHE_DIR="${BIGBIGAN_CACHE_DIR:-$(mktemp -d)}"
echo "== debug =="
swift test
echo "== release =="
swift test -c release -Xswiftc -enable-testing
