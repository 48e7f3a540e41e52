#!/usr/bin/env bash
# Chaos test of keyscope's fault tolerance (DESIGN §7), in the spirit of Dask's and Ray's chaos tests:
# a clean run, then the same run while a killer randomly kill -9s or SIGSTOPs workers and kill -9s the
# coordinator (resuming it each time), a bounded number of times. Asserts the final report.json files
# equal the clean ones byte for byte and that no keyscope process or ipc socket is left behind.
#
# usage: scripts/chaos_test.sh [KEYSCOPE_BINARY]
#   env: FAULTS (default 6) faults to inject, SEED (default: time) for the fault schedule,
#        SAMPLES (default 10) dataset size, WORKERS (default 2), WARMUP=0 skips the warm-up run,
#        KEEP=1 keeps the work directory.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${1:-}
if [[ -z $BIN ]]; then
  if [[ -x $ROOT/.build/release/keyscope ]]; then BIN=$ROOT/.build/release/keyscope; else BIN=$ROOT/.build/debug/keyscope; fi
fi
[[ -x $BIN ]] || { echo "chaos: no keyscope binary at $BIN (swift build first)" >&2; exit 2; }
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
FAULTS=${FAULTS:-6}
SEED=${SEED:-$(date +%s)}
SAMPLES=${SAMPLES:-10}
WORKERS=${WORKERS:-2}
RANDOM=$SEED
WORK=$(mktemp -d /tmp/ks-chaos.XXXXXX)
STATS=(--layers 0,1 --bootstrap 20 --permutations 20 --subsample 100 --calibration-samples 4 --components 8 --bins 16 --groups 4 --samples-per-unit 2 --tsne-layers none)

log() { printf '[chaos %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
fail() { log "FAIL: $*"; exit 1; }
# Processes serving this script's runs: every keyscope we start has $WORK in its command line.
ours() { pgrep -f -- "$WORK/" || true; }
cleanup() {
  local pids; pids=$(ours)
  if [[ -n $pids ]]; then kill -CONT $pids 2>/dev/null || true; kill -KILL $pids 2>/dev/null || true; fi
  if [[ ${KEEP:-0} == 1 ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# Dataset: the first $SAMPLES demo samples, images by absolute path.
head -n "$SAMPLES" "$ROOT/demo/samples.jsonl" | sed "s#\"image\": \"images/#\"image\": \"$ROOT/demo/images/#" > "$WORK/data.jsonl"
# Direct command lines, no shell function: `$!` must be the coordinator itself, not a subshell.
RUN=("$BIN" run --model "$ROOT/demo/models/llava-1.5-tiny" --data "$WORK/data.jsonl" --workers "$WORKERS" --quiet
     --run-id chaos "${STATS[@]}")

log "binary $BIN, seed $SEED, $FAULTS faults, $SAMPLES samples, $WORKERS workers, in $WORK"
if [[ ${WARMUP:-1} == 1 ]]; then  # page cache and first-run costs out of the clean run's timing
  t0=$SECONDS
  "${RUN[@]}" --out "$WORK/warmup" > "$WORK/warmup.log" 2>&1 || fail "warm-up run failed: $(tail -5 "$WORK/warmup.log")"
  log "warm-up run: $((SECONDS - t0)) s"
fi
t0=$SECONDS
"${RUN[@]}" --out "$WORK/clean" > "$WORK/clean.log" 2>&1 || fail "clean run failed: $(tail -5 "$WORK/clean.log")"
clean_seconds=$((SECONDS - t0))
log "clean run: $clean_seconds s"

DIR=$WORK/chaos/chaos
workers_of() { pgrep -f -- "worker --connect ipc://$DIR/" || true; }
faults=0 sessions=0 status=""
t0=$SECONDS
while :; do
  sessions=$((sessions + 1))
  (( sessions <= FAULTS + 3 )) || fail "still not finished after $sessions sessions"
  if [[ -d $DIR ]]; then
    "$BIN" resume "$DIR" --workers "$WORKERS" --quiet --tsne-layers none >> "$WORK/chaos.log" 2>&1 &
  else
    "${RUN[@]}" --out "$WORK/chaos" >> "$WORK/chaos.log" 2>&1 &
  fi
  coord=$!
  killed_coordinator=0
  while kill -0 "$coord" 2>/dev/null && (( faults < FAULTS )); do
    sleep "$((1 + RANDOM % 3)).$((RANDOM % 10))"
    kill -0 "$coord" 2>/dev/null || break
    mapfile -t ws < <(workers_of)
    (( ${#ws[@]} > 0 )) || continue
    victim=${ws[RANDOM % ${#ws[@]}]}
    faults=$((faults + 1))
    case $((RANDOM % 3)) in
      0) log "fault $faults: kill -9 worker $victim"; kill -KILL "$victim" 2>/dev/null || true ;;
      1) log "fault $faults: SIGSTOP worker $victim for 7 s"; kill -STOP "$victim" 2>/dev/null || true
         sleep 7; kill -CONT "$victim" 2>/dev/null || true ;;
      2) log "fault $faults: kill -9 coordinator $coord"; kill -KILL "$coord"; killed_coordinator=1; t_kill=$SECONDS; break ;;
    esac
  done
  set +e; wait "$coord"; status=$?; set -e
  if (( killed_coordinator )); then
    # Local workers watch the coordinator's pid: none may survive it for long.
    for _ in $(seq 100); do [[ -z $(workers_of) ]] && break; sleep 0.1; done
    [[ -z $(workers_of) ]] || fail "workers outlived the killed coordinator: $(workers_of)"
    log "workers left by themselves within $((SECONDS - t_kill)) s; resuming"
    continue
  fi
  break
done
log "chaos run: exit $status after $faults faults, $sessions sessions, $((SECONDS - t0)) s (clean: $clean_seconds s)"
[[ $status == 0 ]] || fail "chaos run exited $status: $(tail -5 "$WORK/chaos.log")"

for v in pre post; do
  cmp "$WORK/clean/chaos/report/${v}_rope/report.json" "$DIR/report/${v}_rope/report.json" \
    || fail "${v}_rope/report.json differs from the clean run"
done
log "report.json (pre, post) identical to the clean run"
"$BIN" status "$DIR" --json > "$WORK/status.json"
grep -q '"quarantined" : 0' "$WORK/status.json" || fail "quarantined units: $(cat "$WORK/status.json")"

sleep 1
[[ -z $(ours) ]] || fail "keyscope processes leaked: $(ours | xargs ps -o pid,args -p)"
sockets=$(find "$WORK" -type s)
[[ -z $sockets ]] || fail "ipc sockets leaked: $sockets"
log "PASS: no processes or sockets left"
