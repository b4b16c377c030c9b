#include "mail/imap_string.hpp"

#include <gtest/gtest.h>

namespace facteur::mail {
namespace {

// RFC 3501 §4.3: quoted strings carry 7-bit text without CR/LF; the rest needs a literal.
TEST(ImapString, QuotedOrLiteral) {
  EXPECT_EQ(imap_string("hello"), "\"hello\"");
  EXPECT_EQ(imap_string(""), "\"\"");
  EXPECT_EQ(imap_string("a \"b\" \\c"), "\"a \\\"b\\\" \\\\c\"");
  EXPECT_EQ(imap_string("caf\xc3\xa9"), "{5}\r\ncaf\xc3\xa9");
  EXPECT_EQ(imap_string("two\r\nlines"), "{10}\r\ntwo\r\nlines");
  EXPECT_EQ(imap_string(std::string_view("a\0b", 3)), "{2}\r\nab");
}

TEST(ImapString, NString) {
  std::string out;
  append_nstring(out, std::nullopt);
  out += ' ';
  append_nstring(out, std::string_view("x"));
  out += ' ';
  append_nstring_or_nil_if_empty(out, "");
  EXPECT_EQ(out, "NIL \"x\" NIL");
}

}  // namespace
}  // namespace facteur::mail
