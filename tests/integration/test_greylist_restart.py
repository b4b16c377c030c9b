"""Greylisting state survives restarts ([greylist] state_file, src/server/greylist.hpp).

RFC 6647 §2.2 / §4.1: a sender that retried once and passed must not be delayed again; a
greylister that forgets its triplets at every restart delays every correspondent once more. The
triplets live in data_dir/greylist.db (SQLite, WAL), written about every second off the SMTP
path: after a clean stop (SIGTERM writes what is pending) and after a crash (SIGKILL, once that
second has gone by) the same triplet passes at once, and a first sighting keeps its time.

Clients bind to 127.0.0.7 and 127.0.0.8; trusted_networks excludes them, so greylisting applies.
"""
import os
import smtplib
import time
import unittest

from facteur_harness import DOMAIN, FacteurServer, wait_until

PW = "grey pw"
RCPT = f"rcpt@{DOMAIN}"
DELAY = 2


def message(subject):
    return (f"From: <s@remote.example>\r\nTo: <{RCPT}>\r\nSubject: {subject}\r\n\r\n"
            f"hello\r\n").encode()


class GreylistRestart(unittest.TestCase):
    def setUp(self):
        self.server = FacteurServer(settings={"trusted_networks": ["192.0.2.0/24"]},
                                    sections={"greylist": {"enabled": True, "delay": DELAY}})
        self.server.start()
        self.server.add_user(RCPT, PW)

    def tearDown(self):
        code = self.server.stop()
        # CTest shows the output only when the test fails.
        print(self.server.log()[-8000:])
        self.server.cleanup()
        self.assertIn(code, (0, None))

    def send(self, source, sender, subject):
        """None when accepted, else the (code, text) the recipient got."""
        with smtplib.SMTP(self.server.host, self.server.port("smtp"), timeout=30,
                          source_address=(source, 0)) as s:
            s.ehlo("client.example.net")
            try:
                self.assertEqual(s.sendmail(sender, [RCPT], message(subject)), {})
                return None
            except smtplib.SMTPRecipientsRefused as e:
                return e.recipients[RCPT]

    def assert_greylisted(self, refusal):
        self.assertIsNotNone(refusal, "accepted, expected greylisting")
        code, text = refusal
        self.assertEqual(code, 451)  # RFC 6647 §2.1: a temporary failure
        self.assertTrue(text.startswith(b"4.7.1"), text)

    def test_passed_triplet_passes_at_once_after_a_restart(self):
        self.assert_greylisted(self.send("127.0.0.7", "list@sender.example", "first"))
        time.sleep(DELAY + 0.3)
        self.assertIsNone(self.send("127.0.0.7", "list@sender.example", "retry"))
        # Another triplet only seen once before the restart.
        pending_since = time.time()
        self.assert_greylisted(self.send("127.0.0.8", "news@other.example", "first"))

        self.assertEqual(self.server.restart(), 0)
        self.assertTrue(os.path.exists(os.path.join(self.server.data_dir, "greylist.db")))
        # (The port accepts before the daemon has logged everything: wait for the line.)
        wait_until(lambda: "greylist: 2 triplet(s) loaded" in self.server.log(), timeout=15,
                   what="the greylist loaded")
        # The passed triplet: no new delay.
        self.assertIsNone(self.send("127.0.0.7", "list@sender.example", "after restart"))
        # The pending one kept its first sighting: it passes once DELAY has gone by since then
        # (a forgotten one would be greylisted afresh).
        time.sleep(max(0.0, pending_since + DELAY + 0.3 - time.time()))
        self.assertIsNone(self.send("127.0.0.8", "news@other.example", "retry after restart"))
        # A new triplet is still greylisted.
        self.assert_greylisted(self.send("127.0.0.7", "someone@else.example", "new"))

    def test_state_written_before_a_crash_survives_it(self):
        self.assert_greylisted(self.send("127.0.0.7", "crash@sender.example", "first"))
        time.sleep(DELAY + 0.3)
        self.assertIsNone(self.send("127.0.0.7", "crash@sender.example", "retry"))
        time.sleep(2.5)  # the writer runs every second; only the last second may be lost
        self.server.kill()
        self.server.start()
        self.assertIsNone(self.send("127.0.0.7", "crash@sender.example", "after crash"))
        # Both accepted messages were kept (the crash came after their 250).
        p = self.server.pop3_login(RCPT, PW)
        self.assertEqual(p.stat()[0], 2)
        p.quit()


if __name__ == "__main__":
    unittest.main(verbosity=2)
