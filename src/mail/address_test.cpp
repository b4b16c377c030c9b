#include "mail/address.hpp"

#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace facteur::mail {
namespace {

// ---------------------------------------------------------------------------------------------
// SMTP paths (RFC 5321)

enum class Kind { reverse, forward };

struct PathCase {
  const char* why;  // RFC reference
  Kind kind;
  std::string text;
  bool smtputf8;
  std::optional<Errc> error;  // nullopt: accepted
  std::string local_part = {};
  std::string domain = {};
  std::string canonical = {};
};

Result<Path> parse(Kind kind, std::string_view text, bool smtputf8) {
  PathOptions opts;
  opts.smtputf8 = smtputf8;
  return kind == Kind::reverse ? parse_reverse_path(text, opts) : parse_forward_path(text, opts);
}

class SmtpPath : public ::testing::TestWithParam<PathCase> {};

TEST_P(SmtpPath, Parses) {
  const auto& c = GetParam();
  auto p = parse(c.kind, c.text, c.smtputf8);
  if (c.error) {
    ASSERT_FALSE(p.has_value()) << c.why << ": " << c.text << " -> " << p->to_path();
    EXPECT_EQ(p.error().code, *c.error) << c.why << ": " << c.text << " " << p.error().message;
    EXPECT_FALSE(p.error().message.empty());
    return;
  }
  ASSERT_TRUE(p.has_value()) << c.why << ": " << c.text << " -> " << p.error().message;
  EXPECT_EQ(p->local_part, c.local_part) << c.why;
  EXPECT_EQ(p->domain, c.domain) << c.why;
  EXPECT_EQ(p->canonical(), c.canonical) << c.why;
  // The wire form parses back to the same path.
  if (!p->is_null) {
    auto again = parse(c.kind, p->to_path(), c.smtputf8);
    ASSERT_TRUE(again.has_value()) << p->to_path();
    EXPECT_EQ(again->local_part, p->local_part);
    EXPECT_EQ(again->domain, p->domain);
  }
}

constexpr auto R = Kind::reverse;
constexpr auto F = Kind::forward;
const auto kSyntax = std::optional<Errc>(Errc::parse_error);
const auto kTooLong = std::optional<Errc>(Errc::limit_exceeded);
const auto kNeedsUtf8 = std::optional<Errc>(Errc::invalid_argument);
const std::optional<Errc> kOk = std::nullopt;
// A 191-character domain: three labels of 63.
const std::string k191 =
    std::string(63, 'a') + "." + std::string(63, 'b') + "." + std::string(63, 'c');

INSTANTIATE_TEST_SUITE_P(
    Rfc5321, SmtpPath,
    ::testing::Values(
        PathCase{"§4.1.2 Mailbox", F, "<a@b.tld>", false, kOk, "a", "b.tld", "a@b.tld"},
        PathCase{"§4.1.2 domain case kept, canonical lower", F, "<User@Example.COM>", false, kOk,
                 "User", "Example.COM", "User@example.com"},
        PathCase{"Postfix: brackets optional", R, "a@b.tld", false, kOk, "a", "b.tld", "a@b.tld"},
        PathCase{"§4.1.1.2 null reverse-path", R, "<>", false, kOk, "", "", ""},
        PathCase{"§4.1.1.3 <> is not a recipient", F, "<>", false, kSyntax},
        PathCase{"§4.1.1.3 <Postmaster>", F, "<Postmaster>", false, kOk, "Postmaster", "",
                 "Postmaster"},
        PathCase{"§4.1.1.3 case-insensitive", F, "<POSTMASTER>", false, kOk, "POSTMASTER", "",
                 "POSTMASTER"},
        PathCase{"<Postmaster> is RCPT only", R, "<Postmaster>", false, kSyntax},
        PathCase{"§4.1.2 Quoted-string", F, "<\"john doe\"@example.com>", false, kOk, "john doe",
                 "example.com", "\"john doe\"@example.com"},
        PathCase{"§4.1.2 quoted-pairSMTP", F, "<\"a\\\"b\\\\c\"@example.com>", false, kOk,
                 "a\"b\\c", "example.com", "\"a\\\"b\\\\c\"@example.com"},
        PathCase{"quoted dot-atom is canonicalised unquoted", F, "<\"john\"@example.com>", false,
                 kOk, "john", "example.com", "john@example.com"},
        PathCase{"§4.1.2 atext", F, "<!#$%&'*+-/=?^_`{|}~@example.com>", false, kOk,
                 "!#$%&'*+-/=?^_`{|}~", "example.com", "!#$%&'*+-/=?^_`{|}~@example.com"},
        PathCase{"§4.1.3 IPv4 literal", F, "<a@[192.0.2.1]>", false, kOk, "a", "[192.0.2.1]",
                 "a@[192.0.2.1]"},
        PathCase{"§4.1.3 IPv6 full", F, "<a@[IPv6:2001:db8:0:0:0:0:0:1]>", false, kOk, "a",
                 "[IPv6:2001:db8:0:0:0:0:0:1]", "a@[ipv6:2001:db8:0:0:0:0:0:1]"},
        PathCase{"§4.1.3 IPv6 comp", F, "<a@[IPv6:2001:db8::1]>", false, kOk, "a",
                 "[IPv6:2001:db8::1]", "a@[ipv6:2001:db8::1]"},
        PathCase{"§4.1.3 IPv6 comp ::", F, "<a@[IPv6::1]>", false, kSyntax},
        PathCase{"§4.1.3 IPv6 comp :: alone", F, "<a@[IPv6:::]>", false, kOk, "a", "[IPv6:::]",
                 "a@[ipv6:::]"},
        PathCase{"§4.1.3 IPv6v4 full", F, "<a@[IPv6:1:2:3:4:5:6:192.0.2.1]>", false, kOk, "a",
                 "[IPv6:1:2:3:4:5:6:192.0.2.1]", "a@[ipv6:1:2:3:4:5:6:192.0.2.1]"},
        PathCase{"§4.1.3 IPv6v4 comp", F, "<a@[IPv6:::ffff:192.0.2.1]>", false, kOk, "a",
                 "[IPv6:::ffff:192.0.2.1]", "a@[ipv6:::ffff:192.0.2.1]"},
        PathCase{"§4.1.3 IPv6v4 comp, :: before v4", F, "<a@[IPv6:1::192.0.2.1]>", false, kOk, "a",
                 "[IPv6:1::192.0.2.1]", "a@[ipv6:1::192.0.2.1]"},
        PathCase{"§4.1.3 at most 6 groups besides ::", F, "<a@[IPv6:1:2:3:4:5:6::7]>", false,
                 kSyntax},
        PathCase{"§4.1.3 at most 4 groups besides :: with v4", F, "<a@[IPv6:1:2:3:4::5:192.0.2.1]>",
                 false, kSyntax},
        PathCase{"§4.1.3 7 groups", F, "<a@[IPv6:1:2:3:4:5:6:7]>", false, kSyntax},
        PathCase{"§4.1.3 two ::", F, "<a@[IPv6:1::2::3]>", false, kSyntax},
        PathCase{"§4.1.3 bad hex", F, "<a@[IPv6:1::g]>", false, kSyntax},
        PathCase{"§4.1.3 5 hex digits", F, "<a@[IPv6:1::12345]>", false, kSyntax},
        PathCase{"§4.1.3 bad IPv4", F, "<a@[192.0.2.256]>", false, kSyntax},
        PathCase{"§4.1.3 short IPv4", F, "<a@[192.0.2]>", false, kSyntax},
        PathCase{"§4.1.3 General-address-literal", F, "<a@[x-tag:some.thing]>", false, kOk, "a",
                 "[x-tag:some.thing]", "a@[x-tag:some.thing]"},
        PathCase{"§4.1.3 empty literal", F, "<a@[]>", false, kSyntax},
        PathCase{"§4.1.2 / App. C source route dropped", F, "<@a.example,@b.example:u@c.example>",
                 false, kOk, "u", "c.example", "u@c.example"},
        PathCase{"source route with bad hop", F, "<@a..example:u@c.example>", false, kSyntax},
        PathCase{"source route without ':'", F, "<@a.example,u@c.example>", false, kSyntax},
        PathCase{"§4.1.2 leading dot", F, "<.a@b.example>", false, kSyntax},
        PathCase{"§4.1.2 trailing dot", F, "<a.@b.example>", false, kSyntax},
        PathCase{"§4.1.2 double dot", F, "<a..b@b.example>", false, kSyntax},
        PathCase{"§4.1.2 space in local part", F, "<a b@b.example>", false, kSyntax},
        PathCase{"§4.1.2 unclosed quote", F, "<\"ab@b.example>", false, kSyntax},
        PathCase{"§4.1.2 control char in quotes", F, "<\"a\x01\"@b.example>", false, kSyntax},
        PathCase{"missing @", F, "<ab.example>", false, kSyntax},
        PathCase{"missing domain", F, "<a@>", false, kSyntax},
        PathCase{"missing local part", F, "<@b.example>", false, kSyntax},
        PathCase{"§4.1.2 label starts with hyphen", F, "<a@-b.example>", false, kSyntax},
        PathCase{"§4.1.2 label ends with hyphen", F, "<a@b-.example>", false, kSyntax},
        PathCase{"§4.1.2 trailing dot in domain", F, "<a@b.example.>", false, kSyntax},
        PathCase{"§4.1.2 underscore in domain", F, "<a@b_c.example>", false, kSyntax},
        PathCase{"two @", F, "<a@b@c.example>", false, kSyntax},
        PathCase{"unbalanced <", F, "<a@b.example", false, kSyntax},
        PathCase{"unbalanced >", F, "a@b.example>", false, kSyntax},
        PathCase{"empty", F, "", false, kSyntax},
        PathCase{"RFC 1035 label of 64", F, "<a@" + std::string(64, 'x') + ".example>", false,
                 kSyntax},
        PathCase{"§4.5.3.1.1 local part 64", F, "<" + std::string(64, 'l') + "@b.example>", false,
                 kOk, std::string(64, 'l'), "b.example", std::string(64, 'l') + "@b.example"},
        PathCase{"§4.5.3.1.1 local part 65", F, "<" + std::string(65, 'l') + "@b.example>", false,
                 kTooLong},
        PathCase{"§4.5.3.1.3 path 256 with brackets", F,
                 "<" + std::string(62, 'l') + "@" + k191 + ">", false, kOk, std::string(62, 'l'),
                 k191, std::string(62, 'l') + "@" + k191},
        PathCase{"§4.5.3.1.3 path 257", F, "<" + std::string(63, 'l') + "@" + k191 + ">", false,
                 kTooLong},
        PathCase{"RFC 6531 §3.3 UTF-8 needs SMTPUTF8", F, "<j\xC3\xB8rn@b.example>", false,
                 kNeedsUtf8},
        PathCase{"RFC 6531 UTF-8 local part", F, "<j\xC3\xB8rn@b.example>", true, kOk,
                 "j\xC3\xB8rn", "b.example", "j\xC3\xB8rn@b.example"},
        PathCase{"RFC 6531 U-label domain", F, "<a@\xC3\xA9t\xC3\xA9.example>", true, kOk, "a",
                 "\xC3\xA9t\xC3\xA9.example", "a@\xC3\xA9t\xC3\xA9.example"},
        PathCase{"RFC 6531 invalid UTF-8", F, "<a\xC3@b.example>", true, kSyntax}));

TEST(SmtpPath, Flags) {
  auto null = parse_reverse_path("<>");
  ASSERT_TRUE(null);
  EXPECT_TRUE(null->is_null);
  EXPECT_EQ(null->to_path(), "<>");
  EXPECT_EQ(null->to_string(), "");

  auto pm = parse_forward_path("<Postmaster>");
  ASSERT_TRUE(pm);
  EXPECT_TRUE(pm->is_postmaster);
  EXPECT_FALSE(pm->is_null);
  EXPECT_EQ(pm->to_path(), "<Postmaster>");
  auto pm_domain = parse_forward_path("<postmaster@example.com>");
  ASSERT_TRUE(pm_domain);
  EXPECT_FALSE(pm_domain->is_postmaster);  // an ordinary mailbox (§4.5.1 routes it)

  auto lit = parse_forward_path("<a@[IPv6:2001:db8::1]>");
  ASSERT_TRUE(lit);
  EXPECT_TRUE(lit->is_domain_literal);

  auto routed = parse_forward_path("<@a.example:u@c.example>");
  ASSERT_TRUE(routed);
  EXPECT_TRUE(routed->had_source_route);
  EXPECT_EQ(routed->to_path(), "<u@c.example>");

  PathOptions utf8;
  utf8.smtputf8 = true;
  auto u = parse_forward_path("<j\xC3\xB8rn@b.example>", utf8);
  ASSERT_TRUE(u);
  EXPECT_TRUE(u->is_utf8);

  PathOptions strict;
  strict.require_brackets = true;
  EXPECT_FALSE(parse_forward_path("a@b.example", strict));
}

TEST(SmtpPath, ErrorMessagesReadAfterAReplyCode) {
  auto p = parse_forward_path("<a..b@example.com>");
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().message.rfind("Bad address syntax", 0), 0u) << p.error().message;
}

