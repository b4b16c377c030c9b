"""Mail-bombing protection on the MX listener ([rate_limits], src/server/abuse_limits.hpp): a flood
from one client address is throttled with transient refusals while other clients and the victim's
mailbox keep working; tarpitting slows the abusive client only; connection rates; mailbox quotas.

The clients bind their sockets to other loopback addresses (127.0.0.2, .3, ...), and the server's
trusted_networks exclude them, so the limits apply (trusted clients are exempt).

Codes: RFC 5321 §3.8 and §4.2.2 (421 at connection time, then close), §4.2.5 (450: transient,
the client retries later); RFC 3463 §3.8 (X.7.0 / X.7.1 policy refusals) and §3.3 (X.2.2
mailbox full).
"""
import signal
import smtplib
import socket
import statistics
import threading
import time
import unittest

from facteur_harness import DOMAIN, FacteurServer, token

PW = "bomb pw"
VICTIM = f"victim@{DOMAIN}"
OTHER = f"other@{DOMAIN}"
FLOODER = "127.0.0.2"
NEIGHBOUR = "127.0.0.3"

# Not loopback: every test client is subject to the limits (127.0.0.9 is trusted, to check the
# exemption).
TRUSTED = ["192.0.2.0/24", "127.0.0.9/32"]


def message(subject, body="hello\r\n"):
    return (f"From: <s@remote.example>\r\nTo: <{VICTIM}>\r\nSubject: {subject}\r\n\r\n"
            f"{body}").encode()


def smtp_from(server, source, timeout=30):
    s = smtplib.SMTP(server.host, server.port("smtp"), timeout=timeout,
                     source_address=(source, 0))
    s.ehlo("client.example.net")
    return s


def raw_connect(server, source, timeout=10):
    sock = socket.create_connection((server.host, server.port("smtp")), timeout=timeout,
                                    source_address=(source, 0))
    return sock, sock.makefile("rb")


def read_reply(f):
    lines = []
    while True:
        line = f.readline()
        if not line:
            raise EOFError("connection closed")
        lines.append(line)
        if line[3:4] != b"-":
            return int(line[:3]), b"".join(lines)


def make_server(**rate_limits):
    limits = {"connections_per_minute": 30, "messages_per_minute": 100,
              "messages_per_hour": 150, "recipient_messages_per_hour": 1000,
              "tarpit_delay_ms": 10, "tarpit_max_delay_ms": 30, "tarpit_forget": 60}
    limits.update(rate_limits)
    server = FacteurServer(settings={"trusted_networks": TRUSTED},
                           sections={"rate_limits": limits})
    server.pop3_tls = True  # 127.0.0.1 is not trusted here: STLS before a plaintext login
    return server


