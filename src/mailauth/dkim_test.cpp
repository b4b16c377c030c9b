#include "mailauth/dkim.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "dns/fake_resolver.hpp"
#include "mailauth/tag_list.hpp"
#include "mailauth/test_util.hpp"

namespace facteur::mailauth {
namespace {

using testing::crlf;

// RFC 8463 Appendix A.3: the RFC 6376 example message signed with Ed25519 (selector brisbane)
// and RSA (selector test).
constexpr std::string_view kRfc8463Signed =
    R"(DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;
 d=football.example.com; i=@football.example.com;
 q=dns/txt; s=brisbane; t=1528637909; h=from : to :
 subject : date : message-id : from : subject : date;
 bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;
 b=/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus
 Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==
DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;
 d=football.example.com; i=@football.example.com;
 q=dns/txt; s=test; t=1528637909; h=from : to : subject :
 date : message-id : from : subject : date;
 bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;
 b=F45dVWDfMbQDGHJFlXUNB2HKfbCeLRyhDXgFpEL8GwpsRe0IeIixNTe3
 DhCVlUrSjV4BwcVcOF6+FF3Zo9Rpo1tFOeS9mPYQTnGdaSGsgeefOsk2Jz
 dA+L10TeYt9BgDfQNZtKdN1WO//KgIqXP7OdEFE4LjFYNcUxZQ4FADY+8=
From: Joe SixPack <joe@football.example.com>
To: Suzie Q <suzie@shopping.example.net>
Subject: Is dinner ready?
Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)
Message-ID: <20030712040037.46341.5F8J@football.example.com>

Hi.

We lost the game.  Are you hungry yet?

Joe.
)";

constexpr std::string_view kRfc8463Ed25519Key =
    "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
constexpr std::string_view kRfc8463RsaKey =
    "v=DKIM1; k=rsa; "
    "p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/"
    "J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzB"
    "fO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB";
constexpr std::string_view kRfc8463Ed25519Private = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=";

constexpr std::string_view kMessage = R"(From: Alice <alice@example.test>
To: Bob <bob@example.net>
Subject: Lunch
Date: Thu, 26 Nov 2026 09:00:00 +0000
Message-ID: <lunch-1@example.test>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Shall we meet   at noon?  
See you.


)";

DkimSignOptions sign_options(std::string domain, std::string selector) {
  DkimSignOptions options;
  options.domain = std::move(domain);
  options.selector = std::move(selector);
  return options;
}

DkimVerifyOptions at(std::int64_t now) {
  DkimVerifyOptions options;
  options.now = now;
  return options;
}

std::vector<DkimVerdict> verify(dns::FakeResolver& zone, std::string_view message,
                                DkimVerifyOptions options = {}) {
  if (options.now == 0) options.now = 1'800'000'000;
  return testing::run(verify_dkim(zone, message, options));
}

TEST(TagList, ParsesRfc6376Syntax) {
  auto tags = parse_tag_list(" v = 1 ;a=rsa-sha256;\r\n\tb= ab\r\n cd ; x=;");
  ASSERT_TRUE(tags) << tags.error().message;
  ASSERT_EQ(tags->size(), 4u);
  EXPECT_EQ((*tags)[0].name, "v");
  EXPECT_EQ((*tags)[0].value, "1");
  EXPECT_EQ((*tags)[2].value, "ab\r\n cd");
  EXPECT_EQ(remove_fws((*tags)[2].value), "abcd");
  EXPECT_EQ((*tags)[3].value, "");
  EXPECT_FALSE(parse_tag_list("v=1; v=1"));  // §3.2: duplicates are an error
  EXPECT_FALSE(parse_tag_list("v=1;; a=b"));
  EXPECT_FALSE(parse_tag_list("1v=1"));
  EXPECT_FALSE(parse_tag_list("novalue"));
  EXPECT_TRUE(parse_tag_list(""));
}

