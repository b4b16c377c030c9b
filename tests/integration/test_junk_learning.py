"""Learning from users' Junk moves (issue 5), end to end with Python's imaplib.

Messages arrive by SMTP; the user moves some into the Junk mailbox (RFC 6154 \\Junk) with MOVE
(RFC 6851) or COPY, and back out. The daemon learns them into the account's own model
(data_dir/filter/accounts/<address>.model) off the I/O threads, after the reply. We check the
model's message counts (read from the model file's header, the documented format in
src/filter/bayes_model.hpp) and that `facteur scan --account` then judges a new message of the
same kind differently from the site-wide view."""
import imaplib
import json
import os
import random
import re
import struct
import subprocess
import time
import unittest

from facteur_harness import DOMAIN, FACTEUR_BIN, ServerTestCase, token, wait_until

PASSWORD = "junk-secret-1"
LABELS = ("ham", "spam", "scam", "phishing", "hoax")
# Junk moves of messages above this size are not learnt (set low here to test it).
LEARN_MAX = 20000

SPAM_WORDS = ("replica watches discount luxury bargain exclusive offer limited clearance "
              "wholesale outlet designer handbags shipping worldwide genuine guaranteed lowest "
              "prices hurry stock sale bonus gift voucher").split()
CASINO_WORDS = ("casino jackpot spins bonus roulette poker slots winner deposit vip chips "
                "tournament blackjack payout lucky reels betting odds cashback welcome").split()
HAM_WORDS = ("meeting agenda project review budget quarterly minutes schedule team lunch "
             "deploy patch release notes draft comments thursday roadmap retrospective "
             "milestone estimate backlog").split()


def model_counts(data_dir, address):
    """Messages learnt per label in the account's model: {} when it has none yet.
    File: "FCTRBAYS", u32 version, u32 labels, u32 messages[labels], ..."""
    path = os.path.join(data_dir, "filter", "accounts", address.lower() + ".model")
    try:
        with open(path, "rb") as f:
            head = f.read(16 + 4 * len(LABELS))
    except FileNotFoundError:
        return {}
    assert head[:8] == b"FCTRBAYS", head[:8]
    counts = struct.unpack_from("<%dI" % len(LABELS), head, 16)
    return dict(zip(LABELS, counts))


