#!/usr/bin/env python3
"""SpamAssassin 4.0 and rspamd 3.4 on the same data as facteur-filter-bench.

Each is trained on the train parts of ../shared/corpora (ham = SpamAssassin ham; spam =
SpamAssassin spam, Nazario phishing, 419 scams and hoaxes: neither tool has those labels) and
then classifies the test parts, one message at a time over its own protocol (SPAMC to spamd,
HTTP to rspamd's normal worker), network tests off. Prints a Markdown table and writes JSON.
Started by bench/filter/run.sh, which installs the packages.
"""
import argparse
import json
import mailbox
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

PARTS = [  # label, train, test
    ("ham", "spamassassin/train/ham", "spamassassin/test/ham"),
    ("spam", "spamassassin/train/spam", "spamassassin/test/spam"),
    ("phishing", "nazario-phishing/train.mbox", "nazario-phishing/test.mbox"),
    ("scam", "scam-419/train", "scam-419/test"),
    ("hoax", "hoax/train", "hoax/test"),
]


def messages(path):
    """Raw bytes of every message under path (a directory of files or an mbox)."""
    if os.path.isdir(path):
        for name in sorted(os.listdir(path)):
            if name.startswith(".") or name.endswith(".tsv") or name.upper().startswith("LICENSE"):
                continue
            with open(os.path.join(path, name), "rb") as f:
                yield f.read()
    else:
        for msg in mailbox.mbox(path):
            yield msg.as_bytes()


def write_set(corpora, out, which):
    """Writes the train or test part as one .eml file per message; returns {label: dir}."""
    dirs = {}
    for label, train, test in PARTS:
        d = os.path.join(out, which, label)
        os.makedirs(d, exist_ok=True)
        for i, m in enumerate(messages(os.path.join(corpora, train if which == "train" else test))):
            with open(os.path.join(d, f"{i:05}.eml"), "wb") as f:
                f.write(m)
        dirs[label] = d
    return dirs


def files(d):
    return [os.path.join(d, n) for n in sorted(os.listdir(d))]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, timeout=120):
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.5)
    return False


def metrics(results):
    """results: list of (truth, flagged)."""
    out = {}
    for label, _, _ in PARTS:
        rows = [f for t, f in results if t == label]
        if rows:
            out[label] = {"messages": len(rows), "flagged": sum(rows),
                          "flagged_pct": 100.0 * sum(rows) / len(rows)}
    return out


# ---------------------------------------------------------------- SpamAssassin

def spamc_check(port, data):
    """One SPAMC CHECK; returns (is_spam, score)."""
    with socket.create_connection(("127.0.0.1", port), timeout=120) as s:
        s.sendall(b"CHECK SPAMC/1.5\r\nContent-length: %d\r\n\r\n" % len(data) + data)
        s.shutdown(socket.SHUT_WR)
        reply = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            reply += chunk
    for line in reply.split(b"\r\n"):
        if line.startswith(b"Spam:"):
            # "Spam: True ; 15.3 / 5.0"
            verdict, _, rest = line[5:].partition(b";")
            return verdict.strip() == b"True", float(rest.split(b"/")[0])
    raise RuntimeError(f"bad spamd reply: {reply[:200]!r}")


