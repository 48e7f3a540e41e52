#!/usr/bin/env bash
# Multi-node end-to-end test of `keyscope run --workers 0` + `keyscope worker --connect` across three
# Linux network namespaces on a private bridge (needs root: CI runs it as root).
#
#   bash scripts/test_multinode_netns.sh           plain tcp: 2 workers, report identical to a local run,
#                                                  non-loopback-without-CURVE warning printed
#   bash scripts/test_multinode_netns.sh --curve   CURVE: allowed worker A computes everything, worker B
#                                                  (unknown key) refused by address, plain worker starved
#
# Topology (all of it created here, removed by the EXIT trap, leak-checked at the end):
#   bridge ksmb<tag> (no host address, so no route from the host or anywhere else into it)
#     ns ksmn-<tag>-c 10.77.0.1/24  coordinator
#     ns ksmn-<tag>-1 10.77.0.2/24  worker A
#     ns ksmn-<tag>-2 10.77.0.3/24  worker B (and, with --curve, the plain worker)
# Traffic only ever goes to 10.77.0.1 inside these namespaces.
#
# Environment: KEYSCOPE (binary, default .build/debug/keyscope; built with `swift build` if missing),
# NETNS_TIMEOUT (seconds per bounded wait, default 300), KEEP_TMP=1 keeps the temp dir (all logs) for inspection.
set -euo pipefail

MODE=plain
case "${1:-}" in
  "") ;;
  --curve) MODE=curve ;;
  *) echo "usage: $0 [--curve]" >&2; exit 2 ;;
esac

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KEYSCOPE="${KEYSCOPE:-$REPO/.build/debug/keyscope}"
LIMIT="${NETNS_TIMEOUT:-300}"
PORT=20777
COORD_IP=10.77.0.1
ENDPOINT="tcp://$COORD_IP:$PORT"
TAG="$(printf '%x' $$)"
BR="ksmb$TAG"
NS_C="ksmn-$TAG-c"; NS_1="ksmn-$TAG-1"; NS_2="ksmn-$TAG-2"
NAMESPACES=("$NS_C" "$NS_1" "$NS_2")
T0=$SECONDS

say() { echo "[netns $MODE $((SECONDS - T0))s] $*"; }
fail() { echo "[netns $MODE] FAIL: $*" >&2; exit 1; }

[[ $(id -u) == 0 ]] || fail "needs root (network namespaces and a bridge)"
command -v ip >/dev/null || fail "needs iproute2 (ip)"
if [[ ! -x "$KEYSCOPE" ]]; then
  say "building keyscope (swift build --product keyscope)"
  (cd "$REPO" && swift build --product keyscope) || fail "swift build failed"
fi
[[ -x "$KEYSCOPE" ]] || fail "no keyscope binary at $KEYSCOPE"
KEYSCOPE="$(cd "$(dirname "$KEYSCOPE")" && pwd)/$(basename "$KEYSCOPE")"

TMP="$(mktemp -d /tmp/ks-netns.XXXXXX)"
chmod 0700 "$TMP"
PIDS=()
CREATED_NS=()
CREATED_LINKS=()

