#!/usr/bin/python3
"""Exactly-once consume-transform-produce under SIGKILL, with confluent-kafka-python (librdkafka
2.0.2).

An input topic holds INPUT_RECORDS records with unique values over 3 partitions. A worker (this
file run with `worker`, a separate /usr/bin/python3 process) consumes it in group "eos"
(read_committed, no auto commit) and, per polled batch, in one transaction of the transactional
id "eos-worker": produces each record transformed (upper-cased, prefixed) to the same partition
of the output topic, sends the consumer's positions as the group's offsets
(send_offsets_to_transaction) and commits. The test SIGKILLs the worker at a random point and
starts a new one, KAFKA_DO_SOAK_ROUNDS times (3 by default), then lets a last worker run until
the group's committed offsets are the input's end offsets. Every new worker's init_transactions
fences the killed one and aborts its open transaction (output and offsets alike); the new worker
resumes from the committed offsets. A read_committed reader of the whole output must then find
every input record transformed exactly once, in input order per partition: nothing lost, nothing
duplicated.

Kill points: most rounds wait for the worker to report a random number of committed records
(so that every round makes progress but leaves input for the next), then for a chosen step of
the next transaction: its output delivered (flushed), its offsets sent, or its commit done; then
a random delay of up to 3 ms, and kill: the worker dies with delivered output or pending offsets
in an open transaction, in EndTxn, or between transactions. Some rounds kill at a random time
after the start instead (in init_transactions, the group join or the first transactions).

Usage: /usr/bin/python3 eos_crash_test.py KAFKADO
       (KAFKA_DO_SOAK_ROUNDS=25 for the long version; KAFKA_DO_EOS_SEED=N to make the same kill
       choices as the run that printed seed N)
"""
import os
import queue
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter

from confluent_kafka import (OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, Producer,
                             TopicPartition)
from confluent_kafka.admin import AdminClient, NewTopic

from compat_server import kafkado_server

INPUT = "eos-in"
OUTPUT = "eos-out"
GROUP = "eos"
TRANSACTIONAL_ID = "eos-worker"
PARTITIONS = 3
INPUT_RECORDS = 3000
MAX_BATCH = 40  # records a worker takes per transaction: 1..MAX_BATCH, at random


def transform(value):
    return b"OUT:" + value.upper()


def input_value(i):
    return f"record-{i:05d}".encode()


def check(condition, what):
    if not condition:
        sys.exit("FAIL: " + what)


# -------------------------------------------------------------------------------------------
# The worker (a child process). Prints "ready" once it has a producer id and is subscribed; per
# transaction "produced" once its output is delivered, "offsets" once send_offsets_to_transaction
# returned and "committed N" after the commit (N: records it has committed so far); and "done"
# (only with `final`) once the group's committed offsets are the input's end offsets.

