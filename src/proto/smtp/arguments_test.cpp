#include "proto/smtp/arguments.hpp"

#include <gtest/gtest.h>

namespace facteur::smtp {
namespace {

struct PathArgCase {
  std::string args;
  std::string prefix;
  bool ok;
  std::string path;
  std::size_t params;
};

// RFC 5321 §4.1.1.2 / §4.1.1.3 argument syntax; the space after the colon is a Postfix leniency.
TEST(PathArgument, Splits) {
  const PathArgCase cases[] = {
      {"FROM:<a@b.example>", "FROM:", true, "<a@b.example>", 0},
      {"from:<a@b.example>", "FROM:", true, "<a@b.example>", 0},
      {"FROM: <a@b.example>", "FROM:", true, "<a@b.example>", 0},
      {"FROM:<> SIZE=10 BODY=8BITMIME", "FROM:", true, "<>", 2},
      {"FROM:<\"a>b\"@c.example> SMTPUTF8", "FROM:", true, "<\"a>b\"@c.example>", 1},
      {"FROM:<\"a\\\">\"@c.example>", "FROM:", true, "<\"a\\\">\"@c.example>", 0},
      {"TO:<a@[x:>]>", "TO:", true, "<a@[x:>]>", 0},
      {"TO:<a@b>  NOTIFY=NEVER", "TO:", true, "<a@b>", 1},
      {"FROM:a@b", "FROM:", false, "", 0},
      {"FROM <a@b>", "FROM:", false, "", 0},
      {"FROM:<a@b", "FROM:", false, "", 0},
      {"FROM:<a@b>SIZE=1", "FROM:", false, "", 0},
      {"FROM:<a@b> =x", "FROM:", false, "", 0},
      {"FROM:<a@b> SIZE=", "FROM:", false, "", 0},
      {"FROM:<a@b> SIZE=a=b", "FROM:", false, "", 0},
      {"TO:<a@b>", "FROM:", false, "", 0},
  };
  for (const auto& c : cases) {
    auto r = parse_path_argument(c.args, c.prefix);
    ASSERT_EQ(r.has_value(), c.ok) << c.args;
    if (!r) {
      EXPECT_EQ(r.error().code, 501) << c.args;
      continue;
    }
    EXPECT_EQ(r->path, c.path) << c.args;
    EXPECT_EQ(r->params.size(), c.params) << c.args;
  }
}

std::vector<EsmtpParam> params_of(std::string_view args) {
  auto r = parse_path_argument(args, "FROM:");
  EXPECT_TRUE(r.has_value()) << args;
  return r ? r->params : std::vector<EsmtpParam>{};
}

struct MailParamCase {
  std::string args;
  int code;  // 0: accepted
};

TEST(MailParams, Validates) {
  const MailParamCase cases[] = {
      {"FROM:<> SIZE=1000", 0},
      {"FROM:<> SIZE=1001", 552},  // RFC 1870 §6.1: 552 5.3.4 over the fixed limit
      {"FROM:<> SIZE=99999999999999999999999", 501},
      {"FROM:<> SIZE=-1", 501},
      {"FROM:<> SIZE", 501},
      {"FROM:<> BODY=7BIT", 0},
      {"FROM:<> body=8bitmime", 0},
      {"FROM:<> BODY=BINARYMIME", 555},  // not advertised
      {"FROM:<> BODY=9BIT", 501},
      {"FROM:<> SMTPUTF8", 0},
      {"FROM:<> SMTPUTF8=yes", 501},
      {"FROM:<> RET=FULL ENVID=QQ+2Bx", 0},
      {"FROM:<> RET=HDRS", 0},
      {"FROM:<> RET=SOME", 501},
      {"FROM:<> ENVID=a+zz", 501},
      {"FROM:<> SIZE=1 SIZE=2", 501},
      {"FROM:<> X-FOO=bar", 555},  // RFC 5321 §4.1.1.11: unknown parameter
      {"FROM:<> AUTH=<>", 555},
  };
  for (const auto& c : cases) {
    auto r = parse_mail_params(params_of(c.args), {true, 1000});
    if (c.code == 0) {
      EXPECT_TRUE(r.has_value()) << c.args << ": " << (r ? "" : r.error().text);
    } else {
      ASSERT_FALSE(r.has_value()) << c.args;
      EXPECT_EQ(r.error().code, c.code) << c.args;
    }
  }
  auto values = parse_mail_params(
      params_of("FROM:<> SIZE=42 BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=a+2Bb"), {true, 1000});
  ASSERT_TRUE(values.has_value());
  EXPECT_EQ(values->size, 42u);
  EXPECT_EQ(values->body, Body::eight_bit_mime);
  EXPECT_TRUE(values->smtputf8);
  EXPECT_EQ(values->ret, DsnRet::headers);
  EXPECT_EQ(values->envid, "a+b");
  // After HELO no extension parameter exists (RFC 5321 §4.1.1.11: 555).
  auto helo = parse_mail_params(params_of("FROM:<> SIZE=1"), {false, 1000});
  ASSERT_FALSE(helo.has_value());
  EXPECT_EQ(helo.error().code, 555);
}

TEST(RcptParams, Dsn) {
  auto notify = parse_rcpt_params(params_of("FROM:<> NOTIFY=SUCCESS,DELAY"), true);
  ASSERT_TRUE(notify.has_value());
  EXPECT_EQ(notify->notify, unsigned(kNotifySuccess | kNotifyDelay));
  // RFC 3461 §4.1: NEVER cannot be combined.
  for (auto bad : {"FROM:<> NOTIFY=NEVER,SUCCESS", "FROM:<> NOTIFY=SUCCESS,SUCCESS",
                   "FROM:<> NOTIFY=ALWAYS", "FROM:<> NOTIFY", "FROM:<> ORCPT=rfc822",
                   "FROM:<> ORCPT=;a@b", "FROM:<> ORCPT=rfc822;a+4"}) {
    auto r = parse_rcpt_params(params_of(bad), true);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code, 501) << bad;
  }
  auto orcpt = parse_rcpt_params(params_of("FROM:<> ORCPT=RFC822;a+2Bb@example.com"), true);
  ASSERT_TRUE(orcpt.has_value());
  ASSERT_TRUE(orcpt->orcpt.has_value());
  EXPECT_EQ(orcpt->orcpt->addr_type, "rfc822");
  EXPECT_EQ(orcpt->orcpt->address, "a+b@example.com");
  auto unknown = parse_rcpt_params(params_of("FROM:<> FOO"), true);
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().code, 555);
}

