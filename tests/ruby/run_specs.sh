#!/usr/bin/env bash
# Runs the Ruby gem's specs (ruby/spec) on the library just built: first everything on the
# embedded engine, then the brief's integration spec against a `kafkado serve` started here on a
# free loopback port. Usage: run_specs.sh LIBKAFKA_DO_C KAFKADO
set -euo pipefail
export KAFKA_DO_LIB=$1
KAFKADO=$2
cd "$(dirname "$0")/../../ruby"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/kafka-do-ruby-XXXXXX")
SERVER_PID=
cleanup() {
  if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then kill -KILL "$SERVER_PID"; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

rspec --format progress spec

: >"$WORK/server.log"
"$KAFKADO" serve --data "$WORK/data" --listen 127.0.0.1:0 --default-partitions 1 \
  --group-initial-rebalance-delay-ms 0 2>"$WORK/server.log" &
SERVER_PID=$!
PORT=
deadline=$((SECONDS + 10))
while [[ -z $PORT ]]; do
  PORT=$(sed -n 's/^kafkado serve: listening on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$WORK/server.log")
  [[ -n $PORT ]] && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log"; exit 1; }
  ((SECONDS < deadline)) || { echo "kafkado serve did not start"; exit 1; }
  sleep 0.05
done
TEST_KAFKA_URL="kafka://127.0.0.1:$PORT" rspec --format progress --tag integration spec
kill -TERM "$SERVER_PID"
wait "$SERVER_PID"
SERVER_PID=
