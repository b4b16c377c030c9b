"""[filter.rspamd]: port 25 hands every message to a real rspamd over rspamd's HTTP protocol
(POST /checkv2, rspamd.com/doc/developers/protocol.html) while its own checks run.

rspamd is Debian's /usr/bin/rspamd, run by the test as bench/filter/compare.py runs it: in the
foreground (-f), on free loopback ports, with a private configuration (network modules off, a
loopback NXDOMAIN resolver) and its own dbdir, rundir and logs. Its compiled Hyperscan
databases are kept between runs in $TMPDIR/facteur-rspamd-hs-<uid>: the first run compiles them
(a minute on a busy machine), later runs start rspamd in a few seconds.

Two daemons share that rspamd: `add` (mode = "add", fail = "open", reject_threshold raised so
that rspamd's points file into Junk rather than refuse) and `replace` (mode = "replace",
fail = "tempfail"). GTUBE (rspamd answers "reject") is refused with 550 5.7.1 by `replace` and
filed in Junk with rspamd's reason by `add`; a plain message is delivered with rspamd's score in
X-Facteur-Reasons. Then rspamd is stopped: `add` still delivers, noting "rspamd unavailable",
and `replace` answers 451 4.7.1."""
import os
import re
import shutil
import signal
import smtplib
import statistics
import subprocess
import tempfile
import time
import unittest

from facteur_harness import (FacteurServer, NxdomainResolver, free_port, token, wait_for_port,
                             wait_until)

RSPAMD = "/usr/bin/rspamd"
PW = "rspamd pw"
USER = "alice@example.test"
# The GTUBE test string (rspamd's gtube module: action "reject").
GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"

# Modules that would reach the network (or need redis): off, as in the filter benchmark.
OFF = ("rbl", "surbl", "fuzzy_check", "asn", "mx_check", "url_redirector", "greylist",
       "ratelimit", "replies", "emails", "dcc", "rspamd_update", "neural", "reputation", "bimi",
       "external_services", "antivirus", "history_redis", "elastic", "clickhouse",
       "metadata_exporter", "dkim_signing", "redis")