class FloodTest(unittest.TestCase):
    FLOOD = 2000
    THREADS = 10

    def setUp(self):
        self.server = make_server()
        self.server.start()
        self.server.add_user(VICTIM, PW)
        self.server.add_user(OTHER, PW)

    def tearDown(self):
        code = self.server.stop()
        if code != 0 or getattr(self, "_failed", False):
            print(self.server.log()[-8000:])
        self.server.cleanup()

    def flood_worker(self, count, results, marker):
        accepted = refused = 0
        codes = {}
        s = None
        try:
            for i in range(count):
                if s is None:
                    s = smtp_from(self.server, FLOODER)
                try:
                    s.sendmail("bomber@evil.example", [VICTIM], message(f"{marker} {i}"))
                    accepted += 1
                except smtplib.SMTPSenderRefused as e:
                    refused += 1
                    key = (e.smtp_code, e.smtp_error.split(b" ")[0])
                    codes[key] = codes.get(key, 0) + 1
                except smtplib.SMTPRecipientsRefused as e:
                    refused += 1
                    for code, text in e.recipients.values():
                        key = (code, text.split(b" ")[0])
                        codes[key] = codes.get(key, 0) + 1
                except smtplib.SMTPServerDisconnected:
                    refused += 1
                    codes[("disconnected", b"")] = codes.get(("disconnected", b""), 0) + 1
                    s = None
        finally:
            if s is not None:
                try:
                    s.quit()
                except smtplib.SMTPException:
                    pass
        results.append((accepted, refused, codes))

    def test_flood_is_throttled_other_senders_and_mailbox_unaffected(self):
        """2,000 messages from one address: at most the configured rate gets through, every
        other attempt gets 450 4.7.1 (RFC 5321 §4.2.5, RFC 3463 §3.8); meanwhile a client from
        another address delivers every message with low latency and the victim reads the
        mailbox over POP3 (RFC 1939) and IMAP (RFC 9051)."""
        marker = token()
        results = []
        per_thread = self.FLOOD // self.THREADS
        workers = [threading.Thread(target=self.flood_worker, args=(per_thread, results, marker))
                   for _ in range(self.THREADS)]
        start = time.monotonic()
        for w in workers:
            w.start()

        # The neighbour: one connection per message, as an ordinary MTA would, during the flood.
        latencies = []
        neighbour_marker = token()
        for i in range(20):
            t0 = time.monotonic()
            with smtp_from(self.server, NEIGHBOUR) as s:
                refused = s.sendmail("friend@good.example", [VICTIM],
                                     message(f"{neighbour_marker} {i}"))
            latencies.append(time.monotonic() - t0)
            self.assertEqual(refused, {})
            time.sleep(0.05)

        # The victim reads its mail during the flood.
        t0 = time.monotonic()
        p = self.server.pop3_login(VICTIM, PW)
        count, _ = p.stat()
        p.quit()
        pop_latency = time.monotonic() - t0
        self.assertGreaterEqual(count, 20)
        m = self.server.imap(VICTIM, PW, tls=True)
        typ, data = m.select("INBOX", readonly=True)
        self.assertEqual(typ, "OK")
        m.logout()

        for w in workers:
            w.join(timeout=120)
        elapsed = time.monotonic() - start
        accepted = sum(r[0] for r in results)
        refused = sum(r[1] for r in results)
        codes = {}
        for r in results:
            for k, v in r[2].items():
                codes[k] = codes.get(k, 0) + v
        print(f"\nflood: {accepted} accepted, {refused} refused in {elapsed:.1f} s; codes {codes}; "
              f"neighbour latency median {statistics.median(latencies) * 1000:.0f} ms, "
              f"max {max(latencies) * 1000:.0f} ms; POP3 STAT during the flood "
              f"{pop_latency * 1000:.0f} ms")
        self.assertEqual(len(results), self.THREADS)
        self.assertEqual(accepted + refused, self.FLOOD)
        # Token buckets: 100 at once, 100 more a minute, and never more than 150 in the hour.
        self.assertGreaterEqual(accepted, 100)
        self.assertLessEqual(accepted, min(150, 100 + 100 * elapsed / 60) + 1)
        self.assertEqual(codes.get((450, b"4.7.1"), 0), refused, codes)
        # The neighbour is not slowed by the flooder's tarpit nor refused by its limits.
        self.assertLess(statistics.median(latencies), 1.0)

        # Exactly what was accepted reached the mailbox, nothing refused did.
        p = self.server.pop3_login(VICTIM, PW)
        count, _ = p.stat()
        p.quit()
        self.assertEqual(count, accepted + 20)

    def test_connection_rate(self):
        """A client opening connections too fast gets 421 4.7.0 before the greeting and is
        disconnected (RFC 5321 §3.8); another address, and a trusted one, are not affected."""
        greeted = refused = 0
        for _ in range(40):
            sock, f = raw_connect(self.server, "127.0.0.4")
            code, text = read_reply(f)
            if code == 220:
                greeted += 1
            else:
                self.assertEqual(code, 421, text)
                self.assertIn(b"4.7.0", text)
                self.assertEqual(f.read(1), b"")  # closed
                refused += 1
            sock.close()
        print(f"\nconnection rate: {greeted} greeted, {refused} refused with 421")
        self.assertGreaterEqual(greeted, 30)
        self.assertLessEqual(greeted, 32)  # 30 a minute: at most a refill or two meanwhile
        for source in ("127.0.0.5", "127.0.0.9"):
            sock, f = raw_connect(self.server, source)
            self.assertEqual(read_reply(f)[0], 220)
            sock.close()
        # Trusted networks are exempt (trusted_networks, as Postfix's mynetworks).
        for _ in range(40):
            sock, f = raw_connect(self.server, "127.0.0.9")
            self.assertEqual(read_reply(f)[0], 220)
            sock.close()


