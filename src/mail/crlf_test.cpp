#include "mail/crlf.hpp"

#include <gtest/gtest.h>

namespace facteur::mail {
namespace {

std::string normalize(std::initializer_list<std::string_view> pieces) {
  CrlfNormalizer n;
  std::string out;
  for (auto p : pieces)
    n.feed(p, out);
  out.append(n.finish());
  return out;
}

TEST(CrlfNormalizer, BareLfBecomesCrlfAndCrlfStays) {
  EXPECT_EQ(normalize({"a\nb\r\nc\n"}), "a\r\nb\r\nc\r\n");
}

TEST(CrlfNormalizer, CrAndLfSplitAcrossPieces) {
  EXPECT_EQ(normalize({"a\r", "\nb", "\n"}), "a\r\nb\r\n");
  EXPECT_EQ(normalize({"a", "\n"}), "a\r\n");
}

TEST(CrlfNormalizer, FinalLineGetsItsEnd) {
  EXPECT_EQ(normalize({"a\r\nlast"}), "a\r\nlast\r\n");
  EXPECT_EQ(normalize({"a\r"}), "a\r\n");
  EXPECT_EQ(normalize({""}), "");
}

TEST(CrlfNormalizer, ResetForgetsThePreviousMessage) {
  CrlfNormalizer n;
  std::string out;
  n.feed("x\r", out);
  n.reset();
  out.clear();
  n.feed("\ny", out);
  EXPECT_EQ(out, "\r\ny");
}

}  // namespace
}  // namespace facteur::mail
