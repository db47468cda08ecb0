#!/usr/bin/python3
"""Fault tests for `kafkado serve` with real clients (confluent-kafka-python / librdkafka 2.0.2).

Usage: /usr/bin/python3 faults_test.py KAFKADO [SCENARIO ...]
Scenarios (all when none is named):
  bad_input       malformed, truncated and oversized frames on raw sockets each close only
                  their own connection with one log line; a librdkafka producer and consumer on
                  other connections keep working; afterwards a new client reads everything.
  killed_producer a producer subprocess SIGKILLed while producing: the broker keeps serving and
                  every record it had acknowledged is readable at its acknowledged offset.
  dead_consumer   two group members on a 4-partition topic, one SIGKILLed: within the session
                  timeout (+ margin) the survivor owns all partitions and consumes every record
                  exactly once, starting at the dead member's committed offsets.
  broker_kill     the broker SIGKILLed under acks=all produce load and restarted on the same
                  data directory and port: every acknowledged record is there at its offset,
                  in order, and a group's offsets committed before the kill are resumed.
Every wait has a deadline; sleeps are only polling intervals inside deadline loops.
(Debian's python3-confluent-kafka is visible to /usr/bin/python3 only.)
"""
import os
import random
import socket
import struct
import sys
import tempfile
import time
import traceback

from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from faults_common import (Broker, ClientProcess, Failure, count_lines, read_acks, wait_until)

MAX_FRAME = 100 * 1024 * 1024  # docs/broker.md: prefixes over 100 MiB are refused


# ------------------------------------------------------------------------------------------
# Client helpers


def create_topic(bootstrap, topic, partitions):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, num_partitions=partitions,
                                  replication_factor=1)])[topic].result(timeout=30)


