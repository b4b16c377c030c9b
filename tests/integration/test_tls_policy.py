"""Outbound TLS policy: a.test (127.0.0.2) sends to b.test (127.0.0.3) through MX lookups answered
by a test DNS server (dns_test_server.py, Debian's python3-dnslib).

DANE (RFC 7672): the DNS server sets the AD bit, as a validating resolver on loopback would, and
b.test publishes a TLSA record for its self-signed certificate: with a matching DANE-EE record
the message is delivered over authenticated TLS; with a mismatching one it stays queued (no
clear-text fallback) until the record is fixed; without the AD bit the mismatching record is
ignored and delivery is opportunistic.

MTA-STS (RFC 8461): b.test publishes `_mta-sts` TXT and serves its policy over HTTPS with a
certificate from a test CA (given to a as [queue] mta_sts_ca_file), b's SMTP certificate comes
from the same CA: an enforced policy listing mx.b.test delivers over CA-validated TLS; a new
policy id whose mx patterns exclude mx.b.test keeps the message queued."""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

from facteur_harness import SUBMISSION_ROLES, SYSTEM_PYTHON, FacteurServer, token, wait_until

HERE = os.path.dirname(os.path.abspath(__file__))
PW = "dane test"
ALICE, BOB = "alice@a.test", "bob@b.test"
QUEUE = {"retry_schedule": [1], "poll_interval": 1, "mta_sts": False}


def have_dnslib():
    return os.path.exists(SYSTEM_PYTHON) and subprocess.run(
        [SYSTEM_PYTHON, "-c", "import dnslib"], capture_output=True).returncode == 0


def read(path):
    if not os.path.exists(path):
        return ""
    with open(path) as f:
        return f.read()


def spki_sha256(cert_path):
    """The 3 1 1 association: SHA2-256 of the certificate's SubjectPublicKeyInfo."""
    pub = subprocess.run(["openssl", "x509", "-in", cert_path, "-noout", "-pubkey"],
                         capture_output=True, check=True).stdout
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "DER"], input=pub,
                         capture_output=True, check=True).stdout
    return hashlib.sha256(der).hexdigest()


class DnsServer:
    """dns_test_server.py under the system Python (where python3-dnslib lives)."""

    def __init__(self, tmp):
        self.zone_path = os.path.join(tmp, "zone.json")
        port_file = os.path.join(tmp, "dns-port")
        self.set(False, [])
        self.proc = subprocess.Popen([SYSTEM_PYTHON, os.path.join(HERE, "dns_test_server.py"),
                                      self.zone_path, port_file])
        wait_until(lambda: read(port_file), timeout=10, what="the DNS server")
        self.port = int(read(port_file))

    def set(self, secure, records):
        tmp = self.zone_path + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"secure": secure, "records": records}, f)
        os.replace(tmp, self.zone_path)

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def message(marker):
    return (f"From: <{ALICE}>\r\nTo: <{BOB}>\r\nSubject: dane {marker}\r\n\r\n{marker}\r\n"
            ).encode()


@unittest.skipUnless(have_dnslib(), "needs python3-dnslib (scripts/install-deps)")
class Dane(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="facteur-dane-")
        cls.dns = DnsServer(cls.tmp)
        dns_port = cls.dns.port
        cls.b = FacteurServer(domains=("b.test",), hostname="mx.b.test", host="127.0.0.3",
                              roles=SUBMISSION_ROLES, sections={"queue": dict(QUEUE)})
        cls.a = FacteurServer(
            domains=("a.test",), hostname="mx.a.test", host="127.0.0.2", roles=SUBMISSION_ROLES,
            sections={"queue": dict(QUEUE, smtp_port=cls.b.port("smtp")),
                      # Loopback resolver: its AD bit is believed ("auto").
                      "dns": {"servers": [f"127.0.0.1:{dns_port}"], "dnssec": "auto"}})
        try:
            cls.b.start()
            cls.a.start()
            cls.a.add_user(ALICE, PW)
            cls.b.add_user(BOB, PW)
            cls.digest = spki_sha256(os.path.join(cls.b.data_dir, "tls", "cert.pem"))
        except Exception:
            print(cls.a.log()[-20000:], cls.b.log()[-20000:])
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        for s in ("a", "b"):
            if getattr(cls, s, None):
                getattr(cls, s).cleanup()
        if getattr(cls, "dns", None):
            cls.dns.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def zone(self, tlsa_hex, secure=True):
        port = self.b.port("smtp")
        self.dns.set(secure, [["b.test", "MX", "10 mx.b.test."],
                                 ["mx.b.test", "A", "127.0.0.3"],
                                 [f"_{port}._tcp.mx.b.test", "TLSA", f"3 1 1 {tlsa_hex}"]])

    def wait(self, predicate, what, timeout=30):
        try:
            return wait_until(predicate, timeout=timeout, what=what)
        except TimeoutError:
            print(self.a.log()[-20000:])
            raise

    def deliver(self, marker):
        self.a.submit(ALICE, PW, ALICE, [BOB], message(marker))

    def test_1_matching_tlsa_delivers_over_authenticated_tls(self):
        self.zone(self.digest)
        marker = token()
        self.deliver(marker)
        self.wait(lambda: self.b.find(BOB, PW, marker), "delivery to b")
        log = self.a.log()
        self.assertIn("TLS dane", log)
        self.assertRegex(log, r"TLSA 3 1 1 matched at depth 0")

    def test_2_mismatching_tlsa_keeps_the_message_queued(self):
        self.zone("00" * 32)
        marker = token()
        self.deliver(marker)
        self.wait(lambda: "no TLSA record matches" in self.a.log(), "a DANE failure in a's log")
        time.sleep(2)  # a retry or two (retry_schedule 1 s): still no clear-text fallback
        self.assertEqual(self.b.find(BOB, PW, marker), [])
        ids = self.a.queue_ids()
        self.assertEqual(len(ids), 1, self.a.queue())
        self.assertIn("4.7.5", self.a.cli("queue", "show", str(ids[0])).stdout)
        # The record fixed: the next retry goes through.
        self.zone(self.digest)
        self.wait(lambda: self.b.find(BOB, PW, marker), "delivery after the fix")
        self.wait(lambda: not self.a.queue_ids(), "an empty queue", timeout=15)

    def test_3_insecure_tlsa_is_ignored(self):
        # Without AD the TLSA answer proves nothing (RFC 7672 §2.2): opportunistic TLS.
        self.zone("00" * 32, secure=False)
        marker = token()
        self.deliver(marker)
        self.wait(lambda: self.b.find(BOB, PW, marker), "delivery to b")


