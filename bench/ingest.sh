#!/usr/bin/env bash
# Webhook intake: signed ~7 KB push webhooks through strata-ingest (HTTP keep-alive, HMAC, JSON
# normalisation, Redis dedupe, publish confirmed by the broker) against the raw rate at which a
# minimal rabbitmq-c publisher gets confirmed publishes of the same message to the same broker and
# queue, in the same run, at the same number in flight; then ingest's ack latency at a fixed
# offered load of 1,000 requests/s. Private redis-server and rabbitmq-server on loopback.
#   bench/ingest.sh        STRATA_BIN (default build/bin); builds the three programs it needs
#   STRATA_BENCH_IN_FLIGHT (64), STRATA_BENCH_MESSAGES (20000), STRATA_BENCH_LATENCY_SECONDS (10)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${STRATA_BUILD_DIR:-$ROOT/build}"
BIN="${STRATA_BIN:-$BUILD/bin}"
IN_FLIGHT=${STRATA_BENCH_IN_FLIGHT:-64}
MESSAGES=${STRATA_BENCH_MESSAGES:-20000}
LATENCY_SECONDS=${STRATA_BENCH_LATENCY_SECONDS:-10}
SECRET=bench-secret

for program in strata-ingest strata_ingest_loadgen strata_ingest_raw_publisher; do
    if [[ ! -x $BIN/$program ]]; then
        cmake --build "$BUILD" -j"${STRATA_JOBS:-2}" --target "$program" >/dev/null
    fi
done
command -v jq >/dev/null || { echo "ingest.sh: jq is missing (tools/install-deps)" >&2; exit 1; }

DIR=$(mktemp -d "${TMPDIR:-/tmp}/strata-bench-ingest.XXXXXX")
chmod o+x "$DIR"  # the rabbitmq user must reach its directory
INGEST_PID=""
cleanup() {
    [[ -n $INGEST_PID ]] && kill "$INGEST_PID" 2>/dev/null && wait "$INGEST_PID" 2>/dev/null
    "$ROOT/tools/strata-servers" stop "$DIR/rabbit" >/dev/null 2>&1 || true
    "$ROOT/tools/strata-servers" stop "$DIR/redis" >/dev/null 2>&1 || true
    rm -rf "$DIR"
}
trap cleanup EXIT

REDIS_PORT=$("$ROOT/tools/strata-servers" free-port)
"$ROOT/tools/strata-servers" redis "$DIR/redis" "$REDIS_PORT" >/dev/null
AMQP_PORT=$("$ROOT/tools/strata-servers" free-port)
"$ROOT/tools/strata-servers" rabbitmq "$DIR/rabbit" "$AMQP_PORT" >/dev/null
AMQP_URL="amqp://guest:guest@127.0.0.1:$AMQP_PORT/"

# A realistic push to the default branch: the repository's push.json fixture with commits added
# until the body is about 7 KB.
jq -c '.commits as $c | .commits = [range(0; 8) as $i | $c[0] | .id = ("\($i)" * 40 | .[0:40])
        | .message = "Change \($i) to the network roots: widen the NAT gateway subnets"]' \
    "$ROOT/tests/fixtures/webhooks/push.json" >"$DIR/push.json"
PAYLOAD_BYTES=$(wc -c <"$DIR/push.json")

# A port found free can be taken by someone else before the daemon binds it: try a few.
for attempt in 1 2 3; do
    HTTP_PORT=$("$ROOT/tools/strata-servers" free-port)
    STRATA_WEBHOOK_SECRET=$SECRET STRATA_AMQP_URL=$AMQP_URL STRATA_AMQP_EXCHANGE=bench \
        STRATA_REDIS_URL="redis://127.0.0.1:$REDIS_PORT" STRATA_HTTP_PORT=$HTTP_PORT \
        STRATA_LOG_LEVEL=warn STRATA_JOB_LOG_DIR="$DIR/logs" \
        "$BIN/strata-ingest" 2>"$DIR/ingest.log" &
    INGEST_PID=$!
    for _ in $(seq 1 300); do
        curl -fsS "http://127.0.0.1:$HTTP_PORT/healthz" >/dev/null 2>&1 && break 2
        kill -0 "$INGEST_PID" 2>/dev/null || break
        sleep 0.1
    done
    kill "$INGEST_PID" 2>/dev/null || true
    wait "$INGEST_PID" 2>/dev/null || true
    INGEST_PID=""
