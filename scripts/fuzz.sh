#!/usr/bin/env bash
# Fuzzes a parser with libFuzzer + AddressSanitizer.
#   scripts/fuzz.sh [SECONDS] [extra libFuzzer flags…]   (default 600 s)
# Environment: FUZZ_TARGET = HTTPParserFuzz (default, Sources/HTTPParserFuzz), JSONParserFuzz
# (Sources/JSONParserFuzz) or WebhookSignatureFuzz (Sources/WebhookSignatureFuzz); FUZZ_MERGE=1 afterwards merges the inputs that found new coverage
# into the committed corpus (Tests/FuzzCorpus/<target>/) so that it grows — commit them.
# Builds the target with -sanitize=fuzzer,address into .build-fuzz/ and runs it on a working
# corpus in .build-fuzz/corpus-<target> seeded from the committed one. Crashes are written to
# .build-fuzz/artifacts/ and fail the run (exit status non-zero).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/setup.sh"
neonhub_setup

SECONDS_TO_RUN=${1:-600}
shift || true
TARGET=${FUZZ_TARGET:-HTTPParserFuzz}
[ -d "Sources/$TARGET" ] || die "no fuzz target Sources/$TARGET"
export SWIFT_BACKTRACE=enable=no   # let ASan and libFuzzer report crashes themselves
SCRATCH=.build-fuzz
say "building $TARGET (debug, -sanitize=fuzzer,address)…"
LOG=$(mktemp -t neonhub-fuzz-build.XXXXXX)
if ! swift build --product "$TARGET" --scratch-path "$SCRATCH" \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -parse-as-library >"$LOG" 2>&1; then
  grep -E "error:" "$LOG" >&2 || tail -20 "$LOG" >&2
  rm -f "$LOG"
  die "fuzzer build failed"
fi
rm -f "$LOG"
BIN=$(swift build --scratch-path "$SCRATCH" --show-bin-path)/$TARGET

SEEDS=Tests/FuzzCorpus/$TARGET
CORPUS=$SCRATCH/corpus-$TARGET
mkdir -p "$CORPUS" "$SCRATCH/artifacts" "$SEEDS"
say "fuzzing $TARGET for ${SECONDS_TO_RUN}s (corpus $CORPUS, seeds $SEEDS)…"
"$BIN" "$CORPUS" "$SEEDS" -max_total_time="$SECONDS_TO_RUN" -max_len=4096 -print_final_stats=1 \
  -artifact_prefix="$SCRATCH/artifacts/$TARGET-" "$@"
if [ "${FUZZ_MERGE:-0}" = 1 ]; then
  before=$(ls "$SEEDS" | wc -l)
  "$BIN" -merge=1 "$SEEDS" "$CORPUS" -max_len=4096 >/dev/null 2>&1 || die "corpus merge failed"
  say "merged into $SEEDS: $before → $(ls "$SEEDS" | wc -l) inputs (commit the new ones)"
fi
