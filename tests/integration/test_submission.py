"""Message submission (RFC 6409) on 587 (STARTTLS, RFC 3207) and 465 (implicit TLS, RFC 8314)
with AUTH (RFC 4954): PLAIN, LOGIN, SCRAM-SHA-256 (RFC 7677), the sender rules (553 5.7.1), the
RFC 6409 §8 fix-ups (Message-ID, Date, Bcc), per-account rate limits, and relaying into the
queue. One site; the two-site delivery is in test_outbound.py."""
import base64
import hashlib
import hmac
import os
import smtplib
import unittest

from facteur_harness import (SUBMISSION_ROLES, FacteurServer, ServerTestCase, free_port,
                             insecure_tls_context, split_trace, token, wait_until)

DOMAIN = "a.test"
PW = "submit pw"
ALICE = f"alice@{DOMAIN}"
BOB = f"bob@{DOMAIN}"
CAROL = f"carol@{DOMAIN}"


def message(marker, headers=None, body="Hello.\r\n"):
    h = {"From": f"Alice <{ALICE}>", "To": BOB, "Subject": marker}
    h.update(headers or {})
    head = "".join(f"{k}: {v}\r\n" for k, v in h.items() if v is not None)
    return (head + "\r\n" + body + marker + "\r\n").encode()


