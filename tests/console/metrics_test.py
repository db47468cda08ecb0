#!/usr/bin/env python3
"""The broker's HTTP side against real peers: a real Prometheus (Debian's) scrapes /metrics with
the API key the broker requires, and a PromQL query over its HTTP API returns the lag of a group
that consumed half a topic (confluent-kafka-python); promtool checks the exposition; the JSON API
answers what kcat produced; bad HTTP input gets specific errors and leaves the broker serving.

Usage: metrics_test.py KAFKADO"""
import base64
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "compat"))
from compat_server import kafkado_server  # noqa: E402

from confluent_kafka import Consumer, Producer  # noqa: E402

USER, SECRET = "ops", "s3cret-key"
SASL = {"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "PLAIN",
        "sasl.username": USER, "sasl.password": SECRET}
AUTH = "Basic " + base64.b64encode(f"{USER}:{SECRET}".encode()).decode()
TOPIC, GROUP, RECORDS = "lagged", "half-way", 100


def wait_until(predicate, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


def http(port, path, method="GET", body=None, headers=None, auth=True):
    """(status, headers, body bytes) of one request; HTTP errors are answers, not exceptions."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method, data=body)
    if auth:
        request.add_header("Authorization", AUTH)
    for k, v in (headers or {}).items():
        request.add_header(k, v)
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def raw(port, data):
    """Sends raw bytes on a fresh connection; returns the status line of the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(data)
        answer = b""
        while b"\r\n" not in answer:
            chunk = s.recv(4096)
            if not chunk:
                break
            answer += chunk
        return answer.split(b"\r\n", 1)[0].decode()


def sample(text, name, **labels):
    """The value of one sample in an exposition, or None."""
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        m = re.match(r"([a-z_]+)(?:\{(.*)\})? (\S+)$", line)
        if not m or m.group(1) != name:
            continue
        got = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
        if all(got.get(k) == str(v) for k, v in labels.items()):
            return float(m.group(3))
    return None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def produce_and_consume_half(bootstrap):
    producer = Producer({"bootstrap.servers": bootstrap, **SASL})
    for i in range(RECORDS):
        producer.produce(TOPIC, key=f"k{i}", value=json.dumps({"n": i}))
    assert producer.flush(30) == 0
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": GROUP, **SASL,
                         "auto.offset.reset": "earliest", "enable.auto.commit": False})
    consumer.subscribe([TOPIC])
    got = 0
    deadline = time.monotonic() + 30
    while got < RECORDS // 2 and time.monotonic() < deadline:
        m = consumer.poll(0.5)
        if m is not None and not m.error():
            got += 1
    assert got == RECORDS // 2, got
    consumer.commit(asynchronous=False)
    consumer.close()


def check_prometheus(http_port, workdir):
    config = os.path.join(workdir, "prometheus.yml")
    with open(config, "w") as f:
        f.write(f"""global:
  scrape_interval: 1s
scrape_configs:
  - job_name: kafka-do
    scrape_interval: 1s
    basic_auth:
      username: {USER}
      password: {SECRET}
    static_configs:
      - targets: ["127.0.0.1:{http_port}"]
""")
    port = free_port()
    log = open(os.path.join(workdir, "prometheus.log"), "w")
    prometheus = subprocess.Popen(
        ["prometheus", f"--config.file={config}", f"--storage.tsdb.path={workdir}/tsdb",
         f"--web.listen-address=127.0.0.1:{port}"], stdout=log, stderr=log)
    try:
        def query(promql):
            url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": promql})
            try:
                with urllib.request.urlopen(url, timeout=5) as r:
                    result = json.load(r)["data"]["result"]
            except (urllib.error.URLError, ConnectionError):
                return None
            return float(result[0]["value"][1]) if result else None

        lag = wait_until(lambda: query(f'sum(kafka_consumergroup_lag{{consumergroup="{GROUP}"}})'),
                         60, "Prometheus to have scraped the group's lag")
        assert lag == RECORDS / 2, f"PromQL lag {lag}, expected {RECORDS / 2}"
        assert query('up{job="kafka-do"}') == 1
        per_partition = query(f'kafka_consumergroup_lag{{consumergroup="{GROUP}",partition="0"}}')
        assert per_partition == RECORDS / 2
        assert query(f'kafka_topic_partitions{{topic="{TOPIC}"}}') == 1
        produced = query(f'kafka_do_topic_records_in_total{{topic="{TOPIC}"}}')
        assert produced == RECORDS, produced
        print(f"prometheus: lag {lag:g} for {GROUP} via PromQL, up=1, {produced:g} records in")
    except BaseException:
        log.flush()
        print("--- prometheus log:\n" + open(log.name).read()[-3000:], file=sys.stderr)
        raise
    finally:
        prometheus.terminate()
        prometheus.wait(timeout=30)
        log.close()


