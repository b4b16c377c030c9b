#!/usr/bin/env python3
"""Facteur against Postfix (SMTP ingest) and Dovecot (POP3 retrieval) on this machine.

Started by bench/run.sh, which installs the packages and builds the tools first; see
docs/benchmarks.md for the method. Everything runs on loopback ports of this machine, in its own
work directory: a second Postfix instance (`postfix -c DIR`), a Dovecot with its own config file
and a Facteur with its own config, each stopped again at the end. The system's own Postfix and
Dovecot configuration is never touched.

Each measurement runs --runs times (default 3), interleaving the servers, and the summary gives
the median with the spread. Every count and every wait is bounded.
"""

import argparse
import datetime
import json
import os
import platform
import pwd
import grp
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH_USER = "fbench"  # owns the Maildirs that Postfix writes and Dovecot reads
DOMAIN = "bench.test"
PASSWORD = "secret"


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


PHASES = {}  # phase name -> seconds spent, to see where a slow run goes


class phase:
    def __init__(self, name):
        self.name = name

    def __enter__(self):
        self.t0 = time.monotonic()

    def __exit__(self, *exc):
        PHASES[self.name] = PHASES.get(self.name, 0.0) + time.monotonic() - self.t0


def run(cmd, check=True, **kw):
    return subprocess.run(cmd, check=check, text=True, **kw)


def port_open(port):
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def wait_port(port, seconds=15):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if port_open(port):
            return True
        time.sleep(0.05)
    return False


def loadavg():
    return os.getloadavg()[0]


def pressure():
    """Linux PSI: share of the last 60 s in which some task waited for CPU / for I/O. High
    values mean other work on the machine competed with the benchmark."""
    out = {}
    for res in ("cpu", "io"):
        try:
            first = open(f"/proc/pressure/{res}").readline().split()
            out[res] = float(dict(kv.split("=") for kv in first[1:])["avg60"])
        except (OSError, KeyError, ValueError, IndexError):
            out[res] = None
    return out


CLK_TCK = os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(root_pid):
    """CPU time (user + system) of a process tree so far, counting reaped children: differences
    of two readings give the CPU that the server spent in between, whatever else the machine
    was doing. Postfix and Dovecot run many short-lived processes; their master reaps them."""
    if not root_pid:
        return 0.0
    parent, stat = {}, {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry)
        parent[pid] = int(fields[1])
        # utime stime cutime cstime
        stat[pid] = sum(int(x) for x in fields[11:15])
    total, todo = 0, [root_pid]
    children = {}
    for pid, ppid in parent.items():
        children.setdefault(ppid, []).append(pid)
    while todo:
        pid = todo.pop()
        total += stat.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total / CLK_TCK