class RecipientRateTest(unittest.TestCase):
    def setUp(self):
        self.server = make_server(recipient_messages_per_hour=20, tarpit_delay_ms=0,
                                  tarpit_max_delay_ms=0)
        self.server.start()
        self.server.add_user(VICTIM, PW)
        self.server.add_user(OTHER, PW)

    def tearDown(self):
        self.server.stop()
        self.server.cleanup()

    def test_distributed_flood_is_capped_per_recipient(self):
        """Many client addresses, one message each (what per-client limits cannot see): past
        the recipient's hourly allowance RCPT gets 450 4.7.1 (RFC 5321 §4.2.5, RFC 3463 §3.8);
        other recipients keep receiving mail from the same clients."""
        accepted = refused = 0
        for i in range(30):
            source = f"127.0.1.{i + 1}"
            with smtp_from(self.server, source) as s:
                try:
                    s.sendmail(f"bot{i}@evil.example", [VICTIM], message(f"bot {i}"))
                    accepted += 1
                except smtplib.SMTPRecipientsRefused as e:
                    code, text = e.recipients[VICTIM]
                    self.assertEqual(code, 450)
                    self.assertTrue(text.startswith(b"4.7.1"), text)
                    refused += 1
                if i % 2 == 0:  # 15 messages: within OTHER's allowance of 20
                    self.assertEqual(s.sendmail(f"bot{i}@evil.example", [OTHER],
                                                message(f"other {i}")), {})
        print(f"\nrecipient rate: {accepted} accepted, {refused} refused for the victim")
        self.assertEqual(accepted, 20)
        self.assertEqual(refused, 10)
        p = self.server.pop3_login(OTHER, PW)
        self.assertEqual(p.stat()[0], 15)
        p.quit()


class TarpitTest(unittest.TestCase):
    def setUp(self):
        self.server = make_server(messages_per_minute=2, tarpit_delay_ms=500,
                                  tarpit_max_delay_ms=2000)
        self.server.start()
        self.server.add_user(VICTIM, PW)

    def tearDown(self):
        self.server.stop()
        self.server.cleanup()

    def test_replies_to_an_abusive_client_are_delayed_progressively(self):
        """Once refused, every reply to that client waits, doubling per refusal up to the cap;
        the wait is a timer, so a client from another address meanwhile gets its replies at
        once."""
        sock, f = raw_connect(self.server, "127.0.0.6", timeout=30)
        self.assertEqual(read_reply(f)[0], 220)

        def cmd(line):
            t0 = time.monotonic()
            sock.sendall(line.encode() + b"\r\n")
            code, _ = read_reply(f)
            return code, time.monotonic() - t0

        self.assertEqual(cmd("EHLO flood.example")[0], 250)
        for _ in range(2):
            self.assertEqual(cmd("MAIL FROM:<b@evil.example>")[0], 250)
            self.assertEqual(cmd("RSET")[0], 250)
        # The neighbour works in parallel while the abuser waits.
        neighbour = []

        def other_client():
            for _ in range(5):
                t0 = time.monotonic()
                with smtp_from(self.server, NEIGHBOUR) as s:
                    s.noop()
                    s.rset()
                neighbour.append(time.monotonic() - t0)
                time.sleep(0.5)  # spread over the abuser's waits
        t = threading.Thread(target=other_client)
        t.start()
        delays = []
        for _ in range(4):
            code, took = cmd("MAIL FROM:<b@evil.example>")
            self.assertEqual(code, 450)
            delays.append(took)
        t.join()
        sock.close()
        print(f"\ntarpit: refused MAIL replies after {[round(d, 2) for d in delays]} s; "
              f"neighbour sessions {[round(d * 1000) for d in neighbour]} ms")
        self.assertGreaterEqual(delays[0], 0.45)
        self.assertGreaterEqual(delays[1], 0.95)
        self.assertGreaterEqual(delays[2], 1.95)
        self.assertGreaterEqual(delays[3], 1.95)
        self.assertLess(delays[3], 3.5)  # capped at 2 s
        self.assertEqual(len(neighbour), 5)
        self.assertLess(max(neighbour), 1.0)  # tarpitted, its 3 replies would take >= 1.5 s


    def test_address_guessing_is_tarpitted(self):
        """A directory harvest (RCPT to one unknown address after another, 550 5.1.1 per RFC
        5321 §4.2.2 / RFC 3463 §3.2 X.1.1) slows the client down after a few misses; the first
        misses (typos) are answered at once."""
        with smtp_from(self.server, "127.0.0.7") as s:
            self.assertEqual(s.mail("harvester@evil.example")[0], 250)
            took = []
            for i in range(5):
                t0 = time.monotonic()
                code, text = s.rcpt(f"guess{i}@{DOMAIN}")
                took.append(time.monotonic() - t0)
                self.assertEqual(code, 550, text)
                self.assertTrue(text.startswith(b"5.1.1"), text)
        print(f"\nharvest: RCPT replies after {[round(t, 2) for t in took]} s")
        self.assertLess(max(took[:3]), 0.45)
        self.assertGreaterEqual(took[3], 0.45)  # 4th miss: tarpit_delay (500 ms)
        self.assertGreaterEqual(took[4], 0.95)  # 5th: doubled


