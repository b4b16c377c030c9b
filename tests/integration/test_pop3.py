"""POP3 (the `pop3` and `pop3s` listeners) with poplib and raw sockets; mail goes in by smtplib."""
import base64
import hashlib
import hmac
import os
import poplib
import time
import unittest

from facteur_harness import (DOMAIN, FacteurServer, ServerTestCase, insecure_tls_context,
                             split_trace, token)
from raw_clients import RawPop3

PW = "pop secret 1"


def message(subject, body):
    return (f"From: <sender@remote.example>\r\nSubject: {subject}\r\n"
            f"Message-ID: <{subject}@remote.example>\r\n\r\n{body}").encode()


class Pop3Test(ServerTestCase):
    """Each test uses its own account, so DELE in one cannot disturb another."""

    server_kwargs = {"sections": {"pop3": {"auth_failure_delay_ms": 100}}}

    def new_user(self, messages=(), apop=False):
        address = f"{token()[4:16]}@{DOMAIN}"
        self.server.add_user(address, PW, apop=apop)
        for m in messages:
            self.server.send("sender@remote.example", [address], m)
        return address

    def raw(self, **kw):
        return RawPop3(self.server.host, self.server.port("pop3"), **kw)

    def login(self, user):
        return self.server.pop3_login(user, PW)

    def test_user_pass(self):
        """RFC 1939 §7: USER then PASS; STAT answers count and size."""
        t = token()
        user = self.new_user([message(t, "body\r\n")])
        p = poplib.POP3(self.server.host, self.server.port("pop3"), timeout=10)
        self.assertTrue(p.getwelcome().startswith(b"+OK"))
        self.assertTrue(p.user(user).startswith(b"+OK"))
        self.assertTrue(p.pass_(PW).startswith(b"+OK"))
        count, size = p.stat()
        self.assertEqual(count, 1)
        self.assertIn(t.encode(), b"\r\n".join(p.retr(1)[1]))
        p.quit()
        with self.assertRaises(poplib.error_proto) as cm:
            self.server.pop3(user, "wrong password")
        self.assertIn(b"[AUTH]", cm.exception.args[0])
        # A login without a domain means the first local domain.
        p = self.server.pop3(user.split("@")[0], PW)
        self.assertEqual(p.stat()[0], 1)
        p.quit()

    def test_apop(self):
        """RFC 1939 §7: APOP with the timestamp of the greeting; only accounts that keep an
        APOP secret can use it."""
        user = self.new_user([message(token(), "x\r\n")], apop=True)
        p = poplib.POP3(self.server.host, self.server.port("pop3"), timeout=10)
        self.assertRegex(p.getwelcome(), rb"<[^>]+@[^>]+>$")
        self.assertTrue(p.apop(user, PW).startswith(b"+OK"))
        self.assertEqual(p.stat()[0], 1)
        p.quit()
        p = poplib.POP3(self.server.host, self.server.port("pop3"), timeout=10)
        with self.assertRaises(poplib.error_proto):
            p.apop(user, "not the secret")
        p.close()
        # An account without APOP secret: refused even with the right password.
        plain = self.new_user()
        p = poplib.POP3(self.server.host, self.server.port("pop3"), timeout=10)
        with self.assertRaises(poplib.error_proto):
            p.apop(plain, PW)
        p.close()
        # `user apop` gives an existing account a secret.
        self.server.cli("user", "apop", plain, input="other apop secret\n")
        p = poplib.POP3(self.server.host, self.server.port("pop3"), timeout=10)
        self.assertTrue(p.apop(plain, "other apop secret").startswith(b"+OK"))
        p.quit()
        self.login(plain).quit()  # resets the failure delay for this client

    def test_stls(self):
        """RFC 2595 §4: STLS, then authenticate inside TLS; STLS is no longer offered."""
        t = token()
        user = self.new_user([message(t, "over TLS\r\n")])
        p = poplib.POP3(self.server.host, self.server.port("pop3"), timeout=10)
        self.assertIn("STLS", p.capa())
        p.stls(insecure_tls_context())
        self.assertNotIn("STLS", p.capa())
        p.user(user)
        p.pass_(PW)
        self.assertIn(t.encode(), b"\r\n".join(p.retr(1)[1]))
        p.quit()

    def test_pop3s(self):
        """RFC 8314 §3.3 / RFC 2595 §7: implicit TLS on the pop3s port."""
        t = token()
        user = self.new_user([message(t, "implicit TLS\r\n")])
        p = poplib.POP3_SSL(self.server.host, self.server.port("pop3s"), timeout=10,
                            context=insecure_tls_context())
        self.assertNotIn("STLS", p.capa())
        p.user(user)
        p.pass_(PW)
        self.assertIn(t.encode(), b"\r\n".join(p.retr(1)[1]))
        p.quit()

    def test_top(self):
        """RFC 1939 §7: TOP msg n gives the header, the blank line and n body lines."""
        body = "".join(f"body line {i}\r\n" for i in range(1, 11))
        user = self.new_user([message(token(), body)])
        p = self.login(user)
        full = p.retr(1)[1]
        _, lines, _ = p.top(1, 3)
        blank = full.index(b"")
        self.assertEqual(lines, full[:blank + 1 + 3])
        self.assertEqual(lines[-1], b"body line 3")
        self.assertEqual(p.top(1, 0)[1], full[:blank + 1])
        self.assertEqual(p.top(1, 1000)[1], full)
        p.quit()

    def test_uidl_stable_across_sessions(self):
        """RFC 1939 §7: the unique-id of a message never changes between sessions."""
        user = self.new_user([message(token(), f"m{i}\r\n") for i in range(3)])
        p = self.login(user)
        first = p.uidl()[1]
        self.assertEqual(len(first), 3)
        ids = [line.split()[1] for line in first]
        self.assertEqual(len(set(ids)), 3)
        for uid in ids:  # RFC 1939 §7: 1 to 70 characters in the range 0x21 to 0x7E
            self.assertTrue(1 <= len(uid) <= 70 and all(0x21 <= c <= 0x7E for c in uid))
        self.assertEqual(p.uidl(2), b"+OK " + first[1])
        p.quit()
        p = self.login(user)
        self.assertEqual(p.uidl()[1], first)
        p.dele(1)
        p.quit()
        p = self.login(user)
        self.assertEqual([line.split()[1] for line in p.uidl()[1]], ids[1:])
        p.quit()

    def test_list_and_stat_sizes_are_exact(self):
        """RFC 1939 §5/§11: LIST and STAT give the exact octet count of the message as RETR
        sends it (CRLF line ends, before byte-stuffing)."""
        bodies = ["short\r\n",
                  ".starts with a dot\r\n..two\r\n.\r\nend\r\n",
                  "".join(f"{i:05d} " + "z" * 70 + "\r\n" for i in range(3000))]
        user = self.new_user([message(token(), b) for b in bodies])
        p = self.login(user)
        count, total = p.stat()
        self.assertEqual(count, 3)
        listing = {int(n): int(s) for n, s in (line.split() for line in p.list()[1])}
        retrieved = []
        for i in range(1, 4):
            resp, lines, octets = p.retr(i)
            data = b"\r\n".join(lines) + b"\r\n"
            retrieved.append(data)
            self.assertEqual(len(data), listing[i], f"message {i}")
            self.assertEqual(int(p.list(i).split()[2]), listing[i])
            self.assertEqual(resp.split()[1], str(listing[i]).encode())
        self.assertEqual(total, sum(listing.values()))
        self.assertTrue(retrieved[1].endswith(bodies[1].encode()))
        p.quit()

    def test_byte_stuffing(self):
        """RFC 1939 §3: lines starting with '.' are sent with one more '.', so that a line with a
        single '.' in the message cannot end the response."""
        body = ".hidden\r\n..double\r\n.\r\n. space\r\nplain\r\n"
        user = self.new_user([message(token(), body)])
        with self.raw() as c:
            self.assertTrue(c.cmd(f"USER {user}").startswith(b"+OK"))
            self.assertTrue(c.cmd(f"PASS {PW}").startswith(b"+OK"))
            self.assertTrue(c.cmd("RETR 1").startswith(b"+OK"))
            wire = b"".join(c.multiline())
            self.assertTrue(wire.endswith(b"\r\n\r\n..hidden\r\n...double\r\n..\r\n.. space\r\n"
                                          b"plain\r\n"), wire[-80:])
            self.assertTrue(c.cmd("QUIT").startswith(b"+OK"))
        p = self.login(user)
        self.assertTrue((b"\r\n".join(p.retr(1)[1]) + b"\r\n").endswith(body.encode()))
        p.quit()

    def test_dele_quit_removes(self):
        """RFC 1939 §6: messages marked with DELE are removed in the UPDATE state (QUIT)."""
        marks = [token() for _ in range(3)]
        user = self.new_user([message(m, "x\r\n") for m in marks])
        p = self.login(user)
        self.assertTrue(p.dele(2).startswith(b"+OK"))
        with self.assertRaises(poplib.error_proto):
            p.retr(2)  # §7: a deleted message cannot be referred to
        self.assertEqual(p.stat()[0], 2)
        self.assertTrue(p.quit().startswith(b"+OK"))
        remaining = self.server.messages(user, PW)
        self.assertEqual(len(remaining), 2)
        self.assertFalse(any(marks[1].encode() in m for m in remaining))

    def test_rset_undeletes(self):
        """RFC 1939 §5: RSET unmarks every message marked as deleted."""
        user = self.new_user([message(token(), "x\r\n") for _ in range(2)])
        p = self.login(user)
        p.dele(1)
        p.dele(2)
        self.assertEqual(p.stat()[0], 0)
        p.rset()
        self.assertEqual(p.stat()[0], 2)
        p.quit()
        self.assertEqual(len(self.server.messages(user, PW)), 2)

    def test_dele_without_quit_deletes_nothing(self):
        """RFC 1939 §6: a session that ends without QUIT does not enter the UPDATE state:
        nothing is deleted."""
        user = self.new_user([message(token(), "x\r\n") for _ in range(2)])
        with self.raw() as c:
            c.cmd(f"USER {user}")
            self.assertTrue(c.cmd(f"PASS {PW}").startswith(b"+OK"))
            self.assertTrue(c.cmd("DELE 1").startswith(b"+OK"))
            self.assertTrue(c.cmd("DELE 2").startswith(b"+OK"))
        # Dropped. The next session may briefly find the lock still held.
        self.assertEqual(len(self.server.messages(user, PW)), 2)

    def test_concurrent_login_in_use(self):
        """RFC 2449 §8.1.2 / RFC 1939 §8: a maildrop already locked by a session cannot be opened
        by a second one: -ERR [IN-USE]."""
        user = self.new_user([message(token(), "x\r\n")])
        first = self.login(user)
        second = poplib.POP3(self.server.host, self.server.port("pop3"), timeout=10)
        second.user(user)
        with self.assertRaises(poplib.error_proto) as cm:
            second.pass_(PW)
        self.assertTrue(cm.exception.args[0].startswith(b"-ERR [IN-USE]"), cm.exception.args)
        second.close()
        first.quit()
        self.login(user).quit()  # free again

    def test_capa(self):
        """RFC 2449 §5 and §6: CAPA lists what the server offers, and it depends on the state."""
        p = poplib.POP3(self.server.host, self.server.port("pop3"), timeout=10)
        caps = p.capa()
        for cap in ("TOP", "UIDL", "USER", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "STLS",
                    "SASL", "IMPLEMENTATION"):
            self.assertIn(cap, caps)
        self.assertIn("PLAIN", caps["SASL"])
        user = self.new_user()
        p.user(user)
        p.pass_(PW)
        after = p.capa()
        self.assertIn("TOP", after)
        self.assertIn("UIDL", after)
        self.assertNotIn("STLS", after)
        self.assertNotIn("USER", after)
        p.quit()

    def test_auth_plain(self):
        """RFC 5034 §4 with RFC 4616: AUTH PLAIN with an initial response, and with the response
        after an empty challenge."""
        user = self.new_user([message(token(), "x\r\n")])
        cred = base64.b64encode(f"\0{user}\0{PW}".encode()).decode()
        with self.raw() as c:
            self.assertTrue(c.cmd(f"AUTH PLAIN {cred}").startswith(b"+OK"))
            self.assertTrue(c.cmd("STAT").startswith(b"+OK 1 "))
            c.cmd("QUIT")
        time.sleep(0.1)
        with self.raw() as c:
            self.assertEqual(c.cmd("AUTH PLAIN"), b"+ ")
            self.assertTrue(c.cmd(cred).startswith(b"+OK"))
            c.cmd("QUIT")
        time.sleep(0.1)
        with self.raw() as c:
            bad = base64.b64encode(f"\0{user}\0wrong".encode()).decode()
            self.assertTrue(c.cmd(f"AUTH PLAIN {bad}").startswith(b"-ERR [AUTH]"))
            self.assertTrue(c.cmd("AUTH PLAIN").startswith(b"+ "))
            self.assertTrue(c.cmd("*").startswith(b"-ERR"))  # §4: the client cancels
            self.assertTrue(c.cmd(f"AUTH PLAIN {cred}").startswith(b"+OK"))
            c.cmd("QUIT")

    def test_auth_login(self):
        """The LOGIN mechanism (draft-murchison-sasl-login) through RFC 5034's AUTH."""
        user = self.new_user([message(token(), "x\r\n")])
        with self.raw() as c:
            self.assertTrue(c.cmd("AUTH LOGIN").startswith(b"+ "))
            self.assertTrue(c.cmd(base64.b64encode(user.encode()).decode()).startswith(b"+ "))
            self.assertTrue(c.cmd(base64.b64encode(PW.encode()).decode()).startswith(b"+OK"))
            self.assertTrue(c.cmd("STAT").startswith(b"+OK 1 "))
            c.cmd("QUIT")

    def test_auth_scram_sha256(self):
        """RFC 7677 / RFC 5802 §3 and §5 through RFC 5034's AUTH: a SCRAM-SHA-256 client written
        from the RFC; the server proves it knows the password too (v=)."""
        user = self.new_user([message(token(), "x\r\n")])

        def b64(data):
            return base64.b64encode(data).decode()

        def scram(password):
            c = self.raw()
            nonce = b64(os.urandom(18))
            first_bare = f"n={user},r={nonce}"
            line = c.cmd(f"AUTH SCRAM-SHA-256 {b64(('n,,' + first_bare).encode())}")
            self.assertTrue(line.startswith(b"+ "), line)
            server_first = base64.b64decode(line[2:]).decode()
            attrs = dict(kv.split("=", 1) for kv in server_first.split(","))
            self.assertTrue(attrs["r"].startswith(nonce) and len(attrs["r"]) > len(nonce))
            salted = hashlib.pbkdf2_hmac("sha256", password.encode(),
                                         base64.b64decode(attrs["s"]), int(attrs["i"]))
            client_key = hmac.digest(salted, b"Client Key", "sha256")
            stored_key = hashlib.sha256(client_key).digest()
            final_bare = f"c={b64(b'n,,')},r={attrs['r']}"
            auth_message = f"{first_bare},{server_first},{final_bare}".encode()
            signature = hmac.digest(stored_key, auth_message, "sha256")
            proof = bytes(a ^ b for a, b in zip(client_key, signature))
            line = c.cmd(b64(f"{final_bare},p={b64(proof)}".encode()))
            server_key = hmac.digest(salted, b"Server Key", "sha256")
            expected_v = "v=" + b64(hmac.digest(server_key, auth_message, "sha256"))
            return c, line, expected_v

        c, line, expected_v = scram(PW)
        with c:
            # Success data comes as a last challenge answered with an empty line (RFC 5034 §4),
            # or with the +OK.
            if line.startswith(b"+ "):
                self.assertEqual(base64.b64decode(line[2:]).decode(), expected_v)
                line = c.cmd("")
            self.assertTrue(line.startswith(b"+OK"), line)
            self.assertTrue(c.cmd("STAT").startswith(b"+OK 1 "))
            c.cmd("QUIT")
        c, line, _ = scram("wrong password")
        with c:
            self.assertTrue(line.startswith(b"-ERR"), line)
        self.login(user).quit()  # resets the failure delay

    def test_stls_injection_discarded(self):
        """RFC 2595 §4 intent / CVE-2011-0411: commands pipelined in clear behind STLS are not
        executed inside TLS."""
        user = self.new_user()
        with self.raw() as c:
            c.send(f"STLS\r\nUSER {user}\r\nPASS {PW}\r\n")
            self.assertTrue(c.line().startswith(b"+OK"))
            c.starttls()
            self.assertTrue(c.cmd("STAT").startswith(b"-ERR"))  # not logged in
            self.assertTrue(c.cmd(f"PASS {PW}").startswith(b"-ERR"))  # USER was forgotten
            self.assertTrue(c.cmd(f"USER {user}").startswith(b"+OK"))
            self.assertTrue(c.cmd(f"PASS {PW}").startswith(b"+OK"))
            c.cmd("QUIT")

    def test_pipelined_commands(self):
        """RFC 2449 §6.6: with PIPELINING the client may send several commands at once; the
        responses come in order."""
        user = self.new_user([message(token(), "x\r\n") for _ in range(2)])
        with self.raw() as c:
            c.send(f"USER {user}\r\nPASS {PW}\r\nSTAT\r\nLIST\r\nUIDL 2\r\nNOOP\r\nQUIT\r\n")
            self.assertTrue(c.line().startswith(b"+OK"))
            self.assertTrue(c.line().startswith(b"+OK"))
            self.assertTrue(c.line().startswith(b"+OK 2 "))
            self.assertTrue(c.line().startswith(b"+OK"))
            self.assertEqual(len(c.multiline()), 2)
            self.assertTrue(c.line().startswith(b"+OK 2 "))
            self.assertEqual(c.line(), b"+OK\r\n")
            self.assertTrue(c.line().startswith(b"+OK"))
            self.assertTrue(c.at_eof())