TEST(SmtpPath, DomainEquals) {
  EXPECT_TRUE(domain_equals("Example.COM", "example.com"));
  EXPECT_FALSE(domain_equals("example.com", "example.org"));
  EXPECT_TRUE(domain_equals("[IPv6:2001:DB8::1]", "[ipv6:2001:db8::1]"));
}

TEST(SmtpPath, QuoteLocalPart) {
  EXPECT_EQ(quote_local_part("john.doe"), "john.doe");
  EXPECT_EQ(quote_local_part("john doe"), "\"john doe\"");
  EXPECT_EQ(quote_local_part(".john"), "\".john\"");
  EXPECT_EQ(quote_local_part("a\"b"), "\"a\\\"b\"");
  EXPECT_EQ(quote_local_part(""), "\"\"");
}

// RFC 3696 §3 examples (as corrected by errata 246: the backslash forms are only valid inside a
// quoted string) and its rules on periods and '@'.
TEST(Rfc3696, Section3Examples) {
  const char* valid[] = {
      "\"Abc\\@def\"@example.com",    "\"Fred\\ Bloggs\"@example.com",
      "\"Joe.\\\\Blow\"@example.com", "\"Abc@def\"@example.com",
      "\"Fred Bloggs\"@example.com",  "customer/department=shipping@example.com",
      "$A12345@example.com",          "!def!xyz%abc@example.com",
      "_somename@example.com",
  };
  for (const char* a : valid) {
    EXPECT_TRUE(parse_forward_path(a).has_value()) << a;
    EXPECT_NE(validate_addr_spec(a).category, AddressCategory::error) << a;
  }
  const char* invalid[] = {
      "Abc\\@def@example.com",  // errata 246: backslash outside quotes
      "Fred\\ Bloggs@example.com", "Joe.\\\\Blow@example.com",
      "Abc.example.com",    // no @
      "A@b@c@example.com",  // one @ only, outside quotes
      ".abc@example.com",   // period first
      "abc.@example.com",   // period last
      "a..b@example.com",   // consecutive periods
  };
  for (const char* a : invalid) {
    EXPECT_FALSE(parse_forward_path(a).has_value()) << a;
    EXPECT_EQ(validate_addr_spec(a).category, AddressCategory::error) << a;
  }
}

