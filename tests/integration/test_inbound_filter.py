"""Inbound checks at the end of DATA on port 25: sender authentication recorded as
Authentication-Results (RFC 8601) and the anti-abuse filter's verdict (X-Spam-Status,
X-Spam-Score, X-Facteur-Verdict, X-Facteur-Reasons), Junk filing, 550 5.7.1 refusals, per-account
thresholds, and the removal of such fields forged by senders (RFC 8601 §5).

Two parts: one site (example.test) with smtplib and imaplib; then three sites (a.test on
127.0.0.2, b.test on 127.0.0.3, as in test_outbound.py, and c.test on 127.0.0.4) with a small DNS
server run by the test (Debian's python3-dnslib, under the system interpreter) publishing a.test's
SPF, DKIM key and DMARC (p=reject) records, and q.test's DMARC (p=quarantine). Mail alice@a.test
submits passes SPF, DKIM and DMARC at b; a forgery from 127.0.0.9 fails them: b enforces DMARC
([filter] dmarc_enforce = "reject", the default) and refuses it with 550 5.7.1, c only scores
(dmarc_enforce = "score") and files it in Junk. A forged q.test sender goes to Junk at b."""
import email
import email.message
import email.policy
import imaplib
import io
import json
import os
import re
import smtplib
import shutil
import subprocess
import tempfile
import time
import unittest
import zipfile

from facteur_harness import (ROLES, SUBMISSION_ROLES, SYSTEM_PYTHON, FacteurServer,
                             insecure_tls_context, token, wait_until)

PW = "filter pw"

# A stdlib UDP loop around dnslib: answers TXT queries from a JSON zone file (re-read at every
# query, so records can be added after the daemons started), NXDOMAIN for unknown names and
# NOERROR without data for other types of known names. Prints its port, then serves.
DNS_SERVER = r"""
import json, socket, sys
from dnslib import DNSRecord, QTYPE, RCODE, RR, TXT
zone_path = sys.argv[1]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
while True:
    data, peer = s.recvfrom(4096)
    try:
        query = DNSRecord.parse(data)
    except Exception:
        continue
    with open(zone_path) as f:
        zone = {k.lower(): v for k, v in json.load(f).items()}
    reply = query.reply()
    name = str(query.q.qname).rstrip(".").lower()
    if name not in zone:
        reply.header.rcode = RCODE.NXDOMAIN
    elif query.q.qtype == QTYPE.TXT:
        for text in zone[name]:
            raw = text.encode()
            chunks = [raw[i:i + 255] for i in range(0, len(raw), 255)]
            reply.add_answer(RR(query.q.qname, QTYPE.TXT, rdata=TXT(chunks), ttl=5))
    print("dns:", name, QTYPE[query.q.qtype], len(reply.rr), file=sys.stderr, flush=True)
    s.sendto(reply.pack(), peer)
"""


def have_dnslib():
    return os.path.exists(SYSTEM_PYTHON) and subprocess.run(
        [SYSTEM_PYTHON, "-c", "import dnslib"], capture_output=True).returncode == 0


