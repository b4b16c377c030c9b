#include "base/base64.hpp"

#include <gtest/gtest.h>

namespace facteur {
namespace {

// RFC 4648 §10 test vectors.
TEST(Base64, Rfc4648Vectors) {
  const std::pair<const char*, const char*> cases[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (auto [plain, encoded] : cases) {
    EXPECT_EQ(base64_encode(plain), encoded);
    EXPECT_EQ(base64_decode(encoded), std::optional<std::string>(plain)) << encoded;
  }
}

TEST(Base64, UnpaddedForPhcStrings) {
  EXPECT_EQ(base64_encode("somesalt", Base64Padding::none), "c29tZXNhbHQ");
  EXPECT_EQ(base64_decode("c29tZXNhbHQ", Base64Padding::none), "somesalt");
  EXPECT_EQ(base64_decode("c29tZXNhbHQ=", Base64Padding::none), std::nullopt);
}

TEST(Base64, RejectsMalformed) {
  for (const char* bad : {"Zg", "Zg=", "Z===", "Zm9v\r\n", "Zm 9v", "Zm9v====", "Zh==", "*",
                          "Zm9=v", "====", "Zm8=Zm8="}) {
    EXPECT_EQ(base64_decode(bad), std::nullopt) << bad;
  }
}

TEST(Base64, AllByteValuesRoundTrip) {
  std::string all;
  for (int i = 0; i < 256; ++i)
    all += static_cast<char>(i);
  for (std::size_t n = 0; n <= all.size(); n += 37) {
    const std::string part = all.substr(0, n);
    EXPECT_EQ(base64_decode(base64_encode(part)), part);
    EXPECT_EQ(base64_decode(base64_encode(part, Base64Padding::none), Base64Padding::none), part);
  }
}

}  // namespace
}  // namespace facteur
