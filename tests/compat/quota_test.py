#!/usr/bin/python3
"""Byte-rate quotas against librdkafka (confluent-kafka): a key with `--produce-quota 1000000`
(1 MB/s) producing as fast as it can for 20 s is held to 1 MB/s within 10 %, while another key
without a quota, producing at the same time at a paced 8 MB/s, is not slowed (it keeps its
pace); a key with a fetch quota reads at its rate. The broker answers with throttle_time_ms and mutes the
connection, as Kafka does; librdkafka backs off by it.

Usage: /usr/bin/python3 quota_test.py KAFKADO
"""
import os
import subprocess
import sys
import tempfile
import threading
import time

from confluent_kafka import Consumer, Producer

from compat_server import kafkado_server

KAFKADO = sys.argv[1]
QUOTA = 1_000_000
SECONDS = 20
WARMUP = 2  # the first seconds spend the bucket's one-second burst
VALUE = b"x" * 1000


def keys(*args):
    subprocess.run([KAFKADO, "keys", *args], check=True, stderr=subprocess.DEVNULL)


def config(broker, user):
    return {"bootstrap.servers": broker, "security.protocol": "SASL_PLAINTEXT",
            "sasl.mechanism": "SCRAM-SHA-256", "sasl.username": user, "sasl.password": "pw"}


FREE_PACE = 8 * QUOTA


def produce_flat_out(broker, user, topic, results, pace=None):
    """Produces VALUE records for SECONDS, as fast as it can or at `pace` bytes per second;
    results[user] = bytes per second delivered after the warm-up."""
    delivered = []  # (time, bytes) of each delivery
    throttled = []
    producer = Producer({**config(broker, user), "linger.ms": 5, "batch.size": 65536,
                         "queue.buffering.max.kbytes": 4096,
                         "stats_cb": lambda s: None,
                         "throttle_cb": lambda event: throttled.append(event.throttle_time)})
    start = time.monotonic()

    def report(err, msg):
        if err is None:
            delivered.append((time.monotonic(), len(msg.value())))

    sent = 0
    while time.monotonic() - start < SECONDS:
        if pace is not None and sent > pace * (time.monotonic() - start):
            producer.poll(0.001)
            continue
        try:
            producer.produce(topic, value=VALUE, on_delivery=report)
            sent += len(VALUE)
        except BufferError:
            producer.poll(0.01)
        producer.poll(0)
    producer.flush(30)
    window = [b for t, b in delivered if start + WARMUP <= t <= start + SECONDS]
    results[user] = sum(window) / (SECONDS - WARMUP)
    results[user + "-throttled"] = len(throttled)


def main():
    with tempfile.TemporaryDirectory(prefix="kafka-do-quota-") as work:
        key_file = os.path.join(work, "keys")
        keys("add", "limited", "--secret", "pw", "--superuser", "--produce-quota", str(QUOTA),
             "--api-keys", key_file)
        keys("add", "free", "--secret", "pw", "--superuser", "--api-keys", key_file)
        keys("add", "reader", "--secret", "pw", "--superuser", "--fetch-quota", str(2 * QUOTA),
             "--api-keys", key_file)
        listed = subprocess.run([KAFKADO, "keys", "list", "--api-keys", key_file],
                                capture_output=True, text=True, check=True).stdout
        assert "limited  superuser  produce 1000000 B/s" in listed, listed
        with kafkado_server(KAFKADO, extra_args=["--api-keys", key_file, "--http", "off"]) as broker:
            run(broker)
    print("PASS")


def run(broker):
    results = {}
    threads = [threading.Thread(target=produce_flat_out,
                                args=(broker, "limited", "t-limited", results)),
               threading.Thread(target=produce_flat_out,
                                args=(broker, "free", "t-free", results, FREE_PACE))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    limited, free = results["limited"], results["free"]
    print(f"produce over {SECONDS - WARMUP} s: limited key {limited / 1e6:.3f} MB/s (quota "
          f"{QUOTA / 1e6:.1f} MB/s, {results['limited-throttled']} throttle reports), key without "
          f"a quota {free / 1e6:.2f} MB/s at the same time (paced at {FREE_PACE / 1e6:.0f} MB/s)")
    assert abs(limited - QUOTA) <= 0.10 * QUOTA, f"limited key at {limited / 1e6:.3f} MB/s"
    assert results["limited-throttled"] > 0, "librdkafka saw no throttle_time_ms"
    assert free >= 0.9 * FREE_PACE, f"the key without a quota was slowed to {free / 1e6:.2f} MB/s"

    # Fetch quota: 2 MB/s for the reader over the limited key's ~18 MB topic. Measured from the
    # 2nd to the 6th second of reading, after the bucket's one-second burst is spent.
    # Small fetches, so that the window does not hinge on where one 1 MB response falls.
    consumer = Consumer({**config(broker, "reader"), "group.id": "quota-reader",
                         "auto.offset.reset": "earliest", "max.partition.fetch.bytes": 131072,
                         "fetch.max.bytes": 1048576, "message.max.bytes": 1048576})
    consumer.subscribe(["t-limited"])
    first = None
    steady = 0
    while first is None or time.monotonic() - first < 6:
        for msg in consumer.consume(1000, 0.2):
            assert not msg.error(), msg.error()
            now = time.monotonic()
            if first is None:
                first = now
            if 2 <= now - first < 6:
                steady += len(msg.value())
    consumer.close()
    rate = steady / 4
    print(f"fetch: key with a {2 * QUOTA / 1e6:.0f} MB/s fetch quota read {rate / 1e6:.2f} MB/s "
          f"from its 2nd to its 6th second")
    assert abs(rate - 2 * QUOTA) <= 0.2 * 2 * QUOTA, rate

if __name__ == "__main__":
    main()
