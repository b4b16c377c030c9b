"""Starts a real `facteur serve` on free loopback ports for integration tests.

Integration tests talk to it only with clients nobody here wrote (Python's smtplib/poplib/imaplib,
curl, swaks...). The binary comes from $FACTEUR_BIN (set by CTest). Each server gets its own
temporary data directory and configuration, so test files can run in parallel (`ctest -j`).
Set FACTEUR_KEEP=1 to keep the directories (and the daemon's log) of a run for debugging.
"""
import os
import poplib
import shutil
import signal
import smtplib
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import unittest
import uuid

FACTEUR_BIN = os.environ.get("FACTEUR_BIN", os.path.join(os.getcwd(), "facteur"))

# Every role the contract names; ROLES are those this build serves (the others are skipped by the
# daemon with a warning, and waiting for them to listen would time out).
ALL_ROLES = ("smtp", "submission", "submissions", "pop3", "pop3s", "imap", "imaps")
ROLES = ("smtp", "pop3", "pop3s", "imap", "imaps")
# With the submission listeners (587 STARTTLS + AUTH, 465 implicit TLS + AUTH).
SUBMISSION_ROLES = ROLES + ("submission", "submissions")

# Debian's interpreter: python3-dkim (dkimpy) is installed for it (PATH may hold another).
SYSTEM_PYTHON = "/usr/bin/python3"

DOMAIN = "example.test"


class NxdomainResolver:
    """A loopback DNS responder that answers every query NXDOMAIN (RFC 1035 §4.1.1, RCODE 3),
    as the internet does for the reserved .test/.example names (RFC 2606) the tests use.
    Daemons get it as their `[dns] servers` unless a test brings its own, so that the SPF and
    DMARC look-ups of port 25 never depend on the machine's resolver or network."""

    _instance = None
    _lock = threading.Lock()

    @classmethod
    def address(cls):
        with cls._lock:
            if cls._instance is None:
                cls._instance = cls()
            return f"127.0.0.1:{cls._instance.port}"

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                query, peer = self.sock.recvfrom(4096)
            except OSError:
                return
            if len(query) < 12 or query[2] & 0x80:  # too short, or a response
                continue
            question_end = 12
            if int.from_bytes(query[4:6], "big") == 1:  # skip QNAME, then QTYPE and QCLASS
                i = 12
                while i < len(query) and query[i] != 0:
                    i += 1 + query[i]
                question_end = min(i + 5, len(query))
            flags = bytes([0x80 | (query[2] & 0x79), 0x80 | 3])  # QR, opcode, RD; RA, NXDOMAIN
            qdcount = b"\x00\x01" if question_end > 12 else b"\x00\x00"
            reply = query[:2] + flags + qdcount + b"\x00" * 6 + query[12:question_end]
            try:
                self.sock.sendto(reply, peer)
            except OSError:
                pass


def free_port(host="127.0.0.1"):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def wait_for_port(host, port, timeout=15.0, proc=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"facteur exited with {proc.returncode} before listening")
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listening on {host}:{port}")


def toml_key(k):
    """A bare key when it can be one, else quoted ("b.test" is not a dotted key in [routes])."""
    k = str(k)
    if k and all(c.isalnum() or c in "_-" for c in k):
        return k
    return toml_value(k)


def toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    s = str(v).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{s}"'


