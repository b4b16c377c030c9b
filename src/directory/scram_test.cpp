#include "directory/scram.hpp"

#include <gtest/gtest.h>

#include "base/base64.hpp"

namespace facteur::directory {
namespace {

// RFC 7677 §3: user "user", password "pencil", salt W22ZaJ0SNY7soEsUEjb6gQ==, 4096 iterations.
TEST(ScramCredentials, Rfc7677KeysReproduceTheExampleSignature) {
  const auto salt = base64_decode("W22ZaJ0SNY7soEsUEjb6gQ==");
  ASSERT_TRUE(salt.has_value());
  auto creds = make_scram_credentials("pencil", 4096, *salt);
  ASSERT_TRUE(creds.has_value());
  const std::string auth_message =
      "n=user,r=rOprNGfwEbeRWgbNEkqO,"
      "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,"
      "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
  // The server signature the RFC shows in the server-final message.
  EXPECT_EQ(base64_encode(scram::hmac(creds->server_key, auth_message)),
            "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
  // And the client proof: ClientKey XOR HMAC(StoredKey, AuthMessage).
  const auto proof = base64_decode("dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
  ASSERT_TRUE(proof.has_value());
  const std::string signature = scram::hmac(creds->stored_key, auth_message);
  std::string client_key(32, '\0');
  for (int i = 0; i < 32; ++i)
    client_key[i] = char((*proof)[i] ^ signature[i]);
  EXPECT_EQ(scram::h(client_key), creds->stored_key);
}

TEST(ScramCredentials, SerializeRoundTrip) {
  auto creds = make_scram_credentials("secret");
  ASSERT_TRUE(creds.has_value());
  EXPECT_EQ(creds->salt.size(), 16u);
  EXPECT_EQ(creds->iterations, kDefaultScramIterations);
  const std::string text = serialize(*creds);
  EXPECT_TRUE(text.starts_with("SCRAM-SHA-256$4096:")) << text;
  auto back = parse_scram_credentials(text);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->salt, creds->salt);
  EXPECT_EQ(back->iterations, creds->iterations);
  EXPECT_EQ(back->stored_key, creds->stored_key);
  EXPECT_EQ(back->server_key, creds->server_key);
}

TEST(ScramCredentials, RandomSalts) {
  auto a = make_scram_credentials("same", 4096);
  auto b = make_scram_credentials("same", 4096);
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->salt, b->salt);
  EXPECT_NE(a->stored_key, b->stored_key);
}

TEST(ScramCredentials, RejectsMalformedRecords) {
  auto good = make_scram_credentials("x", 4096, "0123456789abcdef");
  ASSERT_TRUE(good.has_value());
  const std::string ok = serialize(*good);
  ASSERT_TRUE(parse_scram_credentials(ok).has_value());
  const std::string bad[] = {
      "",
      "SCRAM-SHA-1$4096:MDEyMzQ1Njc4OWFiY2RlZg==$AAAA:AAAA",
      ok.substr(0, ok.size() - 1),
      ok + "=",
      "SCRAM-SHA-256$0:" + ok.substr(ok.find(':') + 1),
      "SCRAM-SHA-256$99999999:" + ok.substr(ok.find(':') + 1),
      "SCRAM-SHA-256$-1:" + ok.substr(ok.find(':') + 1),
      "SCRAM-SHA-256$4096" + ok.substr(ok.find('$', 14)),
      "SCRAM-SHA-256$4096:$" + ok.substr(ok.find('$', 14) + 1),
  };
  for (const auto& text : bad)
    EXPECT_FALSE(parse_scram_credentials(text).has_value()) << text;
  EXPECT_FALSE(make_scram_credentials("x", 0, "salt").has_value());
  EXPECT_FALSE(make_scram_credentials("x", 4096, "").has_value());
}

}  // namespace
}  // namespace facteur::directory
