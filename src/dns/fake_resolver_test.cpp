#include "dns/fake_resolver.hpp"

#include <gtest/gtest.h>

namespace facteur::dns {
namespace {

TEST(FakeResolver, ZoneSemantics) {
  FakeResolver r;
  r.add_a("host.sub.example.test", "192.0.2.1");
  r.add_cname("www.example.test", "host.sub.example.test");
  r.add_txt("example.test", std::string(300, 'x'));
  r.fail("down.example.test");

  EXPECT_EQ(r.lookup("HOST.sub.example.test.", RType::a).status, Status::ok);
  EXPECT_EQ(r.lookup("host.sub.example.test", RType::mx).status, Status::no_data);
  EXPECT_EQ(r.lookup("sub.example.test", RType::a).status, Status::no_data);  // empty non-terminal
  EXPECT_EQ(r.lookup("nope.example.test", RType::a).status, Status::nxdomain);
  EXPECT_EQ(r.lookup("down.example.test", RType::a).status, Status::temp_failure);
  EXPECT_EQ(r.lookup("a..b", RType::a).status, Status::bad_name);
  auto www = r.lookup("www.example.test", RType::a);
  ASSERT_EQ(www.status, Status::ok);
  EXPECT_EQ(www.canonical_name, "host.sub.example.test");
  auto txt = r.lookup("example.test", RType::txt);
  ASSERT_EQ(txt.status, Status::ok);
  EXPECT_EQ(std::get<TxtData>(txt.records[0].data).strings.size(), 2u);
  EXPECT_EQ(txt_strings(txt)[0].size(), 300u);
  EXPECT_EQ(r.queries().size(), 8u);
}

TEST(ReverseName, Ipv4AndIpv6) {
  EXPECT_EQ(reverse_name(boost::asio::ip::make_address("192.0.2.1")), "1.2.0.192.in-addr.arpa");
  EXPECT_EQ(reverse_name(boost::asio::ip::make_address("2001:db8::1")),
            "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
}

}  // namespace
}  // namespace facteur::dns
