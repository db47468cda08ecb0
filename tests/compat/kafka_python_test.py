#!/usr/bin/python3
"""The broker against kafka-python 2.0.2 (pure Python; it pipelines ApiVersions v0 and
Metadata v0 on its first connection and picks versions by inferred broker release): produce
keyed records with headers, read them back through a consumer group, commit, and resume;
look offsets up by timestamp.

Usage: /usr/bin/python3 kafka_python_test.py KAFKADO
"""
import sys

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from compat_server import kafkado_server

RECORDS = 50


def consume(broker):
    consumer = KafkaConsumer("kp-topic", bootstrap_servers=broker, group_id="kp-group",
                             auto_offset_reset="earliest", enable_auto_commit=False,
                             consumer_timeout_ms=5000)
    got = [(m.key, m.value, m.headers) for m in consumer]
    consumer.commit()
    consumer.close()
    return got


def main():
    with kafkado_server(sys.argv[1]) as broker:
        producer = KafkaProducer(bootstrap_servers=broker)
        for i in range(RECORDS):
            producer.send("kp-topic", key=b"k%d" % i, value=b"v%d" % i, headers=[("h", b"%d" % i)])
        producer.flush(timeout=30)
        expected = [(b"k%d" % i, b"v%d" % i, [("h", b"%d" % i)]) for i in range(RECORDS)]
        got = consume(broker)
        assert got == expected, f"got {len(got)} records, first {got[:3]}"

        producer.send("kp-topic", key=b"late", value=b"after commit")
        producer.flush(timeout=30)
        producer.close()
        got = consume(broker)
        assert got == [(b"late", b"after commit", [])], f"resume read {got}"

        # ListOffsets v1 by timestamp: the first record at or after T, with its own timestamp.
        producer = KafkaProducer(bootstrap_servers=broker)
        for ts in (1000, 2000, 3000):
            producer.send("kp-times", value=b"t%d" % ts, timestamp_ms=ts)
            producer.flush(timeout=30)
        producer.close()
        consumer = KafkaConsumer(bootstrap_servers=broker)
        tp = TopicPartition("kp-times", 0)
        found = consumer.offsets_for_times({tp: 1500})[tp]
        assert (found.offset, found.timestamp) == (1, 2000), found
        assert consumer.offsets_for_times({tp: 5000})[tp] is None
        assert consumer.beginning_offsets([tp])[tp] == 0
        assert consumer.end_offsets([tp])[tp] == 3
        consumer.close()
    print("PASS")


if __name__ == "__main__":
    main()
