#!/usr/bin/python3
"""The broker against a confluent-kafka-python (librdkafka 2.0.2) consumer group under load:
three consumers join one group on a 6-partition topic while a producer is producing to it
(rebalances with records in flight). Every record is consumed exactly once across the group,
in offset order per partition; offsets are committed synchronously when partitions are
revoked and at the end. The legacy AdminClient.list_groups (ListGroups v0 + DescribeGroups v0)
shows the group, its three members and their assignments. After the three leave, a new
consumer in the group continues after the committed offsets: it gets exactly the records
produced since, nothing twice.

Usage: /usr/bin/python3 confluent_kafka_group_test.py KAFKADO
"""
import struct
import sys
import time

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from compat_server import kafkado_server

TOPIC = "trio-topic"
GROUP = "trio-group"
PARTITIONS = 6
FIRST_RECORDS = 600  # the first half while the consumers join, the rest once all three are in
CHUNK = 20
LATER_RECORDS = 60


def main():
    with kafkado_server(sys.argv[1]) as broker:
        client = AdminClient({"bootstrap.servers": broker})
        client.create_topics([NewTopic(TOPIC, PARTITIONS, 1)])[TOPIC].result(timeout=30)
        producer = Producer({"bootstrap.servers": broker, "linger.ms": 5})
        produced = Produced()
        trio(broker, client, producer, produced)
        resume(broker, producer, produced)
    print("PASS")


class Produced:
    """Delivery reports by partition: {partition: [(offset, key, value, headers)]}."""

    def __init__(self):
        self.by_partition = {p: [] for p in range(PARTITIONS)}
        self.errors = []
        self.count = 0

    def send(self, producer, i):
        key, value, headers = b"key-%d" % (i % 97), b"value-%d" % i, (("i", b"%d" % i),)

        def on_delivery(err, msg):
            if err is not None:
                self.errors.append(err)
                return
            self.by_partition[msg.partition()].append((msg.offset(), key, value, headers))
        # Keyed: the partitioner spreads them; one key always lands on the same partition.
        producer.produce(TOPIC, key=key, value=value, headers=list(headers),
                         on_delivery=on_delivery)
        self.count += 1

    def check(self, producer):
        remaining = producer.flush(30)
        assert remaining == 0, f"{remaining} records not delivered"
        assert not self.errors, f"delivery errors: {self.errors[:5]}"
        for partition, records in self.by_partition.items():
            # Delivery reports of one partition come in produce order, at consecutive offsets.
            assert [r[0] for r in records] == list(range(len(records))), (partition, records[:5])
        assert sum(map(len, self.by_partition.values())) == self.count


def record_of(msg):
    return (msg.offset(), msg.key(), msg.value(), tuple(msg.headers() or ()))


def decode_assignment(data):
    """ConsumerProtocolAssignment: version int16, [topic string16, [partition int32]], userdata."""
    (version, topics), pos = struct.unpack_from(">hi", data), 6
    result = {}
    for _ in range(topics):
        (length,) = struct.unpack_from(">h", data, pos)
        topic = data[pos + 2:pos + 2 + length].decode()
        pos += 2 + length
        (count,) = struct.unpack_from(">i", data, pos)
        result[topic] = sorted(struct.unpack_from(">%di" % count, data, pos + 4))
        pos += 4 + 4 * count
    return result


REBALANCES = []


def commit_on_revoke(consumer, partitions):
    # Eager rebalance: commit what this member has consumed before its partitions move.
    if partitions is not None:
        REBALANCES.append(("revoke", len(partitions)))
    try:
        consumer.commit(asynchronous=False)
    except KafkaException as e:
        if e.args[0].code() != KafkaError._NO_OFFSET:
            raise


