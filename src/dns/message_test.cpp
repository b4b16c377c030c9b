#include "dns/message.hpp"

#include <gtest/gtest.h>

namespace facteur::dns {
namespace {

std::string bytes(std::initializer_list<int> v) {
  std::string s;
  for (int b : v)
    s.push_back(static_cast<char>(b));
  return s;
}

TEST(DnsMessage, QueryRoundTrip) {
  auto q = build_query(0x1234, "Example.COM.", RType::mx);
  ASSERT_TRUE(q);
  auto m = parse_message(*q);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->header.id, 0x1234);
  EXPECT_TRUE(m->header.rd);
  EXPECT_FALSE(m->header.qr);
  ASSERT_EQ(m->questions.size(), 1u);
  EXPECT_EQ(m->questions[0].name, "Example.COM");
  EXPECT_EQ(m->questions[0].type, 15);
  ASSERT_EQ(m->additional.size(), 1u);  // EDNS0 OPT (RFC 6891 §6.1.2)
  EXPECT_EQ(m->additional[0].type, 41);
  EXPECT_EQ(m->additional[0].rclass, 1232);
}

// RFC 3225 §3: DO is the top bit of the OPT record's flags (the low 16 bits of its TTL field);
// RFC 6840 §5.7: AD set in a query asks for the validation result.
TEST(DnsMessage, DnssecOkQuery) {
  auto plain = parse_message(*build_query(1, "example.test", RType::tlsa));
  ASSERT_TRUE(plain);
  EXPECT_FALSE(dnssec_ok(*plain));
  EXPECT_FALSE(plain->header.ad);
  auto q = parse_message(*build_query(1, "_25._tcp.mx.example.test", RType::tlsa, 1232, true));
  ASSERT_TRUE(q);
  EXPECT_TRUE(dnssec_ok(*q));
  EXPECT_TRUE(q->header.ad);
  ASSERT_EQ(q->additional.size(), 1u);
  EXPECT_EQ(q->additional[0].ttl, 0x8000u);
  // No OPT record, no DO bit (it lives there).
  auto bare = parse_message(*build_query(1, "example.test", RType::a, 0, true));
  ASSERT_TRUE(bare);
  EXPECT_FALSE(dnssec_ok(*bare));
}

TEST(DnsMessage, RejectsUnqueryableNames) {
  EXPECT_FALSE(build_query(1, "", RType::a));
  EXPECT_FALSE(build_query(1, "a..b", RType::a));
  EXPECT_FALSE(build_query(1, std::string(64, 'a') + ".com", RType::a));
  EXPECT_TRUE(build_query(1, std::string(63, 'a') + ".com", RType::a));
  std::string long_name;
  for (int i = 0; i < 64; ++i)
    long_name += "abc.";
  EXPECT_FALSE(build_query(1, long_name, RType::a));  // > 253 bytes
  EXPECT_FALSE(is_queryable_name("."));
  EXPECT_TRUE(is_queryable_name("a.b."));
}

TEST(DnsMessage, EncodeParseAllTypes) {
  Message m;
  m.header = {7, true, true, false, true, true, false, 0, 0};
  m.questions.push_back({"x.test", 1, 1});
  m.answers.push_back({"x.test", 1, 1, 300, boost::asio::ip::make_address_v4("192.0.2.1")});
  m.answers.push_back({"x.test", 28, 1, 300, boost::asio::ip::make_address_v6("2001:db8::1")});
  m.answers.push_back({"x.test", 15, 1, 60, MxData{10, "mx.x.test"}});
  m.answers.push_back({"x.test", 16, 1, 60, TxtData{{"v=spf1 ", "-all"}}});
  m.answers.push_back({"_25._tcp.x.test", 52, 1, 60, TlsaData{3, 1, 1, "\x01\x02"}});
  m.answers.push_back({"y.test", 5, 1, 60, NameData{"x.test"}});
  m.authority.push_back({"test", 6, 1, 900, SoaData{"ns.test", "host.test", 1, 2, 3, 4, 5}});
  auto parsed = parse_message(encode_message(m));
  ASSERT_TRUE(parsed) << parsed.error().message;
  ASSERT_EQ(parsed->answers.size(), 6u);
  EXPECT_EQ(std::get<boost::asio::ip::address_v4>(parsed->answers[0].data).to_string(),
            "192.0.2.1");
  EXPECT_EQ(std::get<boost::asio::ip::address_v6>(parsed->answers[1].data).to_string(),
            "2001:db8::1");
  EXPECT_EQ(std::get<MxData>(parsed->answers[2].data).exchange, "mx.x.test");
  EXPECT_EQ(std::get<TxtData>(parsed->answers[3].data).joined(), "v=spf1 -all");
  EXPECT_EQ(std::get<TlsaData>(parsed->answers[4].data).association, "\x01\x02");
  EXPECT_EQ(std::get<NameData>(parsed->answers[5].data).name, "x.test");
  EXPECT_EQ(std::get<SoaData>(parsed->authority[0].data).minimum, 5u);
  EXPECT_TRUE(parsed->header.aa);
}

// RFC 1035 §4.1.4: a name may end with a pointer to an earlier occurrence.
TEST(DnsMessage, FollowsCompressionPointers) {
  std::string p = bytes({0, 1, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0});
  p += bytes({2, 'm', 'x', 4, 't', 'e', 's', 't', 0, 0, 15, 0, 1});
  // answer: owner = pointer to offset 12; MX 5 "a" + pointer to "test" at offset 15.
  p += bytes({0xC0, 12, 0, 15, 0, 1, 0, 0, 0, 30, 0, 6, 0, 5, 1, 'a', 0xC0, 15});
  auto m = parse_message(p);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->answers[0].name, "mx.test");
  EXPECT_EQ(std::get<MxData>(m->answers[0].data).exchange, "a.test");
  EXPECT_EQ(m->answers[0].ttl, 30u);
}