def make_message(words, rng, subject_words, marker, sender, pad=0):
    body = " ".join(rng.choice(words) for _ in range(60))
    body = "\r\n".join(body[i:i + 70] for i in range(0, len(body), 70))
    if pad:
        body += "\r\n" + "\r\n".join("x" * 70 for _ in range(pad // 72 + 1))
    subject = " ".join(rng.choice(subject_words) for _ in range(4))
    return (f"From: {sender}\r\nTo: someone@{DOMAIN}\r\nSubject: {subject}\r\n"
            f"Message-ID: <{marker}@sender.example>\r\nDate: Thu, 26 Nov 2026 10:00:00 +0000\r\n"
            f"\r\n{body}\r\n{marker}\r\n")


class JunkLearningTest(ServerTestCase):
    server_kwargs = {"extra_config": f"[filter]\nlearn_max_size = {LEARN_MAX}\n"}
    address = f"learner-{os.getpid()}@{DOMAIN}"
    users = {address: PASSWORD}

    def deliver(self, msg):
        self.server.send("someone@sender.example", [self.address], msg)

    def uids_with(self, m, mailbox, marker):
        typ, _ = m.select(mailbox)
        self.assertEqual(typ, "OK")
        typ, data = m.uid("SEARCH", None, "BODY", marker)
        self.assertEqual(typ, "OK")
        return data[0].split()

    def counts(self):
        return model_counts(self.server.data_dir, self.address)

    def wait_counts(self, **expected):
        """Polls the model until the given label counts are reached (learning is asynchronous)."""
        def reached():
            c = self.counts()
            return c if all(c.get(k) == v for k, v in expected.items()) else None
        try:
            return wait_until(reached, timeout=20, what=f"model counts {expected}")
        except TimeoutError:
            print("counts now:", self.counts())
            print(self.server.log()[-5000:])
            raise

    def scan(self, message, account=None):
        args = [FACTEUR_BIN, "scan", "--config", self.server.config_path]
        if account:
            args += ["--account", account]
        res = subprocess.run(args, input=message.encode(), capture_output=True, timeout=60)
        self.assertEqual(res.returncode, 0, res.stderr)
        return json.loads(res.stdout)

    def test_moves_into_and_out_of_junk_teach_the_account_model(self):
        rng = random.Random(5)
        spam_mark, ham_mark, big_mark = token(), token(), token()
        for i in range(24):
            self.deliver(make_message(SPAM_WORDS, rng, SPAM_WORDS, f"{spam_mark} n{i}",
                                      "Outlet Deals <deals@outlet.example>"))
            self.deliver(make_message(HAM_WORDS, rng, HAM_WORDS, f"{ham_mark} n{i}",
                                      "Colleague <colleague@partner.example>"))
        self.deliver(make_message(SPAM_WORDS, rng, SPAM_WORDS, big_mark,
                                  "Outlet Deals <deals@outlet.example>", pad=LEARN_MAX))
        self.assertEqual(self.counts(), {})

        m = self.server.imap(self.address, PASSWORD)
        try:
            # The SMTP filter may already have filed some of them in Junk: start from INBOX.
            for mark in (spam_mark, ham_mark, big_mark):
                junk = self.uids_with(m, "Junk", mark)
                if junk:
                    m.uid("MOVE", b",".join(junk).decode(), "INBOX")
            time.sleep(0.5)
            base = self.counts()
            self.assertEqual(base.get("spam", 0), 0, "nothing moved into Junk yet")

            # RFC 6851 UID MOVE of 20 spam into Junk, then COPY of 4 more: 24 spam.
            spam = self.uids_with(m, "INBOX", spam_mark)
            self.assertEqual(len(spam), 24)
            typ, _ = m.uid("MOVE", b",".join(spam[:20]).decode(), "Junk")
            self.assertEqual(typ, "OK")
            typ, _ = m.uid("COPY", b",".join(spam[20:]).decode(), "Junk")
            self.assertEqual(typ, "OK")
            self.wait_counts(spam=24)

            # The same messages again (copies in Junk): already learnt, counted once.
            m.select("INBOX")
            typ, _ = m.uid("COPY", b",".join(spam[20:]).decode(), "Junk")
            self.assertEqual(typ, "OK")
            time.sleep(1.0)
            self.assertEqual(self.counts().get("spam"), 24)

            # Ham moved into Junk by mistake (learnt as spam), then out of it into INBOX:
            # the spam learning is taken back and the messages are learnt as ham.
            ham = self.uids_with(m, "INBOX", ham_mark)
            self.assertEqual(len(ham), 24)
            typ, _ = m.uid("MOVE", b",".join(ham).decode(), "Junk")  # MOVE by sequence set too
            self.assertEqual(typ, "OK")
            self.wait_counts(spam=48)
            in_junk = self.uids_with(m, "Junk", ham_mark)
            self.assertEqual(len(in_junk), 24)
            typ, _ = m.uid("MOVE", b",".join(in_junk).decode(), "INBOX")
            self.assertEqual(typ, "OK")
            self.wait_counts(spam=24, ham=24)

            # Out of Junk into Trash is no opinion: nothing changes.
            junk_spam = self.uids_with(m, "Junk", spam_mark)
            typ, _ = m.uid("COPY", junk_spam[0].decode(), "Trash")
            self.assertEqual(typ, "OK")
            # Plain sequence-number MOVE (not UID) of a message over the size cap: skipped.
            big = self.uids_with(m, "INBOX", big_mark)
            self.assertEqual(len(big), 1)
            typ, data = m.search(None, "BODY", big_mark)
            typ, _ = m._simple_command("MOVE", data[0].decode(), "Junk")
            self.assertEqual(typ, "OK")
            wait_until(lambda: "1 skipped" in self.server.log(), timeout=20,
                       what="the oversized message skipped")
            time.sleep(0.5)
            self.assertEqual(self.counts(), dict(self.counts(), spam=24, ham=24))
            self.assertEqual(self.counts()["spam"], 24)
            self.assertEqual(self.counts()["ham"], 24)
        finally:
            m.logout()

        # A new message of each kind: the account's model now has an opinion; the site (no
        # site-wide model trained here) has none, so the classifier abstains there.
        new_spam = make_message(SPAM_WORDS, rng, SPAM_WORDS, token(),
                                "Outlet Deals <deals@outlet.example>")
        new_ham = make_message(HAM_WORDS, rng, HAM_WORDS, token(),
                               "Colleague <colleague@partner.example>")
        site_spam = self.scan(new_spam)
        mine_spam = self.scan(new_spam, self.address)
        mine_ham = self.scan(new_ham, self.address)
        bayes = re.compile(r"^bayes\b")
        self.assertFalse(any(bayes.match(r) for r in site_spam["reasons"]), site_spam)
        self.assertTrue(any(bayes.match(r) for r in mine_spam["reasons"]), mine_spam)
        self.assertGreater(mine_spam["score"], site_spam["score"] + 3)
        self.assertEqual(site_spam["verdict"], "ham")
        self.assertNotEqual(mine_spam["verdict"], "ham")
        self.assertEqual(mine_ham["verdict"], "ham")
        self.assertLess(mine_ham["score"], mine_spam["score"])

        # Another account is not affected.
        other = self.scan(new_spam, f"someone-else@{DOMAIN}")
        self.assertEqual(other["verdict"], "ham")

        # The site now trains both of its classifiers (`facteur spam train`: token counts and
        # the linear classifier) on mail that knows nothing of this user's outlet deals. What
        # the user taught still holds for them: their own model outranks the site's linear
        # classifier, which may only lower their score a little (docs/filter.md).
        site = os.path.join(self.server.dir, "site-training")
        for kind, words, sender in (("ham", HAM_WORDS, "Colleague <colleague@partner.example>"),
                                    ("spam", CASINO_WORDS, "Casino <win@casino.example>")):
            os.makedirs(os.path.join(site, kind))
            for i in range(40):
                with open(os.path.join(site, kind, f"{i:03}.eml"), "w") as f:
                    f.write(make_message(words, rng, words, token(), sender))
        res = self.server.cli("spam", "train", "--ham", os.path.join(site, "ham"),
                              "--spam", os.path.join(site, "spam"))
        self.assertIn("abuse model trained", res.stdout)
        mine_after = self.scan(new_spam, self.address)
        self.assertTrue(any(r.startswith("linear") for r in mine_after["reasons"]), mine_after)
        self.assertNotEqual(mine_after["verdict"], "ham", mine_after)
        casino = self.scan(make_message(CASINO_WORDS, rng, CASINO_WORDS, token(),
                                        "Casino <win@casino.example>"))
        self.assertNotEqual(casino["verdict"], "ham", casino)


if __name__ == "__main__":
    unittest.main(verbosity=2)