def trio(broker, client, producer, produced):
    def join(n):
        consumer = Consumer({"bootstrap.servers": broker, "group.id": GROUP,
                             "client.id": f"trio-{n}", "auto.offset.reset": "earliest",
                             "enable.auto.commit": False, "session.timeout.ms": 10000,
                             "heartbeat.interval.ms": 500})
        consumer.subscribe([TOPIC], on_revoke=commit_on_revoke,
                           on_assign=lambda c, parts: REBALANCES.append(("assign", len(parts))))
        return consumer

    # One thread, interleaved: produce a chunk, then let each consumer poll. Receipt order is
    # global, so per-partition order across members (before and after a rebalance) is checkable.
    # The members join one by one, each after the group has consumed some records, so
    # partitions move with committed offsets while records keep coming; the last third is
    # produced once all three hold their share.
    consumers = [join(0)]
    received = []  # (consumer index, partition, record)
    settled_at = None
    deadline = time.monotonic() + 45
    while time.monotonic() < deadline:
        if len(consumers) < 3 and len(received) >= 100 * len(consumers) and \
                stable_assignment(consumers):
            consumers.append(join(len(consumers)))
        stable = len(consumers) == 3 and stable_assignment(consumers)
        if stable and settled_at is None:
            settled_at = (produced.count, len(received))
        backlog = produced.count - len(received)
        if produced.count < FIRST_RECORDS and backlog < 100 and (produced.count < 400 or stable):
            for _ in range(CHUNK):
                produced.send(producer, produced.count)
        producer.poll(0)
        for n, consumer in enumerate(consumers):
            msg = consumer.poll(0.05)
            while msg is not None:
                assert not msg.error(), msg.error()
                assert msg.topic() == TOPIC, msg.topic()
                received.append((n, msg.partition(), record_of(msg)))
                msg = consumer.poll(0)
        if produced.count == FIRST_RECORDS and stable and len(received) >= FIRST_RECORDS:
            break
    produced.check(producer)
    assert settled_at is not None, \
        f"the group never settled with 3 members: {[c.assignment() for c in consumers]}"
    assert stable_assignment(consumers), [c.assignment() for c in consumers]
    print(f"group settled after {settled_at[0]} records produced, {settled_at[1]} received; "
          f"rebalance callbacks: {REBALANCES}")

    # Exactly once, in order per partition, across the group.
    by_partition = {p: [] for p in range(PARTITIONS)}
    for _, partition, record in received:
        by_partition[partition].append(record)
    assert len(received) == FIRST_RECORDS, \
        f"received {len(received)} records for {FIRST_RECORDS} produced"
    assert by_partition == produced.by_partition, \
        {p: (len(by_partition[p]), len(produced.by_partition[p])) for p in by_partition}
    # Every member read the records of the partitions it holds at the end (the second half
    # was produced after the group had settled).
    for n, consumer in enumerate(consumers):
        held = {tp.partition for tp in consumer.assignment()}
        assert len(held) == 2, (n, held)
        assert held <= {partition for m, partition, _ in received if m == n}, (n, held)

    # Commit the final positions; the group's committed offsets are the end of each partition.
    for consumer in consumers:
        commit_on_revoke(consumer, None)
    ends = {p: len(records) for p, records in produced.by_partition.items()}
    committed = {}
    for consumer in consumers:
        for tp in consumer.committed(consumer.assignment(), timeout=10):
            committed[tp.partition] = tp.offset
    assert committed == ends, (committed, ends)

    # Legacy list_groups: ListGroups v0 + DescribeGroups v0.
    groups = client.list_groups(GROUP, timeout=10)
    assert [g.id for g in groups] == [GROUP], groups
    group = groups[0]
    assert (group.error, group.state, group.protocol_type, group.protocol) == \
        (None, "Stable", "consumer", "range"), vars(group)
    members = sorted(group.members, key=lambda m: m.client_id)
    assert [m.client_id for m in members] == ["trio-0", "trio-1", "trio-2"], members
    assert len({m.id for m in members}) == 3, [m.id for m in members]
    for member, consumer in zip(members, consumers):
        assert decode_assignment(member.assignment) == \
            {TOPIC: sorted(tp.partition for tp in consumer.assignment())}, \
            (member.client_id, decode_assignment(member.assignment))
    all_groups = client.list_groups(timeout=10)
    assert GROUP in [g.id for g in all_groups], [g.id for g in all_groups]

    for consumer in consumers:
        consumer.close()
    group = client.list_groups(GROUP, timeout=10)[0]
    assert (group.state, group.members) == ("Empty", []), vars(group)


def stable_assignment(consumers):
    """Each member holds its share of the partitions, together all six."""
    held = [sorted(tp.partition for tp in c.assignment()) for c in consumers]
    return all(len(h) == PARTITIONS // len(consumers) for h in held) and \
        sorted(p for h in held for p in h) == list(range(PARTITIONS))


def resume(broker, producer, produced):
    before = {p: len(records) for p, records in produced.by_partition.items()}
    for i in range(LATER_RECORDS):
        produced.send(producer, FIRST_RECORDS + i)
    produced.check(producer)
    expected = {p: records[before[p]:] for p, records in produced.by_partition.items()}

    consumer = Consumer({"bootstrap.servers": broker, "group.id": GROUP,
                         "auto.offset.reset": "earliest", "enable.auto.commit": False})
    consumer.subscribe([TOPIC])
    got = {p: [] for p in range(PARTITIONS)}
    deadline = time.monotonic() + 30
    while sum(map(len, got.values())) < LATER_RECORDS and time.monotonic() < deadline:
        msg = consumer.poll(0.5)
        if msg is None:
            continue
        assert not msg.error(), msg.error()
        got[msg.partition()].append(record_of(msg))
    consumer.close()
    assert got == expected, {p: (got[p][:2], expected[p][:2]) for p in got}


if __name__ == "__main__":
    main()
