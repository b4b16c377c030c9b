"""Real IMAP clients from Debian against the daemon: curl (imap:// with STARTTLS, imaps://),
mbsync from isync (two-way Maildir synchronisation: new mail, flags, moves, expunges) and
fetchmail (download over imaps, and IDLE). Skipped when a client is not installed
(scripts/install-deps installs them)."""
import glob
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from facteur_harness import DOMAIN, ServerTestCase, have, token

PASSWORD = "client-pass-1"


def message(subject, body="Hello from a real client test.\r\n"):
    return (f"From: Bob <bob@remote.test>\r\nTo: someone@{DOMAIN}\r\nSubject: {subject}\r\n"
            f"Message-ID: <{token()}@remote.test>\r\n\r\n{body}")


class ImapClientsTest(ServerTestCase):
    counter = 0

    def account(self):
        ImapClientsTest.counter += 1
        address = f"client{ImapClientsTest.counter}@{DOMAIN}"
        self.server.add_user(address, PASSWORD)
        return address

    def deliver(self, address, msg):
        self.server.send("bob@remote.test", [address], msg)

    def tmpdir(self):
        d = tempfile.mkdtemp(prefix="facteur-imapc-")
        self.addCleanup(shutil.rmtree, d, True)
        return d

    def flags_by_subject(self, address, mailbox="INBOX"):
        m = self.server.imap(address, PASSWORD)
        try:
            typ, data = m.select(f'"{mailbox}"')
            self.assertEqual(typ, "OK", data)
            if data == [b"0"]:
                return {}
            typ, data = m.fetch("1:*", "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
            out = {}
            for item in data:
                if isinstance(item, tuple):
                    flags = re.search(rb"FLAGS \(([^)]*)\)", item[0]).group(1).decode()
                    subject = item[1].decode().split(":", 1)[1].strip()
                    out[subject] = set(flags.split())
            return out
        finally:
            m.logout()

    # -- curl ---------------------------------------------------------------------------------
    @unittest.skipUnless(have("curl"), "curl is not installed")
    def test_curl_list_fetch_search_append(self):
        """curl's IMAP: LIST, FETCH by UID, SEARCH, APPEND (upload), over STARTTLS and imaps."""
        address = self.account()
        marker = token()
        self.deliver(address, message("curl one", f"marker {marker}\r\n"))
        base = f"imap://127.0.0.1:{self.server.port('imap')}"
        common = ["curl", "-sS", "--max-time", "20", "-u", f"{address}:{PASSWORD}"]
        out = subprocess.run(common + [f"{base}/"], capture_output=True, text=True, timeout=30)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn('"Sent"', out.stdout)
        out = subprocess.run(common + ["--ssl-reqd", "-k", f"{base}/INBOX;UID=1"],
                             capture_output=True, text=True, timeout=30)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn(marker, out.stdout)
        out = subprocess.run(common + [f"{base}/INBOX?BODY%20{marker}"], capture_output=True,
                             text=True, timeout=30)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("* SEARCH 1", out.stdout)
        upload = os.path.join(self.tmpdir(), "up.eml")
        with open(upload, "wb") as f:
            f.write(b"Subject: uploaded by curl\r\n\r\nbody\r\n")
        out = subprocess.run(common + ["-T", upload, f"{base}/Drafts"], capture_output=True,
                             text=True, timeout=30)
        self.assertEqual(out.returncode, 0, out.stderr)
        out = subprocess.run(common + ["-k", f"imaps://127.0.0.1:{self.server.port('imaps')}/Drafts;UID=1"],
                             capture_output=True, text=True, timeout=30)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("uploaded by curl", out.stdout)

    # -- mbsync -------------------------------------------------------------------------------
    @unittest.skipUnless(have("mbsync"), "mbsync (isync) is not installed")
    def test_mbsync_synchronises_both_ways(self):
        """mbsync: server mail reaches the Maildir; local flags, new messages, moves and
        deletions reach the server; a second run changes nothing."""
        address = self.account()
        for s in ("alpha", "beta", "gamma", "delta"):
            self.deliver(address, message(s))
        work = self.tmpdir()
        maildir = os.path.join(work, "mail")
        os.makedirs(maildir)
        rc = os.path.join(work, "mbsyncrc")
        with open(rc, "w") as f:
            f.write(f"""IMAPAccount facteur
Host 127.0.0.1
Port {self.server.port('imap')}
User {address}
Pass {PASSWORD}
SSLType None
AuthMechs LOGIN

IMAPStore remote
Account facteur

MaildirStore local
Path {maildir}/
Inbox {maildir}/INBOX
SubFolders Verbatim

Channel sync
Far :remote:
Near :local:
Patterns INBOX Archive
Create Both
Expunge Both
SyncState *
""")

        def run():
            p = subprocess.run(["mbsync", "-c", rc, "-a"], capture_output=True, text=True,
                               timeout=60)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr + self.server.log()[-3000:])
            return p

        run()
        files = glob.glob(os.path.join(maildir, "INBOX", "cur", "*")) + \
            glob.glob(os.path.join(maildir, "INBOX", "new", "*"))
        self.assertEqual(len(files), 4)
        by_subject = {}
        for path in files:
            with open(path, "rb") as fh:
                subject = re.search(rb"Subject: (\w+)", fh.read()).group(1).decode()
            by_subject[subject] = path

        def set_flags(path, flags):
            d = os.path.dirname(os.path.dirname(path))
            base = os.path.basename(path).split(":2,")[0]
            new = os.path.join(d, "cur", f"{base}:2,{flags}")
            os.rename(path, new)
            return new

        set_flags(by_subject["alpha"], "FS")     # flagged + seen
        set_flags(by_subject["beta"], "ST")      # trashed: expunged on the server
        # "gamma" moves to Archive: a new file there, the old one trashed.
        os.makedirs(os.path.join(maildir, "Archive", "cur"), exist_ok=True)
        for sub in ("new", "tmp"):
            os.makedirs(os.path.join(maildir, "Archive", sub), exist_ok=True)
        with open(by_subject["gamma"], "rb") as fh:
            gamma = fh.read()
        with open(os.path.join(maildir, "Archive", "cur", f"{time.time_ns()}.1.host:2,S"), "wb") as fh:
            fh.write(gamma)
        set_flags(by_subject["gamma"], "ST")
        # A message written locally goes up.
        with open(os.path.join(maildir, "INBOX", "new", f"{time.time_ns()}.2.host"), "wb") as fh:
            fh.write(b"From: me@example.test\r\nSubject: epsilon\r\n\r\nlocal\r\n")
        run()
        inbox = self.flags_by_subject(address)
        self.assertEqual(set(inbox), {"alpha", "delta", "epsilon"})
        self.assertEqual(inbox["alpha"], {"\\Flagged", "\\Seen"})
        archive = self.flags_by_subject(address, "Archive")
        self.assertEqual(set(archive), {"gamma"})
        # Server-side changes come down: a flag set by another client, a new delivery.
        m = self.server.imap(address, PASSWORD)
        m.select("INBOX")
        typ, data = m.search(None, "SUBJECT", "delta")
        m.store(data[0].decode(), "+FLAGS", r"(\Answered)")
        m.logout()
        self.deliver(address, message("zeta"))
        run()
        names = [os.path.basename(p) for p in glob.glob(os.path.join(maildir, "INBOX", "*", "*"))]
        self.assertEqual(len(names), 4)
        self.assertEqual(sum(1 for n in names if n.endswith(",R") or ",R" in n.split(":2")[-1]), 1)
        # Nothing left to do.
        before = sorted(glob.glob(os.path.join(maildir, "*", "*", "*")))
        run()
        self.assertEqual(sorted(glob.glob(os.path.join(maildir, "*", "*", "*"))), before)

    # -- fetchmail ----------------------------------------------------------------------------
    def fetchmail_rc(self, work, address, extra=""):
        rc = os.path.join(work, "fetchmailrc")
        out = os.path.join(work, "out")
        os.makedirs(out, exist_ok=True)
        with open(rc, "w") as f:
            f.write(f"""set no bouncemail
poll 127.0.0.1 service {self.server.port('imaps')} protocol IMAP auth password
  user "{address}" password "{PASSWORD}" is root here
  ssl no sslcertck
  mda "/bin/sh -c 'cat > $(mktemp -p {out} msg.XXXXXX)'"
  {extra}
""")
        os.chmod(rc, 0o600)
        return rc, out

    def fetchmail_env(self, work):
        return dict(os.environ, HOME=work, FETCHMAILHOME=work)

    @unittest.skipUnless(have("fetchmail"), "fetchmail is not installed")
    def test_fetchmail_downloads_over_imaps(self):
        """fetchmail: new messages are downloaded over imaps and marked \\Seen (kept)."""
        address = self.account()
        for s in ("one", "two"):
            self.deliver(address, message(s))
        work = self.tmpdir()
        rc, out = self.fetchmail_rc(work, address, "keep")
        p = subprocess.run(["fetchmail", "-f", rc, "--nosyslog", "-v"], capture_output=True,
                           text=True, timeout=60, env=self.fetchmail_env(work))
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(len(os.listdir(out)), 2)
        flags = self.flags_by_subject(address)
        self.assertEqual(flags, {"one": {"\\Seen"}, "two": {"\\Seen"}})
        # Nothing new: fetchmail exits 1 ("no mail").
        p = subprocess.run(["fetchmail", "-f", rc, "--nosyslog"], capture_output=True, text=True,
                           timeout=60, env=self.fetchmail_env(work))
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)

    @unittest.skipUnless(have("fetchmail"), "fetchmail is not installed")
    def test_fetchmail_idle_picks_up_a_delivery(self):
        """fetchmail --idle (RFC 2177): a message delivered while it idles is fetched at once."""
        address = self.account()
        work = self.tmpdir()
        rc, out = self.fetchmail_rc(work, address, "keep idle")
        proc = subprocess.Popen(["fetchmail", "-f", rc, "--nosyslog", "-d", "300", "-N", "-v"],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                env=self.fetchmail_env(work))
        try:
            deadline = time.monotonic() + 15
            log = b""
            # Wait until it idles (its verbose log shows the IDLE command).
            os.set_blocking(proc.stdout.fileno(), False)
            while b"IDLE" not in log and time.monotonic() < deadline:
                log += proc.stdout.read() or b""
                time.sleep(0.05)
            self.assertIn(b"IDLE", log)
            self.deliver(address, message("while idling"))
            deadline = time.monotonic() + 10
            while not os.listdir(out) and time.monotonic() < deadline:
                time.sleep(0.05)
            self.assertEqual(len(os.listdir(out)), 1)
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            proc.stdout.close()


if __name__ == "__main__":
    unittest.main()
