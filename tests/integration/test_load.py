"""Sustained parallel deliveries while the CLI changes accounts and aliases: the daemon stays up,
and the mailboxes hold exactly the messages that got a 250 (no loss, no duplicate)."""
import imaplib
import os
import resource
import smtplib
import socket
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


class OpenFilesLimitTest(unittest.TestCase):
    """A daemon started with a low soft open-file limit (a login shell's or systemd's 1024; 256
    here to stay small) raises it towards what its connection limits need (hard limit
    permitting), so concurrent connections beyond the inherited limit are served rather than
    refused with EMFILE at accept()."""

    INHERITED = 256
    CONNECTIONS = 600

    def setUp(self):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        need = self.CONNECTIONS + 200
        if hard != resource.RLIM_INFINITY and hard < need:
            self.skipTest(f"hard open-file limit {hard} < {need}")
        self.saved = (soft, hard)
        if soft != resource.RLIM_INFINITY and soft < need:
            resource.setrlimit(resource.RLIMIT_NOFILE, (need, hard))  # this client's sockets
        self.server = FacteurServer(open_files=self.INHERITED)
        self.server.start()
        self.server.add_user(USERS[0], PW)

    def tearDown(self):
        self.server.cleanup()
        resource.setrlimit(resource.RLIMIT_NOFILE, self.saved)

    def test_connections_beyond_the_inherited_limit_are_served(self):
        socks = []
        try:
            for _ in range(self.CONNECTIONS):
                s = socket.create_connection((self.server.host, self.server.port("imap")),
                                             timeout=30)
                socks.append(s)
            for s in socks:  # RFC 9051 §7.1.1: the greeting
                greeting = s.makefile("rb").readline()
                self.assertTrue(greeting.startswith(b"* OK"), greeting)
            # And a real client still logs in while they are all open.
            m = imaplib.IMAP4(self.server.host, self.server.port("imap"), timeout=30)
            m.login(USERS[0], PW)
            self.assertEqual(m.select("INBOX")[0], "OK")
            m.logout()
        finally:
            for s in socks:
                s.close()
        self.assertIn("open-file limit raised from 256", self.server.log())
        self.assertEqual(self.server.stop(), 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