class Tools:
    def __init__(self, build):
        self.facteur = build / "facteur"
        self.smtp_load = build / "bench" / "facteur-smtp-load"
        self.pop3_load = build / "bench" / "facteur-pop3-load"
        for exe in (self.facteur, self.smtp_load, self.pop3_load):
            if not os.access(exe, os.X_OK):
                sys.exit(f"missing {exe}: build it first (bench/run.sh does)")

    def smtp(self, port, connections, messages, size, per_connection, pipelining, rcpt,
             rcpt_count, max_seconds):
        cmd = [str(self.smtp_load), "--port", str(port), "-c", str(connections), "-n",
               str(messages), "-s", str(size), "-k", str(per_connection), "--rcpt", rcpt,
               "--rcpt-count", str(rcpt_count), "--max-seconds", str(max_seconds), "--json"]
        if not pipelining:
            cmd.append("--no-pipelining")
        p = run(cmd, check=False, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        sys.stderr.write(p.stderr)
        if not p.stdout.strip():
            raise RuntimeError(f"facteur-smtp-load printed no result (exit {p.returncode})")
        return json.loads(p.stdout)

    def pop3(self, port, clients, user, expect, pipelining, window, max_seconds):
        cmd = [str(self.pop3_load), "--port", str(port), "-c", str(clients), "--user", user,
               "--password", PASSWORD, "--expect", str(expect), "-w", str(window),
               "--max-seconds", str(max_seconds), "--json"]
        if not pipelining:
            cmd.append("--no-pipelining")
        p = run(cmd, check=False, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        sys.stderr.write(p.stderr)
        if not p.stdout.strip():
            raise RuntimeError(f"facteur-pop3-load printed no result (exit {p.returncode})")
        return json.loads(p.stdout)


class Facteur:
    """A Facteur daemon with its own config and data directory."""

    def __init__(self, tools, work, smtp_port, pop3_port):
        self.tools = tools
        self.dir = work / "facteur"
        self.config = self.dir / "facteur.toml"
        self.data = self.dir / "data"
        self.smtp_port = smtp_port
        self.pop3_port = pop3_port
        self.proc = None

    def fresh(self, users):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir(parents=True)
        self.config.write_text(
            f'hostname = "mx.{DOMAIN}"\n'
            f'data_dir = "{self.data}"\n'
            f'domains = ["{DOMAIN}"]\n'
            'log_level = "info"\n'  # the default: a line per message, as Postfix and Dovecot
            "[listen]\n"
            f'smtp = ["127.0.0.1:{self.smtp_port}"]\n'
            f'pop3 = ["127.0.0.1:{self.pop3_port}"]\n')
        for user in users:
            run([str(self.tools.facteur), "user", "add", "--config", str(self.config),
                 f"{user}@{DOMAIN}"], input=PASSWORD + "\n", stdout=subprocess.DEVNULL)
        self.start()

    def start(self):
        self.log = open(self.dir / "facteur.log", "ab")
        self.proc = subprocess.Popen([str(self.tools.facteur), "serve", "--config",
                                      str(self.config)], stdout=self.log, stderr=self.log)
        if not (wait_port(self.smtp_port) and wait_port(self.pop3_port)):
            raise RuntimeError("facteur did not start; see " + str(self.dir / "facteur.log"))

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.proc = None

    def pid(self):
        return self.proc.pid if self.proc else None

    def assert_alive(self):
        """A daemon that died under load is a finding: raise with the end of its log."""
        if self.proc and self.proc.poll() is not None:
            rc = self.proc.returncode
            self.proc = None
            try:
                lines = (self.dir / "facteur.log").read_text(errors="replace").splitlines()
            except OSError:
                lines = []
            tail = [line for line in lines[-200:] if " info " not in line][-5:]
            raise RuntimeError(f"facteur exited with status {rc} during the run: {tail}")

    def write_bytes(self):
        try:
            for line in open(f"/proc/{self.pid()}/io"):
                if line.startswith("write_bytes:"):
                    return int(line.split()[1])
        except (OSError, TypeError):
            pass
        return 0

    def password_hashes(self):
        """account address -> password hash, so Dovecot can check the very same Argon2id hash."""
        db = sqlite3.connect(f"file:{self.data / 'store.db'}?mode=ro", uri=True, timeout=5)
        try:
            return dict(db.execute("SELECT address, password_hash FROM account"))
        finally:
            db.close()


class Postfix:
    """A second Postfix instance (own config dir, queue, port) delivering to Maildirs."""

    def __init__(self, work, port):
        self.dir = work / "postfix"
        self.etc = self.dir / "etc"
        self.queue = self.dir / "queue"
        self.maildirs = self.dir / "maildirs"
        self.port = port

    def postfix(self, *args, check=True):
        # postfix(1) logs its complaints to syslog only; maillog_file has them too.
        return run(["postfix", "-c", str(self.etc), *args], check=check,
                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    def setup(self, users):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
        for d in (self.etc, self.queue, self.dir / "data", self.maildirs):
            d.mkdir(parents=True)
        shutil.chown(self.dir / "data", "postfix", "postfix")
        os.chmod(self.dir / "data", 0o700)
        shutil.chown(self.maildirs, BENCH_USER, BENCH_USER)
        uid = pwd.getpwnam(BENCH_USER).pw_uid
        gid = grp.getgrnam(BENCH_USER).gr_gid
        # Postfix's defaults except the places, the port, the local domain and the log file.
        # Not changed: fsync of the queue file before 250 (cleanup) and of each Maildir file
        # (virtual), process limits, in_flow_delay, concurrency.
        (self.etc / "main.cf").write_text(f"""\
compatibility_level = 3.6
queue_directory = {self.queue}
data_directory = {self.dir / 'data'}
myhostname = postfix.{DOMAIN}
mydomain = {DOMAIN}
myorigin = $myhostname
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost =
smtp_dns_support_level = disabled
biff = no
alias_maps =
alias_database =
maillog_file = {self.dir / 'postfix.log'}
maillog_file_prefixes = {self.dir}
virtual_mailbox_domains = {DOMAIN}
virtual_mailbox_base = {self.maildirs}
virtual_mailbox_maps = texthash:{self.etc / 'vmailbox'}
virtual_uid_maps = static:{uid}
virtual_gid_maps = static:{gid}
""")
        # Debian's master.cf without chroot (the instance has no chroot jail) and with the
        # SMTP listener on our loopback port.
        services = [
            f"127.0.0.1:{self.port} inet n - n - - smtpd",
            "pickup unix n - n 60 1 pickup",
            "cleanup unix n - n - 0 cleanup",
            "qmgr unix n - n 300 1 qmgr",
            "rewrite unix - - n - - trivial-rewrite",
            "bounce unix - - n - 0 bounce",
            "defer unix - - n - 0 bounce",
            "trace unix - - n - 0 bounce",
            "verify unix - - n - 1 verify",
            "flush unix n - n 1000? 0 flush",
            "proxymap unix - - n - - proxymap",
            "proxywrite unix - - n - 1 proxymap",
            "smtp unix - - n - - smtp",
            "relay unix - - n - - smtp",
            "showq unix n - n - - showq",
            "error unix - - n - - error",
            "retry unix - - n - - error",
            "discard unix - - n - - discard",
            "local unix - n n - - local",
            "virtual unix - n n - - virtual",
            "anvil unix - - n - 1 anvil",
            "scache unix - - n - 1 scache",
            "postlog unix-dgram n - n - 1 postlogd",
        ]
        (self.etc / "master.cf").write_text("\n".join(services) + "\n")
        (self.etc / "vmailbox").write_text(
            "".join(f"{u}@{DOMAIN} {u}/\n" for u in users))
        self.postfix("check")
        out = self.postfix("start", check=False)
        if out.returncode != 0 or not wait_port(self.port):
            raise RuntimeError("postfix did not start: " + out.stdout +
                               self.tail_log())

    def tail_log(self):
        try:
            return "".join((self.dir / "postfix.log").read_text().splitlines(True)[-10:])
        except OSError:
            return ""

    def pid(self):
        try:
            return int((self.queue / "pid" / "master.pid").read_text().strip())
        except (OSError, ValueError):
            return None

    def running(self):
        return (self.queue / "pid" / "master.pid").exists() and self.etc.exists() and \
            self.postfix("status", check=False).returncode == 0

    def stop(self):
        if self.etc.exists() and self.running():
            self.postfix("stop", check=False)

    def clear_maildirs(self):
        for child in self.maildirs.iterdir():
            shutil.rmtree(child)

    def count(self):
        n = 0
        for box in os.scandir(self.maildirs):
            for sub in ("new", "cur"):
                try:
                    n += sum(1 for _ in os.scandir(os.path.join(box.path, sub)))
                except FileNotFoundError:
                    pass
        return n

    def last_delivery_ns(self):
        """When the last file entered a Maildir: the ctime that link() into new/ sets."""
        last = 0
        for box in os.scandir(self.maildirs):
            for sub in ("new", "cur"):
                try:
                    for e in os.scandir(os.path.join(box.path, sub)):
                        last = max(last, e.stat().st_ctime_ns)
                except FileNotFoundError:
                    pass
        return last

    def queue_size(self):
        n = 0
        for sub in ("incoming", "active", "deferred", "hold"):
            for _root, _dirs, files in os.walk(self.queue / sub):
                n += len(files)
        return n

    def wait_drained(self, expected, seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.count() >= expected:
                return True
            time.sleep(0.5)
        return self.count() >= expected


class Dovecot:
    """Dovecot POP3 with its own config file, reading Maildirs under the work directory."""

    def __init__(self, work, port):
        self.dir = work / "dovecot"
        self.conf = self.dir / "dovecot.conf"
        self.maildirs = self.dir / "maildirs"
        self.port = port
        self.proc = None

    def setup(self, hashes):
        self.stop()
        shutil.rmtree(self.dir / "run", ignore_errors=True)
        for d in (self.dir / "run", self.dir / "state", self.maildirs):
            d.mkdir(parents=True, exist_ok=True)
        uid = pwd.getpwnam(BENCH_USER).pw_uid
        gid = grp.getgrnam(BENCH_USER).gr_gid
        lines = []
        for address, h in sorted(hashes.items()):
            scheme = "{ARGON2ID}" if h.startswith("$argon2id$") else "{PLAIN}"
            lines.append(f"{address}:{scheme}{h if scheme == '{ARGON2ID}' else PASSWORD}\n")
        (self.dir / "users").write_text("".join(lines))
        # Defaults except the places, the port, plaintext login on loopback without TLS (as
        # Facteur allows from trusted networks) and POP3 only.
        self.conf.write_text(f"""\
base_dir = {self.dir / 'run'}
state_dir = {self.dir / 'state'}
instance_name = facteur-bench
log_path = {self.dir / 'dovecot.log'}
protocols = pop3
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
mail_location = maildir:{self.maildirs}/%n
first_valid_uid = {uid}
last_valid_uid = {uid}
passdb {{
  driver = passwd-file
  args = username_format=%u {self.dir / 'users'}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={self.maildirs}/%n
}}
service pop3-login {{
  inet_listener pop3 {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener pop3s {{
    port = 0
  }}
}}
""")
        for root, dirs, files in os.walk(self.maildirs):
            for name in dirs + files:
                os.chown(os.path.join(root, name), uid, gid)
        os.chown(self.maildirs, uid, gid)
        self.log = open(self.dir / "dovecot.stdout", "ab")
        self.proc = subprocess.Popen(["dovecot", "-F", "-c", str(self.conf)], stdout=self.log,
                                     stderr=self.log)
        if not wait_port(self.port):
            raise RuntimeError("dovecot did not start; see " + str(self.dir / "dovecot.log"))

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        elif self.proc is None and (self.dir / "run" / "master.pid").exists() and \
                self.conf.exists():
            # Left over from an interrupted run of this driver: stop that instance only.
            run(["dovecot", "-c", str(self.conf), "stop"], check=False,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.proc = None

    def pid(self):
        return self.proc.pid if self.proc else None


def median_spread(values):
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "runs": values}


class Bench:
    def __init__(self, args):
        self.args = args
        self.work = Path(args.work)
        self.tools = Tools(Path(args.build))
        self.results = {"scenarios": []}
        q = 10 if args.quick else 1
        self.smtp_messages = args.smtp_messages // q
        self.smtp_one_messages = args.smtp_one_messages // q
        self.pop3_single = args.pop3_single // q
        self.pop3_each = args.pop3_each // q
        self.facteur = Facteur(self.tools, self.work, args.port_base, args.port_base + 10)
        self.postfix = Postfix(self.work, args.port_base + 1)
        self.dovecot = Dovecot(self.work, args.port_base + 11)
        self.users = [f"u{i:02}" for i in range(1, 21)]

    def machine(self):
        cpu = ""
        try:
            for line in open("/proc/cpuinfo"):
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
        except OSError:
            pass

        def out(cmd):
            try:
                return run(cmd, check=False, stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL).stdout.strip().splitlines()[0]
            except (OSError, IndexError):
                return "?"
        root = Path(__file__).resolve().parent.parent
        return {
            "date": datetime.datetime.now().isoformat(timespec="seconds"),
            "kernel": platform.release(), "cpu": cpu, "cores": os.cpu_count(),
            "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30,
                                1),
            "filesystem": out(["findmnt", "-n", "-o", "FSTYPE,OPTIONS", "--target",
                               str(self.work)]),
            "facteur": out([str(self.tools.facteur), "--version"]) + " " +
            out(["git", "-C", str(root), "rev-parse", "--short", "HEAD"]),
            "postfix": out(["postconf", "-d", "-h", "mail_version"]),
            "dovecot": out(["dovecot", "--version"]),
            "loadavg_start": loadavg(),
            "pressure_start": pressure(),
        }

    # ---------------------------------------------------------------- SMTP

    def smtp_facteur(self, sc):
        with phase("facteur: fresh store and accounts"):
            self.facteur.fresh(self.users)
        with phase("warm-up"):
            self.tools.smtp(self.facteur.smtp_port, sc["connections"], 200, sc["size"],
                            sc["per_connection"], sc["pipelining"], f"u{{:02}}@{DOMAIN}", 20,
                            60)
        with phase("sync"):
            os.sync()
        load = loadavg()
        cpu0, wb0 = tree_cpu_seconds(self.facteur.pid()), self.facteur.write_bytes()
        with phase("facteur: measured SMTP"):
            r = self.tools.smtp(self.facteur.smtp_port, sc["connections"], sc["messages"],
                                sc["size"], sc["per_connection"], sc["pipelining"],
                                f"u{{:02}}@{DOMAIN}", 20, self.args.max_seconds)
        r["server_cpu_s"] = tree_cpu_seconds(self.facteur.pid()) - cpu0
        r["server_write_bytes"] = self.facteur.write_bytes() - wb0
        self.facteur.assert_alive()
        with phase("facteur: stop"):
            self.facteur.stop()
            # Deleted now, its dirty pages are dropped instead of being flushed by the next sync.
            shutil.rmtree(self.facteur.data, ignore_errors=True)
        # The 250 already is durable delivery: the rate is the generator's.
        r["delivered_per_s"] = r["msgs_per_s"] if r["success"] else 0
        r["loadavg"], r["pressure"] = load, pressure()
        return r

    def smtp_postfix(self, sc):
        with phase("postfix: clear Maildirs"):
            self.postfix.clear_maildirs()
        with phase("warm-up"):
            warm = self.tools.smtp(self.postfix.port, sc["connections"], 200, sc["size"],
                                   sc["per_connection"], sc["pipelining"],
                                   f"u{{:02}}@{DOMAIN}", 20, 60)
            self.postfix.wait_drained(warm["ok"], 60)
        base = self.postfix.count()
        with phase("sync"):
            os.sync()
        load = loadavg()
        cpu0 = tree_cpu_seconds(self.postfix.pid())
        with phase("postfix: measured SMTP and drain"):
            r = self.tools.smtp(self.postfix.port, sc["connections"], sc["messages"],
                                sc["size"], sc["per_connection"], sc["pipelining"],
                                f"u{{:02}}@{DOMAIN}", 20, self.args.max_seconds)
            drained = self.postfix.wait_drained(base + r["ok"], max(60, r["seconds"] * 4))
        r["server_cpu_s"] = tree_cpu_seconds(self.postfix.pid()) - cpu0
        r["loadavg"], r["pressure"] = load, pressure()
        r["drained"] = drained
        if not drained:
            r["success"] = False
            r["errors"]["not delivered to the Maildir in time"] = \
                base + r["ok"] - self.postfix.count()
            r["queue_left"] = self.postfix.queue_size()
        last = self.postfix.last_delivery_ns()
        with phase("postfix: clear Maildirs"):
            self.postfix.clear_maildirs()
        r["drain_seconds"] = (last - r["start_unix_ns"]) / 1e9
        r["delivered_per_s"] = r["ok"] / r["drain_seconds"] if drained and r["success"] else 0
        return r

    def smtp_scenarios(self):
        a = self.args
        scenarios = []
        for pipelining in (True, False):
            # Without pipelining, a quarter of the messages, to keep the run within ~10 minutes.
            n = self.smtp_messages if pipelining else self.smtp_messages // 4
            scenarios.append({"name": f"SMTP {a.smtp_clients} clients, "
                                      f"{'pipelining' if pipelining else 'no pipelining'}",
                              "connections": a.smtp_clients, "messages": n,
                              "size": a.size, "per_connection": a.per_connection,
                              "pipelining": pipelining})
        for pipelining in (True, False):
            scenarios.append({"name": f"SMTP 1 client, "
                                      f"{'pipelining' if pipelining else 'no pipelining'}",
                              "connections": 1, "messages": self.smtp_one_messages,
                              "size": a.size, "per_connection": a.per_connection,
                              "pipelining": pipelining})
        return scenarios

    def run_smtp(self):
        self.postfix.setup(self.users)
        for sc in self.smtp_scenarios():
            log(f"{sc['name']}: {sc['messages']} messages of {sc['size']} bytes")
            runs = {"facteur": [], "postfix": []}
            for i in range(self.args.runs):
                runs["facteur"].append(self.smtp_facteur(sc))
                runs["postfix"].append(self.smtp_postfix(sc))
                f, p = runs["facteur"][-1], runs["postfix"][-1]
                log(f"  run {i + 1}: facteur {f['delivered_per_s']:.0f} msg/s delivered; "
                    f"postfix {p['msgs_per_s']:.0f} msg/s accepted, "
                    f"{p['delivered_per_s']:.0f} msg/s delivered (drain {p['drain_seconds']:.2f} s)")
            self.record("smtp", sc, runs, "postfix")
        self.postfix.stop()

    # ---------------------------------------------------------------- POP3

    def pop3_setup(self):
        with phase("pop3: fill maildrops"):
            self.fill_maildrops()

    def fill_maildrops(self):
        """The same messages in both: over SMTP into Facteur, as Maildir files for Dovecot."""
        single, multi = ["s01"], [f"m{i:02}" for i in range(1, 21)]
        with phase("pop3: fresh Facteur, old Maildirs removed"):
            self.facteur.fresh(single + multi)
            shutil.rmtree(self.dovecot.maildirs, ignore_errors=True)
            self.dovecot.maildirs.mkdir(parents=True)
        sets = (("s{:02}", 1, self.pop3_single), ("m{:02}", 20, self.pop3_each * 20))
        with phase("pop3: fill Facteur over SMTP"):
            for pattern, count, n in sets:
                r = self.tools.smtp(self.facteur.smtp_port, 20, n, self.args.size, 100, True,
                                    f"{pattern}@{DOMAIN}", count, self.args.max_seconds)
                self.facteur.assert_alive()
                if not r["success"]:
                    raise RuntimeError("could not fill Facteur's maildrops")
        with phase("pop3: write Maildirs"):
            for pattern, count, n in sets:
                run([str(self.tools.smtp_load), "--write-maildir", str(self.dovecot.maildirs),
                     "-n", str(n), "-s", str(self.args.size), "--rcpt",
                     f"{pattern}@{DOMAIN}", "--rcpt-count", str(count)],
                    stdout=subprocess.DEVNULL)
        with phase("pop3: start Dovecot"):
            self.dovecot.setup(self.facteur.password_hashes())
        # No sync here: POP3 reads from the page cache, and a sync of the 250 MB just written
        # (and whatever else the machine has dirty) costs minutes on a shared disk.

    def pop3_scenarios(self):
        out = []
        for pipelining in (True, False):
            tag = "pipelining" if pipelining else "no pipelining"
            out.append({"name": f"POP3 1 client, {self.pop3_single} messages, {tag}",
                        "clients": 1, "user": f"s{{:02}}@{DOMAIN}", "expect": self.pop3_single,
                        "pipelining": pipelining})
            out.append({"name": f"POP3 20 clients x {self.pop3_each} messages, {tag}",
                        "clients": 20, "user": f"m{{:02}}@{DOMAIN}", "expect": self.pop3_each,
                        "pipelining": pipelining})
        return out

    def run_pop3(self):
        self.pop3_setup()
        servers = {"facteur": (self.facteur.pop3_port, self.facteur.pid),
                   "dovecot": (self.dovecot.port, self.dovecot.pid)}
        for sc in self.pop3_scenarios():
            log(sc["name"])

            def one(port):
                return self.tools.pop3(port, sc["clients"], sc["user"], sc["expect"],
                                       sc["pipelining"], self.args.window, self.args.max_seconds)
            for port, _pid in servers.values():  # warm-up: Dovecot builds its indexes here
                one(port)
            runs = {name: [] for name in servers}
            for i in range(self.args.pop3_runs):
                for name, (port, pid) in servers.items():
                    load, psi = loadavg(), pressure()
                    cpu0 = tree_cpu_seconds(pid())
                    r = one(port)
                    r["server_cpu_s"] = tree_cpu_seconds(pid()) - cpu0
                    self.facteur.assert_alive()
                    r["loadavg"], r["pressure"] = load, psi
                    r["delivered_per_s"] = r["msgs_per_s"] if r["success"] else 0
                    runs[name].append(r)
                log(f"  run {i + 1}: " + ", ".join(
                    f"{n} {runs[n][-1]['msgs_per_s']:.0f} msg/s" for n in servers))
            self.record("pop3", sc, runs, "dovecot")
        self.dovecot.stop()
        self.facteur.stop()

    # ---------------------------------------------------------------- results

    def record(self, kind, sc, runs, other):
        entry = {"kind": kind, "scenario": sc, "runs": runs, "summary": {}}
        for name, rs in runs.items():
            s = {"rate": median_spread([r["delivered_per_s"] for r in rs]),
                 "cpu_ms_per_msg": statistics.median(
                     r["server_cpu_s"] * 1000 / max(r.get("ok", r.get("messages", 0)), 1)
                     for r in rs),
                 "loadavg": statistics.median(r["loadavg"] for r in rs),
                 "success": all(r["success"] for r in rs),
                 "errors": [r["errors"] for r in rs if r["errors"]]}
            if kind == "smtp":
                s["accepted_rate"] = median_spread([r["msgs_per_s"] for r in rs])
                s["p50_ms"] = statistics.median(r["latency_ms"]["p50"] for r in rs)
                s["p99_ms"] = statistics.median(r["latency_ms"]["p99"] for r in rs)
            else:
                s["mb_per_s"] = statistics.median(r["mb_per_s"] for r in rs)
                s["retr_rate"] = statistics.median(r["retr_msgs_per_s"] for r in rs)
                s["login_max_ms"] = statistics.median(r["login_ms"]["max"] for r in rs)
            entry["summary"][name] = s
        f = entry["summary"]["facteur"]["rate"]["median"]
        o = entry["summary"][other]["rate"]["median"]
        entry["ratio"] = f / o if o else None
        # Runs are interleaved, so run i of each server saw about the same machine: the median
        # of the per-run ratios is less sensitive to load that comes and goes.
        pairs = [a["delivered_per_s"] / b["delivered_per_s"]
                 for a, b in zip(runs["facteur"], runs[other]) if b["delivered_per_s"]]
        entry["pair_ratio"] = statistics.median(pairs) if pairs else None
        fc = entry["summary"]["facteur"]["cpu_ms_per_msg"]
        oc = entry["summary"][other]["cpu_ms_per_msg"]
        entry["cpu_ratio"] = oc / fc if fc else None
        self.results["scenarios"].append(entry)

    def summary(self):
        def spread(m):
            if not m["median"]:
                return "0"
            lo = (m["median"] - m["min"]) / m["median"] * 100
            hi = (m["max"] - m["median"]) / m["median"] * 100
            return f"{m['median']:.0f} (-{lo:.0f}%/+{hi:.0f}%)"
        lines = [f"Machine: {self.results['machine']['cpu']}, {self.results['machine']['cores']}"
                 f" cores; {self.results['machine']['facteur']}, Postfix "
                 f"{self.results['machine']['postfix']}, Dovecot "
                 f"{self.results['machine']['dovecot']}", "",
                 "| scenario | Facteur msg/s | other msg/s | ratio | server CPU ms/msg F vs other"
                 " | notes |",
                 "|---|---|---|---|---|---|"]
        for e in self.results["scenarios"]:
            fs = e["summary"]["facteur"]
            other = "postfix" if e["kind"] == "smtp" else "dovecot"
            os_ = e["summary"][other]
            ratio = f"{e['ratio']:.2f}x" if e["ratio"] else "n/a"
            if e.get("pair_ratio"):
                ratio += f" (pairs {e['pair_ratio']:.2f}x)"
            if e["kind"] == "smtp":
                notes = (f"Postfix accepted {os_['accepted_rate']['median']:.0f}/s; p50/p99 ms "
                         f"F {fs['p50_ms']:.1f}/{fs['p99_ms']:.1f}, "
                         f"P {os_['p50_ms']:.1f}/{os_['p99_ms']:.1f}")
            else:
                notes = (f"MB/s F {fs['mb_per_s']:.0f} D {os_['mb_per_s']:.0f}; RETR phase "
                         f"F {fs['retr_rate']:.0f} D {os_['retr_rate']:.0f} msg/s; "
                         f"login max ms F {fs['login_max_ms']:.0f} D {os_['login_max_ms']:.0f}")
            bad = [n for n, s in e["summary"].items() if not s["success"]]
            if bad:
                notes += "; ERRORS in " + ", ".join(bad)
            cpu = "n/a"
            if e["cpu_ratio"]:
                r = e["cpu_ratio"]
                cpu = (f"{fs['cpu_ms_per_msg']:.3f} vs {os_['cpu_ms_per_msg']:.3f} "
                       f"({r:.1f}x less)" if r >= 1 else
                       f"{fs['cpu_ms_per_msg']:.3f} vs {os_['cpu_ms_per_msg']:.3f} "
                       f"({1 / r:.1f}x more)")
            notes += f"; load avg {fs['loadavg']:.1f}"
            lines.append(f"| {e['scenario']['name']} | {spread(fs['rate'])} | "
                         f"{other} {spread(os_['rate'])} | {ratio} | {cpu} | {notes} |")
        lines.append("")
        lines.append("SMTP: Facteur's rate is to the 250 (fsync'd and committed); Postfix's is to "
                     "the last file in the Maildirs (queue drained).")
        lines.append(f"Median of {self.args.runs} (SMTP) / {self.args.pop3_runs} (POP3) runs; "
                     "(-x%/+y%) = distance of the slowest and fastest run from the median; "
                     "pairs = median of the ratios of runs made back to back.")
        m = self.results["machine"]
        lines.append(f"Machine load: load average {m['loadavg_start']:.1f} at the start, "
                     f"{m.get('loadavg_end', 0):.1f} at the end; CPU/IO pressure (PSI avg60) "
                     f"at the start {m['pressure_start']}.")
        return "\n".join(lines)

    def profile(self, out):
        """perf profiles of Facteur under the 20-client SMTP and POP3 loads."""
        if not shutil.which("perf"):
            log("perf not found: no profiles")
            return
        a = self.args
        self.facteur.fresh(self.users)
        for name, load in (
            ("smtp", lambda: self.tools.smtp(self.facteur.smtp_port, a.smtp_clients,
                                             self.smtp_messages, a.size, a.per_connection, True,
                                             f"u{{:02}}@{DOMAIN}", 20, a.max_seconds)),
            ("pop3", lambda: self.tools.pop3(self.facteur.pop3_port, 20, f"u{{:02}}@{DOMAIN}",
                                             0, True, a.window, a.max_seconds)),
        ):
            data = out / f"perf-{name}.data"
            rec = subprocess.Popen(["perf", "record", "-F", "499", "-g", "-o", str(data), "-p",
                                    str(self.facteur.proc.pid)], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
            time.sleep(0.5)
            load()
            rec.send_signal(signal.SIGINT)
            rec.wait(timeout=60)
            with open(out / f"perf-{name}.txt", "w") as f:
                run(["perf", "report", "-i", str(data), "--no-children", "--stdio",
                     "--percent-limit", "0.7", "-g", "none", "--sort", "dso,symbol"],
                    check=False, stdout=f, stderr=subprocess.DEVNULL)
            log(f"profile: {out / f'perf-{name}.txt'}")
        self.facteur.stop()

    def main(self):
        for port in (self.facteur.smtp_port, self.facteur.pop3_port, self.postfix.port,
                     self.dovecot.port):
            if port_open(port):
                sys.exit(f"port {port} is already in use: pick another --port-base")
        self.work.mkdir(parents=True, exist_ok=True)
        os.chmod(self.work, 0o755)
        out = self.work / "results" / time.strftime("%Y%m%d-%H%M%S")
        out.mkdir(parents=True)
        self.results["machine"] = self.machine()
        self.results["parameters"] = vars(self.args)
        started = time.monotonic()
        self.results["failures"] = []
        steps = []
        if self.args.only in (None, "smtp"):
            steps.append(("SMTP", self.run_smtp))
        if self.args.only in (None, "pop3"):
            steps.append(("POP3", self.run_pop3))
        if self.args.profile:
            steps.append(("profile", lambda: self.profile(out)))
        try:
            for name, step in steps:
                try:
                    step()
                except (RuntimeError, OSError, subprocess.SubprocessError, KeyError) as e:
                    # Keep what was measured; a crashed server is a result too.
                    log(f"{name} aborted: {e!r}")
                    self.results["failures"].append(f"{name}: {e!r}")
                    for server in (self.facteur, self.postfix, self.dovecot):
                        server.stop()
        finally:
            self.facteur.stop()
            self.postfix.stop()
            self.dovecot.stop()
        self.results["machine"]["loadavg_end"] = loadavg()
        self.results["phases"] = PHASES
        log("time spent: " + ", ".join(f"{k} {v:.0f} s" for k, v in PHASES.items()))
        self.results["seconds"] = time.monotonic() - started
        (out / "results.json").write_text(json.dumps(self.results, indent=1))
        text = self.summary()
        if self.results["failures"]:
            text += "\nABORTED: " + "; ".join(self.results["failures"])
        (out / "summary.md").write_text(text + "\n")
        print(text)
        log(f"results in {out} ({self.results['seconds']:.0f} s)")
        failed = [e["scenario"]["name"] for e in self.results["scenarios"]
                  if not all(s["success"] for s in e["summary"].values())]
        failed += self.results["failures"]
        if failed:
            log("runs with errors: " + "; ".join(failed))
            return 1
        return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--build", required=True, help="build directory with facteur and bench/")
    p.add_argument("--work", default="/var/tmp/facteur-bench", help="scratch directory")
    p.add_argument("--runs", type=int, default=3, help="runs of each SMTP measurement")
    p.add_argument("--pop3-runs", type=int, default=5, help="runs of each POP3 measurement")
    p.add_argument("--only", choices=["smtp", "pop3"])
    p.add_argument("--quick", action="store_true", help="a tenth of the messages (smoke test)")
    p.add_argument("--profile", action="store_true", help="also record perf profiles")
    p.add_argument("--port-base", type=int, default=12500)
    p.add_argument("--size", type=int, default=10240, help="bytes per message")
    p.add_argument("--smtp-clients", type=int, default=20)
    p.add_argument("--smtp-messages", type=int, default=20000)
    p.add_argument("--smtp-one-messages", type=int, default=1000,
                   help="messages for the one-client SMTP runs")
    p.add_argument("--per-connection", type=int, default=100)
    p.add_argument("--pop3-single", type=int, default=5000)
    p.add_argument("--pop3-each", type=int, default=1000)
    p.add_argument("--window", type=int, default=16, help="POP3 RETRs in flight (pipelining)")
    p.add_argument("--max-seconds", type=int, default=180, help="limit for one load run")
    args = p.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root: it starts Postfix and Dovecot instances")
    return Bench(args).main()


if __name__ == "__main__":
    sys.exit(main())
