"""Facteur's IMAP server against Dovecot (Debian's dovecot-imapd, Maildir) on this machine.

The same N messages (SpamAssassin ham and spam from ../shared/corpora, repeated, read at run
time) go into both: over SMTP into Facteur, as Maildir files for Dovecot. Then, for each server
on the same run: SELECT, FETCH 1:* (FLAGS ENVELOPE BODYSTRUCTURE), UID SEARCH TEXT "word",
FETCH BODY.PEEK[] of 1,000 messages (median of --repeat runs after a warm-up pass), the time
from a delivery to "* N EXISTS" in an idling client, and the memory of many idle IDLE
connections. Everything listens on 127.0.0.1 only; every step is bounded in time.

Writes results.json and summary.md under --out and prints the summary."""
import argparse
import glob
import grp
import imaplib
import json
import os
import pwd
import shutil
import signal
import smtplib
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

BENCH_USER = "fbench"
PASSWORD = "bench-password-1"
DOMAIN = "bench.test"


def wait_port(port, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def corpus_messages(corpora, n):
    files = sorted(glob.glob(str(corpora / "spamassassin" / "*" / "*" / "*")))
    if not files:
        sys.exit(f"no SpamAssassin corpus under {corpora}")
    out = []
    for path in files:
        data = Path(path).read_bytes()
        if data.startswith(b"From "):  # mbox envelope line
            data = data.split(b"\n", 1)[1] if b"\n" in data else b""
        out.append(data.replace(b"\r", b""))  # LF line ends; stray CRs dropped
    return [out[i % len(out)] for i in range(n)]


def memory_kb(pids):
    """Resident (sum of RSS) and proportional (PSS: shared pages split) memory of pids."""
    rss = pss = 0
    for pid in pids:
        try:
            for line in open(f"/proc/{pid}/smaps_rollup"):
                if line.startswith("Rss:"):
                    rss += int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1])
        except OSError:
            pass
    return {"rss": rss, "pss": pss, "processes": len(pids)}


def dovecot_pids():
    out = subprocess.run(["pgrep", "-f", "dovecot|imap"], capture_output=True, text=True).stdout
    pids = []
    for p in out.split():
        try:
            exe = os.readlink(f"/proc/{p}/exe")
        except OSError:
            continue
        if "dovecot" in exe:
            pids.append(int(p))
    return pids


class Facteur:
    def __init__(self, build, work, ports):
        self.bin = build / "facteur"
        self.dir = work / "facteur"
        self.ports = ports
        self.proc = None

    def loaded(self, n):
        """With --reuse: the data of an earlier run with the same messages (a store of an older
        schema is migrated in place when the new binary opens it)."""
        marker = self.dir / "loaded"
        return marker.exists() and marker.read_text().strip() == str(n)

    def start(self, reuse=False):
        if reuse:
            self.conf = self.dir / "facteur.toml"
            self.launch()
            return
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir(parents=True)
        os.chmod(self.dir, 0o755)
        self.conf = self.dir / "facteur.toml"
        self.conf.write_text(f"""hostname = "mx.{DOMAIN}"
data_dir = "{self.dir / 'data'}"
domains = ["{DOMAIN}"]
log_level = "warn"
[listen]
smtp = ["127.0.0.1:{self.ports['smtp']}"]
imap = ["127.0.0.1:{self.ports['imap']}"]
imaps = ["127.0.0.1:{self.ports['imaps']}"]
[filter]
enabled = false  # every message in INBOX, as in Dovecot's Maildir (the filter files spam in Junk)
""")
        for user in ("bench", "idle"):
            subprocess.run([str(self.bin), "user", "add", "--config", str(self.conf),
                            f"{user}@{DOMAIN}"], input=PASSWORD + "\n", text=True, check=True,
                           capture_output=True)
        self.launch()

    def launch(self):
        self.log = open(self.dir / "facteur.log", "ab")
        self.proc = subprocess.Popen([str(self.bin), "serve", "--config", str(self.conf)],
                                     stdout=self.log, stderr=self.log)
        for p in self.ports.values():
            if not wait_port(p):
                raise RuntimeError("facteur did not start")

    def load(self, messages, threads=4):
        def worker(chunk):
            s = smtplib.SMTP("127.0.0.1", self.ports["smtp"], timeout=120)
            for m in chunk:
                s.sendmail(f"sender@remote.test", [f"bench@{DOMAIN}"], m)
            s.quit()
        chunks = [messages[i::threads] for i in range(threads)]
        ts = [threading.Thread(target=worker, args=(c,)) for c in chunks]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        for i in range(5):  # a few messages in the idle account
            s = smtplib.SMTP("127.0.0.1", self.ports["smtp"], timeout=60)
            s.sendmail("sender@remote.test", [f"idle@{DOMAIN}"], messages[i])
            s.quit()
        (self.dir / "loaded").write_text(str(len(messages)))

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=30)

    def restart(self):
        """Same data, fresh process: memory is then measured from a clean heap."""
        self.stop()
        self.proc = subprocess.Popen([str(self.bin), "serve", "--config", str(self.conf)],
                                     stdout=self.log, stderr=self.log)
        for p in self.ports.values():
            if not wait_port(p):
                raise RuntimeError("facteur did not restart")


