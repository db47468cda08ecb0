#!/usr/bin/python3
"""The broker under hostile load, next to a normal client: 2,000 connections opened and left
idle, 500 that start SASL (SaslHandshake) and never finish it, and a slowloris that sends a
request one byte a second. Each group comes from its own loopback address (127.0.0.2-4; Linux
routes all of 127/8 to lo), the normal SCRAM producer and consumer from 127.0.0.1. Checked:

- the broker drops the offenders by its limits: the idle flood beyond --max-connections-per-ip
  at once, the rest and the SASL stallers at --authentication-timeout-ms, the slowloris too;
  with one log line per limit and address, not one per connection;
- the normal producer and consumer keep working during the attack, at a rate compared with the
  one measured before it (printed; asserted at >= 25 %, since this 2-core machine also runs the
  attackers and both clients);
- the broker's RSS stays under 256 MiB throughout.

Usage: /usr/bin/python3 hostile_load_test.py KAFKADO
"""
import os
import resource
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

from confluent_kafka import Consumer, Producer

from compat_server import kafkado_server

KAFKADO = sys.argv[1]
IDLE = 2000
STALLED = 500
PER_IP = 1000
AUTH_TIMEOUT_MS = 4000
RECORDS = 20000


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def connect_from(address, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((address, 0))
    s.settimeout(10)
    s.connect(("127.0.0.1", port))
    return s


def closed_by_broker(s):
    """True once the broker has closed `s` (waits up to the socket's timeout); what it answered
    before (a SaslHandshake response) is read past."""
    try:
        while s.recv(4096):
            pass
        return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def sasl_handshake_frame(correlation_id):
    # SaslHandshake v1: api key 17, version 1, correlation id, client id "stall"; mechanism.
    header = struct.pack(">hhih", 17, 1, correlation_id, 5) + b"stall"
    body = struct.pack(">h", 13) + b"SCRAM-SHA-512"
    return struct.pack(">i", len(header) + len(body)) + header + body


def client_config(broker):
    return {"bootstrap.servers": broker, "security.protocol": "SASL_PLAINTEXT",
            "sasl.mechanism": "SCRAM-SHA-512", "sasl.username": "app", "sasl.password": "s3cret",
            "client.id": "normal"}


def produce_and_consume(broker, topic):
    """Records per second of producing RECORDS 100-byte records and reading them back."""
    start = time.monotonic()
    producer = Producer({**client_config(broker), "linger.ms": 5})
    for i in range(RECORDS):
        while True:
            try:
                producer.produce(topic, value=b"%099d" % i)
                break
            except BufferError:
                producer.poll(0.05)
    assert producer.flush(60) == 0
    consumer = Consumer({**client_config(broker), "group.id": f"g-{topic}",
                         "auto.offset.reset": "earliest"})
    consumer.subscribe([topic])
    seen = 0
    deadline = time.monotonic() + 60
    while seen < RECORDS and time.monotonic() < deadline:
        for msg in consumer.consume(1000, 0.5):
            assert not msg.error(), msg.error()
            seen += 1
    consumer.close()
    assert seen == RECORDS, f"read {seen} of {RECORDS}"
    return RECORDS / (time.monotonic() - start)


def main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = IDLE + STALLED + 500
    if hard < wanted:
        sys.exit(f"FAIL: the open file limit ({hard}) is below the {wanted} this test needs")
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 1 << 16), hard))
    with tempfile.TemporaryDirectory(prefix="kafka-do-hostile-") as work:
        keys = os.path.join(work, "keys")
        subprocess.run([KAFKADO, "keys", "add", "app", "--secret", "s3cret", "--superuser",
                        "--api-keys", keys], check=True, stderr=subprocess.DEVNULL)
        args = ["--api-keys", keys, "--authentication-timeout-ms", str(AUTH_TIMEOUT_MS),
                "--max-connections-per-ip", str(PER_IP), "--http", "off"]
        with kafkado_server(KAFKADO, extra_args=args) as broker:
            run(broker)
    print("PASS")


def run(broker):
    port = int(broker.split(":")[1])
    produce_and_consume(broker, "warm-up")  # topic creation and the first group join
    before = produce_and_consume(broker, "before")
    rss_before = rss_mib(broker.pid)

    peak = [rss_before]
    stop = threading.Event()

    def watch_rss():
        while not stop.is_set():
            peak[0] = max(peak[0], rss_mib(broker.pid))
            time.sleep(0.1)

    watcher = threading.Thread(target=watch_rss)
    watcher.start()
    attack_start = time.monotonic()
    idle = [connect_from("127.0.0.2", port) for _ in range(IDLE)]
    stalled = []
    for i in range(STALLED):
        s = connect_from("127.0.0.3", port)
        s.sendall(sasl_handshake_frame(i))
        stalled.append(s)
    slowloris = connect_from("127.0.0.4", port)
    frame = sasl_handshake_frame(0)

    def trickle():
        for byte in frame:
            if stop.is_set():
                return
            try:
                slowloris.sendall(bytes([byte]))
            except OSError:
                return  # closed by the broker
            time.sleep(1)

    trickler = threading.Thread(target=trickle)
    trickler.start()
    opened = time.monotonic() - attack_start

    during = produce_and_consume(broker, "during")

    # Every offender is closed by the broker: the flood over the per-address limit at once,
    # the rest once the authentication timeout has passed.
    for s in idle + stalled + [slowloris]:
        s.settimeout(max(1.0, AUTH_TIMEOUT_MS / 1000 * 2 - (time.monotonic() - attack_start)))
    dropped_idle = sum(closed_by_broker(s) for s in idle)
    dropped_stalled = sum(closed_by_broker(s) for s in stalled)
    dropped_slow = closed_by_broker(slowloris)
    elapsed = time.monotonic() - attack_start
    stop.set()
    watcher.join()
    trickler.join()
    for s in idle + stalled + [slowloris]:
        s.close()
    assert dropped_idle == IDLE, f"{dropped_idle} of {IDLE} idle connections closed"
    assert dropped_stalled == STALLED, f"{dropped_stalled} of {STALLED} SASL stallers closed"
    assert dropped_slow, "the slowloris was not closed"

    with open(broker.log_path) as f:
        log = f.read()
    limit_lines = [l for l in log.splitlines() if "closing new connections" in l or
                   "closing connections from" in l]
    print("\n".join(limit_lines))
    assert 3 <= len(limit_lines) <= 6, f"{len(limit_lines)} limit lines: not once per offender"
    assert peak[0] < 256, f"broker RSS peaked at {peak[0]:.0f} MiB"
    print(f"normal client: {before:,.0f} rec/s before, {during:,.0f} rec/s during the attack "
          f"({during / before:.2f}x); {IDLE} idle + {STALLED} stalled + 1 slowloris opened in "
          f"{opened:.1f} s, all dropped within {elapsed:.1f} s; broker RSS {rss_before:.0f} MiB "
          f"before, peak {peak[0]:.0f} MiB")
    assert during >= 0.25 * before, f"the normal client slowed to {during / before:.2f}x"


if __name__ == "__main__":
    main()
