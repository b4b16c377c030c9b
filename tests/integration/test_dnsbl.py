"""DNS blocklists ([dnsbl], RFC 5782) on port 25, against a test DNS server (dns_test_server.py,
Debian's python3-dnslib) that publishes two lists:

- bl.test, a client list (RFC 5782 §2.1: the client's IPv4 octets reversed + zone, an A query):
  127.0.0.9 is listed (127.0.0.2, the §5 test-entry code), 127.0.0.11 gets 127.255.255.254
  (the "query refused" code the big lists return to public resolvers), 127.0.0.10 is absent;
- uribl.test, a domain list (RFC 5782 §3: domain + zone): listed-shop.example is listed,
  refused-shop.example gets 127.255.255.254, clean-shop.example is absent.

The clients connect from those loopback addresses (trusted_networks is 127.0.0.1/32 only, so
they are looked up); the messages are read back over IMAP with imaplib and their
X-Facteur-Reasons name "dnsbl" for each listing, and only for listings. A third list,
reject.test (reject = true), refuses its client's recipients with 554 5.7.1 at RCPT."""
import email
import email.policy
import json
import os
import re
import smtplib
import shutil
import subprocess
import tempfile
import unittest

from facteur_harness import SUBMISSION_ROLES, SYSTEM_PYTHON, FacteurServer, token, wait_until

HERE = os.path.dirname(os.path.abspath(__file__))
PW = "dnsbl pw"
ALICE = "alice@example.test"

LISTED_CLIENT, CLEAN_CLIENT, REFUSED_CLIENT, REJECTED_CLIENT = (
    "127.0.0.9", "127.0.0.10", "127.0.0.11", "127.0.0.12")

DNSBL_CONFIG = """
[dnsbl]
enabled = true
timeout_ms = 3000
client_zones = [
  { zone = "bl.test", points = 1.5, codes = ["127.0.0.2-127.0.0.11"] },
  { zone = "reject.test", points = 1.0, reject = true },
]
domain_zones = [{ zone = "uribl.test", points = 2.0 }]
"""


def have_dnslib():
    return os.path.exists(SYSTEM_PYTHON) and subprocess.run(
        [SYSTEM_PYTHON, "-c", "import dnslib"], capture_output=True).returncode == 0


def reversed_v4(ip):
    return ".".join(reversed(ip.split(".")))


def read(path):
    if not os.path.exists(path):
        return ""
    with open(path) as f:
        return f.read()


RECORDS = [
    [f"{reversed_v4(LISTED_CLIENT)}.bl.test", "A", "127.0.0.2"],
    [f"{reversed_v4(REFUSED_CLIENT)}.bl.test", "A", "127.255.255.254"],
    [f"{reversed_v4(REJECTED_CLIENT)}.reject.test", "A", "127.0.0.2"],
    ["1.0.0.127.bl.test", "A", "127.0.0.2"],  # the trusted 127.0.0.1
    ["listed-shop.example.uribl.test", "A", "127.0.0.2"],
    ["refused-shop.example.uribl.test", "A", "127.255.255.254"],
]


def message(marker, link_host):
    return (f"From: Carol <carol@friends.example>\r\n"
            f"To: {ALICE}\r\n"
            f"Subject: the shop I told you about\r\n"
            f"Date: Thu, 26 Nov 2026 10:00:00 +0000\r\n"
            f"Message-ID: <{marker}@friends.example>\r\n"
            f"\r\n"
            f"Hi Alice,\r\n\r\nhere is the shop: https://www.{link_host}/catalogue\r\n"
            f"See you on Thursday.\r\n\r\nCarol\r\n{marker}\r\n").encode()


