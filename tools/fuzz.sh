#!/usr/bin/env bash
# Fuzzes the file parsers with libFuzzer + AddressSanitizer (the Swift toolchain ships both):
#   index        IndexFuzzer: tensor-bundle .index: table footer, block checksums, restart arrays, prefix-compressed
#                keys, protobuf header/entries (each input is also wrapped as the contents of a checksummed block)
#   safetensors  SafetensorsFuzzer: .safetensors: header length, JSON header, dtype/shape/offset validation
#   npy          NPYFuzzer: .npy (preamble, header dictionary, dtype, shape) and .npz (zip records, stored and
#                deflated members, CRC-32)
#   image        ImageFuzzer: PNG and JPEG through the C shim over libpng and libjpeg-turbo (headers claiming more
#                than 2^18 pixels are skipped: the target tests parsing, not allocation)
#   savedmodel   SavedModelFuzzer: saved_model.pb: protobuf wire format, meta graphs, signatures, GraphDef nodes and
#                attr values, and the output traces of `bigbigan inspect`
# The targets exist only when BIGBIGAN_FUZZ is set (see Package.swift), in their own scratch folder.
#
#   tools/fuzz.sh                          # every target, 180 s each
#   tools/fuzz.sh npy 600                  # one target, 10 minutes
#   tools/fuzz.sh npy 0 -runs=10000000     # further arguments go to libFuzzer (0 s: no time limit)
#   tools/fuzz.sh merge npy                # Fuzz/corpus/npy becomes its named seeds plus the minimised rest of it
#                                          # and of the working corpus (libFuzzer -set_cover_merge=1)
#
# Seeds come from Fuzz/corpus/<target>/ (committed); the growing working corpus and any crash inputs stay in
# .build-fuzz/. A crash, timeout or out-of-memory input is a bug: fix it and add the input to the tests as a
# regression case.
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=.build-fuzz
export BIGBIGAN_FUZZ=1
# A Swift trap must reach libFuzzer's signal handler, which saves the input; the Swift runtime's backtracer would take
# the signal first and can hang.
export SWIFT_BACKTRACE=enable=no
declare -A products=(
    [index]=IndexFuzzer [safetensors]=SafetensorsFuzzer [npy]=NPYFuzzer [image]=ImageFuzzer
    [savedmodel]=SavedModelFuzzer
)
all=(index safetensors npy image savedmodel)
options=(-max_len=16384 -rss_limit_mb=2048 -timeout=10)

build() {
    # The C targets (the image codec shim, the fuzzer driver) are instrumented too, so libFuzzer sees their branches.
    swift build -c release --scratch-path "$scratch" --product "$1" \
        -Xswiftc -sanitize=fuzzer,address -Xswiftc -enable-testing -Xcc -fsanitize=fuzzer-no-link,address \
        -Xswiftc -use-ld=lld
}

product_of() {
    echo "${products[$1]:?unknown target '$1' (${all[*]})}"
}

if [ "${1:-}" = merge ]; then
    name="${2:?usage: tools/fuzz.sh merge <target>}"
    product="$(product_of "$name")"
    build "$product"
    merged="$scratch/merged/$name"
    rm -rf "$merged"
    mkdir -p "$merged" "$scratch/corpus/$name"
    # The named seeds stay; the units libFuzzer named by their SHA-1 are minimised again with the working corpus.
    find "Fuzz/corpus/$name" -maxdepth 1 -type f ! -regex '.*/[0-9a-f]\{40\}' -exec cp {} "$merged" \;
    # A smallest set of units covering every edge (hit counts ignored), so the committed corpus stays small.
    "$scratch/release/$product" -set_cover_merge=1 -use_counters=0 "${options[@]}" \
        "$merged" "Fuzz/corpus/$name" "$scratch/corpus/$name"
    rm -rf "Fuzz/corpus/$name"
    cp -r "$merged" "Fuzz/corpus/$name"
    echo "Fuzz/corpus/$name: $(ls "Fuzz/corpus/$name" | wc -l) files, $(du -sh "Fuzz/corpus/$name" | cut -f1)"
    exit 0
fi

which="${1:-all}"
seconds="${2:-180}"
shift $(($# < 2 ? $# : 2))
names=("${all[@]}")
[ "$which" = all ] || names=("$which")
for name in "${names[@]}"; do
    product="$(product_of "$name")"
    build "$product"
    mkdir -p "$scratch/corpus/$name" "$scratch/artifacts"
    echo "== $product for $seconds s =="
    "$scratch/release/$product" "$scratch/corpus/$name" "Fuzz/corpus/$name" \
        -max_total_time="$seconds" "${options[@]}" \
        -artifact_prefix="$scratch/artifacts/$name-" -print_final_stats=1 "$@"
done