TEST(SyntaxHelpers, DomainNamesAndLiterals) {
  EXPECT_TRUE(is_valid_domain_name("example.com"));
  EXPECT_TRUE(is_valid_domain_name("a-b.c1"));
  EXPECT_TRUE(is_valid_domain_name("localhost"));
  EXPECT_FALSE(is_valid_domain_name(""));
  EXPECT_FALSE(is_valid_domain_name("a..b"));
  EXPECT_FALSE(is_valid_domain_name(".a"));
  EXPECT_FALSE(is_valid_domain_name("\xC3\xA9.example"));
  EXPECT_TRUE(is_valid_domain_name("\xC3\xA9.example", true));
  EXPECT_TRUE(is_valid_address_literal("[127.0.0.1]"));
  EXPECT_TRUE(is_valid_address_literal("[IPv6:::1]"));
  EXPECT_FALSE(is_valid_address_literal("127.0.0.1"));
  EXPECT_TRUE(is_dot_atom("a.b"));
  EXPECT_FALSE(is_dot_atom("a b"));
}

// ---------------------------------------------------------------------------------------------
// Header address lists (RFC 5322 §3.4)

struct Expect {
  std::string name;  // decoded display name
  std::string address;
};

std::vector<Expect> flatten(const AddressList& list) {
  std::vector<Expect> out;
  for (const auto* m : list.mailboxes())
    out.push_back({m->display_name, m->address()});
  return out;
}

