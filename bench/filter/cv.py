#!/usr/bin/env python3
"""K-fold cross-validation of the filter on the TRAIN parts of the corpora only (the test parts
are kept for the final measurement): runs facteur-filter-bench --holdout once per fold and sums
the counts.  bench/filter/cv.py BUILD_DIR [--folds 5] [extra bench options...]"""
import json
import os
import subprocess
import sys
import tempfile


def main():
    build = sys.argv[1]
    args = sys.argv[2:]
    folds = 5
    if "--folds" in args:
        i = args.index("--folds")
        folds = int(args[i + 1])
        del args[i:i + 2]
    here = os.path.dirname(os.path.abspath(__file__))
    corpora = os.environ.get("CORPORA", os.path.join(here, "..", "..", "..", "shared", "corpora"))
    bench = os.path.join(build, "bench", "filter", "facteur-filter-bench")
    totals = {}
    rates = []
    scores = []
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(folds):
            out = os.path.join(tmp, f"fold{k}.json")
            subprocess.run([bench, "--corpora", corpora, "--holdout", "--folds", str(folds),
                            "--fold", str(k), "--json", out, "--work", os.path.join(tmp, f"w{k}"),
                            *args], check=True, stdout=subprocess.DEVNULL)
            with open(out) as f:
                j = json.load(f)
            rates.append(j["in_process_msgs_per_s"])
            scores.extend(j.get("scores", []))
            for name, c in j["classes"].items():
                t = totals.setdefault(name, {"messages": 0, "flagged": 0, "right_label": 0,
                                             "predicted": 0})
                for key in t:
                    t[key] += c[key]
    print(f"{folds}-fold cross-validation on train; in-process {min(rates):.0f}-{max(rates):.0f} msg/s")
    print("| class | messages | flagged | right label | precision |")
    print("|---|---:|---:|---:|---:|")
    for name in ("ham", "spam", "scam", "phishing", "hoax"):
        t = totals.get(name)
        if not t:
            continue
        fl = 100.0 * t["flagged"] / t["messages"]
        rec = 100.0 * t["right_label"] / t["messages"]
        prec = 100.0 * t["right_label"] / t["predicted"] if t["predicted"] else 0.0
        extra = f" ({t['flagged']} FP)" if name == "ham" else ""
        print(f"| {name} | {t['messages']} | {fl:.2f} %{extra} | {rec:.2f} % | {prec:.2f} % |")
    # Operating curve: if the junk threshold were moved, how many abuse messages (all kinds)
    # would be flagged at a given number of ham false positives.
    if scores:
        ham = sorted((s for t, s in scores if t == 0), reverse=True)
        spam = [s for t, s in scores if t == 1]
        abuse = [s for t, s in scores if t != 0]
        parts = []
        for fp in (0, 1, 2, 5, 10, 20):
            if fp >= len(ham):
                break
            # Lowest threshold that keeps at most `fp` ham at or above it.
            thr = ham[fp] + 1e-9
            sp = 100.0 * sum(1 for s in spam if s >= thr) / max(1, len(spam))
            ab = 100.0 * sum(1 for s in abuse if s >= thr) / max(1, len(abuse))
            parts.append(f"{fp} FP ({100.0 * fp / len(ham):.2f} %): spam {sp:.2f} %, "
                         f"all abuse {ab:.2f} % (threshold {thr:.2f})")
        print("operating curve (score threshold moved):")
        for p in parts:
            print("  " + p)
    json.dump(totals, sys.stderr)
    sys.stderr.write("\n")


if __name__ == "__main__":
    main()
