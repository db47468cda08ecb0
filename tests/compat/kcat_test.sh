#!/usr/bin/env bash
# The broker against a real client: kcat (librdkafka 2.0.2) lists metadata, produces keyed
# records with headers, consumes them back from the beginning and through a consumer group,
# and the server stops cleanly on SIGTERM. Usage: kcat_test.sh KAFKADO KCAT
set -euo pipefail
KAFKADO=$1
KCAT=${2:-kcat}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/kafka-do-compat-XXXXXX")
SERVER_PID=
cleanup() {
  if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then kill -KILL "$SERVER_PID"; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  echo "--- server log:" >&2
  cat "$WORK/server.log" >&2 || true
  exit 1
}

# Port 0: the server picks a free port and names it in its start line, so parallel test runs
# never collide. The log exists before the server starts: the background job's redirection may
# run after the first look at it below (which, under set -e, a missing file would end).
: >"$WORK/server.log"
"$KAFKADO" serve --data "$WORK/data" --listen 127.0.0.1:0 --default-partitions 1 --group-initial-rebalance-delay-ms 0 \
  2>"$WORK/server.log" &
SERVER_PID=$!

# Wait for the start line (the socket is listening before it is printed), bounded at 10 s.
PORT=
deadline=$((SECONDS + 10))
while [[ -z $PORT ]]; do
  PORT=$(sed -n 's/^kafkado serve: listening on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$WORK/server.log")
  [[ -n $PORT ]] && break
  kill -0 "$SERVER_PID" 2>/dev/null || fail "server exited before listening"
  ((SECONDS < deadline)) || fail "server did not start listening within 10 s"
  sleep 0.05
done
BROKER=127.0.0.1:$PORT
echo "server on $BROKER"

# kcat waits forever on a broker it cannot talk to; bound every call.
k() { timeout 30 "$KCAT" -b "$BROKER" "$@"; }

# Produce keyed records with headers; the topic is auto-created through Metadata.
printf 'k1:hello\nk2:world\nk3:third record\n' | k -P -t compat -K: -H a=b -H trace=42 \
  || fail "produce"

k -L -t compat >"$WORK/metadata.txt" || fail "metadata"
grep -q 'topic "compat" with 1 partitions' "$WORK/metadata.txt" \
  || fail "metadata does not list the topic: $(cat "$WORK/metadata.txt")"
grep -q "broker 0 at $BROKER (controller)" "$WORK/metadata.txt" \
  || fail "metadata does not list this broker as controller: $(cat "$WORK/metadata.txt")"

k -C -t compat -e -o beginning -f '%k:%s:%h\n' >"$WORK/consumed.txt" 2>"$WORK/consume.err" \
  || fail "consume: $(cat "$WORK/consume.err")"
cat >"$WORK/expected.txt" <<'EXPECTED'
k1:hello:a=b,trace=42
k2:world:a=b,trace=42
k3:third record:a=b,trace=42
EXPECTED
diff -u "$WORK/expected.txt" "$WORK/consumed.txt" || fail "consumed records differ"

# A second produce appends after the first batch; consuming from offset 1 (inside the first
# batch) must return that whole batch and the client drops the records before offset 1.
printf 'k4:again\n' | k -P -t compat -K: || fail "second produce"
k -C -t compat -e -o 1 -f '%o %k:%s\n' >"$WORK/from1.txt" 2>/dev/null || fail "consume from 1"
printf '1 k2:world\n2 k3:third record\n3 k4:again\n' | diff -u - "$WORK/from1.txt" \
  || fail "consume from offset 1 differs"

# Offsets by logical position (ListOffsets earliest/latest).
k -Q -t compat:0:-1 >"$WORK/latest.txt" 2>&1 || fail "offset query"
grep -q 'offset 4' "$WORK/latest.txt" || fail "latest offset: $(cat "$WORK/latest.txt")"

# Balanced consumer group (FindCoordinator, JoinGroup, SyncGroup, Heartbeat, OffsetFetch,
# OffsetCommit, LeaveGroup): the first run reads everything, the second resumes at the
# committed offset and sees only the record produced in between.
k -G compat-group -e -o beginning -f '%k:%s\n' compat >"$WORK/group1.txt" 2>"$WORK/group1.err" \
  || fail "group consume: $(cat "$WORK/group1.err")"
printf 'k1:hello\nk2:world\nk3:third record\nk4:again\n' | diff -u - "$WORK/group1.txt" \
  || fail "group consume differs"
printf 'k5:after commit\n' | k -P -t compat -K: || fail "third produce"
# No -o here: kcat would apply it to every assigned partition, overriding the committed
# offset. auto.offset.reset=earliest makes a missing commit show up as all five records.
k -G compat-group -e -X auto.offset.reset=earliest -f '%k:%s\n' compat >"$WORK/group2.txt" \
  2>"$WORK/group2.err" \
  || fail "group resume: $(cat "$WORK/group2.err")"
printf 'k5:after commit\n' | diff -u - "$WORK/group2.txt" \
  || fail "group did not resume at its committed offset"

# Transactions (-X transactional.id: one transaction around everything produced): committed
# records are read by a read_committed consumer, and the commit marker takes an offset.
printf 't1:in a transaction\nt2:also\n' | k -P -t txn -K: -X transactional.id=kcat-loader \
  2>"$WORK/txn.err" || fail "transactional produce: $(cat "$WORK/txn.err")"
k -C -t txn -e -X isolation.level=read_committed -f '%o %k:%s\n' >"$WORK/txn.txt" 2>/dev/null \
  || fail "read_committed consume"
printf '0 t1:in a transaction\n1 t2:also\n' | diff -u - "$WORK/txn.txt" \
  || fail "read_committed consume differs"
k -Q -t txn:0:-1 >"$WORK/txn-latest.txt" 2>&1 || fail "offset query (txn)"
grep -q 'offset 3' "$WORK/txn-latest.txt" || fail "txn high watermark: $(cat "$WORK/txn-latest.txt")"

kill -TERM "$SERVER_PID"
status=0
wait "$SERVER_PID" || status=$?
SERVER_PID=
((status == 0)) || fail "server exited with status $status after SIGTERM"
echo "PASS"