void expect_mailboxes(std::string_view value, const std::vector<Expect>& want, const char* why) {
  auto got = flatten(parse_address_list(value));
  ASSERT_EQ(got.size(), want.size()) << why << ": " << value;
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].name, want[i].name) << why << " #" << i << ": " << value;
    EXPECT_EQ(got[i].address, want[i].address) << why << " #" << i << ": " << value;
  }
}

TEST(AddressList, EveryForm) {
  expect_mailboxes("a@b.tld", {{"", "a@b.tld"}}, "§3.4 addr-spec");
  expect_mailboxes("<a@b.tld>", {{"", "a@b.tld"}}, "§3.4 angle-addr");
  expect_mailboxes("Name <a@b.tld>", {{"Name", "a@b.tld"}}, "§3.4 name-addr");
  expect_mailboxes("Nom Pr\xC3\xA9nom <a@b.tld>", {{"Nom Pr\xC3\xA9nom", "a@b.tld"}},
                   "RFC 6532 §3.2 UTF-8 phrase");
  expect_mailboxes("\"Nom Pr\xC3\xA9nom\" <a@b.tld>", {{"Nom Pr\xC3\xA9nom", "a@b.tld"}},
                   "RFC 6532 UTF-8 quoted-string");
  expect_mailboxes("a@[192.0.2.1]", {{"", "a@[192.0.2.1]"}}, "§3.4.1 domain-literal");
  expect_mailboxes("a@[IPv6:2001:db8::1]", {{"", "a@[IPv6:2001:db8::1]"}},
                   "§3.4.1 domain-literal IPv6");
  expect_mailboxes("\"john doe\"@example.com", {{"", "\"john doe\"@example.com"}},
                   "§3.4.1 quoted local part");
  expect_mailboxes("a@b (Name)", {{"Name", "a@b"}}, "comment as the name");
  expect_mailboxes("=?utf-8?q?J=C3=B8rn?= <j@b.tld>", {{"J\xC3\xB8rn", "j@b.tld"}},
                   "RFC 2047 §5(3) phrase");
  expect_mailboxes("j\xC3\xB8rn@b\xC3\xA9.tld", {{"", "j\xC3\xB8rn@b\xC3\xA9.tld"}},
                   "RFC 6532 UTF-8 addr-spec");
  expect_mailboxes("", {}, "empty");
  expect_mailboxes(" , ,, ", {}, "§4.4 empty list elements");
}

