#!/usr/bin/env bash
# Runs the libFuzzer harnesses built in BUILD (make fuzz, make fuzz-smoke), each for SECONDS,
# FUZZ_JOBS of them at a time (default: one per core). Each fuzzes a scratch corpus,
# BUILD/fuzz-corpus/<harness>, seeded from fuzz/corpus/<harness> and fuzz/regressions/<harness>
# (inputs that once failed, fixed since) and kept between runs (a campaign goes on from the last
# one; the repository is never written). Prints the executions and exec/s of each; exits 1 on
# any crash, leak, timeout or out-of-memory, printing the report and the path of the input that
# caused it (BUILD/fuzz-crashes/<harness>/). Logs: BUILD/fuzz-logs/<harness>.log.
#
# Usage: fuzz/run.sh BUILD SECONDS [HARNESS...]   (onnx_import onnx_run npy qconfig; default all)
# FUZZ_TIMEOUT (s, default 10) and FUZZ_RSS_MB (default 2048) bound one input's time and memory.
# One allocation above FUZZ_ALLOC_MB (default 64) fails (ASan returns null, as an allocator on a
# small machine would) rather than ending the run: a model may legitimately ask for a 15 GB
# tensor, and octet must then answer with its own out-of-memory error, which the harnesses accept.
# 64 MiB also keeps one inference on the largest tensors allowed well inside FUZZ_TIMEOUT under
# ASan (a 512 MiB Pad took 13 s).
# FUZZ_RUNS stops each harness after that many executions (a campaign's goal) if SECONDS have
# not run out first.
# FUZZ_FORK=N runs each harness in libFuzzer's fork mode: N child processes fuzz in turns of a
# few seconds each and the parent merges what they find, so a campaign uses N cores per harness
# (with FUZZ_JOBS=1 and FUZZ_FORK=$(nproc): the whole machine on one harness, as for a 10-million
# run). A crash, timeout or out-of-memory still ends the run as a finding.
# FUZZ_SEED fixes libFuzzer's random seed (default: a new one each run); make fuzz-smoke sets 1.
# The corpus still loads in directory order, so two smokes from the same files may take different
# paths: the input a finding prints is what replays it.
set -euo pipefail
cd "$(dirname "$0")/.."

build=$1 seconds=$2
shift 2
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=(onnx_import onnx_run npy qconfig)
jobs=${FUZZ_JOBS:-$(nproc)}
timeout=${FUZZ_TIMEOUT:-10}
rss_mb=${FUZZ_RSS_MB:-2048}
alloc_mb=${FUZZ_ALLOC_MB:-64}
seed=${FUZZ_SEED:-0}  # 0: libFuzzer picks one
runs=${FUZZ_RUNS:--1}  # -1: no limit
fork=()
if [ "${FUZZ_FORK:-0}" -gt 0 ]; then fork=(-fork="$FUZZ_FORK" -ignore_crashes=0 -ignore_timeouts=0 -ignore_ooms=0); fi
corpora=$build/${FUZZ_CORPUS_DIR:-fuzz-corpus}  # FUZZ_CORPUS_DIR: another scratch corpus folder under BUILD
symbolizer=/usr/lib/llvm-19/bin/llvm-symbolizer  # the sanitizers' reports name functions and lines

start() {
  local h=$1
  local corpus=$corpora/$h crashes=$build/fuzz-crashes/$h dict=fuzz/dict/$h.dict
  case $h in onnx_*) dict=fuzz/dict/onnx.dict ;; esac
  mkdir -p "$corpus" "$crashes" "$build/fuzz-logs"
  cp -n fuzz/corpus/"$h"/* "$corpus"/
  # past findings, each fixed with a unit test: replayed first by every run, like the seeds
  if [ -d fuzz/regressions/"$h" ]; then cp -n fuzz/regressions/"$h"/* "$corpus"/; fi
  ASAN_OPTIONS=allocator_may_return_null=1:max_allocation_size_mb=$alloc_mb \
  ASAN_SYMBOLIZER_PATH=$symbolizer UBSAN_OPTIONS=print_stacktrace=1:external_symbolizer_path=$symbolizer \
    "$build/bin/${h}_fuzzer" "${fork[@]}" -max_total_time="$seconds" -runs="$runs" -timeout="$timeout" \
    -rss_limit_mb="$rss_mb" -malloc_limit_mb=$((rss_mb * 1024)) -seed="$seed" -dict="$dict" -artifact_prefix="$crashes/" -print_final_stats=1 "$corpus" \
    >"$build/fuzz-logs/$h.log" 2>&1
}

stat_of() { sed -n "s/^stat::$1: *//p" "$2" | tail -n 1; }
# Fork mode prints no stat:: lines: the parent's last status line (#RUNS: cov: ... exec/s: RATE)
# counts every child's executions.
status_of() { sed -n "s/^#\([0-9]*\): cov:.* exec\/s: \([0-9]*\).*/$1/p" "$2" | tail -n 1; }

report() {
  local h=$1 rc=$2 log=$build/fuzz-logs/$1.log
  local runs rate
  runs=$(stat_of number_of_executed_units "$log")
  rate=$(stat_of average_exec_per_sec "$log")
  if [ -z "$runs" ]; then
    runs=$(status_of '\1' "$log")
    rate=$(status_of '\2' "$log")
  fi
  printf 'fuzz %-12s %10s executions in at most %ss (%s exec/s), corpus %s inputs, peak RSS %s MB' "$h" \
    "${runs:-?}" "$seconds" "${rate:-?}" "$(ls "$corpora/$h" | wc -l)" "$(peak=$(stat_of peak_rss_mb "$log"); echo "${peak:-?}")"
  if [ "$rc" -eq 0 ]; then
    echo ": ok"
    return 0
  fi
  echo ": FAILED (exit $rc)"
  grep -E -m 1 -A 40 '^==[0-9]+==ERROR|runtime error:|ERROR: libFuzzer|terminate called' "$log" || tail -n 40 "$log"
  grep -E 'Test unit written to|^artifact_prefix' "$log" | sed 's/^/  /' || true
  return 1
}

failed=0
for ((i = 0; i < ${#harnesses[@]}; i += jobs)); do
  batch=("${harnesses[@]:i:jobs}")
  pids=()
  for h in "${batch[@]}"; do
    [ -x "$build/bin/${h}_fuzzer" ] || { echo "fuzz: no harness $build/bin/${h}_fuzzer (make fuzz builds it)"; exit 2; }
    start "$h" &
    pids+=($!)
  done
  for k in "${!batch[@]}"; do
    rc=0
    wait "${pids[$k]}" || rc=$?
    report "${batch[$k]}" "$rc" || failed=1
  done
done
exit $failed
