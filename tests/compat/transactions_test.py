#!/usr/bin/python3
"""Transactions (KIP-98) against confluent-kafka-python (librdkafka 2.0.2):

- commit and abort interleaved across 3 partitions: a read_committed consumer sees exactly the
  committed records, each once, in order; read_uncommitted sees the aborted ones too; the high
  watermark counts one marker per transaction and partition;
- fencing: a second producer with the same transactional.id aborts the first one's open
  transaction, and the first one's next commit fails as fenced; nothing it sent is visible;
- a producer SIGKILLed mid-transaction: nothing after its first record is readable committed
  until the transaction times out, then the coordinator aborts it and the last stable offset
  moves on;
- the broker SIGKILLed between EndTxn and the markers (KAFKA_DO_FAILPOINT), for a commit and an
  abort, and restarted: the commit is committed, the abort aborted, and the partition moves on.

Usage: /usr/bin/python3 transactions_test.py KAFKADO
"""
import os
import subprocess
import sys
import tempfile
import time

from confluent_kafka import (OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, Producer,
                             TopicPartition)
from confluent_kafka.admin import AdminClient, NewTopic

from compat_server import ServerProcess, kafkado_server

PARTITIONS = 3
TRANSACTIONS = 10
PER_PARTITION = 10


def check(condition, what):
    if not condition:
        sys.exit("FAIL: " + what)


def create_topic(broker, topic, partitions):
    admin = AdminClient({"bootstrap.servers": broker})
    for f in admin.create_topics([NewTopic(topic, partitions, 1)]).values():
        f.result(30)


def producer(broker, transactional_id, **extra):
    config = {"bootstrap.servers": broker, "transactional.id": transactional_id,
              "linger.ms": 5}
    config.update(extra)
    p = Producer(config)
    p.init_transactions(30)
    return p


def read_all(broker, topic, partitions, isolation, deadline_s=30, until=None):
    """(partition, offset, value) of every record from the beginning to the end each partition
    reports (the last stable offset for read_committed), or until `until(records)` holds."""
    consumer = Consumer({"bootstrap.servers": broker, "group.id": "reader-" + isolation,
                         "enable.auto.commit": False, "enable.partition.eof": True,
                         "isolation.level": isolation})
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(partitions)])
    records, at_end = [], set()
    deadline = time.monotonic() + deadline_s
    try:
        while time.monotonic() < deadline:
            m = consumer.poll(0.5)
            if m is None:
                continue
            if m.error():
                if m.error().code() == KafkaError._PARTITION_EOF:
                    at_end.add(m.partition())
                    if until is None and len(at_end) == partitions:
                        return records
                    continue
                sys.exit(f"FAIL: consumer error {m.error()}")
            at_end.discard(m.partition())
            records.append((m.partition(), m.offset(), m.value().decode()))
            if until is not None and until(records):
                return records
        sys.exit(f"FAIL: {isolation} read of {topic} did not finish in {deadline_s} s "
                 f"({len(records)} records)")
    finally:
        consumer.close()


def commit_and_abort(broker):
    topic = "orders"
    create_topic(broker, topic, PARTITIONS)
    p = producer(broker, "orders-writer")
    expected_committed, everything = {q: [] for q in range(PARTITIONS)}, 0
    for t in range(TRANSACTIONS):
        p.begin_transaction()
        for q in range(PARTITIONS):
            for j in range(PER_PARTITION):
                value = f"t{t}-p{q}-{j}"
                p.produce(topic, value.encode(), partition=q)
                everything += 1
                if t % 2 == 0:
                    expected_committed[q].append(value)
        # librdkafka purges what it has not sent when aborting: flush so that aborted records
        # really are in the log.
        p.flush(10)
        if t % 2 == 0:
            p.commit_transaction(30)
        else:
            p.abort_transaction(30)
    committed = read_all(broker, topic, PARTITIONS, "read_committed")
    for q in range(PARTITIONS):
        got = [v for (part, _, v) in committed if part == q]
        check(got == expected_committed[q],
              f"read_committed partition {q}: {len(got)} records, expected "
              f"{len(expected_committed[q])} (first difference near "
              f"{next((i for i, (a, b) in enumerate(zip(got, expected_committed[q])) if a != b), None)})")
    uncommitted = read_all(broker, topic, PARTITIONS, "read_uncommitted")
    check(len(uncommitted) == everything,
          f"read_uncommitted saw {len(uncommitted)} records, expected {everything}")
    offsets = [o for (_, o, _) in uncommitted]
    check(len(set((q, o) for (q, o, _) in uncommitted)) == everything, "an offset was read twice")
    c = Consumer({"bootstrap.servers": broker, "group.id": "watermarks"})
    for q in range(PARTITIONS):
        low, high = c.get_watermark_offsets(TopicPartition(topic, q), timeout=10)
        # Every transaction wrote a marker into every partition, and a marker takes an offset.
        check(high == TRANSACTIONS * PER_PARTITION + TRANSACTIONS,
              f"partition {q} high watermark {high}, expected "
              f"{TRANSACTIONS * PER_PARTITION + TRANSACTIONS}")
        committed_offsets = [o for (part, o, _) in committed if part == q]
        check(committed_offsets == sorted(committed_offsets), "committed records out of order")
    c.close()
    del offsets
    print("commit/abort across 3 partitions: ok")


