#!/usr/bin/python3
"""Permissions of keys that are not superusers, against real clients: ACLs are created, listed and
deleted with kafka-python's KafkaAdminClient (CreateAcls/DescribeAcls/DeleteAcls; Debian's
confluent-kafka-python 1.7 has no ACL API), and enforced on librdkafka (confluent-kafka) clients:

- a key allowed to READ topic `a` and group `readers` consumes `a`; it cannot produce to `a`
  (TOPIC_AUTHORIZATION_FAILED), cannot see `b` in Metadata, cannot consume `b`, cannot join
  another group (GROUP_AUTHORIZATION_FAILED), cannot create ACLs (CLUSTER_AUTHORIZATION_FAILED);
- a PREFIXED WRITE binding lets a key produce to `logs.*` only; a DENY wins over an ALLOW;
- a key without any binding can do nothing, not even list topics;
- the ACLs survive a restart; deleting them takes the permission away at once.

Usage: /usr/bin/python3 acl_test.py KAFKADO
"""
import os
import subprocess
import sys
import tempfile
import time

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer
from confluent_kafka.admin import AdminClient
from kafka.admin import (ACL, ACLFilter, ACLOperation, ACLPermissionType, ACLResourcePatternType,
                         KafkaAdminClient, ResourcePattern, ResourcePatternFilter, ResourceType)
from kafka.errors import ClusterAuthorizationFailedError

from compat_server import ServerProcess

KAFKADO = sys.argv[1]


def keys(*args):
    subprocess.run([KAFKADO, "keys", *args], check=True, stderr=subprocess.DEVNULL)


def config(broker, user, secret):
    return {"bootstrap.servers": broker, "security.protocol": "SASL_PLAINTEXT",
            "sasl.mechanism": "SCRAM-SHA-512", "sasl.username": user, "sasl.password": secret}


def admin(broker):
    return KafkaAdminClient(bootstrap_servers=broker, security_protocol="SASL_PLAINTEXT",
                            sasl_mechanism="SCRAM-SHA-256", sasl_plain_username="root",
                            sasl_plain_password="r00t")


def produce_result(conf, topic, value=b"x"):
    """The delivery error code (None when delivered)."""
    reports = []
    producer = Producer({**conf, "message.timeout.ms": 10000})
    producer.produce(topic, value=value, on_delivery=lambda err, msg: reports.append(err))
    producer.flush(15)
    assert len(reports) == 1, reports
    return None if reports[0] is None else reports[0].code()


def consume(conf, group, topic, count, wanted_error=None):
    """Up to `count` values; with wanted_error, waits for that error code instead."""
    consumer = Consumer({**conf, "group.id": group, "auto.offset.reset": "earliest"})
    consumer.subscribe([topic])
    got, errors = [], []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        msg = consumer.poll(0.2)
        if msg is None:
            continue
        if msg.error():
            errors.append(msg.error().code())
            if wanted_error in errors:
                break
            continue
        got.append(msg.value())
        if len(got) >= count and wanted_error is None:
            break
    consumer.close()
    if wanted_error is not None:
        assert wanted_error in errors, f"expected {wanted_error}, got errors {errors} values {got}"
    return got


def topics_seen(conf):
    return set(AdminClient(conf).list_topics(timeout=10).topics)


def acl(resource_type, name, operation, principal, permission=ACLPermissionType.ALLOW,
        pattern=ACLResourcePatternType.LITERAL):
    return ACL(principal=principal, host="*", operation=operation, permission_type=permission,
               resource_pattern=ResourcePattern(resource_type, name, pattern))


def main():
    with tempfile.TemporaryDirectory(prefix="kafka-do-acl-") as work:
        key_file = os.path.join(work, "keys")
        keys("add", "root", "--secret", "r00t", "--superuser", "--api-keys", key_file)
        keys("add", "reader", "--secret", "rd", "--api-keys", key_file)
        keys("add", "logger", "--secret", "lg", "--api-keys", key_file)
        keys("add", "nobody", "--secret", "nb", "--api-keys", key_file)
        server = ServerProcess(KAFKADO, os.path.join(work, "data"),
                               os.path.join(work, "server.log"),
                               extra_args=["--api-keys", key_file, "--http", "off"])
        broker = server.start()
        try:
            run(server, broker)
        except BaseException:
            server.kill()
            print("--- server log:\n" + server.log(), file=sys.stderr)
            raise
    print("PASS")


