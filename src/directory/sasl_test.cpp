#include "directory/sasl.hpp"

#include <gtest/gtest.h>

#include "base/strings.hpp"
#include "base/base64.hpp"
#include "directory/scram.hpp"

namespace facteur::directory {
namespace {

using namespace std::string_literals;

// Cheap Argon2 so the tests stay fast; the decoy for unknown users uses the same cost.
constexpr Argon2Params kCheap{64, 1, 1};

Credentials creds_for(std::string_view password) {
  CredentialOptions opts;
  opts.argon2 = kCheap;
  auto c = make_credentials(password, opts);
  EXPECT_TRUE(c.has_value());
  return c.value_or(Credentials{});
}

SaslOptions cheap_options() {
  SaslOptions o;
  o.decoy_cost = kCheap;
  return o;
}

template <class T>
const T& as(const SaslStep& step) {
  EXPECT_TRUE(std::holds_alternative<T>(step)) << "variant index " << step.index();
  static const T empty{};
  const T* p = std::get_if<T>(&step);
  return p ? *p : empty;
}

SaslError error_of(const SaslStep& step) {
  const auto* f = std::get_if<SaslFailure>(&step);
  EXPECT_NE(f, nullptr) << "variant index " << step.index();
  return f ? f->error : SaslError::out_of_order;
}

TEST(SaslMechanisms, Names) {
  EXPECT_EQ(parse_sasl_mechanism("plain"), SaslMechanism::plain);
  EXPECT_EQ(parse_sasl_mechanism("LOGIN"), SaslMechanism::login);
  EXPECT_EQ(parse_sasl_mechanism("Scram-Sha-256"), SaslMechanism::scram_sha_256);
  EXPECT_EQ(parse_sasl_mechanism("SCRAM-SHA-256-PLUS"), std::nullopt);
  EXPECT_EQ(parse_sasl_mechanism("CRAM-MD5"), std::nullopt);
  EXPECT_EQ(to_string(SaslMechanism::scram_sha_256), "SCRAM-SHA-256");
  EXPECT_TRUE(is_plaintext(SaslMechanism::plain));
  EXPECT_TRUE(is_plaintext(SaslMechanism::login));
  EXPECT_FALSE(is_plaintext(SaslMechanism::scram_sha_256));
}

// ---- PLAIN (RFC 4616)

// RFC 4616 §4, first example: no authzid, authcid "tim", password "tanstaaftanstaaf".
TEST(SaslPlain, Rfc4616ExampleWithInitialResponse) {
  auto m = make_sasl_server(SaslMechanism::plain, cheap_options());
  auto need = as<SaslNeedCredentials>(m->step("\0tim\0tanstaaftanstaaf"s));
  EXPECT_EQ(need.authcid, "tim");
  EXPECT_EQ(need.authzid, "");
  auto ok = as<SaslSuccess>(m->provide_credentials(creds_for("tanstaaftanstaaf")));
  EXPECT_EQ(ok.authcid, "tim");
  // The exchange is over.
  EXPECT_EQ(error_of(m->step("x"s)), SaslError::out_of_order);
}

// RFC 4616 §4, second example: authzid "Ursel" acting as "Kurt": refused unless proxying is on.
TEST(SaslPlain, Rfc4616ExampleWithAuthzid) {
  auto m = make_sasl_server(SaslMechanism::plain, cheap_options());
  EXPECT_EQ(error_of(m->step("Ursel\0Kurt\0xipj3plmq"s)), SaslError::not_permitted);

  SaslOptions proxy = cheap_options();
  proxy.allow_authzid = true;
  m = make_sasl_server(SaslMechanism::plain, proxy);
  auto need = as<SaslNeedCredentials>(m->step("Ursel\0Kurt\0xipj3plmq"s));
  EXPECT_EQ(need.authcid, "Kurt");
  EXPECT_EQ(need.authzid, "Ursel");
  auto ok = as<SaslSuccess>(m->provide_credentials(creds_for("xipj3plmq")));
  EXPECT_EQ(ok.authzid, "Ursel");
}

TEST(SaslPlain, AuthzidEqualToAuthcidIsFine) {
  auto m = make_sasl_server(SaslMechanism::plain, cheap_options());
  auto need = as<SaslNeedCredentials>(m->step("kurt\0kurt\0pw"s));
  EXPECT_EQ(need.authcid, "kurt");
}

TEST(SaslPlain, WithoutInitialResponseSendsEmptyChallenge) {
  auto m = make_sasl_server(SaslMechanism::plain, cheap_options());
  EXPECT_EQ(as<SaslChallenge>(m->step(std::nullopt)).data, "");
  as<SaslNeedCredentials>(m->step("\0tim\0pw"s));
  as<SaslSuccess>(m->provide_credentials(creds_for("pw")));
}

TEST(SaslPlain, WrongPasswordAndUnknownUser) {
  auto m = make_sasl_server(SaslMechanism::plain, cheap_options());
  as<SaslNeedCredentials>(m->step("\0tim\0wrong"s));
  EXPECT_EQ(error_of(m->provide_credentials(creds_for("right"))), SaslError::bad_credentials);

  m = make_sasl_server(SaslMechanism::plain, cheap_options());
  as<SaslNeedCredentials>(m->step("\0nobody\0pw"s));
  EXPECT_EQ(error_of(m->provide_credentials(std::nullopt)), SaslError::bad_credentials);
}

TEST(SaslPlain, MalformedMessages) {
  const std::string bad[] = {
      ""s,
      "\0"s,
      "\0\0"s,
      "tim"s,
      "\0tim"s,
      "\0\0pw"s,
      "\0tim\0"s,
      "\0tim\0pw\0"s,
      "a\0b\0c\0d"s,
      "\0"s + std::string(256, 'u') + "\0pw"s,
      "\0tim\0"s + std::string(256, 'p'),
      std::string(256, 'z') + "\0tim\0pw"s,
      "\0tim\0\xff\xfe"s,
      "\0\xc0\xaftim\0pw"s,    // overlong '/'
      "\0tim\0\xed\xa0\x80"s,  // surrogate
  };
  for (const auto& msg : bad) {
    auto m = make_sasl_server(SaslMechanism::plain, cheap_options());
    EXPECT_EQ(error_of(m->step(msg)), SaslError::malformed) << msg.size();
  }
}

TEST(SaslPlain, OutOfOrderCalls) {
  auto m = make_sasl_server(SaslMechanism::plain, cheap_options());
  EXPECT_EQ(error_of(m->provide_credentials(creds_for("pw"))), SaslError::out_of_order);
  m = make_sasl_server(SaslMechanism::plain, cheap_options());
  as<SaslNeedCredentials>(m->step("\0tim\0pw"s));
  EXPECT_EQ(error_of(m->step("\0tim\0pw"s)), SaslError::out_of_order);
  EXPECT_EQ(error_of(m->provide_credentials(creds_for("pw"))), SaslError::out_of_order);
}

// ---- LOGIN

TEST(SaslLogin, ChallengesThenCredentials) {
  auto m = make_sasl_server(SaslMechanism::login, cheap_options());
  EXPECT_EQ(as<SaslChallenge>(m->step(std::nullopt)).data, "Username:");
  EXPECT_EQ(as<SaslChallenge>(m->step("tim"s)).data, "Password:");
  auto need = as<SaslNeedCredentials>(m->step("pass word"s));
  EXPECT_EQ(need.authcid, "tim");
  EXPECT_EQ(as<SaslSuccess>(m->provide_credentials(creds_for("pass word"))).authcid, "tim");
}

// Clients send the user name as the initial response ("AUTH LOGIN dGlt").
TEST(SaslLogin, InitialResponseIsTheUserName) {
  auto m = make_sasl_server(SaslMechanism::login, cheap_options());
  EXPECT_EQ(as<SaslChallenge>(m->step("tim"s)).data, "Password:");
  as<SaslNeedCredentials>(m->step("pw"s));
  EXPECT_EQ(error_of(m->provide_credentials(creds_for("other"))), SaslError::bad_credentials);
}

TEST(SaslLogin, EmptyInitialResponseAsksForTheName) {
  auto m = make_sasl_server(SaslMechanism::login, cheap_options());
  EXPECT_EQ(as<SaslChallenge>(m->step(""s)).data, "Username:");
}

TEST(SaslLogin, MalformedFields) {
  auto m = make_sasl_server(SaslMechanism::login, cheap_options());
  as<SaslChallenge>(m->step(std::nullopt));
  EXPECT_EQ(error_of(m->step(""s)), SaslError::malformed);

  m = make_sasl_server(SaslMechanism::login, cheap_options());
  as<SaslChallenge>(m->step("tim"s));
  EXPECT_EQ(error_of(m->step(""s)), SaslError::malformed);

  m = make_sasl_server(SaslMechanism::login, cheap_options());
  EXPECT_EQ(error_of(m->step("t\0im"s)), SaslError::malformed);

  m = make_sasl_server(SaslMechanism::login, cheap_options());
  EXPECT_EQ(error_of(m->step(std::string(300, 'u'))), SaslError::malformed);
}

// ---- SCRAM-SHA-256 (RFC 5802, RFC 7677)

// What a client computes for client-final-message, given the server-first message.
std::string client_final(std::string_view password, std::string_view client_first_bare,
                         std::string_view server_first, std::string_view gs2_header) {
  std::string nonce, salt_b64;
  std::uint32_t iterations = 0;
  for (auto attr : split(server_first, ',')) {
    if (attr.starts_with("r=")) nonce = attr.substr(2);
    if (attr.starts_with("s=")) salt_b64 = attr.substr(2);
    if (attr.starts_with("i=")) iterations = std::uint32_t(std::stoul(std::string(attr.substr(2))));
  }
  const std::string salted = scram::hi(password, base64_decode(salt_b64).value_or(""), iterations);
  const std::string client_key = scram::hmac(salted, "Client Key");
  const std::string without_proof = "c=" + base64_encode(gs2_header) + ",r=" + nonce;
  const std::string auth_message =
      std::string(client_first_bare) + "," + std::string(server_first) + "," + without_proof;
  const std::string signature = scram::hmac(scram::h(client_key), auth_message);
  std::string proof(32, '\0');
  for (int i = 0; i < 32; ++i)
    proof[i] = char(client_key[i] ^ signature[i]);
  return without_proof + ",p=" + base64_encode(proof);
}

Credentials rfc7677_credentials() {
  Credentials c = creds_for("pencil");
  auto scram = make_scram_credentials("pencil", 4096,
                                      base64_decode("W22ZaJ0SNY7soEsUEjb6gQ==").value_or(""));
  EXPECT_TRUE(scram.has_value());
  c.scram_sha256 = serialize(*scram);
  return c;
}

SaslOptions rfc7677_options() {
  SaslOptions o = cheap_options();
  o.fixed_server_nonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
  return o;
}

// RFC 7677 §3: the complete example exchange, byte for byte.
TEST(SaslScram, Rfc7677Example) {
  auto m = make_sasl_server(SaslMechanism::scram_sha_256, rfc7677_options());
  auto need = as<SaslNeedCredentials>(m->step("n,,n=user,r=rOprNGfwEbeRWgbNEkqO"s));
  EXPECT_EQ(need.authcid, "user");
  EXPECT_EQ(as<SaslChallenge>(m->provide_credentials(rfc7677_credentials())).data,
            "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,"
            "i=4096");
  EXPECT_EQ(as<SaslChallenge>(m->step("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                                      "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="s))
                .data,
            "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
  // POP3/SMTP/IMAP4rev1: the server-final message went out as a challenge; empty answer.
  auto ok = as<SaslSuccess>(m->step(""s));
  EXPECT_EQ(ok.authcid, "user");
  EXPECT_EQ(ok.additional_data, "");
}

TEST(SaslScram, Rfc7677ExampleWithSuccessData) {
  SaslOptions o = rfc7677_options();
  o.success_data_as_challenge = false;
  auto m = make_sasl_server(SaslMechanism::scram_sha_256, o);
  as<SaslNeedCredentials>(m->step("n,,n=user,r=rOprNGfwEbeRWgbNEkqO"s));
  as<SaslChallenge>(m->provide_credentials(rfc7677_credentials()));
  auto ok =
      as<SaslSuccess>(m->step("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                              "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="s));
  EXPECT_EQ(ok.additional_data, "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
}

// Runs a whole exchange as a client would; returns the final step.
SaslStep run_scram(const SaslOptions& options, std::string_view gs2_header,
                   std::string_view user_field, std::string_view password,
                   const std::optional<Credentials>& record, bool initial_response = true) {
  auto m = make_sasl_server(SaslMechanism::scram_sha_256, options);
  const std::string bare = "n=" + std::string(user_field) + ",r=clientNONCE123";
  if (!initial_response) {
    auto first = m->step(std::nullopt);
    EXPECT_EQ(as<SaslChallenge>(first).data, "");
  }
  auto step = m->step(std::string(gs2_header) + bare);
  if (!std::holds_alternative<SaslNeedCredentials>(step)) return step;
  step = m->provide_credentials(record);
  const std::string server_first = as<SaslChallenge>(step).data;
  EXPECT_TRUE(server_first.starts_with("r=clientNONCE123")) << server_first;
  step = m->step(client_final(password, bare, server_first, gs2_header));
  if (!std::holds_alternative<SaslChallenge>(step)) return step;
  return m->step(""s);
}

TEST(SaslScram, RandomServerNonceRoundTrip) {
  Credentials c = creds_for("s3cret");
  auto ok = as<SaslSuccess>(run_scram(cheap_options(), "n,,", "alice", "s3cret", c, false));
  EXPECT_EQ(ok.authcid, "alice");
}

TEST(SaslScram, ChannelBindingFlags) {
  Credentials c = creds_for("pw");
  // "y": the client could bind but believes we cannot; true, we do not offer -PLUS.
  as<SaslSuccess>(run_scram(cheap_options(), "y,,", "bob", "pw", c));
  // "p=": binding requested; not supported.
  EXPECT_EQ(error_of(run_scram(cheap_options(), "p=tls-unique,,", "bob", "pw", c)),
            SaslError::not_permitted);
}

TEST(SaslScram, AuthzidAndEscapedNames) {
  Credentials c = creds_for("pw");
  auto ok = as<SaslSuccess>(run_scram(cheap_options(), "n,a=bob,", "bob", "pw", c));
  EXPECT_EQ(ok.authzid, "bob");
  EXPECT_EQ(error_of(run_scram(cheap_options(), "n,a=root,", "bob", "pw", c)),
            SaslError::not_permitted);
  // "=2C" and "=3D" decode to ',' and '=' (RFC 5802 §5.1).
  auto m = make_sasl_server(SaslMechanism::scram_sha_256, cheap_options());
  EXPECT_EQ(as<SaslNeedCredentials>(m->step("n,,n=a=2Cb=3Dc,r=x"s)).authcid, "a,b=c");
}

TEST(SaslScram, WrongPasswordUnknownUserAndMissingKeys) {
  Credentials c = creds_for("pw");
  EXPECT_EQ(error_of(run_scram(cheap_options(), "n,,", "bob", "wrong", c)),
            SaslError::bad_credentials);
  EXPECT_EQ(error_of(run_scram(cheap_options(), "n,,", "nobody", "pw", std::nullopt)),
            SaslError::bad_credentials);
  Credentials no_scram = c;
  no_scram.scram_sha256.clear();
  EXPECT_EQ(error_of(run_scram(cheap_options(), "n,,", "bob", "pw", no_scram)),
            SaslError::bad_credentials);
}

// An unknown account gets a server-first message like a real one, with the same salt each time.
TEST(SaslScram, UnknownUsersLookReal) {
  auto first = [](std::string_view user) {
    auto m = make_sasl_server(SaslMechanism::scram_sha_256, cheap_options());
    as<SaslNeedCredentials>(m->step("n,,n=" + std::string(user) + ",r=abc"));
    std::string sf = as<SaslChallenge>(m->provide_credentials(std::nullopt)).data;
    return sf.substr(sf.find(",s="));  // salt and iterations, without the random nonce
  };
  EXPECT_EQ(first("ghost"), first("ghost"));
  EXPECT_NE(first("ghost"), first("phantom"));
  EXPECT_TRUE(first("ghost").ends_with(",i=4096"));
}

TEST(SaslScram, MalformedClientFirst) {
  const std::string bad[] = {
      "",
      "n",
      "n,",
      "x,,n=user,r=abc",
      "n,,",
      "n,,r=abc",
      "n,,n=user",
      "n,,n=user,r=",
      "n,,n=,r=abc",
      "n,,n=us=2Der,r=abc",
      "n,,n=user,x=abc",
      "n,b=bob,n=user,r=abc",
      "n,,n=user,r=ab\x01",
      "n,,n=\xff,r=abc",
  };
  for (const auto& msg : bad) {
    auto m = make_sasl_server(SaslMechanism::scram_sha_256, cheap_options());
    EXPECT_EQ(error_of(m->step(msg)), SaslError::malformed) << msg;
  }
  auto m = make_sasl_server(SaslMechanism::scram_sha_256, cheap_options());
  EXPECT_EQ(error_of(m->step("n,,m=ext,n=user,r=abc"s)), SaslError::not_permitted);
}

TEST(SaslScram, MalformedClientFinal) {
  const Credentials c = creds_for("pw");
  auto start = [&] {
    auto m = make_sasl_server(SaslMechanism::scram_sha_256, rfc7677_options());
    as<SaslNeedCredentials>(m->step("n,,n=bob,r=cn"s));
    as<SaslChallenge>(m->provide_credentials(c));
    return m;
  };
  const std::string nonce = "cn%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
  const std::string proof = "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
  const std::string bad[] = {
      "",
      "c=biws,r=" + nonce,                // no proof
      "c=eSws,r=" + nonce + "," + proof,  // "y,," binding after an "n" header
      "c=biws,r=other," + proof,          // nonce mismatch
      "c=biws,r=cn," + proof,             // client part of the nonce only
      "c=!!,r=" + nonce + "," + proof,    // bad base64
      "r=" + nonce + ",c=biws," + proof,  // order
      "c=biws,r=" + nonce + ",p=AAAA",    // short proof
      "c=biws,r=" + nonce + ",p=",        // empty proof
  };
  for (const auto& msg : bad) {
    auto m = start();
    EXPECT_EQ(error_of(m->step(msg)), SaslError::malformed) << msg;
  }
  // Right syntax, wrong proof.
  auto m = start();
  EXPECT_EQ(error_of(m->step("c=biws,r=" + nonce + "," + proof)), SaslError::bad_credentials);
}

TEST(SaslScram, ServerFinalMustBeAcknowledgedEmpty) {
  Credentials c = creds_for("pw");
  auto m = make_sasl_server(SaslMechanism::scram_sha_256, cheap_options());
  const std::string bare = "n=bob,r=abc";
  as<SaslNeedCredentials>(m->step("n,," + bare));
  const std::string sf = as<SaslChallenge>(m->provide_credentials(c)).data;
  as<SaslChallenge>(m->step(client_final("pw", bare, sf, "n,,")));
  EXPECT_EQ(error_of(m->step("junk"s)), SaslError::malformed);
}

}  // namespace
}  // namespace facteur::directory
