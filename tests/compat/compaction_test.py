#!/usr/bin/python3
"""Log compaction against confluent-kafka-python (librdkafka 2.0.2) and kcat: a topic created
with cleanup.policy=compact through the AdminClient (DescribeConfigs reports it) gets 200,000
records over 2,000 keys and tombstones for 200 of them; a consumer reads from the beginning the
whole time the cleaner swaps segments (no error, offsets strictly increase); once the cleaner has
run, a consumer from the beginning reads exactly one record per live key, the latest, and no
deleted key once delete.retention.ms has passed; kcat and kafka-python read the same; the high watermark and the
offsets of the survivors are the original ones; a record without a key is refused with
CORRUPT_MESSAGE; the broker logs a line per cleaned partition.

Usage: /usr/bin/python3 compaction_test.py KAFKADO [KCAT]
"""
import shutil
import subprocess
import sys
import threading
import time

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic

from compat_server import kafkado_server

KEYS = 2000
RECORDS = 200_000
DELETED = 200
TOPIC = "table"


def main():
    kcat = sys.argv[2] if len(sys.argv) > 2 else shutil.which("kcat")
    with kafkado_server(sys.argv[1], extra_args=["--cleaner-backoff-ms", "100"]) as broker:
        run(broker, kcat)
    print("PASS")


def check(condition, what):
    if not condition:
        sys.exit("FAIL: " + what)


def create_topic(broker):
    admin = AdminClient({"bootstrap.servers": broker})
    config = {"cleanup.policy": "compact", "segment.bytes": str(256 * 1024),
              "segment.ms": "1000", "min.cleanable.dirty.ratio": "0.01",
              "delete.retention.ms": "2000"}
    for f in admin.create_topics([NewTopic(TOPIC, 1, 1, config=config)]).values():
        f.result(30)
    resource = ConfigResource(ConfigResource.Type.TOPIC, TOPIC)
    described = admin.describe_configs([resource])[resource].result(30)
    check(described["cleanup.policy"].value == "compact",
          f"DescribeConfigs cleanup.policy = {described['cleanup.policy'].value}")
    check(described["delete.retention.ms"].value == "2000", "delete.retention.ms not stored")


def read_from_beginning(broker, end_offset, deadline_s=60):
    """Every record from the beginning up to end_offset, as a fresh consumer sees them."""
    consumer = Consumer({"bootstrap.servers": broker, "group.id": "reader",
                         "enable.auto.commit": False, "enable.partition.eof": True})
    consumer.assign([TopicPartition(TOPIC, 0, OFFSET_BEGINNING)])
    out = []
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        m = consumer.poll(1.0)
        if m is None:
            continue
        if m.error():
            if m.error().code() == KafkaError._PARTITION_EOF:
                if m.offset() >= end_offset:
                    break
                continue
            sys.exit(f"FAIL: consumer error {m.error()}")
        out.append((m.offset(), m.key(), m.value()))
    consumer.close()
    return out


class TailingReader(threading.Thread):
    """Reads from the beginning while the records are produced and the cleaner runs."""

    def __init__(self, broker):
        super().__init__(daemon=True)
        self.broker = broker
        self.stop = threading.Event()
        self.offsets = []
        self.errors = []

    def run(self):
        consumer = Consumer({"bootstrap.servers": self.broker, "group.id": "tail",
                             "enable.auto.commit": False})
        consumer.assign([TopicPartition(TOPIC, 0, OFFSET_BEGINNING)])
        while not self.stop.is_set():
            m = consumer.poll(0.2)
            if m is None:
                continue
            if m.error():
                self.errors.append(str(m.error()))
                continue
            self.offsets.append(m.offset())
        consumer.close()


