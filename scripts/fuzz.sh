#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer + AddressSanitizer) of every parser that takes outside input.
#
#   scripts/fuzz.sh TARGET SECONDS    fuzz one target for SECONDS (targets: see TARGETS below)
#   scripts/fuzz.sh --all SECONDS     each target in turn, SECONDS each
#   scripts/fuzz.sh --replay          run every committed corpus and seed input once (what CI does first)
#   scripts/fuzz.sh --merge TARGET    minimise the work corpus into Fuzz/Corpus/TARGET (-merge=1)
#   scripts/fuzz.sh --build [TARGET…] only build
#
# The targets are built from Fuzz/Package.swift into Fuzz/.build-fuzz (a scratch path of their own,
# so the fuzzer flags never touch the daemon's build). A run fuzzes a work copy (Fuzz/.work/TARGET)
# of the committed corpus plus the hand-written seeds in Fuzz/Seeds/TARGET and seeds made from
# Rules/, so the committed corpus only changes by
# --merge. Each run ends with one line: target, executions, coverage features, crashes. A crash
# leaves its input in Fuzz/.work/artifacts/ and makes the script exit 1.
# FUZZ_CONFIGURATION=debug builds without optimisation (quicker to build, slower to run);
# FUZZ_BUILD=0 runs what is built (SwiftPM locks the scratch path while another build runs).
# Each run prints libFuzzer's random seed; FUZZ_SEED=N reruns with that seed (libFuzzer runs one
# process, so with the same corpus and binary the same seed takes the same path). FUZZ_RUNS=N stops
# each target after N inputs instead of SECONDS (SECONDS stays the limit): with a fixed FUZZ_SEED the
# run is then the same on every machine, which is what CI does (a finding there is reproducible,
# never a matter of luck; the long random runs are for people, `scripts/fuzz.sh --all 600`).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
fuzz=$root/Fuzz
configuration=${FUZZ_CONFIGURATION:-release}
scratch=$fuzz/.build-fuzz
work=$fuzz/.work

# name → executable; the order is the order of --all.
TARGETS=(yaml rules request events config http)
executable() {
  case "$1" in
    yaml) echo FuzzYAML ;;
    rules) echo FuzzRules ;;
    request) echo FuzzRequest ;;
    events) echo FuzzEvents ;;
    config) echo FuzzConfig ;;
    http) echo FuzzHTTP ;;
    *) echo "fuzz: unknown target '$1' (one of: ${TARGETS[*]})" >&2; exit 2 ;;
  esac
}
# The largest input libFuzzer makes up per target: a campaign's files joined are up to ~34 KB.
max_len() {
  case "$1" in
    rules) echo 40960 ;;
    *) echo 16384 ;;
  esac
}

# libFuzzer prints the crash itself; Swift's backtracer would only slow it down (and can hang
# when libFuzzer exits under it).
fuzz_env=(SWIFT_BACKTRACE=enable=no)
# Leak checks off: LeakSanitizer scanned the heap after every new-coverage input and took ~40% of
# the time, and Swift's runtime caches (metadata, conformances) read as leaks. ASan's memory errors
# stay on. (-detect_leaks=1 on a command line turns it back on for a look.)
# Set for the fuzzers only: SwiftPM rebuilds everything when the environment it builds in changes.
fuzz_env+=("ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:allocator_may_return_null=1}")

# Both ways of asking matter. SwiftPM's `--sanitize` flags make it link libFuzzer's `main` instead of
# the target's own entry point (with only `-Xswiftc`, the empty Swift `main` wins and the fuzzer
# never runs). But swiftc keeps only the last of several `-sanitize=` flags, so SwiftPM's separate
# `-sanitize=fuzzer -sanitize=address` builds Swift code with ASan and no coverage counters
# (libFuzzer runs blind: "cov:" never appears); the one combined flag after them restores both.
build() {
  [ "${FUZZ_BUILD:-1}" = 1 ] || return 0
  # One product at a time, the cheapest first: only the configuration target needs the server's
  # dependencies (Hummingbird), so the others can run while it builds.
  # SwiftPM keeps the build plan of the daemon's package (a path dependency) and misses source
  # files added to it since; planning again costs seconds and rebuilds only what changed.
  rm -f "$scratch/$configuration.yaml"
  # SwiftPM keeps the two `--sanitize` flags in a Set and writes them in its iteration order, which
  # Swift's per-process hash seed changes: a command whose flags came out in the other order than last
  # time was run again, so about every other build compiled BoringSSL, Crypto and the server's
  # dependencies anew (CI's `--all` after `--replay`: ~11 min). A fixed seed keeps the order.
  local target
  for target in "$@"; do
    env -u ASAN_OPTIONS -u SWIFT_BACKTRACE SWIFT_DETERMINISTIC_HASHING=1 swift build -c "$configuration" --package-path "$fuzz" \
      --scratch-path "$scratch" --product "$(executable "$target")" \
      --sanitize=fuzzer --sanitize=address -Xswiftc -sanitize=fuzzer,address >&2
  done
}
binary() { echo "$scratch/$configuration/$(executable "$1")"; }
fuzzer() { local target=$1; shift; env "${fuzz_env[@]}" "$(binary "$target")" "$@"; }