def read_all(bootstrap, topic, partitions, timeout=30):
    """Every record of every partition from the log start to the high watermark, read by a fresh
    assign()ed consumer: {partition: [(offset, key, value), ...]}."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": f"reader-{time.monotonic_ns()}",
                  "enable.auto.commit": False, "enable.partition.eof": False})
    try:
        ends = {}
        for p in range(partitions):
            low, high = c.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
            assert low == 0, f"partition {p}: log start {low}"
            ends[p] = high
        c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(partitions)])
        records = {p: [] for p in range(partitions)}
        deadline = time.monotonic() + timeout
        while any(len(records[p]) < ends[p] for p in records):
            if time.monotonic() > deadline:
                raise Failure(f"read {[len(r) for r in records.values()]} of {ends} records "
                              f"within {timeout} s")
            msg = c.poll(0.5)
            if msg is None:
                continue
            if msg.error():
                raise Failure(f"consumer error: {msg.error()}")
            if msg.offset() >= ends[msg.partition()]:
                continue
            records[msg.partition()].append((msg.offset(), msg.key().decode(), msg.value()))
        for p, recs in records.items():
            offsets = [r[0] for r in recs]
            assert offsets == list(range(ends[p])), f"partition {p}: offsets not 0..{ends[p]}"
        return records
    finally:
        c.close()


def check_acked(acks, records, what):
    """Every acknowledged record is stored at the offset its delivery report named, and the
    acknowledged records of a partition are stored in the order they were produced."""
    by_position = {(p, off): key for p, recs in records.items() for off, key, _ in recs}
    missing = [(seq, pos) for seq, pos in sorted(acks.items())
               if by_position.get(pos) != f"key-{seq}"]
    if missing:
        seq, pos = missing[0]
        raise Failure(f"{what}: {len(missing)} of {len(acks)} acknowledged records are not at "
                      f"their acknowledged offset; first: key-{seq} acked at {pos}, stored there: "
                      f"{by_position.get(pos)!r}")
    for p in records:
        offsets = [off for seq, (q, off) in sorted(acks.items()) if q == p]
        assert offsets == sorted(offsets) and len(set(offsets)) == len(offsets), \
            f"{what}: partition {p}: acknowledged offsets out of produce order"
    read_keys = {key for recs in records.values() for _, key, _ in recs}
    assert {f"key-{seq}" for seq in acks} <= read_keys


# ------------------------------------------------------------------------------------------
# 1. Bad input on raw sockets


def request_header(api_key, version, correlation_id, client_id=b"faults"):
    return struct.pack(">hhih", api_key, version, correlation_id, len(client_id)) + client_id


def frame(body):
    return struct.pack(">i", len(body)) + body


def bad_inputs():
    rng = random.Random(20261128)
    garbage = bytes(rng.randrange(256) for _ in range(64))
    produce_garbage = request_header(0, 7, 1) + bytes(rng.randrange(256) for _ in range(200))
    # Metadata v8 (not flexible) with a topic array claiming 2^31-1 entries.
    huge_array = request_header(3, 8, 2) + struct.pack(">i", 0x7FFFFFFF) + b"\x00" * 16
    api_versions_v3 = request_header(18, 3, 3) + b"\x00"
    api_versions_v0 = request_header(18, 0, 41)
    metadata_v1_all = request_header(3, 1, 42) + struct.pack(">i", -1)
    return [
        # (name, bytes to send, close our write side afterwards, correlation ids answered
        #  before the broker closes)
        ("garbage frame", frame(garbage), False, []),
        ("produce v7 header + garbage body", frame(produce_garbage), False, []),
        ("metadata v8 with a 2^31-1 element array", frame(huge_array), False, []),
        ("truncated request header", frame(b"\x00\x12\x00"), False, []),
        ("truncated frame then close", struct.pack(">i", 100) + api_versions_v3, True, []),
        ("size prefix 2 GiB - 1", struct.pack(">I", 0x7FFFFFFF) + b"\x00" * 64, False, []),
        ("size prefix limit + 1", struct.pack(">I", MAX_FRAME + 1) + b"\x00" * 64, False, []),
        ("size prefix 2 GiB (negative)", struct.pack(">I", 0x80000000) + b"\x00" * 64, False,
         []),
        # Pipelined: two valid requests are answered in order, then the garbage closes.
        ("two valid requests then garbage",
         frame(api_versions_v0) + frame(metadata_v1_all) + frame(garbage), False, [41, 42]),
    ]


def send_bad(bootstrap, payload, close_write):
    """Sends payload on a new connection and waits (bounded) until the broker closes it.
    Returns our local address, which the broker names in its log line, and the correlation
    ids of the responses received before the close."""
    host, port = bootstrap.split(":")
    s = socket.create_connection((host, int(port)), timeout=10)
    try:
        peer = "%s:%d" % s.getsockname()
        s.sendall(payload)
        if close_write:
            s.shutdown(socket.SHUT_WR)
        data = b""
        deadline = time.monotonic() + 10
        while True:
            s.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                chunk = b""
            except socket.timeout:
                raise Failure("broker did not close the connection within 10 s")
            if not chunk:
                break
            data += chunk
        correlation_ids = []
        while data:
            assert len(data) >= 8, f"a response cut short: {data!r}"
            size, correlation_id = struct.unpack(">ii", data[:8])
            assert len(data) >= 4 + size, f"a response cut short ({len(data)} of {4 + size})"
            correlation_ids.append(correlation_id)
            data = data[4 + size:]
        return peer, correlation_ids
    finally:
        s.close()


def scenario_bad_input(kafkado, workdir):
    broker = Broker(kafkado, workdir, default_partitions=3)
    bootstrap = broker.start()
    topic, partitions = "steady", 3
    try:
        create_topic(bootstrap, topic, partitions)
        # In a dict so that dropping it below destroys the librdkafka handle at once.
        handles = {"producer": Producer({"bootstrap.servers": bootstrap, "linger.ms": 2})}
        consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "steady-reader",
                             "enable.auto.commit": False})
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(partitions)])
        delivered, errors, seen = {}, [], {}
        seq = 0

        def on_delivery(err, msg):
            if err is not None:
                errors.append(err)
            else:
                delivered[msg.key().decode()] = (msg.partition(), msg.offset())

        def produce(count):
            nonlocal seq
            for _ in range(count):
                handles["producer"].produce(topic, key=f"key-{seq}", value=f"value-{seq}",
                                            partition=seq % partitions,
                                            on_delivery=on_delivery)
                seq += 1

        def settle():
            assert handles["producer"].flush(15) == 0, "steady producer: records not delivered in 15 s"
            assert not errors, f"steady producer: delivery errors {errors}"
            deadline = time.monotonic() + 15
            while len(seen) < seq:
                if time.monotonic() > deadline:
                    raise Failure(f"steady consumer: {len(seen)} of {seq} records in 15 s")
                msg = consumer.poll(0.2)
                if msg is None:
                    continue
                assert not msg.error(), msg.error()
                key = msg.key().decode()
                assert key not in seen, f"steady consumer: {key} twice"
                seen[key] = (msg.partition(), msg.offset())
            assert seen == delivered

        produce(30)
        settle()
        peers, problems = {}, []
        for name, payload, close_write, answered in bad_inputs():
            before = len(broker.log_lines())
            produce(30)  # in flight (linger 2 ms) while the bad connection is open
            peer, correlation_ids = send_bad(bootstrap, payload, close_write)
            assert correlation_ids == answered, \
                f"'{name}': responses {correlation_ids} before the close, expected {answered}"
            try:
                line = wait_until(
                    lambda: next((l for l in broker.log_lines()[before:] if peer in l), None),
                    5, f"a log line naming {peer}")
            except Failure as e:
                line = None
                problems.append(f"'{name}': connection closed, but {e}")
            peers[name] = (peer, line)
            print(f"  {name}: closed; log: {line}")
            # The other connections kept working: everything is delivered and consumed.
            settle()
            assert broker.alive()

        # Exactly one line per bad connection, and nothing else besides the start line.
        lines = broker.log_lines()
        for name, (peer, line) in peers.items():
            n = sum(1 for l in lines if peer in l)
            if line is not None and n != 1:
                problems.append(f"'{name}': {n} log lines name {peer}")
        assert not problems, "; ".join(problems)
        others = [l for l in lines[1:] if not any(peer in l for peer, _ in peers.values())]
        assert not others, f"unexpected log lines: {others}"
        assert "listening on" in lines[0], lines[0]
        for name in ("size prefix 2 GiB - 1", "size prefix limit + 1"):
            assert "over the" in peers[name][1], peers[name][1]
        assert "negative" in peers["size prefix 2 GiB (negative)"][1]

        consumer.close()
        handles.clear()  # destroys the producer (and its connections) now
        # A brand-new client (consumer group) still reads every earlier record, intact.
        new = Consumer({"bootstrap.servers": bootstrap, "group.id": "after-bad-input",
                        "auto.offset.reset": "earliest", "enable.auto.commit": False})
        new.subscribe([topic])
        got = {}
        deadline = time.monotonic() + 30
        while len(got) < seq:
            if time.monotonic() > deadline:
                raise Failure(f"new client: {len(got)} of {seq} records in 30 s")
            msg = new.poll(0.5)
            if msg is None:
                continue
            assert not msg.error(), msg.error()
            key = msg.key().decode()
            assert key not in got, f"new client: {key} twice"
            assert msg.value().decode() == "value-" + key.split("-")[1]
            got[key] = (msg.partition(), msg.offset())
        assert got == delivered
        new.close()
        broker.stop()
        print(f"  {seq} records produced and read back around {len(peers)} bad connections")
    except BaseException:
        broker.dump_logs()
        broker.cleanup()
        raise


# ------------------------------------------------------------------------------------------
# 2. A producer SIGKILLed mid-stream


def scenario_killed_producer(kafkado, workdir):
    broker = Broker(kafkado, workdir)
    bootstrap = broker.start()
    topic, partitions = "killed", 3
    clients = []
    try:
        create_topic(bootstrap, topic, partitions)
        all_acks = {}
        for round_ in range(1, 4):
            acks_path = os.path.join(workdir, f"acks-{round_}")
            # 2 KB values: requests are large enough that the kill often lands inside one.
            prod = ClientProcess(workdir, f"producer-{round_}", "producer", bootstrap, topic,
                                 acks_path, str(partitions), "all", "2000")
            clients.append(prod)
            target = 1000 * round_
            wait_until(lambda: count_lines(acks_path) >= target or prod.check_running(), 30,
                       f"{target} acknowledged records from producer {round_}")
            prod.kill()
            acks = read_acks(acks_path)
            print(f"  round {round_}: producer SIGKILLed after {len(acks)} acknowledgements")
            assert broker.alive(), "broker died with the producer"
            # Keys repeat across rounds (each producer starts at seq 0): keep them apart.
            all_acks.update({(round_, seq): pos for seq, pos in acks.items()})
            records = read_all(bootstrap, topic, partitions)
            by_position = {(p, o): k for p, recs in records.items() for o, k, _ in recs}
            for (r, seq), pos in all_acks.items():
                assert by_position.get(pos) == f"key-{seq}", \
                    (f"round {r}: key-{seq} acked at {pos}, stored: {by_position.get(pos)!r}")
            for p, recs in records.items():
                for o, k, v in recs:
                    assert v.startswith(f"value-{k.split('-')[1]}-".encode()), (p, o, k)
            for r in range(1, round_ + 1):
                for p in range(partitions):
                    offs = [o for (rr, seq), (q, o) in sorted(all_acks.items())
                            if rr == r and q == p]
                    assert offs == sorted(offs), f"round {r} partition {p}: order"

        # The broker still takes new writes after all that, from a new client.
        results = []
        producer = Producer({"bootstrap.servers": bootstrap})
        producer.produce(topic, key="after", value="kill", partition=0,
                         on_delivery=lambda e, m: results.append((e, m.offset())))
        assert producer.flush(15) == 0 and results[0][0] is None, results
        records = read_all(bootstrap, topic, partitions)
        assert records[0][-1][:2] == (results[0][1], "after")
        lines = broker.log_lines()
        assert not [l for l in lines if "failed" in l], lines
        broker.stop()
    except BaseException:
        for c in clients:
            c.cleanup()
            print(f"--- {c.name} stderr:\n{c.stderr()}", file=sys.stderr)
        broker.dump_logs()
        broker.cleanup()
        raise


# ------------------------------------------------------------------------------------------
# 3. A group member that vanishes

SESSION_TIMEOUT = 6.0  # faults_clients.py consumer: session.timeout.ms 6000, heartbeat 500


def parse_recs(lines):
    return [(int(p), int(o), k) for kind, p, o, k in
            (l.split() for l in lines if l.startswith("REC "))]


def last_assignment(lines):
    assigns = [l for l in lines if l.startswith("ASSIGN")]
    if not assigns:
        return None
    parts = assigns[-1].split()
    return set(int(p) for p in parts[1].split(",")) if len(parts) > 1 else set()


def scenario_dead_consumer(kafkado, workdir):
    broker = Broker(kafkado, workdir)
    bootstrap = broker.start()
    topic, partitions, group = "group-topic", 4, "survivors"
    clients = []
    try:
        create_topic(bootstrap, topic, partitions)
        producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 2})
        produced = {}
        seq = 0

        def produce(per_partition):
            nonlocal seq
            errors = []

            def on_delivery(err, msg):
                if err is not None:
                    errors.append(err)
                else:
                    produced[(msg.partition(), msg.offset())] = msg.key().decode()
            for _ in range(per_partition * partitions):
                producer.produce(topic, key=f"key-{seq}", value=b"v", partition=seq % partitions,
                                 on_delivery=on_delivery)
                seq += 1
            assert producer.flush(15) == 0 and not errors, errors

        # A stops (pauses) after committing 50 records; B has no limit.
        a = ClientProcess(workdir, "consumer-a", "consumer", bootstrap, topic, group, "50")
        clients.append(a)
        b = ClientProcess(workdir, "consumer-b", "consumer", bootstrap, topic, group, "0")
        clients.append(b)
        # Wait for the stable two-member assignment before any record exists.
        wait_until(lambda: (a.check_running(), b.check_running()) and
                   last_assignment(a.snapshot()) and last_assignment(b.snapshot()) and
                   len(last_assignment(a.snapshot())) == 2 and
                   len(last_assignment(b.snapshot())) == 2, 30,
                   "two members with two partitions each")
        a_parts, b_parts = last_assignment(a.snapshot()), last_assignment(b.snapshot())
        assert a_parts | b_parts == set(range(partitions)), (a_parts, b_parts)
        print(f"  A owns {sorted(a_parts)}, B owns {sorted(b_parts)}")

        produce(100)  # offsets 0..99 in each partition
        a.wait_line(lambda l: l == "IDLE", 30, "IDLE after 50 records")
        expected_b_first = 100 * len(b_parts)
        wait_until(lambda: len(parse_recs(b.snapshot())) >= expected_b_first or
                   b.check_running(), 30, f"B consuming its {expected_b_first} records")
        a_lines = a.snapshot()
        a_recs = parse_recs(a_lines)
        assert len(a_recs) == 50 and {p for p, _, _ in a_recs} <= a_parts, a_recs
        assert [l for l in a_lines if l.startswith("COMMITFAIL")] == []

        # A's committed offsets as the broker holds them, just before the kill.
        a_next = {p: max([o + 1 for q, o, _ in a_recs if q == p], default=0) for p in a_parts}
        probe = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
        committed = probe.committed([TopicPartition(topic, p) for p in sorted(a_parts)],
                                    timeout=10)
        probe.close()
        for tp in committed:
            want = a_next[tp.partition] if a_next[tp.partition] else -1001  # none committed
            assert tp.offset == want, f"partition {tp.partition}: committed {tp.offset}, " \
                                      f"A consumed up to {a_next[tp.partition]}"

        b_before = len(b.snapshot())
        a.kill()
        killed_at = time.monotonic()
        produce(50)  # offsets 100..149 in each partition, produced after the kill

        deadline = SESSION_TIMEOUT + 15
        wait_until(lambda: last_assignment(b.snapshot()[b_before:]) == set(range(partitions))
                   or b.check_running(), deadline,
                   f"B to own all {partitions} partitions (session timeout {SESSION_TIMEOUT} s)")
        took = time.monotonic() - killed_at
        print(f"  B owned all partitions {took:.1f} s after A was killed")

        total = len(produced)
        wait_until(lambda: len(parse_recs(b.snapshot())) + len(a_recs) >= total or
                   b.check_running(), 30, f"B consuming up to {total - len(a_recs)} records")
        b.terminate_and_wait(20)
        b_lines = b.snapshot()
        b_recs = parse_recs(b_lines)

        # Exactly once: A's committed records plus B's committed records are every record,
        # with no record twice (B never re-read what A had committed).
        a_set = {(p, o) for p, o, _ in a_recs}
        b_list = [(p, o) for p, o, _ in b_recs]
        dups = {x for x in b_list if b_list.count(x) > 1}
        assert not dups, f"B consumed {sorted(dups)[:5]} more than once"
        overlap = a_set & set(b_list)
        assert not overlap, f"B re-consumed records A had committed: {sorted(overlap)[:5]}"
        assert a_set | set(b_list) == set(produced), \
            f"missing: {sorted(set(produced) - a_set - set(b_list))[:5]}"
        for p, o, k in a_recs + b_recs:
            assert produced[(p, o)] == k, (p, o, k)
        # On A's partitions B started exactly at A's committed offsets.
        for p in a_parts:
            first = min(o for q, o in b_list if q == p)
            assert first == a_next[p], f"partition {p}: B started at {first}, A committed " \
                                       f"{a_next[p]}"
        fails = [l for l in b_lines if l.startswith("COMMITFAIL")]
        print(f"  A committed {len(a_recs)}, B committed {len(b_recs)} of {total}; "
              f"B commit retries: {len(fails)}")

        probe = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
        committed = probe.committed([TopicPartition(topic, p) for p in range(partitions)],
                                    timeout=10)
        probe.close()
        assert [tp.offset for tp in committed] == [150] * partitions, committed
        broker.stop()
    except BaseException:
        for c in clients:
            c.cleanup()
            print(f"--- {c.name} stdout tail: {c.snapshot()[-10:]}\n--- {c.name} stderr:\n"
                  f"{c.stderr()}", file=sys.stderr)
        broker.dump_logs()
        broker.cleanup()
        raise


# ------------------------------------------------------------------------------------------
# 4. The broker SIGKILLed under acks=all produce load


def scenario_broker_kill(kafkado, workdir):
    broker = Broker(kafkado, workdir)
    bootstrap = broker.start()
    topic, partitions, group = "durable", 3, "resumer"
    clients = []
    try:
        create_topic(bootstrap, topic, partitions)
        # A group commits offsets (mid-partition) before any kill.
        producer = Producer({"bootstrap.servers": bootstrap, "acks": "all"})
        for i in range(300):
            producer.produce(topic, key=f"pre-{i}", value=b"p", partition=i % partitions)
        assert producer.flush(15) == 0
        consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group,
                             "auto.offset.reset": "earliest", "enable.auto.commit": False})
        consumer.subscribe([topic])
        got = 0
        deadline = time.monotonic() + 30
        while got < 300:
            if time.monotonic() > deadline:
                raise Failure(f"group consumer: {got} of 300 records in 30 s")
            msg = consumer.poll(0.5)
            if msg is not None and not msg.error():
                got += 1
        commit = {0: 17, 1: 42, 2: 99}
        consumer.commit(offsets=[TopicPartition(topic, p, o) for p, o in commit.items()],
                        asynchronous=False)
        consumer.close()

        acks_path = os.path.join(workdir, "acks")
        prod = ClientProcess(workdir, "producer", "producer", bootstrap, topic, acks_path,
                             str(partitions), "all", "500")
        clients.append(prod)
        acked_at_kills = []
        for kill in (1, 2):
            target = count_lines(acks_path) + 2000
            wait_until(lambda: count_lines(acks_path) >= target or prod.check_running(), 30,
                       f"{target} acknowledged records")
            broker.kill()
            acked_at_kills.append(read_acks(acks_path))
            print(f"  broker SIGKILLed after {len(acked_at_kills[-1])} acknowledgements")

            broker.start()  # same data directory and port
            print("  restart log: " + " | ".join(broker.log_lines()))
            # The producer reconnects by itself and goes on.
            resumed = len(acked_at_kills[-1]) + 1000
            wait_until(lambda: count_lines(acks_path) >= resumed or prod.check_running(), 40,
                       "1000 more acknowledgements after the restart")
            # Records acknowledged before this kill are readable right after the restart.
            check_acked(acked_at_kills[-1], read_all(bootstrap, topic, partitions),
                        f"acknowledged before kill {kill}")
        prod.terminate_and_wait(60)  # flushes everything still queued, exits 0
        acks = read_acks(acks_path)
        for acked in acked_at_kills:
            for seq, pos in acked.items():
                assert acks[seq] == pos, f"key-{seq} acked twice: {pos} then {acks[seq]}"

        records = read_all(bootstrap, topic, partitions)
        pre = [k for p in range(partitions) for _, k, _ in records[p][:100]]
        assert sorted(pre) == sorted(f"pre-{i}" for i in range(300)), "pre-kill records damaged"
        check_acked(acks, records, "acknowledged in total")
        for p, recs in records.items():
            for o, k, v in recs:
                if k.startswith("key-"):
                    assert v == f"value-{k.split('-')[1]}-".encode() + b"x" * 500, (p, o, k)
        extra = sum(len(r) for r in records.values()) - 300 - len(acks)
        print(f"  {len(acks)} acknowledged records all present; {extra} unacknowledged extras "
              "(retries of in-flight requests)")

        # The group resumes from the offsets it committed before the kill.
        resumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group,
                            "auto.offset.reset": "earliest", "enable.auto.commit": False})
        committed = resumer.committed([TopicPartition(topic, p) for p in range(partitions)],
                                      timeout=10)
        assert {tp.partition: tp.offset for tp in committed} == commit, committed
        resumer.subscribe([topic])
        first = {}
        deadline = time.monotonic() + 30
        while len(first) < partitions:
            if time.monotonic() > deadline:
                raise Failure(f"resumed group: first records {first} within 30 s")
            msg = resumer.poll(0.5)
            if msg is not None and not msg.error():
                first.setdefault(msg.partition(), msg.offset())
        resumer.close()
        assert first == commit, f"group resumed at {first}, committed {commit}"
        broker.stop()
    except BaseException:
        for c in clients:
            c.cleanup()
            print(f"--- {c.name} stderr:\n{c.stderr()}", file=sys.stderr)
        broker.dump_logs()
        broker.cleanup()
        raise


SCENARIOS = {
    "bad_input": scenario_bad_input,
    "killed_producer": scenario_killed_producer,
    "dead_consumer": scenario_dead_consumer,
    "broker_kill": scenario_broker_kill,
}


def main():
    kafkado = os.path.abspath(sys.argv[1])
    names = sys.argv[2:] or list(SCENARIOS)
    failed = []
    for name in names:
        started = time.monotonic()
        print(f"{name}:", flush=True)
        try:
            with tempfile.TemporaryDirectory(prefix=f"kafka-do-faults-{name}-") as workdir:
                SCENARIOS[name](kafkado, workdir)
        except Exception:
            traceback.print_exc()
            print(f"{name}: FAIL ({time.monotonic() - started:.1f} s)", flush=True)
            failed.append(name)
            continue
        print(f"{name}: PASS ({time.monotonic() - started:.1f} s)", flush=True)
    if failed:
        sys.exit("FAIL: " + " ".join(failed))
    print("PASS")


if __name__ == "__main__":
    main()