class Rspamd:
    """rspamd in the foreground with its own configuration; `port` is its normal worker."""

    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="facteur-rspamd-")
        conf = os.path.join(self.root, "conf")
        local = os.path.join(conf, "local.d")
        for d in (local, os.path.join(conf, "override.d"), self.path("db"), self.path("run"),
                  self.path("log")):
            os.makedirs(d, exist_ok=True)
        hs_cache = os.path.join(tempfile.gettempdir(), f"facteur-rspamd-hs-{os.getuid()}")
        os.makedirs(hs_cache, exist_ok=True)
        self.port = free_port()

        def put(name, text):
            with open(os.path.join(local, name), "w") as f:
                f.write(text)

        put("worker-normal.inc", f'bind_socket = "127.0.0.1:{self.port}";\ncount = 1;\n')
        put("worker-controller.inc", f'bind_socket = "127.0.0.1:{free_port()}";\n')
        put("worker-proxy.inc", f'bind_socket = "127.0.0.1:{free_port()}";\n')
        put("options.inc",
            f'dns {{ nameserver = ["{NxdomainResolver.address()}"]; timeout = 0.5s; }}\n'
            f'hs_cache_dir = "{hs_cache}";\n')
        put("logging.inc", f'type = "file";\nfilename = "{self.path("log/rspamd.log")}";\n'
                           'level = "error";\n')
        put("classifier-bayes.conf", "enabled = false;\n")
        for module in OFF:
            put(f"{module}.conf", "enabled = false;\n")
        self.cmd = [RSPAMD, "-f", "-i", "-c", "/etc/rspamd/rspamd.conf",
                    "--var", f"LOCAL_CONFDIR={conf}", "--var", f"DBDIR={self.path('db')}",
                    "--var", f"RUNDIR={self.path('run')}", "--var", f"LOGDIR={self.path('log')}"]
        if os.getuid() == 0:  # rspamd refuses to run as root unless told to
            self.cmd[2:2] = ["-u", "root", "-g", "root"]
        self.proc = None

    def path(self, name):
        return os.path.join(self.root, name)

    def start(self, timeout=150):
        out = open(self.path("stdout.log"), "w")
        self.proc = subprocess.Popen(self.cmd, stdout=out, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        out.close()
        try:
            wait_for_port("127.0.0.1", self.port, timeout=timeout, proc=self.proc)
        except (RuntimeError, TimeoutError):
            self.stop()
            raise RuntimeError("rspamd did not start:\n" + self.logs())

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None

    def logs(self):
        text = ""
        for name in ("stdout.log", "log/rspamd.log"):
            try:
                with open(self.path(name), errors="replace") as f:
                    text += f.read()[-4000:]
            except OSError:
                pass
        return text

    def cleanup(self):
        self.stop()
        if not os.environ.get("FACTEUR_KEEP"):
            shutil.rmtree(self.root, ignore_errors=True)


def facteur(port, mode, fail, extra_filter=""):
    return FacteurServer(extra_config=(
        f"[filter]\n{extra_filter}"
        f"[filter.rspamd]\nenabled = true\nurl = \"http://127.0.0.1:{port}\"\ntimeout = 3\n"
        f"mode = \"{mode}\"\nfail = \"{fail}\"\n"))


def message(marker, body):
    return (f"From: Bob <bob@example.net>\r\nTo: {USER}\r\nSubject: note {marker}\r\n"
            f"Date: Thu, 26 Nov 2026 10:00:00 +0000\r\nMessage-ID: <{marker}@example.net>\r\n"
            f"\r\n{body}\r\n{marker}\r\n")


def plain(marker):
    return message(marker, "Hi Alice, are we still on for lunch tomorrow? Bob")


def gtube(marker):
    return message(marker, "This is the GTUBE, the Generic Test for Unsolicited Bulk Email\r\n"
                           + GTUBE)


def reasons(raw):
    """X-Facteur-Reasons of a message as bytes, unfolded."""
    m = re.search(rb"^X-Facteur-Reasons:(.*?)\r\n(?![ \t])", raw, re.M | re.S | re.I)
    return re.sub(r"\r\n[ \t]+", " ", m.group(1).decode()) if m else ""


def in_mailbox(server, mailbox, marker):
    m = server.imap(USER, PW)
    try:
        typ, data = m.select(mailbox, readonly=True)
        if typ != "OK" or int(data[0]) == 0:
            return []
        typ, parts = m.fetch("1:*", "(BODY.PEEK[])")
        return [p[1] for p in parts if isinstance(p, tuple) and marker.encode() in p[1]]
    finally:
        m.logout()


@unittest.skipUnless(os.access(RSPAMD, os.X_OK), f"needs rspamd ({RSPAMD}: apt install rspamd)")
class RspamdHandOff(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rspamd = Rspamd()
        cls.servers = []
        try:
            cls.rspamd.start()
            cls.add = facteur(cls.rspamd.port, "add", "open", "reject_threshold = 100.0\n")
            cls.replace = facteur(cls.rspamd.port, "replace", "tempfail")
            for s in (cls.add, cls.replace):
                cls.servers.append(s)
                s.start()
                s.add_user(USER, PW)
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        for s in cls.servers:
            code = s.stop()
            if code != 0:
                print(s.log()[-20000:])
            s.cleanup()
        cls.rspamd.cleanup()

    def dump(self):
        for s in self.servers:
            print(s.log()[-8000:])
        print(self.rspamd.logs())

    def test_1_replace_refuses_gtube(self):
        """rspamd's "reject" is the SMTP answer in replace mode: 550 5.7.1 (RFC 3463 §3.8)."""
        marker = token()
        with self.assertRaises(smtplib.SMTPDataError) as e:
            self.replace.send("bob@example.net", USER, gtube(marker))
        self.assertEqual(e.exception.smtp_code, 550, e.exception)
        self.assertIn(b"5.7.1", e.exception.smtp_error)
        self.assertEqual(in_mailbox(self.replace, "INBOX", marker), [])
        self.assertEqual(in_mailbox(self.replace, "Junk", marker), [])

    def test_2_add_files_gtube_in_junk(self):
        """In add mode rspamd's reject counts as its required score (15) among our reasons:
        above junk_threshold, below the raised reject_threshold, so Junk."""
        marker = token()
        self.add.send("bob@example.net", USER, gtube(marker))
        copy = wait_until(lambda: in_mailbox(self.add, "Junk", marker), timeout=10,
                          what="GTUBE in Junk")[0]
        why = reasons(copy)
        self.assertRegex(why, r"rspamd=15\.0 score=[-0-9.]+ required=15\.0 action=reject")
        self.assertIn("GTUBE", why)
        self.assertEqual(in_mailbox(self.add, "INBOX", marker), [])

    def test_3_plain_message_carries_rspamds_score(self):
        """A plain message goes to INBOX with rspamd's score among the reasons (both modes;
        in replace mode it adds no points)."""
        for server, points in ((self.add, r"-?\d+\.\d"), (self.replace, r"0\.0")):
            marker = token()
            try:
                self.assertEqual(server.send("bob@example.net", USER, plain(marker)), {})
                copy = wait_until(lambda: in_mailbox(server, "INBOX", marker), timeout=10,
                                  what="plain message in INBOX")[0]
            except BaseException:
                self.dump()
                raise
            self.assertRegex(reasons(copy),
                             rf"rspamd={points} score=-?\d+\.\d required=15\.0 action=no action")

    def test_4_latency(self):
        """Not a pass/fail bound: prints what rspamd adds per message (the client's own
        measure, from the daemon's log) next to the whole SMTP transaction."""
        before = len(re.findall(r"rspamd score=.* in ([0-9.]+) ms", self.add.log()))
        total = []
        for _ in range(10):
            start = time.monotonic()
            self.add.send("bob@example.net", USER, plain(token()))
            total.append((time.monotonic() - start) * 1000)
        ms = [float(x) for x in re.findall(r"rspamd score=.* in ([0-9.]+) ms",
                                           self.add.log())][before:]
        self.assertEqual(len(ms), 10)
        print(f"\nrspamd exchange per message: median {statistics.median(ms):.1f} ms, "
              f"max {max(ms):.1f} ms; whole SMTP transaction median "
              f"{statistics.median(total):.1f} ms")

    def test_9_rspamd_stopped(self):
        """fail = "open" delivers on our own verdict and says so; fail = "tempfail" defers."""
        self.rspamd.stop()
        marker = token()
        self.assertEqual(self.add.send("bob@example.net", USER, plain(marker)), {})
        copy = wait_until(lambda: in_mailbox(self.add, "INBOX", marker), timeout=10,
                          what="message in INBOX")[0]
        self.assertIn("rspamd unavailable", reasons(copy))
        with self.assertRaises(smtplib.SMTPDataError) as e:
            self.replace.send("bob@example.net", USER, plain(token()))
        self.assertEqual(e.exception.smtp_code, 451, e.exception)
        self.assertIn(b"4.7.1", e.exception.smtp_error)


if __name__ == "__main__":
    unittest.main()
