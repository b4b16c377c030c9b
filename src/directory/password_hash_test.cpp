#include "directory/password_hash.hpp"

#include <gtest/gtest.h>

namespace facteur::directory {
namespace {

std::string from_hex(std::string_view hex) {
  std::string out;
  int nibble = -1;
  for (char c : hex) {
    int v = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
    if (v < 0) continue;  // spaces
    if (nibble < 0) {
      nibble = v;
    } else {
      out += static_cast<char>(nibble * 16 + v);
      nibble = -1;
    }
  }
  return out;
}

// RFC 9106 §5.1-5.3: t=3, m=32 KiB, p=4, password 32 x 0x01, salt 16 x 0x02, secret 8 x 0x03,
// associated data 12 x 0x04, 32-byte tag, version 0x13.
TEST(Argon2, Rfc9106TestVectors) {
  struct Case {
    Argon2Type type;
    const char* tag;
  };
  const Case cases[] = {
      {Argon2Type::argon2d,
       "51 2b 39 1b 6f 11 62 97 53 71 d3 09 19 73 42 94 f8 68 e3 be 39 84 f3 c1 a1 3a 4d b9 fa be "
       "4a cb"},
      {Argon2Type::argon2i,
       "c8 14 d9 d1 dc 7f 37 aa 13 f0 d7 7f 24 94 bd a1 c8 de 6b 01 6d d3 88 d2 99 52 a4 c4 67 2b "
       "6c e8"},
      {Argon2Type::argon2id,
       "0d 64 0d f5 8d 78 76 6c 08 c0 37 a3 4a 8b 53 c9 d0 1e f0 45 2d 75 b6 5e b5 25 20 e9 6b 01 "
       "e6 59"},
  };
  for (const auto& c : cases) {
    auto tag =
        argon2_raw(c.type, 0x13, Argon2Params{32, 3, 4}, std::string(32, '\x01'),
                   std::string(16, '\x02'), std::string(8, '\x03'), std::string(12, '\x04'), 32);
    ASSERT_TRUE(tag.has_value());
    EXPECT_EQ(*tag, from_hex(c.tag)) << static_cast<int>(c.type);
  }
}

// PHC strings from the Argon2 reference implementation's test suite (phc-winner-argon2).
TEST(Argon2, ReferencePhcStringsVerify) {
  const char* good[] = {
      "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
      "$argon2i$v=19$m=65536,t=2,p=1$ZGlmZnNhbHQ$sDV8zPvvkfOGCw26RHsjSMvv7K2vmQq/6cxAcmxSEnE",
      // Version 0x10: no "v=" field.
      "$argon2i$m=65536,t=2,p=1$c29tZXNhbHQ$9sTbSlTio3Biev89thdrlKKiCaYsjjYVJxGAL3swxpQ",
      "$argon2i$m=256,t=2,p=1$c29tZXNhbHQ$/U3YPXYsSb3q9XxHvc0MLxur+GP960kN9j7emXX8zwY",
  };
  for (const char* phc : good) {
    EXPECT_TRUE(verify_password(phc, "password")) << phc;
    EXPECT_FALSE(verify_password(phc, "passwore")) << phc;
  }
  // The reference's "wrong password" case: this hash is of "passwore".
  EXPECT_FALSE(verify_password(
      "$argon2i$m=65536,t=2,p=1$c29tZXNhbHQ$b2G3seW+uPzerwQQC+/E1K50CLLO7YXy0JRcaTuswRo",
      "password"));
}

constexpr Argon2Params kCheap{64, 1, 1};  // keeps the round-trip tests fast

TEST(Argon2, HashRoundTrip) {
  auto phc = hash_password("correct horse battery staple", kCheap);
  ASSERT_TRUE(phc.has_value());
  EXPECT_TRUE(phc->starts_with("$argon2id$v=19$m=64,t=1,p=1$")) << *phc;
  EXPECT_TRUE(verify_password(*phc, "correct horse battery staple"));
  EXPECT_FALSE(verify_password(*phc, "correct horse battery stapl"));
  EXPECT_FALSE(verify_password(*phc, ""));
  auto parsed = parse_phc(*phc);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->salt.size(), 16u);
  EXPECT_EQ(parsed->hash.size(), 32u);
  EXPECT_EQ(format_phc(*parsed), *phc);
}

TEST(Argon2, SaltsAreRandom) {
  auto a = hash_password("same", kCheap);
  auto b = hash_password("same", kCheap);
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);
}

TEST(Argon2, DefaultCostIsOwaspBaseline) {
  auto phc = hash_password("pw");
  ASSERT_TRUE(phc.has_value());
  EXPECT_TRUE(phc->starts_with("$argon2id$v=19$m=19456,t=2,p=1$")) << *phc;
  EXPECT_TRUE(verify_password(*phc, "pw"));
  EXPECT_FALSE(needs_rehash(*phc));
  EXPECT_TRUE(needs_rehash(*phc, Argon2Params{65536, 3, 1}));
}

TEST(Argon2, PasswordsWithNulAndNonAscii) {
  const std::string pw("p\0w\xc3\xa9", 5);
  auto phc = hash_password(pw, kCheap);
  ASSERT_TRUE(phc.has_value());
  EXPECT_TRUE(verify_password(*phc, pw));
  EXPECT_FALSE(verify_password(*phc, "p"));
}

TEST(Argon2, MalformedStringsNeverMatch) {
  const char* bad[] = {
      "",
      "$",
      "password",
      "$argon2id",
      "$argon2id$v=19",
      "$argon2id$v=19$m=64,t=1,p=1",
      "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQ",
      "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQ$",
      "$argon2id$v=19$m=64,t=1,p=1$$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
      "$argon2x$v=19$m=64,t=1,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
      "$argon2id$v=18$m=64,t=1,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
      "$argon2id$v=19$t=1,m=64,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
      "$argon2id$v=19$m=064,t=1,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
      "$argon2id$v=19$m=-1,t=1,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
      "$argon2id$v=19$m=4294967296,t=1,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
      "$argon2id$v=19$m=64,t=0,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
      "$argon2id$v=19$m=64,t=1,p=0$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
      "$argon2id$v=19$m=4,t=1,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
      "$argon2id$v=19$m=64,t=1,p=1,x=2$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
      "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQ=$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
      "$argon2id$v=19$m=64,t=1,p=1$c2$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
      "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQ$CTFh!dXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
      "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc$x",
  };
  for (const char* phc : bad) {
    EXPECT_FALSE(parse_phc(phc).has_value()) << phc;
    EXPECT_FALSE(verify_password(phc, "password")) << phc;
    EXPECT_TRUE(needs_rehash(phc)) << phc;
  }
}

// A corrupt or hostile record must not make a login allocate gigabytes or spin for minutes.
TEST(Argon2, OverCostStringsAreRefusedNotComputed) {
  const char* costly[] = {
      "$argon2id$v=19$m=4194304,t=1,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
      "$argon2id$v=19$m=64,t=100000,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
      "$argon2id$v=19$m=65536,t=1,p=200$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
  };
  for (const char* phc : costly) {
    EXPECT_TRUE(parse_phc(phc).has_value()) << phc;         // well-formed...
    EXPECT_FALSE(verify_password(phc, "password")) << phc;  // ...but not computed
  }
  EXPECT_FALSE(hash_password("x", Argon2Params{4 * 1024 * 1024, 1, 1}).has_value());
  EXPECT_FALSE(hash_password("x", Argon2Params{64, 0, 1}).has_value());
}

}  // namespace
}  // namespace facteur::directory
