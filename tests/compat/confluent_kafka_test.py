#!/usr/bin/python3
"""The broker against confluent-kafka-python (librdkafka 2.0.2): produce keyed records with
headers to an auto-created 3-partition topic, read them all back through a consumer group
(subscribe), commit; create and delete topics with the AdminClient; stop the server with
SIGTERM.

Usage: /usr/bin/python3 confluent_kafka_test.py KAFKADO
(Debian's python3-confluent-kafka is visible to /usr/bin/python3 only.)
"""
import sys
import time

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer
from confluent_kafka.admin import AdminClient, NewTopic

from compat_server import kafkado_server

RECORDS = 300


def main():
    with kafkado_server(sys.argv[1], default_partitions=3) as broker:
        run(broker)
        admin(broker)
    print("PASS")


def run(broker):
    errors = []
    producer = Producer({"bootstrap.servers": broker, "linger.ms": 5})
    expected = set()
    for i in range(RECORDS):
        key, value = f"key-{i}", f"value-{i}"
        expected.add((key, value, (("n", str(i).encode()),)))
        producer.produce("py-topic", key=key, value=value, headers=[("n", str(i).encode())],
                         on_delivery=lambda err, msg: err and errors.append(err))
    remaining = producer.flush(30)
    assert remaining == 0, f"{remaining} records not delivered"
    assert not errors, f"delivery errors: {errors}"

    metadata = producer.list_topics("py-topic", timeout=10)
    assert len(metadata.topics["py-topic"].partitions) == 3, metadata.topics

    consumer = Consumer({"bootstrap.servers": broker, "group.id": "py-group",
                         "auto.offset.reset": "earliest", "enable.auto.commit": False})
    consumer.subscribe(["py-topic"])
    seen = set()
    deadline = time.monotonic() + 60
    while len(seen) < RECORDS and time.monotonic() < deadline:
        msg = consumer.poll(1.0)
        if msg is None:
            continue
        if msg.error():
            assert msg.error().code() == KafkaError._PARTITION_EOF, msg.error()
            continue
        seen.add((msg.key().decode(), msg.value().decode(), tuple(msg.headers() or ())))
    assert seen == expected, f"got {len(seen)} of {RECORDS}; missing {sorted(expected - seen)[:5]}"
    consumer.commit(asynchronous=False)
    committed = consumer.committed(consumer.assignment(), timeout=10)
    assert sum(tp.offset for tp in committed) == RECORDS, committed
    consumer.close()


def admin(broker):
    client = AdminClient({"bootstrap.servers": broker})
    # Replication factor 3 is accepted on a single node (see docs/broker.md).
    futures = client.create_topics([NewTopic("admin-topic", num_partitions=2, replication_factor=3)])
    futures["admin-topic"].result(timeout=30)
    topics = client.list_topics(timeout=10).topics
    assert len(topics["admin-topic"].partitions) == 2, topics

    futures = client.create_topics([NewTopic("admin-topic", num_partitions=1, replication_factor=1)])
    try:
        futures["admin-topic"].result(timeout=30)
        raise AssertionError("creating an existing topic succeeded")
    except KafkaException as e:
        assert e.args[0].code() == KafkaError.TOPIC_ALREADY_EXISTS, e

    # Topic configs reach the engine: a batch over max.message.bytes is refused.
    config = {"max.message.bytes": "300"}
    client.create_topics([NewTopic("small-topic", 1, 1, config=config)])["small-topic"].result(30)
    results = []
    producer = Producer({"bootstrap.servers": broker})
    for value in (b"x" * 2000, b"fits"):
        producer.produce("small-topic", value=value, on_delivery=lambda e, m: results.append(e))
        assert producer.flush(30) == 0
    assert results[0] is not None and results[0].code() == KafkaError.MSG_SIZE_TOO_LARGE, results
    assert results[1] is None, results

    client.delete_topics(["admin-topic"])["admin-topic"].result(timeout=30)
    assert "admin-topic" not in client.list_topics(timeout=10).topics


if __name__ == "__main__":
    main()