def fencing(broker):
    topic = "fenced"
    create_topic(broker, topic, 1)
    old = producer(broker, "fence-me")
    old.begin_transaction()
    old.produce(topic, b"old-before-fence", partition=0)
    old.flush(10)
    new = producer(broker, "fence-me")  # fences `old` and aborts its open transaction
    new.begin_transaction()
    new.produce(topic, b"new", partition=0)
    new.commit_transaction(30)
    try:
        old.produce(topic, b"old-after-fence", partition=0)
        old.commit_transaction(10)
        sys.exit("FAIL: the fenced producer committed")
    except KafkaException as e:
        err = e.args[0]
        check(err.fatal() or err.code() in (KafkaError._FENCED, KafkaError.PRODUCER_FENCED,
                                            KafkaError.INVALID_PRODUCER_EPOCH),
              f"fenced producer got {err}, expected a fencing error")
    values = [v for (_, _, v) in read_all(broker, topic, 1, "read_committed")]
    check(values == ["new"], f"read_committed after fencing saw {values}")
    print("fencing: ok")


HANGING_PRODUCER = r'''
import sys, time
from confluent_kafka import Producer
p = Producer({"bootstrap.servers": sys.argv[1], "transactional.id": "vanishes",
              "transaction.timeout.ms": 3000})
p.init_transactions(30)
p.begin_transaction()
for i in range(5):
    p.produce("hanging", ("open-%d" % i).encode(), partition=0)
p.flush(10)
print("ready", flush=True)
time.sleep(600)
'''


def producer_killed_mid_transaction(broker):
    topic = "hanging"
    create_topic(broker, topic, 1)
    plain = Producer({"bootstrap.servers": broker})
    plain.produce(topic, b"before", partition=0)
    plain.flush(10)
    child = subprocess.Popen([sys.executable, "-c", HANGING_PRODUCER, broker],
                             stdout=subprocess.PIPE, text=True)
    try:
        check(child.stdout.readline().strip() == "ready", "hanging producer did not start")
    finally:
        child.kill()
        child.wait()
    plain.produce(topic, b"after", partition=0)
    plain.flush(10)
    started = time.monotonic()
    # Held back by the open transaction, then released by its abort (timeout 3 s).
    values = [v for (_, _, v) in read_all(
        broker, topic, 1, "read_committed", deadline_s=30,
        until=lambda rs: any(v == "after" for (_, _, v) in rs))]
    waited = time.monotonic() - started
    check(values == ["before", "after"], f"read_committed after the abort saw {values}")
    check(waited > 1.0, f"'after' was readable {waited:.1f} s after a transaction opened before "
          "it: the last stable offset did not hold it back")
    everything = [v for (_, _, v) in read_all(broker, topic, 1, "read_uncommitted")]
    check(everything == ["before"] + [f"open-{i}" for i in range(5)] + ["after"],
          f"read_uncommitted saw {everything}")
    print(f"producer killed mid-transaction: aborted after {waited:.1f} s: ok")


def broker_killed_between_end_txn_and_markers(kafkado):
    with tempfile.TemporaryDirectory(prefix="kafka-do-txn-crash-") as workdir:
        server = ServerProcess(kafkado, os.path.join(workdir, "data"),
                               os.path.join(workdir, "server.log"))
        try:
            for outcome in ("commit", "abort"):
                broker = server.start(env={"KAFKA_DO_FAILPOINT": "txn-after-prepare"})
                topic = "crash-" + outcome
                create_topic(broker, topic, 2)
                p = producer(broker, "crash-" + outcome, **{"message.timeout.ms": 10000})
                p.begin_transaction()
                for i in range(10):
                    p.produce(topic, f"{outcome}-{i}".encode(), partition=i % 2)
                p.flush(10)
                try:
                    if outcome == "commit":
                        p.commit_transaction(5)
                    else:
                        p.abort_transaction(5)
                except KafkaException:
                    pass  # the broker died under it
                status = server.wait_exit(timeout=30)
                check(status == -9, f"broker exited with {status}, expected the failpoint's SIGKILL")
                del p
                broker = server.start()
                plain = Producer({"bootstrap.servers": broker})
                for q in range(2):
                    plain.produce(topic, b"tail", partition=q)
                plain.flush(10)
                values = sorted(v for (_, _, v) in read_all(
                    broker, topic, 2, "read_committed",
                    until=lambda rs: sum(v == "tail" for (_, _, v) in rs) == 2))
                want = sorted(([f"commit-{i}" for i in range(10)] if outcome == "commit" else [])
                              + ["tail", "tail"])
                check(values == want, f"after the restart ({outcome}) read_committed saw {values}")
                server.stop()
                print(f"broker killed after PrepareX ({outcome}): completed at restart: ok")
        except BaseException:
            server.kill()
            print("--- server log:\n" + server.log(), file=sys.stderr)
            raise


def main():
    kafkado = sys.argv[1]
    with kafkado_server(kafkado, extra_args=["--transaction-abort-interval-ms", "200"]) as broker:
        commit_and_abort(broker)
        fencing(broker)
        producer_killed_mid_transaction(broker)
    broker_killed_between_end_txn_and_markers(kafkado)
    print("PASS")


if __name__ == "__main__":
    main()
