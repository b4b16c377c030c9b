// StubResolver against an in-process DNS server on loopback (never the real network).
#include "dns/stub_resolver.hpp"

#include <atomic>
#include <functional>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

namespace facteur::dns {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;

// What the fake server does with one query: bytes to send back, or nothing (a lost packet).
using Handler = std::function<std::vector<std::string>(const Message& query, bool over_tcp)>;

class FakeServer {
 public:
  FakeServer(asio::io_context& io, Handler handler)
      : udp_(io), tcp_(io), handler_(std::move(handler)) {
    // Same port number for UDP and TCP; retry when the TCP side of a free UDP port is taken.
    for (int attempt = 0;; ++attempt) {
      boost::system::error_code ec;
      udp_ = udp::socket(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
      tcp_ = tcp::acceptor(io);
      tcp_.open(tcp::v4());
      tcp_.set_option(tcp::acceptor::reuse_address(true));
      tcp_.bind(tcp::endpoint(asio::ip::make_address("127.0.0.1"), udp_.local_endpoint().port()),
                ec);
      if (!ec) tcp_.listen(16, ec);
      if (!ec) break;
      if (attempt > 20) throw boost::system::system_error(ec);
    }
    asio::co_spawn(io, serve_udp(), asio::detached);
    asio::co_spawn(io, serve_tcp(), asio::detached);
  }
  Endpoint endpoint() const { return udp_.local_endpoint(); }
  int udp_queries = 0;
  int tcp_queries = 0;
  void stop() {
    boost::system::error_code ec;
    udp_.close(ec);
    tcp_.close(ec);
  }

 private:
  net::awaitable<void> serve_udp() {
    std::vector<char> buf(65535);
    for (;;) {
      udp::endpoint from;
      auto [ec, n] = co_await udp_.async_receive_from(asio::buffer(buf), from, net::use_nothrow);
      if (ec) co_return;
      auto q = parse_message(std::string_view(buf.data(), n));
      if (!q) continue;
      ++udp_queries;
      for (const auto& reply : handler_(*q, false)) {
        co_await udp_.async_send_to(asio::buffer(reply), from, net::use_nothrow);
      }
    }
  }
  net::awaitable<void> serve_tcp() {
    for (;;) {
      auto [ec, socket] = co_await tcp_.async_accept(net::use_nothrow);
      if (ec) co_return;
      unsigned char len[2];
      auto [lec, ln] = co_await asio::async_read(socket, asio::buffer(len), net::use_nothrow);
      if (lec) continue;
      std::string body((len[0] << 8) | len[1], '\0');
      auto [bec, bn] = co_await asio::async_read(socket, asio::buffer(body), net::use_nothrow);
      if (bec) continue;
      auto q = parse_message(body);
      if (!q) continue;
      ++tcp_queries;
      for (const auto& reply : handler_(*q, true)) {
        std::string framed{static_cast<char>(reply.size() >> 8),
                           static_cast<char>(reply.size() & 0xFF)};
        framed += reply;
        co_await asio::async_write(socket, asio::buffer(framed), net::use_nothrow);
      }
    }
  }
  udp::socket udp_;
  tcp::acceptor tcp_;
  Handler handler_;
};

Message reply_to(const Message& q, Rcode rcode = Rcode::noerror) {
  Message r;
  r.header.id = q.header.id;
  r.header.qr = true;
  r.header.rd = true;
  r.header.ra = true;
  r.header.rcode = static_cast<std::uint8_t>(rcode);
  r.questions = q.questions;
  return r;
}

Record soa(std::uint32_t ttl, std::uint32_t minimum) {
  return Record{"test", 6, 1, ttl, SoaData{"ns.test", "admin.test", 1, 3600, 600, 86400, minimum}};
}

ResolverOptions options_for(std::vector<Endpoint> servers) {
  ResolverOptions o;
  o.servers = std::move(servers);
  o.timeout = std::chrono::milliseconds(150);
  o.attempts = 2;
  return o;
}

Answer run_query(asio::io_context& io, StubResolver& resolver, std::string name, RType type) {
  Answer out;
  bool done = false;
  asio::co_spawn(
      io,
      [&]() -> net::awaitable<void> {
        out = co_await resolver.query(name, type);
        done = true;
      },
      asio::detached);
  while (!done && io.run_one_for(std::chrono::seconds(5))) {
  }
  EXPECT_TRUE(done);
  return out;
}

// A zone used by most tests.
std::vector<std::string> zone(const Message& q, bool) {
  const auto& question = q.questions.at(0);
  Message r = reply_to(q);
  const std::string name = normalize_name(question.name);
  auto add = [&](Record rec) { r.answers.push_back(std::move(rec)); };
  if (name == "a.test" && question.type == 1) {
    add({"a.test", 1, 1, 300, asio::ip::make_address_v4("192.0.2.1")});
    add({"a.test", 1, 1, 200, asio::ip::make_address_v4("192.0.2.2")});
  } else if (name == "a.test" && question.type == 28) {
    add({"a.test", 28, 1, 300, asio::ip::make_address_v6("2001:db8::1")});
  } else if (name == "a.test" && question.type == 15) {
    add({"a.test", 15, 1, 300, MxData{10, "mx1.a.test"}});
  } else if (name == "a.test" && question.type == 16) {
    add({"a.test", 16, 1, 300, TxtData{{"v=spf1 ", "ip4:192.0.2.0/24 -all"}}});
  } else if (name == "1.2.0.192.in-addr.arpa" && question.type == 12) {
    add({question.name, 12, 1, 300, NameData{"a.test"}});
  } else if (name == "a.test") {
    r.authority.push_back(soa(600, 30));  // exists, no data of that type
  } else if (name == "alias.test") {
    add({"alias.test", 5, 1, 100, NameData{"alias2.test"}});
    add({"alias2.test", 5, 1, 50, NameData{"a.test"}});
    add({"a.test", 1, 1, 300, asio::ip::make_address_v4("192.0.2.1")});
  } else if (name == "half.test") {
    add({"half.test", 5, 1, 100, NameData{"a.test"}});  // the server leaves the rest to us
  } else if (name == "loop.test") {
    add({"loop.test", 5, 1, 100, NameData{"loop.test"}});
  } else {
    r.header.rcode = static_cast<std::uint8_t>(Rcode::nxdomain);
    r.authority.push_back(soa(600, 45));
  }
  return {encode_message(r)};
}

TEST(StubResolver, AnswersWithTtls) {
  asio::io_context io;
  FakeServer server(io, zone);
  StubResolver resolver(options_for({server.endpoint()}));
  auto a = run_query(io, resolver, "A.test", RType::a);
  ASSERT_EQ(a.status, Status::ok) << a.detail;
  EXPECT_EQ(addresses(a).size(), 2u);
  EXPECT_EQ(a.ttl, 200u);  // the smallest record TTL
  auto aaaa = run_query(io, resolver, "a.test", RType::aaaa);
  ASSERT_EQ(aaaa.status, Status::ok);
  EXPECT_EQ(addresses(aaaa)[0].to_string(), "2001:db8::1");
  auto mx = run_query(io, resolver, "a.test", RType::mx);
  ASSERT_EQ(mx.status, Status::ok);
  EXPECT_EQ(mx_records(mx)[0].exchange, "mx1.a.test");
  auto txt = run_query(io, resolver, "a.test", RType::txt);
  ASSERT_EQ(txt.status, Status::ok);
  EXPECT_EQ(txt_strings(txt)[0], "v=spf1 ip4:192.0.2.0/24 -all");
  auto ptr = run_query(io, resolver, reverse_name(asio::ip::make_address("192.0.2.1")), RType::ptr);
  ASSERT_EQ(ptr.status, Status::ok);
  EXPECT_EQ(names(ptr)[0], "a.test");
}

// RFC 2308 §5: negative answers carry min(SOA TTL, SOA MINIMUM).
TEST(StubResolver, NxdomainAndNoDataAreDistinct) {
  asio::io_context io;
  FakeServer server(io, zone);
  StubResolver resolver(options_for({server.endpoint()}));
  auto nx = run_query(io, resolver, "missing.test", RType::a);
  EXPECT_EQ(nx.status, Status::nxdomain);
  EXPECT_EQ(nx.ttl, 45u);
  auto nodata = run_query(io, resolver, "a.test", RType::tlsa);
  EXPECT_EQ(nodata.status, Status::no_data);
  EXPECT_EQ(nodata.ttl, 30u);
  EXPECT_TRUE(nx.empty());
  EXPECT_TRUE(nodata.empty());
}

TEST(StubResolver, ServfailIsTemporaryAndNextServerIsAsked) {
  asio::io_context io;
  FakeServer broken(io, [](const Message& q, bool) {
    return std::vector<std::string>{encode_message(reply_to(q, Rcode::servfail))};
  });
  StubResolver only_broken(options_for({broken.endpoint()}));
  auto failed = run_query(io, only_broken, "a.test", RType::a);
  EXPECT_EQ(failed.status, Status::temp_failure);
  EXPECT_NE(failed.detail.find("SERVFAIL"), std::string::npos) << failed.detail;
  EXPECT_EQ(broken.udp_queries, 2);  // attempts = 2, one server

  FakeServer good(io, zone);
  StubResolver both(options_for({broken.endpoint(), good.endpoint()}));
  auto ok = run_query(io, both, "a.test", RType::a);
  EXPECT_EQ(ok.status, Status::ok);
}

TEST(StubResolver, TimeoutIsTemporaryAndBounded) {
  asio::io_context io;
  FakeServer silent(io, [](const Message&, bool) { return std::vector<std::string>{}; });
  StubResolver resolver(options_for({silent.endpoint()}));
  auto start = std::chrono::steady_clock::now();
  auto a = run_query(io, resolver, "a.test", RType::a);
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(a.status, Status::temp_failure);
  EXPECT_NE(a.detail.find("timeout"), std::string::npos);
  EXPECT_EQ(silent.udp_queries, 2);
  EXPECT_GE(elapsed, std::chrono::milliseconds(290));
  EXPECT_LT(elapsed, std::chrono::milliseconds(1500));
}

// RFC 7766 §5: TC=1 over UDP -> the same question over TCP.
TEST(StubResolver, TruncatedAnswerIsRetriedOverTcp) {
  asio::io_context io;
  FakeServer server(io, [](const Message& q, bool tcp) {
    if (!tcp) {
      Message r = reply_to(q);
      r.header.tc = true;
      return std::vector<std::string>{encode_message(r)};
    }
    Message r = reply_to(q);
    for (int i = 0; i < 100; ++i) {
      r.answers.push_back({"big.test", 16, 1, 60, TxtData{{std::string(200, char('a' + i % 26))}}});
    }
    return std::vector<std::string>{encode_message(r)};
  });
  StubResolver resolver(options_for({server.endpoint()}));
  auto txt = run_query(io, resolver, "big.test", RType::txt);
  ASSERT_EQ(txt.status, Status::ok) << txt.detail;
  EXPECT_EQ(txt.records.size(), 100u);
  EXPECT_EQ(server.udp_queries, 1);
  EXPECT_EQ(server.tcp_queries, 1);
}

TEST(StubResolver, FollowsCnameChains) {
  asio::io_context io;
  FakeServer server(io, zone);
  StubResolver resolver(options_for({server.endpoint()}));
  auto a = run_query(io, resolver, "alias.test", RType::a);
  ASSERT_EQ(a.status, Status::ok);
  EXPECT_EQ(a.canonical_name, "a.test");
  EXPECT_EQ(a.ttl, 50u);  // the chain's smallest TTL
  EXPECT_EQ(server.udp_queries, 1);

  auto half = run_query(io, resolver, "half.test", RType::a);  // needs a second query
  ASSERT_EQ(half.status, Status::ok) << half.detail;
  EXPECT_EQ(half.canonical_name, "a.test");
  EXPECT_EQ(server.udp_queries, 3);

  auto loop = run_query(io, resolver, "loop.test", RType::a);
  EXPECT_EQ(loop.status, Status::temp_failure);
}

TEST(StubResolver, IgnoresMalformedAndSpoofedPackets) {
  asio::io_context io;
  FakeServer server(io, [](const Message& q, bool) {
    Message spoof = reply_to(q);
    spoof.header.id = static_cast<std::uint16_t>(q.header.id + 1);
    spoof.answers.push_back({"a.test", 1, 1, 300, asio::ip::make_address_v4("203.0.113.66")});
    Message wrong_question = reply_to(q);
    wrong_question.questions[0].name = "evil.test";
    auto good = zone(q, false);
    return std::vector<std::string>{"\x01\x02garbage", encode_message(spoof),
                                    encode_message(wrong_question), good[0]};
  });
  StubResolver resolver(options_for({server.endpoint()}));
  auto a = run_query(io, resolver, "a.test", RType::a);
  ASSERT_EQ(a.status, Status::ok) << a.detail;
  for (const auto& address : addresses(a))
    EXPECT_NE(address.to_string(), "203.0.113.66");

  FakeServer garbage(io, [](const Message&, bool) {
    return std::vector<std::string>{std::string("\xff\xff\x81\x80\x00\x01", 6)};
  });
  StubResolver broken(options_for({garbage.endpoint()}));
  EXPECT_EQ(run_query(io, broken, "a.test", RType::a).status, Status::temp_failure);
}

TEST(StubResolver, CachesAnswers) {
  asio::io_context io;
  FakeServer server(io, zone);
  StubResolver resolver(options_for({server.endpoint()}));
  EXPECT_EQ(run_query(io, resolver, "a.test", RType::a).status, Status::ok);
  EXPECT_EQ(run_query(io, resolver, "A.TEST.", RType::a).status, Status::ok);
  EXPECT_EQ(run_query(io, resolver, "missing.test", RType::a).status, Status::nxdomain);
  EXPECT_EQ(run_query(io, resolver, "missing.test", RType::a).status, Status::nxdomain);
  EXPECT_EQ(server.udp_queries, 2);
}

TEST(StubResolver, RefusesBadNamesWithoutAsking) {
  asio::io_context io;
  FakeServer server(io, zone);
  StubResolver resolver(options_for({server.endpoint()}));
  EXPECT_EQ(run_query(io, resolver, "a..test", RType::a).status, Status::bad_name);
  EXPECT_EQ(server.udp_queries, 0);
}

TEST(StubResolver, UnreachableServerFailsFast) {
  asio::io_context io;
  FakeServer server(io, zone);
  auto endpoint = server.endpoint();
  server.stop();  // nothing listens there now
  StubResolver resolver(options_for({endpoint}));
  EXPECT_EQ(run_query(io, resolver, "a.test", RType::a).status, Status::temp_failure);
}

// A validating resolver: AD on answers under signed.test when the query asked with DO.
std::vector<std::string> validating(const Message& q, bool) {
  Message r = reply_to(q);
  const auto name = normalize_name(q.questions.at(0).name);
  if (name == "signed.test" || name == "unsigned.test") {
    r.answers.push_back({name, 1, 1, 300, asio::ip::make_address_v4("192.0.2.7")});
  } else if (name == "alias.signed.test") {
    r.answers.push_back({name, 5, 1, 300, NameData{"unsigned.test"}});
    r.answers.push_back({"unsigned.test", 1, 1, 300, asio::ip::make_address_v4("192.0.2.7")});
  } else {
    r.header.rcode = static_cast<std::uint8_t>(Rcode::nxdomain);
  }
  // RFC 6840 §5.8: AD only for a validated answer to a query that asked for it (DO or AD).
  r.header.ad = dnssec_ok(q) && name.ends_with("signed.test") && !name.starts_with("unsigned") &&
                name != "alias.signed.test";
  return {encode_message(r)};
}

// RFC 3225 §3 / RFC 6840 §5.7: the DO bit asks for DNSSEC; the AD bit is believed only when
// the resolver is one we trust (here: loopback, the "auto" setting).
TEST(StubResolver, ReportsAdBitOnlyFromTrustedResolvers) {
  asio::io_context io;
  FakeServer server(io, validating);
  auto trusted = options_for({server.endpoint()});
  ASSERT_TRUE(apply_dnssec_setting(trusted, "auto"));
  EXPECT_TRUE(trusted.dnssec_ok);
  EXPECT_TRUE(trusted.trust_ad);  // 127.0.0.1
  StubResolver resolver(trusted);
  auto secure = run_query(io, resolver, "signed.test", RType::a);
  ASSERT_EQ(secure.status, Status::ok);
  EXPECT_TRUE(secure.secure);
  auto denial = run_query(io, resolver, "missing.signed.test", RType::a);
  EXPECT_EQ(denial.status, Status::nxdomain);
  EXPECT_TRUE(denial.secure);  // authenticated denial of existence
  EXPECT_FALSE(run_query(io, resolver, "unsigned.test", RType::a).secure);
  // A chain through an insecure name is insecure.
  EXPECT_FALSE(run_query(io, resolver, "alias.signed.test", RType::a).secure);
  EXPECT_TRUE(resolver.cache().get("signed.test", RType::a, Cache::Clock::now())->secure);

  auto off = options_for({server.endpoint()});
  ASSERT_TRUE(apply_dnssec_setting(off, "off"));
  StubResolver plain(off);
  EXPECT_FALSE(run_query(io, plain, "signed.test", RType::a).secure);  // no DO: no AD

  auto distrusted = options_for({server.endpoint()});
  distrusted.dnssec_ok = true;  // asks, but does not believe
  StubResolver asking(distrusted);
  EXPECT_FALSE(run_query(io, asking, "signed.test", RType::a).secure);
}

TEST(ServerList, DnssecSetting) {
  auto remote = resolver_options({"192.0.2.53", "127.0.0.1"});
  ASSERT_TRUE(remote);
  ASSERT_TRUE(apply_dnssec_setting(*remote, "auto"));
  EXPECT_TRUE(remote->dnssec_ok);
  EXPECT_FALSE(remote->trust_ad);  // one server off loopback: its AD could be forged on the way
  ASSERT_TRUE(apply_dnssec_setting(*remote, "trust"));
  EXPECT_TRUE(remote->trust_ad);
  ASSERT_TRUE(apply_dnssec_setting(*remote, "off"));
  EXPECT_FALSE(remote->dnssec_ok);
  EXPECT_FALSE(remote->trust_ad);
  EXPECT_FALSE(apply_dnssec_setting(*remote, "yes"));
  EXPECT_TRUE(all_loopback(*parse_servers({"127.0.0.53", "[::1]:53"})));
  EXPECT_FALSE(all_loopback({}));
}

TEST(ServerList, ParsesConfigForms) {
  auto s = parse_servers({"127.0.0.1:5353", "[::1]:53", "192.0.2.1", "::1"});
  ASSERT_TRUE(s) << s.error().message;
  ASSERT_EQ(s->size(), 4u);
  EXPECT_EQ((*s)[0].port(), 5353);
  EXPECT_TRUE((*s)[1].address().is_v6());
  EXPECT_EQ((*s)[2].port(), 53);
  EXPECT_TRUE((*s)[3].address().is_v6());
  EXPECT_FALSE(parse_servers({"127.0.0.1:"}));
  EXPECT_FALSE(parse_servers({"127.0.0.1:99999"}));
  EXPECT_FALSE(parse_servers({"dns.example:53"}));
  EXPECT_FALSE(parse_servers({"[::1"}));
}

TEST(ServerList, OptionsFromConfig) {
  auto configured = resolver_options({"127.0.0.1:5353"});
  ASSERT_TRUE(configured);
  ASSERT_EQ(configured->servers.size(), 1u);
  EXPECT_EQ(configured->servers[0].port(), 5353);
  EXPECT_FALSE(resolver_options({"not an address"}));
  EXPECT_FALSE(resolver_options({}, "/nonexistent/resolv.conf"));
}

TEST(ServerList, ReadsResolvConf) {
  auto s = parse_resolv_conf(
      "# comment\nsearch example.test\nnameserver 192.0.2.53\nnameserver fe80::1%eth0\n"
      "nameserver bogus\noptions edns0\n");
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].address().to_string(), "192.0.2.53");
  EXPECT_EQ(s[0].port(), 53);
  auto fallback = parse_resolv_conf("");
  ASSERT_EQ(fallback.size(), 1u);
  EXPECT_EQ(fallback[0].address().to_string(), "127.0.0.1");
}

}  // namespace
}  // namespace facteur::dns