def run_spamassassin(train, test, work):
    site = os.path.join(work, "sa-site")
    os.makedirs(site, exist_ok=True)
    for name in os.listdir("/etc/spamassassin"):
        if name.endswith(".pre"):
            shutil.copy(os.path.join("/etc/spamassassin", name), site)
    db = os.path.join(work, "sa-bayes")
    os.makedirs(db, exist_ok=True)
    with open(os.path.join(site, "local.cf"), "w") as f:
        f.write(f"use_bayes 1\nbayes_auto_learn 0\nbayes_path {db}/bayes\nbayes_file_mode 0777\n"
                "skip_rbl_checks 1\nuse_razor2 0\nuse_pyzor 0\ndns_available no\n"
                "bayes_min_ham_num 1\nbayes_min_spam_num 1\n")
    os.chmod(work, 0o777)
    os.chmod(db, 0o777)
    t0 = time.time()
    base = ["sa-learn", "-L", f"--siteconfigpath={site}", "--no-sync"]
    subprocess.run(base + ["--ham", train["ham"]], check=True, stdout=subprocess.DEVNULL)
    for label in ("spam", "phishing", "scam", "hoax"):
        subprocess.run(base + ["--spam", train[label]], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["sa-learn", f"--siteconfigpath={site}", "--sync"], check=True,
                   stdout=subprocess.DEVNULL)
    train_s = time.time() - t0
    subprocess.run(["chmod", "-R", "a+rwX", db], check=True)
    port = free_port()
    spamd = subprocess.Popen(
        ["spamd", "-L", f"--siteconfigpath={site}", f"--listen=127.0.0.1:{port}",
         "--max-children=1", "--min-children=1", "--max-conn-per-child=100000", "--username=nobody", "--syslog=stderr",
         f"--pidfile={work}/spamd.pid"],
        stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "spamd.log"), "w"))
    try:
        if not wait_port(port):
            raise RuntimeError("spamd did not start")
        results = []
        t0 = time.time()
        n = 0
        for label, d in test.items():
            for p in files(d):
                with open(p, "rb") as f:
                    spam, _ = spamc_check(port, f.read())
                results.append((label, bool(spam)))
                n += 1
        rate = n / (time.time() - t0)
    finally:
        spamd.send_signal(signal.SIGTERM)
        spamd.wait(timeout=30)
    version = subprocess.run(["spamassassin", "--version"], capture_output=True, text=True).stdout
    return {"tool": "SpamAssassin " + version.split()[2] if version else "SpamAssassin",
            "train_seconds": train_s, "msgs_per_s": rate, "classes": metrics(results)}


# ---------------------------------------------------------------- rspamd