def worker(broker, final):
    rng = random.Random()
    producer = Producer({"bootstrap.servers": broker, "transactional.id": TRANSACTIONAL_ID,
                         "transaction.timeout.ms": 10000, "linger.ms": 2})
    # First, so that the killed worker's transaction is over (aborted, or committed if its
    # EndTxn got in) before this one fetches the group's offsets.
    producer.init_transactions(30)
    consumer = Consumer({"bootstrap.servers": broker, "group.id": GROUP,
                         "enable.auto.commit": False, "isolation.level": "read_committed",
                         "auto.offset.reset": "earliest",
                         # The killed worker stays a member until its session expires: a short
                         # session makes the new worker's join quick.
                         "session.timeout.ms": 2000, "heartbeat.interval.ms": 200,
                         "max.poll.interval.ms": 10000})
    consumer.subscribe([INPUT])
    print("ready", flush=True)
    ends = None
    committed = 0
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        messages = consumer.consume(num_messages=rng.randint(1, MAX_BATCH), timeout=0.2)
        if not messages:
            if final:
                assignment = consumer.assignment()
                if len(assignment) == PARTITIONS:
                    if ends is None:
                        ends = {tp.partition: consumer.get_watermark_offsets(tp, timeout=10)[1]
                                for tp in assignment}
                    offsets = consumer.committed(assignment, timeout=10)
                    if all(tp.offset == ends[tp.partition] for tp in offsets):
                        print("done", flush=True)
                        break
            continue
        for m in messages:
            if m.error():
                raise KafkaException(m.error())
        first_offsets = {}
        for m in messages:
            first_offsets.setdefault(m.partition(), m.offset())
        producer.begin_transaction()
        try:
            for m in messages:
                producer.produce(OUTPUT, transform(m.value()), key=m.key(),
                                 partition=m.partition())
            check(producer.flush(30) == 0, "worker: output not delivered within 30 s")
            print("produced", flush=True)
            positions = [tp for tp in consumer.position(consumer.assignment()) if tp.offset >= 0]
            producer.send_offsets_to_transaction(positions, consumer.consumer_group_metadata(),
                                                 30)
            print("offsets", flush=True)
            commit_with_retries(producer)
        except KafkaException as e:
            error = e.args[0]
            if not error.txn_requires_abort():
                raise
            # E.g. a rebalance fenced the group generation: nothing of the batch counts; read it
            # again (from the committed offsets if the partition moved).
            print(f"worker: aborting the transaction: {error}", file=sys.stderr, flush=True)
            producer.abort_transaction(30)
            for partition, offset in first_offsets.items():
                consumer.seek(TopicPartition(INPUT, partition, offset))
            continue
        committed += len(messages)
        print(f"committed {committed}", flush=True)
    else:
        sys.exit("worker: did not finish within 120 s")


def commit_with_retries(producer):
    for attempt in range(10):
        try:
            producer.commit_transaction(30)
            return
        except KafkaException as e:
            if not e.args[0].retriable() or attempt == 9:
                raise
            print(f"worker: retrying the commit: {e.args[0]}", file=sys.stderr, flush=True)


# -------------------------------------------------------------------------------------------
# The test.

class Worker:
    """A worker process; its stdout lines arrive on a queue (a reader thread), its stderr goes
    to a file."""

    started = []  # every worker, so that none outlives a failing test

    def __init__(self, broker, final, log_path):
        Worker.started.append(self)
        self.log_path = log_path
        with open(log_path, "w") as log:
            self.process = subprocess.Popen(
                [sys.executable, os.path.abspath(__file__), "worker", broker,
                 "final" if final else "killed"],
                stdout=subprocess.PIPE, stderr=log, text=True)
        self.lines = queue.Queue()
        self.committed = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.put(line.strip())
        self.lines.put(None)  # EOF

    TIMEOUT = object()

    def next_line(self, deadline):
        """The next line, None at EOF, or TIMEOUT at the deadline."""
        try:
            line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            return Worker.TIMEOUT
        if line is not None and line.startswith("committed "):
            self.committed = int(line.split()[1])
        return line

    def wait_for(self, predicate, deadline, what):
        while True:
            line = self.next_line(deadline)
            if line is Worker.TIMEOUT:
                self.fail(f"timed out waiting for {what}")
            if line is None:
                self.fail(f"the worker exited (status {self.process.wait()}) before {what}")
            if predicate(line):
                return line

    def run_until(self, deadline):
        """Reads its output until the deadline (or its exit)."""
        while self.next_line(deadline) not in (Worker.TIMEOUT, None):
            pass

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
        status = self.process.wait(timeout=30)
        # The reader thread ends at EOF.
        return status

    def log(self):
        with open(self.log_path) as f:
            return f.read()

    def events(self):
        """What the worker itself reported on stderr (aborted transactions, retried commits)."""
        return [line for line in self.log().splitlines() if line.startswith("worker: ")]

    def fail(self, what):
        self.kill()
        sys.exit(f"FAIL: {what}\n--- worker log ({self.log_path}):\n{self.log()[-5000:]}")


