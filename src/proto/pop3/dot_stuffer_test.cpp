#include "proto/pop3/dot_stuffer.hpp"

#include <gtest/gtest.h>

namespace facteur::pop3 {
namespace {

struct Case {
  const char* name;
  std::string message;
  std::optional<std::size_t> top;
  std::string expected;  // the multi-line response body, terminator included
};

// RFC 1939 §3 (byte-stuffing, termination) and §7 (TOP).
const Case kCases[] = {
    {"empty message", "", std::nullopt, ".\r\n"},
    {"one CRLF line", "a\r\n", std::nullopt, "a\r\n.\r\n"},
    {"no final newline", "a\r\nb", std::nullopt, "a\r\nb\r\n.\r\n"},
    {"bare LF becomes CRLF", "a\nb\n", std::nullopt, "a\r\nb\r\n.\r\n"},
    {"mixed endings", "a\r\nb\nc", std::nullopt, "a\r\nb\r\nc\r\n.\r\n"},
    {"leading dot doubled", ".a\r\n..b\r\n.\r\n", std::nullopt, "..a\r\n...b\r\n..\r\n.\r\n"},
    {"dot first byte, no newline", ".", std::nullopt, "..\r\n.\r\n"},
    {"dot not at line start", "a.b\r\n a.\r\n", std::nullopt, "a.b\r\n a.\r\n.\r\n"},
    {"dot after bare LF", "x\n.y\n", std::nullopt, "x\r\n..y\r\n.\r\n"},
    {"final bare CR completes CRLF", "a\r", std::nullopt, "a\r\n.\r\n"},
    {"bare CR kept inside a line", "a\rb\r\n", std::nullopt, "a\rb\r\n.\r\n"},
    {"CRLF.CRLF inside message", "a\r\n.\r\nb\r\n", std::nullopt, "a\r\n..\r\nb\r\n.\r\n"},
    {"blank lines kept", "\r\n\r\n", std::nullopt, "\r\n\r\n.\r\n"},
    {"TOP 0: header and blank line", "H: 1\r\nH: 2\r\n\r\nb1\r\nb2\r\n", 0,
     "H: 1\r\nH: 2\r\n\r\n.\r\n"},
    {"TOP 1", "H: 1\r\n\r\nb1\r\nb2\r\n", 1, "H: 1\r\n\r\nb1\r\n.\r\n"},
    {"TOP larger than the body", "H: 1\r\n\r\nb1\r\nb2", 10, "H: 1\r\n\r\nb1\r\nb2\r\n.\r\n"},
    {"TOP counts blank body lines", "H: 1\r\n\r\n\r\n\r\nb3\r\n", 2, "H: 1\r\n\r\n\r\n\r\n.\r\n"},
    {"TOP with LF endings", "H: 1\n\n.b1\nb2\n", 1, "H: 1\r\n\r\n..b1\r\n.\r\n"},
    {"TOP of a header-only message", "H: 1\r\nH: 2\r\n", 0, "H: 1\r\nH: 2\r\n.\r\n"},
    {"TOP of a header without final newline", "H: 1", 0, "H: 1\r\n.\r\n"},
    {"TOP with empty header", "\r\nbody1\r\nbody2\r\n", 1, "\r\nbody1\r\n.\r\n"},
    {"TOP: CR-only line is not the separator", "H: 1\r\n\r\r\nx\r\n\r\nb\r\nc\r\n", 1,
     "H: 1\r\n\r\r\nx\r\n\r\nb\r\n.\r\n"},
    {"TOP stuffs dots in the header too", ".H: 1\r\n\r\n.\r\n", 5, "..H: 1\r\n\r\n..\r\n.\r\n"},
};

std::string run(const Case& c, const std::vector<std::size_t>& cuts) {
  DotStuffer d(c.top);
  std::string out;
  std::size_t from = 0;
  for (std::size_t cut : cuts) {
    out += d.feed(std::string_view(c.message).substr(from, cut - from));
    from = cut;
  }
  out += d.feed(std::string_view(c.message).substr(from));
  out += d.finish();
  return out;
}

TEST(DotStuffer, WholeMessage) {
  for (const auto& c : kCases)
    EXPECT_EQ(run(c, {}), c.expected) << c.name;
}

// Chunks may split anywhere, inside CRLF or right before a dot.
TEST(DotStuffer, EverySplitInTwoAndThree) {
  for (const auto& c : kCases) {
    const std::size_t n = c.message.size();
    for (std::size_t i = 0; i <= n; ++i)
      for (std::size_t j = i; j <= n; ++j)
        ASSERT_EQ(run(c, {i, j}), c.expected) << c.name << " cuts " << i << "," << j;
  }
}

TEST(DotStuffer, ByteAtATime) {
  for (const auto& c : kCases) {
    std::vector<std::size_t> cuts;
    for (std::size_t i = 1; i < c.message.size(); ++i)
      cuts.push_back(i);
    EXPECT_EQ(run(c, cuts), c.expected) << c.name;
  }
}

TEST(DotStuffer, TopSaysWhenDoneAndIgnoresTheRest) {
  DotStuffer d(1);
  EXPECT_FALSE(d.done());
  EXPECT_EQ(d.feed("H: x\r\n\r\nline1\r\nline2\r\n"), "H: x\r\n\r\nline1\r\n");
  EXPECT_TRUE(d.done());
  EXPECT_EQ(d.feed("more\r\n"), "");
  EXPECT_EQ(d.finish(), ".\r\n");
  EXPECT_EQ(d.finish(), "");
  EXPECT_EQ(d.feed("after\r\n"), "");
}

TEST(DotStuffer, RetrIsNeverDone) {
  DotStuffer d;
  d.feed("H: x\r\n\r\nb\r\n");
  EXPECT_FALSE(d.done());
}

// The output never contains CRLF "." CRLF before the end, whatever the input.
TEST(DotStuffer, NoEarlyTerminatorOnAdversarialInput) {
  const std::string alphabet = ".\r\na";
  for (int len = 0; len <= 6; ++len) {
    std::size_t total = 1;
    for (int i = 0; i < len; ++i)
      total *= alphabet.size();
    for (std::size_t k = 0; k < total; ++k) {
      std::string msg;
      std::size_t v = k;
      for (int i = 0; i < len; ++i, v /= alphabet.size())
        msg += alphabet[v % alphabet.size()];
      DotStuffer d;
      const std::string out = "\r\n" + d.feed(msg) + d.finish();  // after the +OK line's CRLF
      ASSERT_EQ(out.find("\r\n.\r\n"), out.size() - 5) << testing::PrintToString(msg);
      ASSERT_TRUE(out.ends_with("\r\n.\r\n"));
      // Every LF is preceded by CR.
      for (std::size_t i = 0; i < out.size(); ++i) {
        if (out[i] == '\n') {
          ASSERT_TRUE(i > 0 && out[i - 1] == '\r');
        }
      }
    }
  }
}

}  // namespace
}  // namespace facteur::pop3
