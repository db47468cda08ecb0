#!/usr/bin/python3
"""Consumers that start together share the group's first generation (Kafka's
group.initial.rebalance.delay.ms, 3 s by default in kafkado serve as in Kafka): three
confluent-kafka-python (librdkafka) consumers subscribe to a 6-partition topic a few
milliseconds apart on a broker with its default settings. Each is assigned two partitions
once, none sees a revoke on the way, and the broker counts one completed rebalance. Without
the delay the first member is assigned all six, then revoked as each of the others arrives.

Usage: /usr/bin/python3 group_start_test.py KAFKADO
"""
import sys
import time
import urllib.request

from confluent_kafka import Consumer
from confluent_kafka.admin import AdminClient, NewTopic

from compat_server import kafkado_server

TOPIC = "start-together"
GROUP = "start-together-group"
PARTITIONS = 6


def main():
    with kafkado_server(sys.argv[1], initial_rebalance_delay_ms=None,
                        extra_args=["--http", "127.0.0.1:0"]) as broker:
        admin = AdminClient({"bootstrap.servers": broker})
        admin.create_topics([NewTopic(TOPIC, PARTITIONS, 1)])[TOPIC].result(timeout=30)
        rebalances_before = rebalances(broker)
        events = {n: [] for n in range(3)}
        consumers = []
        for n in range(3):
            consumer = Consumer({"bootstrap.servers": broker, "group.id": GROUP,
                                 "client.id": f"together-{n}", "auto.offset.reset": "earliest",
                                 "session.timeout.ms": 10000, "heartbeat.interval.ms": 500})
            consumer.subscribe(
                [TOPIC],
                on_assign=lambda c, parts, n=n: events[n].append(("assign", len(parts))),
                on_revoke=lambda c, parts, n=n: events[n].append(("revoke", len(parts))))
            consumers.append(consumer)
        started = time.monotonic()
        # Bounded: the delay is 3 s, extended once by the members arriving during it.
        deadline = started + 30
        while time.monotonic() < deadline and not settled(consumers):
            for consumer in consumers:
                msg = consumer.poll(0.05)
                assert msg is None or msg.error(), "the topic is empty"
        held = [sorted(tp.partition for tp in c.assignment()) for c in consumers]
        assert settled(consumers), f"the group did not settle within 30 s: {held} {events}"
        print(f"settled after {time.monotonic() - started:.1f} s: {held}; callbacks {events}")
        # The state the group settled in is its first: nobody was assigned and then revoked.
        for n in range(3):
            assert events[n] == [("assign", 2)], (n, events[n])
        assert rebalances(broker) - rebalances_before == 1, rebalances(broker)
        for consumer in consumers:
            consumer.close()
    print("PASS")


def settled(consumers):
    held = [sorted(tp.partition for tp in c.assignment()) for c in consumers]
    return all(len(h) == 2 for h in held) and \
        sorted(p for h in held for p in h) == list(range(PARTITIONS))


def rebalances(broker):
    """kafka_do_group_rebalances_total from the broker's /metrics."""
    url = f"http://127.0.0.1:{broker.http_port}/metrics"
    with urllib.request.urlopen(url, timeout=10) as response:
        for line in response.read().decode().splitlines():
            if line.startswith("kafka_do_group_rebalances_total "):
                return int(float(line.split()[1]))
    raise AssertionError("no kafka_do_group_rebalances_total in /metrics")


if __name__ == "__main__":
    main()