def run(broker, kcat):
    create_topic(broker)
    tail = TailingReader(broker)
    tail.start()

    errors = []
    producer = Producer({"bootstrap.servers": broker, "linger.ms": 20, "batch.size": 65536,
                         "queue.buffering.max.messages": 1_000_000})
    expected = {}
    offset_of = {}

    def delivered(err, msg):
        if err is not None:
            errors.append(err)
        else:
            offset_of[msg.key()] = msg.offset()

    for i in range(RECORDS):
        key = f"key-{i % KEYS}".encode()
        value = f"{key.decode()}:round-{i // KEYS}".encode()
        expected[key] = value
        while True:
            try:
                producer.produce(TOPIC, key=key, value=value, on_delivery=delivered)
                break
            except BufferError:
                producer.poll(0.1)
        if i % 10000 == 0:
            producer.poll(0)
    for k in range(DELETED):
        key = f"key-{k * 7}".encode()
        producer.produce(TOPIC, key=key, value=None, on_delivery=delivered)
        expected.pop(key, None)
    check(producer.flush(60) == 0, "records left unflushed")
    check(not errors, f"delivery errors: {errors[:3]}")

    # A record after segment.ms rolls the segment, so everything before it becomes cleanable.
    time.sleep(1.1)
    producer.produce(TOPIC, key=b"sentinel", value=b"last", on_delivery=delivered)
    check(producer.flush(30) == 0, "sentinel unflushed")
    expected[b"sentinel"] = b"last"
    end = RECORDS + DELETED + 1

    # The cleaner runs every 100 ms; tombstones go one delete.retention.ms after their first
    # cleaning. Wait (bounded) until a reader from the beginning sees exactly the table.
    deadline = time.monotonic() + 90
    while True:
        records = read_from_beginning(broker, end)
        keys = [k for _, k, _ in records]
        if len(keys) == len(set(keys)) and {k: v for _, k, v in records} == expected:
            break
        check(time.monotonic() < deadline,
              f"after 90 s a reader still sees {len(records)} records "
              f"({len(keys) - len(set(keys))} duplicate keys, "
              f"{sum(1 for _, _, v in records if v is None)} tombstones)")
        time.sleep(0.5)
    offsets = [o for o, _, _ in records]
    check(offsets == sorted(set(offsets)), "offsets do not strictly increase")
    for o, k, _ in records:
        check(offset_of[k] == o, f"{k} served at offset {o}, written at {offset_of[k]}")

    consumer = Consumer({"bootstrap.servers": broker, "group.id": "wm"})
    low, high = consumer.get_watermark_offsets(TopicPartition(TOPIC, 0), timeout=10)
    consumer.close()
    check(low == 0 and high == end, f"watermarks {low}..{high}, expected 0..{end}")

    tail.stop.set()
    tail.join(30)
    check(not tail.errors, f"tailing reader errors: {tail.errors[:3]}")
    check(tail.offsets == sorted(set(tail.offsets)), "tailing reader saw a duplicate offset")
    check(len(tail.offsets) > 0, "tailing reader read nothing")

    if kcat:
        out = subprocess.run([kcat, "-b", broker, "-C", "-t", TOPIC, "-e", "-o", "beginning",
                              "-q", "-f", "%o %k\n"], capture_output=True, text=True, timeout=60)
        check(out.returncode == 0, f"kcat failed: {out.stderr}")
        served = dict(line.split(" ", 1)[::-1] for line in out.stdout.splitlines())
        check(len(out.stdout.splitlines()) == len(expected),
              f"kcat read {len(out.stdout.splitlines())} records, expected {len(expected)}")
        check(all(int(served[k.decode()]) == offset_of[k] for k in expected),
              "kcat saw other offsets than the producer was given")

    kafka_python_reads(broker, expected, end)
    keyless(broker)
    with open(broker.log_path) as f:
        log = f.read()
    check("cleaner: table-0" in log, "no cleaner line in the broker log")
    print(f"compaction: {RECORDS + DELETED} records over {KEYS} keys -> {len(records)}; "
          f"tailing reader read {len(tail.offsets)} records without a duplicate")


def kafka_python_reads(broker, expected, end):
    """kafka-python (a pure-Python client) reads the compacted log the same way."""
    from kafka import KafkaConsumer
    from kafka import TopicPartition as KpTopicPartition
    consumer = KafkaConsumer(bootstrap_servers=broker, enable_auto_commit=False,
                             consumer_timeout_ms=10000)
    tp = KpTopicPartition(TOPIC, 0)
    consumer.assign([tp])
    consumer.seek_to_beginning(tp)
    seen = {}
    offsets = []
    deadline = time.monotonic() + 60
    while consumer.position(tp) < end and time.monotonic() < deadline:
        for records in consumer.poll(timeout_ms=1000).values():
            for r in records:
                seen[r.key] = r.value
                offsets.append(r.offset)
    consumer.close()
    check(len(offsets) == len(expected),
          f"kafka-python read {len(offsets)} records, expected {len(expected)}")
    check(seen == expected, "kafka-python saw another table")
    check(offsets == sorted(set(offsets)), "kafka-python: offsets do not strictly increase")


def keyless(broker):
    results = []
    producer = Producer({"bootstrap.servers": broker, "message.timeout.ms": 20000})
    producer.produce(TOPIC, value=b"no key", on_delivery=lambda err, msg: results.append(err))
    producer.flush(30)
    check(len(results) == 1 and results[0] is not None, "a keyless record was accepted")
    # librdkafka names Kafka's CORRUPT_MESSAGE (2) INVALID_MSG.
    check(results[0].code() == KafkaError.INVALID_MSG,
          f"keyless record: {results[0]} (expected CORRUPT_MESSAGE)")
    print(f"keyless record refused: {results[0]}")


if __name__ == "__main__":
    main()