def create_topics(broker):
    admin = AdminClient({"bootstrap.servers": broker})
    for f in admin.create_topics([NewTopic(INPUT, PARTITIONS, 1),
                                  NewTopic(OUTPUT, PARTITIONS, 1)]).values():
        f.result(30)


def produce_input(broker):
    producer = Producer({"bootstrap.servers": broker, "enable.idempotence": True,
                         "linger.ms": 5})
    expected = {p: [] for p in range(PARTITIONS)}
    for i in range(INPUT_RECORDS):
        producer.produce(INPUT, input_value(i), key=f"k{i}".encode(), partition=i % PARTITIONS)
        expected[i % PARTITIONS].append(transform(input_value(i)))
        if i % 500 == 499:
            producer.poll(0)
    check(producer.flush(30) == 0, "the input was not all delivered")
    return expected


def end_offsets(broker):
    c = Consumer({"bootstrap.servers": broker, "group.id": "eos-check"})
    try:
        return {p: c.get_watermark_offsets(TopicPartition(INPUT, p), timeout=10)[1]
                for p in range(PARTITIONS)}
    finally:
        c.close()


def committed_offsets(broker, stable=True):
    """The group's committed offsets, from a consumer of the group that never subscribes (it
    only sends OffsetFetch). librdkafka asks for stable offsets (require_stable) when
    read_committed: UNSTABLE_OFFSET_COMMIT, retried, while a transaction has offsets pending;
    without, the broker answers the last committed ones at once."""
    c = Consumer({"bootstrap.servers": broker, "group.id": GROUP,
                  "isolation.level": "read_committed" if stable else "read_uncommitted"})
    try:
        return {tp.partition: tp.offset for tp in c.committed(
            [TopicPartition(INPUT, p) for p in range(PARTITIONS)], timeout=10)}
    finally:
        c.close()


def read_output(broker, isolation, deadline_s=60):
    """Per partition, the values of the output topic from the beginning to the end (the last
    stable offset for read_committed)."""
    consumer = Consumer({"bootstrap.servers": broker, "group.id": "eos-reader-" + isolation,
                         "enable.auto.commit": False, "enable.partition.eof": True,
                         "isolation.level": isolation})
    consumer.assign([TopicPartition(OUTPUT, p, OFFSET_BEGINNING) for p in range(PARTITIONS)])
    values, at_end = {p: [] for p in range(PARTITIONS)}, set()
    deadline = time.monotonic() + deadline_s
    try:
        while time.monotonic() < deadline:
            for m in consumer.consume(num_messages=500, timeout=0.5):
                if m.error():
                    if m.error().code() == KafkaError._PARTITION_EOF:
                        at_end.add(m.partition())
                        continue
                    sys.exit(f"FAIL: {isolation} reader: {m.error()}")
                at_end.discard(m.partition())
                values[m.partition()].append(m.value())
            if len(at_end) == PARTITIONS:
                return values
        sys.exit(f"FAIL: {isolation} read of {OUTPUT} did not finish in {deadline_s} s")
    finally:
        consumer.close()


def describe_difference(got, want):
    got_c, want_c = Counter(got), Counter(want)
    duplicated = sorted(v for v, n in got_c.items() if n > 1)
    missing = sorted(v for v in want_c if v not in got_c)
    unexpected = sorted(v for v in got_c if v not in want_c)
    first = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
    return (f"{len(got)} records, expected {len(want)}; {len(duplicated)} duplicated "
            f"{duplicated[:5]}, {len(missing)} missing {missing[:5]}, {len(unexpected)} "
            f"unexpected {unexpected[:5]}; first difference at index {first}")