class Pop3RestartTest(unittest.TestCase):
    """What survives a restart of the daemon (RFC 1939 §6 and §7)."""

    def test_uidl_and_deletions_survive_restart(self):
        with FacteurServer() as server:
            user = f"restart@{DOMAIN}"
            server.add_user(user, PW)
            marks = [token() for _ in range(3)]
            for m in marks:
                server.send("sender@remote.example", [user], message(m, "x\r\n"))
            p = server.pop3_login(user, PW)
            before = p.uidl()[1]
            p.dele(1)
            p.quit()
            self.assertEqual(server.restart(), 0)
            p = server.pop3_login(user, PW)
            after = p.uidl()[1]
            self.assertEqual([line.split()[1] for line in after],
                             [line.split()[1] for line in before[1:]])
            self.assertEqual(p.stat()[0], 2)
            texts = [b"\r\n".join(p.retr(i)[1]) for i in (1, 2)]
            p.quit()
            self.assertFalse(any(marks[0].encode() in t for t in texts))
            self.assertTrue(marks[1].encode() in texts[0] and marks[2].encode() in texts[1])
            # New mail after the restart gets a fresh, different id.
            server.send("sender@remote.example", [user], message(token(), "y\r\n"))
            p = server.pop3_login(user, PW)
            ids = [line.split()[1] for line in p.uidl()[1]]
            p.quit()
            self.assertEqual(len(set(ids)), 3)
            self.assertNotIn(before[0].split()[1], ids)