TEST(AddressList, Rfc5322AppendixA) {
  // A.1.1
  expect_mailboxes("John Doe <jdoe@machine.example>", {{"John Doe", "jdoe@machine.example"}},
                   "A.1.1");
  expect_mailboxes("Mary Smith <mary@example.net>", {{"Mary Smith", "mary@example.net"}}, "A.1.1");
  // A.1.2
  expect_mailboxes("\"Joe Q. Public\" <john.q.public@example.com>",
                   {{"Joe Q. Public", "john.q.public@example.com"}}, "A.1.2");
  expect_mailboxes(
      "Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>",
      {{"Mary Smith", "mary@x.test"}, {"", "jdoe@example.org"}, {"Who?", "one@y.test"}}, "A.1.2");
  expect_mailboxes("<boss@nil.test>, \"Giant; \\\"Big\\\" Box\" <sysservices@example.net>",
                   {{"", "boss@nil.test"}, {"Giant; \"Big\" Box", "sysservices@example.net"}},
                   "A.1.2");
  // A.6.1 obsolete: phrase with a period, route, empty element, CFWS around the dot.
  expect_mailboxes("Joe Q. Public <john.q.public@example.com>",
                   {{"Joe Q. Public", "john.q.public@example.com"}}, "A.6.1");
  expect_mailboxes("Mary Smith <@node.test:mary@example.net>, , jdoe@test  . example",
                   {{"Mary Smith", "mary@example.net"}, {"", "jdoe@test.example"}}, "A.6.1");
  // A.6.3 obsolete white space and comments
  expect_mailboxes("John Doe <jdoe@machine(comment).  example>",
                   {{"John Doe", "jdoe@machine.example"}}, "A.6.3");
  expect_mailboxes("Mary Smith\r\n    \r\n     <mary@example.net>",
                   {{"Mary Smith", "mary@example.net"}}, "A.6.3");
  // A.5 white space, comments, and other oddities
  expect_mailboxes("Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>",
                   {{"Pete", "pete@silly.test"}}, "A.5");
}

