#!/usr/bin/python3
"""The broker's TLS listeners and SASL/SCRAM against real clients: confluent-kafka-python
(librdkafka 2.0.2), kcat and kafka-python, with certificates made in the test by the openssl
CLI.

- SASL_SSL with SCRAM-SHA-512, SCRAM-SHA-256 and PLAIN: produce and consume; a wrong secret is
  an authentication error, a CA that did not sign the broker's certificate an SSL error.
- A plaintext listener beside the TLS one: clients that come in on it are told its address;
  TLS bytes there and plaintext on the TLS port are closed with one log line each.
- Keys added and removed with `kafkado keys` while the broker runs take effect without a
  restart; SIGHUP rereads the certificate (new connections get the new one, an open producer
  keeps going).
- Mutual TLS: a client certificate signed by --tls-client-ca gets in; none, or one from another
  CA, does not.
- PLAIN is refused on a plaintext listener with --allow-plaintext-auth false (SCRAM works).

Usage: /usr/bin/python3 security_test.py KAFKADO KCAT
"""
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time

from confluent_kafka import Consumer, KafkaError, Producer
from kafka import KafkaConsumer, KafkaProducer

from compat_server import kafkado_server

KAFKADO = sys.argv[1]
KCAT = sys.argv[2]


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def make_ca(directory, name):
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out",
            f"{name}.pem", "-days", "2", "-subj", f"/CN={name}", cwd=directory)


def make_cert(directory, ca, name, common_name, server=True):
    """A certificate for `name` signed by `ca`; a server's names 127.0.0.1."""
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out",
            f"{name}.csr", "-subj", f"/CN={common_name}", cwd=directory)
    ext = os.path.join(directory, f"{name}.ext")
    with open(ext, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n" if server else
                "extendedKeyUsage=clientAuth\n")
    openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key",
            "-CAcreateserial", "-out", f"{name}.pem", "-days", "2", "-extfile", ext, cwd=directory)


def keys(*args):
    subprocess.run([KAFKADO, "keys", *args], check=True, stderr=subprocess.DEVNULL)


