// ARC (RFC 8617) chains: sealing and verifying our own, and both directions with dkimpy.
#include "mailauth/arc.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "dns/fake_resolver.hpp"
#include "mailauth/test_util.hpp"

namespace facteur::mailauth {
namespace {

constexpr std::string_view kMessage =
    "Authentication-Results: mx.forwarder.test; spf=pass smtp.mailfrom=alice@example.test\r\n"
    "From: Alice <alice@example.test>\r\n"
    "To: list@forwarder.test\r\n"
    "Subject: ARC test\r\n"
    "Date: Thu, 26 Nov 2026 09:00:00 +0000\r\n"
    "Message-ID: <arc-1@example.test>\r\n"
    "\r\n"
    "Hello through the list.\r\n";

constexpr std::string_view kEd25519Seed = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=";

struct Hop {
  std::string domain;
  DkimPrivateKey key;
};

ArcSealOptions options_for(const std::string& domain) {
  ArcSealOptions o;
  o.domain = domain;
  o.selector = "arc";
  o.authserv_id = "mx." + domain;
  o.results = "spf=pass smtp.mailfrom=alice@example.test";
  o.timestamp = 1'700'000'000;
  return o;
}

ArcOutcome verify(dns::FakeResolver& zone, std::string_view message) {
  DkimVerifyOptions options;
  options.now = 1'700'000'100;
  return testing::run(verify_arc(zone, message, options));
}

class ArcChainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto rsa = generate_dkim_key(DkimAlgorithm::rsa_sha256, 2048);
    ASSERT_TRUE(rsa);
    rsa_ = std::make_unique<DkimPrivateKey>(*DkimPrivateKey::load(rsa->private_pem));
    ed_ = std::make_unique<DkimPrivateKey>(*DkimPrivateKey::load(kEd25519Seed));
    zone_.add_txt("arc._domainkey.one.test", rsa->dns_record);
    zone_.add_txt("arc._domainkey.two.test", ed_->dns_record());
  }
  std::string two_hops() {
    std::string message(kMessage);
    auto first = arc_seal(message, ArcChain::none, *rsa_, options_for("one.test"));
    EXPECT_TRUE(first);
    message = *first + message;
    auto check = verify(zone_, message);
    EXPECT_EQ(check.chain, ArcChain::pass) << check.reason;
    auto second = arc_seal(message, check.chain, *ed_, options_for("two.test"));
    EXPECT_TRUE(second);
    return *second + message;
  }
  dns::FakeResolver zone_;
  std::unique_ptr<DkimPrivateKey> rsa_, ed_;
};

TEST_F(ArcChainTest, NoChainIsNone) {
  EXPECT_EQ(verify(zone_, kMessage).chain, ArcChain::none);
}

TEST_F(ArcChainTest, TwoHopsVerify) {
  auto message = two_hops();
  auto out = verify(zone_, message);
  EXPECT_EQ(out.chain, ArcChain::pass) << out.reason;
  ASSERT_EQ(out.instances.size(), 2u);
  EXPECT_EQ(out.instances[0].seal_domain, "one.test");
  EXPECT_EQ(out.instances[1].chain_validation, "pass");
  EXPECT_EQ(out.oldest_pass, 1u);
}

// §5.2: the most recent AMS must verify.
TEST_F(ArcChainTest, ModifiedBodyFailsTheChain) {
  auto message = two_hops() + "appended\r\n";
  auto out = verify(zone_, message);
  EXPECT_EQ(out.chain, ArcChain::fail);
  EXPECT_NE(out.reason.find("body hash"), std::string::npos) << out.reason;
}

TEST_F(ArcChainTest, TamperedSealFailsTheChain) {
  auto message = two_hops();
  auto pos = message.find("ARC-Authentication-Results: i=1; mx.one.test;");
  ASSERT_NE(pos, std::string::npos);
  message.replace(pos + 34, 3, "bad");  // "mx.one.test" -> "mx.bad.test"
  auto out = verify(zone_, message);
  EXPECT_EQ(out.chain, ArcChain::fail);
}