def check_exposition(port):
    status, headers, body = http(port, "/metrics")
    assert status == 200 and headers["Content-Type"].startswith("text/plain; version=0.0.4")
    text = body.decode()
    check = subprocess.run(["promtool", "check", "metrics"], input=body, capture_output=True)
    assert check.returncode == 0, check.stdout.decode() + check.stderr.decode()
    lag_sum = sample(text, "kafka_consumergroup_lag_sum", consumergroup=GROUP, topic=TOPIC)
    assert lag_sum == 50, "\n".join(l for l in text.splitlines() if "consumergroup" in l)
    assert sample(text, "kafka_consumergroup_members", consumergroup=GROUP) == 0
    assert sample(text, "kafka_topic_partition_current_offset", topic=TOPIC, partition=0) == RECORDS
    assert sample(text, "kafka_topic_partition_oldest_offset", topic=TOPIC, partition=0) == 0
    assert sample(text, "kafka_consumergroup_current_offset", consumergroup=GROUP, topic=TOPIC,
                  partition=0) == RECORDS // 2
    assert sample(text, "kafka_brokers") == 1
    assert sample(text, "kafka_do_requests_total", api="Produce", code=0) >= 1
    assert sample(text, "kafka_do_request_duration_seconds_count", api="Fetch") >= 1
    assert sample(text, "kafka_do_produce_append_duration_seconds_count") >= 1
    assert sample(text, "kafka_do_log_size_bytes", topic=TOPIC, partition=0) > 0
    assert sample(text, "kafka_do_group_rebalances_total") >= 1
    assert sample(text, "kafka_do_build_info", version="0.1.0") == 1
    print(f"exposition: {len(text.splitlines())} lines, promtool check metrics passed")


def check_auth(bootstrap, port):
    status, headers, _ = http(port, "/metrics", auth=False)
    assert status == 401 and headers.get("WWW-Authenticate", "").startswith("Basic"), status
    status, _, _ = http(port, "/api/overview", auth=False,
                        headers={"Authorization": "Basic " + base64.b64encode(b"ops:wrong").decode()})
    assert status == 401, status
    for path in ("/healthz", "/readyz"):  # probes need no key
        assert http(port, path, auth=False)[0] == 200, path
    text = http(port, "/metrics")[2].decode()
    assert sample(text, "kafka_do_authentication_failures_total") >= 1


def check_api(port):
    status, _, body = http(port, "/api/overview")
    overview = json.loads(body)
    assert status == 200 and overview["broker"]["auth_required"] is True
    topic = next(t for t in overview["topics"] if t["name"] == TOPIC)
    assert topic["partitions"] == 1 and topic["records"] == RECORDS, topic
    group = next(g for g in overview["groups"] if g["id"] == GROUP)
    assert group["lag"] == RECORDS // 2, group
    status, _, body = http(port, f"/api/topics/{TOPIC}/messages?partition=0&offset=7&order=oldest&limit=2")
    messages = json.loads(body)["messages"]
    assert [(m["partition"], m["offset"], m["key"]) for m in messages] == [(0, 7, "k7"), (0, 8, "k8")]
    assert json.loads(messages[0]["value"]) == {"n": 7}
    status, _, body = http(port, f"/api/topics/{TOPIC}/messages?q=k42")
    found = json.loads(body)["messages"]
    assert [m["key"] for m in found] == ["k42"], found
    status, headers, body = http(port, f"/api/topics/{TOPIC}/messages?format=jsonl&partition=0")
    lines = body.decode().splitlines()
    assert status == 200 and len(lines) == RECORDS and "attachment" in headers["Content-Disposition"]
    # A group without members: a dry run plans the reset and moves nothing.
    status, _, body = http(port, f"/api/groups/{GROUP}/reset", "POST",
                           json.dumps({"to": "earliest", "dry_run": True}).encode(),
                           {"Content-Type": "application/json"})
    plan = json.loads(body)
    assert status == 200 and [c["to"] for c in plan["changes"]] == [0], plan
    group = json.loads(http(port, f"/api/groups/{GROUP}")[2])
    assert group["lag"] == RECORDS // 2, "a dry run must not move offsets"