TEST(DnsMessage, RejectsPointerLoopsAndForwardPointers) {
  std::string header = bytes({0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0});
  EXPECT_FALSE(parse_message(header + bytes({0xC0, 12, 0, 1, 0, 1})));     // points at itself
  EXPECT_FALSE(parse_message(header + bytes({0xC0, 14, 0, 0, 1, 0, 1})));  // forwards
  EXPECT_FALSE(parse_message(header + bytes({0x40, 1, 0, 0, 1, 0, 1})));   // label type 01
}

TEST(DnsMessage, RejectsTruncatedAndInconsistentPackets) {
  EXPECT_FALSE(parse_message(""));
  EXPECT_FALSE(parse_message(bytes({0, 1, 0x81, 0x80, 0})));
  std::string header = bytes({0, 1, 0x81, 0x80, 0, 0, 0, 1, 0, 0, 0, 0});
  // A record with RDLENGTH 5.
  EXPECT_FALSE(parse_message(header + bytes({0, 0, 1, 0, 1, 0, 0, 0, 1, 0, 5, 1, 2, 3, 4, 5})));
  // RDLENGTH beyond the packet.
  EXPECT_FALSE(parse_message(header + bytes({0, 0, 1, 0, 1, 0, 0, 0, 1, 0, 9, 1, 2, 3, 4})));
  // TXT string longer than its RDATA.
  EXPECT_FALSE(parse_message(header + bytes({0, 0, 16, 0, 1, 0, 0, 0, 1, 0, 2, 5, 'a'})));
  // Counts larger than the limit.
  EXPECT_FALSE(parse_message(bytes({0, 1, 0x81, 0x80, 0xFF, 0xFF, 0, 0, 0, 0, 0, 0})));
}

TEST(DnsMessage, EscapesOddLabelBytes) {
  std::string p = bytes({0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0});
  p += bytes({3, 'a', '.', 1, 1, 'b', 0, 0, 1, 0, 1});
  auto m = parse_message(p);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->questions[0].name, "a\\.\\001.b");
}

}  // namespace
}  // namespace facteur::dns
