#ifndef FUZZER_DRIVER_H
#define FUZZER_DRIVER_H
#include <stddef.h>
#include <stdint.h>

/// Runs libFuzzer on `callback` with the command-line arguments (libFuzzer's LLVMFuzzerRunDriver). The fuzz
/// executables call this from their own `main`, because SwiftPM renames an executable's `main` and so cannot
/// link libFuzzer's.
int fuzzer_run(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