cleanup() {
  local rc=$? leaks=()
  set +e
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
  for _ in $(seq 50); do
    local alive=0
    for p in "${PIDS[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    ((alive)) || break
    sleep 0.1
  done
  for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
  # Anything still inside our namespaces was started by this script (nothing else can enter them).
  for ns in "${CREATED_NS[@]}"; do
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
  done
  for ns in "${CREATED_NS[@]}"; do ip netns del "$ns" 2>/dev/null; done
  for l in "${CREATED_LINKS[@]}"; do ip link del "$l" 2>/dev/null; done
  if [[ "${KEEP_TMP:-0}" == 1 ]]; then echo "kept $TMP" >&2; else rm -rf "$TMP"; fi
  # Leak check: namespaces, links, processes, temp dir.
  for ns in "${NAMESPACES[@]}"; do ip netns list | grep -qw "$ns" && leaks+=("netns $ns"); done
  for l in "$BR" "ksm${TAG}c" "ksm${TAG}a" "ksm${TAG}b"; do ip link show "$l" >/dev/null 2>&1 && leaks+=("link $l"); done
  for p in "${PIDS[@]}"; do kill -0 "$p" 2>/dev/null && leaks+=("pid $p"); done
  [[ -e "$TMP" && "${KEEP_TMP:-0}" != 1 ]] && leaks+=("dir $TMP")
  if ((${#leaks[@]})); then
    echo "[netns $MODE] FAIL: leaked after cleanup: ${leaks[*]}" >&2
    rc=1
  else
    echo "[netns $MODE] cleanup: no namespace, link, process or temp dir left"
  fi
  if [[ $rc == 0 ]]; then echo "netns-$MODE: 1 passed, 0 failed ($((SECONDS - T0)) s)"
  else echo "netns-$MODE: 0 passed, 1 failed ($((SECONDS - T0)) s)"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- network
for ns in "${NAMESPACES[@]}"; do
  ip netns list | grep -qw "$ns" && fail "namespace $ns already exists"
done
ip link add "$BR" type bridge && CREATED_LINKS+=("$BR")
ip link set "$BR" up
i=0
for ns in "${NAMESPACES[@]}"; do
  suffix=(c a b); host_if="ksm${TAG}${suffix[$i]}"
  ip netns add "$ns" && CREATED_NS+=("$ns")
  ip link add "$host_if" type veth peer name eth0 netns "$ns" && CREATED_LINKS+=("$host_if")
  ip link set "$host_if" master "$BR" up
  ip -n "$ns" addr add "10.77.0.$((i + 1))/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" link set lo up
  i=$((i + 1))
done
say "bridge $BR + namespaces ${NAMESPACES[*]} up"

# ---------------------------------------------------------------- inputs
# 8 demo samples with absolute image paths, so every namespace (and the local run) reads the same files.
DATA="$TMP/samples.jsonl"
head -n 8 "$REPO/demo/samples.jsonl" | sed "s#\"image\": \"images/#\"image\": \"$REPO/demo/images/#" >"$DATA"
[[ $(grep -c "\"image\": \"$REPO/demo/images/" "$DATA") == 8 ]] || fail "could not rewrite image paths in $DATA"
MODEL="$REPO/demo/models/llava-1.5-tiny"
STATS=(--layers 0,1 --bootstrap 50 --permutations 50 --subsample 200 --calibration-samples 8 --samples-per-unit 2 --tsne-layers none)
RUN_ID=mn

# Bounded wait for a pattern in a file while a process lives.
wait_for() { # file pattern pid what
  local deadline=$((SECONDS + LIMIT))
  until grep -q -- "$2" "$1" 2>/dev/null; do
    ((SECONDS < deadline)) || fail "timed out (${LIMIT}s) waiting for $4"
    [[ -z "$3" ]] || kill -0 "$3" 2>/dev/null || { grep -q -- "$2" "$1" 2>/dev/null && return 0; cat "$1" >&2; fail "process died before $4"; }
    sleep 0.2
  done
}
# Bounded wait for a process to exit; returns its status.
wait_exit() { # pid what
  local deadline=$((SECONDS + LIMIT))
  while kill -0 "$1" 2>/dev/null; do
    ((SECONDS < deadline)) || fail "timed out (${LIMIT}s) waiting for $2 to finish"
    sleep 0.2
  done
  local st=0; wait "$1" || st=$?; return $st
}

LOCAL_ARGS=()
if [[ $MODE == curve ]]; then
  mkdir -m 0700 "$TMP/keys"
  for k in coordinator worker-a worker-b; do "$KEYSCOPE" curve-keygen --out "$TMP/keys/$k" >/dev/null; done
  [[ $(stat -c %a "$TMP/keys/coordinator.secret") == 600 ]] || fail "curve-keygen secret is not 0600"
  # The reference run is CURVE too (over ipc): its local workers must get in with the session's own keys.
  cat >"$TMP/cluster-local.json" <<EOF
{"coordinator": {"bind": "ipc"}, "curve": {"server_secret_key_file": "$TMP/keys/coordinator.secret", "allowed_client_keys": []}}
EOF
  LOCAL_ARGS=(--cluster "$TMP/cluster-local.json")
fi

say "local reference run (--workers 2, ipc${LOCAL_ARGS[*]:+, CURVE})"
timeout "$LIMIT" "$KEYSCOPE" run --model "$MODEL" --data "$DATA" --workers 2 --out "$TMP/local" --run-id "$RUN_ID" \
  "${STATS[@]}" "${LOCAL_ARGS[@]}" >"$TMP/local.out" 2>"$TMP/local.err" || { cat "$TMP/local.err" >&2; fail "local run failed"; }
grep -q "ZAP: refused" "$TMP/local.err" && fail "the local run refused its own workers"
ls "$TMP/local/$RUN_ID" | grep -q curve && fail "the session's throw-away CURVE keys were left in the run directory"
grep -q "coordinator listening on ipc://$TMP/local/$RUN_ID/coordinator.sock" "$TMP/local.err" \
  || { cat "$TMP/local.err" >&2; fail "default run did not listen on the run directory's ipc socket"; }
[[ $(stat -c %a "$TMP/local/$RUN_ID") == 700 ]] || fail "run directory is not mode 0700"
grep -q "without CURVE" "$TMP/local.err" && fail "ipc run printed the no-CURVE warning"
say "local run done"

# ---------------------------------------------------------------- coordinator
COORD_ARGS=(run --model "$MODEL" --data "$DATA" --workers 0 --out "$TMP/net" --run-id "$RUN_ID" "${STATS[@]}")
WORKER_A=(worker --connect "$ENDPOINT" --threads 1 --id worker-a)
WORKER_B=(worker --connect "$ENDPOINT" --threads 1 --id worker-b)
if [[ $MODE == curve ]]; then
  pub_a="$(sed -n 's/^public-key = //p' "$TMP/keys/worker-a.public")"
  [[ ${#pub_a} == 40 ]] || fail "cannot read worker A's public key"
  cat >"$TMP/cluster.json" <<EOF
{
  "coordinator": {"bind": "$ENDPOINT"},
  "curve": {
    "server_secret_key_file": "$TMP/keys/coordinator.secret",
    "allowed_client_keys": ["$pub_a"]
  }
}
EOF
  "$KEYSCOPE" cluster check "$TMP/cluster.json" >"$TMP/check.out" 2>&1 || { cat "$TMP/check.out" >&2; fail "cluster check refused the config"; }
  COORD_ARGS+=(--cluster "$TMP/cluster.json")
  WORKER_A+=(--curve-server-key "$TMP/keys/coordinator.public" --curve-key "$TMP/keys/worker-a.secret")
  WORKER_B+=(--curve-server-key "$TMP/keys/coordinator.public" --curve-key "$TMP/keys/worker-b.secret")
else
  COORD_ARGS+=(--bind "$ENDPOINT")
fi

ip netns exec "$NS_C" timeout "$LIMIT" "$KEYSCOPE" "${COORD_ARGS[@]}" >"$TMP/coord.out" 2>"$TMP/coord.err" &
COORD=$!; PIDS+=("$COORD")
wait_for "$TMP/coord.err" "coordinator listening on $ENDPOINT" "$COORD" "the coordinator to listen on $ENDPOINT"
say "coordinator listening on $ENDPOINT in $NS_C"
# Plain TCP reachability over the bridge (bash's /dev/tcp; no ping needed).
for ns in "$NS_1" "$NS_2"; do
  ip netns exec "$ns" timeout 5 bash -c "exec 3<>/dev/tcp/$COORD_IP/$PORT" 2>/dev/null \
    || fail "$ns cannot reach $COORD_IP:$PORT over the bridge"
done

start_worker() { # ns log args...
  local ns=$1 log=$2; shift 2
  ip netns exec "$ns" timeout "$LIMIT" "$KEYSCOPE" "$@" --verbose >"$log.out" 2>"$log.err" &
  PIDS+=("$!")
  LAST_PID=$!
}

if [[ $MODE == plain ]]; then
  start_worker "$NS_1" "$TMP/worker-a" "${WORKER_A[@]}"; WA=$LAST_PID
  start_worker "$NS_2" "$TMP/worker-b" "${WORKER_B[@]}"; WB=$LAST_PID
  wait_exit "$COORD" "the coordinator" || { cat "$TMP/coord.err" >&2; fail "coordinator run failed"; }
  wait_exit "$WA" "worker A" || { cat "$TMP/worker-a.err" >&2; fail "worker A exited with an error"; }
  wait_exit "$WB" "worker B" || { cat "$TMP/worker-b.err" >&2; fail "worker B exited with an error"; }
  grep -q "worker worker-a joined" "$TMP/coord.err" || fail "coordinator log has no 'worker worker-a joined'"
  grep -q "worker worker-b joined" "$TMP/coord.err" || fail "coordinator log has no 'worker worker-b joined'"
  grep -q "warning: listening on $ENDPOINT without CURVE" "$TMP/coord.err" \
    || fail "no warning about listening on a non-loopback address without CURVE"
  say "both workers registered; no-CURVE warning printed"
else
  # Intruders first: B with a key not on the allow-list, and a worker that does not speak CURVE at all.
  start_worker "$NS_2" "$TMP/worker-b" "${WORKER_B[@]}"; WB=$LAST_PID
  start_worker "$NS_2" "$TMP/worker-plain" worker --connect "$ENDPOINT" --threads 1 --id worker-plain; WP=$LAST_PID
  wait_for "$TMP/coord.err" "ZAP: refused CURVE client from 10.77.0.3" "$COORD" "the coordinator to refuse worker B by address"
  wait_for "$TMP/worker-plain.err" "coordinatorLost" "$WP" "the plain worker to give up on a silent coordinator"
  wait_for "$TMP/worker-b.err" "coordinatorLost" "$WB" "worker B to give up on a silent coordinator"
  grep -q "whether it requires CURVE" "$TMP/worker-plain.err" || fail "the plain worker printed no CURVE hint"
  grep -q "our public key is on its allow-list" "$TMP/worker-b.err" || fail "worker B printed no allow-list hint"
  grep -q "worker-b joined\|worker-plain joined" "$TMP/coord.err" && fail "a refused worker registered"
  say "worker B refused (address 10.77.0.3 logged), plain worker timed out"
  start_worker "$NS_1" "$TMP/worker-a" "${WORKER_A[@]}"; WA=$LAST_PID
  wait_exit "$COORD" "the coordinator" || { cat "$TMP/coord.err" >&2; fail "coordinator run failed"; }
  wait_exit "$WA" "worker A" || { cat "$TMP/worker-a.err" >&2; fail "worker A exited with an error"; }
  grep -q "worker worker-a joined" "$TMP/coord.err" || fail "coordinator log has no 'worker worker-a joined'"
  grep -q "worker-b joined\|worker-plain joined" "$TMP/coord.err" && fail "a refused worker registered"
  for w in worker-b worker-plain; do grep -q "assigned" "$TMP/$w.err" && fail "$w was assigned a unit"; done
  grep -q "without CURVE" "$TMP/coord.err" && fail "CURVE run printed the no-CURVE warning"
  grep -q "ZAP: refused CURVE client from 10.77.0.2" "$TMP/coord.err" && fail "worker A (allowed key) was refused"
  say "only worker A registered; no warning with CURVE"
fi

# ---------------------------------------------------------------- results
for v in pre post; do
  a="$TMP/local/$RUN_ID/report/${v}_rope/report.json"; b="$TMP/net/$RUN_ID/report/${v}_rope/report.json"
  [[ -s "$a" && -s "$b" ]] || fail "missing $v report.json (local: $a, multi-node: $b)"
  cmp -s "$a" "$b" || { diff <(head -c 2000 "$a") <(head -c 2000 "$b") >&2 || true; fail "$v report.json differs from the local run"; }
done
say "pre/post report.json byte-identical to the local --workers 2 run"
