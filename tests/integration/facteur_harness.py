"""Starts a real `facteur serve` on free loopback ports for integration tests.

Integration tests talk to it only with clients nobody here wrote (Python's smtplib/poplib/imaplib,
curl, swaks...). The binary comes from $FACTEUR_BIN (set by CTest).
"""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

FACTEUR_BIN = os.environ.get("FACTEUR_BIN", os.path.join(os.getcwd(), "facteur"))
ROLES = ("smtp", "submission", "submissions", "pop3", "pop3s", "imap", "imaps")


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


class FacteurServer:
    """One daemon with its own data directory and config. Use as a context manager."""

    def __init__(self, domains=("example.test",), hostname="mx.example.test", roles=ROLES,
                 extra_config="", host="127.0.0.1", keep=False):
        self.dir = tempfile.mkdtemp(prefix="facteur-it-")
        self.host = host
        self.domains = list(domains)
        self.hostname = hostname
        self.ports = {role: free_port(host) for role in roles}
        self.config_path = os.path.join(self.dir, "facteur.toml")
        self.data_dir = os.path.join(self.dir, "data")
        self.log_path = os.path.join(self.dir, "facteur.log")
        self.keep = keep or bool(os.environ.get("FACTEUR_KEEP"))
        self.proc = None
        self._log = None
        listen = "\n".join(f'{r} = ["{host}:{p}"]' for r, p in self.ports.items())
        domains_toml = ", ".join(f'"{d}"' for d in self.domains)
        with open(self.config_path, "w") as f:
            f.write(f'hostname = "{hostname}"\ndata_dir = "{self.data_dir}"\n'
                    f'domains = [{domains_toml}]\nlog_level = "debug"\n'
                    f'{extra_config}\n[listen]\n{listen}\n')

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self):
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([FACTEUR_BIN, "serve", "--config", self.config_path],
                                     stdout=self._log, stderr=self._log)
        for port in self.ports.values():
            wait_for_port(self.host, port, proc=self.proc)
        return self

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

    def add_user(self, address, password):
        return self.cli("user", "add", address, input=password + "\n")

    def port(self, role):
        return self.ports[role]


class ServerTestCase(unittest.TestCase):
    """A test case with one server for the whole class (set `server_kwargs` to configure it)."""

    server_kwargs = {}
    server = None

    @classmethod
    def setUpClass(cls):
        cls.server = FacteurServer(**cls.server_kwargs)
        try:
            cls.server.start()
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


def have(program):
    return shutil.which(program) is not None
