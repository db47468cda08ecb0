#!/usr/bin/env python3
"""Records the request frames real Kafka clients send, for tests/protocol/corpus/.

A throwaway fake broker on 127.0.0.1 (ephemeral port) that answers just enough for a client to
get going: ApiVersions (any version, v3 flexible), Metadata v0-v6 (one topic, one partition, led
by this "broker"), Produce v0-v7 and FindCoordinator v0-v2. Anything else (JoinGroup, ...) is
recorded and left unanswered; the client is stopped when its time box runs out.

Each frame is stored once per (client, api, version) as
    <client>-<api>-v<version>.bin
holding the frame without its int32 size prefix: request header + body, exactly as received.

Usage (from the repository root; needs kcat, python3-kafka and python3-confluent-kafka):
    python3 tests/protocol/capture/capture_frames.py [--out tests/protocol/corpus] [client ...]
Clients: kcat, kafka-python, confluent-kafka-python. Every wait is bounded; client processes are
started and stopped by this script only (no process is left running).
"""

import argparse
import os
import socket
import struct
import subprocess
import sys
import threading

HOST = "127.0.0.1"
TOPIC = "capture-topic"
SYSTEM_PYTHON = "/usr/bin/python3"  # the Debian client packages are only visible to this one
CLIENT_TIMEOUT = 15.0  # seconds per client command

API_NAMES = {0: "produce", 1: "fetch", 2: "list_offsets", 3: "metadata", 8: "offset_commit",
             9: "offset_fetch", 10: "find_coordinator", 11: "join_group", 12: "heartbeat",
             13: "leave_group", 14: "sync_group", 15: "describe_groups", 16: "list_groups",
             17: "sasl_handshake", 18: "api_versions", 19: "create_topics", 20: "delete_topics",
             21: "delete_records", 22: "init_producer_id", 24: "add_partitions_to_txn",
             25: "add_offsets_to_txn", 26: "end_txn", 28: "txn_offset_commit",
             32: "describe_configs", 33: "alter_configs", 36: "sasl_authenticate",
             37: "create_partitions", 42: "delete_groups", 44: "incremental_alter_configs",
             47: "offset_delete", 60: "describe_cluster"}

# Advertised (api key, min, max) while capturing: the non-flexible ranges except ApiVersions, so the
# captured frames exercise the non-flexible codecs (wider than what the broker serves today).
ADVERTISED = [(0, 0, 7), (1, 0, 11), (2, 0, 3), (3, 0, 6), (8, 0, 7), (9, 0, 5), (10, 0, 2),
              (11, 0, 5), (12, 0, 3), (13, 0, 3), (14, 0, 3), (15, 0, 4), (16, 0, 2), (18, 0, 3),
              (19, 0, 4), (20, 0, 3), (22, 0, 1), (24, 0, 1), (25, 0, 1), (26, 0, 1), (28, 0, 2),
              (32, 0, 2), (33, 0, 1), (37, 0, 1), (42, 0, 1), (47, 0, 0)]


# ---- tiny encoders/decoders (classic encoding only, plus what ApiVersions v3 needs) ----

def i8(v): return struct.pack(">b", v)
def i16(v): return struct.pack(">h", v)
def i32(v): return struct.pack(">i", v)
def i64(v): return struct.pack(">q", v)


def string(s):
    if s is None:
        return i16(-1)
    b = s.encode()
    return i16(len(b)) + b


def uvarint(v):
    out = b""
    while v >= 0x80:
        out += bytes([(v & 0x7F) | 0x80])
        v >>= 7
    return out + bytes([v])


class Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, n):
        b = self.data[self.pos:self.pos + n]
        if len(b) != n:
            raise ValueError("truncated")
        self.pos += n
        return b

    def i16(self): return struct.unpack(">h", self.take(2))[0]
    def i32(self): return struct.unpack(">i", self.take(4))[0]

    def string(self):
        n = self.i16()
        return None if n < 0 else self.take(n).decode()

    def bytes(self):
        n = self.i32()
        return None if n < 0 else self.take(n)


def api_versions_response(version):
    if version >= 3:
        body = i16(0) + uvarint(len(ADVERTISED) + 1)
        for key, lo, hi in ADVERTISED:
            body += i16(key) + i16(lo) + i16(hi) + b"\x00"
        return body + i32(0) + b"\x00"
    body = i16(0) + i32(len(ADVERTISED))
    for key, lo, hi in ADVERTISED:
        body += i16(key) + i16(lo) + i16(hi)
    return body + (i32(0) if version >= 1 else b"")


def metadata_response(version, port, topics):
    out = i32(0) if version >= 3 else b""
    out += i32(1) + i32(0) + string(HOST) + i32(port) + (string(None) if version >= 1 else b"")
    if version >= 2:
        out += string("capture-cluster")
    if version >= 1:
        out += i32(0)  # controller id
    out += i32(len(topics))
    for name in topics:
        out += i16(0) + string(name) + (i8(0) if version >= 1 else b"")
        out += i32(1) + i16(0) + i32(0) + i32(0)  # one partition 0, leader 0
        out += i32(1) + i32(0) + i32(1) + i32(0)  # replicas [0], isr [0]
        if version >= 5:
            out += i32(0)  # offline replicas []
    return out


def find_coordinator_response(version, port):
    out = i32(0) if version >= 1 else b""
    out += i16(0)
    if version >= 1:
        out += string(None)
    return out + i32(0) + string(HOST) + i32(port)