class DnsServer:
    """The DNS server above as a subprocess; `publish(records)` replaces the zone."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="facteur-dns-")
        self.zone = os.path.join(self.dir, "zone.json")
        self.publish({})
        script = os.path.join(self.dir, "dns.py")
        with open(script, "w") as f:
            f.write(DNS_SERVER)
        self.log = open(os.path.join(self.dir, "dns.log"), "w")
        self.proc = subprocess.Popen([SYSTEM_PYTHON, script, self.zone], stdout=subprocess.PIPE,
                                     stderr=self.log, text=True)
        self.port = int(self.proc.stdout.readline())

    def publish(self, records):
        tmp = self.zone + ".tmp"
        with open(tmp, "w") as f:
            json.dump(records, f)
        os.replace(tmp, self.zone)

    def address(self):
        return f"127.0.0.1:{self.port}"

    def stop(self):
        self.proc.terminate()
        self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def header(message_bytes):
    return email.message_from_bytes(message_bytes, policy=email.policy.compat32)


def unfolded(msg, name):
    """Every value of field `name`, unfolded."""
    return [re.sub(r"\r?\n[ \t]+", " ", str(v)) for v in (msg.get_all(name) or [])]


def phishing(marker, to, ip_links=False, extra_headers=""):
    """An impersonation of PayPal: link text showing www.paypal.com over a link elsewhere, a
    form asking for the password, "verify your account" wording, from an unrelated address
    (with the display name "PayPal" as well it would cross the reject threshold). With ip_links
    the links go to a raw IP address, which adds enough to cross the reject threshold."""
    target = "http://198.51.100.23/paypal" if ip_links else "https://login.evil.example/session"
    return (f"From: \"Account Service\" <service@evil.example>\r\n"
            f"To: {to}\r\n"
            f"Subject: Your account has been limited - action required {marker}\r\n"
            f"Date: Thu, 26 Nov 2026 10:00:00 +0000\r\n"
            f"Message-ID: <{marker}@evil.example>\r\n"
            f"{extra_headers}"
            f"MIME-Version: 1.0\r\n"
            f"Content-Type: text/html; charset=utf-8\r\n"
            f"\r\n"
            f"<html><body>\r\n"
            f"<p>Dear customer,</p>\r\n"
            f"<p>We noticed unusual activity and your PayPal account has been suspended.\r\n"
            f"To restore access, verify your account within 24 hours or it will be closed.</p>\r\n"
            f"<p><a href=\"{target}/signin\">https://www.paypal.com/signin</a></p>\r\n"
            f"<form action=\"{target}/collect\" method=\"post\">\r\n"
            f"Email: <input type=\"text\" name=\"email\"><br>\r\n"
            f"Password: <input type=\"password\" name=\"password\"><br>\r\n"
            f"<input type=\"submit\" value=\"Verify my account\">\r\n"
            f"</form>\r\n"
            f"<p>Thank you, The PayPal Team</p>\r\n"
            f"<p>{marker}</p>\r\n"
            f"</body></html>\r\n").encode()


def ham(marker, sender="Carol <carol@friends.example>", to="alice@example.test", extra=""):
    return (f"From: {sender}\r\n"
            f"To: {to}\r\n"
            f"Subject: Lunch on Thursday?\r\n"
            f"Date: Thu, 26 Nov 2026 10:00:00 +0000\r\n"
            f"Message-ID: <{marker}@friends.example>\r\n"
            f"{extra}"
            f"\r\n"
            f"Hi,\r\n\r\nare you free for lunch on Thursday? The new place near the station\r\n"
            f"opens at noon. Let me know.\r\n\r\nCarol\r\n{marker}\r\n").encode()


def imap_find(server, user, mailbox, marker):
    """The messages of `mailbox` that contain marker, read with imaplib (BODY.PEEK[])."""
    m = server.imap(user, PW)
    try:
        typ, data = m.select(mailbox, readonly=True)
        assert typ == "OK", mailbox
        if int(data[0]) == 0:
            return []
        typ, parts = m.fetch("1:*", "(BODY.PEEK[])")
        assert typ == "OK"
        return [p[1] for p in parts if isinstance(p, tuple) and marker.encode() in p[1]]
    finally:
        m.logout()


def wait_in(server, user, mailbox, marker, timeout=20):
    return wait_until(lambda: imap_find(server, user, mailbox, marker), timeout=timeout,
                      what=f"{marker} in {user}'s {mailbox}")[0]


class OneSite(unittest.TestCase):
    """example.test; the DNS server knows nothing (every sender domain is NXDOMAIN: SPF and
    DMARC none), so verdicts come from the content."""

    @classmethod
    def setUpClass(cls):
        if not have_dnslib():
            raise unittest.SkipTest("needs Debian's python3-dnslib (scripts/install-deps)")
        cls.dns = DnsServer()
        cls.server = FacteurServer(
            roles=SUBMISSION_ROLES,
            sections={"dns": {"servers": [cls.dns.address()]}},
            extra_config=("[filter]\njunk_threshold = 5.0\nreject_threshold = 15.0\n"
                          "[filter.accounts.\"strict@example.test\"]\n"
                          "junk_threshold = 2.0\nreject_threshold = 4.0\n"
                          "[filter.accounts.\"lenient@example.test\"]\n"
                          "junk_threshold = 5.0\nreject_threshold = 40.0\n"))
        try:
            cls.server.start()
            for user in ("alice", "bob", "strict", "lenient"):
                cls.server.add_user(f"{user}@example.test", PW)
        except Exception:
            print(cls.server.log()[-20000:])
            cls.server.cleanup()
            cls.dns.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        code = cls.server.stop()
        if code != 0:
            print(cls.server.log()[-20000:])
        cls.server.cleanup()
        cls.dns.stop()
        assert code == 0, code

    def run(self, result=None):
        failures = len(result.failures) + len(result.errors) if result else 0
        super().run(result)
        if result and len(result.failures) + len(result.errors) > failures:
            print(self.server.log()[-15000:])

    def test_phishing_is_filed_in_junk_with_a_warning(self):
        """The phishing sample scores between the junk and reject thresholds: 250, filed in the
        \\Junk mailbox (RFC 6154) with the verdict warning, not in INBOX. Fields claiming to be
        ours that came with it (an Authentication-Results with our authserv-id, a verdict) are
        removed (RFC 8601 §5); one of another authserv-id stays."""
        marker = token()
        forged = ("Authentication-Results: mx.example.test; spf=pass smtp.mailfrom=paypal.com;\r\n"
                  "\tdkim=pass header.d=paypal.com; dmarc=pass header.from=paypal.com\r\n"
                  "X-Facteur-Verdict: ham\r\n"
                  "X-Spam-Status: No, score=-10.0\r\n"
                  "Authentication-Results: relay.elsewhere.example; none\r\n")
        with smtplib.SMTP(self.server.host, self.server.port("smtp"), timeout=30) as s:
            s.ehlo("mail.evil.example")
            self.assertEqual(s.sendmail("bounce@evil.example", ["alice@example.test"],
                                        phishing(marker, "alice@example.test",
                                                 extra_headers=forged)), {})
        copy = header(wait_in(self.server, "alice@example.test", "Junk", marker))
        self.assertEqual(imap_find(self.server, "alice@example.test", "INBOX", marker), [])
        verdict = unfolded(copy, "X-Facteur-Verdict")
        self.assertEqual(len(verdict), 1, verdict)
        self.assertTrue(verdict[0].startswith("phishing"), verdict)
        self.assertIn("warning", verdict[0].lower())
        status = unfolded(copy, "X-Spam-Status")
        self.assertEqual(len(status), 1, status)
        self.assertTrue(status[0].startswith("Yes, score="), status)
        score = float(unfolded(copy, "X-Spam-Score")[0])
        self.assertTrue(5.0 <= score < 15.0, score)
        reasons = unfolded(copy, "X-Facteur-Reasons")[0]
        self.assertIn("phishing.link-text", reasons)
        self.assertIn("phishing.credential-form", reasons)
        results = unfolded(copy, "Authentication-Results")
        ours = [r for r in results if r.split(";")[0].strip() == "mx.example.test"]
        self.assertEqual(len(ours), 1, results)
        self.assertNotIn("dmarc=pass", ours[0])
        self.assertIn("spf=none", ours[0])
        self.assertIn("relay.elsewhere.example; none", results)

    def test_program_in_a_zip_is_filed_in_junk_with_a_warning(self):
        """A worm's letter of the MyDoom kind, built with Python's email and zipfile modules: a
        ZIP holding a screensaver (.scr). Filed in \\Junk as phishing, the warning telling not to
        open the attachment, reason phishing.attachment naming the file inside."""
        marker = token()
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("email-doc.scr", b"MZ" + os.urandom(2048))
        msg = email.message.EmailMessage()
        msg["From"] = "Mail <mail@mail-service.example>"
        msg["To"] = "alice@example.test"
        msg["Subject"] = f"Your Email Account is Suspended For Security Reasons {marker}"
        msg.set_content("We have suspended some of your email services, to resolve the problem "
                        "you should read the attached document.\n")
        msg.add_attachment(archive.getvalue(), maintype="application", subtype="octet-stream",
                           filename="email-doc.zip")
        with smtplib.SMTP(self.server.host, self.server.port("smtp"), timeout=30) as s:
            s.ehlo("mail.elsewhere.example")
            self.assertEqual(s.send_message(msg, from_addr="bounce@elsewhere.example",
                                            to_addrs=["alice@example.test"]), {})
        copy = header(wait_in(self.server, "alice@example.test", "Junk", marker))
        verdict = unfolded(copy, "X-Facteur-Verdict")
        self.assertTrue(verdict[0].startswith("phishing"), verdict)
        self.assertIn("do not open its attachment", verdict[0])
        reasons = unfolded(copy, "X-Facteur-Reasons")[0]
        self.assertIn("phishing.attachment", reasons)
        self.assertIn("email-doc.zip holds email-doc.scr", reasons)

    def test_ham_lands_in_inbox(self):
        """A plain personal message: INBOX, X-Spam-Status: No, X-Facteur-Verdict: ham, and an
        Authentication-Results field of ours (nothing published: spf=none, dmarc=none)."""
        marker = token()
        self.assertEqual(self.server.send("carol@friends.example", ["alice@example.test"],
                                          ham(marker)), {})
        copy = header(wait_in(self.server, "alice@example.test", "INBOX", marker))
        self.assertTrue(unfolded(copy, "X-Spam-Status")[0].startswith("No, score="))
        self.assertEqual(unfolded(copy, "X-Facteur-Verdict"), ["ham"])
        results = unfolded(copy, "Authentication-Results")
        self.assertEqual(len(results), 1, results)
        self.assertTrue(results[0].startswith("mx.example.test;"), results)
        self.assertIn("spf=none", results[0])
        self.assertIn("dmarc=none", results[0])
        self.assertEqual(imap_find(self.server, "alice@example.test", "Junk", marker), [])

    def test_hoax_is_delivered_with_a_warning(self):
        """A chain letter (fake virus warning, "forward to everyone"): with the default
        hoax_action = "deliver" it stays in INBOX, however high its score, with the hoax
        warning in X-Facteur-Verdict; hoaxes are never refused."""
        marker = token()
        body = ("From: Jean <jean@friends.example>\r\nTo: alice@example.test\r\n"
                "Subject: FW: URGENT virus warning - forward to everyone!!\r\n"
                f"Message-ID: <{marker}@friends.example>\r\n\r\n"
                "PLEASE FORWARD THIS TO EVERYONE IN YOUR ADDRESS BOOK!\r\n\r\n"
                "If you receive an email titled \"Dancing Pigs\", do NOT open it. It is a\r\n"
                "virus that will erase your whole hard drive. Microsoft and IBM confirmed it\r\n"
                "yesterday, this is not a joke, it was on the news. There is no cure yet.\r\n"
                "Send this warning to all your friends and family as soon as possible, the\r\n"
                "more people know the better. Forward it to everyone you know!\r\n"
                f"{marker}\r\n").encode()
        self.assertEqual(self.server.send("jean@friends.example", ["alice@example.test"], body),
                         {})
        copy = header(wait_in(self.server, "alice@example.test", "INBOX", marker))
        verdict = unfolded(copy, "X-Facteur-Verdict")[0]
        self.assertTrue(verdict.startswith("hoax"), verdict)
        self.assertIn("warning", verdict.lower())
        self.assertIn("hoax.", unfolded(copy, "X-Facteur-Reasons")[0])

    def test_above_reject_threshold_gets_550(self):
        """Raw-IP links on top of the rest cross the reject threshold: 550 5.7.1 with the main
        reason (RFC 5321 §4.2.2, RFC 3463 X.7.1), and nothing is stored for anyone."""
        marker = token()
        with self.assertRaises(smtplib.SMTPDataError) as caught:
            self.server.send("bounce@evil.example", ["alice@example.test", "bob@example.test"],
                             phishing(marker, "alice@example.test", ip_links=True))
        self.assertEqual(caught.exception.smtp_code, 550)
        text = caught.exception.smtp_error.decode()
        self.assertTrue(text.startswith("5.7.1 "), text)
        self.assertIn("phishing", text)
        # Delivery would be before the reply: nothing can be on its way.
        for user in ("alice@example.test", "bob@example.test"):
            for mailbox in ("INBOX", "Junk"):
                self.assertEqual(imap_find(self.server, user, mailbox, marker), [])

    def test_recipients_with_their_own_thresholds(self):
        """Per-account thresholds: the same message is judged per recipient. strict@ (reject at
        4) alone refuses the junk-level sample; with alice@ (site thresholds: Junk) it is
        accepted and each copy goes to Junk, strict@'s verdict naming its own threshold. The
        reject-level sample is accepted when lenient@ (reject at 40) is among the recipients."""
        marker = token()
        with self.assertRaises(smtplib.SMTPDataError) as caught:
            self.server.send("bounce@evil.example", ["strict@example.test"],
                             phishing(marker, "strict@example.test"))
        self.assertEqual(caught.exception.smtp_code, 550)

        marker = token()
        self.assertEqual(self.server.send("bounce@evil.example",
                                          ["strict@example.test", "alice@example.test"],
                                          phishing(marker, "alice@example.test")), {})
        strict = header(wait_in(self.server, "strict@example.test", "Junk", marker))
        alice = header(wait_in(self.server, "alice@example.test", "Junk", marker))
        self.assertIn("required=2.0", unfolded(strict, "X-Spam-Status")[0])
        self.assertIn("required=5.0", unfolded(alice, "X-Spam-Status")[0])

        marker = token()
        self.assertEqual(self.server.send("bounce@evil.example",
                                          ["alice@example.test", "lenient@example.test"],
                                          phishing(marker, "alice@example.test",
                                                   ip_links=True)), {})
        for user in ("alice@example.test", "lenient@example.test"):
            copy = header(wait_in(self.server, user, "Junk", marker))
            self.assertTrue(unfolded(copy, "X-Facteur-Verdict")[0].startswith("phishing"))

    def test_submission_is_not_filtered_and_carries_no_verdict(self):
        """Authenticated submission (RFC 6409) skips authentication and the filter: the local copy
        lands in INBOX whatever its content, with no verdict or Authentication-Results field, and
        those the sender wrote claiming to be ours are removed (RFC 8601 §5)."""
        marker = token()
        forged = ("Authentication-Results: mx.example.test; dmarc=pass header.from=paypal.com\r\n"
                  "X-Facteur-Verdict: ham\r\nX-Spam-Status: No, score=0.0\r\n")
        body = phishing(marker, "bob@example.test", extra_headers=forged).replace(
            b"\"Account Service\" <service@evil.example>", b"Alice <alice@example.test>")
        self.server.submit("alice@example.test", PW, "alice@example.test", ["bob@example.test"],
                           body)
        copy = header(wait_in(self.server, "bob@example.test", "INBOX", marker))
        for name in ("Authentication-Results", "X-Facteur-Verdict", "X-Spam-Status",
                     "X-Spam-Score", "X-Facteur-Reasons"):
            self.assertEqual(unfolded(copy, name), [], name)


class BadFilterConfig(unittest.TestCase):
    def test_a_mistake_in_filter_stops_the_start(self):
        """[filter] is read as `facteur scan` reads it; a bad value must not leave the daemon
        running unfiltered: it exits with an error naming the key."""
        server = FacteurServer(extra_config='[filter]\nhoax_action = "maybe"\n')
        try:
            try:
                # The listeners are bound before the filter is set up: start() may see them.
                server.start()
                code = server.proc.wait(timeout=15)
            except RuntimeError:
                code = None  # exited before listening: also what we want
            self.assertNotEqual(code, 0)
            self.assertIn("hoax_action", server.log())
        finally:
            server.cleanup()


@unittest.skipUnless(hasattr(os, "fork"), "POSIX only")
class TwoSites(unittest.TestCase):
    """a.test (127.0.0.2) signs what alice@ submits and sends it from 127.0.0.2 ([queue]
    source_address); b.test (127.0.0.3, DMARC enforced) and c.test (127.0.0.4, DMARC scored
    only) ask the test's DNS server, which publishes a.test. TXT "v=spf1 ip4:127.0.0.2 -all",
    the DKIM key from `facteur dns-records a.test`, _dmarc.a.test. TXT "v=DMARC1; p=reject"
    and _dmarc.q.test. TXT "v=DMARC1; p=quarantine"."""

    @classmethod
    def setUpClass(cls):
        if not have_dnslib():
            raise unittest.SkipTest("needs Debian's python3-dnslib (scripts/install-deps)")
        cls.dns = DnsServer()
        queue = {"retry_schedule": [1], "poll_interval": 1}
        cls.a = FacteurServer(domains=("a.test",), hostname="mx.a.test", host="127.0.0.2",
                              roles=SUBMISSION_ROLES,
                              sections={"queue": dict(queue, source_address="127.0.0.2"),
                                        "dns": {"servers": [cls.dns.address()]}})
        # Only the test's own address (127.0.0.1: IMAP logins without TLS) is trusted: the
        # forger's 127.0.0.9 and a's 127.0.0.2 are not, so DMARC applies to them.
        trusted = {"trusted_networks": ["127.0.0.1/32", "::1/128"]}
        # bob welcomes a.test's authenticated mail; dave, on the same site, does not.
        cls.b = FacteurServer(domains=("b.test",), hostname="mx.b.test", host="127.0.0.3",
                              roles=ROLES, settings=trusted,
                              sections={"queue": dict(queue),
                                        "dns": {"servers": [cls.dns.address()]}},
                              extra_config=('[filter.accounts."bob@b.test"]\n'
                                            'welcome = ["a.test"]\n'))
        # Scores DMARC only; its junk threshold sits clearly below the forgery's 5 points
        # (SPF fail 1.5 + DMARC fail 3.5), so no rounding decides the outcome. carol welcomes
        # a.test: forgeries of it must not be welcomed.
        cls.c = FacteurServer(domains=("c.test",), hostname="mx.c.test", host="127.0.0.4",
                              roles=ROLES, settings=trusted,
                              sections={"dns": {"servers": [cls.dns.address()]}},
                              extra_config=('[filter]\ndmarc_enforce = "score"\n'
                                            "junk_threshold = 4.0\n"
                                            '[filter.accounts."carol@c.test"]\n'
                                            'welcome = ["a.test"]\n'))
        cls.a.sections["routes"] = {"b.test": f"127.0.0.3:{cls.b.port('smtp')}"}
        cls.a.write_config()
        cls.b.write_config()
        cls.c.write_config()
        try:
            cls.a.cli("dkim", "generate", "a.test")
            records = cls.a.cli("dns-records", "a.test").stdout
            m = re.search(r'^(\S+\._domainkey\.a\.test)\. TXT (.*)$', records, re.M)
            assert m, records
            key = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(2)))
            cls.dns.publish({"a.test": ["v=spf1 ip4:127.0.0.2 -all"],
                             m.group(1): [key],
                             "_dmarc.a.test": ["v=DMARC1; p=reject"],
                             "_dmarc.q.test": ["v=DMARC1; p=quarantine"]})
            cls.a.start()
            cls.b.start()
            cls.c.start()
            cls.a.add_user("alice@a.test", PW)
            cls.b.add_user("bob@b.test", PW)
            cls.b.add_user("dave@b.test", PW)
            cls.c.add_user("carol@c.test", PW)
        except Exception:
            print(cls.a.log()[-20000:], cls.b.log()[-20000:], cls.c.log()[-20000:])
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        codes = []
        for server in (cls.a, cls.b, cls.c):
            codes.append(server.stop())
            if codes[-1] not in (0, None):
                print(server.log()[-20000:])
            server.cleanup()
        cls.dns.stop()
        assert all(c in (0, None) for c in codes), codes

    def run(self, result=None):
        failures = len(result.failures) + len(result.errors) if result else 0
        super().run(result)
        if result and len(result.failures) + len(result.errors) > failures:
            print("---- a ----\n" + self.a.log()[-10000:])
            print("---- b ----\n" + self.b.log()[-15000:])
            print("---- c ----\n" + self.c.log()[-10000:])

    def ours(self, copy, authserv_id="mx.b.test"):
        results = [r for r in unfolded(copy, "Authentication-Results")
                   if r.split(";")[0].strip() == authserv_id]
        self.assertEqual(len(results), 1, unfolded(copy, "Authentication-Results"))
        return results[0]

    def signed_copy(self):
        """alice@a.test submits to bob@b.test; b's copy as bob reads it over IMAP."""
        marker = token()
        self.a.submit("alice@a.test", PW, "alice@a.test", ["bob@b.test"],
                      ham(marker, sender="Alice <alice@a.test>", to="bob@b.test"))
        return wait_in(self.b, "bob@b.test", "INBOX", marker, timeout=30)

    def test_signed_mail_passes_spf_dkim_dmarc(self):
        """RFC 7208 §2.6.1 (the client 127.0.0.2 matches ip4:127.0.0.2: pass), RFC 6376 §6.3
        (a.test's signature verifies with the published key), RFC 7489 §3.1 (both aligned with
        From: a.test: pass); recorded as RFC 8601 §2.7 results under b's authserv-id, and the
        message is ham in INBOX."""
        copy = header(self.signed_copy())
        results = self.ours(copy)
        self.assertRegex(results, r"\bspf=pass\b.*smtp\.mailfrom=(alice@)?a\.test")
        self.assertRegex(results, r"\bdkim=pass\b.*header\.d=a\.test")
        self.assertRegex(results, r"\bdmarc=pass\b.*header\.from=a\.test")
        self.assertTrue(unfolded(copy, "X-Spam-Status")[0].startswith("No, score="))

    def test_a_welcomed_sender_reaches_the_inbox(self):
        """bob's [filter.accounts."bob@b.test"] welcome = ["a.test"]: alice's signed message
        with a sign-in form (Junk on its own for dave, who welcomes nobody) reaches bob's INBOX
        with the reason auth.welcome, as SpamAssassin's welcomelist_auth, and the phishing
        warning; only because DMARC passes (RFC 7489 §3.1), which
        test_forged_*_without_enforcement shows at c."""
        marker = token()
        message = phishing(marker, to="bob@b.test, dave@b.test").replace(
            b'"Account Service" <service@evil.example>', b"Alice <alice@a.test>")
        self.assertEqual(self.a.submit("alice@a.test", PW, "alice@a.test",
                                       ["bob@b.test", "dave@b.test"], message), {})
        bob = header(wait_in(self.b, "bob@b.test", "INBOX", marker, timeout=30))
        self.assertRegex(self.ours(bob), r"\bdmarc=pass\b.*header\.from=a\.test")
        self.assertRegex(unfolded(bob, "X-Facteur-Reasons")[0],
                         r"auth\.welcome=-10(\.0)? alice@a\.test is on the recipient's welcome "
                         r"list and authenticated")
        self.assertTrue(unfolded(bob, "X-Spam-Status")[0].startswith("No, score="))
        # Delivered, not silenced: the sign-in form keeps its label and warning (a partner's
        # stolen account is welcomed too).
        self.assertTrue(unfolded(bob, "X-Facteur-Verdict")[0].startswith(
            "phishing (warning: this message looks like phishing"))
        dave = header(wait_in(self.b, "dave@b.test", "Junk", marker, timeout=30))
        self.assertNotIn("auth.welcome", unfolded(dave, "X-Facteur-Reasons")[0])
        self.assertEqual(imap_find(self.b, "bob@b.test", "Junk", marker), [])

    def forge(self, message, server=None, rcpt="bob@b.test", sender="alice@a.test"):
        """Sends `message` straight to port 25 of `server` (b) from 127.0.0.9 (not in its
        trusted_networks: DMARC enforcement exempts those), MAIL FROM:<sender>."""
        server = server or self.b
        with smtplib.SMTP(server.host, server.port("smtp"), timeout=30,
                          source_address=("127.0.0.9", 0)) as s:
            s.ehlo("forger.example")
            return s.sendmail(sender, [rcpt], message)

    def stolen_signature(self):
        """A real a.test signature (taken from a genuine copy), to put over another body: the
        body hash does not match (RFC 6376 §6.1.3): dkim=fail."""
        genuine = self.signed_copy()
        signature = re.search(rb"^DKIM-Signature:.*?\r\n(?![ \t])", genuine, re.M | re.S)
        self.assertIsNotNone(signature)
        return signature.group(0)

    def check_refused(self, message, marker):
        """RFC 7208 §2.6.2: 127.0.0.9 is not in a.test's record ("-all"): spf=fail. RFC 7489
        §6.6.2: no aligned pass: dmarc=fail; a.test publishes p=reject and b enforces it
        (§6.6.4, §10.3): 550 5.7.1 naming DMARC and the domain, nothing stored."""
        with self.assertRaises(smtplib.SMTPDataError) as caught:
            self.forge(message)
        self.assertEqual(caught.exception.smtp_code, 550)
        text = caught.exception.smtp_error.decode()
        self.assertTrue(text.startswith("5.7.1 "), text)
        self.assertIn("DMARC", text)
        self.assertIn("a.test", text)
        for mailbox in ("INBOX", "Junk"):
            self.assertEqual(imap_find(self.b, "bob@b.test", mailbox, marker), [])

    def test_forged_unsigned_is_refused_under_p_reject(self):
        marker = token()
        self.check_refused(ham(marker, sender="Alice <alice@a.test>", to="bob@b.test"), marker)

    def test_forged_with_a_stolen_signature_is_refused_under_p_reject(self):
        marker = token()
        self.check_refused(self.stolen_signature() +
                           ham(marker, sender="Alice <alice@a.test>", to="bob@b.test"), marker)

    def check_scored(self, marker, dkim):
        """With dmarc_enforce = "score" (c) the same forgery is accepted: dmarc=fail only feeds
        the score (auth.dmarc-fail, auth.spf-fail), which crosses c's junk threshold; as
        rspamd and Postfix with OpenDMARC do by default (RFC 7489 §6.7 leaves the disposition
        to the receiver)."""
        copy = header(wait_in(self.c, "carol@c.test", "Junk", marker, timeout=30))
        results = self.ours(copy, "mx.c.test")
        self.assertRegex(results, r"\bspf=fail\b")
        self.assertRegex(results, r"\bdkim=" + dkim + r"\b")
        self.assertRegex(results, r"\bdmarc=fail\b.*header\.from=a\.test")
        self.assertTrue(unfolded(copy, "X-Spam-Status")[0].startswith("Yes, score="))
        reasons = unfolded(copy, "X-Facteur-Reasons")[0]
        self.assertIn("auth.dmarc-fail", reasons)
        self.assertIn("auth.spf-fail", reasons)
        self.assertNotIn("auth.welcome", reasons)  # carol welcomes a.test, not its forgers
        self.assertEqual(imap_find(self.c, "carol@c.test", "INBOX", marker), [])

    def test_forged_unsigned_is_scored_into_junk_without_enforcement(self):
        marker = token()
        self.assertEqual(self.forge(ham(marker, sender="Alice <alice@a.test>", to="carol@c.test"),
                                    server=self.c, rcpt="carol@c.test"), {})
        self.check_scored(marker, "none")

    def test_forged_with_a_stolen_signature_is_scored_without_enforcement(self):
        signature = self.stolen_signature()
        marker = token()
        self.assertEqual(self.forge(signature + ham(marker, sender="Alice <alice@a.test>",
                                                    to="carol@c.test"),
                                    server=self.c, rcpt="carol@c.test"), {})
        self.check_scored(marker, "fail")

    def test_forged_under_p_quarantine_goes_to_junk_whatever_the_score(self):
        """q.test publishes only "v=DMARC1; p=quarantine" (no SPF: spf=none, so just the 3.5
        points of the DMARC failure, below the junk threshold of 5): b honours the policy
        (RFC 7489 §6.6.4, "quarantine": treat as suspicious) and files it in Junk anyway."""
        marker = token()
        self.assertEqual(self.forge(ham(marker, sender="Quinn <quinn@q.test>", to="bob@b.test"),
                                    sender="quinn@q.test"), {})
        copy = header(wait_in(self.b, "bob@b.test", "Junk", marker, timeout=30))
        self.assertRegex(self.ours(copy), r"\bdmarc=fail\b.*header\.from=q\.test")
        self.assertEqual(imap_find(self.b, "bob@b.test", "INBOX", marker), [])
        self.assertIn("DMARC quarantine of q.test", self.b.log())

if __name__ == "__main__":
    unittest.main(verbosity=2)
