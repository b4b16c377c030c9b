#include "base/strings.hpp"

#include <gtest/gtest.h>

namespace facteur {
namespace {

TEST(Strings, CaseInsensitiveCompare) {
  EXPECT_TRUE(iequals("EHLO", "ehlo"));
  EXPECT_FALSE(iequals("EHLO", "ehl"));
  EXPECT_TRUE(istarts_with("MAIL FROM:<a@b>", "mail from:"));
  EXPECT_FALSE(istarts_with("MAI", "mail"));
}

TEST(Strings, TrimAndSplit) {
  EXPECT_EQ(trim(" \t a b \t"), "a b");
  auto parts = split("a,,b", ',');
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[1], "");
  EXPECT_EQ(to_lower("Example.TEST"), "example.test");
}

}  // namespace
}  // namespace facteur