TEST(AddressList, Rfc5322AppendixAGroups) {
  // A.1.3
  auto l = parse_address_list("A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;");
  ASSERT_EQ(l.items.size(), 1u);
  const auto& g = std::get<Group>(l.items[0]);
  EXPECT_EQ(g.display_name, "A Group");
  ASSERT_EQ(g.members.size(), 3u);
  EXPECT_EQ(g.members[0].display_name, "Ed Jones");
  EXPECT_EQ(g.members[1].address(), "joe@where.test");
  EXPECT_EQ(g.members[2].address(), "jdoe@one.test");

  auto u = parse_address_list("Undisclosed recipients:;");
  ASSERT_EQ(u.items.size(), 1u);
  EXPECT_EQ(std::get<Group>(u.items[0]).display_name_raw, "Undisclosed recipients");
  EXPECT_TRUE(std::get<Group>(u.items[0]).members.empty());

  // A.5
  auto a5 = parse_address_list(
      "A Group(Some people)\r\n     :Chris Jones <c@(Chris's host.)public.example>,\r\n"
      "         joe@example.org,\r\n  John <jdoe@one.test> (my dear friend); (the end of the "
      "group)");
  ASSERT_EQ(a5.items.size(), 1u);
  const auto& g5 = std::get<Group>(a5.items[0]);
  EXPECT_EQ(g5.display_name, "A Group");
  ASSERT_EQ(g5.members.size(), 3u);
  EXPECT_EQ(g5.members[0].display_name, "Chris Jones");
  EXPECT_EQ(g5.members[0].address(), "c@public.example");
  EXPECT_EQ(g5.members[1].address(), "joe@example.org");
  EXPECT_EQ(g5.members[2].display_name, "John");  // the phrase wins over the comment

  auto hidden =
      parse_address_list("(Empty list)(start)Hidden recipients  :(nobody(that I know))  ;");
  ASSERT_EQ(hidden.items.size(), 1u);
  EXPECT_EQ(std::get<Group>(hidden.items[0]).display_name, "Hidden recipients");
  EXPECT_TRUE(std::get<Group>(hidden.items[0]).members.empty());

  // Mailboxes around groups keep their order.
  auto mixed = parse_address_list("a@x.test, G: b@x.test; c@x.test");
  ASSERT_EQ(mixed.items.size(), 3u);
  EXPECT_EQ(std::get<Mailbox>(mixed.items[0]).address(), "a@x.test");
  EXPECT_EQ(std::get<Group>(mixed.items[1]).members.at(0).address(), "b@x.test");
  EXPECT_EQ(std::get<Mailbox>(mixed.items[2]).address(), "c@x.test");
}

TEST(AddressList, RouteAndRawNameForEnvelope) {
  // RFC 3501 §7.4.2 ENVELOPE: adl is the obsolete route; the name is not decoded there.
  auto l =
      parse_address_list("=?utf-8?q?Mary?=   \"Smith\" <@node.test,@relay.test:mary@example.net>");
  auto boxes = l.mailboxes();
  ASSERT_EQ(boxes.size(), 1u);
  EXPECT_EQ(boxes[0]->route, "@node.test,@relay.test");
  EXPECT_EQ(boxes[0]->local_part, "mary");
  EXPECT_EQ(boxes[0]->domain, "example.net");
  EXPECT_EQ(boxes[0]->display_name_raw, "=?utf-8?q?Mary?= Smith");
  EXPECT_EQ(boxes[0]->display_name, "Mary Smith");

  auto q = parse_address_list("\"a\\\\b \\\"c\\\"\"@example.com");
  ASSERT_EQ(q.mailboxes().size(), 1u);
  EXPECT_EQ(q.mailboxes()[0]->local_part, "a\\b \"c\"");
  EXPECT_EQ(q.mailboxes()[0]->address(), "\"a\\\\b \\\"c\\\"\"@example.com");
}