def fake_dns(port, stop):
    """Answers every DNS query on 127.0.0.1:port with NXDOMAIN at once, so that modules that
    look names up fail fast instead of waiting for time-outs (there is no network here)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", port))
    s.settimeout(0.5)
    while not stop.is_set():
        try:
            q, addr = s.recvfrom(4096)
        except socket.timeout:
            continue
        if len(q) < 12:
            continue
        # Header: same id, QR=1, opcode and RD copied, RA=1, RCODE=3; the question copied.
        flags = bytes([0x80 | (q[2] & 0x79), 0x80 | 3])
        s.sendto(q[:2] + flags + q[4:6] + b"\0\0\0\0\0\0" + q[12:], addr)
    s.close()


def http_post(url, data, timeout=120):
    req = urllib.request.Request(url, data=data, method="POST")
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.loads(r.read() or b"{}")


def run_rspamd(train, test, work):
    root = os.path.join(work, "rspamd")
    conf = os.path.join(root, "conf")
    for sub in ("local.d", "override.d", "db", "run", "log"):
        os.makedirs(os.path.join(root if sub in ("db", "run", "log") else conf, sub),
                    exist_ok=True)
    redis_port, normal, controller, proxy = free_port(), free_port(), free_port(), free_port()
    dns_port = free_port()
    stop = threading.Event()
    threading.Thread(target=fake_dns, args=(dns_port, stop), daemon=True).start()
    redis = subprocess.Popen(["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1",
                              "--save", "", "--appendonly", "no"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    local = os.path.join(conf, "local.d")

    def put(name, text):
        with open(os.path.join(local, name), "w") as f:
            f.write(text)

    put("worker-normal.inc", f'bind_socket = "127.0.0.1:{normal}";\ncount = 1;\n')
    put("worker-controller.inc", f'bind_socket = "127.0.0.1:{controller}";\n')
    put("worker-proxy.inc", f'bind_socket = "127.0.0.1:{proxy}";\n')
    put("redis.conf", f'servers = "127.0.0.1:{redis_port}";\n')
    put("classifier-bayes.conf",
        f'backend = "redis";\nservers = "127.0.0.1:{redis_port}";\nautolearn = false;\n'
        "min_learns = 1;\n")
    put("options.inc", f'dns {{ nameserver = ["127.0.0.1:{dns_port}"]; timeout = 0.5s; }}\n')
    put("logging.inc", f'type = "file";\nfilename = "{root}/log/rspamd.log";\nlevel = "error";\n')
    # Network tests off, as for SpamAssassin (and nothing to reach from here anyway).
    for module in ("rbl", "surbl", "fuzzy_check", "spf", "dkim", "dmarc", "arc", "asn",
                   "mx_check", "url_redirector", "greylist", "ratelimit", "replies", "emails",
                   "dcc", "rspamd_update", "neural", "reputation", "bimi", "external_services",
                   "antivirus", "history_redis", "elastic", "clickhouse", "metadata_exporter",
                   "dkim_signing"):
        put(f"{module}.conf", "enabled = false;\n")
    cmd = ["rspamd", "-f", "-i", "-u", "root", "-g", "root", "-c", "/etc/rspamd/rspamd.conf",
           "--var", f"LOCAL_CONFDIR={conf}", "--var", f"DBDIR={root}/db",
           "--var", f"RUNDIR={root}/run", "--var", f"LOGDIR={root}/log"]
    rspamd = subprocess.Popen(cmd, stdout=open(os.path.join(root, "stdout.log"), "w"),
                              stderr=subprocess.STDOUT)
    try:
        if not (wait_port(normal) and wait_port(controller)):
            raise RuntimeError("rspamd did not start (see " + root + "/log)")
        t0 = time.time()
        for label, d in train.items():
            endpoint = "learnham" if label == "ham" else "learnspam"
            for p in files(d):
                with open(p, "rb") as f:
                    try:
                        http_post(f"http://127.0.0.1:{controller}/{endpoint}", f.read())
                    except urllib.error.HTTPError:
                        pass  # "already learned" and the like
        train_s = time.time() - t0
        results = []
        t0 = time.time()
        n = 0
        for label, d in test.items():
            for p in files(d):
                with open(p, "rb") as f:
                    r = http_post(f"http://127.0.0.1:{normal}/checkv2", f.read())
                flagged = r.get("action") in ("reject", "add header", "rewrite subject")
                results.append((label, flagged))
                n += 1
        rate = n / (time.time() - t0)
    finally:
        rspamd.send_signal(signal.SIGTERM)
        try:
            rspamd.wait(timeout=30)
        except subprocess.TimeoutExpired:
            rspamd.kill()
        redis.send_signal(signal.SIGTERM)
        redis.wait(timeout=30)
        stop.set()
    version = subprocess.run(["rspamd", "--version"], capture_output=True, text=True).stdout
    return {"tool": version.strip().splitlines()[0] if version else "rspamd",
            "train_seconds": train_s, "msgs_per_s": rate, "classes": metrics(results)}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--corpora", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--json", required=True)
    ap.add_argument("--only", choices=["spamassassin", "rspamd"])
    ap.add_argument("--test-dir", action="append", default=[], metavar="LABEL=DIR",
                    help="classify the .eml files of DIR as LABEL instead of the test parts "
                         "(repeatable: other mail than the corpora's)")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    train = write_set(a.corpora, a.work, "train")
    if a.test_dir:
        test = {}
        for spec in a.test_dir:
            label, _, d = spec.partition("=")
            if label not in [p[0] for p in PARTS] or not os.path.isdir(d):
                sys.exit(f"--test-dir {spec}: LABEL must be one of ham, spam, phishing, scam, "
                         "hoax and DIR a directory")
            test[label] = d
    else:
        test = write_set(a.corpora, a.work, "test")
    out = []
    for name, fn in (("spamassassin", run_spamassassin), ("rspamd", run_rspamd)):
        if a.only and a.only != name:
            continue
        try:
            r = fn(train, test, a.work)
        except Exception as e:  # report and go on with the other tool
            print(f"{name}: failed: {e}", file=sys.stderr)
            continue
        out.append(r)
        c = r["classes"]
        ham = c.get("ham")
        print(f"\n{r['tool']}: trained in {r['train_seconds']:.0f} s, "
              f"{r['msgs_per_s']:.1f} messages/s")
        print(f"| class | messages | flagged |\n|---|---:|---:|")
        if ham:
            print(f"| ham | {ham['messages']} | {ham['flagged']} false positives "
                  f"({ham['flagged_pct']:.2f} %) |")
        for label in ("spam", "scam", "phishing", "hoax"):
            if label in c:
                print(f"| {label} | {c[label]['messages']} | {c[label]['flagged']} "
                      f"({c[label]['flagged_pct']:.2f} %) |")
    with open(a.json, "w") as f:
        json.dump(out, f, indent=2)


if __name__ == "__main__":
    main()