// RFC 6376 §3.4.5 examples.
TEST(Canonicalization, Rfc6376Examples) {
  EXPECT_EQ(canon_header("A: X", Canon::relaxed), "a:X\r\n");
  EXPECT_EQ(canon_header("B : Y\t\r\n\tZ  ", Canon::relaxed), "b:Y Z\r\n");
  EXPECT_EQ(canon_header("B : Y\t\r\n\tZ  ", Canon::simple), "B : Y\t\r\n\tZ  \r\n");
  const std::string body = " C \r\nD \t E\r\n\r\n\r\n";
  EXPECT_EQ(canon_body(body, Canon::relaxed), " C\r\nD E\r\n");
  EXPECT_EQ(canon_body(body, Canon::simple), " C \r\nD \t E\r\n");
  // Empty bodies: simple is one CRLF, relaxed is empty (RFC 6376 erratum 3192).
  EXPECT_EQ(canon_body("", Canon::simple), "\r\n");
  EXPECT_EQ(canon_body("\r\n\r\n", Canon::simple), "\r\n");
  EXPECT_EQ(canon_body("", Canon::relaxed), "");
  EXPECT_EQ(canon_body("no final crlf", Canon::relaxed), "no final crlf\r\n");
}

TEST(Dkim, StripsOnlyTheBValue) {
  EXPECT_EQ(strip_signature_value("DKIM-Signature: a=1; bh=xyz; b=ab\r\n cd; t=5"),
            "DKIM-Signature: a=1; bh=xyz; b=; t=5");
  EXPECT_EQ(strip_signature_value("DKIM-Signature: b = abc"), "DKIM-Signature: b =");
}

// RFC 8463 §A.3: both example signatures verify with the §A.2 keys.
TEST(Dkim, VerifiesRfc8463Example) {
  dns::FakeResolver zone;
  zone.add_txt("brisbane._domainkey.football.example.com", kRfc8463Ed25519Key);
  zone.add_txt("test._domainkey.football.example.com", kRfc8463RsaKey);
  auto verdicts = verify(zone, crlf(kRfc8463Signed));
  ASSERT_EQ(verdicts.size(), 2u);
  EXPECT_EQ(verdicts[0].result, AuthResult::pass) << verdicts[0].reason;
  EXPECT_EQ(verdicts[0].algorithm, "ed25519-sha256");
  EXPECT_EQ(verdicts[0].selector, "brisbane");
  EXPECT_EQ(verdicts[1].result, AuthResult::pass) << verdicts[1].reason;
  EXPECT_EQ(verdicts[1].key_bits, 1024u);
  // The same bytes with bare LF line ends verify too.
  auto lf = verify(zone, kRfc8463Signed);
  EXPECT_EQ(lf[0].result, AuthResult::pass);

  std::string tampered = crlf(kRfc8463Signed);
  tampered.replace(tampered.find("Is dinner"), 2, "IS");
  auto bad = verify(zone, tampered);
  EXPECT_EQ(bad[0].result, AuthResult::fail);
  EXPECT_EQ(bad[0].reason, "signature did not verify");
}

// RFC 8463 §A.1/A.2: the private key of the example matches the published public key.
TEST(Dkim, Rfc8463KeyPairMatches) {
  auto key = DkimPrivateKey::load(kRfc8463Ed25519Private);
  ASSERT_TRUE(key);
  EXPECT_EQ(key->algorithm(), DkimAlgorithm::ed25519_sha256);
  EXPECT_EQ(key->dns_record(), kRfc8463Ed25519Key);
}

class DkimRoundTrip : public ::testing::TestWithParam<std::tuple<DkimAlgorithm, Canon, Canon>> {};

