#!/usr/bin/python3
"""The broker against confluent-kafka-python (librdkafka 2.0.2): produce keyed records with
headers to an auto-created 3-partition topic, read them all back through a consumer group
(subscribe), commit; create and delete topics with the AdminClient; an idempotent producer
(InitProducerId) with exact delivery offsets, read back without duplicates; AdminClient
create_partitions, describe_configs, alter_configs; 900 KB batches on 3 partitions read within
fetch.max.bytes (KIP-74); SASL_PLAINTEXT/PLAIN against a server
started with --api-keys (right credentials work, a wrong password and no SASL at all fail);
stop the server with SIGTERM. (The group of 3 consumers on a topic being produced to is
confluent_kafka_group_test.py.)

Usage: /usr/bin/python3 confluent_kafka_test.py KAFKADO
(Debian's python3-confluent-kafka is visible to /usr/bin/python3 only.)
"""
import sys
import time

from confluent_kafka import (OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, Producer,
                             TopicPartition)
from confluent_kafka.admin import (AdminClient, ConfigResource, ConfigSource, NewPartitions,
                                   NewTopic)

from compat_server import kafkado_server

RECORDS = 300
IDEMPOTENT_RECORDS = 200


def main():
    with kafkado_server(sys.argv[1], default_partitions=3) as broker:
        run(broker)
        admin(broker)
        idempotent(broker)
        admin_configs(broker)
        large_batches_across_partitions(broker)
    sasl(sys.argv[1])
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


def large_batches_across_partitions(broker):
    """~900 KB batches on 3 partitions, read by a consumer whose fetch.max.bytes (1 MB) holds
    one of them and whose per-partition limit is far larger: every response must stay within
    receive.message.max.bytes (only the first partition's first batch may exceed fetch.max.bytes,
    KIP-74), or librdkafka refuses it ("Invalid response size") and never makes progress."""
    topic = "py-large"
    admin = AdminClient({"bootstrap.servers": broker})
    for f in admin.create_topics([NewTopic(topic, 3, 1)]).values():
        f.result(30)
    producer = Producer({"bootstrap.servers": broker, "message.max.bytes": 2_000_000,
                         "linger.ms": 0})
    value = b"x" * 900_000
    for i in range(9):
        producer.produce(topic, value=value, key=str(i).encode(), partition=i % 3)
        producer.flush(30)
    consumer = Consumer({"bootstrap.servers": broker, "group.id": "py-large-reader",
                         "enable.auto.commit": False, "fetch.max.bytes": 1_000_000,
                         "receive.message.max.bytes": 1_000_512,
                         "max.partition.fetch.bytes": 20_000_000})
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(3)])
    seen = set()
    deadline = time.monotonic() + 30
    while len(seen) < 9 and time.monotonic() < deadline:
        msg = consumer.poll(0.5)
        if msg is None:
            continue
        if msg.error():
            sys.exit(f"FAIL: large batches: {msg.error()}")
        assert len(msg.value()) == len(value)
        seen.add(msg.key())
    consumer.close()
    if len(seen) != 9:
        sys.exit(f"FAIL: large batches: read {len(seen)} of 9 records of 900 KB")
    print("large batches across partitions: 9 of 9 read within fetch.max.bytes")


def read_partitions(broker, topic, partitions, count):
    """Reads `count` records from the start of `partitions` (assign, no group) within a
    bounded wait; returns {partition: [(offset, key, value, headers)]} in arrival order."""
    consumer = Consumer({"bootstrap.servers": broker, "group.id": "py-reader",
                         "enable.auto.commit": False})
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
    got = {p: [] for p in partitions}
    deadline = time.monotonic() + 30
    while sum(map(len, got.values())) < count and time.monotonic() < deadline:
        msg = consumer.poll(0.5)
        if msg is None:
            continue
        assert not msg.error(), msg.error()
        got[msg.partition()].append((msg.offset(), msg.key(), msg.value(),
                                     tuple(msg.headers() or ())))
    consumer.close()
    return got