class SubmissionTest(ServerTestCase):
    server_kwargs = {"domains": (DOMAIN,), "hostname": "mx.a.test", "roles": SUBMISSION_ROLES,
                     # Loopback is not trusted here: AUTH needs TLS, as from the internet.
                     "settings": {"trusted_networks": []},
                     "sections": {"queue": {"retry_schedule": [1], "poll_interval": 1},
                                  # Nothing listens there: remote mail waits in the queue.
                                  "routes": {"elsewhere.test": f"127.0.0.1:{free_port()}"}}}
    users = {ALICE: PW, BOB: PW, CAROL: PW}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server.cli("alias", "add", f"sales@{DOMAIN}", ALICE)

    def client(self, tls=True):
        s = smtplib.SMTP(self.server.host, self.server.port("submission"), timeout=30)
        s.ehlo("client.example.net")
        if tls:
            s.starttls(context=insecure_tls_context())
            s.ehlo("client.example.net")
        return s

    def inbox(self, user, marker, count=1):
        return wait_until(lambda: len(self.server.find(user, PW, marker)) >= count and
                          self.server.find(user, PW, marker), timeout=15, what=f"{user} mail")

    def test_auth_only_after_tls_and_required_for_mail(self):
        """RFC 4954 §4 (no plaintext mechanism in clear) and §6 / RFC 6409 §4.3 (530 5.7.0)."""
        with self.client(tls=False) as s:
            self.assertFalse(s.has_extn("auth"))
            self.assertTrue(s.has_extn("starttls"))
            code, text = s.mail(ALICE)
            self.assertEqual(code, 530, text)
            self.assertIn(b"5.7.0", text)
        with self.client() as s:
            self.assertIn("PLAIN", s.esmtp_features["auth"].upper())
            self.assertIn("SCRAM-SHA-256", s.esmtp_features["auth"].upper())
            code, text = s.mail(ALICE)
            self.assertEqual(code, 530, text)

    def test_plain_and_login(self):
        """RFC 4616 PLAIN and the LOGIN mechanism; a wrong password is 535 5.7.8."""
        for mechanism in ("PLAIN", "LOGIN"):
            marker = token()
            with self.client() as s:
                s.user, s.password = ALICE, PW
                code, text = s.auth(mechanism, getattr(s, f"auth_{mechanism.lower()}"))
                self.assertEqual(code, 235, text)
                s.sendmail(ALICE, [BOB], message(marker))
            self.inbox(BOB, marker)
        with self.client() as s:
            with self.assertRaises(smtplib.SMTPAuthenticationError) as e:
                s.login(ALICE, "wrong")
            self.assertEqual(e.exception.smtp_code, 535)
        with self.client() as s:
            s.login(ALICE, PW)  # resets the failure delay

    def test_scram_sha256(self):
        """RFC 7677 / RFC 5802 through RFC 4954: the server-final message comes as a last 334
        challenge (no data with 235), answered by an empty line."""
        def b64(data):
            return base64.b64encode(data).decode()

        with self.client() as s:
            nonce = b64(os.urandom(18))
            first_bare = f"n={ALICE},r={nonce}"
            code, resp = s.docmd("AUTH", f"SCRAM-SHA-256 {b64(('n,,' + first_bare).encode())}")
            self.assertEqual(code, 334, resp)
            server_first = base64.b64decode(resp).decode()
            attrs = dict(kv.split("=", 1) for kv in server_first.split(","))
            salted = hashlib.pbkdf2_hmac("sha256", PW.encode(), base64.b64decode(attrs["s"]),
                                         int(attrs["i"]))
            client_key = hmac.digest(salted, b"Client Key", "sha256")
            final_bare = f"c={b64(b'n,,')},r={attrs['r']}"
            auth_message = f"{first_bare},{server_first},{final_bare}".encode()
            signature = hmac.digest(hashlib.sha256(client_key).digest(), auth_message, "sha256")
            proof = bytes(a ^ b for a, b in zip(client_key, signature))
            code, resp = s.docmd(b64(f"{final_bare},p={b64(proof)}".encode()))
            self.assertEqual(code, 334, resp)
            server_key = hmac.digest(salted, b"Server Key", "sha256")
            self.assertEqual(base64.b64decode(resp).decode(),
                             "v=" + b64(hmac.digest(server_key, auth_message, "sha256")))
            code, resp = s.docmd("")
            self.assertEqual(code, 235, resp)
            marker = token()
            s.sendmail(ALICE, [BOB], message(marker))
        self.inbox(BOB, marker)

    def test_sender_must_belong_to_the_account(self):
        """RFC 6409 §6.1 and §8.1 (the issue's rule): envelope sender and From: must be the
        account's address or an alias naming it, else 553 5.7.1."""
        with self.client() as s:
            s.login(ALICE, PW)
            code, text = s.mail(BOB)
            self.assertEqual(code, 553, text)
            self.assertIn(b"5.7.1", text)
            s.rset()
            with self.assertRaises(smtplib.SMTPDataError) as e:
                s.sendmail(ALICE, [BOB], message(token(), {"From": BOB}))
            self.assertEqual(e.exception.smtp_code, 553)
            # An alias that delivers to alice is hers to send as, in either place.
            marker = token()
            s.sendmail(f"sales@{DOMAIN}", [BOB], message(marker, {"From": f"sales@{DOMAIN}"}))
        self.inbox(BOB, marker)

    def test_fixups_message_id_date_bcc(self):
        """RFC 6409 §8.2/§8.3: Date and Message-ID added; RFC 5322 §3.6.3: Bcc removed from
        every copy while the Bcc recipient still gets one; Disposition-Notification-To (RFC 8098)
        untouched."""
        marker = token()
        raw = message(marker, {"Cc": CAROL, "Bcc": f"Secret <{ALICE}>",
                               "Disposition-Notification-To": ALICE})
        with self.client() as s:
            s.login(ALICE, PW)
            s.sendmail(ALICE, [BOB, CAROL, ALICE], raw)
        for user in (BOB, CAROL, ALICE):
            copy = self.inbox(user, marker)[0]
            _, rest = split_trace(copy)
            head = rest.split(b"\r\n\r\n", 1)[0].lower()
            self.assertNotIn(b"\r\nbcc:", b"\r\n" + head, user)
            self.assertIn(b"\r\nmessage-id: <", b"\r\n" + head)
            self.assertIn(b"\r\ndate: ", b"\r\n" + head)
            self.assertIn(b"\r\ndisposition-notification-to: " + ALICE.encode(), b"\r\n" + head)

    def test_implicit_tls_465(self):
        """RFC 8314 §3.3: submission over implicit TLS."""
        marker = token()
        self.server.submit(ALICE, PW, ALICE, [BOB], message(marker), role="submissions")
        self.inbox(BOB, marker)

    def test_remote_recipient_is_queued(self):
        """RFC 6409 §3.3: an authenticated client may relay; the remote copy waits in the queue
        (nowhere to deliver here), the local one arrives at once."""
        marker = token()
        with self.client() as s:
            s.login(ALICE, PW)
            refused = s.sendmail(ALICE, [BOB, "someone@elsewhere.test"], message(marker))
            self.assertEqual(refused, {})
        self.inbox(BOB, marker)
        listing = wait_until(lambda: "elsewhere.test" in self.server.queue() and
                             self.server.queue(), timeout=10, what="queue entry")
        self.assertIn("someone@elsewhere.test", listing)
        # RFC 5321 §4.5.4.1: connection refused is temporary; the entry stays, with the reason.
        wait_until(lambda: "cannot connect" in self.server.cli(
            "queue", "show", *map(str, self.server.queue_ids())).stdout, timeout=10,
            what="a failed attempt")
        ids = self.server.queue_ids()
        shown = self.server.cli("queue", "show", str(ids[0])).stdout
        self.assertIn(marker, shown)  # the Subject line of the queued copy
        retried = self.server.cli("queue", "retry", "--all").stdout
        self.assertIn("due now", retried)
        self.server.cli("queue", "delete", *[str(i) for i in ids])
        self.assertEqual(self.server.queue_ids(), [])

    def test_mx_listener_never_relays(self):
        """RFC 5321 §3.6.2 / the contract: port 25 refuses relaying, even for a local sender."""
        with self.server.smtp() as s:
            s.mail(ALICE)
            code, text = s.rcpt("someone@elsewhere.test")
            self.assertEqual(code, 550, text)