TEST_P(DkimRoundTrip, SignThenVerify) {
  auto [algorithm, header_canon, body_canon] = GetParam();
  auto pair = generate_dkim_key(algorithm, 2048);
  ASSERT_TRUE(pair) << pair.error().message;
  auto key = DkimPrivateKey::load(pair->private_pem);
  ASSERT_TRUE(key) << key.error().message;
  dns::FakeResolver zone;
  zone.add_txt("sel._domainkey.example.test", pair->dns_record);
  auto options = sign_options("example.test", "sel");
  options.header_canon = header_canon;
  options.body_canon = body_canon;
  options.timestamp = 1'799'999'000;
  const std::string message = crlf(kMessage);
  auto field = dkim_sign(message, *key, options);
  ASSERT_TRUE(field) << field.error().message;
  auto verdicts = verify(zone, *field + message);
  ASSERT_EQ(verdicts.size(), 1u);
  EXPECT_EQ(verdicts[0].result, AuthResult::pass) << verdicts[0].reason << "\n" << *field;
  EXPECT_EQ(verdicts[0].identity, "@example.test");

  // A modified body breaks the body hash.
  auto body_changed = verify(zone, *field + message + "P.S. wire the money\r\n");
  EXPECT_EQ(body_changed[0].result, AuthResult::fail);
  EXPECT_EQ(body_changed[0].reason, "body hash did not verify");
  // A second From cannot be added above the signed one (From is oversigned).
  auto from_added = verify(zone, *field + "From: mallory@evil.test\r\n" + message);
  EXPECT_EQ(from_added[0].result, AuthResult::fail);
}

INSTANTIATE_TEST_SUITE_P(AllCanonicalizations, DkimRoundTrip,
                         ::testing::Combine(::testing::Values(DkimAlgorithm::rsa_sha256,
                                                              DkimAlgorithm::ed25519_sha256),
                                            ::testing::Values(Canon::simple, Canon::relaxed),
                                            ::testing::Values(Canon::simple, Canon::relaxed)));

TEST(Dkim, RelaxedToleratesWhitespaceChanges) {
  auto key = DkimPrivateKey::load(kRfc8463Ed25519Private);
  dns::FakeResolver zone;
  zone.add_txt("brisbane._domainkey.example.test", kRfc8463Ed25519Key);
  auto options = sign_options("example.test", "brisbane");
  const std::string message = crlf(kMessage);
  auto field = dkim_sign(message, *key, options);
  ASSERT_TRUE(field);
  std::string rewrapped = message;
  rewrapped.replace(rewrapped.find("Subject: Lunch"), 14, "subject:   Lunch  ");
  rewrapped.replace(rewrapped.find("meet   at"), 9, "meet\tat");
  EXPECT_EQ(verify(zone, *field + rewrapped)[0].result, AuthResult::pass);
}

TEST(Dkim, BodyLengthIsHonouredAndNoted) {
  auto key = DkimPrivateKey::load(kRfc8463Ed25519Private);
  dns::FakeResolver zone;
  zone.add_txt("brisbane._domainkey.example.test", kRfc8463Ed25519Key);
  auto options = sign_options("example.test", "brisbane");
  options.body_length = true;
  const std::string message = crlf(kMessage);
  auto field = dkim_sign(message, *key, options);
  ASSERT_TRUE(field);
  EXPECT_NE(field->find(" l="), std::string::npos);
  auto appended = verify(zone, *field + message + "-- \r\nappended by a list\r\n");
  EXPECT_EQ(appended[0].result, AuthResult::pass) << appended[0].reason;
  ASSERT_TRUE(appended[0].body_length);
  EXPECT_GT(appended[0].unsigned_body_bytes, 0u);  // counted after canonicalisation
  EXPECT_EQ(verify(zone, *field + message)[0].unsigned_body_bytes, 0u);
  EXPECT_NE(appended[0].reason.find("body bytes signed"), std::string::npos);
}