def check_live_group(bootstrap, port):
    """A group with a live member shows it with its assignment, and refuses a reset (409)."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "live", **SASL,
                         "client.id": "live-client", "auto.offset.reset": "earliest"})
    consumer.subscribe([TOPIC])
    try:
        wait_until(lambda: consumer.poll(0.2) is not None and consumer.assignment(), 30,
                   "the live consumer's assignment")
        consumer.commit(asynchronous=False)

        def described():
            g = json.loads(http(port, "/api/groups/live")[2])
            return g if g["state"] == "Stable" and g["members"] else None
        group = wait_until(described, 30, "the live group to be Stable")
        member = group["members"][0]
        assert member["client_id"] == "live-client", member
        assert member["assignment"] == [{"topic": TOPIC, "partitions": [0]}], member
        status, _, body = http(port, "/api/groups/live/reset", "POST",
                               json.dumps({"to": "latest"}).encode(),
                               {"Content-Type": "application/json"})
        assert status == 409 and json.loads(body)["code"] == "NON_EMPTY_GROUP", body
    finally:
        consumer.close()


def check_bad_input(port):
    json_type = {"Content-Type": "application/json"}
    assert http(port, "/api/topics/no-such-topic")[0] == 404
    status, _, body = http(port, "/api/topics/no-such-topic/messages")
    assert status == 404 and json.loads(body)["code"] == "NOT_FOUND", body
    assert http(port, "/api/topics", "POST", b"{not json", json_type)[0] == 400
    # A form post (what a cross-site page can send without a preflight) changes nothing.
    status, _, _ = http(port, f"/api/groups/{GROUP}/reset", "POST", b"to=earliest",
                        {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 403, status
    status, _, _ = http(port, f"/api/topics/{TOPIC}/messages", "POST", b'{"value":"x"}',
                        {**json_type, "Origin": "http://evil.example"})
    assert status == 403, status
    assert http(port, "/api/nothing-here")[0] == 404
    assert http(port, "/api/overview", "DELETE")[0] == 403
    assert raw(port, b"NONSENSE\r\n\r\n") == "HTTP/1.1 400 Bad Request"
    assert raw(port, b"GET / HTTP/1.1\r\nX: " + b"a" * 70000 + b"\r\n\r\n").startswith("HTTP/1.1 431")
    too_big = b"POST /api/topics HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n"
    assert raw(port, too_big).startswith("HTTP/1.1 413")
    chunked = b"POST /api/topics HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
    assert raw(port, chunked).startswith("HTTP/1.1 411")
    # Keep-alive: two requests on one connection both answered.
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /readyz HTTP/1.1\r\nHost: x\r\n\r\n")
        data = b""
        while data.count(b"HTTP/1.1 200") < 2:
            chunk = s.recv(4096)
            assert chunk, data
            data += chunk


def main():
    kafkado = sys.argv[1]
    for tool in ("prometheus", "promtool"):
        if shutil.which(tool) is None:
            sys.exit(f"FAIL: {tool} not found (Debian package prometheus; scripts/install-deps --test)")
    with tempfile.TemporaryDirectory(prefix="kafka-do-metrics-") as workdir, \
            kafkado_server(kafkado, default_partitions=1, api_keys=f"{USER}:{SECRET}\n",
                           extra_args=["--http", "127.0.0.1:0"]) as bootstrap:
        port = bootstrap.http_port
        assert port, "no HTTP port on the start line"
        wait_until(lambda: http(port, "/readyz", auth=False)[0] == 200, 10, "/readyz")
        produce_and_consume_half(bootstrap)
        check_exposition(port)
        check_auth(bootstrap, port)
        check_api(port)
        check_live_group(bootstrap, port)
        check_bad_input(port)
        check_prometheus(port, workdir)
        # After all of that the Kafka side still serves.
        consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "after", **SASL})
        assert TOPIC in consumer.list_topics(timeout=10).topics
        consumer.close()
    print("PASS metrics_test")


if __name__ == "__main__":
    main()
