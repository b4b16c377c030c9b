#include "proto/smtp/reply.hpp"

#include <gtest/gtest.h>

namespace facteur::smtp {
namespace {

struct ReplyCase {
  Reply reply;
  std::string expected;
};

// RFC 5321 §4.2.1: multi-line replies use "code-" on every line but the last.
TEST(Reply, Formats) {
  const ReplyCase cases[] = {
      {{250, "2.0.0", "Ok"}, "250 2.0.0 Ok\r\n"},
      {{220, "", "mx.example ESMTP"}, "220 mx.example ESMTP\r\n"},
      {{250, "", "mx\nPIPELINING\nSIZE 10"}, "250-mx\r\n250-PIPELINING\r\n250 SIZE 10\r\n"},
      {{550, "5.1.1", "a\nb"}, "550-5.1.1 a\r\n550 5.1.1 b\r\n"},
      {{354, "", ""}, "354 \r\n"},
      // Injected CR or NUL cannot create a new reply line.
      {{550, "5.7.1", "no\r250 ok"}, "550 5.7.1 no?250 ok\r\n"},
      {{550, "5.7.1", std::string("a\0b", 3)}, "550 5.7.1 a?b\r\n"},
      // A malformed code cannot desynchronise the client.
      {{42, "", "x"}, "451 x\r\n"},
      {{250, "2.0.0 x", "y"}, "250 2.0.0?? y\r\n"},
  };
  for (const auto& c : cases)
    EXPECT_EQ(format_reply(c.reply), c.expected) << c.reply.text;
}

}  // namespace
}  // namespace facteur::smtp
