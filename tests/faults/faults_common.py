"""Shared helpers for the fault tests: a broker process that can be SIGKILLed and restarted on
the same data directory and port, client subprocesses whose stdout lines are collected by a
thread, and bounded waits. Everything here waits with a deadline; the short sleeps are only
polling intervals inside deadline loops."""
import os
import re
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CLIENT = os.path.join(HERE, "faults_clients.py")


class Failure(AssertionError):
    pass


def wait_until(predicate, timeout, what, interval=0.05):
    """Polls predicate() until it returns a true value (returned) or timeout seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise Failure(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


class Broker:
    """`kafkado serve` on a fixed data directory. Each start writes its own log file
    (server-1.log, server-2.log, ...); a restart reuses the port of the first start."""

    def __init__(self, kafkado, workdir, default_partitions=1):
        self.kafkado = kafkado
        self.workdir = workdir
        self.data = os.path.join(workdir, "data")
        self.default_partitions = default_partitions
        self.process = None
        self.port = 0
        self.starts = 0
        self.log_path = None

    @property
    def bootstrap(self):
        return f"127.0.0.1:{self.port}"

    def start(self):
        self.starts += 1
        self.log_path = os.path.join(self.workdir, f"server-{self.starts}.log")
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(
                [self.kafkado, "serve", "--data", self.data, "--listen",
                 f"127.0.0.1:{self.port}", "--default-partitions", str(self.default_partitions),
                 "--group-initial-rebalance-delay-ms", "0"],
                stderr=log, stdout=subprocess.DEVNULL)

        def listening():
            m = re.search(r"listening on 127\.0\.0\.1:(\d+) ", self.log())
            if m:
                return int(m.group(1))
            if self.process.poll() is not None:
                raise Failure(f"server exited with {self.process.returncode} before listening:\n"
                              + self.log())
            return None

        port = wait_until(listening, 15, "the server's 'listening on' line")
        if self.port:
            assert port == self.port, (port, self.port)
        self.port = port
        return self.bootstrap

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def log_lines(self):
        return self.log().splitlines()

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        status = self.process.wait(timeout=10)
        assert status == -signal.SIGKILL, f"broker exited with {status} instead of being killed"

    def stop(self):
        """SIGTERM; the broker must exit 0 within 30 s."""
        self.process.send_signal(signal.SIGTERM)
        try:
            status = self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise Failure("server did not exit within 30 s of SIGTERM")
        if status != 0:
            raise Failure(f"server exited with {status} after SIGTERM")

    def dump_logs(self):
        for i in range(1, self.starts + 1):
            path = os.path.join(self.workdir, f"server-{i}.log")
            with open(path, errors="replace") as f:
                print(f"--- server log {i}:\n{f.read()}", file=sys.stderr)

    def cleanup(self):
        if self.alive():
            self.process.kill()
            self.process.wait()


class ClientProcess:
    """A faults_clients.py role in a subprocess (same interpreter); a thread collects its stdout
    lines, stderr goes to a file in the work directory."""

    def __init__(self, workdir, name, *args):
        self.name = name
        self.stderr_path = os.path.join(workdir, f"{name}.stderr")
        self.lines = []
        self.lock = threading.Lock()
        with open(self.stderr_path, "w") as err:
            self.process = subprocess.Popen([sys.executable, CLIENT, *args],
                                            stdout=subprocess.PIPE, stderr=err, text=True,
                                            bufsize=1)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.process.stdout:
            with self.lock:
                self.lines.append(line.rstrip("\n"))

    def snapshot(self):
        with self.lock:
            return list(self.lines)

    def wait_line(self, predicate, timeout, what):
        def found():
            for line in self.snapshot():
                if predicate(line):
                    return line
            self.check_running()
            return None
        return wait_until(found, timeout, f"{self.name}: {what}")

    def check_running(self):
        if self.process.poll() is not None:
            raise Failure(f"{self.name} exited early with {self.process.returncode}:\n"
                          + self.stderr())

    def stderr(self):
        with open(self.stderr_path, errors="replace") as f:
            return f.read()

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self.reader.join(timeout=10)

    def terminate_and_wait(self, timeout):
        """SIGTERM (the roles treat it as 'finish cleanly'); must exit 0."""
        self.process.send_signal(signal.SIGTERM)
        try:
            status = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise Failure(f"{self.name} did not finish within {timeout} s of SIGTERM:\n"
                          + self.stderr())
        self.reader.join(timeout=10)
        if status != 0:
            raise Failure(f"{self.name} exited with {status}:\n" + self.stderr())

    def cleanup(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def read_acks(path):
    """The acknowledged records a producer role wrote: {seq: (partition, offset)}. A last line
    cut short by SIGKILL (no newline) is ignored; every complete line counts."""
    acks = {}
    if not os.path.exists(path):
        return acks
    with open(path) as f:
        data = f.read()
    for line in data.split("\n")[:-1]:
        seq, partition, offset = (int(x) for x in line.split())
        assert seq not in acks, f"seq {seq} acknowledged twice"
        acks[seq] = (partition, offset)
    return acks


def count_lines(path):
    if not os.path.exists(path):
        return 0
    with open(path, "rb") as f:
        return f.read().count(b"\n")
