#include "queue/dkim_keys.hpp"

#include <cstdlib>
#include <filesystem>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include "mailauth/dkim.hpp"

namespace facteur::queue {
namespace {

class DkimKeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/facteur-dkim-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Verifies every DKIM-Signature of `signed_message` against the published records.
  std::vector<mailauth::DkimVerdict> verify(const std::string& signed_message,
                                            const std::vector<DomainKey>& keys) {
    mailauth::DkimVerifier verifier(signed_message);
    std::vector<mailauth::DkimVerdict> out;
    for (std::size_t i = 0; i < verifier.size(); ++i) {
      dns::Answer answer;
      answer.status = dns::Status::no_data;
      for (const auto& k : keys) {
        if (verifier.key_name(i) == k.selector + "._domainkey." + k.domain) {
          answer.status = dns::Status::ok;
          dns::Record record;
          record.name = verifier.key_name(i);
          record.type = static_cast<std::uint16_t>(dns::RType::txt);
          record.data = dns::TxtData{{k.dns_record}};
          answer.records.push_back(record);
        }
      }
      out.push_back(verifier.verify(i, answer));
    }
    return out;
  }

  std::filesystem::path dir_;
};

const std::string kMessage =
    "From: Alice <alice@a.test>\r\nTo: bob@b.test\r\nSubject: hello\r\n"
    "Date: Thu, 26 Nov 2026 10:00:00 +0000\r\nMessage-ID: <1@a.test>\r\n\r\nHi Bob.\r\n";

// RFC 6376 (rsa-sha256) and RFC 8463 (ed25519-sha256), relaxed/relaxed, both keys signing: each
// signature verifies against the TXT record the key file gives.
TEST_F(DkimKeysTest, GeneratedKeysSignVerifiably) {
  auto rsa =
      generate_domain_key(dir_, "A.test", "facteur", mailauth::DkimAlgorithm::rsa_sha256, 1024);
  ASSERT_TRUE(rsa) << rsa.error().message;
  auto ed = generate_domain_key(dir_, "a.test", "facteur-ed25519",
                                mailauth::DkimAlgorithm::ed25519_sha256);
  ASSERT_TRUE(ed) << ed.error().message;
  struct stat st {};
  ASSERT_EQ(::stat(rsa->path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(rsa->path, dir_ / "dkim" / "a.test" / "facteur.pem");
  EXPECT_EQ(rsa->dns_record.rfind("v=DKIM1; k=rsa; p=", 0), 0u);
  EXPECT_NE(ed->dns_record.find("k=ed25519"), std::string::npos);

  auto keys = list_domain_keys(dir_, "a.test");
  ASSERT_TRUE(keys) << keys.error().message;
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].selector, "facteur");
  EXPECT_EQ((*keys)[1].selector, "facteur-ed25519");
  EXPECT_EQ((*keys)[0].dns_record, rsa->dns_record);

  DkimSigner signer(dir_);
  auto fields = signer.sign(kMessage, "a.test");
  ASSERT_TRUE(fields) << fields.error().message;
  EXPECT_NE(fields->find("a=rsa-sha256"), std::string::npos);
  EXPECT_NE(fields->find("a=ed25519-sha256"), std::string::npos);
  EXPECT_NE(fields->find("c=relaxed/relaxed"), std::string::npos);
  auto verdicts = verify(*fields + kMessage, *keys);
  ASSERT_EQ(verdicts.size(), 2u);
  for (const auto& v : verdicts)
    EXPECT_EQ(v.result, mailauth::AuthResult::pass) << v.reason;
}

// No key: nothing to prepend. A key generated while the signer lives is used at once.
TEST_F(DkimKeysTest, SignerPicksUpNewKeys) {
  DkimSigner signer(dir_);
  auto none = signer.sign(kMessage, "a.test");
  ASSERT_TRUE(none);
  EXPECT_EQ(*none, "");
  ASSERT_TRUE(generate_domain_key(dir_, "a.test", "s1", mailauth::DkimAlgorithm::ed25519_sha256));
  auto one = signer.sign(kMessage, "a.test");
  ASSERT_TRUE(one);
  EXPECT_NE(one->find("s=s1;"), std::string::npos) << *one;
}

TEST_F(DkimKeysTest, RejectsBadNames) {
  EXPECT_FALSE(generate_domain_key(dir_, "../x", "s", mailauth::DkimAlgorithm::ed25519_sha256));
  EXPECT_FALSE(generate_domain_key(dir_, "a.test", "a/b", mailauth::DkimAlgorithm::ed25519_sha256));
  EXPECT_FALSE(generate_domain_key(dir_, "a.test", "", mailauth::DkimAlgorithm::ed25519_sha256));
}

}  // namespace
}  // namespace facteur::queue