class TarpitShutdownTest(unittest.TestCase):
    def test_sigterm_does_not_wait_for_a_tarpit(self):
        """The contract: SIGTERM ends the daemon within 5 s, even with a client held in an
        8 s tarpit (the wait is cancelled; the client gets its reply, then 421, RFC 5321
        §3.8)."""
        server = make_server(messages_per_minute=1, tarpit_delay_ms=8000,
                             tarpit_max_delay_ms=8000)
        server.start()
        try:
            sock, f = raw_connect(server, "127.0.0.6", timeout=30)
            self.assertEqual(read_reply(f)[0], 220)
            sock.sendall(b"EHLO x.example\r\nMAIL FROM:<a@evil.example>\r\n")
            self.assertEqual(read_reply(f)[0], 250)
            self.assertEqual(read_reply(f)[0], 250)
            sock.sendall(b"RSET\r\n")
            self.assertEqual(read_reply(f)[0], 250)
            sock.sendall(b"MAIL FROM:<a@evil.example>\r\n")  # refused, held for 8 s
            time.sleep(0.5)
            t0 = time.monotonic()
            server.proc.send_signal(signal.SIGTERM)
            code = server.proc.wait(timeout=10)
            elapsed = time.monotonic() - t0
            server.proc = None
            server._log.close()
            self.assertEqual(code, 0)
            self.assertLess(elapsed, 5.0)
            self.assertEqual(read_reply(f)[0], 450)
            self.assertEqual(read_reply(f)[0], 421)
            sock.close()
        finally:
            server.cleanup()


class QuotaTest(unittest.TestCase):
    """A full mailbox refuses mail with 452 4.2.2 (RFC 3463 §3.3 X.2.2 "mailbox full", a
    transient condition: the sender retries, RFC 5321 §4.2.5) and takes mail again once the user
    deleted messages. test_lifecycle.py checks the refusal and raising the quota; here the user
    frees the space over POP3 (DELE + QUIT, RFC 1939 §6) and over IMAP (EXPUNGE, RFC 9051
    §6.4.3)."""

    def setUp(self):
        self.server = make_server()
        self.server.start()
        self.user = f"full.{token()[4:12]}@{DOMAIN}"
        self.server.cli("user", "add", self.user, "--quota", "6000", input=PW + "\n")

    def tearDown(self):
        self.server.stop()
        self.server.cleanup()

    def send(self, subject, size=1500):
        msg = message(subject, "q" * size + "\r\n")
        with smtp_from(self.server, NEIGHBOUR) as s:
            return s.sendmail("s@remote.example", [self.user], msg)

    def fill(self):
        sent = 0
        for i in range(10):
            try:
                self.send(f"fill {i}")
                sent += 1
            except smtplib.SMTPDataError as e:
                self.assertEqual(e.smtp_code, 452)
                self.assertTrue(e.smtp_error.startswith(b"4.2.2"), e.smtp_error)
                return sent
            except smtplib.SMTPRecipientsRefused as e:
                code, text = list(e.recipients.values())[0]
                self.assertEqual(code, 452)
                self.assertTrue(text.startswith(b"4.2.2"), text)
                return sent
        self.fail("the quota was never reached")

    def test_full_mailbox_recovers_after_pop3_dele(self):
        sent = self.fill()
        self.assertGreaterEqual(sent, 2)
        p = self.server.pop3_login(self.user, PW)
        self.assertEqual(p.stat()[0], sent)
        p.dele(1)
        p.dele(2)
        p.quit()  # the UPDATE state removes them (RFC 1939 §6)
        self.assertEqual(self.send("after dele"), {})
        self.assertEqual(self.send("after dele 2"), {})

    def test_over_quota_refused_at_rcpt(self):
        """A mailbox already at or over its quota is refused at RCPT, before the data is sent
        (452 4.2.2, RFC 5321 §4.2.5 / RFC 3463 §3.3), and accepts mail after DELE."""
        sent = self.fill()
        self.server.cli("user", "quota", self.user, "2000")  # now well over it
        with self.assertRaises(smtplib.SMTPRecipientsRefused) as cm:
            self.send("over")
        code, text = cm.exception.recipients[self.user]
        self.assertEqual(code, 452)
        self.assertTrue(text.startswith(b"4.2.2"), text)
        p = self.server.pop3_login(self.user, PW)
        for i in range(1, sent + 1):
            p.dele(i)
        p.quit()
        self.assertEqual(self.send("after dele", size=100), {})

    def test_full_mailbox_recovers_after_imap_expunge(self):
        sent = self.fill()
        m = self.server.imap(self.user, PW, tls=True)
        m.select("INBOX")
        m.store("1:2", "+FLAGS", r"(\Deleted)")
        typ, _ = m.expunge()
        self.assertEqual(typ, "OK")
        m.logout()
        self.assertEqual(self.send("after expunge"), {})
        p = self.server.pop3_login(self.user, PW)
        self.assertEqual(p.stat()[0], sent - 2 + 1)
        p.quit()