class Dovecot:
    def __init__(self, work, port):
        self.dir = work / "dovecot"
        self.port = port
        self.proc = None

    def loaded(self, n):
        marker = self.dir / "loaded"
        return marker.exists() and marker.read_text().strip() == str(n)

    def start(self, messages, hibernate=False, reuse=False):
        if reuse:
            self.uid = pwd.getpwnam(BENCH_USER).pw_uid
            self.gid = grp.getgrnam(BENCH_USER).gr_gid
            self.idle_maildir = self.dir / "maildirs" / f"idle@{DOMAIN}"
            self.configure(hibernate)
            self.launch()
            return
        shutil.rmtree(self.dir, ignore_errors=True)
        for d in ("run", "state", "maildirs"):
            (self.dir / d).mkdir(parents=True)
        uid = pwd.getpwnam(BENCH_USER).pw_uid
        gid = grp.getgrnam(BENCH_USER).gr_gid
        (self.dir / "users").write_text(
            "".join(f"{u}@{DOMAIN}:{{PLAIN}}{PASSWORD}\n" for u in ("bench", "idle")))
        maildirs = self.dir / "maildirs"
        for user, msgs in (("bench", messages), ("idle", messages[:5])):
            root = maildirs / f"{user}@{DOMAIN}"
            for sub in ("cur", "new", "tmp"):
                (root / sub).mkdir(parents=True)
            t = int(time.time())
            for i, m in enumerate(msgs):
                (root / "cur" / f"{t}.M{i}P1.bench,S={len(m)}:2,").write_bytes(m)
        self.idle_maildir = maildirs / f"idle@{DOMAIN}"
        self.uid, self.gid = uid, gid
        self.configure(hibernate)
        for root, dirs, files in os.walk(self.dir):
            for name in dirs + files:
                os.chown(os.path.join(root, name), uid, gid)
        (self.dir / "loaded").write_text(str(len(messages)))
        self.launch()

    def configure(self, hibernate):
        """Writes dovecot.conf; with hibernate, IDLE connections move to imap-hibernate after
        a second (the documented setup: imap-master reachable by the internal user)."""
        maildirs = self.dir / "maildirs"
        uid, gid = self.uid, self.gid
        # Dovecot's own default for service imap is process_limit = 1024 (one process per
        # logged-in client), which default_process_limit does not override: beyond it the
        # 1,025th client is dropped right after its login.
        imap_service = "  process_limit = 20000\n"
        extra = ""
        if hibernate:
            imap_service += """\
  unix_listener imap-master {
    user = $default_internal_user
  }
  extra_groups = $default_internal_group
"""
            extra = """\
imap_hibernate_timeout = 1s
service imap-hibernate {
  unix_listener imap-hibernate {
    mode = 0660
    group = $default_internal_group
  }
  client_limit = 40000
}
"""
        self.hibernate = hibernate
        # Defaults, except the places, plaintext logins on loopback without TLS (as Facteur allows
        # from trusted networks), and the limits raised for many connections of one user.
        (self.dir / "dovecot.conf").write_text(f"""\
base_dir = {self.dir / 'run'}
state_dir = {self.dir / 'state'}
instance_name = facteur-imap-bench
log_path = {self.dir / 'dovecot.log'}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain scram-sha-256
mail_location = maildir:{maildirs}/%u
first_valid_uid = {uid}
last_valid_uid = {uid}
mail_max_userip_connections = 100000
default_process_limit = 20000
default_client_limit = 40000
passdb {{
  driver = passwd-file
  args = username_format=%u {self.dir / 'users'}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={maildirs}/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  service_count = 0
  process_min_avail = 2
}}
service imap {{
{imap_service}}}
service anvil {{
  client_limit = 40100
}}
""" + extra)

    def launch(self):
        self.log = open(self.dir / "dovecot.stdout", "ab")
        self.proc = subprocess.Popen(["dovecot", "-F", "-c", str(self.dir / "dovecot.conf")],
                                     stdout=self.log, stderr=self.log)
        if not wait_port(self.port):
            raise RuntimeError("dovecot did not start: see " + str(self.dir / "dovecot.log"))

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def restart(self, hibernate):
        """Same Maildirs (and index files), another configuration, fresh processes."""
        self.stop()
        self.configure(hibernate)
        self.launch()


