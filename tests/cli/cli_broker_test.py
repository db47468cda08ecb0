"""kafkado on a data directory and on a running broker: one script of commands, run twice —
with --data DIR, and with -b HOST:PORT against `kafkado serve` — must print the same (timestamps
and on-disk sizes aside, which the broker does not report), exit alike, and fail with the same
Kafka error names. Then what only a broker allows: kcat interoperability both ways, a live group
member seen by `groups describe` and protecting its offsets, and a data directory that a broker
holds naming the -b to use.

Usage: /usr/bin/python3 cli_broker_test.py KAFKADO KCAT
"""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "compat"))
from compat_server import kafkado_server  # noqa: E402

KAFKADO = os.path.abspath(sys.argv[1])
KCAT = sys.argv[2] if len(sys.argv) > 2 else "kcat"

KEYED = "".join(f"customer-{i % 7}:order {i}\n" for i in range(40))

# (arguments, stdin, whether the line order of stdout is free: records of several partitions)
SCRIPT = [
    (["topics", "create", "orders", "-p", "3", "-c", "retention.ms=3600000"], "", False),
    (["topics", "create", "single"], "", False),
    (["topics", "create", "orders"], "", False),  # fails: TOPIC_ALREADY_EXISTS
    (["topics", "list"], "", False),
    (["topics", "list", "--json"], "", False),
    (["produce", "orders", "-K", ":", "-H", "source=cli", "-H", "v=1"], KEYED, False),
    (["produce", "single", "--json"], "".join(f'{{"n":{i}}}\n' for i in range(10)), False),
    (["produce", "single", "--json"], '{"n":10}\n{"n":\n', False),  # fails at line 2
    (["produce", "nope"], "x\n", False),  # fails: UNKNOWN_TOPIC_OR_PARTITION
    (["topics", "describe", "orders"], "", False),
    (["topics", "describe", "single", "--json"], "", False),
    (["consume", "orders", "-o", "beginning", "-e", "-f", "%t %p %o %k %s %h\\n"], "", True),
    (["consume", "orders", "-p", "1", "-o", "-2", "-e", "-K", "="], "", False),
    (["consume", "orders", "-p", "2", "-o", "3", "-c", "2", "--json"], "", False),
    (["consume", "single", "-o", "@2020-01-01T00:00:00Z", "-e", "-c", "3"], "", False),
    (["consume", "nope", "-e"], "", False),  # fails: UNKNOWN_TOPIC_OR_PARTITION
    # A group reads 4 of single's 11 records: lag 7.
    (["consume", "single", "-G", "billing", "-o", "beginning", "-c", "4"], "", False),
    (["groups", "list"], "", False),
    (["groups", "describe", "billing"], "", False),
    (["groups", "reset-offsets", "billing", "-t", "single", "--shift-by", "-2", "--dry-run"],
     "", False),
    (["groups", "describe", "billing", "--json"], "", False),
    (["groups", "reset-offsets", "billing", "-t", "single", "--shift-by", "-2"], "", False),
    (["consume", "single", "-G", "billing", "-e"], "", False),
    (["groups", "describe", "billing"], "", False),
    (["groups", "reset-offsets", "billing", "-t", "single", "--to-earliest", "--json"], "",
     False),
    (["groups", "delete", "billing"], "", False),
    (["groups", "list", "--json"], "", False),
    (["topics", "alter", "orders", "-c", "cleanup.policy=compact", "--delete-config",
      "retention.ms"], "", False),
    (["topics", "describe", "orders"], "", False),
    (["topics", "add-partitions", "single", "-p", "2"], "", False),
    (["topics", "describe", "single"], "", False),
    (["topics", "delete", "single"], "", False),
    (["topics", "delete", "single"], "", False),  # fails: UNKNOWN_TOPIC_OR_PARTITION
    (["topics", "list"], "", False),
]


def run(args, stdin="", check=None, timeout=60):
    p = subprocess.run([KAFKADO] + args, input=stdin, capture_output=True, text=True,
                       timeout=timeout)
    if check is not None and p.returncode != check:
        sys.exit(f"FAIL: kafkado {' '.join(args)} exited {p.returncode}, not {check}:\n"
                 f"{p.stdout}{p.stderr}")
    return p


def normalize(args, out, unordered):
    out = re.sub(r"\b1[6-9]\d{11}\b", "<ms>", out)  # epoch-millisecond timestamps
    if "describe" in args and args[0] == "topics":
        if "--json" in args:
            d = json.loads(out)
            for p in d["partition_info"]:
                p.pop("size_bytes")
            out = json.dumps(d, sort_keys=True)
        else:  # the SIZE-BYTES column of partition rows: a number on a data dir, "-" over -b
            out = re.sub(r"^(\s+\d+\s+\d+\s+\d+\s+\d+\s+)(\d+|-)$", r"\1<size>", out, flags=re.M)
    if unordered:
        out = "\n".join(sorted(out.splitlines()))
    return out


def error_name(stderr):
    m = re.search(r"\[([A-Z_]+), code -?\d+\]", stderr)
    return m.group(1) if m else stderr.strip()


