"""Two sites: a.test on 127.0.0.2 and b.test on 127.0.0.3, each reaching the other through
`[routes]`. Submission at a (587 STARTTLS and 465 TLS with smtplib, swaks, msmtp), To/Cc/Bcc
recipients on both sites, DKIM-signed by a and verified at b's copies with dkimpy (Debian's
python3-dkim), a DSN for an unknown user, retry after b was down, and SIGKILL of a during a
queue run."""
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest

from facteur_harness import (SUBMISSION_ROLES, SYSTEM_PYTHON, FacteurServer, have, split_trace,
                             token, wait_until)

PW = "two sites"
ALICE, AL2 = "alice@a.test", "al2@a.test"
BOB, CAROL, DAVE = "bob@b.test", "carol@b.test", "dave@b.test"
QUEUE = {"retry_schedule": [1], "poll_interval": 1}
# a also sends its "delayed" notice early, so the retry test sees one.
QUEUE_A = dict(QUEUE, delay_notice=2)

VERIFY = r"""
import sys, dkim
record = open(sys.argv[2], "rb").read()
def dns(name, timeout=5):
    name = name.decode() if isinstance(name, bytes) else name
    return record if name.rstrip(".") == sys.argv[3] else None
message = open(sys.argv[1], "rb").read()
sys.exit(0 if dkim.verify(message, dnsfunc=dns) else 1)
"""


def have_dkimpy():
    return os.path.exists(SYSTEM_PYTHON) and subprocess.run(
        [SYSTEM_PYTHON, "-c", "import dkim"], capture_output=True).returncode == 0


def message(marker, to=BOB, cc=f"{AL2}, {CAROL}", bcc=DAVE):
    head = f"From: Alice <{ALICE}>\r\nTo: {to}\r\n"
    if cc:
        head += f"Cc: {cc}\r\n"
    if bcc:
        head += f"Bcc: {bcc}\r\n"
    head += f"Subject: two sites {marker}\r\n"
    return (head + f"\r\nHello from a.test.\r\n{marker}\r\n").encode()