def tool(args, *argv, timeout=1800):
    p = subprocess.run([str(args.tool), *map(str, argv)], capture_output=True, text=True,
                       timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError(f"facteur-imap-bench {' '.join(map(str, argv[:6]))}: {p.stderr}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def idle_memory(args, port, n, measure, tls=False):
    """Opens n IDLE connections; returns the memory before and while they are held."""
    users = args.work / "idle-users"
    users.write_text(f"idle@{DOMAIN}:{PASSWORD}\n")
    argv = [str(args.tool), "--port", port, "--scram", "--max-seconds", 900]
    if tls:
        argv.append("--tls")
    argv += ["idle-conns", "--users", users, "--connections", n, "--hold", 5]
    time.sleep(1)
    before = measure()
    proc = subprocess.Popen(list(map(str, argv)), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if not line.startswith("ready"):
        proc.kill()
        raise RuntimeError("idle-conns failed: " + proc.stderr.read())
    time.sleep(2)
    after = measure()
    out, err = proc.communicate(timeout=120)
    info = json.loads(out.strip().splitlines()[-1]) if out.strip() else {}
    if err.strip():
        print(err.strip(), file=sys.stderr)
    return {"connections": int(line.split()[1]), "before_kb": before, "after_kb": after,
            "retries": info.get("retries", 0), "setup_seconds": info.get("setup_seconds")}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", type=Path, required=True)
    ap.add_argument("--corpora", type=Path, required=True)
    ap.add_argument("--work", type=Path, default=Path("/var/tmp/facteur-imap-bench"))
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--messages", type=int, default=20000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--idle-connections", type=int, default=10000)
    ap.add_argument("--dovecot-idle-connections", type=int, default=2000)
    ap.add_argument("--tls-idle-connections", type=int, default=2000)
    ap.add_argument("--dovecot-hibernate-idle-connections", type=int, default=10000)
    ap.add_argument("--no-hibernate", dest="hibernate", action="store_false",
                    help="skip the Dovecot run with imap-hibernate")
    ap.add_argument("--word", default="investment")
    ap.add_argument("--port-base", type=int, default=24000)
    ap.add_argument("--reuse", action="store_true",
                    help="keep the loaded messages of an earlier run with the same --messages "
                         "and --work (Facteur's store is opened, and migrated, by --build's binary)")
    ap.add_argument("--only-time", action="store_true",
                    help="only the command timings (no IDLE latency, no idle memory)")
    args = ap.parse_args()
    args.tool = args.build / "bench" / "imap" / "facteur-imap-bench"
    args.work.mkdir(parents=True, exist_ok=True)
    args.out.mkdir(parents=True, exist_ok=True)
    ports = {"smtp": args.port_base + 25, "imap": args.port_base + 143,
             "imaps": args.port_base + 993}
    dovecot_port = args.port_base + 1143

    messages = corpus_messages(args.corpora, args.messages)
    crlf = [m.replace(b"\n", b"\r\n") for m in messages]
    results = {"messages": len(messages), "bytes": sum(len(m) for m in messages),
               "word": args.word, "servers": {}}
    results["load_before"] = open("/proc/loadavg").read().split()[:3]
    facteur, dovecot = Facteur(args.build, args.work, ports), Dovecot(args.work, dovecot_port)
    try:
        t = time.monotonic()
        if args.reuse and facteur.loaded(len(crlf)):
            facteur.start(reuse=True)
        else:
            facteur.start()
            facteur.load(crlf)
            results["facteur_load_seconds"] = time.monotonic() - t
        dovecot.start(messages, reuse=args.reuse and dovecot.loaded(len(messages)))
        commands = ["SELECT INBOX", "FETCH 1:* (FLAGS ENVELOPE BODYSTRUCTURE)",
                    f'UID SEARCH TEXT "{args.word}"',
                    f"FETCH 1:{min(1000, len(messages))} BODY.PEEK[]"]
        for name, port in (("facteur", ports["imap"]), ("dovecot", dovecot_port)):
            # Both must hold every message in INBOX (Facteur's filter could file some in Junk).
            with imaplib.IMAP4("127.0.0.1", port, timeout=120) as c:
                c.login(f"bench@{DOMAIN}", PASSWORD)
                typ, data = c.status("INBOX", "(MESSAGES)")
                count = int(data[0].decode().rsplit("MESSAGES", 1)[1].strip(" )"))
                results.setdefault("inbox_messages", {})[name] = count
                if count != len(messages):
                    print(f"warning: {name} has {count} messages in INBOX, not {len(messages)}",
                          file=sys.stderr)
            common = ["--port", port, "--user", f"bench@{DOMAIN}", "--pass", PASSWORD]
            tool(args, *common, "time", "--repeat", 1,
                 *sum((["--command", c] for c in commands), []))  # warm-up: caches, indexes
            timing = tool(args, *common, "time", "--repeat", args.repeat,
                          *sum((["--command", c] for c in commands), []))
            results["servers"][name] = {"time": timing["commands"]}
        if args.only_time:
            raise StopIteration
        # IDLE latency: Facteur gets the message over SMTP, Dovecot as a Maildir file.
        results["servers"]["facteur"]["idle"] = tool(
            args, "--port", ports["imap"], "--user", f"idle@{DOMAIN}", "--pass", PASSWORD,
            "idle-latency", "--deliver", f"smtp:{ports['smtp']}:idle@{DOMAIN}", "--samples", 50)
        results["servers"]["dovecot"]["idle"] = tool(
            args, "--port", dovecot_port, "--user", f"idle@{DOMAIN}", "--pass", PASSWORD,
            "idle-latency", "--deliver", f"maildir:{dovecot.idle_maildir}", "--samples", 50)
        # Memory of idle connections, from a fresh process (a clean heap).
        facteur.restart()
        results["servers"]["facteur"]["idle_memory"] = idle_memory(
            args, ports["imap"], args.idle_connections, lambda: memory_kb([facteur.proc.pid]))
        facteur.restart()
        results["servers"]["facteur"]["idle_memory_tls"] = idle_memory(
            args, ports["imaps"], args.tls_idle_connections, lambda: memory_kb([facteur.proc.pid]),
            tls=True)
        results["servers"]["dovecot"]["idle_memory"] = idle_memory(
            args, dovecot_port, args.dovecot_idle_connections, lambda: memory_kb(dovecot_pids()))
        if args.hibernate:
            # Dovecot's answer to idle connections: IDLE sessions handed to one imap-hibernate
            # process after imap_hibernate_timeout (1 s here).
            dovecot.restart(hibernate=True)
            hib = results["servers"]["dovecot_hibernate"] = {}
            hib["idle"] = tool(
                args, "--port", dovecot_port, "--user", f"idle@{DOMAIN}", "--pass", PASSWORD,
                "idle-latency", "--deliver", f"maildir:{dovecot.idle_maildir}", "--samples", 20,
                "--settle", 1.5)
            hib["idle_memory"] = idle_memory(args, dovecot_port,
                                             args.dovecot_hibernate_idle_connections,
                                             lambda: memory_kb(dovecot_pids()))
    except StopIteration:
        pass
    except Exception as e:  # keep what was measured; the summary says what is missing
        results["error"] = str(e)
        print(f"benchmark step failed: {e}", file=sys.stderr)
    finally:
        facteur.stop()
        dovecot.stop()
    results["load_after"] = open("/proc/loadavg").read().split()[:3]
    (args.out / "results.json").write_text(json.dumps(results, indent=2))
    summary = summarize(results)
    (args.out / "summary.md").write_text(summary)
    print(summary)


def per_conn_kb(m, kind):
    """Facteur is one process: its RSS. Dovecot forks: PSS, so shared pages count once."""
    return (m["after_kb"][kind] - m["before_kb"][kind]) / max(1, m["connections"])


def summarize(r):
    f, d = r["servers"]["facteur"], r["servers"]["dovecot"]
    h = r["servers"].get("dovecot_hibernate")
    lines = [f"{r['messages']} messages ({r['bytes'] / 1e6:.0f} MB), median of the timed runs; "
             f"load average {r.get('load_before', '?')} before, {r.get('load_after', '?')} after",
             "", "| operation | Facteur | Dovecot | Dovecot / Facteur |", "|---|---|---|---|"]
    for fe, de in zip(f.get("time", []), d.get("time", [])):
        ratio = de["median"] / fe["median"] if fe["median"] else float("nan")
        lines.append(f"| `{fe['command']}` | {fe['median'] * 1e3:.1f} ms | "
                     f"{de['median'] * 1e3:.1f} ms | {ratio:.2f}x |")
    if "error" in r:
        lines.append(f"| (run stopped: {r['error'][:200]}) | | | |")
    if "idle" not in f or "idle" not in d:
        return "\n".join(lines) + "\n"
    fi, di = f["idle"]["accepted_to_exists_ms"], d["idle"]["accepted_to_exists_ms"]
    hib = ""
    if h and "idle" in h:
        hi = h["idle"]["accepted_to_exists_ms"]
        hib = f"; imap-hibernate {hi['p50']:.2f} / {hi['p90']:.2f} ms"
    lines.append(f"| delivery -> `* N EXISTS`, p50 / p90 (Facteur: from the SMTP 250; Dovecot: "
                 f"from the Maildir rename) | {fi['p50']:.2f} / {fi['p90']:.2f} ms | "
                 f"{di['p50']:.2f} / {di['p90']:.2f} ms{hib} | "
                 f"{di['p50'] / fi['p50'] if fi['p50'] else float('nan'):.1f}x |")
    fd = f["idle"]["dot_to_exists_ms"]
    lines.append(f"| Facteur: from the end of DATA (incl. the durable commit) to `* N EXISTS`, "
                 f"p50 / p90 | {fd['p50']:.2f} / {fd['p90']:.2f} ms | | "
                 f"{di['p50'] / fd['p50'] if fd['p50'] else float('nan'):.1f}x |")
    if "idle_memory" not in f or "idle_memory" not in d:
        return "\n".join(lines) + "\n"
    fm, dm = f["idle_memory"], d["idle_memory"]
    per, dper = per_conn_kb(fm, "rss"), per_conn_kb(dm, "pss")
    hib = ""
    if h and "idle_memory" in h:
        hm = h["idle_memory"]
        hib = f"; imap-hibernate {per_conn_kb(hm, 'pss'):.1f} KB ({hm['connections']} conns)"
    lines.append(f"| memory per idle IDLE connection (Facteur RSS, Dovecot PSS of all its "
                 f"processes) | {per:.1f} KB ({fm['connections']} conns) | {dper:.1f} KB "
                 f"({dm['connections']} conns; RSS {per_conn_kb(dm, 'rss'):.0f} KB){hib} | "
                 f"{dper / per if per > 0 else float('nan'):.0f}x |")
    if "idle_memory_tls" in f:
        tm = f["idle_memory_tls"]
        lines.append(f"| memory per idle IDLE connection, implicit TLS | {per_conn_kb(tm, 'rss'):.1f} KB "
                     f"({tm['connections']} conns) | | |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