class Pop3UntrustedTest(ServerTestCase):
    """Loopback is not trusted here: plaintext login needs TLS (RFC 2595 §2.1, the contract)."""

    server_kwargs = {"settings": {"trusted_networks": []},
                     "sections": {"pop3": {"auth_failure_delay_ms": 200, "max_auth_failures": 3,
                                           "idle_timeout": 3}}}
    users = {f"dora@{DOMAIN}": PW}

    def test_user_refused_without_tls(self):
        """RFC 2595 §2.1 / RFC 2449 §8.1.1: USER and AUTH PLAIN are refused in clear; CAPA
        does not offer them; STLS is offered."""
        p = poplib.POP3(self.server.host, self.server.port("pop3"), timeout=10)
        caps = p.capa()
        self.assertNotIn("USER", caps)
        self.assertNotIn("PLAIN", caps.get("SASL", []))
        self.assertIn("STLS", caps)
        with self.assertRaises(poplib.error_proto) as cm:
            p.user(f"dora@{DOMAIN}")
        self.assertTrue(cm.exception.args[0].startswith(b"-ERR [AUTH]"), cm.exception.args)
        cred = base64.b64encode(f"\0dora@{DOMAIN}\0{PW}".encode()).decode()
        with self.assertRaises(poplib.error_proto):
            p._shortcmd(f"AUTH PLAIN {cred}")
        p.close()

    def test_user_works_after_stls(self):
        """RFC 2595 §4: after STLS plaintext login is allowed."""
        p = poplib.POP3(self.server.host, self.server.port("pop3"), timeout=10)
        p.stls(insecure_tls_context())
        self.assertIn("USER", p.capa())
        p.user(f"dora@{DOMAIN}")
        self.assertTrue(p.pass_(PW).startswith(b"+OK"))
        p.quit()

    def test_pop3s_allows_user(self):
        p = poplib.POP3_SSL(self.server.host, self.server.port("pop3s"), timeout=10,
                            context=insecure_tls_context())
        p.user(f"dora@{DOMAIN}")
        self.assertTrue(p.pass_(PW).startswith(b"+OK"))
        p.quit()

    def test_apop_needs_no_tls(self):
        """RFC 1939 §7: APOP never sends the secret, so it is allowed in clear."""
        user = f"apop-clear@{DOMAIN}"
        self.server.add_user(user, "apop pw", apop=True)
        p = poplib.POP3(self.server.host, self.server.port("pop3"), timeout=10)
        self.assertTrue(p.apop(user, "apop pw").startswith(b"+OK"))
        p.quit()

    def test_idle_timeout(self):
        """RFC 1939 §3: the server may close an idle session (the autologout timer, 3 s here);
        it says so with -ERR and does not enter UPDATE."""
        with RawPop3(self.server.host, self.server.port("pop3s"), tls=True) as c:
            c.send(f"USER dora@{DOMAIN}\r\n")
            self.assertTrue(c.line().startswith(b"+OK"))
            start = time.monotonic()
            line = c.line()
            self.assertTrue(line.startswith(b"-ERR"), line)
            self.assertGreater(time.monotonic() - start, 2.0)
            self.assertTrue(c.at_eof())

    def test_repeated_failures_slow_down_and_disconnect(self):
        """RFC 1939 §13 / RFC 2449 §8.1.1: failed logins are answered ever more slowly, and
        after max_auth_failures the server closes the connection. A success resets it."""
        with RawPop3(self.server.host, self.server.port("pop3s"), tls=True) as c:
            times = []
            for i in range(3):
                c.send(f"USER dora@{DOMAIN}\r\n")
                self.assertTrue(c.line().startswith(b"+OK"))
                start = time.monotonic()
                c.send(f"PASS wrong-{i}\r\n")
                reply = c.line()
                times.append(time.monotonic() - start)
                self.assertTrue(reply.startswith(b"-ERR [AUTH]"), reply)
            self.assertTrue(c.at_eof(), "still connected after 3 failures")
        # Delays before the password check: none, then 200 ms, then 400 ms (lower bounds only:
        # the check itself takes a variable time on a loaded machine).
        self.assertGreaterEqual(times[1], 0.195, times)
        self.assertGreaterEqual(times[2], 0.395, times)
        # The next attempt, even with the right password, waits (800 ms); a success then resets
        # the counter.
        def login_time():
            p = poplib.POP3_SSL(self.server.host, self.server.port("pop3s"), timeout=10,
                                context=insecure_tls_context())
            p.user(f"dora@{DOMAIN}")
            start = time.monotonic()
            p.pass_(PW)
            elapsed = time.monotonic() - start
            p.quit()
            return elapsed

        slow = login_time()
        fast = login_time()
        self.assertGreaterEqual(slow, 0.795)
        self.assertLess(fast, slow - 0.4)


if __name__ == "__main__":
    unittest.main(verbosity=2)