TEST(Dkim, ExpiryAndFutureTimestamps) {
  auto key = DkimPrivateKey::load(kRfc8463Ed25519Private);
  dns::FakeResolver zone;
  zone.add_txt("brisbane._domainkey.example.test", kRfc8463Ed25519Key);
  auto options = sign_options("example.test", "brisbane");
  options.timestamp = 1'000;
  options.expire_after = 3'600;
  const std::string message = crlf(kMessage);
  auto field = dkim_sign(message, *key, options);
  ASSERT_TRUE(field);
  EXPECT_EQ(verify(zone, *field + message, at(2'000))[0].result, AuthResult::pass);
  auto expired = verify(zone, *field + message, at(4'601));
  EXPECT_EQ(expired[0].result, AuthResult::fail);
  EXPECT_EQ(expired[0].reason, "signature expired");
  options.timestamp = 1'800'100'000;
  options.expire_after.reset();
  auto future = dkim_sign(message, *key, options);
  EXPECT_EQ(verify(zone, *future + message, at(1'800'000'000))[0].result, AuthResult::permerror);
}

struct KeyCase {
  const char* name;
  std::string record;  // "" -> no record at all
  AuthResult expected;
  const char* reason_part;
};

TEST(Dkim, KeyRecordRules) {
  auto key = DkimPrivateKey::load(kRfc8463Ed25519Private);
  auto options = sign_options("example.test", "s");
  options.identity = "user@sub.example.test";
  const std::string message = crlf(kMessage);
  auto field = dkim_sign(message, *key, options);
  ASSERT_TRUE(field);
  const std::string p = "p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
  const std::vector<KeyCase> cases = {
      {"plain", "k=ed25519; " + p, AuthResult::pass, "key"},
      {"testing", "k=ed25519; t=y; " + p, AuthResult::pass, "test mode"},
      {"strict-identity", "k=ed25519; t=s; " + p, AuthResult::permerror, "t=s"},
      {"hash-restricted", "k=ed25519; h=sha1; " + p, AuthResult::permerror, "h="},
      {"hash-allowed", "k=ed25519; h=sha1:sha256; " + p, AuthResult::pass, "key"},
      {"revoked", "k=ed25519; p=", AuthResult::permerror, "revoked"},
      {"wrong-type", p, AuthResult::permerror, "k=rsa"},
      {"service", "k=ed25519; s=tlsrpt; " + p, AuthResult::permerror, "s="},
      {"bad-version", "v=DKIM2; k=ed25519; " + p, AuthResult::permerror, "v="},
      {"bad-base64", "k=ed25519; p=!!!!", AuthResult::permerror, "base64"},
      {"short-key", "k=ed25519; p=AAAA", AuthResult::permerror, "32 bytes"},
      {"absent", "", AuthResult::permerror, "no key"},
  };
  for (const auto& c : cases) {
    dns::FakeResolver zone;
    if (!c.record.empty()) zone.add_txt("s._domainkey.example.test", c.record);
    auto v = verify(zone, *field + message);
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].result, c.expected) << c.name << ": " << v[0].reason;
    EXPECT_NE(v[0].reason.find(c.reason_part), std::string::npos) << c.name << ": " << v[0].reason;
  }
  dns::FakeResolver down;
  down.fail("s._domainkey.example.test");
  EXPECT_EQ(verify(down, *field + message)[0].result, AuthResult::temperror);
}

// RFC 8301 §3.2: RSA keys shorter than 1024 bits are not accepted.
TEST(Dkim, RejectsShortRsaKeys) {
  EVP_PKEY* small = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{512});
  ASSERT_NE(small, nullptr);
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(small, &der);
  std::string p = encode_base64(std::string_view(reinterpret_cast<char*>(der), std::size_t(len)));
  OPENSSL_free(der);
  // Sign with the short key through OpenSSL's PEM (DkimPrivateKey refuses to load it).
  EXPECT_FALSE(generate_dkim_key(DkimAlgorithm::rsa_sha256, 512));
  EVP_PKEY_free(small);
  auto record = parse_dkim_key_record("k=rsa; p=" + p);
  ASSERT_TRUE(record);
  auto loaded = load_public_key(*record);
  ASSERT_TRUE(loaded);
  DkimSignature sig;
  sig.algorithm = DkimAlgorithm::rsa_sha256;
  sig.domain = "example.test";
  sig.selector = "s";
  sig.identity = "@example.test";
  dns::FakeResolver zone;
  zone.add_txt("s._domainkey.example.test", "k=rsa; p=" + p);
  auto check = check_key(zone.lookup("s._domainkey.example.test", dns::RType::txt), sig, {});
  ASSERT_TRUE(check.failure);
  EXPECT_EQ(check.failure->result, AuthResult::permerror);
  EXPECT_NE(check.failure->reason.find("too short"), std::string::npos);
}

TEST(Dkim, SignatureSyntaxErrorsArePermerrors) {
  const std::string body = crlf(kMessage);
  struct Case {
    const char* field;
    const char* reason_part;
  };
  const std::vector<Case> cases = {
      {"v=2; a=rsa-sha256; d=x.test; s=s; h=from; bh=AAAA; b=AAAA", "version"},
      {"v=1; a=rsa-md5; d=x.test; s=s; h=from; bh=AAAA; b=AAAA", "algorithm"},
      {"v=1; a=rsa-sha256; d=x.test; s=s; h=to; bh=AAAA; b=AAAA", "From"},
      {"v=1; a=rsa-sha256; d=x.test; s=s; h=from; bh=AAAA; b=AAAA; i=a@other.test", "i="},
      {"v=1; a=rsa-sha256; d=x.test; s=s; h=from; bh=AAAA", "b="},
      {"v=1; a=rsa-sha256; d=x.test; h=from; bh=AAAA; b=AAAA", "s="},
      {"v=1; a=rsa-sha256; d=x.test; s=s; h=from; bh=AAAA; b=AAAA; c=fancy", "canonical"},
      {"v=1; a=rsa-sha256; d=x.test; s=s; h=from; bh=AAAA; b=AAAA; t=10; x=5", "x="},
      {"v=1; a=rsa-sha256; d=x.test; s=s; h=from; bh=AAAA; b=AAAA; l=ten", "l="},
      {"v=1; v=1; a=rsa-sha256", "duplicate"},
      {"v=1; a=rsa-sha1; d=x.test; s=s; h=from; bh=AAAA; b=AAAA", "RFC 8301"},
  };
  dns::FakeResolver zone;
  for (const auto& c : cases) {
    auto v = verify(zone, std::string("DKIM-Signature: ") + c.field + "\r\n" + body);
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].result, AuthResult::permerror) << c.field;
    EXPECT_NE(v[0].reason.find(c.reason_part), std::string::npos) << c.field << ": " << v[0].reason;
  }
  EXPECT_TRUE(zone.queries().empty());  // no DNS for signatures that cannot verify
}

TEST(Dkim, NoSignatureMeansNoVerdicts) {
  dns::FakeResolver zone;
  EXPECT_TRUE(verify(zone, crlf(kMessage)).empty());
}

TEST(Dkim, SigningNeedsFromAndSaneOptions) {
  auto key = DkimPrivateKey::load(kRfc8463Ed25519Private);
  EXPECT_FALSE(dkim_sign("To: a@b\r\n\r\nhi\r\n", *key, sign_options("x.test", "s")));
  EXPECT_FALSE(dkim_sign(crlf(kMessage), *key, sign_options("x; y", "s")));
  EXPECT_FALSE(DkimPrivateKey::load("not a key"));
}

TEST(Dkim, KeyGenerationRecords) {
  auto rsa = generate_dkim_key(DkimAlgorithm::rsa_sha256, 1024);
  ASSERT_TRUE(rsa);
  EXPECT_TRUE(rsa->private_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
  EXPECT_TRUE(rsa->dns_record.starts_with("v=DKIM1; k=rsa; p=MIGf"));
  auto ed = generate_dkim_key(DkimAlgorithm::ed25519_sha256);
  ASSERT_TRUE(ed);
  auto record = parse_dkim_key_record(ed->dns_record);
  ASSERT_TRUE(record);
  EXPECT_EQ(record->key_type, "ed25519");
  EXPECT_EQ(record->public_key.size(), 32u);
}

}  // namespace
}  // namespace facteur::mailauth
