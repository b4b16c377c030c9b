"""`facteur spam train` and `facteur spam learn` from the command line (issue 5): site-wide training
builds both classifiers (the token counts, data_dir/filter/bayes.model, and the linear
classifier, data_dir/filter/linear.model, whose format is documented in
src/filter/linear_model.hpp), `facteur scan` then uses both, and an account's training leaves the
site's linear classifier alone. No daemon: only the CLI on a data directory of its own.
Messages are generated here (no corpus), one file per message in a directory."""
import json
import os
import random
import struct
import subprocess
import unittest

from facteur_harness import FACTEUR_BIN, FacteurServer

SPAM_WORDS = ("replica watches discount luxury bargain exclusive offer limited clearance "
              "wholesale outlet designer handbags shipping worldwide genuine guaranteed").split()
HAM_WORDS = ("meeting agenda project review budget quarterly minutes schedule team lunch "
             "deploy patch release notes draft comments thursday roadmap").split()
SHARED_WORDS = "the and for you with this from our please today".split()


def make_message(rng, words, sender, n):
    body = " ".join(rng.choice(words + SHARED_WORDS) for _ in range(50))
    body = "\n".join(body[i:i + 70] for i in range(0, len(body), 70))
    subject = " ".join(rng.choice(words) for _ in range(3))
    return (f"From: {sender}\nTo: someone@example.test\nSubject: {subject}\n"
            f"Message-ID: <m{n}@sender.example>\nDate: Thu, 26 Nov 2026 10:00:00 +0000\n\n"
            f"{body}\n")


class SpamTrainTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = FacteurServer()  # for its config and data directory; never started
        rng = random.Random(11)
        cls.dirs = {}
        for kind, words, sender in (("spam", SPAM_WORDS, "Deals <deals@outlet.example>"),
                                    ("ham", HAM_WORDS, "Colleague <c@partner.example>")):
            d = os.path.join(cls.server.dir, kind)
            os.makedirs(d)
            for i in range(40):
                with open(os.path.join(d, f"{i:03}.eml"), "w") as f:
                    f.write(make_message(rng, words, sender, f"{kind}{i}"))
            cls.dirs[kind] = d
        cls.rng = rng

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def facteur(self, *args, input=None):
        res = subprocess.run([FACTEUR_BIN, *args[:2], "--config", self.server.config_path,
                              *args[2:]], input=input, capture_output=True, text=True, timeout=120)
        self.assertEqual(res.returncode, 0, res.stderr)
        return res.stdout

    def scan(self, message):
        return json.loads(self.facteur("scan", input=message))

    def linear_path(self):
        return os.path.join(self.server.data_dir, "filter", "linear.model")

    def read_classifier(self):
        """linear.model: "FCTRLINC", u32 version, u32 models, then per model u64 length and
        that model: "FCTRLINR", u32 version, u32 bits, u64 updates, f64 bias, 2^bits f32."""
        with open(self.linear_path(), "rb") as f:
            data = f.read()
        magic, version, models = struct.unpack_from("<8sII", data, 0)
        (length,) = struct.unpack_from("<Q", data, 16)
        m_magic, m_version, bits, updates, bias = struct.unpack_from("<8sIIQd", data, 24)
        self.assertEqual(length, 32 + 4 * (1 << bits))
        return magic, version, models, {"magic": m_magic, "updates": updates, "bits": bits}

    def test_1_site_training_builds_both_classifiers(self):
        out = self.facteur("spam", "train", "--reset", "--spam", self.dirs["spam"],
                           "--ham", self.dirs["ham"])
        self.assertIn("learned 40 spam messages", out)
        self.assertIn("learned 40 ham messages", out)
        self.assertIn("linear classifier", out)
        self.assertIn("80 of 80 messages; abuse model trained", out)
        magic, version, models, abuse = self.read_classifier()
        self.assertEqual((magic, version, models), (b"FCTRLINC", 1, 5))
        self.assertEqual(abuse["magic"], b"FCTRLINR")
        self.assertEqual(abuse["updates"], 80 * 10)  # ten passes over the 80 messages

        spam = self.scan(make_message(self.rng, SPAM_WORDS, "Deals <new@outlet.example>", 900))
        self.assertEqual(spam["verdict"], "spam", spam)
        self.assertTrue(any(r.startswith("linear (+") for r in spam["reasons"]), spam)
        self.assertTrue(any(r.startswith("bayes (+") for r in spam["reasons"]), spam)
        ham = self.scan(make_message(self.rng, HAM_WORDS, "Colleague <c@partner.example>", 901))
        self.assertEqual(ham["verdict"], "ham", ham)
        self.assertTrue(any(r.startswith("linear (-") for r in ham["reasons"]), ham)

    def test_2_account_training_leaves_the_site_linear_classifier_alone(self):
        before = os.stat(self.linear_path()).st_mtime_ns
        out = self.facteur("spam", "train", "--account", "user@example.test",
                           "--spam", self.dirs["spam"])
        self.assertIn("learned 40 spam messages", out)
        self.assertNotIn("linear classifier", out)
        self.assertEqual(os.stat(self.linear_path()).st_mtime_ns, before)

    def test_3_site_learn_steps_the_linear_classifier(self):
        updates = self.read_classifier()[3]["updates"]
        message = make_message(self.rng, HAM_WORDS, "Colleague <c@partner.example>", 902)
        self.facteur("spam", "learn", "--as", "ham", input=message)
        self.assertEqual(self.read_classifier()[3]["updates"], updates + 1)

    def test_4_reset_with_one_class_leaves_no_linear_classifier(self):
        out = self.facteur("spam", "train", "--reset", "--spam", self.dirs["spam"])
        self.assertIn("abuse model unchanged (needs ham and abuse together)", out)
        self.assertFalse(os.path.exists(self.linear_path()))
        spam = self.scan(make_message(self.rng, SPAM_WORDS, "Deals <new@outlet.example>", 903))
        self.assertFalse(any(r.startswith("linear") for r in spam["reasons"]), spam)


if __name__ == "__main__":
    unittest.main()