class TwoSites(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.a = FacteurServer(domains=("a.test",), hostname="mx.a.test", host="127.0.0.2",
                              roles=SUBMISSION_ROLES, sections={"queue": dict(QUEUE_A)})
        cls.b = FacteurServer(domains=("b.test",), hostname="mx.b.test", host="127.0.0.3",
                              roles=SUBMISSION_ROLES, sections={"queue": dict(QUEUE)})
        cls.a.sections["routes"] = {"b.test": f"127.0.0.3:{cls.b.port('smtp')}"}
        cls.b.sections["routes"] = {"a.test": f"127.0.0.2:{cls.a.port('smtp')}"}
        cls.a.write_config()
        cls.b.write_config()
        try:
            cls.a.start()
            cls.b.start()
            for user in (ALICE, AL2):
                cls.a.add_user(user, PW)
            for user in (BOB, CAROL, DAVE):
                cls.b.add_user(user, PW)
            # Made while a runs: the daemon picks the key up for the next message.
            cls.a.cli("dkim", "generate", "a.test")
            records = cls.a.cli("dns-records", "a.test").stdout
            m = re.search(r'^(\S+)\._domainkey\.a\.test\. TXT (.*)$', records, re.M)
            assert m, records
            cls.selector = m.group(1)
            cls.dkim_txt = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(2)))
        except Exception:
            print(cls.a.log()[-20000:], cls.b.log()[-20000:])
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        codes = []
        for server in (cls.a, cls.b):
            codes.append(server.stop())
            if codes[-1] not in (0, None):
                print(server.log()[-20000:])
            server.cleanup()
        assert all(c in (0, None) for c in codes), codes

    def dump(self):
        print("---- a ----\n" + self.a.log()[-15000:])
        print("---- b ----\n" + self.b.log()[-15000:])

    def received(self, server, user, marker, timeout=30):
        try:
            return wait_until(lambda: server.find(user, PW, marker), timeout=timeout,
                              what=f"{marker} at {user}")
        except TimeoutError:
            self.dump()
            raise

    def verify_dkim(self, copy):
        """dkimpy verifies b's copy (trace fields b added included: they are not signed) with the
        key a.test publishes."""
        with tempfile.TemporaryDirectory() as d:
            msg, rec = os.path.join(d, "m.eml"), os.path.join(d, "rec.txt")
            with open(msg, "wb") as f:
                f.write(copy)
            with open(rec, "w") as f:
                f.write(self.dkim_txt)
            script = os.path.join(d, "verify.py")
            with open(script, "w") as f:
                f.write(VERIFY)
            res = subprocess.run([SYSTEM_PYTHON, script, msg, rec,
                                  f"{self.selector}._domainkey.a.test"],
                                 capture_output=True, timeout=60)
            self.assertEqual(res.returncode, 0, res.stderr.decode() + copy.decode()[:3000])

    def check_everyone(self, marker):
        """Every To/Cc/Bcc recipient on both sites has it, no copy shows Bcc, b's copies carry a
        DKIM signature of a.test that dkimpy accepts (RFC 6376 §6)."""
        copies = [(AL2, self.received(self.a, AL2, marker)[0])]
        for user in (BOB, CAROL, DAVE):
            copies.append((user, self.received(self.b, user, marker)[0]))
        for user, copy in copies:
            _, rest = split_trace(copy)
            head = b"\r\n" + rest.split(b"\r\n\r\n", 1)[0].lower()
            self.assertNotIn(b"\r\nbcc:", head, user)
            self.assertIn(b"\r\ndkim-signature:", head, user)
            if user.endswith("@b.test") and have_dkimpy():
                self.verify_dkim(copy)
        wait_until(lambda: self.a.queue_ids() == [], timeout=20, what="a's queue to empty")

    def test_smtplib_587_starttls(self):
        marker = token()
        self.a.submit(ALICE, PW, ALICE, [BOB, AL2, CAROL, DAVE], message(marker))
        self.check_everyone(marker)

    def test_smtplib_465_implicit_tls(self):
        marker = token()
        self.a.submit(ALICE, PW, ALICE, [BOB, AL2, CAROL, DAVE], message(marker),
                      role="submissions")
        self.check_everyone(marker)

    @unittest.skipUnless(have("swaks"), "swaks not installed")
    def test_swaks(self):
        marker = token()
        with tempfile.NamedTemporaryFile() as f:
            f.write(message(marker))
            f.flush()
            res = subprocess.run(
                ["swaks", "--server", f"{self.a.host}:{self.a.port('submission')}", "--tls",
                 "--auth", "PLAIN", "--auth-user", ALICE, "--auth-password", PW,
                 "--from", ALICE, "--to", f"{BOB},{AL2},{CAROL},{DAVE}", "--data", f.name],
                capture_output=True, timeout=60)
            self.assertEqual(res.returncode, 0, res.stdout.decode() + res.stderr.decode())
        self.check_everyone(marker)

    @unittest.skipUnless(have("msmtp"), "msmtp not installed")
    def test_msmtp(self):
        """msmtp reads the recipients from To/Cc/Bcc (-t) and sends the message as is."""
        marker = token()
        res = subprocess.run(
            ["msmtp", f"--host={self.a.host}", f"--port={self.a.port('submissions')}",
             "--tls=on", "--tls-starttls=off", "--tls-certcheck=off", "--auth=plain",
             f"--user={ALICE}", "--passwordeval=echo " + PW, f"--from={ALICE}", "-t"],
            input=message(marker), capture_output=True, timeout=60)
        self.assertEqual(res.returncode, 0, res.stdout.decode() + res.stderr.decode())
        self.check_everyone(marker)

    def test_unknown_user_bounces_to_the_sender(self):
        """RFC 3464 DSN from <> (RFC 5321 §4.5.5) for b's 550 5.1.1, into alice's INBOX."""
        marker = token()
        self.a.submit(ALICE, PW, ALICE, ["nobody@b.test"], message(marker, to="nobody@b.test",
                                                                     cc=None, bcc=None))
        dsn = self.received(self.a, ALICE, marker)[0]
        self.assertIn(b"Return-Path: <>", dsn)
        self.assertIn(b"multipart/report", dsn)
        self.assertIn(b"Action: failed", dsn)
        self.assertIn(b"Status: 5.1.1", dsn)
        self.assertIn(b"Final-Recipient: rfc822; nobody@b.test", dsn)
        wait_until(lambda: self.a.queue_ids() == [], timeout=20, what="a's queue to empty")

    def test_retry_after_b_comes_back(self):
        """RFC 5321 §4.5.4.1: a temporary failure (b is down) is retried; past the delay
        threshold the sender gets one "delayed" DSN (RFC 3464 §2.3.3); once delivered the entry
        leaves the queue."""
        self.b.stop()
        try:
            marker = token()
            self.a.submit(ALICE, PW, ALICE, [BOB], message(marker, cc=None, bcc=None))
            wait_until(lambda: "cannot connect" in self.a.cli("queue", "show",
                                                              *map(str, self.a.queue_ids())
                                                              ).stdout
                       if self.a.queue_ids() else False, timeout=20, what="a failed attempt")
            notice = self.received(self.a, ALICE, marker)[0]
            self.assertIn(b"Action: delayed", notice)
            self.assertIn(b"Will-Retry-Until:", notice)
        finally:
            self.b.start()
        self.received(self.b, BOB, marker)
        wait_until(lambda: self.a.queue_ids() == [], timeout=20, what="a's queue to empty")
        self.assertEqual(len(self.a.find(ALICE, PW, marker)), 1)  # one notice only

    def test_alias_on_the_mx_forwards_to_the_other_site(self):
        """Mail for a local alias whose target is remote (port 25, no authentication) is
        forwarded through the queue with the original envelope sender (no SRS)."""
        self.b.cli("alias", "add", "fwd@b.test", AL2)
        marker = token()
        with self.b.smtp() as s:
            s.sendmail("someone@elsewhere.test", ["fwd@b.test"],
                       f"From: someone@elsewhere.test\r\nTo: fwd@b.test\r\nSubject: {marker}"
                       f"\r\n\r\nforward me {marker}\r\n".encode())
        copy = self.received(self.a, AL2, marker)[0]
        self.assertIn(b"Return-Path: <someone@elsewhere.test>", copy)
        wait_until(lambda: self.b.queue_ids() == [], timeout=20, what="b's queue to empty")

    def test_sigkill_during_a_queue_run_loses_nothing(self):
        """The queue is durable: a SIGKILL while a delivers from it loses no message (some may be
        delivered twice: the window between b's 250 and a's record of it)."""
        wait_until(lambda: self.a.queue_ids() == [], timeout=20, what="a's queue to empty")
        self.b.stop()
        markers = [token() for _ in range(20)]
        try:
            for marker in markers:
                self.a.submit(ALICE, PW, ALICE, [CAROL], message(marker, to=CAROL, cc=None,
                                                                  bcc=None))
            self.assertEqual(len(self.a.queue_ids()), 20)
        finally:
            self.b.start()
        # Kill a as soon as b has the first of them, i.e. in the middle of the run.
        wait_until(lambda: any(markers[0].encode() in m or markers[-1].encode() in m
                               for m in self.b.messages(CAROL, PW)) or
                   self.a.queue_ids() == [], timeout=30, interval=0.05, what="the run to start")
        self.a.kill()
        self.a.start()
        wait_until(lambda: self.a.queue_ids() == [], timeout=60, what="a's queue to empty")
        got = b"".join(self.b.messages(CAROL, PW))
        for marker in markers:
            self.assertIn(marker.encode(), got)


if __name__ == "__main__":
    unittest.main()