def insecure_tls_context():
    """The daemon uses a self-signed certificate: encrypt, but do not verify."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def token():
    """A unique marker to find one message among others."""
    return "tok-" + uuid.uuid4().hex


class FacteurServer:
    """One daemon with its own data directory and config. Use as a context manager.

    settings: top-level keys (e.g. {"trusted_networks": []});
    sections: {"smtp": {"max_message_size": 10000}, "pop3": {...}};
    extra_config: raw TOML appended after the generated tables (tables only).
    """

    def __init__(self, domains=(DOMAIN,), hostname="mx.example.test", roles=ROLES,
                 settings=None, sections=None, extra_config="", host="127.0.0.1", keep=False,
                 open_files=None):
        self.open_files = open_files  # the daemon's inherited soft RLIMIT_NOFILE (None: ours)
        self.dir = tempfile.mkdtemp(prefix="facteur-it-")
        os.chmod(self.dir, 0o755)  # the daemon may switch to an unprivileged user
        self.host = host
        self.domains = list(domains)
        self.hostname = hostname
        self.roles = tuple(roles)
        self.settings = dict(settings or {})
        self.sections = {k: dict(v) for k, v in (sections or {}).items()}
        self.sections.setdefault("dns", {}).setdefault("servers", [NxdomainResolver.address()])
        self.extra_config = extra_config
        self.config_path = os.path.join(self.dir, "facteur.toml")
        self.data_dir = os.path.join(self.dir, "data")
        self.log_path = os.path.join(self.dir, "facteur.log")
        self.keep = keep or bool(os.environ.get("FACTEUR_KEEP"))
        # Without loopback among the trusted networks, plaintext POP3 logins need STLS first.
        trusted = self.settings.get("trusted_networks", ["127.0.0.0/8"])
        self.pop3_tls = not any(n.startswith("127.") for n in trusted)
        self.proc = None
        self._log = None
        self.ports = {}
        self._pick_ports()

    def _pick_ports(self):
        self.ports = {role: free_port(self.host) for role in self.roles}
        self.write_config()

    def write_config(self):
        top = {"hostname": self.hostname, "data_dir": self.data_dir, "domains": self.domains,
               "log_level": "debug", **self.settings}
        lines = [f"{k} = {toml_value(v)}" for k, v in top.items()]
        lines.append("[listen]")
        lines += [f'{r} = ["{self.host}:{p}"]' for r, p in self.ports.items()]
        for name, table in self.sections.items():
            lines.append(f"[{name}]")
            lines += [f"{toml_key(k)} = {toml_value(v)}" for k, v in table.items()]
        with open(self.config_path, "w") as f:
            f.write("\n".join(lines) + "\n" + self.extra_config + "\n")

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self):
        # Another process may grab a port between free_port() and the daemon's bind: retry with
        # new ports (only before the first start; a restart must keep the addresses).
        for attempt in range(3):
            self._log = open(self.log_path, "ab")
            self.proc = subprocess.Popen([FACTEUR_BIN, "serve", "--config", self.config_path],
                                         stdout=self._log, stderr=self._log,
                                         preexec_fn=(self._limit_open_files
                                                     if self.open_files is not None else None))
            try:
                for port in self.ports.values():
                    wait_for_port(self.host, port, proc=self.proc)
                return self
            except RuntimeError:
                self.proc.wait()
                self.proc = None
                self._log.close()
                if attempt == 2 or "in use" not in self.log():
                    raise
                self._pick_ports()
        return self

    def _limit_open_files(self):
        import resource
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        resource.setrlimit(resource.RLIMIT_NOFILE, (self.open_files, hard))

    def restart(self, timeout=10.0):
        code = self.stop(timeout)
        self.start()
        return code

    def stop(self, timeout=10.0):
        """SIGTERM; returns the exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        self.proc = None
        self._log.close()
        return code

    def kill(self):
        """SIGKILL, as a crash would."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None
            self._log.close()

    def cleanup(self):
        if self.proc is not None:
            self.stop()
        if not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.cleanup()

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    # -- CLI ---------------------------------------------------------------------------------
    def cli(self, *args, input=None, check=True):
        # `facteur user add --config FILE ADDRESS`: the config goes after the command words.
        head = 2 if len(args) >= 2 else len(args)
        argv = [FACTEUR_BIN, *args[:head], "--config", self.config_path, *args[head:]]
        res = subprocess.run(argv, input=input, capture_output=True, text=True, timeout=60)
        if check and res.returncode != 0:
            raise RuntimeError(f"facteur {' '.join(args)} failed ({res.returncode}): {res.stderr}")
        return res

    def add_user(self, address, password, apop=False):
        args = ["user", "add", address] + (["--apop"] if apop else [])
        return self.cli(*args, input=password + "\n")

    def port(self, role):
        return self.ports[role]

    # -- clients -----------------------------------------------------------------------------
    def smtp(self, timeout=30):
        s = smtplib.SMTP(self.host, self.port("smtp"), timeout=timeout)
        s.ehlo("client.example.net")
        return s

    def send(self, sender, recipients, message, **kwargs):
        """Sends one message over SMTP (bytes or str); returns smtplib's refused dict."""
        if isinstance(recipients, str):
            recipients = [recipients]
        with self.smtp() as s:
            return s.sendmail(sender, recipients, message, **kwargs)

    def submit(self, user, password, sender, recipients, message, role="submission",
               timeout=30):
        """Submits one message with smtplib after AUTH: STARTTLS on `submission` (587), implicit
        TLS on `submissions` (465). Returns smtplib's refused dict."""
        if isinstance(recipients, str):
            recipients = [recipients]
        if role == "submissions":
            s = smtplib.SMTP_SSL(self.host, self.port(role), timeout=timeout,
                                 context=insecure_tls_context())
        else:
            s = smtplib.SMTP(self.host, self.port(role), timeout=timeout)
        with s:
            s.ehlo("client.example.net")
            if role != "submissions":
                s.starttls(context=insecure_tls_context())
                s.ehlo("client.example.net")
            s.login(user, password)
            return s.sendmail(sender, recipients, message)

    def queue(self):
        """`facteur queue list` as text."""
        return self.cli("queue", "list").stdout

    def queue_ids(self):
        """Ids of the queued entries, from `facteur queue list`."""
        ids = []
        for line in self.queue().splitlines():
            first = line.split()[0] if line.split() else ""
            if first.isdigit() and "->" in line:
                ids.append(int(first))
        return ids

    def pop3(self, user, password, timeout=30):
        p = poplib.POP3(self.host, self.port("pop3"), timeout=timeout)
        try:
            if self.pop3_tls:
                p.stls(insecure_tls_context())
            p.user(user)
            p.pass_(password)
        except BaseException:
            p.close()
            raise
        return p

    def pop3_login(self, user, password, timeout=30, retry_for=5.0):
        """pop3(), retrying while a just-closed session still holds the maildrop lock."""
        deadline = time.monotonic() + retry_for
        while True:
            try:
                return self.pop3(user, password, timeout)
            except poplib.error_proto as e:
                if b"IN-USE" not in e.args[0] or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def imap(self, user=None, password=None, timeout=30, tls=False):
        """An imaplib client on the imap port (STARTTLS with tls=True), logged in if a user is
        given."""
        import imaplib
        m = imaplib.IMAP4(self.host, self.port("imap"), timeout=timeout)
        try:
            if tls:
                m.starttls(insecure_tls_context())
            if user is not None:
                m.login(user, password)
        except BaseException:
            m.shutdown()
            raise
        return m

    def imaps(self, user=None, password=None, timeout=30):
        import imaplib
        m = imaplib.IMAP4_SSL(self.host, self.port("imaps"), ssl_context=insecure_tls_context(),
                              timeout=timeout)
        if user is not None:
            m.login(user, password)
        return m

    def messages(self, user, password):
        """Every message of the maildrop as bytes, as RETR returns them (un-stuffed, CRLF)."""
        p = self.pop3_login(user, password)
        try:
            count, _ = p.stat()
            return [b"\r\n".join(p.retr(i)[1]) + b"\r\n" for i in range(1, count + 1)]
        finally:
            p.quit()

    def find(self, user, password, marker):
        """The messages of the maildrop that contain marker (str or bytes)."""
        if isinstance(marker, str):
            marker = marker.encode()
        return [m for m in self.messages(user, password) if marker in m]