def wait_until(condition, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def log_of(broker):
    with open(broker.log_path) as f:
        return f.read()


def client_config(port, protocol, mechanism=None, user=None, secret=None, ca=None, **extra):
    config = {"bootstrap.servers": f"127.0.0.1:{port}", "security.protocol": protocol}
    if mechanism:
        config.update({"sasl.mechanism": mechanism, "sasl.username": user,
                       "sasl.password": secret})
    if ca:
        config["ssl.ca.location"] = ca
    config.update(extra)
    return config


def produce(config, topic, values):
    reports = []
    producer = Producer({**config, "message.timeout.ms": 20000})
    for value in values:
        producer.produce(topic, value=value, on_delivery=lambda err, msg: reports.append(err))
    assert producer.flush(30) == 0, "undelivered records"
    assert reports == [None] * len(values), reports


def consume(config, topic, count):
    consumer = Consumer({**config, "group.id": f"g-{topic}-{time.monotonic_ns()}",
                         "auto.offset.reset": "earliest"})
    consumer.subscribe([topic])
    got = []
    deadline = time.monotonic() + 30
    while len(got) < count and time.monotonic() < deadline:
        msg = consumer.poll(0.2)
        if msg is None:
            continue
        assert not msg.error(), msg.error()
        got.append(msg.value())
    consumer.close()
    return got


def refusal(config, wanted):
    """Connects with `config`, which must not get through, until librdkafka reports one of the
    error codes `wanted` (within 15 s); returns every code it reported."""
    errors = []
    producer = Producer({**config, "message.timeout.ms": 15000, "error_cb": errors.append})
    reports = []
    producer.produce("refused", value=b"x", on_delivery=lambda err, msg: reports.append(err))
    deadline = time.monotonic() + 15
    while not {e.code() for e in errors} & wanted and time.monotonic() < deadline:
        producer.poll(0.1)
    codes = {e.code() for e in errors}
    assert codes & wanted, f"expected one of {wanted}, got {codes}"
    assert not reports or reports[0] is not None, f"a refused client delivered: {reports}"
    return codes


def tls_and_scram(work):
    keys_file = os.path.join(work, "keys")
    keys("add", "alice", "--secret", "alice-s3cret", "--superuser", "--api-keys", keys_file)
    args = ["--tls-cert", os.path.join(work, "server.pem"), "--tls-key",
            os.path.join(work, "server.key"), "--plaintext-listen", "127.0.0.1:0", "--api-keys",
            keys_file]
    ca = os.path.join(work, "ca.pem")
    with kafkado_server(KAFKADO, extra_args=args) as broker:
        tls_port = int(broker.split(":")[1])
        plain_port = int(re.search(r"plaintext on 127\.0\.0\.1:(\d+)", log_of(broker)).group(1))
        assert "(SASL_SSL;" in log_of(broker), log_of(broker)

        for mechanism in ("SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"):
            config = client_config(tls_port, "SASL_SSL", mechanism, "alice", "alice-s3cret", ca)
            topic = "tls-" + mechanism.lower()
            produce(config, topic, [b"%s-%d" % (mechanism.encode(), i) for i in range(20)])
            got = consume(config, topic, 20)
            assert got == [b"%s-%d" % (mechanism.encode(), i) for i in range(20)], got
        print("SASL_SSL with SCRAM-SHA-512, SCRAM-SHA-256 and PLAIN: 20 records each")

        auth = {KafkaError._AUTHENTICATION}
        wrong = refusal(client_config(tls_port, "SASL_SSL", "SCRAM-SHA-512", "alice", "guess", ca),
                        auth)
        unknown = refusal(client_config(tls_port, "SASL_SSL", "SCRAM-SHA-256", "mallory", "x", ca),
                          auth)
        rogue = refusal(client_config(tls_port, "SASL_SSL", "SCRAM-SHA-512", "alice",
                                      "alice-s3cret", os.path.join(work, "rogue.pem")),
                        {KafkaError._SSL})
        print(f"refused: wrong secret {wrong}, unknown key {unknown}, untrusted CA {rogue}")

        # The plaintext listener: its own address in Metadata, so consuming through it works.
        plain = client_config(plain_port, "SASL_PLAINTEXT", "SCRAM-SHA-256", "alice",
                              "alice-s3cret")
        assert consume(plain, "tls-scram-sha-512", 20)[:1] == [b"SCRAM-SHA-512-0"]
        lines_before = log_of(broker).count("\n")
        with socket.create_connection(("127.0.0.1", plain_port)) as s:
            context = ssl.create_default_context(cafile=ca)
            try:
                context.wrap_socket(s, server_hostname="127.0.0.1")
            except (ssl.SSLError, OSError):
                pass
        with socket.create_connection(("127.0.0.1", tls_port)) as s:
            s.sendall(b"\x00\x00\x00\x0a\x00\x12\x00\x03\x00\x00\x00\x01\x00\x00")
            s.settimeout(10)
            assert s.recv(1) == b"", "plaintext on the TLS port must be closed"
        wait_until(lambda: "not TLS on the TLS listener" in log_of(broker), 10, "the TLS log line")
        wait_until(lambda: "a TLS handshake on the plaintext listener" in log_of(broker), 10,
                   "the plaintext log line")
        new_lines = log_of(broker).splitlines()[lines_before:]
        assert len([l for l in new_lines if "closing" in l]) == 2, new_lines
        print("plaintext listener: own address; wrong-protocol bytes closed with one line each")

        kcat_tls = ["-b", f"127.0.0.1:{tls_port}", "-X", "security.protocol=SASL_SSL", "-X",
                    f"ssl.ca.location={ca}", "-X", "sasl.mechanism=SCRAM-SHA-512", "-X",
                    "sasl.username=alice", "-X", "sasl.password=alice-s3cret"]
        subprocess.run([KCAT, *kcat_tls, "-P", "-t", "kcat-tls"], input=b"one\ntwo\nthree\n",
                       check=True, timeout=30)
        out = subprocess.run([KCAT, *kcat_tls, "-C", "-t", "kcat-tls", "-e", "-q"],
                             capture_output=True, check=True, timeout=30).stdout
        assert out == b"one\ntwo\nthree\n", out
        print("kcat over SASL_SSL/SCRAM-SHA-512: produced and consumed 3 records")

        # The CLI on the public SDK: -b with --tls-ca and a SCRAM key.
        cli = [KAFKADO, "-b", f"127.0.0.1:{tls_port}", "--tls-ca", ca, "--api-key",
               "alice:alice-s3cret", "--sasl-mechanism", "SCRAM-SHA-512"]
        listed = subprocess.run([*cli, "topics", "list"], capture_output=True, text=True,
                                timeout=60)
        assert listed.returncode == 0 and "kcat-tls" in listed.stdout, listed
        tail = subprocess.run([*cli, "consume", "kcat-tls", "-o", "beginning", "-e", "-q"],
                              capture_output=True, text=True, timeout=60)
        assert tail.returncode == 0 and tail.stdout.split() == ["one", "two", "three"], tail
        wrong = subprocess.run([*cli[:-3], "alice:nope", *cli[-2:], "topics", "list"],
                               capture_output=True, text=True, timeout=60)
        assert wrong.returncode == 1 and "authentication failed" in wrong.stderr, wrong
        print("kafkado -b --tls-ca --sasl-mechanism SCRAM-SHA-512: topics list, consume; a wrong "
              "key exits 1 with the reason")

        # Keys change while the broker runs.
        bob = client_config(tls_port, "SASL_SSL", "SCRAM-SHA-512", "bob", "b0b-secret", ca)
        refusal(bob, auth)
        keys("add", "bob", "--secret", "b0b-secret", "--superuser", "--api-keys", keys_file)
        produce(bob, "bob-topic", [b"hello from bob"])
        keys("remove", "bob", "--api-keys", keys_file)
        refusal(bob, auth)
        print("keys add/remove took effect without a restart")

        # SIGHUP: a new certificate for new connections; an open producer keeps going.
        producer = Producer({**client_config(tls_port, "SASL_SSL", "SCRAM-SHA-512", "alice",
                                             "alice-s3cret", ca), "message.timeout.ms": 20000})
        producer.produce("reload", value=b"before")
        assert producer.flush(30) == 0
        old_pem = ssl.get_server_certificate(("127.0.0.1", tls_port))
        make_cert(work, "ca", "server2", "kafka-do-reloaded")
        os.replace(os.path.join(work, "server2.pem"), os.path.join(work, "server.pem"))
        os.replace(os.path.join(work, "server2.key"), os.path.join(work, "server.key"))
        os.kill(broker.pid, signal.SIGHUP)
        wait_until(lambda: "SIGHUP: reread the TLS certificate" in log_of(broker), 10,
                   "the reload line")
        new_pem = wait_until(
            lambda: (lambda pem: pem if pem != old_pem else None)(
                ssl.get_server_certificate(("127.0.0.1", tls_port))), 10, "the new certificate")
        with open(os.path.join(work, "server.pem")) as f:
            assert ssl.PEM_cert_to_DER_cert(new_pem) == ssl.PEM_cert_to_DER_cert(f.read())
        producer.produce("reload", value=b"after")
        assert producer.flush(30) == 0
        assert consume(client_config(tls_port, "SASL_SSL", "SCRAM-SHA-256", "alice",
                                     "alice-s3cret", ca), "reload", 2) == [b"before", b"after"]
        print("SIGHUP: new connections get the new certificate; the open producer kept going")

        # kafka-python: SCRAM as bare frames after SaslHandshake v0.
        for mechanism in ("SCRAM-SHA-256", "SCRAM-SHA-512"):
            args = dict(bootstrap_servers=f"127.0.0.1:{plain_port}",
                        security_protocol="SASL_PLAINTEXT", sasl_mechanism=mechanism,
                        sasl_plain_username="alice", sasl_plain_password="alice-s3cret")
            kp = KafkaProducer(**args)
            kp.send("kp-scram", value=mechanism.encode()).get(timeout=30)
            kp.close()
        kc = KafkaConsumer("kp-scram", auto_offset_reset="earliest", consumer_timeout_ms=5000,
                           bootstrap_servers=f"127.0.0.1:{plain_port}",
                           security_protocol="SASL_PLAINTEXT", sasl_mechanism="SCRAM-SHA-512",
                           sasl_plain_username="alice", sasl_plain_password="alice-s3cret")
        got = [m.value for m in kc]
        kc.close()
        assert got == [b"SCRAM-SHA-256", b"SCRAM-SHA-512"], got
        print("kafka-python with SCRAM-SHA-256 and SCRAM-SHA-512 (bare SASL frames)")


def mutual_tls(work):
    args = ["--tls-cert", os.path.join(work, "server.pem"), "--tls-key",
            os.path.join(work, "server.key"), "--tls-client-ca", os.path.join(work, "ca.pem")]
    ca = os.path.join(work, "ca.pem")
    with kafkado_server(KAFKADO, extra_args=args) as broker:
        port = int(broker.split(":")[1])
        trusted = client_config(port, "SSL", ca=ca,
                                **{"ssl.certificate.location": os.path.join(work, "client.pem"),
                                   "ssl.key.location": os.path.join(work, "client.key")})
        produce(trusted, "mtls", [b"a", b"b"])
        assert consume(trusted, "mtls", 2) == [b"a", b"b"]
        out = subprocess.run([KCAT, "-b", broker, "-X", "security.protocol=ssl", "-X",
                              f"ssl.ca.location={ca}", "-X",
                              f"ssl.certificate.location={os.path.join(work, 'client.pem')}",
                              "-X", f"ssl.key.location={os.path.join(work, 'client.key')}",
                              "-C", "-t", "mtls", "-e", "-q"],
                             capture_output=True, check=True, timeout=30).stdout
        assert out == b"a\nb\n", out
        # TLS 1.3: the client learns of the refusal as a closed connection after its handshake.
        refused = {KafkaError._SSL, KafkaError._TRANSPORT}
        no_cert = refusal(client_config(port, "SSL", ca=ca), refused)
        other_ca = refusal(client_config(
            port, "SSL", ca=ca, **{"ssl.certificate.location": os.path.join(work, "rogue-client.pem"),
                                   "ssl.key.location": os.path.join(work, "rogue-client.key")}),
            refused)
        assert "TLS handshake failed" in log_of(broker), log_of(broker)
        print(f"mutual TLS: a trusted client certificate gets in (librdkafka, kcat); none "
              f"{no_cert}, another CA's {other_ca} do not")


def plain_refused(work):
    keys_file = os.path.join(work, "keys-plain")
    keys("add", "carol", "--secret", "c4rol", "--superuser", "--api-keys", keys_file)
    with kafkado_server(KAFKADO, extra_args=["--api-keys", keys_file, "--allow-plaintext-auth",
                                             "false"]) as broker:
        port = int(broker.split(":")[1])
        codes = refusal(client_config(port, "SASL_PLAINTEXT", "PLAIN", "carol", "c4rol"),
                        {KafkaError._AUTHENTICATION})
        produce(client_config(port, "SASL_PLAINTEXT", "SCRAM-SHA-512", "carol", "c4rol"), "scram",
                [b"ok"])
        print(f"--allow-plaintext-auth false: PLAIN refused {codes}, SCRAM accepted")


def main():
    with tempfile.TemporaryDirectory(prefix="kafka-do-security-") as work:
        make_ca(work, "ca")
        make_ca(work, "rogue")
        make_cert(work, "ca", "server", "127.0.0.1")
        make_cert(work, "ca", "client", "orders-service", server=False)
        make_cert(work, "rogue", "rogue-client", "intruder", server=False)
        tls_and_scram(work)
        mutual_tls(work)
        plain_refused(work)
    print("PASS")


if __name__ == "__main__":
    main()
