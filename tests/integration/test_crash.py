"""Crash safety: a 250 reply means the message is on disk (the durability rule of the design).
20 clients deliver in parallel, the daemon is SIGKILLed mid-stream, and after a restart every
acknowledged message is there."""
import os
import smtplib
import threading
import time
import unittest

from facteur_harness import DOMAIN, FacteurServer

PW = "crash pw"
USERS = [f"crash{i}@{DOMAIN}" for i in range(3)]
THREADS = 20


class CrashSafetyTest(unittest.TestCase):
    def setUp(self):
        self.server = FacteurServer()
        self.server.start()
        for u in USERS:
            self.server.add_user(u, PW)

    def tearDown(self):
        code = self.server.stop()
        if code not in (0, None):
            print(self.server.log()[-20000:])
        self.server.cleanup()

    def sender(self, n, stop, crashing, acked, errors, interrupted):
        """Delivers until stopped; records (token, recipients) of each message that got 250."""
        seq = 0
        while not stop.is_set():
            try:
                with smtplib.SMTP(self.server.host, self.server.port("smtp"), timeout=10) as s:
                    s.ehlo("client.example.net")
                    # Several transactions per connection (RFC 5321 §3.3).
                    for _ in range(5):
                        if stop.is_set():
                            return
                        seq += 1
                        tok = f"crash-{n}-{seq}-{os.urandom(4).hex()}"
                        rcpts = [USERS[seq % 3]] if seq % 2 else [USERS[seq % 3], USERS[n % 3]]
                        # Mostly small messages, now and then a bigger one (several blob writes).
                        lines = 3000 if seq % 7 == 0 else 1 + seq % 40
                        body = (f"From: <t{n}@remote.example>\r\nSubject: {tok}\r\n\r\n" +
                                f"{tok} {'x' * 60}\r\n" * lines).encode()
                        s.sendmail(f"t{n}@remote.example", rcpts, body)
                        acked.append((tok, tuple(sorted(set(rcpts)))))  # only after the 250
            except (smtplib.SMTPException, OSError) as e:
                if crashing.is_set():
                    interrupted.append(n)
                else:
                    errors.append(repr(e))
                return

    def deliver_then_crash(self, at_least):
        """Runs THREADS senders, SIGKILLs the daemon once at_least messages were acknowledged,
        and returns the acknowledged (token, recipients)."""
        stop, crashing = threading.Event(), threading.Event()
        acked, errors, interrupted = [], [], []
        threads = [threading.Thread(target=self.sender,
                                    args=(n, stop, crashing, acked, errors, interrupted))
                   for n in range(THREADS)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 30
        while len(acked) < at_least and time.monotonic() < deadline and not errors:
            time.sleep(0.01)
        crashing.set()
        self.server.kill()  # mid-stream: the threads are still sending
        stop.set()
        for t in threads:
            t.join(timeout=30)
        self.assertEqual(errors, [], "a client failed before the crash")
        self.assertGreaterEqual(len(acked), at_least, "too few deliveries before the crash")
        # The kill cut connections that were in use, not a quiet daemon.
        self.assertGreater(len(interrupted), THREADS // 2)
        return list(acked)

    def check_mailboxes(self, acked):
        # The store opens cleanly: the daemon starts and the CLI reads it.
        self.server.start()
        listing = self.server.cli("user", "list").stdout
        for u in USERS:
            self.assertIn(u, listing)
        found = {u: [] for u in USERS}
        for u in USERS:
            p = self.server.pop3_login(u, PW, timeout=60)
            try:
                count, _ = p.stat()
                for i in range(1, count + 1):
                    _, lines, _ = p.top(i, 0)
                    subject = [line for line in lines if line.startswith(b"Subject: ")]
                    self.assertEqual(len(subject), 1)
                    found[u].append(subject[0][9:].decode())
            finally:
                p.quit()
        missing = [(tok, u) for tok, rcpts in acked for u in rcpts if tok not in found[u]]
        self.assertEqual(missing, [], f"{len(missing)} acknowledged deliveries lost "
                                      f"(of {len(acked)} messages)")
        # Nothing was stored twice either.
        for u in USERS:
            self.assertEqual(len(found[u]), len(set(found[u])), f"duplicates in {u}")

    def test_acknowledged_messages_survive_sigkill(self):
        """RFC 5321 §6.1: once the server has said 250 it has accepted responsibility for the
        message; a crash right after must not lose it. Twice: the second crash hits a store
        that has already recovered from one."""
        acked = self.deliver_then_crash(300)
        self.check_mailboxes(acked)
        acked += self.deliver_then_crash(300)
        self.check_mailboxes(acked)


if __name__ == "__main__":
    unittest.main(verbosity=2)
