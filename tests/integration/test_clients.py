"""Other people's command-line clients against the daemon: curl (SMTP, POP3, POP3S, STARTTLS/STLS)
and swaks (plain, STARTTLS, MIME attachments)."""
import email
import email.policy
import os
import subprocess
import tempfile
import unittest

from facteur_harness import DOMAIN, ServerTestCase, have, split_trace, token

PW = "client pw"
ALICE = f"alice@{DOMAIN}"


def run(argv, input=None, timeout=60):
    res = subprocess.run(argv, input=input, capture_output=True, timeout=timeout)
    if res.returncode != 0:
        raise AssertionError(f"{argv[0]} exited {res.returncode}:\n{res.stdout.decode()}\n"
                             f"{res.stderr.decode()}")
    return res.stdout


@unittest.skipUnless(have("curl"), "curl not installed")
class CurlTest(ServerTestCase):
    users = {ALICE: PW}

    def smtp_url(self):
        return f"smtp://{self.server.host}:{self.server.port('smtp')}/client.example.net"

    def upload(self, body, *extra):
        with tempfile.NamedTemporaryFile() as f:
            f.write(body)
            f.flush()
            run(["curl", "-sS", "--url", self.smtp_url(), "--mail-from", "curl@remote.example",
                 "--mail-rcpt", ALICE, "--upload-file", f.name, *extra])

    def pop3(self, scheme, path="", *extra):
        port = self.server.port("pop3s" if scheme == "pop3s" else "pop3")
        return run(["curl", "-sS", "-u", f"{ALICE}:{PW}",
                    f"{scheme}://{self.server.host}:{port}/{path}", *extra])

    def test_smtp_upload_and_pop3_retrieve(self):
        """RFC 5321 §3.3 in by curl's SMTP client; RFC 1939 LIST and RETR out by curl's POP3."""
        t = token()
        # curl converts LF to CRLF (--crlf is for the other direction); a leading-dot line checks
        # that both sides' dot transparency agree.
        body = f"From: <curl@remote.example>\r\nSubject: {t}\r\n\r\ncurl body\r\n.dot line\r\n"
        self.upload(body.encode())
        listing = self.pop3("pop3").decode()
        self.assertRegex(listing, r"^1 \d+\r\n")
        n = len(listing.strip().splitlines())
        got = self.pop3("pop3", str(n))
        trace, rest = split_trace(got)
        self.assertEqual(rest, body.encode())
        self.assertIn(b"Return-Path: <curl@remote.example>", trace)
        # The size in the listing is the size curl received.
        sizes = dict(line.split() for line in listing.strip().splitlines())
        self.assertEqual(int(sizes[str(n)]), len(got))

    def test_smtp_starttls(self):
        """RFC 3207: curl --ssl-reqd insists on STARTTLS (and fails without it)."""
        t = token()
        self.upload(f"Subject: {t}\r\n\r\nover STARTTLS\r\n".encode(), "--ssl-reqd", "-k")
        got = [m for m in self.server.messages(ALICE, PW) if t.encode() in m]
        self.assertEqual(len(got), 1)
        self.assertIn(b"with ESMTPS", split_trace(got[0])[0])

    def test_pop3_stls_and_pop3s(self):
        """RFC 2595 §4 (STLS, forced by --ssl-reqd) and implicit TLS on the pop3s port."""
        t = token()
        self.upload(f"Subject: {t}\r\n\r\nfor TLS retrieval\r\n".encode())
        plain = self.pop3("pop3")
        self.assertEqual(self.pop3("pop3", "", "--ssl-reqd", "-k"), plain)
        self.assertEqual(self.pop3("pop3s", "", "-k"), plain)
        n = len(plain.strip().splitlines())
        via_stls = self.pop3("pop3", str(n), "--ssl-reqd", "-k")
        via_pop3s = self.pop3("pop3s", str(n), "-k")
        self.assertIn(t.encode(), via_stls)
        self.assertEqual(via_stls, via_pop3s)

    def test_curl_pop3_uidl_and_top(self):
        """RFC 1939 §7 through curl's custom requests (-X UIDL, -X 'TOP 1 0')."""
        t = token()
        self.upload(f"Subject: {t}\r\n\r\nline 1\r\nline 2\r\n".encode())
        uidl = self.pop3("pop3", "", "-X", "UIDL").decode()
        self.assertRegex(uidl, r"^1 \S+\r\n")
        n = len(uidl.strip().splitlines())
        top = self.pop3("pop3", "", "-X", f"TOP {n} 0")
        self.assertIn(f"Subject: {t}".encode(), top)
        self.assertNotIn(b"line 1", top)


@unittest.skipUnless(have("swaks"), "swaks not installed")
class SwaksTest(ServerTestCase):
    users = {ALICE: PW}

    def swaks(self, *extra):
        return run(["swaks", "--server", self.server.host, "--port",
                    str(self.server.port("smtp")), "--helo", "client.example.net",
                    "--from", "swaks@remote.example", "--to", ALICE, *extra]).decode()

    def only(self, t):
        got = [m for m in self.server.messages(ALICE, PW) if t.encode() in m]
        self.assertEqual(len(got), 1)
        return got[0]

    def test_plain(self):
        """RFC 5321: swaks's default transaction, pipelining off."""
        t = token()
        out = self.swaks("--header", f"Subject: {t}", "--body", "swaks plain body")
        self.assertIn("<-  250", out)
        got = self.only(t)
        self.assertIn(b"swaks plain body", got)
        self.assertIn(b"Return-Path: <swaks@remote.example>", got)

    def test_pipelining(self):
        """RFC 2920: swaks --pipe sends MAIL/RCPT/DATA in one go."""
        t = token()
        self.swaks("--pipeline", "--header", f"Subject: {t}")
        self.only(t)

    def test_tls_with_attachment(self):
        """RFC 3207 (swaks --tls) and a multipart/mixed message (RFC 2046 §5.1) whose
        attachment comes back byte for byte after base64 decoding."""
        t = token()
        payload = os.urandom(50000)
        with tempfile.NamedTemporaryFile(suffix=".bin") as f:
            f.write(payload)
            f.flush()
            out = self.swaks("--tls", "--header", f"Subject: {t}", "--body", "see attached",
                             "--attach-type", "application/octet-stream", "--attach", f"@{f.name}")
            name = os.path.basename(f.name)
        self.assertIn("TLS started", out)
        got = self.only(t)
        trace, rest = split_trace(got)
        self.assertIn(b"with ESMTPS", trace)
        msg = email.message_from_bytes(rest, policy=email.policy.default)
        self.assertTrue(msg.is_multipart())
        attachments = [p for p in msg.iter_attachments()]
        self.assertEqual(len(attachments), 1)
        self.assertEqual(attachments[0].get_filename(), name)
        self.assertEqual(attachments[0].get_content(), payload)


if __name__ == "__main__":
    unittest.main(verbosity=2)
