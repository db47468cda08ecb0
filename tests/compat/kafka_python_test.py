#!/usr/bin/python3
"""The broker against kafka-python 2.0.2 (pure Python; it pipelines ApiVersions v0 and
Metadata v0 on its first connection and picks versions by inferred broker release): produce
keyed records with headers, read them back through a consumer group, commit, and resume;
look offsets up by timestamp. KafkaAdminClient: create_topics (with a config; duplicate
refused), describe_configs, alter_configs, create_partitions (grow; shrink refused),
list_consumer_groups, describe_consumer_groups (a live member with its subscription and
assignment, then Empty), list_consumer_group_offsets, delete_consumer_groups, delete_topics.
SASL/PLAIN against --api-keys (kafka-python sends SaslHandshake v0 and a bare token).

Usage: /usr/bin/python3 kafka_python_test.py KAFKADO
"""
import sys
import time

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType, NewPartitions, NewTopic
from kafka.errors import InvalidPartitionsError, TopicAlreadyExistsError

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

        admin(broker)
    sasl(sys.argv[1])
    print("PASS")


def sasl(kafkado):
    """kafka-python authenticates with SaslHandshake v0 followed by a bare PLAIN token frame
    (not SaslAuthenticate): the right key produces and consumes, a wrong one is refused."""
    with kafkado_server(kafkado, api_keys="kp-user:kp-secret\n") as broker:
        def client_args(password):
            return dict(bootstrap_servers=broker, security_protocol="SASL_PLAINTEXT",
                        sasl_mechanism="PLAIN", sasl_plain_username="kp-user",
                        sasl_plain_password=password)
        producer = KafkaProducer(**client_args("kp-secret"))
        meta = producer.send("kp-sasl", key=b"k", value=b"authenticated").get(timeout=30)
        assert meta.offset == 0, meta
        producer.close()
        consumer = KafkaConsumer("kp-sasl", auto_offset_reset="earliest",
                                 consumer_timeout_ms=5000, **client_args("kp-secret"))
        got = [(m.key, m.value) for m in consumer]
        consumer.close()
        assert got == [(b"k", b"authenticated")], got
        refused = False
        try:
            KafkaProducer(request_timeout_ms=3000, max_block_ms=3000, api_version_auto_timeout_ms=3000,
                          **client_args("wrong")).send("kp-sasl", value=b"x").get(timeout=5)
        except Exception as error:  # kafka-python reports it as a connection/metadata failure
            refused = True
            print(f"wrong key refused: {type(error).__name__}")
        assert refused, "a wrong API key was accepted"


def topic_configs(client, topic):
    """describe_configs (DescribeConfigs v2) of one topic: {name: (value, config_source)}."""
    responses = client.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
    resources = [r for response in responses for r in response.resources]
    assert [(r[0], r[2], r[3]) for r in resources] == \
        [(0, ConfigResourceType.TOPIC.value, topic)], resources
    return {entry[0]: (entry[1], entry[3]) for entry in resources[0][4]}


def partition_count(client, topic):
    (described,) = client.describe_topics([topic])
    assert (described["topic"], described["error_code"]) == (topic, 0), described
    return len(described["partitions"])


def admin(broker):
    client = KafkaAdminClient(bootstrap_servers=broker, client_id="kp-admin")

    # CreateTopics v3 with a topic config; a second create is refused.
    response = client.create_topics(
        [NewTopic("kp-admin", 2, 1, topic_configs={"retention.ms": "86400000"})])
    assert [e[:2] for e in response.topic_errors] == [("kp-admin", 0)], response
    try:
        client.create_topics([NewTopic("kp-admin", 1, 1)])
        raise AssertionError("creating an existing topic succeeded")
    except TopicAlreadyExistsError:
        pass
    assert "kp-admin" in client.list_topics()
    assert partition_count(client, "kp-admin") == 2

    # DescribeConfigs v2: the override (source 1 = DYNAMIC_TOPIC_CONFIG) and a default
    # (source 5 = DEFAULT_CONFIG); AlterConfigs v1 replaces the overrides.
    configs = topic_configs(client, "kp-admin")
    assert configs["retention.ms"] == ("86400000", 1), configs["retention.ms"]
    assert configs["cleanup.policy"] == ("delete", 5), configs["cleanup.policy"]
    response = client.alter_configs(
        [ConfigResource(ConfigResourceType.TOPIC, "kp-admin", configs={"retention.ms": "3600000"})])
    assert [(r[0], r[2], r[3]) for r in response.resources] == \
        [(0, ConfigResourceType.TOPIC.value, "kp-admin")], response
    assert topic_configs(client, "kp-admin")["retention.ms"] == ("3600000", 1)

    # CreatePartitions v1: grow 2 -> 4; shrinking is refused.
    response = client.create_partitions({"kp-admin": NewPartitions(4)})
    assert [e[:2] for e in response.topic_errors] == [("kp-admin", 0)], response
    assert partition_count(client, "kp-admin") == 4
    try:
        client.create_partitions({"kp-admin": NewPartitions(3)})
        raise AssertionError("create_partitions to fewer partitions succeeded")
    except InvalidPartitionsError:
        pass
    assert partition_count(client, "kp-admin") == 4

    # Groups: kp-group (no members, offsets committed by consume()) and a live member of
    # kp-live.
    live = KafkaConsumer("kp-topic", bootstrap_servers=broker, group_id="kp-live",
                         client_id="kp-live-client", auto_offset_reset="earliest",
                         enable_auto_commit=False)
    deadline = time.monotonic() + 30
    while not live.assignment() and time.monotonic() < deadline:
        live.poll(timeout_ms=200)
    assert live.assignment() == {TopicPartition("kp-topic", 0)}, live.assignment()
    groups = client.list_consumer_groups()
    assert sorted(g for g in groups if g[0].startswith("kp-")) == \
        [("kp-group", "consumer"), ("kp-live", "consumer")], groups

    kp_group, kp_live = client.describe_consumer_groups(["kp-group", "kp-live"])
    assert kp_group[:6] == (0, "kp-group", "Empty", "consumer", "", []), kp_group
    assert kp_live[:5] == (0, "kp-live", "Stable", "consumer", "range"), kp_live
    (member,) = kp_live.members
    assert member.client_id == "kp-live-client", member
    assert member.member_metadata.subscription == ["kp-topic"], member
    assert member.member_assignment.assignment == [("kp-topic", [0])], member
    live.close()
    (kp_live,) = client.describe_consumer_groups(["kp-live"])
    assert kp_live[:6] == (0, "kp-live", "Empty", "consumer", "", []), kp_live

    # OffsetFetch v3 with all partitions (null topics): consume() committed 51 on kp-topic.
    offsets = client.list_consumer_group_offsets("kp-group")
    assert {tp: o.offset for tp, o in offsets.items()} == {TopicPartition("kp-topic", 0): 51}, \
        offsets
    assert client.list_consumer_group_offsets("kp-live") == {}

    # DeleteGroups v1: the group and its offsets are gone.
    assert [(g, e.errno) for g, e in client.delete_consumer_groups(["kp-group"])] == \
        [("kp-group", 0)]
    assert "kp-group" not in [g[0] for g in client.list_consumer_groups()]
    assert client.list_consumer_group_offsets("kp-group") == {}

    # DeleteTopics v3.
    response = client.delete_topics(["kp-admin"])
    assert response.topic_error_codes == [("kp-admin", 0)], response
    assert "kp-admin" not in client.list_topics()
    client.close()


if __name__ == "__main__":
    main()
