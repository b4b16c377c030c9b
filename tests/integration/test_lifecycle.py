"""The daemon's life: graceful stop on SIGTERM (the contract: stop accepting, finish in-flight
transactions, exit 0 within 5 s) and the CLI changing accounts and aliases while it runs."""
import poplib
import signal
import smtplib
import socket
import threading
import time
import unittest

from facteur_harness import DOMAIN, FacteurServer, ServerTestCase, token
from raw_clients import RawSmtp

PW = "life pw"
ALICE = f"alice@{DOMAIN}"


def message(subject, body="x\r\n"):
    return f"From: <s@remote.example>\r\nSubject: {subject}\r\n\r\n{body}".encode()


class GracefulStopTest(unittest.TestCase):
    def setUp(self):
        self.server = FacteurServer()
        self.server.start()
        self.server.add_user(ALICE, PW)

    def tearDown(self):
        self.server.cleanup()

    def sigterm(self):
        self.server.proc.send_signal(signal.SIGTERM)
        return time.monotonic()

    def wait_exit(self, since):
        code = self.server.proc.wait(timeout=10)
        elapsed = time.monotonic() - since
        self.server.proc = None
        self.server._log.close()
        return code, elapsed

    def test_sigterm_with_idle_sessions(self):
        """The contract, RFC 5321 §3.8 (421 to the idle SMTP client) and RFC 2449 §8.1.2 /
        RFC 1939 §6 (the POP3 client gets -ERR [SYS/TEMP], and its DELE is not carried out)."""
        t = token()
        self.server.send("s@remote.example", [ALICE], message(t))
        smtp = self.server.smtp()
        pop = self.server.pop3_login(ALICE, PW)
        self.assertEqual(pop.stat()[0], 1)
        pop.dele(1)
        since = self.sigterm()
        code, elapsed = self.wait_exit(since)
        self.assertEqual(code, 0, self.server.log()[-5000:])
        self.assertLess(elapsed, 5.0)
        code, text = smtp.getreply()
        self.assertEqual(code, 421, text)
        smtp.close()
        line = pop.file.readline()
        self.assertTrue(line.startswith(b"-ERR [SYS/TEMP]"), line)
        pop.close()
        self.server.start()
        self.assertEqual(len(self.server.find(ALICE, PW, t)), 1)  # DELE without QUIT: kept

    def test_sigterm_during_data_lets_the_message_finish(self):
        """The contract ("finishes in-flight transactions"): a message being transferred when
        SIGTERM arrives still gets its 250 and is stored; then 421 (RFC 5321 §3.8); new
        connections are refused meanwhile."""
        t = token()
        c = RawSmtp(self.server.host, self.server.port("smtp"))
        c.send(f"MAIL FROM:<s@remote.example>\r\nRCPT TO:<{ALICE}>\r\nDATA\r\n")
        self.assertEqual([c.reply()[0] for _ in range(3)], [250, 250, 354])
        c.send(f"Subject: {t}\r\n\r\nfirst half\r\n")
        since = self.sigterm()
        time.sleep(0.5)
        self.assertIsNone(self.server.proc.poll(), "exited with a transaction in flight")
        with self.assertRaises(OSError):
            socket.create_connection((self.server.host, self.server.port("smtp")), timeout=2)
        c.send("second half\r\n.\r\n")
        code, texts = c.reply()
        self.assertEqual(code, 250, texts)
        code, texts = c.reply()
        self.assertEqual(code, 421, texts)
        self.assertTrue(c.at_eof())
        c.close()
        code, elapsed = self.wait_exit(since)
        self.assertEqual(code, 0)
        self.assertLess(elapsed, 5.0)
        self.server.start()
        got = self.server.find(ALICE, PW, t)
        self.assertEqual(len(got), 1)
        self.assertIn(b"first half\r\nsecond half\r\n", got[0])

    def test_sigterm_with_stalled_transfer_still_exits_in_time(self):
        """The contract's bound: a client that stops sending mid-DATA cannot hold the daemon
        past 5 s; its half message is not stored."""
        t = token()
        c = RawSmtp(self.server.host, self.server.port("smtp"))
        c.send(f"MAIL FROM:<s@remote.example>\r\nRCPT TO:<{ALICE}>\r\nDATA\r\n")
        self.assertEqual([c.reply()[0] for _ in range(3)], [250, 250, 354])
        c.send(f"Subject: {t}\r\n\r\nnever finished\r\n")
        since = self.sigterm()
        code, elapsed = self.wait_exit(since)
        c.close()
        self.assertEqual(code, 0)
        self.assertLess(elapsed, 5.0)
        self.server.start()
        self.assertEqual(self.server.find(ALICE, PW, t), [])

    def test_sigterm_under_load(self):
        """The contract under load: with 10 clients delivering and one stalled mid-DATA, SIGTERM
        still ends the daemon with status 0 within 5 s, and every message that got a 250 is
        there after the restart (RFC 5321 §6.1)."""
        stall = RawSmtp(self.server.host, self.server.port("smtp"))
        stall.send(f"MAIL FROM:<s@remote.example>\r\nRCPT TO:<{ALICE}>\r\nDATA\r\n")
        self.assertEqual([stall.reply()[0] for _ in range(3)], [250, 250, 354])
        stall.send("Subject: stalled\r\n\r\nhalf")
        stop = threading.Event()
        acked = []

        def sender(n):
            seq = 0
            while not stop.is_set():
                try:
                    with smtplib.SMTP(self.server.host, self.server.port("smtp"),
                                      timeout=10) as s:
                        for _ in range(10):
                            seq += 1
                            s.sendmail("s@remote.example", [ALICE],
                                       message(f"load-{n}-{seq}", "y" * 3000 + "\r\n"))
                            acked.append(f"load-{n}-{seq}")
                except (smtplib.SMTPException, OSError):
                    return  # the daemon is stopping

        threads = [threading.Thread(target=sender, args=(n,)) for n in range(10)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 10
        while len(acked) < 300 and time.monotonic() < deadline:
            time.sleep(0.01)
        since = self.sigterm()
        code, elapsed = self.wait_exit(since)
        stop.set()
        for t in threads:
            t.join(timeout=30)
        stall.close()
        self.assertEqual(code, 0, self.server.log()[-5000:])
        self.assertLess(elapsed, 5.0)
        self.assertGreaterEqual(len(acked), 300)
        self.server.start()
        p = self.server.pop3_login(ALICE, PW)
        try:
            self.assertEqual(p.stat()[0], len(acked))
        finally:
            p.quit()


class CliWhileRunningTest(ServerTestCase):
    """The contract: `facteur user …` and `facteur alias …` work while the daemon runs, and the
    daemon sees the change at once."""

    users = {ALICE: PW}

    def rcpt(self, address):
        with self.server.smtp() as s:
            s.mail("s@remote.example")
            return s.rcpt(address)

    def test_user_add_list_del(self):
        bob = f"bob.{token()[4:12]}@{DOMAIN}"
        self.assertEqual(self.rcpt(bob)[0], 550)
        out = self.server.add_user(bob, "bob pw").stdout
        self.assertIn(bob, out)
        self.assertEqual(self.rcpt(bob)[0], 250)
        t = token()
        self.server.send("s@remote.example", [bob], message(t))
        self.assertEqual(len(self.server.find(bob, "bob pw", t)), 1)
        listing = self.server.cli("user", "list").stdout
        line = [entry for entry in listing.splitlines() if entry.startswith(bob)]
        self.assertEqual(len(line), 1, listing)
        self.assertIn("1 messages", line[0])
        # Password change: the old one stops working at once.
        self.server.cli("user", "passwd", bob, input="new bob pw\n")
        with self.assertRaises(poplib.error_proto):
            self.server.pop3(bob, "bob pw")
        self.server.pop3_login(bob, "new bob pw").quit()
        self.server.cli("user", "del", bob)
        self.assertNotIn(bob, self.server.cli("user", "list").stdout)
        code, text = self.rcpt(bob)
        self.assertEqual(code, 550)
        self.assertTrue(text.startswith(b"5.1.1"), text)
        with self.assertRaises(poplib.error_proto):
            self.server.pop3(bob, "new bob pw")
        self.server.pop3_login(ALICE, PW).quit()  # resets the failed-login delay

    def test_user_add_rejects_bad_input(self):
        res = self.server.cli("user", "add", "someone@elsewhere.example", input="pw\n",
                              check=False)
        self.assertNotEqual(res.returncode, 0)
        res = self.server.cli("user", "add", f"nopw@{DOMAIN}", input="", check=False)
        self.assertNotEqual(res.returncode, 0)
        res = self.server.cli("user", "add", ALICE, input="again\n", check=False)
        self.assertNotEqual(res.returncode, 0)  # exists already
        self.server.pop3_login(ALICE, PW).quit()  # the password did not change

    def test_alias_add_list_del(self):
        carol = f"carol.{token()[4:12]}@{DOMAIN}"
        self.server.add_user(carol, PW)
        alias = f"list.{token()[4:12]}@{DOMAIN}"
        self.assertEqual(self.rcpt(alias)[0], 550)
        self.server.cli("alias", "add", alias, ALICE, carol)
        listing = self.server.cli("alias", "list").stdout
        self.assertRegex(listing, rf"{alias}\t.*{ALICE}")
        self.assertEqual(self.rcpt(alias)[0], 250)
        t = token()
        self.server.send("s@remote.example", [alias], message(t))
        self.assertEqual(len(self.server.find(ALICE, PW, t)), 1)
        self.assertEqual(len(self.server.find(carol, PW, t)), 1)
        # Remove one target, then the whole alias.
        self.server.cli("alias", "del", alias, ALICE)
        t2 = token()
        self.server.send("s@remote.example", [alias], message(t2))
        self.assertEqual(self.server.find(ALICE, PW, t2), [])
        self.assertEqual(len(self.server.find(carol, PW, t2)), 1)
        self.server.cli("alias", "del", alias)
        self.assertNotIn(alias, self.server.cli("alias", "list").stdout)
        self.assertEqual(self.rcpt(alias)[0], 550)

    def test_quota(self):
        """RFC 3463 X.2.2: a message that does not fit in what is left of the quota is refused
        with 452 4.2.2 (temporary; one larger than the whole quota gets 552 5.2.2, see
        test_mail_bombing.QuotaTooSmallTest), and fits once the quota is raised."""
        dave = f"dave.{token()[4:12]}@{DOMAIN}"
        self.server.cli("user", "add", dave, "--quota", "10000", input="pw\n")
        self.server.send("s@remote.example", [dave], message(token(), "a" * 5000 + "\r\n"))
        with self.assertRaises(smtplib.SMTPDataError) as cm:
            self.server.send("s@remote.example", [dave], message(token(), "b" * 5500 + "\r\n"))
        self.assertEqual(cm.exception.smtp_code, 452)
        self.assertTrue(cm.exception.smtp_error.startswith(b"4.2.2"))
        self.server.cli("user", "quota", dave, "0")
        self.server.send("s@remote.example", [dave], message(token(), "b" * 5500 + "\r\n"))


if __name__ == "__main__":
    unittest.main(verbosity=2)
