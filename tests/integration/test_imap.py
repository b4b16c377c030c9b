"""IMAP server end to end with Python's imaplib (IMAP4rev1, and IMAP4rev2 after ENABLE) and a raw
line client for what imaplib cannot express (literals, IDLE timing, COMPRESS, broken input).

Every test names the RFC section it pins. One daemon serves the whole file; each test uses its
own account so tests do not see each other's mail."""
import base64
import hashlib
import hmac
import imaplib
import os
import re
import socket
import ssl
import threading
import time
import unittest
import zlib

from facteur_harness import DOMAIN, ServerTestCase, insecure_tls_context, token

PASSWORD = "imap-secret-1"


class RawImap:
    """A line-level IMAP client: send exact bytes, read responses up to a tagged one."""

    def __init__(self, host, port, tls=False, timeout=10):
        sock = socket.create_connection((host, port), timeout=timeout)
        if tls:
            sock = insecure_tls_context().wrap_socket(sock)
        self.sock = sock
        self.buf = b""
        self.inflate = None
        self.deflate = None
        self.greeting = self.line()
        self.n = 0

    def _recv(self):
        data = self.sock.recv(65536)
        if not data:
            raise EOFError("connection closed")
        if self.inflate is not None:
            data = self.inflate.decompress(data)
        self.buf += data

    def line(self):
        while b"\r\n" not in self.buf:
            self._recv()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line + b"\r\n"

    def read_exact(self, n):
        while len(self.buf) < n:
            self._recv()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        if self.deflate is not None:
            data = self.deflate.compress(data) + self.deflate.flush(zlib.Z_SYNC_FLUSH)
        self.sock.sendall(data)

    def response(self, tag):
        """Lines up to and including the tagged one; literals are folded into their line."""
        lines = []
        while True:
            line = self.line()
            m = re.search(rb"\{(\d+)\}\r\n$", line)
            if m:
                line += self.read_exact(int(m.group(1)))
                line += self.line()
            lines.append(line)
            if line.startswith(tag.encode() + b" "):
                return lines

    def command(self, text):
        self.n += 1
        tag = f"r{self.n}"
        self.send(f"{tag} {text}\r\n")
        return self.response(tag)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def message(subject, body="Hello world.\r\n", sender="bob@remote.test", extra=""):
    return (f"From: Bob <{sender}>\r\nTo: someone@{DOMAIN}\r\nSubject: {subject}\r\n"
            f"Message-ID: <{token()}@remote.test>\r\nDate: Mon, 2 Jan 2023 10:00:00 +0000\r\n"
            f"{extra}\r\n{body}")


MULTIPART = (
    "From: Ann <ann@remote.test>\r\nTo: x@" + DOMAIN + "\r\nSubject: with attachment\r\n"
    "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"BB\"\r\n\r\n"
    "--BB\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n"
    "\r\nCaf=C3=A9 au lait\r\n"
    "--BB\r\nContent-Type: application/octet-stream; name=\"a.bin\"\r\n"
    "Content-Transfer-Encoding: base64\r\n\r\nAAECAwQ=\r\n--BB--\r\n")


