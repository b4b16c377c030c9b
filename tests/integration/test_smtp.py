"""SMTP (the `smtp` listener, MX role) with smtplib and raw sockets; the mail is checked in the
mailbox with poplib."""
import smtplib
import socket
import ssl
import time
import unittest

from facteur_harness import DOMAIN, ServerTestCase, insecure_tls_context, split_trace, token
from raw_clients import RawSmtp

PW = "correct horse"
ALICE = f"alice@{DOMAIN}"
BOB = f"bob@{DOMAIN}"
CAROL = f"carol@{DOMAIN}"
UTF8_USER = f"jöran@{DOMAIN}"


def simple_message(subject, body="Hello.\r\n", sender="someone@remote.example",
                   to=ALICE, extra=""):
    return (f"From: <{sender}>\r\nTo: <{to}>\r\nSubject: {subject}\r\n"
            f"Message-ID: <{subject}@remote.example>\r\n{extra}\r\n{body}").encode()


class SmtpDeliveryTest(ServerTestCase):
    users = {ALICE: PW, BOB: PW, CAROL: PW}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server.cli("alias", "add", f"team@{DOMAIN}", ALICE, BOB)

    def raw(self, **kw):
        return RawSmtp(self.server.host, self.server.port("smtp"), **kw)

    def only_one(self, user, marker, password=PW):
        found = self.server.find(user, password, marker)
        self.assertEqual(len(found), 1, f"{user}: expected exactly one message with {marker}")
        return found[0]

    def test_plain_delivery_adds_trace_fields(self):
        """RFC 5321 §4.4: the delivering SMTP server adds Return-Path (envelope sender) and every
        relay a Received: field; Delivered-To records the final recipient."""
        t = token()
        sent = simple_message(t)
        with self.server.smtp() as s:
            self.assertEqual(s.sendmail("someone@remote.example", [ALICE], sent), {})
        got = self.only_one(ALICE, t)
        trace, rest = split_trace(got)
        self.assertEqual(rest, sent)
        lines = trace.decode().split("\r\n")
        self.assertEqual(lines[0], "Return-Path: <someone@remote.example>")
        self.assertEqual(lines[1], f"Delivered-To: {ALICE}")
        # Then the filter's fields (Authentication-Results, X-Spam-*), then Received.
        received = [line for line in lines if line.startswith("Received:")]
        self.assertTrue(received[0].startswith("Received: from client.example.net"), lines)
        self.assertIn("by mx.example.test", trace.decode())
        self.assertIn("with ESMTP", trace.decode())
        self.assertIn(f"for <{ALICE}>", trace.decode())

    def test_starttls(self):
        """RFC 3207 §4: STARTTLS, then EHLO again; the Received: field records ESMTPS
        (RFC 3848)."""
        t = token()
        with self.server.smtp() as s:
            self.assertTrue(s.has_extn("starttls"))
            code, _ = s.starttls(context=insecure_tls_context())
            self.assertEqual(code, 220)
            self.assertIsInstance(s.sock, ssl.SSLSocket)
            s.ehlo("client.example.net")
            self.assertFalse(s.has_extn("starttls"), "STARTTLS offered again inside TLS")
            s.sendmail("someone@remote.example", [ALICE], simple_message(t))
        self.assertIn(b"with ESMTPS", split_trace(self.only_one(ALICE, t))[0])

    def test_pipelined_batch_gets_replies_in_order(self):
        """RFC 2920 §3.1: MAIL, RCPT, RCPT, DATA sent in one write; the replies come back in the
        same order (the bad recipient's 550 between the two others)."""
        t = token()
        with self.raw() as c:
            self.assertIn("PIPELINING", c.ehlo_lines)
            c.send("MAIL FROM:<someone@remote.example>\r\n"
                   f"RCPT TO:<{ALICE}>\r\n"
                   f"RCPT TO:<nobody-{t}@{DOMAIN}>\r\n"
                   f"RCPT TO:<{BOB}>\r\n"
                   "DATA\r\n")
            codes = [c.reply()[0] for _ in range(5)]
            self.assertEqual(codes, [250, 250, 550, 250, 354])
            c.send(simple_message(t) + b".\r\nQUIT\r\n")
            self.assertEqual(c.reply()[0], 250)
            self.assertEqual(c.reply()[0], 221)
        self.only_one(ALICE, t)
        self.only_one(BOB, t)

    def test_8bitmime_body_delivered_intact(self):
        """RFC 6152 §3: with BODY=8BITMIME the 8-bit octets arrive unchanged."""
        t = token()
        body = "Grüße aus Zürich — naïve café, ½ €, 日本語のテキスト.\r\n".encode()
        sent = (f"From: <someone@remote.example>\r\nTo: <{ALICE}>\r\nSubject: {t}\r\n"
                "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                "Content-Transfer-Encoding: 8bit\r\n\r\n").encode() + body
        with self.server.smtp() as s:
            self.assertTrue(s.has_extn("8bitmime"))
            s.sendmail("someone@remote.example", [ALICE], sent, mail_options=["BODY=8BITMIME"])
        self.assertEqual(split_trace(self.only_one(ALICE, t))[1], sent)

    def test_smtputf8_local_part(self):
        """RFC 6531 §3.2: with SMTPUTF8 the mailbox local part may be UTF-8; delivered to that
        account with the header fields intact."""
        self.server.add_user(UTF8_USER, PW)
        t = token()
        sent = (f"From: <jürgen@remote.example>\r\nTo: <{UTF8_USER}>\r\nSubject: {t} ✓\r\n"
                "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
                "Ça marche.\r\n").encode()
        with self.server.smtp() as s:
            self.assertTrue(s.has_extn("smtputf8"))
            refused = s.sendmail("jürgen@remote.example", [UTF8_USER], sent,
                                 mail_options=["SMTPUTF8", "BODY=8BITMIME"])
            self.assertEqual(refused, {})
        got = self.only_one(UTF8_USER, t)
        trace, rest = split_trace(got)
        self.assertEqual(rest, sent)
        self.assertIn("Return-Path: <jürgen@remote.example>".encode(), trace)
        self.assertIn(b"with UTF8SMTP", trace)  # RFC 6531 §3.7.3

    def test_unknown_local_user(self):
        """RFC 5321 §3.3 / RFC 3463 X.1.1: an unknown mailbox of a local domain is refused
        with 550 5.1.1 at RCPT time."""
        with self.server.smtp() as s:
            s.mail("someone@remote.example")
            code, text = s.rcpt(f"nobody@{DOMAIN}")
            self.assertEqual(code, 550)
            self.assertTrue(text.startswith(b"5.1.1"), text)

    def test_no_open_relay(self):
        """RFC 5321 §3.6.2 and §7.1: the MX listener does not relay to other domains."""
        for rcpt in ("victim@elsewhere.example", f"alice@sub.{DOMAIN}", "alice@[192.0.2.1]",
                     f"alice@{DOMAIN}.evil.example"):
            with self.subTest(rcpt=rcpt), self.server.smtp() as s:
                s.mail("someone@remote.example")
                code, text = s.rcpt(rcpt)
                self.assertEqual(code, 550)
                self.assertTrue(text.startswith(b"5.7.1"), text)

    def test_null_reverse_path(self):
        """RFC 5321 §4.5.5 / §3.6.3: MAIL FROM:<> (bounces) must be accepted."""
        t = token()
        with self.server.smtp() as s:
            code, _ = s.mail("")
            self.assertEqual(code, 250)
            self.assertEqual(s.rcpt(ALICE)[0], 250)
            self.assertEqual(s.data(simple_message(t, sender="MAILER-DAEMON@remote.example"))[0],
                             250)
        got = self.only_one(ALICE, t)
        self.assertTrue(got.startswith(b"Return-Path: <>\r\n"), got[:60])

    def test_postmaster_accepted(self):
        """RFC 5321 §4.5.1: postmaster@domain and the bare <Postmaster> must be accepted; with
        no postmaster account or alias the mail goes to the first account created."""
        t = token()
        with self.server.smtp() as s:
            s.mail("someone@remote.example")
            self.assertEqual(s.rcpt(f"postmaster@{DOMAIN}")[0], 250)
            self.assertEqual(s.rcpt(f"PostMaster@{DOMAIN.upper()}")[0], 250)
            self.assertEqual(s.rcpt("Postmaster")[0], 250)
            self.assertEqual(s.data(simple_message(t, to=f"postmaster@{DOMAIN}"))[0], 250)
        self.only_one(ALICE, t)  # one copy although three recipients led there

    def test_address_literal_of_ours(self):
        """RFC 5321 §4.1.3 / §2.3.5: user@[our IP address] is local."""
        t = token()
        self.server.send("someone@remote.example", ["alice@[127.0.0.1]"], simple_message(t))
        self.only_one(ALICE, t)

    def test_alias_with_several_targets(self):
        """An alias fans out to each target, one copy per mailbox even when the envelope names
        a target directly as well (RFC 5321 §3.9.2: one delivery per mailbox)."""
        t = token()
        self.server.send("someone@remote.example", [f"team@{DOMAIN}", BOB],
                         simple_message(t, to=f"team@{DOMAIN}"))
        a = self.only_one(ALICE, t)
        b = self.only_one(BOB, t)
        self.assertIn(f"Delivered-To: {ALICE}\r\n".encode(), a)
        self.assertIn(f"Delivered-To: {BOB}\r\n".encode(), b)
        self.assertEqual(self.server.find(CAROL, PW, t), [])

    def test_plus_addressing(self):
        """RFC 5233 §1: user+detail@domain is delivered to user@domain."""
        t = token()
        with self.server.smtp() as s:
            s.mail("someone@remote.example")
            self.assertEqual(s.rcpt(f"carol+lists.{t[:8]}@{DOMAIN}")[0], 250)
            self.assertEqual(s.data(simple_message(t))[0], 250)
            s.mail("someone@remote.example")
            self.assertEqual(s.rcpt(f"nobody+tag@{DOMAIN}")[0], 550)
        self.only_one(CAROL, t)

    def test_received_field_precedes_message(self):
        """RFC 5321 §4.4: Received: goes at the top, before the original header, never inside
        it; trace fields are not added twice."""
        t = token()
        self.server.send("someone@remote.example", [ALICE], simple_message(t))
        got = self.only_one(ALICE, t)
        self.assertEqual(got.count(b"\r\nReceived: "), 1)
        self.assertEqual(got.count(b"Return-Path: "), 1)

    def test_bare_lf_in_data_rejected(self):
        """RFC 5321 §2.3.8 / §4.1.1.4: lines end with CRLF; a message with a bare LF is refused
        (it would let `\\n.\\r\\n` end the data on some servers and not on others)."""
        t = token()
        with self.raw() as c:
            c.send(f"MAIL FROM:<someone@remote.example>\r\nRCPT TO:<{ALICE}>\r\nDATA\r\n")
            self.assertEqual([c.reply()[0] for _ in range(3)], [250, 250, 354])
            c.send(f"Subject: {t}\r\n\r\nline one\nline two\r\n.\r\n")
            code, texts = c.reply()
            self.assertEqual(code, 550, texts)
            self.assertTrue(texts[0].startswith("5.5.2"), texts)
            self.assertEqual(c.cmd("NOOP")[0], 250)  # the session goes on
        self.assertEqual(self.server.find(ALICE, PW, t), [])

    def test_smuggling_does_not_make_a_second_message(self):
        """SMTP smuggling (CVE-2023-51766 class): `<LF>.<CR><LF>` must not end the data, so
        the commands after it cannot start a second, forged transaction."""
        t = token()
        smuggled = token()
        with self.raw() as c:
            c.send(f"MAIL FROM:<someone@remote.example>\r\nRCPT TO:<{ALICE}>\r\nDATA\r\n")
            self.assertEqual([c.reply()[0] for _ in range(3)], [250, 250, 354])
            c.send(f"Subject: {t}\r\n\r\nfirst\n.\r\n"
                   f"MAIL FROM:<ceo@{DOMAIN}>\r\nRCPT TO:<{ALICE}>\r\nDATA\r\n"
                   f"From: <ceo@{DOMAIN}>\r\nSubject: {smuggled}\r\n\r\nwire money\r\n"
                   ".\r\nQUIT\r\n")
            code, texts = c.reply()
            self.assertEqual(code, 550, texts)
            self.assertEqual(c.reply()[0], 221)  # the QUIT; nothing else was executed
            self.assertTrue(c.at_eof())
        msgs = self.server.messages(ALICE, PW)
        self.assertFalse([m for m in msgs if smuggled.encode() in m], "smuggled message stored")
        self.assertFalse([m for m in msgs if t.encode() in m], "message with bare LF stored")

    def test_bytes_pipelined_after_starttls_are_not_executed(self):
        """RFC 3207 §4.2 / CVE-2011-0411: commands sent in clear together with STARTTLS must be
        discarded, not executed inside the TLS session."""
        with self.raw() as c:
            c.send("STARTTLS\r\nMAIL FROM:<injected@remote.example>\r\n"
                   f"RCPT TO:<{ALICE}>\r\n")
            code, _ = c.reply()
            self.assertEqual(code, 220)
            c.starttls()
            # Inside TLS: if the injected MAIL had survived, RCPT would succeed (or extra
            # replies would be waiting before the EHLO answer).
            code, lines = c.cmd("EHLO client.example.net")
            self.assertEqual(code, 250)
            self.assertEqual(lines[0], "mx.example.test")
            self.assertEqual(c.cmd(f"RCPT TO:<{ALICE}>")[0], 503)
            self.assertEqual(c.cmd("NOOP"), (250, ["2.0.0 Ok"]))

    def test_state_reset_after_starttls(self):
        """RFC 3207 §4.2: after the handshake the server forgets the EHLO; MAIL needs a new
        EHLO."""
        with self.raw() as c:
            self.assertEqual(c.cmd("STARTTLS")[0], 220)
            c.starttls()
            self.assertEqual(c.cmd("MAIL FROM:<a@remote.example>")[0], 503)
            self.assertEqual(c.cmd("EHLO again.example.net")[0], 250)
            self.assertEqual(c.cmd("MAIL FROM:<a@remote.example>")[0], 250)

    def test_bdat_chunking(self):
        """RFC 3030 §2 and §4: BDAT chunks carry raw octets (no dot-stuffing); LAST ends the
        message; each chunk gets a reply."""
        t = token()
        part1 = f"From: <someone@remote.example>\r\nSubject: {t}\r\n\r\n".encode()
        part2 = b".a line that starts with a dot\r\n..two dots\r\n.\r\nafter the dot line\r\n"
        with self.raw() as c:
            self.assertIn("CHUNKING", c.ehlo_lines)
            c.send(f"MAIL FROM:<someone@remote.example>\r\nRCPT TO:<{ALICE}>\r\n")
            self.assertEqual([c.reply()[0] for _ in range(2)], [250, 250])
            c.send(b"BDAT %d\r\n" % len(part1) + part1)
            self.assertEqual(c.reply()[0], 250)
            c.send(b"BDAT %d LAST\r\n" % len(part2) + part2)
            code, texts = c.reply()
            self.assertEqual(code, 250, texts)
            # Pipelined: a whole second transaction with BDAT in one write.
            t2 = token()
            body2 = f"Subject: {t2}\r\n\r\nsecond\r\n".encode()
            c.send(f"MAIL FROM:<someone@remote.example>\r\nRCPT TO:<{ALICE}>\r\n".encode() +
                   b"BDAT %d LAST\r\n" % len(body2) + body2)
            self.assertEqual([c.reply()[0] for _ in range(3)], [250, 250, 250])
        self.assertEqual(split_trace(self.only_one(ALICE, t))[1], part1 + part2)
        self.assertIn(b"with ESMTP", split_trace(self.only_one(ALICE, t2))[0])

    def test_bdat_line_ends_stored_canonically(self):
        """RFC 3030 §2 passes BDAT octets as sent; RFC 5321 §2.3.8 lets the server fix bare LFs.
        Stored with CRLF line ends and a final CRLF, so that POP3 LIST gives exactly the size RETR
        sends (RFC 1939 §11), and a bare-LF '.' line cannot end the POP3 response early."""
        t = token()
        chunks = [f"Subject: {t}\r\n\r\nbare\nlf\n.\r\n+OK injected\r".encode(),
                  b"\nCRLF split between chunks\r\nno final line end"]
        expected = (f"Subject: {t}\r\n\r\nbare\r\nlf\r\n.\r\n+OK injected\r\n"
                    "CRLF split between chunks\r\nno final line end\r\n").encode()
        with self.raw() as c:
            c.send(f"MAIL FROM:<someone@remote.example>\r\nRCPT TO:<{CAROL}>\r\n".encode() +
                   b"BDAT %d\r\n" % len(chunks[0]) + chunks[0] +
                   b"BDAT %d LAST\r\n" % len(chunks[1]) + chunks[1])
            self.assertEqual([c.reply()[0] for _ in range(4)], [250, 250, 250, 250])
        p = self.server.pop3_login(CAROL, PW)
        try:
            for i in range(1, p.stat()[0] + 1):
                _, lines, _ = p.top(i, 0)
                if f"Subject: {t}".encode() in lines:
                    break
            else:
                self.fail("message not stored")
            size = int(p.list(i).split()[2])
            _, lines, _ = p.retr(i)
        finally:
            p.quit()
        got = b"\r\n".join(lines) + b"\r\n"
        self.assertEqual(len(got), size)
        self.assertEqual(split_trace(got)[1], expected)

    def test_recipient_forms(self):
        """RFC 5321 §2.4 (local parts are case-sensitive in principle, but a server may treat
        them as one mailbox and domains are not), §4.1.2 (a quoted local part that needs no
        quoting names the same mailbox) and §4.1.1.3 / App. C (source routes are ignored)."""
        t = token()
        with self.server.smtp() as s:
            s.mail("someone@remote.example")
            for rcpt in ("Alice@EXAMPLE.test", '"alice"@example.test'):
                self.assertEqual(s.rcpt(rcpt)[0], 250, rcpt)
            s.putcmd("rcpt", f"TO:<@relay.example,@other.example:{ALICE}>")
            self.assertEqual(s.getreply()[0], 250)
            self.assertEqual(s.data(simple_message(t))[0], 250)
        self.only_one(ALICE, t)  # three forms of one mailbox: one copy

    def test_non_ascii_address_needs_smtputf8(self):
        """RFC 6531 §3.5: a UTF-8 address without the SMTPUTF8 parameter is refused with
        553 5.6.7 (RFC 6533 §3)."""
        with self.raw() as c:
            code, texts = c.cmd("MAIL FROM:<jörg@remote.example>")
            self.assertEqual(code, 553)
            self.assertTrue(texts[0].startswith("5.6.7"), texts)
            self.assertEqual(c.cmd("MAIL FROM:<someone@remote.example>")[0], 250)
            code, texts = c.cmd(f"RCPT TO:<ålice@{DOMAIN}>")
            self.assertEqual(code, 553)
            self.assertTrue(texts[0].startswith("5.6.7"), texts)

    def test_alias_loop_is_unknown(self):
        """Aliases that only point at each other lead to no mailbox: 550 5.1.1, not a hang or
        a crash (RFC 5321 §3.9 on loops)."""
        self.server.cli("alias", "add", f"loop1@{DOMAIN}", f"loop2@{DOMAIN}")
        self.server.cli("alias", "add", f"loop2@{DOMAIN}", f"loop1@{DOMAIN}")
        with self.server.smtp() as s:
            s.mail("someone@remote.example")
            code, text = s.rcpt(f"loop1@{DOMAIN}")
            self.assertEqual(code, 550)
            self.assertTrue(text.startswith(b"5.1.1"), text)

    def test_connection_lost_in_data_stores_nothing(self):
        """RFC 5321 §4.1.1.4: the message is only complete with <CRLF>.<CRLF>; a transfer cut
        off before it leaves no message behind."""
        t = token()
        with self.raw() as c:
            c.send(f"MAIL FROM:<someone@remote.example>\r\nRCPT TO:<{ALICE}>\r\nDATA\r\n")
            self.assertEqual([c.reply()[0] for _ in range(3)], [250, 250, 354])
            c.send(f"Subject: {t}\r\n\r\n" + "half a message\r\n" * 5000)
        time.sleep(0.3)
        self.assertEqual(self.server.find(ALICE, PW, t), [])

    def test_helo_session(self):
        """RFC 5321 §4.1.1.1: a plain HELO client can send mail (no extensions; MAIL parameters
        need EHLO, RFC 5321 §4.1.2); the Received: field says SMTP, not ESMTP (RFC 3848)."""
        t = token()
        with self.raw(ehlo=None) as c:
            self.assertEqual(c.cmd("HELO old.example.net")[0], 250)
            code, _ = c.cmd("MAIL FROM:<someone@remote.example> SIZE=100")
            self.assertIn(code, (501, 555))
            self.assertEqual(c.cmd("MAIL FROM:<someone@remote.example>")[0], 250)
            self.assertEqual(c.cmd(f"RCPT TO:<{ALICE}>")[0], 250)
            self.assertEqual(c.cmd("DATA")[0], 354)
            self.assertEqual(c.cmd(simple_message(t) + b".")[0], 250)
        trace = split_trace(self.only_one(ALICE, t))[0]
        self.assertIn(b"from old.example.net", trace)
        self.assertIn(b"with SMTP ", trace)

    def test_dsn_parameters_accepted(self):
        """RFC 3461 §4.3/§4.4/§4.2: with DSN advertised, RET/ENVID on MAIL and NOTIFY/ORCPT on
        RCPT are accepted."""
        t = token()
        with self.server.smtp() as s:
            self.assertTrue(s.has_extn("dsn"))
            self.assertEqual(s.mail("someone@remote.example", ["RET=HDRS", "ENVID=QQ314159"])[0],
                             250)
            self.assertEqual(s.rcpt(ALICE, ["NOTIFY=SUCCESS,FAILURE",
                                            f"ORCPT=rfc822;{ALICE}"])[0], 250)
            self.assertEqual(s.data(simple_message(t))[0], 250)
            s.mail("someone@remote.example")
            code, _ = s.rcpt(ALICE, ["NOTIFY=NEVER,SUCCESS"])  # NEVER excludes the others
            self.assertEqual(code, 501)
        self.only_one(ALICE, t)

    def test_vrfy_and_rset(self):
        """RFC 5321 §3.5.3: VRFY may answer 252 without verifying; §4.1.1.5: RSET drops the
        transaction."""
        with self.raw() as c:
            self.assertEqual(c.cmd(f"VRFY {ALICE}")[0], 252)
            self.assertEqual(c.cmd("MAIL FROM:<a@remote.example>")[0], 250)
            self.assertEqual(c.cmd("RSET")[0], 250)
            self.assertEqual(c.cmd("DATA")[0], 503)


class SmtpLimitsTest(ServerTestCase):
    # Loopback is not trusted here, so the per-address connection cap applies to the tests.
    server_kwargs = {"settings": {"trusted_networks": []}, "sections": {"smtp": {
        "max_message_size": 20000, "max_recipients": 3, "max_errors": 4,
        "max_command_line": 512, "command_timeout": 2, "data_timeout": 2,
        "max_connections_per_ip": 3}}}
    users = {ALICE: PW}

    def raw(self, **kw):
        return RawSmtp(self.server.host, self.server.port("smtp"), **kw)

    def test_size_declared_over_limit(self):
        """RFC 1870 §6.1: SIZE is advertised; MAIL with a larger SIZE gets 552 5.3.4."""
        with self.server.smtp() as s:
            self.assertEqual(s.esmtp_features.get("size"), "20000")
            code, text = s.mail("someone@remote.example", ["SIZE=20001"])
            self.assertEqual(code, 552)
            self.assertTrue(text.startswith(b"5.3.4"), text)
            self.assertEqual(s.mail("someone@remote.example", ["SIZE=19000"])[0], 250)

    def test_size_exceeded_in_data(self):
        """RFC 1870 §6.3 / RFC 5321 §4.5.3.1.7: a message over the limit without SIZE is
        refused with 552 after the data, and not stored."""
        t = token()
        big = simple_message(t, body="x" * 70 + "\r\n") + (b"y" * 70 + b"\r\n") * 400
        with self.server.smtp() as s:
            # Not sendmail(): it would declare SIZE= and be refused at MAIL already.
            self.assertEqual(s.mail("someone@remote.example")[0], 250)
            self.assertEqual(s.rcpt(ALICE)[0], 250)
            code, text = s.data(big)
            self.assertEqual(code, 552)
            self.assertTrue(text.startswith(b"5.3.4"), text)
            self.assertEqual(s.noop()[0], 250)
            self.assertEqual(s.mail("someone@remote.example")[0], 250)  # transaction was reset
        self.assertEqual(self.server.find(ALICE, PW, t), [])

    def test_too_many_recipients(self):
        """RFC 5321 §4.5.3.1.8 / §4.5.3.1.10: past max_recipients, 452 4.5.3 (try later); the
        accepted ones still get the message."""
        t = token()
        with self.server.smtp() as s:
            s.mail("someone@remote.example")
            for i in range(3):
                self.assertEqual(s.rcpt(f"alice+{i}@{DOMAIN}")[0], 250)
            code, text = s.rcpt(f"alice+3@{DOMAIN}")
            self.assertEqual(code, 452)
            self.assertTrue(text.startswith(b"4.5.3"), text)
            self.assertEqual(s.data(simple_message(t))[0], 250)
        self.assertEqual(len(self.server.find(ALICE, PW, t)), 1)

    def test_too_many_bad_commands(self):
        """RFC 5321 §4.3.2 / §3.8: after max_errors bad commands the server answers 421 and
        closes the connection."""
        with self.raw() as c:
            codes = [c.cmd(f"BOGUS{i}")[0] for i in range(3)]
            self.assertEqual(codes, [500, 500, 500])
            c.send("BOGUS4\r\n")
            self.assertEqual(c.reply()[0], 500)
            code, texts = c.reply()
            self.assertEqual(code, 421, texts)
            self.assertTrue(c.at_eof())

    def test_over_long_command_line(self):
        """RFC 5321 §4.5.3.1.4: a command line longer than the limit gets 500 (5.5.2 here), and
        the session can go on."""
        with self.raw() as c:
            code, texts = c.cmd("NOOP " + "a" * 1000)
            self.assertEqual(code, 500)
            self.assertTrue(texts[0].startswith("5.5.2"), texts)
            # Longer than the read buffer and sent in pieces: still one error, not several.
            c.send("MAIL FROM:<" + "b" * 40000)
            time.sleep(0.1)
            c.send("@remote.example>\r\n")
            self.assertEqual(c.reply()[0], 500)
            self.assertEqual(c.cmd("NOOP")[0], 250)

    def test_command_timeout(self):
        """RFC 5321 §4.5.3.2.7 / §3.8: an idle client gets 421 4.4.2 and the connection is
        closed."""
        with self.raw() as c:
            start = time.monotonic()
            code, texts = c.reply()
            waited = time.monotonic() - start
            self.assertEqual(code, 421, texts)
            self.assertTrue(texts[0].startswith("4.4.2"), texts)
            self.assertGreater(waited, 1.0)
            self.assertLess(waited, 6.0)
            self.assertTrue(c.at_eof())


    def test_data_timeout(self):
        """RFC 5321 §4.5.3.2.5/6 and §3.8: a client that stalls inside DATA gets 421 4.4.2 and
        is disconnected; the partial message is not stored."""
        t = token()
        with self.raw() as c:
            c.send(f"MAIL FROM:<someone@remote.example>\r\nRCPT TO:<{ALICE}>\r\nDATA\r\n")
            self.assertEqual([c.reply()[0] for _ in range(3)], [250, 250, 354])
            c.send(f"Subject: {t}\r\n\r\nstalled")
            code, texts = c.reply()
            self.assertEqual(code, 421, texts)
            self.assertTrue(texts[0].startswith("4.4.2"), texts)
            self.assertTrue(c.at_eof())
        self.assertEqual(self.server.find(ALICE, PW, t), [])

    def test_connections_per_address(self):
        """RFC 5321 §3.8 / §4.2.3 (421 when the service cannot take the client now): past
        max_connections_per_ip the next connection gets 421 4.7.0 and is closed; a slot
        frees when a client leaves."""
        clients = [self.raw(ehlo=None) for _ in range(3)]
        try:
            for c in clients:
                self.assertEqual(c.greeting[0], 220)
            with self.raw(ehlo=None) as refused:
                code, texts = refused.greeting
                self.assertEqual(code, 421, texts)
                self.assertTrue(texts[0].startswith("4.7.0"), texts)
                self.assertTrue(refused.at_eof())
            clients.pop().cmd("QUIT")
            deadline = time.monotonic() + 5
            while True:  # the slot is freed when the server has finished the session
                c = self.raw(ehlo=None)
                if c.greeting[0] == 220 or time.monotonic() > deadline:
                    break
                c.close()
                time.sleep(0.05)
            self.assertEqual(c.greeting[0], 220)
            clients.append(c)
        finally:
            for c in clients:
                c.close()
            # The server frees a slot only once it has seen the close: wait until all three are
            # free (probes that QUIT and see the server close), so that the next test of this
            # class does not meet the cap.
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                probes = [self.raw(ehlo=None) for _ in range(3)]
                free = all(p.greeting[0] == 220 for p in probes)
                for p in probes:
                    if p.greeting[0] == 220:
                        p.cmd("QUIT")
                    p.at_eof()
                    p.close()
                if free:
                    break
                time.sleep(0.05)
            time.sleep(0.1)  # the session ends (and its slot is freed) right after it closes

if __name__ == "__main__":
    unittest.main(verbosity=2)
