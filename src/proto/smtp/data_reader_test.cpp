#include "proto/smtp/data_reader.hpp"

#include <gtest/gtest.h>

namespace facteur::smtp {
namespace {

using Error = DataReader::Error;

struct DataCase {
  std::string name;
  std::string input;
  bool done;
  std::size_t consumed;  // npos: all
  std::string output;    // only checked when error == none
  Error error;
};

struct Outcome {
  bool done;
  std::size_t consumed;
  std::string output;
  Error error;
};

Outcome feed_split(const std::string& input, std::size_t piece, std::uint64_t max_size = 1 << 20,
                   std::size_t max_line = 1000) {
  DataReader r(max_size, max_line);
  Outcome o{false, 0, {}, Error::none};
  while (o.consumed < input.size() && !r.done()) {
    auto n = r.feed(std::string_view(input).substr(o.consumed, piece), o.output);
    o.consumed += n;
  }
  o.done = r.done();
  o.error = r.error();
  return o;
}

constexpr auto kAll = std::string::npos;

// RFC 5321 §4.5.2 (transparency) and §4.1.1.4 (the end is <CRLF>.<CRLF> only). Bare CR/LF is
// the SMTP smuggling vector: every variant must be rejected without ending the message.
TEST(DataReader, Table) {
  const DataCase cases[] = {
      {"empty message", ".\r\n", true, kAll, "", Error::none},
      {"one line", "a\r\n.\r\n", true, kAll, "a\r\n", Error::none},
      {"stops at the end", "a\r\n.\r\nQUIT\r\n", true, 6, "a\r\n", Error::none},
      {"unstuffs", "..a\r\n..\r\n...\r\n.\r\n", true, kAll, ".a\r\n.\r\n..\r\n", Error::none},
      {"dot inside a line stays", "a.\r\nb\r\n.\r\n", true, kAll, "a.\r\nb\r\n", Error::none},
      {"dot not followed by CRLF", ".a\r\n.\r\n", true, kAll, "a\r\n", Error::none},
      {"not ended", "a\r\n", false, kAll, "a\r\n", Error::none},
      {"dot line not finished", "a\r\n.\r", false, kAll, "a\r\n", Error::none},
      {"binary octets pass", "\x01\xff\t\r\n.\r\n", true, kAll, "\x01\xff\t\r\n", Error::none},
      {"smuggle LF.CRLF", "a\n.\r\nMAIL FROM:<x@y>\r\n", false, kAll, "", Error::bare_newline},
      {"smuggle LF.CRLF then end", "a\n.\r\nb\r\n.\r\n", true, kAll, "", Error::bare_newline},
      {"smuggle CR.CRLF", "a\r.\r\nb\r\n.\r\n", true, kAll, "", Error::bare_newline},
      {"smuggle LF.LF", "a\n.\nb\r\n.\r\n", true, kAll, "", Error::bare_newline},
      {"smuggle CRLF.LF", "a\r\n.\nb\r\n.\r\n", true, kAll, "", Error::bare_newline},
      {"smuggle CRLF.CR", "a\r\n.\rb\r\n.\r\n", true, kAll, "", Error::bare_newline},
      {"smuggle CR.CR", "a\r.\r\r\n.\r\n", true, kAll, "", Error::bare_newline},
      {"bare LF at the start", "\n.\r\n.\r\n", true, kAll, "", Error::bare_newline},
      {"CRCRLF", "a\r\r\n.\r\n", true, kAll, "", Error::bare_newline},
  };
  for (const auto& c : cases) {
    for (std::size_t piece : {std::size_t(1), std::size_t(2), std::size_t(3), c.input.size()}) {
      auto o = feed_split(c.input, piece);
      EXPECT_EQ(o.done, c.done) << c.name << " piece " << piece;
      EXPECT_EQ(o.consumed, c.consumed == kAll ? c.input.size() : c.consumed) << c.name;
      EXPECT_EQ(o.error, c.error) << c.name << " piece " << piece;
      if (c.error == Error::none) {
        EXPECT_EQ(o.output, c.output) << c.name << " piece " << piece;
      }
    }
  }
}

// RFC 5321 §4.5.3.1.6: 1000 octets per line including the CRLF.
TEST(DataReader, LineLimit) {
  std::string ok(998, 'x');
  auto o = feed_split(ok + "\r\n.\r\n", 7);
  EXPECT_EQ(o.error, Error::none);
  EXPECT_EQ(o.output, ok + "\r\n");
  auto o2 = feed_split(std::string(999, 'x') + "\r\n.\r\n", 7);
  EXPECT_EQ(o2.error, Error::line_too_long);
  EXPECT_TRUE(o2.done);
  // A stuffed dot does not count: the line is 998 octets once unstuffed.
  auto o3 = feed_split("." + ok + "\r\n.\r\n", 5);
  EXPECT_EQ(o3.error, Error::none);
  // 0: no limit.
  auto o4 = feed_split(std::string(5000, 'x') + "\r\n.\r\n", 100, 1 << 20, 0);
  EXPECT_EQ(o4.error, Error::none);
}

// The first limit crossed decides the error, however the input is split into reads.
TEST(DataReader, FirstErrorIndependentOfReads) {
  const std::string long_then_bare = std::string(150, 'x') + "\n\r\n.\r\n";
  const std::string bare_then_long = "x\n" + std::string(150, 'x') + "\r\n.\r\n";
  const std::string big_then_long =
      std::string(60, 'y') + "\r\n" + std::string(150, 'x') + "\r\n.\r\n";
  for (std::size_t piece = 1; piece <= 300; ++piece) {
    EXPECT_EQ(feed_split(long_then_bare, piece, 1000, 100).error, Error::line_too_long) << piece;
    EXPECT_EQ(feed_split(bare_then_long, piece, 1000, 100).error, Error::bare_newline) << piece;
    EXPECT_EQ(feed_split(big_then_long, piece, 80, 100).error, Error::too_big) << piece;
    EXPECT_EQ(feed_split(big_then_long, piece, 200, 100).error, Error::line_too_long) << piece;
  }
}

TEST(DataReader, SizeLimit) {
  auto o = feed_split("0123456789\r\n.\r\n", 4, 12);
  EXPECT_EQ(o.error, Error::none);
  auto o2 = feed_split("0123456789a\r\n.\r\n", 4, 12);
  EXPECT_EQ(o2.error, Error::too_big);
  EXPECT_TRUE(o2.done);
  EXPECT_LE(o2.output.size(), 12u);  // output stops at the limit
}

// Dot-stuffing round trip on a real message: stuffing then reading gives the bytes back.
TEST(DataReader, RoundTrip) {
  std::string message = "Subject: x\r\n\r\n.\r\n..\r\n.x\r\nend\r\n";
  std::string stuffed;
  bool bol = true;
  for (char c : message) {
    if (bol && c == '.') stuffed += '.';
    stuffed += c;
    bol = c == '\n';
  }
  stuffed += ".\r\n";
  for (std::size_t piece = 1; piece <= stuffed.size(); ++piece) {
    auto o = feed_split(stuffed, piece);
    ASSERT_TRUE(o.done);
    ASSERT_EQ(o.output, message) << piece;
  }
}

}  // namespace
}  // namespace facteur::smtp