def compare_backends(address, workdir):
    data = ["--data", os.path.join(workdir, "cli-data")]
    broker = ["-b", address]
    for args, stdin, unordered in SCRIPT:
        a = run(data + args, stdin)
        b = run(broker + args, stdin)
        what = "kafkado " + " ".join(args)
        if a.returncode != b.returncode:
            sys.exit(f"FAIL: {what}: exit {a.returncode} on --data, {b.returncode} with -b\n"
                     f"--data: {a.stderr}\n-b: {b.stderr}")
        if a.returncode != 0 and error_name(a.stderr) != error_name(b.stderr):
            sys.exit(f"FAIL: {what}: errors differ\n--data: {a.stderr}\n-b: {b.stderr}")
        na, nb = normalize(args, a.stdout, unordered), normalize(args, b.stdout, unordered)
        if na != nb:
            sys.exit(f"FAIL: {what}: outputs differ\n--- --data:\n{a.stdout}\n--- -b:\n{b.stdout}")
        if a.returncode != 0 and "produce" in args and "--json" in args:
            assert "line 2 is not valid JSON" in a.stderr, a.stderr
    print(f"ok: {len(SCRIPT)} commands print the same on a data directory and on a broker")


def check_values(address):
    broker = ["-b", address]
    run(broker + ["topics", "create", "lag"], check=0)
    run(broker + ["produce", "lag"], "".join(f"r{i}\n" for i in range(10)), check=0)
    run(broker + ["consume", "lag", "-G", "half", "-o", "beginning", "-c", "5"], check=0)
    d = json.loads(run(broker + ["groups", "describe", "half", "--json"], check=0).stdout)
    assert d["total_lag"] == 5 and d["partitions"][0]["committed"] == 5, d
    plan = json.loads(run(broker + ["groups", "reset-offsets", "half", "-t", "lag",
                                    "--to-offset", "2", "--dry-run", "--json"], check=0).stdout)
    assert plan["partitions"] == [{"topic": "lag", "partition": 0, "from": 5, "to": 2}], plan
    d = json.loads(run(broker + ["groups", "describe", "half", "--json"], check=0).stdout)
    assert d["total_lag"] == 5, "a dry run committed: %r" % d
    print("ok: group lag after consuming half a topic, and a dry run that commits nothing")


def kcat_interop(address):
    broker = ["-b", address]
    run(broker + ["topics", "create", "interop", "-p", "3"], check=0)
    lines = "".join(f"k{i % 5}:value {i}\n" for i in range(30))
    run(broker + ["produce", "interop", "-K", ":", "-H", "origin=kafkado", "-H", "n=2"], lines,
        check=0)
    run(broker + ["produce", "interop", "-p", "2"], "keyless to two\n", check=0)
    fmt = "%p|%o|%k|%s|%h\\n"
    kcat = subprocess.run([KCAT, "-b", address, "-C", "-t", "interop", "-o", "beginning", "-e",
                           "-q", "-f", fmt.replace("\\n", "\n")],
                          capture_output=True, text=True, timeout=60, check=True).stdout
    ours = run(broker + ["consume", "interop", "-o", "beginning", "-e", "-f", fmt], check=0).stdout
    assert sorted(kcat.splitlines()) == sorted(ours.splitlines()), (kcat, ours)
    assert "2|0|k" in ours or "|keyless to two|" in ours
    # murmur2 of the key, as kcat's (librdkafka's murmur2_random) would place it.
    for line in ours.splitlines():
        p, _, k, v, h = line.split("|")
        if k:
            assert h == "origin=kafkado,n=2", line
    # The reverse: kcat writes keys, headers and an explicit partition; kafkado reads them.
    subprocess.run([KCAT, "-b", address, "-P", "-t", "interop", "-K", ":", "-p", "1",
                    "-H", "from=kcat"], input="kk:written by kcat\n", text=True, timeout=60,
                   check=True)
    got = run(broker + ["consume", "interop", "-p", "1", "-o", "-1", "-e", "-f", fmt],
              check=0).stdout
    assert re.fullmatch(r"1\|\d+\|kk\|written by kcat\|from=kcat\n", got), got
    print("ok: what kafkado produces kcat reads alike, and the reverse")


def live_member(address):
    broker = ["-b", address]
    run(broker + ["topics", "create", "live", "-p", "2"], check=0)
    follower = subprocess.Popen([KAFKADO] + broker + ["consume", "live", "-G", "watchers"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            d = json.loads(run(broker + ["groups", "describe", "watchers", "--json"],
                               check=0).stdout)
            if d["state"] == "Stable" and d["members"] and len(d["members"][0]["assignment"]) == 2:
                break
            assert time.monotonic() < deadline, d
            time.sleep(0.1)
        assert d["members"][0]["client_id"] == "kafkado", d
        r = run(broker + ["groups", "reset-offsets", "watchers", "-t", "live", "--to-earliest"])
        assert r.returncode == 1 and "NON_EMPTY_GROUP" in r.stderr, r.stderr
        run(broker + ["produce", "live"], "while it watches\n", check=0)
        deadline = time.monotonic() + 30
        while True:
            d = json.loads(run(broker + ["groups", "describe", "watchers", "--json"],
                               check=0).stdout)
            if any(p["committed"] == 1 for p in d["partitions"]):
                break
            assert time.monotonic() < deadline, d
            time.sleep(0.2)
    finally:
        follower.send_signal(signal.SIGTERM)
        out, err = follower.communicate(timeout=30)
    assert follower.returncode == 0, err
    assert out == "while it watches\n", out
    print("ok: a live member shows with its client id and assignment, and keeps its offsets")


def held_data_dir(address):
    data = os.path.join(os.path.dirname(address.log_path), "data")
    r = run(["--data", data, "topics", "list"])
    assert r.returncode == 1, r
    assert f"use -b {address} instead of --data" in r.stderr, r.stderr
    print("ok: a data directory a broker holds names the -b to use")


def main():
    with tempfile.TemporaryDirectory(prefix="kafka-do-cli-") as workdir:
        with kafkado_server(KAFKADO, default_partitions=1) as address:
            compare_backends(address, workdir)
            check_values(address)
            kcat_interop(address)
            live_member(address)
            held_data_dir(address)
    print("PASS")


if __name__ == "__main__":
    main()