def idempotent(broker):
    """enable.idempotence=true needs InitProducerId; every record is acknowledged once, at the
    next offset of its partition, in produce order, and reads back without duplicates."""
    client = AdminClient({"bootstrap.servers": broker})
    client.create_topics([NewTopic("py-idempotent", 2, 1)])["py-idempotent"].result(30)
    errors = []
    producer = Producer({"bootstrap.servers": broker, "enable.idempotence": True,
                         "linger.ms": 5, "message.timeout.ms": 20000,
                         "error_cb": errors.append})
    reports = []
    expected = {0: [], 1: []}
    for i in range(IDEMPOTENT_RECORDS):
        partition, key, value = i % 2, b"id-%d" % i, b"idempotent-%d" % i
        headers = (("i", b"%d" % i),)
        expected[partition].append((len(expected[partition]), key, value, headers))
        producer.produce("py-idempotent", key=key, value=value, partition=partition,
                         headers=list(headers),
                         on_delivery=lambda err, msg: reports.append(
                             (err, msg.partition(), msg.offset(), msg.key())))
        if i % 50 == 49:  # several rounds of batches: the sequence numbers continue
            remaining = producer.flush(30)
            assert remaining == 0, f"{remaining} records not delivered; errors {errors}"
    assert not errors, f"producer errors: {errors}"
    assert [r for r in reports if r[0] is not None] == [], f"delivery errors: {reports[:5]}"
    acknowledged = {p: [(offset, key) for _, partition, offset, key in reports if partition == p]
                    for p in (0, 1)}
    assert acknowledged == {p: [(o, k) for o, k, _, _ in expected[p]] for p in (0, 1)}, \
        f"acknowledged offsets {acknowledged}"

    got = read_partitions(broker, "py-idempotent", [0, 1], IDEMPOTENT_RECORDS)
    assert got == expected, f"read back {[len(v) for v in got.values()]} records: " \
        f"{[v[:3] for v in got.values()]}"


def describe_topic_config(client, topic):
    resource = ConfigResource("topic", topic)
    return client.describe_configs([resource])[resource].result(timeout=30)


def admin_configs(broker):
    client = AdminClient({"bootstrap.servers": broker})
    client.create_topics([NewTopic("py-configs", 2, 1, config={"retention.ms": "86400000"})])[
        "py-configs"].result(timeout=30)

    # describe_configs (DescribeConfigs v1): the override and a default.
    entries = describe_topic_config(client, "py-configs")
    retention = entries["retention.ms"]
    source = ConfigSource(retention.source)  # an int from the C layer
    assert (retention.value, retention.is_default, source) == \
        ("86400000", False, ConfigSource.DYNAMIC_TOPIC_CONFIG), (retention, source)
    cleanup = entries["cleanup.policy"]
    assert (cleanup.value, cleanup.is_default) == ("delete", True), cleanup
    assert entries["max.message.bytes"].value == "1048588", entries["max.message.bytes"]

    # alter_configs (AlterConfigs v0) replaces the topic's overrides.
    resource = ConfigResource("topic", "py-configs", set_config={"retention.ms": "3600000"})
    assert client.alter_configs([resource])[resource].result(timeout=30) is None
    retention = describe_topic_config(client, "py-configs")["retention.ms"]
    assert (retention.value, retention.is_default) == ("3600000", False), retention
    resource = ConfigResource("topic", "py-configs", set_config={"retention.ms": "soon"})
    try:
        client.alter_configs([resource])[resource].result(timeout=30)
        raise AssertionError("alter_configs with retention.ms=soon succeeded")
    except KafkaException as e:
        assert e.args[0].code() == KafkaError.INVALID_CONFIG, e
    retention = describe_topic_config(client, "py-configs")["retention.ms"]
    assert retention.value == "3600000", retention

    # create_partitions (CreatePartitions v0): grow 2 -> 5, the new partitions take records;
    # shrinking is refused.
    futures = client.create_partitions([NewPartitions("py-configs", 5)])
    assert futures["py-configs"].result(timeout=30) is None
    assert len(client.list_topics("py-configs", timeout=10).topics["py-configs"].partitions) == 5
    try:
        client.create_partitions([NewPartitions("py-configs", 3)])["py-configs"].result(30)
        raise AssertionError("create_partitions to fewer partitions succeeded")
    except KafkaException as e:
        assert e.args[0].code() == KafkaError.INVALID_PARTITIONS, e
    reports = []
    producer = Producer({"bootstrap.servers": broker, "topic.metadata.refresh.interval.ms": 500})
    producer.produce("py-configs", key=b"new", value=b"partition 4", partition=4,
                     on_delivery=lambda err, msg: reports.append((err, msg.partition(),
                                                                  msg.offset())))
    assert producer.flush(30) == 0
    assert reports == [(None, 4, 0)], reports
    got = read_partitions(broker, "py-configs", [4], 1)
    assert got == {4: [(0, b"new", b"partition 4", ())]}, got

    client.delete_topics(["py-configs"])["py-configs"].result(timeout=30)
    assert "py-configs" not in client.list_topics(timeout=10).topics
    resource = ConfigResource("topic", "py-configs")
    try:
        client.describe_configs([resource])[resource].result(timeout=30)
        raise AssertionError("describe_configs of a deleted topic succeeded")
    except KafkaException as e:
        assert e.args[0].code() == KafkaError.UNKNOWN_TOPIC_OR_PART, e