def produce_response(version, req):
    if version >= 3:
        req.string()  # transactional id
    acks = req.i16()
    req.i32()  # timeout
    if acks == 0:
        return None
    topics = []
    for _ in range(req.i32()):
        name = req.string()
        parts = []
        for _ in range(req.i32()):
            parts.append(req.i32())
            req.bytes()
        topics.append((name, parts))
    out = i32(len(topics))
    for name, parts in topics:
        out += string(name) + i32(len(parts))
        for p in parts:
            out += i32(p) + i16(0) + i64(0)
            if version >= 2:
                out += i64(-1)
            if version >= 5:
                out += i64(0)
    return out + (i32(0) if version >= 1 else b"")


# ---- the fake broker ----

class FakeBroker:
    def __init__(self, client, out_dir):
        self.client, self.out_dir = client, out_dir
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((HOST, 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.stop = threading.Event()
        self.saved = set()
        self.lock = threading.Lock()
        self.threads = []

    def serve(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            t = threading.Thread(target=self.connection, args=(conn,), daemon=True)
            t.start()
            self.threads.append(t)
        self.sock.close()

    def read_exact(self, conn, n):
        buf = b""
        while len(buf) < n:
            if self.stop.is_set():
                return None
            try:
                chunk = conn.recv(n - len(buf))
            except socket.timeout:
                continue
            if not chunk:
                return None
            buf += chunk
        return buf

    def connection(self, conn):
        conn.settimeout(0.2)
        with conn:
            while not self.stop.is_set():
                size = self.read_exact(conn, 4)
                if size is None:
                    return
                frame = self.read_exact(conn, struct.unpack(">i", size)[0])
                if frame is None:
                    return
                self.record(frame)
                response = self.answer(frame)
                if response is not None:
                    conn.sendall(i32(len(response)) + response)

    def record(self, frame):
        key, version = struct.unpack(">hh", frame[:4])
        name = API_NAMES.get(key, f"api{key}")
        with self.lock:
            if (key, version) in self.saved:
                return
            self.saved.add((key, version))
        path = os.path.join(self.out_dir, f"{self.client}-{name}-v{version}.bin")
        with open(path, "wb") as fp:
            fp.write(frame)
        print(f"  captured {os.path.basename(path)} ({len(frame)} bytes)")

    def answer(self, frame):
        req = Reader(frame)
        key, version, correlation = req.i16(), req.i16(), req.i32()
        req.string()  # client id (a classic string in every header version)
        if key == 18:  # ApiVersions: header v0 always; a v3 body ends with tags we ignore here
            return i32(correlation) + api_versions_response(version)
        if key == 3 and version <= 6:
            count = req.i32()
            topics = [req.string() for _ in range(max(count, 0))]
            return i32(correlation) + metadata_response(version, self.port, topics or [TOPIC])
        if key == 10 and version <= 2:
            return i32(correlation) + find_coordinator_response(version, self.port)
        if key == 0 and version <= 7:
            body = produce_response(version, req)
            return None if body is None else i32(correlation) + body
        return None  # recorded only


# ---- the clients ----

KAFKA_PYTHON = """
import kafka, sys
servers = sys.argv[1]
p = kafka.KafkaProducer(bootstrap_servers=servers, request_timeout_ms=4000, max_block_ms=5000)
p.send("capture-topic", b"hello").get(timeout=5)
p.close(timeout=2)
c = kafka.KafkaConsumer("capture-topic", bootstrap_servers=servers, group_id="capture-group",
                        consumer_timeout_ms=3000, request_timeout_ms=6000,
                        session_timeout_ms=5000, heartbeat_interval_ms=1000)
c.poll(timeout_ms=3000)
"""

CONFLUENT = """
import confluent_kafka, sys
from confluent_kafka.admin import AdminClient
servers = sys.argv[1]
admin = AdminClient({"bootstrap.servers": servers})
admin.list_topics(timeout=5)
p = confluent_kafka.Producer({"bootstrap.servers": servers, "message.timeout.ms": 5000})
p.produce("capture-topic", b"hello")
p.flush(5)
c = confluent_kafka.Consumer({"bootstrap.servers": servers, "group.id": "capture-group",
                              "session.timeout.ms": 6000})
c.subscribe(["capture-topic"])
c.poll(4)
"""


def client_commands(client, servers):
    if client == "kcat":
        return [(["kcat", "-b", servers, "-L", "-m", "5"], None),
                (["kcat", "-b", servers, "-P", "-t", TOPIC, "-X", "message.timeout.ms=5000"],
                 b"hello\n")]
    if client == "kafka-python":
        return [([SYSTEM_PYTHON, "-c", KAFKA_PYTHON, servers], None)]
    if client == "confluent-kafka-python":
        return [([SYSTEM_PYTHON, "-c", CONFLUENT, servers], None)]
    raise SystemExit(f"unknown client {client}")


def run_client(client, out_dir):
    broker = FakeBroker(client, out_dir)
    server = threading.Thread(target=broker.serve, daemon=True)
    server.start()
    servers = f"{HOST}:{broker.port}"
    print(f"{client}: fake broker on {servers}")
    try:
        for argv, stdin in client_commands(client, servers):
            proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            try:
                proc.communicate(stdin, timeout=CLIENT_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
            print(f"  {argv[0]} exited with {proc.returncode}")
    finally:
        broker.stop.set()
        server.join(timeout=5)
        for t in broker.threads:
            t.join(timeout=5)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description="capture Kafka client request frames")
    parser.add_argument("--out", default=os.path.join(here, "..", "corpus"))
    parser.add_argument("clients", nargs="*",
                        default=["kcat", "kafka-python", "confluent-kafka-python"])
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for client in args.clients:
        run_client(client, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
