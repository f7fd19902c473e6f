#!/usr/bin/env bash
# Fuzzes the file parsers with libFuzzer + AddressSanitizer (the Swift toolchain ships both):
#   IndexFuzzer        tensor-bundle .index: table footer, block checksums, restart arrays, prefix-compressed keys,
#                      protobuf header/entries (each input is also wrapped as the contents of a checksummed block)
#   SafetensorsFuzzer  .safetensors: header length, JSON header, dtype/shape/offset validation
# The targets exist only when BIGBIGAN_FUZZ is set (see Package.swift), in their own scratch folder.
#
#   tools/fuzz.sh                    # both targets, 180 s each
#   tools/fuzz.sh index 600          # one target, 10 minutes
#
# Seeds come from Fuzz/corpus/<target>/ (committed); the growing working corpus and any crash inputs stay in
# .build-fuzz/. A crash input is a bug: fix it and add the input to the tests as a regression case.
set -euo pipefail
cd "$(dirname "$0")/.."
which="${1:-all}"
seconds="${2:-180}"
scratch=.build-fuzz
export BIGBIGAN_FUZZ=1
declare -A products=([index]=IndexFuzzer [safetensors]=SafetensorsFuzzer)
names=(index safetensors)
[ "$which" = all ] || names=("$which")
for name in "${names[@]}"; do
    product="${products[$name]:?unknown target '$name' (index, safetensors)}"
    swift build -c release --scratch-path "$scratch" --product "$product" \
        -Xswiftc -sanitize=fuzzer,address -Xswiftc -enable-testing
    mkdir -p "$scratch/corpus/$name" "$scratch/artifacts"
    echo "== $product for $seconds s =="
    "$scratch/release/$product" "$scratch/corpus/$name" "Fuzz/corpus/$name" \
        -max_total_time="$seconds" -max_len=16384 -rss_limit_mb=4096 -timeout=10 \
        -artifact_prefix="$scratch/artifacts/$name-" -print_final_stats=1
done