class ServerTestCase(unittest.TestCase):
    """A test case with one server for the whole class (set `server_kwargs` to configure it,
    `users` to create accounts {address: password} before the tests run)."""

    server_kwargs = {}
    users = {}
    server = None

    @classmethod
    def setUpClass(cls):
        cls.server = FacteurServer(**cls.server_kwargs)
        try:
            cls.server.start()
            for address, password in cls.users.items():
                cls.server.add_user(address, password)
        except Exception:
            print(cls.server.log())
            cls.server.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.server is not None:
            code = cls.server.stop()
            if code != 0:
                print(cls.server.log())
            cls.server.cleanup()
            if code != 0:
                raise AssertionError(f"facteur exited with {code} on SIGTERM")

    def dump_log_on_failure(self):
        """Call from a test's except path (or use run_with_log) to see the daemon's side."""
        print(self.server.log()[-20000:])


def wait_until(predicate, timeout=30.0, interval=0.2, what="condition"):
    """Polls predicate() until it returns something true; returns it, or raises TimeoutError."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(interval)


def have(program):
    return shutil.which(program) is not None


# What the MX adds above the message besides trace fields: sender authentication results
# (RFC 8601) and the filter's verdict.
VERDICT_FIELDS = (b"authentication-results:", b"x-spam-status:", b"x-spam-score:",
                  b"x-facteur-verdict:", b"x-facteur-reasons:")


def split_trace(message):
    """Splits the fields a delivering server adds at the top (Return-Path, Delivered-To, our
    Authentication-Results and verdict fields, Received, with their continuation lines) from
    the rest; returns (trace_bytes, rest)."""
    pos = 0
    names = (b"return-path:", b"delivered-to:", b"received:") + VERDICT_FIELDS
    while pos < len(message):
        end = message.find(b"\r\n", pos)
        if end < 0:
            break
        line = message[pos:end]
        if line[:1] in (b" ", b"\t") and pos > 0:
            pos = end + 2
            continue
        if not line.lower().startswith(names):
            break
        pos = end + 2
    return message[:pos], message[pos:]


def read_reply(f):
    """One SMTP reply (all its lines) from a file object; returns (code, [texts])."""
    texts = []
    while True:
        line = f.readline()
        if not line:
            raise EOFError("connection closed")
        texts.append(line[4:].rstrip(b"\r\n").decode("utf-8", "replace"))
        if line[3:4] != b"-":
            return int(line[:3]), texts
