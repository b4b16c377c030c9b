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

// Ports as written in config (listen addresses, routes, URLs, DNS servers): digits only.
TEST(Strings, ParsePort) {
  EXPECT_EQ(parse_port("25"), 25);
  EXPECT_EQ(parse_port("65535"), 65535);
  EXPECT_EQ(parse_port("0", /*allow_zero=*/true), 0);
  for (std::string_view bad :
       {"", "0", "65536", "4294967349", "99999999999", "+25", "-1", "2 5", "25x", " 25", "0x19"})
    EXPECT_FALSE(parse_port(bad)) << bad;
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