class QuotaTooSmallTest(unittest.TestCase):
    """A message larger than the mailbox's whole quota can never be stored, whatever the user
    deletes: it is refused for good with 552 5.2.2 (RFC 5321 §4.2.2 "exceeded storage
    allocation", RFC 3463 §3.3 X.2.2) where a full mailbox gets the transient 452 4.2.2 — at RCPT
    when the client declared SIZE= (RFC 1870 §6), else at the end of DATA. When other
    recipients of the message got it, the one reply to DATA is 250 and the sender gets a failure
    DSN for the mailbox that could not take it (RFC 3464: Status 5.2.2, Final-Recipient)."""

    QUOTA = 6000

    def setUp(self):
        self.server = make_server()
        self.server.start()
        tag = token()[4:12]
        self.small = f"small.{tag}@{DOMAIN}"
        self.roomy = f"roomy.{tag}@{DOMAIN}"
        self.sender = f"sender.{tag}@{DOMAIN}"
        self.server.cli("user", "add", self.small, "--quota", str(self.QUOTA), input=PW + "\n")
        self.server.add_user(self.roomy, PW)
        self.server.add_user(self.sender, PW)
        self.big = message("big", ("x" * 78 + "\r\n") * 100)

    def tearDown(self):
        self.server.stop()
        self.server.cleanup()

    def count(self, user):
        p = self.server.pop3_login(user, PW)
        n = p.stat()[0]
        p.quit()
        return n

    def test_declared_size_refused_at_rcpt(self):
        self.assertGreater(len(self.big), self.QUOTA)
        with smtp_from(self.server, NEIGHBOUR) as s:
            self.assertTrue(s.has_extn("size"))
            # smtplib declares SIZE=len(msg) on MAIL FROM when the server offers SIZE.
            with self.assertRaises(smtplib.SMTPRecipientsRefused) as cm:
                s.sendmail("s@remote.example", [self.small], self.big)
        code, text = cm.exception.recipients[self.small]
        self.assertEqual(code, 552)
        self.assertTrue(text.startswith(b"5.2.2"), text)
        # The mailbox is not full: a message that fits is taken.
        with smtp_from(self.server, NEIGHBOUR) as s:
            self.assertEqual(s.sendmail("s@remote.example", [self.small], message("small")), {})
        self.assertEqual(self.count(self.small), 1)

    def test_undeclared_size_refused_at_end_of_data(self):
        with smtp_from(self.server, NEIGHBOUR) as s:
            s.mail("s@remote.example")  # no SIZE=: the server learns the size from the data
            self.assertEqual(s.rcpt(self.small)[0], 250)
            code, text = s.data(self.big)
        self.assertEqual(code, 552)
        self.assertTrue(text.startswith(b"5.2.2"), text)
        self.assertEqual(self.count(self.small), 0)

    def test_other_recipient_delivered_sender_gets_a_failure_notice(self):
        with smtp_from(self.server, NEIGHBOUR) as s:
            s.mail(self.sender)
            self.assertEqual(s.rcpt(self.small)[0], 250)
            self.assertEqual(s.rcpt(self.roomy)[0], 250)
            code, _ = s.data(self.big)
        self.assertEqual(code, 250)
        self.assertEqual(self.count(self.roomy), 1)
        self.assertEqual(self.count(self.small), 0)
        p = self.server.pop3_login(self.sender, PW)
        self.assertEqual(p.stat()[0], 1, "one failure notice")
        dsn = b"\r\n".join(p.retr(1)[1])
        p.quit()
        self.assertIn(b"multipart/report", dsn)
        self.assertIn(b"report-type=delivery-status", dsn)
        self.assertIn(f"Final-Recipient: rfc822; {self.small}".encode(), dsn)
        self.assertIn(b"Action: failed", dsn)
        self.assertIn(b"Status: 5.2.2", dsn)
        self.assertNotIn(f"Final-Recipient: rfc822; {self.roomy}".encode(), dsn)
        # The original is returned without the other recipient's trace lines.
        self.assertIn(b"Subject: big", dsn)
        self.assertNotIn(f"Delivered-To: {self.roomy}".encode(), dsn)

    def test_alias_member_stays_private_in_the_notice(self):
        """Through an alias, Final-Recipient is the address the sender used (RFC 3464 §2.3.2
        leaves the choice; the members of a role address are not disclosed)."""
        team = f"team.{token()[4:12]}@{DOMAIN}"
        self.server.cli("alias", "add", team, self.small, self.roomy)
        with smtp_from(self.server, NEIGHBOUR) as s:
            s.mail(self.sender)
            self.assertEqual(s.rcpt(team)[0], 250)  # one member has room
            code, _ = s.data(self.big)
        self.assertEqual(code, 250)
        self.assertEqual(self.count(self.roomy), 1)
        p = self.server.pop3_login(self.sender, PW)
        self.assertEqual(p.stat()[0], 1, "one failure notice")
        dsn = b"\r\n".join(p.retr(1)[1])
        p.quit()
        self.assertIn(f"Final-Recipient: rfc822; {team}".encode(), dsn)
        self.assertIn(b"Status: 5.2.2", dsn)
        self.assertNotIn(self.small.encode(), dsn)

    def test_notify_never_means_no_notice(self):
        with smtp_from(self.server, NEIGHBOUR) as s:
            s.mail(self.sender)
            self.assertEqual(s.rcpt(self.small, ["NOTIFY=NEVER"])[0], 250)
            self.assertEqual(s.rcpt(self.roomy)[0], 250)
            code, _ = s.data(self.big)
        self.assertEqual(code, 250)
        self.assertEqual(self.count(self.roomy), 1)
        self.assertEqual(self.count(self.sender), 0)


