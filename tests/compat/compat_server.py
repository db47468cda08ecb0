"""Starts and stops `kafkado serve` for the Python compat tests."""
import contextlib
import os
import re
import signal
import subprocess
import sys
import tempfile
import time


class Address(str):
    """The bootstrap address ("127.0.0.1:PORT"); `log_path` is the server's log, `http_port` the
    port of its HTTP side (/metrics, the console) when it has one, `pid` its process id."""
    log_path = None
    http_port = None
    pid = None


@contextlib.contextmanager
def kafkado_server(kafkado, default_partitions=1, api_keys=None, extra_args=(),
                   initial_rebalance_delay_ms=0):
    """Yields the bootstrap address of a fresh server on a free loopback port. On a clean exit
    of the block the server gets SIGTERM and must exit 0; on an exception its log is printed.
    api_keys: None (no authentication) or the text of an `--api-keys` file (`username:password`
    lines), which makes the server require SASL/PLAIN. extra_args: more `serve` flags.
    initial_rebalance_delay_ms: 0 (not the broker's 3 s) so that a test's groups form at once;
    None keeps the broker's default."""
    with tempfile.TemporaryDirectory(prefix="kafka-do-compat-") as workdir:
        log_path = os.path.join(workdir, "server.log")
        command = [kafkado, "serve", "--data", os.path.join(workdir, "data"),
                   "--listen", "127.0.0.1:0", "--default-partitions", str(default_partitions)]
        if initial_rebalance_delay_ms is not None:
            command += ["--group-initial-rebalance-delay-ms", str(initial_rebalance_delay_ms)]
        if api_keys is not None:
            keys_path = os.path.join(workdir, "api-keys")
            with open(keys_path, "w") as f:
                f.write(api_keys)
            command += ["--api-keys", keys_path]
        command += list(extra_args)
        with open(log_path, "w") as log:
            server = subprocess.Popen(command, stderr=log)
        try:
            yield wait_for_listening(server, log_path)
        except BaseException:
            server.kill()
            server.wait()
            print("--- server log:\n" + open(log_path).read(), file=sys.stderr)
            raise
        server.send_signal(signal.SIGTERM)
        status = server.wait(timeout=30)
        if status != 0:
            sys.exit(f"FAIL: server exited with {status} after SIGTERM")


def wait_for_listening(server, log_path):
    # The start line is printed once the socket listens; bounded wait, no fixed sleep.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with open(log_path) as f:
            m = re.search(r"listening on 127\.0\.0\.1:(\d+) ", f.read())
        if m:
            address = Address("127.0.0.1:" + m.group(1))
            address.log_path = log_path
            address.pid = server.pid
            with open(log_path) as f:
                http = re.search(r"/metrics on http://[^:]+:(\d+)/", f.read())
            address.http_port = int(http.group(1)) if http else None
            return address
        if server.poll() is not None:
            raise RuntimeError(f"server exited with {server.returncode} before listening")
        time.sleep(0.05)
    raise RuntimeError("server did not start listening within 10 s")


class ServerProcess:
    """A `kafkado serve` on a data directory the caller owns, for tests that kill and restart
    it: start() launches it (on a fresh free port) and waits until it listens, kill() SIGKILLs
    it, stop() asks it to exit and checks it did so cleanly. `env` adds environment variables
    (e.g. KAFKA_DO_FAILPOINT)."""

    def __init__(self, kafkado, data_dir, log_path, extra_args=()):
        self.kafkado = kafkado
        self.data_dir = data_dir
        self.log_path = log_path
        self.extra_args = list(extra_args)
        self.process = None
        self.address = None

    def start(self, env=None):
        command = [self.kafkado, "serve", "--data", self.data_dir, "--listen", "127.0.0.1:0",
                   "--group-initial-rebalance-delay-ms", "0", *self.extra_args]
        full_env = dict(os.environ)
        full_env.update(env or {})
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(command, stderr=log, env=full_env)
        self.address = wait_for_listening(self.process, self.log_path)
        return self.address

    def wait_exit(self, timeout):
        return self.process.wait(timeout=timeout)

    def kill(self):
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
        if self.process is not None:
            self.process.wait()

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        status = self.process.wait(timeout=30)
        if status != 0:
            sys.exit(f"FAIL: server exited with {status} after SIGTERM")

    def log(self):
        with open(self.log_path) as f:
            return f.read()