class ImapTest(ServerTestCase):
    counter = 0

    def account(self):
        """A fresh account for one test."""
        ImapTest.counter += 1
        address = f"user{ImapTest.counter}-{os.getpid()}@{DOMAIN}"
        self.server.add_user(address, PASSWORD)
        return address

    def deliver(self, address, msg):
        self.server.send("bob@remote.test", [address], msg)

    def login(self, address, **kw):
        return self.server.imap(address, PASSWORD, **kw)

    # -- sessions and authentication ---------------------------------------------------------
    def test_capabilities_login_and_logout(self):
        """RFC 9051 §6.1.1, §6.2.3: capabilities per state; LOGIN; LOGOUT says BYE."""
        address = self.account()
        m = self.server.imap()
        self.assertIn("STARTTLS", m.capabilities)
        self.assertIn("IMAP4REV2", m.capabilities)
        typ, data = m.login(address, PASSWORD)
        self.assertEqual(typ, "OK")
        caps = data[0].decode()
        for cap in ("IDLE", "UIDPLUS", "MOVE", "CONDSTORE", "QRESYNC", "SPECIAL-USE", "ESEARCH",
                    "SORT", "THREAD=REFERENCES", "QUOTA", "COMPRESS=DEFLATE", "LIST-STATUS"):
            self.assertIn(cap, caps)
        typ, _ = m.logout()
        self.assertEqual(typ, "BYE")

    def test_authenticate_plain_login_and_scram(self):
        """RFC 9051 §6.2.2 AUTHENTICATE with PLAIN (SASL-IR), LOGIN and SCRAM-SHA-256 (RFC 7677)."""
        address = self.account()
        m = self.server.imap()
        typ, _ = m.authenticate("PLAIN", lambda _: f"\0{address}\0{PASSWORD}".encode())
        self.assertEqual(typ, "OK")
        m.logout()
        # SASL-IR: the initial response on the command line.
        raw = RawImap(self.server.host, self.server.port("imap"))
        ir = base64.b64encode(f"\0{address}\0{PASSWORD}".encode()).decode()
        self.assertIn(b"OK", raw.command(f"AUTHENTICATE PLAIN {ir}")[-1])
        raw.close()
        m = self.server.imap()
        answers = iter([address.encode(), PASSWORD.encode()])
        typ, _ = m.authenticate("LOGIN", lambda _: next(answers))
        self.assertEqual(typ, "OK")
        m.logout()

        m = self.server.imap()
        state = {}

        def scram(challenge):
            if not state:
                state["nonce"] = base64.b64encode(os.urandom(18)).decode()
                state["bare"] = f"n={address},r={state['nonce']}"
                return ("n,," + state["bare"]).encode()
            if "proof" not in state:
                server_first = challenge.decode()
                fields = dict(kv.split("=", 1) for kv in server_first.split(","))
                salted = hashlib.pbkdf2_hmac("sha256", PASSWORD.encode(),
                                             base64.b64decode(fields["s"]), int(fields["i"]))
                client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
                stored = hashlib.sha256(client_key).digest()
                final_bare = f"c=biws,r={fields['r']}"
                auth = f"{state['bare']},{server_first},{final_bare}".encode()
                sig = hmac.new(stored, auth, hashlib.sha256).digest()
                proof = bytes(a ^ b for a, b in zip(client_key, sig))
                server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
                state["verifier"] = base64.b64encode(
                    hmac.new(server_key, auth, hashlib.sha256).digest()).decode()
                state["proof"] = True
                return f"{final_bare},p={base64.b64encode(proof).decode()}".encode()
            self.assertEqual(challenge.decode(), "v=" + state["verifier"])
            return b""

        typ, _ = m.authenticate("SCRAM-SHA-256", scram)
        self.assertEqual(typ, "OK")
        m.logout()

    def test_failed_logins_are_refused_and_slowed(self):
        """RFC 9051 §6.2.3 NO [AUTHENTICATIONFAILED]; repeated failures are throttled."""
        address = self.account()
        m = self.server.imap()
        with self.assertRaises(imaplib.IMAP4.error) as e:
            m.login(address, "wrong")
        self.assertIn("AUTHENTICATIONFAILED", str(e.exception))
        start = time.monotonic()
        with self.assertRaises(imaplib.IMAP4.error):
            m.login(address, "wrong again")
        self.assertGreater(time.monotonic() - start, 0.5)  # the second attempt waited
        m.shutdown()

    def test_starttls_and_imaps(self):
        """RFC 9051 §6.2.1 STARTTLS; port 993 implicit TLS (RFC 8314)."""
        address = self.account()
        m = self.login(address, tls=True)
        self.assertEqual(m.select("INBOX")[0], "OK")
        m.logout()
        m = self.server.imaps(address, PASSWORD)
        self.assertEqual(m.select("INBOX")[0], "OK")
        m.logout()

    def test_wrong_state_and_unknown_commands(self):
        """RFC 9051 §6: commands in the wrong state and unknown ones get BAD (or NO)."""
        raw = RawImap(self.server.host, self.server.port("imap"))
        self.assertRegex(raw.command("SELECT INBOX")[-1], rb"^r1 (BAD|NO)")
        self.assertRegex(raw.command("FROBNICATE")[-1], rb"^r2 BAD")
        self.assertRegex(raw.command("FETCH 1 FLAGS")[-1], rb"^r3 (BAD|NO)")
        raw.close()

    # -- mailboxes ----------------------------------------------------------------------------
    def test_list_special_use_status_and_namespace(self):
        """RFC 6154 special-use mailboxes exist; RFC 5258/5819 LIST-EXTENDED, LIST-STATUS;
        RFC 9051 STATUS (incl. SIZE, DELETED); RFC 2342 NAMESPACE."""
        address = self.account()
        self.deliver(address, message("status"))
        m = self.login(address)
        typ, data = m.list('""', "*")
        listing = b"\n".join(data)
        for attr, name in ((b"\\Sent", b"Sent"), (b"\\Drafts", b"Drafts"), (b"\\Trash", b"Trash"),
                           (b"\\Junk", b"Junk"), (b"\\Archive", b"Archive")):
            self.assertRegex(listing, rb"\(.*" + re.escape(attr) + rb".*\) \"/\" \"?" + name)
        typ, data = m.status("INBOX", "(MESSAGES UIDNEXT UIDVALIDITY UNSEEN DELETED SIZE)")
        self.assertEqual(typ, "OK")
        self.assertRegex(data[0], rb"MESSAGES 1 .*UNSEEN 1 DELETED 0 SIZE \d+")
        typ, data = m._simple_command("LIST", '""', '"*"', "RETURN", "(SPECIAL-USE STATUS (MESSAGES))")
        self.assertEqual(typ, "OK")
        self.assertIn(b'"INBOX" (MESSAGES 1)', b" ".join(m.untagged_responses.pop("STATUS", [])))
        typ, data = m.namespace()
        self.assertEqual(data[0], b'(("" "/")) NIL NIL')
        m.logout()

    def test_create_rename_delete_subscribe(self):
        """RFC 9051 §6.3.4-8: CREATE (with superior levels), RENAME with children, DELETE,
        SUBSCRIBE/LSUB; modified UTF-7 names for IMAP4rev1 clients (RFC 3501 §5.1.3)."""
        address = self.account()
        m = self.login(address)
        self.assertEqual(m.create("Projects/2024/Q1")[0], "OK")
        names = b" ".join(m.list('""', "Projects*")[1])
        self.assertIn(b'"Projects/2024"', names)
        self.assertEqual(m.create("Projects")[0], "NO")  # exists
        self.assertEqual(m.rename("Projects", "Work")[0], "OK")
        names = b" ".join(m.list('""', "*")[1])
        self.assertIn(b'"Work/2024/Q1"', names)
        self.assertNotIn(b"Projects", names)
        self.assertEqual(m.delete("Work/2024/Q1")[0], "OK")
        self.assertEqual(m.delete("Nope")[0], "NO")
        self.assertEqual(m.delete("INBOX")[0], "NO")
        # "Café" in modified UTF-7.
        self.assertEqual(m.create("Caf&AOk-")[0], "OK")
        self.assertIn(b"Caf&AOk-", b" ".join(m.list('""', "Caf*")[1]))
        self.assertEqual(m.subscribe("Caf&AOk-")[0], "OK")
        self.assertIn(b"Caf&AOk-", b" ".join(m.lsub('""', "*")[1]))
        self.assertEqual(m.unsubscribe("Caf&AOk-")[0], "OK")
        self.assertNotIn(b"Caf&AOk-", b" ".join(x or b"" for x in m.lsub('""', "*")[1]))
        m.logout()

    def test_rename_inbox_moves_its_messages(self):
        """RFC 9051 §6.3.6: renaming INBOX moves its messages; INBOX stays, empty."""
        address = self.account()
        for i in range(3):
            self.deliver(address, message(f"old {i}"))
        m = self.login(address)
        self.assertEqual(m.rename("INBOX", '"Old Inbox"')[0], "OK")
        self.assertEqual(m.select("INBOX")[1], [b"0"])
        self.assertEqual(m.select('"Old Inbox"')[1], [b"3"])
        m.logout()

    def test_quota(self):
        """RFC 9208: GETQUOTAROOT/GETQUOTA report the account's real limit and usage; an APPEND
        that cannot fit is refused with [OVERQUOTA] before its literal is read."""
        address = self.account()
        self.server.cli("user", "quota", address, "20480")
        self.deliver(address, message("quota", "q" * 3000 + "\r\n"))
        m = self.login(address)
        typ, data = m.getquotaroot("INBOX")
        self.assertEqual(typ, "OK")
        self.assertEqual(data[0], [b'"INBOX" ""'])
        self.assertRegex(data[1][0], rb'^"" \(STORAGE [34] 20\)$')
        typ, data = m.setquota('""', "(STORAGE 1)")
        self.assertEqual(typ, "NO")
        raw = RawImap(self.server.host, self.server.port("imap"))
        raw.command(f"LOGIN {address} {PASSWORD}")
        raw.send("a1 APPEND INBOX {30000}\r\n")
        self.assertRegex(raw.line(), rb"^a1 NO \[OVERQUOTA\]")
        raw.close()
        m.logout()

    # -- messages -----------------------------------------------------------------------------
    def test_fetch_metadata_sections_and_partials(self):
        """RFC 9051 §6.4.5 FETCH: ENVELOPE, BODYSTRUCTURE, sections, partials, HEADER.FIELDS,
        MIME; RFC 3516 BINARY and BINARY.SIZE; .PEEK leaves \\Seen alone."""
        address = self.account()
        self.deliver(address, MULTIPART)
        m = self.login(address)
        m.select("INBOX")
        typ, data = m.fetch("1", "(FLAGS ENVELOPE BODYSTRUCTURE RFC822.SIZE INTERNALDATE UID)")
        text = data[0]
        self.assertIn(b'"with attachment"', text)
        self.assertIn(b'("Ann" NIL "ann" "remote.test")', text)
        self.assertRegex(text, rb'BODYSTRUCTURE \(\("text" "plain" .*"quoted-printable"[^)]*\)'
                               rb'\("application" "octet-stream".*"base64".*"mixed"')
        self.assertNotIn(b"\\Seen", text)
        typ, data = m.fetch("1", "(BODY.PEEK[1] BODY.PEEK[2.MIME] BODY.PEEK[HEADER.FIELDS (SUBJECT)]"
                                 " BODY.PEEK[TEXT]<0.6> BINARY.PEEK[2] BINARY.SIZE[1])")
        parts = {k.split(b" ")[-2] if k.endswith(b"}") else k: v for k, v in
                 (x for x in data if isinstance(x, tuple))}
        flat = b"".join(x[0] + x[1] if isinstance(x, tuple) else x for x in data)
        self.assertIn(b"Caf=C3=A9 au lait", flat)
        self.assertIn(b"Subject: with attachment\r\n\r\n", flat)
        self.assertIn(b"BINARY[2] ~{5}\x00\x01\x02\x03\x04", flat)
        self.assertIn(b"BINARY.SIZE[1] 13", flat)  # "Café au lait", decoded
        self.assertIn(b"BODY[TEXT]<0> {6}", flat)
        self.assertIn(b"Content-Type: application/octet-stream", flat)
        self.assertTrue(parts)
        typ, data = m.fetch("1", "(FLAGS)")
        self.assertNotIn(b"\\Seen", data[0])
        # BODY[] (no PEEK) sets \Seen and says so.
        typ, data = m.fetch("1", "(BODY[])")
        flat = b"".join(x[0] + x[1] if isinstance(x, tuple) else x for x in data)
        self.assertIn(b"\\Seen", flat)
        self.assertIn(b"Caf=C3=A9 au lait", flat)
        m.logout()

    def test_store_copy_move_expunge_with_uidplus(self):
        """RFC 9051 §6.4.6 STORE, §6.4.7 COPY, RFC 6851 MOVE, RFC 4315 COPYUID / UID EXPUNGE,
        §6.4.3 EXPUNGE renumbering."""
        address = self.account()
        for i in range(5):
            self.deliver(address, message(f"msg {i}"))
        m = self.login(address)
        m.select("INBOX")
        typ, data = m.store("2:3", "+FLAGS", r"(\Flagged $Work)")
        self.assertEqual(len(data), 2)
        self.assertIn(b"$Work", data[0])
        typ, data = m.store("2", "-FLAGS.SILENT", r"(\Flagged)")
        self.assertEqual(data, [None])
        typ, data = m.copy("1:2", "Archive")
        self.assertEqual(typ, "OK")
        self.assertRegex(m.untagged_responses.pop("COPYUID")[0], rb"^\d+ 1:2 1:2$")
        typ, data = m._simple_command("UID", "MOVE", "3", "Trash")
        self.assertEqual(typ, "OK")
        self.assertEqual(m.untagged_responses.pop("EXPUNGE"), [b"3"])
        typ, data = m.status("Trash", "(MESSAGES)")
        self.assertIn(b"MESSAGES 1", data[0])
        m.store("1,3", "+FLAGS", r"(\Deleted)")  # UIDs 1 and 4
        typ, data = m._simple_command("UID", "EXPUNGE", "4")
        self.assertEqual(m.untagged_responses.pop("EXPUNGE"), [b"3"])
        typ, data = m.expunge()
        self.assertEqual(data, [b"1"])
        typ, data = m.uid("FETCH", "1:*", "(UID)")
        self.assertEqual([re.search(rb"UID (\d+)", x).group(1) for x in data], [b"2", b"5"])
        m.logout()

    def test_condstore_unchangedsince_and_qresync(self):
        """RFC 7162: MODSEQ, CHANGEDSINCE, STORE UNCHANGEDSINCE -> MODIFIED, SELECT (QRESYNC)
        with VANISHED (EARLIER)."""
        address = self.account()
        for i in range(3):
            self.deliver(address, message(f"cs {i}"))
        raw = RawImap(self.server.host, self.server.port("imap"))
        raw.command(f"LOGIN {address} {PASSWORD}")
        sel = b"".join(raw.command("SELECT INBOX (CONDSTORE)"))
        hms = int(re.search(rb"HIGHESTMODSEQ (\d+)", sel).group(1))
        uidvalidity = int(re.search(rb"UIDVALIDITY (\d+)", sel).group(1))
        r = b"".join(raw.command(f"STORE 1 (UNCHANGEDSINCE {hms}) +FLAGS (\\Seen)"))
        self.assertRegex(r, rb"\* 1 FETCH \(FLAGS \(\\Seen\) MODSEQ \(\d+\)\)")
        r = b"".join(raw.command("STORE 1 (UNCHANGEDSINCE 1) +FLAGS (\\Answered)"))
        self.assertIn(b"[MODIFIED 1]", r)
        r = b"".join(raw.command(f"FETCH 1:* (FLAGS) (CHANGEDSINCE {hms})"))
        self.assertEqual(len(re.findall(rb"\* \d+ FETCH", r)), 1)
        raw.command("STORE 2 +FLAGS.SILENT (\\Deleted)")
        raw.command("EXPUNGE")
        raw.command("LOGOUT")
        raw.close()
        raw = RawImap(self.server.host, self.server.port("imap"))
        raw.command(f"LOGIN {address} {PASSWORD}")
        self.assertIn(b"QRESYNC", b"".join(raw.command("ENABLE QRESYNC")))
        r = b"".join(raw.command(f"SELECT INBOX (QRESYNC ({uidvalidity} {hms} 1:3))"))
        self.assertIn(b"* VANISHED (EARLIER) 2", r)
        self.assertRegex(r, rb"\* 1 FETCH \(UID 1 FLAGS \(\\Seen\) MODSEQ")
        raw.close()

    def test_search_text_body_header_and_esearch(self):
        """RFC 9051 §6.4.4 SEARCH: substring matching of TEXT/BODY/headers (not words), flags,
        sizes; RFC 4731 ESEARCH; RFC 5256 SORT and THREAD."""
        address = self.account()
        self.deliver(address, message("Quarterly report", "The numbers look unbelievable.\r\n"))
        self.deliver(address, message("Re: Quarterly report", "Agreed, believable.\r\n",
                                      sender="carol@remote.test", extra="X-Tag: blue\r\n"))
        self.deliver(address, message("Lunch", "Pizza at noon?\r\n"))
        m = self.login(address)
        m.select("INBOX")
        self.assertEqual(m.search(None, "BODY", "believ")[1], [b"1 2"])  # inside words
        self.assertEqual(m.search(None, "BODY", '"look unbel"')[1], [b"1"])  # across a space
        self.assertEqual(m.search(None, "TEXT", "PIZZA")[1], [b"3"])  # case-insensitive
        self.assertEqual(m.search(None, "FROM", "carol")[1], [b"2"])
        self.assertEqual(m.search(None, "HEADER", "X-Tag", "blu")[1], [b"2"])
        self.assertEqual(m.search(None, "SUBJECT", "report", "NOT", "FROM", "carol")[1], [b"1"])
        self.assertEqual(m.search(None, "BODY", "zebra")[1], [b""])
        self.assertEqual(m.search(None, "OR", "BODY", "pizza", "BODY", "agreed")[1], [b"2 3"])
        m.store("3", "+FLAGS", r"(\Flagged)")
        self.assertEqual(m.search(None, "FLAGGED")[1], [b"3"])
        self.assertEqual(m.search(None, "UNFLAGGED", "LARGER", "10")[1], [b"1 2"])
        raw = RawImap(self.server.host, self.server.port("imap"))
        raw.command(f"LOGIN {address} {PASSWORD}")
        raw.command("SELECT INBOX")
        r = b"".join(raw.command("UID SEARCH RETURN (MIN MAX COUNT) BODY believ"))
        self.assertIn(b'* ESEARCH (TAG "r3") UID MIN 1 MAX 2 COUNT 2', r)
        r = b"".join(raw.command("SORT (REVERSE SUBJECT) UTF-8 ALL"))
        self.assertIn(b"* SORT 1 2 3", r)  # "Re: Quarterly report" sorts as "Quarterly report"
        r = b"".join(raw.command("THREAD REFERENCES UTF-8 ALL"))
        self.assertRegex(r, rb"\* THREAD \(\d\)\(\d\)\(\d\)|\* THREAD \(1 2\)\(3\)")
        raw.close()
        m.logout()

    def test_imap4rev2_behaviour(self):
        """RFC 9051: after ENABLE IMAP4rev2 SELECT sends no RECENT and LIST data, SEARCH answers
        with ESEARCH, names travel as UTF-8."""
        address = self.account()
        self.deliver(address, message("rev2"))
        raw = RawImap(self.server.host, self.server.port("imap"))
        raw.command(f"LOGIN {address} {PASSWORD}")
        self.assertIn(b"* ENABLED IMAP4rev2", b"".join(raw.command("ENABLE IMAP4rev2")))
        r = b"".join(raw.command("SELECT INBOX"))
        self.assertNotIn(b"RECENT", r)
        self.assertIn(b'* LIST (', r)
        r = b"".join(raw.command("SEARCH ALL"))
        self.assertIn(b'* ESEARCH (TAG "r4") ALL 1', r)
        self.assertIn(b"OK", raw.command('CREATE "Café"')[-1])
        r = b"".join(raw.command('LIST "" "Caf*"'))
        self.assertIn('"Café"'.encode(), r)
        raw.close()

    def test_append_flags_date_and_multiappend(self):
        """RFC 9051 §6.3.12 APPEND with flags and date, RFC 4315 APPENDUID, RFC 3502
        MULTIAPPEND, TRYCREATE for a missing mailbox; bare LF stored as CRLF."""
        address = self.account()
        m = self.login(address)
        body = b"Subject: appended\nFrom: me@example.test\n\nline one\nline two\n"
        typ, data = m.append("Drafts", r"(\Draft $Label)", '"01-Feb-2021 10:20:30 +0100"', body)
        self.assertEqual(typ, "OK")
        self.assertRegex(data[0], rb"APPENDUID \d+ 1")
        m.select("Drafts")
        typ, data = m.fetch("1", "(FLAGS INTERNALDATE BODY.PEEK[])")
        flat = b"".join(x[0] + x[1] if isinstance(x, tuple) else x for x in data)
        self.assertIn(b"\\Draft", flat)
        self.assertIn(b"$Label", flat)
        self.assertIn(b'" 1-Feb-2021 09:20:30 +0000"', flat)  # date-day-fixed
        self.assertIn(b"line one\r\nline two\r\n", flat)
        typ, data = m.append("Missing", None, None, b"Subject: x\r\n\r\ny\r\n")
        self.assertEqual(typ, "NO")
        self.assertIn(b"TRYCREATE", data[0])
        m.logout()
        raw = RawImap(self.server.host, self.server.port("imap"))
        raw.command(f"LOGIN {address} {PASSWORD}")
        one, two = b"Subject: one\r\n\r\n1\r\n", b"Subject: two\r\n\r\n2\r\n"
        raw.send(b"r9 APPEND Sent (\\Seen) {%d+}\r\n%s (\\Seen) {%d+}\r\n%s\r\n" %
                 (len(one), one, len(two), two))
        r = b"".join(raw.response("r9"))
        self.assertRegex(r, rb"r9 OK \[APPENDUID \d+ 1:2\]")
        raw.close()

    def test_literals_and_limits(self):
        """RFC 9051 §7.5: a synchronising literal waits for "+"; an oversized one is refused before
        any of it is read ([TOOBIG]); RFC 7888 LITERAL+."""
        address = self.account()
        raw = RawImap(self.server.host, self.server.port("imap"))
        raw.command(f"LOGIN {address} {PASSWORD}")
        raw.send("a1 APPEND INBOX {4294967296}\r\n")
        line = raw.line()
        self.assertRegex(line, rb"^a1 NO \[TOOBIG\]")
        raw.send("a2 APPEND INBOX {20}\r\n")
        self.assertTrue(raw.line().startswith(b"+"))
        raw.send(b"Subject: s\r\n\r\nbody\r\n\r\n")
        self.assertRegex(b"".join(raw.response("a2")), rb"a2 OK \[APPENDUID")
        r = b"".join(raw.command("SELECT {5+}\r\nINBOX"))
        self.assertIn(b"* 1 EXISTS", r)
        raw.close()

    def test_dropped_connection_mid_append_stores_nothing(self):
        """A connection that dies inside the APPEND literal leaves no message behind."""
        address = self.account()
        raw = RawImap(self.server.host, self.server.port("imap"))
        raw.command(f"LOGIN {address} {PASSWORD}")
        raw.send("a1 APPEND INBOX {100000}\r\n")
        raw.line()
        raw.send(b"Subject: partial\r\n\r\n" + b"x" * 5000)
        raw.close()
        time.sleep(0.3)
        m = self.login(address)
        self.assertEqual(m.select("INBOX")[1], [b"0"])
        m.logout()

    def test_compress_deflate(self):
        """RFC 4978 COMPRESS=DEFLATE: everything after the OK is raw deflate both ways."""
        address = self.account()
        self.deliver(address, message("compressed", "x" * 5000 + "\r\n"))
        raw = RawImap(self.server.host, self.server.port("imap"))
        raw.command(f"LOGIN {address} {PASSWORD}")
        self.assertIn(b"OK", raw.command("COMPRESS DEFLATE")[-1])
        raw.deflate = zlib.compressobj(6, zlib.DEFLATED, -15)
        raw.inflate = zlib.decompressobj(-15)
        r = b"".join(raw.command("SELECT INBOX"))
        self.assertIn(b"* 1 EXISTS", r)
        r = b"".join(raw.command("FETCH 1 BODY.PEEK[TEXT]"))
        self.assertIn(b"x" * 5000, r)
        raw.close()

    # -- concurrency ---------------------------------------------------------------------------
    def test_idle_sees_a_delivery_within_a_second(self):
        """RFC 2177 IDLE: an SMTP delivery shows up as "* N EXISTS" at once."""
        address = self.account()
        self.deliver(address, message("before"))
        raw = RawImap(self.server.host, self.server.port("imap"))
        raw.command(f"LOGIN {address} {PASSWORD}")
        raw.command("SELECT INBOX")
        raw.send("i1 IDLE\r\n")
        self.assertTrue(raw.line().startswith(b"+ "))
        start = time.monotonic()
        self.deliver(address, message("during idle"))
        line = raw.line()
        elapsed = time.monotonic() - start
        self.assertEqual(line, b"* 2 EXISTS\r\n")
        self.assertLess(elapsed, 1.0)
        raw.send("DONE\r\n")
        self.assertIn(b"i1 OK", raw.response("i1")[-1])
        raw.close()

    def test_two_clients_stay_consistent(self):
        """RFC 9051 §7.5.1 / RFC 3501 §5.5: two sessions on one mailbox, with concurrent APPEND,
        STORE and EXPUNGE, each keep a consistent numbering and end with the same view."""
        address = self.account()
        for i in range(10):
            self.deliver(address, message(f"shared {i}"))
        a, b = self.login(address), self.login(address)
        a.select("INBOX")
        b.select("INBOX")
        errors = []

        def worker(client, prefix, n):
            try:
                for i in range(n):
                    client.append("INBOX", None, None, f"Subject: {prefix}{i}\r\n\r\nx\r\n".encode())
                    client.store("1", "+FLAGS", r"(\Seen)")
                    client.store("2", "+FLAGS", r"(\Deleted)")
                    client.expunge()
                    client.noop()
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)

        ta = threading.Thread(target=worker, args=(a, "a", 8))
        tb = threading.Thread(target=worker, args=(b, "b", 8))
        ta.start()
        tb.start()
        ta.join()
        tb.join()
        self.assertEqual(errors, [])

        def view(client):
            client.noop()
            typ, data = client.fetch("1:*", "(UID FLAGS)")
            return [(re.search(rb"^(\d+)", x).group(1), re.search(rb"UID (\d+)", x).group(1))
                    for x in data if x]

        va, vb = view(a), view(b)
        self.assertEqual(va, vb)
        # Sequence numbers are 1..N and UIDs ascend.
        self.assertEqual([int(s) for s, _ in va], list(range(1, len(va) + 1)))
        uids = [int(u) for _, u in va]
        self.assertEqual(uids, sorted(uids))
        c = self.login(address)
        self.assertEqual(c.select("INBOX")[1], [str(len(va)).encode()])
        for client in (a, b, c):
            client.logout()


if __name__ == "__main__":
    unittest.main()