@unittest.skipUnless(have_dnslib(), "needs python3-dnslib (scripts/install-deps)")
class Dnsbl(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="facteur-dnsbl-")
        zone_path = os.path.join(cls.tmp, "zone.json")
        with open(zone_path, "w") as f:
            json.dump({"secure": False, "records": RECORDS}, f)
        port_file = os.path.join(cls.tmp, "dns-port")
        cls.dns = subprocess.Popen([SYSTEM_PYTHON, os.path.join(HERE, "dns_test_server.py"),
                                    zone_path, port_file])
        cls.server = None
        try:
            wait_until(lambda: read(port_file), timeout=10, what="the DNS server")
            cls.server = FacteurServer(
                roles=SUBMISSION_ROLES,
                settings={"trusted_networks": ["127.0.0.1/32"]},
                sections={"dns": {"servers": [f"127.0.0.1:{int(read(port_file))}"]}},
                extra_config=DNSBL_CONFIG)
            cls.server.start()
            cls.server.add_user(ALICE, PW)
        except Exception:
            if cls.server:
                print(cls.server.log()[-20000:])
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        code = 0
        if cls.server:
            code = cls.server.stop()
            if code != 0:
                print(cls.server.log()[-20000:])
            cls.server.cleanup()
        cls.dns.terminate()
        cls.dns.wait()
        shutil.rmtree(cls.tmp, ignore_errors=True)
        assert code == 0, code

    def run(self, result=None):
        failures = len(result.failures) + len(result.errors) if result else 0
        super().run(result)
        if result and len(result.failures) + len(result.errors) > failures and self.server:
            print(self.server.log()[-15000:])

    def send_from(self, source, link_host):
        """Sends from `source` (a loopback address) to alice; returns the marker."""
        marker = token()
        with smtplib.SMTP(self.server.host, self.server.port("smtp"), timeout=30,
                          source_address=(source, 0)) as s:
            s.ehlo("mail.friends.example")
            self.assertEqual(s.sendmail("carol@friends.example", [ALICE],
                                        message(marker, link_host)), {})
        return marker

    def delivered(self, marker):
        """The copy holding marker, from INBOX or Junk over IMAP (imaplib, BODY.PEEK[])."""
        def find():
            m = self.server.imap(ALICE, PW)
            try:
                for mailbox in ("INBOX", "Junk"):
                    typ, data = m.select(mailbox, readonly=True)
                    if typ != "OK" or int(data[0]) == 0:
                        continue
                    typ, parts = m.fetch("1:*", "(BODY.PEEK[])")
                    self.assertEqual(typ, "OK")
                    for p in parts:
                        if isinstance(p, tuple) and marker.encode() in p[1]:
                            return p[1]
                return None
            finally:
                m.logout()
        raw = wait_until(find, timeout=20, what=f"{marker} delivered")
        return email.message_from_bytes(raw, policy=email.policy.compat32)

    def reasons(self, copy):
        values = [re.sub(r"\r?\n[ \t]+", " ", str(v))
                  for v in (copy.get_all("X-Facteur-Reasons") or [])]
        self.assertEqual(len(values), 1, values)
        return values[0]

    def test_listed_client_and_link_domain_are_dnsbl_reasons(self):
        """RFC 5782 §2.1 (client list) and §3 (domain list): both listings appear as "dnsbl"
        reasons naming what is listed and where."""
        copy = self.delivered(self.send_from(LISTED_CLIENT, "listed-shop.example"))
        reasons = self.reasons(copy)
        self.assertIn("dnsbl", reasons)
        self.assertIn(f"{LISTED_CLIENT} listed in bl.test", reasons)
        self.assertIn("listed-shop.example listed in uribl.test", reasons)

    def test_unlisted_client_and_domain_get_nothing(self):
        copy = self.delivered(self.send_from(CLEAN_CLIENT, "clean-shop.example"))
        self.assertNotIn("dnsbl", self.reasons(copy))

    def test_query_refused_code_is_ignored(self):
        """127.255.255.254 ("query refused", outside every listing range) is no listing, for
        the client list and the domain list alike (fail open)."""
        copy = self.delivered(self.send_from(REFUSED_CLIENT, "refused-shop.example"))
        self.assertNotIn("dnsbl", self.reasons(copy))

    def test_listed_domain_from_an_unlisted_client(self):
        copy = self.delivered(self.send_from(CLEAN_CLIENT, "listed-shop.example"))
        reasons = self.reasons(copy)
        self.assertIn("listed-shop.example listed in uribl.test", reasons)
        self.assertNotIn("listed in bl.test", reasons)

    def test_reject_zone_refuses_recipients_with_554(self):
        """reject = true: the listed client's RCPT gets 554 5.7.1 naming the list."""
        with smtplib.SMTP(self.server.host, self.server.port("smtp"), timeout=30,
                          source_address=(REJECTED_CLIENT, 0)) as s:
            s.ehlo("mail.friends.example")
            s.mail("carol@friends.example")
            code, text = s.rcpt(ALICE)
        self.assertEqual(code, 554, text)
        self.assertTrue(text.decode().startswith("5.7.1 "), text)
        self.assertIn("reject.test", text.decode())

    def test_trusted_client_is_not_looked_up(self):
        """127.0.0.1 is in trusted_networks: listed in bl.test, yet not looked up."""
        marker = token()
        self.assertEqual(self.server.send("carol@friends.example", [ALICE],
                                          message(marker, "clean-shop.example")), {})
        self.assertNotIn("dnsbl", self.reasons(self.delivered(marker)))

if __name__ == "__main__":
    unittest.main(verbosity=2)