# A comment, a blank line, and a secret with ':' in it (split at the first ':').
SASL_KEYS = """# kafka-do API keys: username:password

alice:alice-secret
bob:b0b:s3cret
"""


def sasl(kafkado):
    """--api-keys makes the server require SASL/PLAIN: right credentials produce and consume,
    a wrong password gets an authentication error, a client without SASL gets nowhere; the
    records of the failed clients were not written."""
    with kafkado_server(kafkado, api_keys=SASL_KEYS) as broker:
        def config(username=None, password=None):
            if username is None:
                return {"bootstrap.servers": broker}
            return {"bootstrap.servers": broker, "security.protocol": "SASL_PLAINTEXT",
                    "sasl.mechanism": "PLAIN", "sasl.username": username,
                    "sasl.password": password}

        # Failing clients first: each record must time out undelivered.
        failing = {}
        for name, conf in (("wrong password", config("alice", "not-the-secret")),
                           ("no SASL", config())):
            errors, reports = [], []
            producer = Producer({**conf, "message.timeout.ms": 5000, "error_cb": errors.append})
            producer.produce("sasl-topic", value=name.encode(),
                             on_delivery=lambda err, msg, reports=reports: reports.append(err))
            failing[name] = (producer, errors, reports)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not all(r for _, _, r in failing.values()):
            for producer, _, _ in failing.values():
                producer.poll(0.1)
        for name, (producer, errors, reports) in failing.items():
            assert len(reports) == 1 and reports[0] is not None, f"{name}: delivery {reports}"
            assert reports[0].code() == KafkaError._MSG_TIMED_OUT, f"{name}: {reports[0]}"
        auth_errors = [e for e in failing["wrong password"][1]
                       if e.code() == KafkaError._AUTHENTICATION]
        assert auth_errors, f"wrong password: no authentication error in {failing['wrong password']}"
        no_sasl_auth = [e for e in failing["no SASL"][1] if e.code() == KafkaError._AUTHENTICATION]
        assert not no_sasl_auth, no_sasl_auth
        failing.clear()  # destroys the producers: no more reconnect attempts

        # Right credentials (two users of the file): produce, then consume in a group.
        reports = []
        producer = Producer({**config("bob", "b0b:s3cret"), "message.timeout.ms": 20000})
        for i in range(10):
            producer.produce("sasl-topic", key=b"s%d" % i, value=b"secret-%d" % i,
                             headers=[("user", b"bob")],
                             on_delivery=lambda err, msg: reports.append((err, msg.offset())))
        assert producer.flush(30) == 0
        assert reports == [(None, i) for i in range(10)], reports
        consumer = Consumer({**config("alice", "alice-secret"), "group.id": "sasl-group",
                             "auto.offset.reset": "earliest", "enable.auto.commit": False})
        consumer.subscribe(["sasl-topic"])
        got = []
        deadline = time.monotonic() + 30
        while len(got) < 10 and time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            assert not msg.error(), msg.error()
            got.append((msg.offset(), msg.key(), msg.value(), msg.headers()))
        consumer.commit(asynchronous=False)
        committed = consumer.committed([TopicPartition("sasl-topic", 0)], timeout=10)
        consumer.close()
        assert got == [(i, b"s%d" % i, b"secret-%d" % i, [("user", b"bob")]) for i in range(10)], \
            got
        assert [(tp.partition, tp.offset) for tp in committed] == [(0, 10)], committed


if __name__ == "__main__":
    main()
