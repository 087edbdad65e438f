#!/usr/bin/env bash
# Fuzzes the HTTP request parser with libFuzzer + AddressSanitizer.
#   scripts/fuzz.sh [SECONDS] [extra libFuzzer flags…]   (default 600 s)
# Builds Sources/HTTPParserFuzz with -sanitize=fuzzer,address into .build-fuzz/ and runs it on
# a corpus in .build-fuzz/corpus (seeded with valid and invalid requests). Crashes are written
# to .build-fuzz/artifacts/.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/setup.sh"
neonhub_setup

SECONDS_TO_RUN=${1:-600}
export SWIFT_BACKTRACE=enable=no   # let ASan and libFuzzer report crashes themselves
shift || true
SCRATCH=.build-fuzz
say "building the fuzzer (debug, -sanitize=fuzzer,address)…"
swift build --product HTTPParserFuzz --scratch-path "$SCRATCH" \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -parse-as-library 2>&1 | grep -E "error:|Build" \
  || die "fuzzer build failed"
BIN=$(swift build --scratch-path "$SCRATCH" --show-bin-path)/HTTPParserFuzz

CORPUS=$SCRATCH/corpus
mkdir -p "$CORPUS" "$SCRATCH/artifacts"
seed() { printf '%b' "$2" > "$CORPUS/seed-$1"; }
seed get 'GET /health HTTP/1.1\r\nHost: a\r\n\r\n'
seed post 'POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello'
seed chunked 'POST /u HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n0\r\nT: 1\r\n\r\n'
seed pipelined 'GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.0\r\nConnection: keep-alive\r\n\r\n'
seed expect 'PUT /x HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok'
seed smuggle 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'
seed absolute 'OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\nGET http://h/p?q=1 HTTP/1.1\r\nHost: h\r\n\r\n'

say "fuzzing for ${SECONDS_TO_RUN}s (corpus $CORPUS)…"
"$BIN" "$CORPUS" -max_total_time="$SECONDS_TO_RUN" -max_len=4096 -print_final_stats=1 \
  -artifact_prefix="$SCRATCH/artifacts/" "$@"
