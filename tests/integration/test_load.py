"""Sustained parallel deliveries while the CLI changes accounts and aliases: the daemon stays up,
and the mailboxes hold exactly the messages that got a 250 (no loss, no duplicate)."""
import os
import smtplib
import threading
import time
import unittest

from facteur_harness import DOMAIN, FacteurServer

PW = "load pw"
USERS = [f"load{i}@{DOMAIN}" for i in range(3)]
THREADS = 10
SECONDS = 3.0
MIN_MESSAGES = 600
HARD_LIMIT = 60.0


class SustainedLoadTest(unittest.TestCase):
    def setUp(self):
        self.server = FacteurServer()
        self.server.start()
        for u in USERS:
            self.server.add_user(u, PW)

    def tearDown(self):
        self.server.cleanup()

    def test_parallel_deliveries_with_cli_changes(self):
        """RFC 5321 §6.1 (a 250 is a promise to deliver) under concurrency, plus the contract's
        CLI-while-running. This load once aborted the daemon (heap corruption in the SMTP
        session's delivery hand-off)."""
        stop = threading.Event()
        counts = [[0] * len(USERS) for _ in range(THREADS)]
        errors = []

        def sender(n):
            seq = 0
            while not stop.is_set():
                try:
                    with smtplib.SMTP(self.server.host, self.server.port("smtp"),
                                      timeout=30) as s:
                        for _ in range(10):
                            seq += 1
                            user = (n + seq) % len(USERS)
                            size = 20000 if seq % 5 == 0 else 300 + (seq * 37) % 5000
                            body = (f"Subject: load {n}.{seq}\r\n\r\n".encode() +
                                    os.urandom(size // 2).hex().encode() + b"\r\n")
                            s.sendmail(f"t{n}@remote.example", [USERS[user]], body)
                            counts[n][user] += 1
                except (smtplib.SMTPException, OSError) as e:
                    errors.append(f"client {n}: {e!r}")
                    return

        threads = [threading.Thread(target=sender, args=(n,)) for n in range(THREADS)]
        for t in threads:
            t.start()
        # At least SECONDS, and on until MIN_MESSAGES went in (slow sanitizer builds on a busy
        # machine), but never beyond the hard limit.
        start = time.monotonic()
        i = 0
        while not errors:
            elapsed = time.monotonic() - start
            sent = sum(map(sum, counts))
            if elapsed >= HARD_LIMIT or (elapsed >= SECONDS and sent > MIN_MESSAGES):
                break
            # The CLI opens the same store while the daemon writes to it.
            self.server.add_user(f"extra{i}@{DOMAIN}", PW)
            self.server.cli("alias", "add", f"alias{i}@{DOMAIN}", USERS[i % len(USERS)])
            self.server.cli("user", "list")
            i += 1
        stop.set()
        for t in threads:
            t.join(timeout=60)
        self.assertIsNone(self.server.proc.poll(), "the daemon died:\n" + self.server.log()[-3000:])
        self.assertEqual(errors, [])
        expected = [sum(c[u] for c in counts) for u in range(len(USERS))]
        self.assertGreater(sum(expected), 500, "too little load to mean anything")
        for u, user in enumerate(USERS):
            p = self.server.pop3_login(user, PW, timeout=60)
            try:
                self.assertEqual(p.stat()[0], expected[u], user)
            finally:
                p.quit()
        listing = self.server.cli("user", "list").stdout
        for u, user in enumerate(USERS):
            self.assertIn(f"{user}\t{expected[u]} messages", listing)
        self.assertEqual(self.server.stop(), 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
