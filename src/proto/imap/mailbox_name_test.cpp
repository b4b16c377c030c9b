#include "proto/imap/mailbox_name.hpp"

#include <gtest/gtest.h>

namespace facteur::imap {
namespace {

TEST(ModifiedUtf7, VectorsBothWays) {
  struct Case {
    std::string_view mutf7;
    std::string_view utf8;
  };
  const Case cases[] = {
      // RFC 3501 §5.1.3
      {"~peter/mail/&U,BTFw-/&ZeVnLIqe-",
       "~peter/mail/\xE5\x8F\xB0\xE5\x8C\x97/\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E"},
      // RFC 2152 examples, in the modified form
      {"Hi Mom -&Jjo--!", "Hi Mom -\xE2\x98\xBA-!"},
      {"&ZeVnLIqe-", "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E"},
      {"A&ImIDkQ-.", "A\xE2\x89\xA2\xCE\x91."},
      {"&-", "&"},
      {"Tom &- Jerry", "Tom & Jerry"},
      {"INBOX", "INBOX"},
      {"", ""},
      {"&AMk-t&AOk-", "\xC3\x89t\xC3\xA9"},
      {"&2D3eAA-", "\xF0\x9F\x98\x80"},  // U+1F600: a surrogate pair
  };
  for (const auto& c : cases) {
    auto d = mutf7_decode(c.mutf7);
    ASSERT_TRUE(d) << c.mutf7;
    EXPECT_EQ(*d, c.utf8) << c.mutf7;
    EXPECT_EQ(mutf7_encode(c.utf8), c.mutf7) << c.mutf7;
  }
}

TEST(ModifiedUtf7, RejectsInvalid) {
  for (std::string_view bad : {
           "&Jjo",                // unterminated
           "&U,BTFw-&ZeVnLIqe-",  // adjacent runs must be one
           "&AGE-",               // encodes printable "a"
           "&ImIDkQ",             // no '-'
           "&Jj-",                // leftover bits
           "&2D0-",               // lone high surrogate
           "&3gA-",               // lone low surrogate
           "caf\xC3\xA9",         // 8-bit
           "a\tb",                // control
           "&Jjo/-",              // '/' is not modified base64
       }) {
    EXPECT_FALSE(mutf7_decode(bad)) << bad;
  }
}

TEST(ModifiedUtf7, InvalidUtf8BecomesReplacement) {
  EXPECT_EQ(mutf7_encode("a\xFF"), "a&,,0-");  // U+FFFD
}

TEST(MailboxName, Checks) {
  EXPECT_EQ(*check_mailbox_name("inbox"), "INBOX");
  EXPECT_EQ(*check_mailbox_name("Inbox/Sub"), "INBOX/Sub");
  EXPECT_EQ(*check_mailbox_name("Inboxes"), "Inboxes");
  EXPECT_FALSE(check_mailbox_name(""));
  EXPECT_FALSE(check_mailbox_name(std::string("a\0b", 3)));
  EXPECT_FALSE(check_mailbox_name("a\r\nb"));
  EXPECT_FALSE(check_mailbox_name("\xC3"));
  EXPECT_FALSE(check_mailbox_name(std::string(2000, 'a')));

  EXPECT_EQ(*check_new_mailbox_name("Projects/"), "Projects");  // RFC 9051 §6.3.4
  EXPECT_EQ(*check_new_mailbox_name("a/b/c"), "a/b/c");
  for (std::string_view bad : {"..", "a/../b", "a/./b", "/a", "a//b", "a*", "100%", "//", "/"})
    EXPECT_FALSE(check_new_mailbox_name(bad)) << bad;
  std::string deep;
  for (int i = 0; i < 40; ++i)
    deep += "x/";
  deep += "x";
  EXPECT_FALSE(check_new_mailbox_name(deep));
}

TEST(MailboxName, ListMatching) {
  struct Case {
    std::string_view pattern, name;
    bool match;
  };
  const Case cases[] = {
      {"*", "INBOX", true},
      {"*", "a/b/c", true},
      {"%", "a", true},
      {"%", "a/b", false},
      {"a/%", "a/b", true},
      {"a/%", "a/b/c", false},
      {"a/*", "a/b/c", true},
      {"a*", "a", true},
      {"a*c", "abbbc", true},
      {"a*c", "abbbd", false},
      {"a%c", "ab/c", false},
      {"inbox", "INBOX", true},
      {"InBoX/%", "INBOX/x", true},
      {"Inbox", "Inboxes", false},
      {"foo", "Foo", false},  // other names are case-sensitive
      {"", "", true},
      {"%/%", "a/b", true},
      {"*%*%*", "abc", true},
  };
  for (const auto& c : cases)
    EXPECT_EQ(list_match(c.pattern, c.name), c.match) << c.pattern << " ~ " << c.name;
  // Some child of "a" can match "a/%" / "%" only for descendants.
  EXPECT_TRUE(list_match_prefix("a/%", "a"));
  EXPECT_TRUE(list_match_prefix("*", "a"));
  EXPECT_FALSE(list_match_prefix("%", "a"));
  EXPECT_FALSE(list_match_prefix("b/%", "a"));
  EXPECT_EQ(list_pattern("", "%"), "%");
  EXPECT_EQ(list_pattern("~smith/Mail/", "foo.*"), "~smith/Mail/foo.*");  // RFC 9051 §6.3.9
  EXPECT_EQ(list_pattern("Archive", "%"), "Archive/%");
}

TEST(MailboxName, HostilePatternIsBounded) {
  const std::string pattern(1000, '*');
  const std::string name(1000, 'a');
  EXPECT_TRUE(list_match(pattern, name));
  EXPECT_FALSE(list_match(pattern + "b", name));
}

}  // namespace
}  // namespace facteur::imap