TEST_F(ArcChainTest, StructuralErrors) {
  auto message = two_hops();
  // Drop the ARC-Seal of instance 2: the set is incomplete.
  auto start = message.find("ARC-Seal: i=2");
  ASSERT_EQ(start, 0u);
  auto end = message.find("ARC-Message-Signature: i=2");
  auto broken = message.substr(end);
  EXPECT_EQ(verify(zone_, broken).chain, ArcChain::fail);
  // A chain whose last seal says cv=fail has failed.
  std::string failed(kMessage);
  failed = *arc_seal(failed, ArcChain::none, *rsa_, options_for("one.test")) + failed;
  failed = *arc_seal(failed, ArcChain::fail, *ed_, options_for("two.test")) + failed;
  EXPECT_EQ(verify(zone_, failed).chain, ArcChain::fail);
  // A DNS failure leaves the seal unverified.
  dns::FakeResolver down;
  down.fail("arc._domainkey.one.test");
  down.add_txt("arc._domainkey.two.test", ed_->dns_record());
  EXPECT_EQ(verify(down, message).chain, ArcChain::fail);
}

// dkimpy (python3-dkim) as an independent ARC implementation.
class ArcDkimpy : public ArcChainTest {
 protected:
  void SetUp() override {
    if (std::system("/usr/bin/python3 -c 'import dkim, authres' >/dev/null 2>&1") != 0) {
      GTEST_SKIP() << "python3-dkim or python3-authres is not installed";
    }
    ArcChainTest::SetUp();
    char pattern[] = "/tmp/facteur-arc-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  std::string python(const std::string& script, const std::string& input) {
    std::ofstream(dir_ / "script.py") << script;
    std::ofstream(dir_ / "input.eml", std::ios::binary) << input;
    std::string command =
        "/usr/bin/python3 " + (dir_ / "script.py").string() + " " + (dir_ / "input.eml").string();
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
  std::filesystem::path dir_;
};

TEST_F(ArcDkimpy, VerifiesOurChain) {
  // dkimpy's ARC knows rsa-sha256 only (the one algorithm RFC 8617 names): RSA for both hops.
  zone_ = dns::FakeResolver();
  auto second = generate_dkim_key(DkimAlgorithm::rsa_sha256, 2048);
  ASSERT_TRUE(second);
  ed_ = std::make_unique<DkimPrivateKey>(*DkimPrivateKey::load(second->private_pem));
  zone_.add_txt("arc._domainkey.one.test", rsa_->dns_record());
  zone_.add_txt("arc._domainkey.two.test", second->dns_record);
  auto message = two_hops();
  std::string one = dns::txt_strings(zone_.lookup("arc._domainkey.one.test", dns::RType::txt))[0];
  std::string two = dns::txt_strings(zone_.lookup("arc._domainkey.two.test", dns::RType::txt))[0];
  std::string script =
      "import sys, dkim\n"
      "keys = {b'arc._domainkey.one.test.': b'" +
      one + "', b'arc._domainkey.two.test.': b'" + two +
      "'}\n"
      "msg = open(sys.argv[1], 'rb').read()\n"
      "cv, results, comment = dkim.arc_verify(msg, dnsfunc=lambda n, timeout=5: keys[n])\n"
      "sys.stdout.write(cv.decode() + ' ' + comment)\n";
  auto out = python(script, message);
  EXPECT_TRUE(out.starts_with("pass")) << out;
}

TEST_F(ArcDkimpy, WeVerifyItsChain) {
  auto pair = generate_dkim_key(DkimAlgorithm::rsa_sha256, 2048);
  ASSERT_TRUE(pair);
  std::ofstream(dir_ / "key.pem") << pair->private_pem;
  std::string script =
      "import sys, dkim\n"
      "msg = open(sys.argv[1], 'rb').read()\n"
      "key = open('" +
      (dir_ / "key.pem").string() +
      "', 'rb').read()\n"
      "sig = dkim.arc_sign(msg, b'py', b'py.test', key, b'mx.forwarder.test',\n"
      "                    timestamp=1700000000)\n"
      "sys.stdout.buffer.write(b''.join(sig) + msg)\n";
  auto sealed = python(script, std::string(kMessage));
  ASSERT_TRUE(sealed.starts_with("ARC-Seal:")) << sealed;
  dns::FakeResolver zone;
  zone.add_txt("py._domainkey.py.test", pair->dns_record);
  auto out = verify(zone, sealed);
  EXPECT_EQ(out.chain, ArcChain::pass) << out.reason << "\n" << sealed;
}

}  // namespace
}  // namespace facteur::mailauth
