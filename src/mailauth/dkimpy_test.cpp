// Cross-checks with an independent implementation: Debian's python3-dkim (dkimpy) verifies
// what we sign and signs what we verify. Skipped when python3-dkim is not installed.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "dns/fake_resolver.hpp"
#include "mailauth/dkim.hpp"
#include "mailauth/test_util.hpp"

namespace facteur::mailauth {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kScript = R"(import sys, dkim
mode = sys.argv[1]
msg = open(sys.argv[2], 'rb').read()
if mode == 'verify':
    rec = open(sys.argv[3], 'rb').read()
    ok = dkim.verify(msg, dnsfunc=lambda name, timeout=5: rec)
    sys.stdout.write('pass' if ok else 'fail')
else:
    key = open(sys.argv[3], 'rb').read().strip()
    hc, bc = sys.argv[5].split('/')
    sig = dkim.sign(msg, b'py', b'example.test', key, canonicalize=(hc.encode(), bc.encode()),
                    signature_algorithm=sys.argv[4].encode(),
                    include_headers=[b'from', b'to', b'subject', b'date', b'message-id'])
    sys.stdout.buffer.write(sig)
)";

constexpr std::string_view kMessage =
    "From: Alice <alice@example.test>\r\n"
    "To: Bob <bob@example.net>\r\n"
    "Subject:   An  interop\r\n\ttest  \r\n"
    "Date: Thu, 26 Nov 2026 09:00:00 +0000\r\n"
    "Message-ID: <interop-1@example.test>\r\n"
    "\r\n"
    "Line one  with   spaces \r\n"
    "\r\n"
    "\tindented line\r\n"
    "\r\n\r\n";

class Dkimpy : public ::testing::Test {
 protected:
  void SetUp() override {
    // Debian's interpreter: the one python3-dkim installs into (PATH may hold another).
    if (std::system("/usr/bin/python3 -c 'import dkim' >/dev/null 2>&1") != 0) {
      GTEST_SKIP() << "python3-dkim is not installed";
    }
    char pattern[] = "/tmp/facteur-dkimpy-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    write("interop.py", kScript);
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  void write(const std::string& name, std::string_view content) {
    std::ofstream(dir_ / name, std::ios::binary) << content;
  }
  std::string python(const std::string& args) {
    std::string command = "/usr/bin/python3 " + (dir_ / "interop.py").string() + " " + args;
    std::string out;
    if (FILE* pipe = popen(command.c_str(), "r")) {
      char buf[4096];
      std::size_t n;
      while ((n = fread(buf, 1, sizeof buf, pipe)) > 0)
        out.append(buf, n);
      pclose(pipe);
    }
    return out;
  }
  fs::path dir_;
};

TEST_F(Dkimpy, VerifiesWhatWeSign) {
  for (auto algorithm : {DkimAlgorithm::rsa_sha256, DkimAlgorithm::ed25519_sha256}) {
    auto pair = generate_dkim_key(algorithm, 2048);
    ASSERT_TRUE(pair);
    auto key = DkimPrivateKey::load(pair->private_pem);
    ASSERT_TRUE(key);
    for (auto h : {Canon::simple, Canon::relaxed}) {
      for (auto b : {Canon::simple, Canon::relaxed}) {
        DkimSignOptions options;
        options.domain = "example.test";
        options.selector = "sel";
        options.header_canon = h;
        options.body_canon = b;
        auto field = dkim_sign(kMessage, *key, options);
        ASSERT_TRUE(field);
        write("signed.eml", *field + std::string(kMessage));
        write("record.txt", pair->dns_record);
        EXPECT_EQ(python("verify " + (dir_ / "signed.eml").string() + " " +
                         (dir_ / "record.txt").string()),
                  "pass")
            << to_string(algorithm) << " " << to_string(h) << "/" << to_string(b) << "\n"
            << *field;
      }
    }
  }
}

TEST_F(Dkimpy, WeVerifyWhatItSigns) {
  auto rsa = generate_dkim_key(DkimAlgorithm::rsa_sha256, 2048);
  ASSERT_TRUE(rsa);
  // dkimpy takes Ed25519 keys as the base64 seed (RFC 8463 §A.1's key).
  const std::string ed_seed = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=";
  auto ed = DkimPrivateKey::load(ed_seed);
  ASSERT_TRUE(ed);
  struct Signer {
    std::string algorithm, key, record;
  };
  const std::vector<Signer> signers = {{"rsa-sha256", rsa->private_pem, rsa->dns_record},
                                       {"ed25519-sha256", ed_seed, ed->dns_record()}};
  write("message.eml", kMessage);
  for (const auto& signer : signers) {
    write("key", signer.key);
    for (const char* canon : {"simple/simple", "relaxed/relaxed", "relaxed/simple"}) {
      std::string field = python("sign " + (dir_ / "message.eml").string() + " " +
                                 (dir_ / "key").string() + " " + signer.algorithm + " " + canon);
      ASSERT_TRUE(field.starts_with("DKIM-Signature:")) << field;
      dns::FakeResolver zone;
      zone.add_txt("py._domainkey.example.test", signer.record);
      DkimVerifyOptions options;
      options.now = 0;
      auto verdicts = testing::run(verify_dkim(zone, field + std::string(kMessage), options));
      ASSERT_EQ(verdicts.size(), 1u);
      EXPECT_EQ(verdicts[0].result, AuthResult::pass)
          << signer.algorithm << " " << canon << ": " << verdicts[0].reason << "\n"
          << field;
    }
  }
}

}  // namespace
}  // namespace facteur::mailauth