def run(broker, rounds, rng, workdir):
    create_topics(broker)
    expected = produce_input(broker)
    ends = end_offsets(broker)
    check(ends == {p: len(expected[p]) for p in range(PARTITIONS)}, f"input end offsets {ends}")
    for r in range(rounds):
        # What is left (for the kill points only: the killed worker's EndTxn may still get in).
        remaining = INPUT_RECORDS - sum(max(0, o) for o in
                                        committed_offsets(broker, stable=False).values())
        w = Worker(broker, final=False, log_path=os.path.join(workdir, f"worker-{r}.log"))
        started = time.monotonic()
        deadline = started + 60
        step = rng.choice(["start", "produced", "produced", "offsets", "committed"])
        if step == "start" or remaining < 2 * MAX_BATCH:
            delay = rng.uniform(0, 1.5)
            how = f"{delay * 1000:.0f} ms after the start"
            w.run_until(started + delay)
        else:
            # On average 1/(rounds to come + 1) of what is left: every round has work, and the
            # target is reached even if the last EndTxn got in after all.
            target = rng.randint(1, min(remaining - MAX_BATCH, 2 * remaining // (rounds - r + 1)))
            w.wait_for(lambda line: line.startswith("committed ") and w.committed >= target,
                       deadline, f"{target} records committed")
            w.wait_for(lambda line: line.split()[0] == step, deadline, f"'{step}'")
            delay = rng.uniform(0, 0.003)
            time.sleep(delay)  # not synchronisation: only where the kill lands
            how = f"{delay * 1000:.1f} ms after '{step}' (past {w.committed} records committed)"
        status = w.kill()
        w.run_until(time.monotonic() + 10)  # to EOF: its last counts
        if status != -9:
            sys.exit(f"FAIL: round {r}: worker exited with {status} before the kill\n"
                     f"--- worker log:\n{w.log()[-5000:]}")
        print(f"round {r}: killed {how} (worker committed {w.committed} records; "
              f"{time.monotonic() - started:.1f} s)", flush=True)
        for event in w.events():
            print("  " + event, flush=True)

    started = time.monotonic()
    w = Worker(broker, final=True, log_path=os.path.join(workdir, "worker-final.log"))
    w.wait_for(lambda line: line == "done", started + 90, "all input was committed")
    status = w.process.wait(timeout=30)
    check(status == 0, f"the last worker exited with {status}")
    print(f"last worker: committed {w.committed} records, done in "
          f"{time.monotonic() - started:.1f} s", flush=True)
    for event in w.events():
        print("  " + event, flush=True)

    offsets = committed_offsets(broker)
    check(offsets == ends, f"committed offsets of {GROUP} {offsets}, expected the input's end "
          f"offsets {ends}")
    got = read_output(broker, "read_committed")
    for p in range(PARTITIONS):
        check(got[p] == expected[p], f"read_committed output partition {p}: "
              + describe_difference(got[p], expected[p]))
    everything = read_output(broker, "read_uncommitted")
    aborted = sum(len(everything[p]) for p in range(PARTITIONS)) - INPUT_RECORDS
    print(f"output: {INPUT_RECORDS} records exactly once ({aborted} written by aborted "
          "transactions)", flush=True)


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "worker":
        worker(sys.argv[2], sys.argv[3] == "final")
        return
    kafkado = sys.argv[1]
    rounds = int(os.environ.get("KAFKA_DO_SOAK_ROUNDS", "3"))
    seed = int(os.environ.get("KAFKA_DO_EOS_SEED", str(random.randrange(1 << 30))))
    print(f"{rounds} rounds, seed {seed} (KAFKA_DO_EOS_SEED={seed} replays the kill choices)",
          flush=True)
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="kafka-do-eos-") as workdir:
        try:
            with kafkado_server(kafkado) as broker:
                run(broker, rounds, rng, workdir)
        except SystemExit as e:
            if e.code not in (None, 0):
                print(f"(seed {seed})", file=sys.stderr)
            raise
        finally:
            for w in Worker.started:
                w.kill()
    print("PASS")


if __name__ == "__main__":
    main()
