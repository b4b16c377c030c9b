"""A 25 MB MIME message with attachments: in by smtplib, out by poplib, byte for byte."""
import email
import email.policy
import os
import random
import unittest
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

from facteur_harness import DOMAIN, ServerTestCase, split_trace, token

PW = "large pw"
ALICE = f"alice@{DOMAIN}"


def build_message(subject, total_attachment_bytes, parts=4):
    msg = MIMEMultipart()
    msg["From"] = "Sender <sender@remote.example>"
    msg["To"] = ALICE
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{subject}@remote.example>"
    msg.attach(MIMEText("Four attachments follow.\n.\n..a line with dots\n", "plain", "us-ascii"))
    rng = random.Random(subject)
    payloads = []
    for i in range(parts):
        data = rng.randbytes(total_attachment_bytes // parts)
        payloads.append(data)
        part = MIMEApplication(data, "octet-stream")
        part.add_header("Content-Disposition", "attachment", filename=f"blob-{i}.bin")
        msg.attach(part)
    return msg.as_bytes(policy=email.policy.SMTP), payloads


class LargeMessageTest(ServerTestCase):
    users = {ALICE: PW}

    def test_25mb_round_trip_is_byte_identical(self):
        """RFC 5321 §4.5.3.1.7 (the server's size limit, 50 MB here, admits it), RFC 1939 §7
        RETR: the message comes out exactly as it went in, after the trace fields the server
        prepends (RFC 5321 §4.4)."""
        t = token()
        raw, payloads = build_message(t, 18_600_000)
        self.assertGreater(len(raw), 25_000_000)
        with self.server.smtp(timeout=120) as s:
            self.assertGreaterEqual(int(s.esmtp_features["size"]), len(raw))
            # sendmail() declares SIZE= (RFC 1870) itself.
            self.assertEqual(s.sendmail("sender@remote.example", [ALICE], raw), {})
        p = self.server.pop3_login(ALICE, PW, timeout=120)
        try:
            count, _ = p.stat()
            self.assertEqual(count, 1)
            listed = int(p.list(1).split()[2])
            _, lines, _ = p.retr(1)
        finally:
            p.quit()
        got = b"\r\n".join(lines) + b"\r\n"
        self.assertEqual(len(got), listed)
        trace, rest = split_trace(got)
        self.assertEqual(len(rest), len(raw))
        self.assertTrue(rest == raw, "message body differs")
        self.assertTrue(trace.startswith(b"Return-Path: <sender@remote.example>\r\n"
                                         b"Delivered-To: " + ALICE.encode() + b"\r\n"))
        # Then Authentication-Results and the filter's verdict, then Received.
        self.assertIn(b"\r\nX-Spam-Status: No", trace)
        self.assertIn(b"\r\nReceived: ", trace)
        # And the parts decode to what was attached.
        msg = email.message_from_bytes(rest, policy=email.policy.default)
        self.assertEqual([a.get_content() for a in msg.iter_attachments()], payloads)


if __name__ == "__main__":
    unittest.main(verbosity=2)