# Seeds that follow the shipped rules, so the fuzzers start from what is really deployed.
seed() {
  local target=$1 dir=$2
  case "$target" in
    yaml)
      find "$root/Rules" -name '*.y*ml' | while read -r file; do
        cp "$file" "$dir/seed-$(echo "${file#"$root/Rules/"}" | tr / -)"
      done ;;
    rules)
      # One input per campaign: the vocabulary, its content, rules and tests, separated by NUL,
      # test files marked `#test` (the whole set at once is ~70 KB, and slow to mutate).
      local campaign file out
      for campaign in $(cd "$root/Rules/rules" && ls | sed 's/\.y.*ml$//'); do
        out=$dir/seed-$campaign
        cat "$root/Rules/vocabulary.yaml" > "$out"
        for file in "$root/Rules/content/$campaign.yaml" "$root/Rules/rules/$campaign.yaml"; do
          [ -f "$file" ] && { printf '\0' >> "$out"; cat "$file" >> "$out"; }
        done
        file=$root/Rules/tests/${campaign}_test.yaml
        [ -f "$file" ] && { printf '\0#test\n' >> "$out"; cat "$file" >> "$out"; }
      done ;;
  esac
}

prepare() {
  local target=$1
  mkdir -p "$work/$target" "$work/artifacts"
  if [ -d "$fuzz/Corpus/$target" ]; then cp -n "$fuzz/Corpus/$target"/* "$work/$target"/ 2>/dev/null || true; fi
  if [ -d "$fuzz/Seeds/$target" ]; then cp "$fuzz/Seeds/$target"/* "$work/$target"/; fi
  seed "$target" "$work/$target"
}

dictionary() {
  local name=$1
  case "$name" in request|events) name=json ;; esac
  local dict=$fuzz/Dictionaries/$name.dict
  if [ -f "$dict" ]; then echo "-dict=$dict"; fi
}

run() {
  local target=$1 seconds=$2 log status
  prepare "$target"
  log=$work/$target.log
  echo "fuzz: $target for ${seconds}s: $(binary "$target") $work/$target $(dictionary "$target") -max_len=$(max_len "$target") -max_total_time=$seconds" >&2
  set +e
  local seed_flag=()
  [ -n "${FUZZ_SEED:-}" ] && seed_flag=(-seed="$FUZZ_SEED")
  [ -n "${FUZZ_RUNS:-}" ] && seed_flag+=(-runs="$FUZZ_RUNS")
  # shellcheck disable=SC2046
  fuzzer "$target" "$work/$target" "${seed_flag[@]}" $(dictionary "$target") -max_len="$(max_len "$target")" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/$target-" > "$log" 2>&1
  status=$?
  set -e
  local executions features seed crashes=0
  seed=$(sed -n 's/^INFO: Seed: *//p' "$log" | head -1 || true)
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1 || true)
  features=$(grep -oE ' ft: [0-9]+' "$log" | tail -1 | tr -dc 0-9 || true)
  if [ $status -ne 0 ]; then
    crashes=1
    grep -E 'ERROR|Fatal error|SUMMARY|Test unit written' "$log" >&2 || tail -40 "$log" >&2
  fi
  echo "fuzz: $target executions=${executions:-0} features=${features:-0} crashes=$crashes seconds=$seconds seed=${seed:-?}"
  return $status
}

replay() {
  local target status=0 dirs count
  for target in "${TARGETS[@]}"; do
    dirs=()
    for dir in "$fuzz/Corpus/$target" "$fuzz/Seeds/$target"; do [ -d "$dir" ] && dirs+=("$dir"); done
    [ ${#dirs[@]} -gt 0 ] || { echo "fuzz: $target has no committed corpus or seeds" >&2; status=1; continue; }
    count=$(find "${dirs[@]}" -type f | wc -l)
    # -runs=0: execute every input of the corpus once, then stop.
    if fuzzer "$target" -runs=0 -timeout=10 -rss_limit_mb=2048 "${dirs[@]}" > "$work/$target.replay.log" 2>&1; then
      echo "fuzz: replayed $count $target inputs, 0 crashes"
    else
      echo "fuzz: replaying $target crashed:" >&2
      grep -E 'ERROR|Fatal error|SUMMARY|Test unit written' "$work/$target.replay.log" >&2 || tail -40 "$work/$target.replay.log" >&2
      status=1
    fi
  done
  return $status
}

merge() {
  local target=$1
  prepare "$target"
  mkdir -p "$fuzz/Corpus/$target"
  local fresh
  fresh=$(mktemp -d)
  fuzzer "$target" -merge=1 -max_len="$(max_len "$target")" -timeout=10 -rss_limit_mb=2048 "$fresh" \
    "$fuzz/Corpus/$target" "$work/$target" > "$work/$target.merge.log" 2>&1
  rm -f "$fuzz/Corpus/$target"/*
  cp "$fresh"/* "$fuzz/Corpus/$target"/
  rm -rf "$fresh"
  echo "fuzz: $target corpus: $(find "$fuzz/Corpus/$target" -type f | wc -l) inputs, $(du -sh "$fuzz/Corpus/$target" | cut -f1)"
}

case "${1:-}" in
  --build) shift; build "${@:-${TARGETS[@]}}" ;;
  --replay) build "${TARGETS[@]}"; mkdir -p "$work"; replay ;;
  --merge) [ $# -eq 2 ] || { echo "usage: $0 --merge TARGET" >&2; exit 2; }; executable "$2" > /dev/null; build "$2"; merge "$2" ;;
  --all)
    [ $# -eq 2 ] || { echo "usage: $0 --all SECONDS" >&2; exit 2; }
    build "${TARGETS[@]}"
    failed=0
    for target in "${TARGETS[@]}"; do run "$target" "$2" || failed=1; done
    exit $failed ;;
  ""|-h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
  *)
    [ $# -eq 2 ] || { echo "usage: $0 TARGET SECONDS" >&2; exit 2; }
    executable "$1" > /dev/null
    build "$1"
    run "$1" "$2" ;;
esac