class ExpiryTest(unittest.TestCase):
    """RFC 5321 §4.5.4.1 give-up time ([queue] expiry, 5 days by default; 2 s here): the
    sender gets a failure DSN with status 4.4.7 (RFC 3463) and the entry leaves the queue."""

    def test_expired_entry_bounces(self):
        sections = {"queue": {"retry_schedule": [1], "poll_interval": 1, "expiry": 2},
                    "routes": {"elsewhere.test": f"127.0.0.1:{free_port()}"}}
        with FacteurServer(domains=(DOMAIN,), roles=SUBMISSION_ROLES,
                           sections=sections) as server:
            server.add_user(ALICE, PW)
            marker = token()
            server.submit(ALICE, PW, ALICE, ["x@elsewhere.test"], message(marker,
                                                                          {"To": "x@elsewhere.test"}))
            dsn = wait_until(lambda: server.find(ALICE, PW, marker), timeout=20,
                             what="the expiry DSN")[0]
            self.assertIn(b"Action: failed", dsn)
            self.assertIn(b"Status: 4.4.7", dsn)
            self.assertEqual(server.queue_ids(), [])


class RateLimitTest(unittest.TestCase):
    """Per-account sending rate ([submission] max_messages_per_hour, max_recipients_per_hour):
    the message or recipient beyond the hour's allowance is deferred with 451 4.7.1; another
    account is not affected; refused recipients do not count."""

    def test_hourly_message_allowance(self):
        with FacteurServer(domains=(DOMAIN,), roles=SUBMISSION_ROLES,
                           sections={"submission": {"max_messages_per_hour": 2}}) as server:
            server.add_user(ALICE, PW)
            server.add_user(BOB, PW)
            for _ in range(2):
                server.submit(ALICE, PW, ALICE, [BOB], message(token()))
            with self.assertRaises(smtplib.SMTPSenderRefused) as e:
                server.submit(ALICE, PW, ALICE, [BOB], message(token()))
            self.assertEqual(e.exception.smtp_code, 451)
            self.assertIn(b"4.7.1", e.exception.smtp_error)
            server.submit(BOB, PW, BOB, [ALICE], message(token(), {"From": BOB}))

    def test_refused_recipients_do_not_use_the_allowance(self):
        # Only recipients the server accepts are sent to, so only they count against
        # [submission] max_recipients_per_hour; unknown ones get 550 5.1.1 (RFC 5321 §4.2.2)
        # and leave the allowance as it was; the one beyond it gets 451 4.7.1 (RFC 3463 §3.8).
        with FacteurServer(domains=(DOMAIN,), roles=SUBMISSION_ROLES,
                           sections={"submission": {"max_recipients_per_hour": 2}}) as server:
            for user in (ALICE, BOB, CAROL):
                server.add_user(user, PW)
            with smtplib.SMTP(server.host, server.port("submission"), timeout=30) as s:
                s.starttls(context=insecure_tls_context())
                s.login(ALICE, PW)
                s.mail(ALICE)
                for typo in ("nobody1", "nobody2", "nobody3"):
                    code, reply = s.rcpt(f"{typo}@{DOMAIN}")
                    self.assertEqual((code, reply[:5]), (550, b"5.1.1"))
                self.assertEqual(s.rcpt(BOB)[0], 250)
                self.assertEqual(s.rcpt(ALICE)[0], 250)
                code, reply = s.rcpt(CAROL)
                self.assertEqual((code, reply[:5]), (451, b"4.7.1"))
                s.rset()


if __name__ == "__main__":
    unittest.main()