TEST(Xtext, Decodes) {
  EXPECT_EQ(decode_xtext("abc"), "abc");
  EXPECT_EQ(decode_xtext("a+2Bb+3D"), "a+b=");
  EXPECT_EQ(decode_xtext("+"), std::nullopt);
  EXPECT_EQ(decode_xtext("+4"), std::nullopt);
  EXPECT_EQ(decode_xtext("+4G"), std::nullopt);
  EXPECT_EQ(decode_xtext("a=b"), std::nullopt);
  EXPECT_EQ(decode_xtext("a b"), std::nullopt);
}

struct PathCase {
  std::string text;
  PathKind kind;
  bool utf8;
  int code;  // 0: valid
  std::string local, domain;
};

// RFC 5321 §4.1.2 Path grammar, §4.1.1.3 <Postmaster>, RFC 6531 §3.3 UTF-8 addresses.
TEST(Path, Parses) {
  const auto R = PathKind::reverse;
  const auto F = PathKind::forward;
  const PathCase cases[] = {
      {"<>", R, false, 0, "", ""},
      {"<>", F, false, 501, "", ""},
      {"<Postmaster>", F, false, 0, "Postmaster", ""},
      {"<postmaster>", F, false, 0, "postmaster", ""},
      {"<Postmaster>", R, false, 501, "", ""},
      {"<a.b@example.com>", R, false, 0, "a.b", "example.com"},
      {"<@r1.example,@r2.example:a@example.com>", F, false, 0, "a", "example.com"},
      {"<\"a b\"@example.com>", F, false, 0, "a b", "example.com"},
      {"<\"a\\\"b\"@example.com>", F, false, 0, "a\"b", "example.com"},
      {"<a@[192.0.2.1]>", F, false, 0, "a", "[192.0.2.1]"},
      {"<a@[IPv6:2001:db8::1]>", F, false, 0, "a", "[IPv6:2001:db8::1]"},
      {"<a@[300.0.2.1]>", F, false, 501, "", ""},
      {"<a..b@example.com>", F, false, 501, "", ""},
      {"<.a@example.com>", F, false, 501, "", ""},
      {"<a@-example.com>", F, false, 501, "", ""},
      {"<a@example..com>", F, false, 501, "", ""},
      {"<a>", F, false, 501, "", ""},
      {"<a@>", F, false, 501, "", ""},
      {"<a b@example.com>", F, false, 501, "", ""},
      {"<\xc3\xa9@example.com>", F, false, 553, "", ""},  // RFC 6531 §3.5: 553 5.6.7
      {"<\xc3\xa9@example.com>", F, true, 0, "\xc3\xa9", "example.com"},
  };
  for (const auto& c : cases) {
    auto r = parse_path(c.text, c.kind, c.utf8);
    if (c.code == 0) {
      ASSERT_TRUE(r.has_value()) << c.text << ": " << r.error().text;
      EXPECT_EQ(r->local_part, c.local) << c.text;
      EXPECT_EQ(r->domain, c.domain) << c.text;
    } else {
      ASSERT_FALSE(r.has_value()) << c.text;
      EXPECT_EQ(r.error().code, c.code) << c.text;
    }
  }
  EXPECT_EQ(parse_path("<>", R, false)->to_string(), "");
  EXPECT_TRUE(parse_path("<>", R, false)->is_null);
  EXPECT_EQ(parse_path("<\"a b\"@x.example>", F, false)->to_string(), "\"a b\"@x.example");
  EXPECT_EQ(parse_path("<Postmaster>", F, false)->to_string(), "Postmaster");
  EXPECT_TRUE(parse_path("<Postmaster>", F, false)->is_postmaster);
  // RFC 5321 §4.5.3.1.3: a path is at most 256 octets; §4.5.3.1.10: 501 "Path too long".
  auto long_path =
      parse_path("<" + std::string(60, 'a') + "@" + std::string(200, 'b') + ".example>", F, false);
  ASSERT_FALSE(long_path.has_value());
  EXPECT_EQ(long_path.error().code, 501);
}

}  // namespace
}  // namespace facteur::smtp