HTTPS_SERVER = r"""
import functools, http.server, ssl, sys
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
server = http.server.ThreadingHTTPServer(("127.0.0.3", 0), handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(sys.argv[2], sys.argv[3])
server.socket = context.wrap_socket(server.socket, server_side=True)
open(sys.argv[4], "w").write(str(server.server_address[1]))
server.serve_forever()
"""


def make_ca(tmp):
    """A test CA and a certificate for mx.b.test and mta-sts.b.test signed by it."""
    def run(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=tmp)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
        "-subj", "/CN=Facteur test CA", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    run("req", *ec, "-keyout", "b.key", "-out", "b.csr", "-subj", "/CN=mx.b.test")
    with open(os.path.join(tmp, "ext.cnf"), "w") as f:
        f.write("subjectAltName=DNS:mx.b.test,DNS:mta-sts.b.test\n"
                "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
    run("x509", "-req", "-in", "b.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "b.pem", "-days", "2", "-extfile", "ext.cnf")
    return [os.path.join(tmp, n) for n in ("ca.pem", "b.pem", "b.key")]


@unittest.skipUnless(have_dnslib(), "needs python3-dnslib (scripts/install-deps)")
class MtaSts(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="facteur-mta-sts-")
        ca, cert, key = make_ca(cls.tmp)
        cls.www = os.path.join(cls.tmp, "www", ".well-known")
        os.makedirs(cls.www)
        port_file = os.path.join(cls.tmp, "https-port")
        cls.https = subprocess.Popen([sys.executable, "-c", HTTPS_SERVER,
                                      os.path.dirname(cls.www), cert, key, port_file],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(lambda: read(port_file), timeout=10, what="the HTTPS server")
        https_port = int(read(port_file))
        cls.dns = DnsServer(cls.tmp)
        cls.b = FacteurServer(domains=("b.test",), hostname="mx.b.test", host="127.0.0.3",
                              roles=SUBMISSION_ROLES,
                              sections={"queue": dict(QUEUE), "tls": {"cert": cert, "key": key}})
        queue = dict(QUEUE, mta_sts=True, mta_sts_ca_file=ca, mta_sts_port=https_port,
                     smtp_port=cls.b.port("smtp"))
        cls.a = FacteurServer(
            domains=("a.test",), hostname="mx.a.test", host="127.0.0.2", roles=SUBMISSION_ROLES,
            sections={"queue": queue, "dns": {"servers": [f"127.0.0.1:{cls.dns.port}"]}})
        try:
            cls.b.start()
            cls.a.start()
            cls.a.add_user(ALICE, PW)
            cls.b.add_user(BOB, PW)
        except Exception:
            print(cls.a.log()[-20000:], cls.b.log()[-20000:])
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        for s in ("a", "b"):
            if getattr(cls, s, None):
                getattr(cls, s).cleanup()
        for p in ("dns",):
            if getattr(cls, p, None):
                getattr(cls, p).stop()
        if getattr(cls, "https", None):
            cls.https.terminate()
            cls.https.wait()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def publish(self, policy_id, mx):
        with open(os.path.join(self.www, "mta-sts.txt"), "w") as f:
            f.write(f"version: STSv1\r\nmode: enforce\r\nmx: {mx}\r\nmax_age: 86400\r\n")
        self.dns.set(False, [["b.test", "MX", "10 mx.b.test."],
                             ["mx.b.test", "A", "127.0.0.3"],
                             ["mta-sts.b.test", "A", "127.0.0.3"],
                             ["_mta-sts.b.test", "TXT", f"v=STSv1; id={policy_id}"]])

    wait = Dane.wait

    def test_1_enforced_policy_delivers_over_validated_tls(self):
        self.publish("one", "mx.b.test")
        marker = token()
        self.a.submit(ALICE, PW, ALICE, [BOB], message(marker))
        self.wait(lambda: self.b.find(BOB, PW, marker), "delivery to b")
        log = self.a.log()
        self.assertIn("MTA-STS policy of b.test (id one): mode enforce", log)
        self.assertIn("TLS with mx.b.test (pkix)", log)
        self.assertTrue(os.path.exists(os.path.join(self.a.data_dir, "mta-sts", "b.test.policy")))

    def test_2_mx_outside_the_policy_stays_queued(self):
        self.publish("two", "*.elsewhere.test")  # a new id: a fetches the new policy
        marker = token()
        self.a.submit(ALICE, PW, ALICE, [BOB], message(marker))
        self.wait(lambda: "does not match the policy's mx patterns" in self.a.log(),
                  "the MX refused by the policy")
        time.sleep(2)
        self.assertEqual(self.b.find(BOB, PW, marker), [])
        self.assertEqual(len(self.a.queue_ids()), 1, self.a.queue())
        self.publish("three", "*.b.test")
        self.wait(lambda: self.b.find(BOB, PW, marker), "delivery after the fix")


if __name__ == "__main__":
    unittest.main()
