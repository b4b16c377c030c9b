#include "directory/apop.hpp"

#include <gtest/gtest.h>

namespace facteur::directory {
namespace {

// RFC 1939 §7, APOP example: shared secret "tanstaaf".
constexpr std::string_view kTimestamp = "<1896.697170952@dbc.mtview.ca.us>";

TEST(Apop, Rfc1939Example) {
  EXPECT_EQ(apop_digest(kTimestamp, "tanstaaf"), "c4c9334bac560ecc979e58001b3e22fb");
  EXPECT_TRUE(apop_digest_matches(kTimestamp, "tanstaaf", "c4c9334bac560ecc979e58001b3e22fb"));
  EXPECT_TRUE(apop_digest_matches(kTimestamp, "tanstaaf", "C4C9334BAC560ECC979E58001B3E22FB"));
}

TEST(Apop, Mismatches) {
  EXPECT_FALSE(apop_digest_matches(kTimestamp, "tanstaaF", "c4c9334bac560ecc979e58001b3e22fb"));
  EXPECT_FALSE(apop_digest_matches("<1896.697170953@dbc.mtview.ca.us>", "tanstaaf",
                                   "c4c9334bac560ecc979e58001b3e22fb"));
  EXPECT_FALSE(apop_digest_matches(kTimestamp, "tanstaaf", "c4c9334bac560ecc979e58001b3e22f"));
  EXPECT_FALSE(apop_digest_matches(kTimestamp, "tanstaaf", "c4c9334bac560ecc979e58001b3e22fb0"));
  EXPECT_FALSE(apop_digest_matches(kTimestamp, "tanstaaf", ""));
  EXPECT_FALSE(apop_digest_matches(kTimestamp, "tanstaaf", "z4c9334bac560ecc979e58001b3e22fb"));
}

}  // namespace
}  // namespace facteur::directory