done
[[ -n $INGEST_PID ]] || {
    echo "ingest.sh: strata-ingest did not become healthy" >&2
    tail -n 20 "$DIR/ingest.log" >&2
    exit 1
}

field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" <<<"$2"; }
loadgen() { timeout 300 "$BIN/strata_ingest_loadgen" --port "$HTTP_PORT" --payload "$DIR/push.json" --secret "$SECRET" "$@"; }
raw() { timeout 300 "$BIN/strata_ingest_raw_publisher" --url "$AMQP_URL" --exchange bench --payload "$DIR/push.json" --in-flight "$IN_FLIGHT" --messages "$@"; }
# Nobody consumes in this bench: every phase starts from an empty queue (bench.planner, where
# the daemon's own topology routes event.push).
purge() { raw 0 --purge bench.planner >/dev/null; }

# Warm-up (connections, the broker's queue process), then each side three times, alternating;
# the best run of each counts (other work on the machine only ever slows a run down).
loadgen --prefix warm --mode throughput --connections "$IN_FLIGHT" --requests 2000 >/dev/null
best_raw=0 best_ingest=0 ingest_out=""
for round in 1 2 3; do
    purge
    out=$(raw "$MESSAGES")
    rate=$(field rate "$out")
    awk -v a="$rate" -v b="$best_raw" 'BEGIN { exit !(a > b) }' && best_raw=$rate
    purge
    out=$(loadgen --prefix "tp$round" --mode throughput --connections "$IN_FLIGHT" --requests "$MESSAGES") || {
        echo "ingest.sh: failed requests: $out" >&2
        exit 1
    }
    rate=$(field rate "$out")
    if awk -v a="$rate" -v b="$best_ingest" 'BEGIN { exit !(a > b) }'; then
        best_ingest=$rate
        ingest_out=$out
    fi
done
purge
raw_lat=$(raw $((1000 * LATENCY_SECONDS)) --rate 1000)
purge
lat=$(loadgen --prefix lat --mode rate --rate 1000 --seconds "$LATENCY_SECONDS" --connections "$IN_FLIGHT") || {
    echo "ingest.sh: failed requests at 1,000/s: $lat" >&2
    exit 1
}

awk -v raw="$best_raw" -v ingest="$best_ingest" -v inflight="$IN_FLIGHT" -v bytes="$PAYLOAD_BYTES" \
    -v tp_p50="$(field p50_ms "$ingest_out")" -v tp_p99="$(field p99_ms "$ingest_out")" \
    -v p50="$(field p50_ms "$lat")" -v p90="$(field p90_ms "$lat")" -v p99="$(field p99_ms "$lat")" \
    -v max="$(field max_ms "$lat")" -v achieved="$(field rate "$lat")" -v secs="$LATENCY_SECONDS" \
    -v raw_p50="$(field p50_ms "$raw_lat")" -v raw_p99="$(field p99_ms "$raw_lat")" \
    -v load="$(cut -d' ' -f1-3 /proc/loadavg)" -v cores="$(nproc)" 'BEGIN {
    printf "baseline: rabbitmq-c confirmed publishes of the same event.push, %d in flight:   %.0f msg/s\n", inflight, raw
    printf "strata-ingest signed %d-byte push webhooks (HMAC, dedupe, confirmed publish), %d in flight: %.0f req/s (p50 %.2f ms, p99 %.2f ms)\n", bytes, inflight, ingest, tp_p50, tp_p99
    printf "ratio ingest/baseline: %.2f (aim: >= 0.5)\n", ingest / raw
    printf "ack latency at a fixed 1,000 req/s for %d s (achieved %.0f/s): p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms (aim: p99 < 25 ms)\n", secs, achieved, p50, p90, p99, max
    printf "baseline latency: rabbitmq-c confirms at a fixed 1,000 msg/s: p50 %.2f ms, p99 %.2f ms\n", raw_p50, raw_p99
    printf "load average during the run (other work on this machine skews every figure): %s\n", load
    split(load, l, " ")
    if (l[1] > cores) printf "WARNING: load average %s on %d cores: these figures measure the machine, not ingest; run again when it is quiet\n", l[1], cores
}'