class GreylistTest(unittest.TestCase):
    def setUp(self):
        self.server = FacteurServer(settings={"trusted_networks": TRUSTED},
                                    sections={"greylist": {"enabled": True, "delay": 1}})
        self.server.pop3_tls = True
        self.server.start()
        self.server.add_user(VICTIM, PW)

    def tearDown(self):
        self.server.stop()
        self.server.cleanup()

    def send_from(self, source, subject):
        with smtp_from(self.server, source) as s:
            return s.sendmail("list@sender.example", [VICTIM], message(subject))

    def test_first_attempt_deferred_retry_after_the_delay_accepted(self):
        """RFC 6647 §2.1: an unknown triplet gets a temporary failure (451 4.7.1), a retry after
        the delay is accepted, and later mail of the triplet passes at once; trusted networks
        are exempt."""
        for _ in range(2):  # the first attempt and a too-early retry
            with self.assertRaises(smtplib.SMTPRecipientsRefused) as cm:
                self.send_from("127.0.0.7", "first")
            code, text = cm.exception.recipients[VICTIM]
            self.assertEqual(code, 451)
            self.assertTrue(text.startswith(b"4.7.1"), text)
        time.sleep(1.2)
        self.assertEqual(self.send_from("127.0.0.7", "retry"), {})
        self.assertEqual(self.send_from("127.0.0.8", "same /24"), {})  # RFC 6647 §4.2
        self.assertEqual(self.send_from("127.0.0.9", "trusted"), {})
        with self.assertRaises(smtplib.SMTPRecipientsRefused):
            with smtp_from(self.server, "127.0.0.7") as s:
                s.sendmail("someone-else@sender.example", [VICTIM], message("new triplet"))
        p = self.server.pop3_login(VICTIM, PW)
        self.assertEqual(p.stat()[0], 3)
        p.quit()


if __name__ == "__main__":
    unittest.main(verbosity=2)
