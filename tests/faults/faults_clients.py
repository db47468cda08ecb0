#!/usr/bin/python3
"""Client roles that faults_test.py runs as subprocesses (so they can be SIGKILLed).

  producer BOOTSTRAP TOPIC ACKS_FILE PARTITIONS ACKS VALUE_BYTES
      Produces key-<seq> to partition seq % PARTITIONS, ~2000 records/s, until SIGTERM, then
      flushes and exits 0 (1 if something stayed undelivered). Every acknowledged record is
      appended to ACKS_FILE as "seq partition offset" from the delivery callback, one write
      and flush per line, so a SIGKILL loses at most a line cut short.
  consumer BOOTSTRAP TOPIC GROUP MAX
      Subscribes in GROUP and prints "ASSIGN p,p,..." / "REVOKE p,p,..." on rebalances and
      "REC partition offset key" for each record only after its offset was committed
      synchronously. After MAX records (0 = no limit) it pauses its partitions, prints "IDLE"
      and keeps polling (so it stays a live group member). SIGTERM: close and exit 0.
"""
import signal
import sys

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition

stop = False


def on_sigterm(signum, frame):
    global stop
    stop = True


def out(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def producer(bootstrap, topic, acks_path, partitions, acks, value_bytes):
    partitions, value_bytes = int(partitions), int(value_bytes)
    p = Producer({"bootstrap.servers": bootstrap, "acks": acks, "linger.ms": 5,
                  "max.in.flight.requests.per.connection": 1,
                  "message.timeout.ms": 60000, "retry.backoff.ms": 100,
                  "reconnect.backoff.max.ms": 500})
    failed = []
    acks_file = open(acks_path, "a")

    def delivered(err, msg):
        seq = int(msg.key().decode().split("-")[1])
        if err is not None:
            failed.append(seq)
            print(f"delivery error seq {seq}: {err}", file=sys.stderr, flush=True)
            return
        acks_file.write(f"{seq} {msg.partition()} {msg.offset()}\n")
        acks_file.flush()

    pad = b"x" * value_bytes
    seq = 0
    while not stop:
        # Bursts of 20 every ~10 ms keep the load moderate on two shared cores.
        for _ in range(20):
            while True:
                try:
                    p.produce(topic, key=f"key-{seq}", value=f"value-{seq}-".encode() + pad,
                              partition=seq % partitions, on_delivery=delivered)
                    break
                except BufferError:
                    p.poll(0.05)
            seq += 1
        p.poll(0.01)
    remaining = p.flush(60)
    acks_file.close()
    print(f"produced {seq}, undelivered {remaining}, failed {len(failed)}", file=sys.stderr)
    sys.exit(1 if remaining or failed else 0)


def consumer(bootstrap, topic, group, limit):
    limit = int(limit)
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group,
                  "auto.offset.reset": "earliest", "enable.auto.commit": False,
                  "session.timeout.ms": 6000, "heartbeat.interval.ms": 500})
    state = {"idle": False}

    def on_assign(consumer, partitions):
        consumer.assign(partitions)
        if state["idle"]:
            consumer.pause(partitions)
        out("ASSIGN " + ",".join(str(tp.partition) for tp in sorted(
            partitions, key=lambda tp: tp.partition)))

    def on_revoke(consumer, partitions):
        out("REVOKE " + ",".join(str(tp.partition) for tp in sorted(
            partitions, key=lambda tp: tp.partition)))

    c.subscribe([topic], on_assign=on_assign, on_revoke=on_revoke)
    count = 0
    while not stop:
        msg = c.poll(0.2)
        if msg is None:
            continue
        if msg.error():
            if msg.error().code() != KafkaError._PARTITION_EOF:
                print(f"consumer error: {msg.error()}", file=sys.stderr, flush=True)
            continue
        if state["idle"]:
            continue  # prefetched before the pause; never committed, so the next owner reads it
        try:
            c.commit(message=msg, asynchronous=False)
        except KafkaException as e:
            # Not counted as consumed: go back so the record is delivered (and committed) again.
            out(f"COMMITFAIL {msg.partition()} {msg.offset()} {e.args[0].code()}")
            try:
                c.seek(TopicPartition(topic, msg.partition(), msg.offset()))
            except KafkaException:
                pass  # revoked meanwhile: the next owner starts from the committed offset
            continue
        out(f"REC {msg.partition()} {msg.offset()} {msg.key().decode()}")
        count += 1
        if limit and count == limit:
            state["idle"] = True
            c.pause(c.assignment())
            out("IDLE")
    c.close()


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, on_sigterm)
    role, args = sys.argv[1], sys.argv[2:]
    {"producer": producer, "consumer": consumer}[role](*args)