TEST(AddressList, LenientForms) {
  expect_mailboxes("a@x.test b@y.test", {{"", "a@x.test"}, {"", "b@y.test"}}, "missing comma");
  expect_mailboxes("<a@x.test> <b@y.test>", {{"", "a@x.test"}, {"", "b@y.test"}},
                   "missing comma between angle-addrs");
  expect_mailboxes("Mary Smith mary@x.test", {{"Mary Smith", "mary@x.test"}},
                   "missing angle brackets");
  expect_mailboxes("<a@x.test> Name", {{"Name", "a@x.test"}}, "name after the address");
  expect_mailboxes("Name <a@x.test", {{"Name", "a@x.test"}}, "unclosed angle bracket");
  expect_mailboxes("Name <a@x.test, b@y.test", {{"Name", "a@x.test"}, {"", "b@y.test"}},
                   "unclosed angle bracket before a comma");
  expect_mailboxes("\"Unclosed <a@x.test>", {}, "unclosed quote swallows the rest");
  expect_mailboxes("(unclosed comment a@x.test", {}, "unclosed comment");
  expect_mailboxes("phil@example.com <phil@example.com>",
                   {{"phil@example.com", "phil@example.com"}}, "an address as display name");
  expect_mailboxes("undisclosed-recipients", {{"", "undisclosed-recipients"}}, "no domain");
  expect_mailboxes("a@x.test\r\nb@y.test", {{"", "a@x.test"}},
                   "a line break without WSP ends the field");
  expect_mailboxes("a@x.test,\r\n\tb@y.test", {{"", "a@x.test"}, {"", "b@y.test"}}, "folded");
  expect_mailboxes("G: a@x.test", {{"", "a@x.test"}}, "unterminated group");
  expect_mailboxes("a@x.test; b@y.test", {{"", "a@x.test"}, {"", "b@y.test"}},
                   "';' outside a group");
  expect_mailboxes(">>a@x.test<<", {{"", "a@x.test"}}, "stray brackets");
  expect_mailboxes("\x01\x02 a@x.test \x7F", {{"", "a@x.test"}}, "control characters");
}

TEST(AddressList, ParseMailbox) {
  auto m = parse_mailbox("\"Joe Q. Public\" <john.q.public@example.com>");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->display_name, "Joe Q. Public");
  EXPECT_EQ(m->address(), "john.q.public@example.com");
  auto g = parse_mailbox("G: first@x.test, second@x.test;");
  ASSERT_TRUE(g);
  EXPECT_EQ(g->address(), "first@x.test");
  EXPECT_FALSE(parse_mailbox("undisclosed-recipients:;"));
  EXPECT_FALSE(parse_mailbox("   "));
}

TEST(AddressList, Limits) {
  std::string many;
  for (int i = 0; i < 100; ++i)
    many += "a" + std::to_string(i) + "@x.test, ";
  AddressLimits limits;
  limits.max_mailboxes = 10;
  EXPECT_EQ(parse_address_list(many, limits).mailboxes().size(), 10u);
  EXPECT_EQ(parse_address_list(many).mailboxes().size(), 100u);
}

TEST(AddressList, HostileInputStaysLinear) {
  // Deeply nested comments, a huge unclosed quote, thousands of groups and brackets.
  std::string deep(200000, '(');
  EXPECT_TRUE(parse_address_list(deep + "a@b").empty());
  std::string quote = "\"" + std::string(500000, 'x');
  EXPECT_TRUE(parse_address_list(quote).empty());
  std::string groups;
  for (int i = 0; i < 50000; ++i)
    groups += "g:;";
  EXPECT_EQ(parse_address_list(groups).items.size(), 50000u);
  std::string members;
  for (int i = 0; i < 50000; ++i)
    members += "g:a@b;";
  EXPECT_EQ(parse_address_list(members).mailboxes().size(), AddressLimits{}.max_mailboxes);
  std::string angles(300000, '<');
  EXPECT_TRUE(parse_address_list(angles).empty());
  std::string dots(300000, '.');
  EXPECT_EQ(parse_address_list(dots + "@" + dots).mailboxes().size(), 1u);
}

}  // namespace
}  // namespace facteur::mail