def run(server, broker):
    root = config(broker, "root", "r00t")
    reader = config(broker, "reader", "rd")
    logger = config(broker, "logger", "lg")
    for topic in ("a", "b"):
        for i in range(3):
            assert produce_result(root, topic, b"%s-%d" % (topic.encode(), i)) is None
    for topic in ("logs.app", "logs.secret", "metrics"):  # WRITE alone does not auto-create
        assert produce_result(root, topic) is None

    # No binding at all: nothing, not even the topic list.
    assert topics_seen(config(broker, "nobody", "nb")) == set()
    assert produce_result(config(broker, "nobody", "nb"), "a") == KafkaError.TOPIC_AUTHORIZATION_FAILED

    client = admin(broker)
    created = client.create_acls([
        acl(ResourceType.TOPIC, "a", ACLOperation.READ, "User:reader"),
        acl(ResourceType.GROUP, "readers", ACLOperation.READ, "User:reader"),
        acl(ResourceType.TOPIC, "logs.", ACLOperation.WRITE, "User:logger",
            pattern=ACLResourcePatternType.PREFIXED),
        acl(ResourceType.TOPIC, "logs.secret", ACLOperation.WRITE, "User:logger",
            permission=ACLPermissionType.DENY),
    ])
    assert not created["failed"], created
    assert len(created["succeeded"]) == 4, created
    print("kafka-python CreateAcls: 4 bindings")

    def check_reader():
        assert consume(reader, "readers", "a", 3) == [b"a-0", b"a-1", b"a-2"]
        assert produce_result(reader, "a") == KafkaError.TOPIC_AUTHORIZATION_FAILED
        seen = topics_seen(reader)
        assert "a" in seen and "b" not in seen, seen
        consume(reader, "readers", "b", 0, wanted_error=KafkaError.TOPIC_AUTHORIZATION_FAILED)
        consume(reader, "other-group", "a", 0, wanted_error=KafkaError.GROUP_AUTHORIZATION_FAILED)

    check_reader()
    print("reader: consumes a in group readers; producing to a, seeing b, reading b and joining "
          "another group are refused with the exact codes")

    assert produce_result(logger, "logs.app") is None
    assert produce_result(logger, "logs.secret") == KafkaError.TOPIC_AUTHORIZATION_FAILED
    assert produce_result(logger, "metrics") == KafkaError.TOPIC_AUTHORIZATION_FAILED
    print("logger: PREFIXED logs. may be written, a DENY on logs.secret wins, metrics refused")

    reader_admin = KafkaAdminClient(bootstrap_servers=broker, security_protocol="SASL_PLAINTEXT",
                                    sasl_mechanism="SCRAM-SHA-512", sasl_plain_username="reader",
                                    sasl_plain_password="rd")
    try:
        result = reader_admin.create_acls([acl(ResourceType.TOPIC, "b", ACLOperation.READ,
                                               "User:reader")])
        errors = [(e if isinstance(e, type) else type(e)).__name__ for _, e in result["failed"]]
        assert errors == ["ClusterAuthorizationFailedError"], result
    except ClusterAuthorizationFailedError:
        pass
    reader_admin.close()
    print("reader cannot grant itself more (CLUSTER_AUTHORIZATION_FAILED)")

    described = client.describe_acls(ACLFilter(principal=None, host="*",
                                               operation=ACLOperation.ANY,
                                               permission_type=ACLPermissionType.ANY,
                                               resource_pattern=ResourcePatternFilter(
                                                   ResourceType.ANY, None,
                                                   ACLResourcePatternType.ANY)))[0]
    assert len(described) == 4, described
    client.close()

    # A restart keeps the ACLs.
    server.stop()
    broker = server.start()
    reader = config(broker, "reader", "rd")
    assert produce_result(config(broker, "root", "r00t"), "a", b"a-3") is None
    got = consume(reader, "readers", "a", 1)
    assert got and got[0] in (b"a-0", b"a-3"), got  # a-3 if the group's commit came first
    assert produce_result(reader, "a") == KafkaError.TOPIC_AUTHORIZATION_FAILED
    client = admin(broker)
    described = client.describe_acls(ACLFilter(principal="User:reader", host="*",
                                               operation=ACLOperation.ANY,
                                               permission_type=ACLPermissionType.ANY,
                                               resource_pattern=ResourcePatternFilter(
                                                   ResourceType.ANY, None,
                                                   ACLResourcePatternType.ANY)))[0]
    assert sorted(a.resource_pattern.resource_name for a in described) == ["a", "readers"], described
    print("after a restart: the reader's 2 bindings are there and enforced")

    deleted = client.delete_acls([ACLFilter(principal="User:reader", host="*",
                                            operation=ACLOperation.ANY,
                                            permission_type=ACLPermissionType.ANY,
                                            resource_pattern=ResourcePatternFilter(
                                                ResourceType.TOPIC, "a",
                                                ACLResourcePatternType.LITERAL))])
    assert len(deleted[0][1]) == 1, deleted
    client.close()
    seen = topics_seen(reader)
    assert "a" not in seen, seen
    print("DeleteAcls: the reader no longer sees a")
    server.stop()


if __name__ == "__main__":
    main()
