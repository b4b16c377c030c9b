#include "dns/stub_resolver.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <random>
#include <sstream>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>
#include <openssl/rand.h>

#include "base/strings.hpp"

namespace facteur::dns {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;
using namespace asio::experimental::awaitable_operators;

struct StubResolver::Exchange {
  bool ok = false;
  Message message;
  std::string detail;
};

namespace {

std::uint16_t random_id() {
  std::uint16_t id = 0;
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&id), sizeof id) != 1) {
    id = static_cast<std::uint16_t>(std::random_device{}());
  }
  return id;
}

std::string to_text(const Endpoint& ep) {
  if (ep.address().is_v6()) return fmt::format("[{}]:{}", ep.address().to_string(), ep.port());
  return fmt::format("{}:{}", ep.address().to_string(), ep.port());
}

// Does the response answer our question? Anything else is stray or spoofed and is ignored.
bool answers_query(const Message& m, std::uint16_t id, std::string_view name, RType type) {
  return m.header.qr && m.header.id == id && m.header.opcode == 0 && m.questions.size() == 1 &&
         names_equal(m.questions[0].name, name) &&
         m.questions[0].type == static_cast<std::uint16_t>(type);
}

using Reply = std::pair<std::optional<Message>, std::string>;  // message, or why not

net::awaitable<Reply> udp_round(udp::socket& socket, const std::string& query, std::uint16_t id,
                                std::string_view name, RType type) {
  auto [send_ec, sent] = co_await socket.async_send(asio::buffer(query), net::use_nothrow);
  if (send_ec) co_return Reply{std::nullopt, "send: " + send_ec.message()};
  std::vector<char> buffer(65'535);
  for (;;) {
    auto [ec, n] = co_await socket.async_receive(asio::buffer(buffer), net::use_nothrow);
    if (ec) co_return Reply{std::nullopt, ec.message()};
    auto m = parse_message(std::string_view(buffer.data(), n));
    if (m && answers_query(*m, id, name, type)) co_return Reply{std::move(*m), ""};
  }
}

net::awaitable<Reply> tcp_round(tcp::socket& socket, const tcp::endpoint& server,
                                const std::string& query, std::uint16_t id, std::string_view name,
                                RType type) {
  auto [cec] = co_await socket.async_connect(server, net::use_nothrow);
  if (cec) co_return Reply{std::nullopt, "tcp connect: " + cec.message()};
  std::string framed;
  framed.push_back(static_cast<char>(query.size() >> 8));
  framed.push_back(static_cast<char>(query.size() & 0xFF));
  framed += query;
  auto [wec, written] = co_await asio::async_write(socket, asio::buffer(framed), net::use_nothrow);
  if (wec) co_return Reply{std::nullopt, "tcp write: " + wec.message()};
  std::array<unsigned char, 2> len{};
  auto [lec, ln] = co_await asio::async_read(socket, asio::buffer(len), net::use_nothrow);
  if (lec) co_return Reply{std::nullopt, "tcp read: " + lec.message()};
  std::string body((std::size_t(len[0]) << 8) | len[1], '\0');
  auto [bec, bn] = co_await asio::async_read(socket, asio::buffer(body), net::use_nothrow);
  if (bec) co_return Reply{std::nullopt, "tcp read: " + bec.message()};
  auto m = parse_message(body);
  if (!m) co_return Reply{std::nullopt, "malformed tcp response"};
  if (!answers_query(*m, id, name, type)) co_return Reply{std::nullopt, "mismatched tcp response"};
  co_return Reply{std::move(*m), ""};
}

}  // namespace

Result<std::vector<Endpoint>> parse_servers(const std::vector<std::string>& servers) {
  std::vector<Endpoint> out;
  for (const auto& text : servers) {
    std::string host = text;
    std::uint16_t port = 53;
    std::string_view rest;
    if (!host.empty() && host.front() == '[') {
      auto close = host.find(']');
      if (close == std::string::npos) {
        return make_error(Errc::invalid_argument, fmt::format("dns: bad server '{}'", text));
      }
      rest = std::string_view(text).substr(close + 1);
      host = text.substr(1, close - 1);
    } else if (std::count(host.begin(), host.end(), ':') == 1) {
      auto colon = host.find(':');
      rest = std::string_view(text).substr(colon);
      host = text.substr(0, colon);
    }
    if (!rest.empty()) {
      if (rest.front() != ':' || rest.size() < 2 || rest.size() > 6) {
        return make_error(Errc::invalid_argument, fmt::format("dns: bad server '{}'", text));
      }
      auto value = parse_port(rest.substr(1));
      if (!value) {
        return make_error(Errc::invalid_argument, fmt::format("dns: bad port in '{}'", text));
      }
      port = *value;
    }
    boost::system::error_code ec;
    auto address = asio::ip::make_address(host, ec);
    if (ec) {
      return make_error(Errc::invalid_argument, fmt::format("dns: bad server address '{}'", text));
    }
    out.emplace_back(address, port);
  }
  return out;
}

std::vector<Endpoint> parse_resolv_conf(std::string_view text) {
  std::vector<Endpoint> out;
  for (auto line : split(text, '\n')) {
    line = trim(line);
    if (!istarts_with(line, "nameserver")) continue;
    auto value = trim(line.substr(10));
    if (value.size() == line.size() - 10) continue;  // "nameserverX": not our keyword
    value = value.substr(0, value.find_first_of(" \t#;"));
    std::string host(value.substr(0, value.find('%')));  // drop an IPv6 zone id
    boost::system::error_code ec;
    auto address = asio::ip::make_address(host, ec);
    if (!ec) out.emplace_back(address, 53);
  }
  if (out.empty()) out.emplace_back(asio::ip::make_address_v4("127.0.0.1"), 53);
  return out;
}

Result<std::vector<Endpoint>> read_resolv_conf(const std::string& path) {
  std::ifstream in(path);
  if (!in) return make_error(Errc::io_error, fmt::format("dns: cannot read {}", path));
  std::stringstream text;
  text << in.rdbuf();
  return parse_resolv_conf(text.str());
}

Result<ResolverOptions> resolver_options(const std::vector<std::string>& configured_servers,
                                         const std::string& resolv_conf) {
  ResolverOptions options;
  auto servers = configured_servers.empty() ? read_resolv_conf(resolv_conf)
                                            : parse_servers(configured_servers);
  if (!servers) return std::unexpected(servers.error());
  options.servers = std::move(*servers);
  return options;
}

facteur::Status apply_dnssec_setting(ResolverOptions& options, std::string_view setting) {
  if (setting == "off") {
    options.dnssec_ok = false;
    options.trust_ad = false;
  } else if (setting == "auto") {
    options.dnssec_ok = true;
    options.trust_ad = all_loopback(options.servers);
  } else if (setting == "trust") {
    options.dnssec_ok = true;
    options.trust_ad = true;
  } else {
    return make_error(Errc::invalid_argument,
                      fmt::format("dns.dnssec: '{}' is not auto, trust or off", setting));
  }
  return {};
}

bool all_loopback(const std::vector<Endpoint>& servers) noexcept {
  if (servers.empty()) return false;
  for (const auto& s : servers) {
    if (!s.address().is_loopback()) return false;
  }
  return true;
}

Answer interpret_response(const Message& response, std::string_view qname, RType qtype,
                          bool& complete) {
  Answer answer;
  answer.secure = response.header.ad;
  std::string name(qname);
  std::uint32_t ttl = UINT32_MAX;
  const auto t = static_cast<std::uint16_t>(qtype);
  bool loop = false;
  if (qtype != RType::cname) {
    std::vector<std::string> seen{normalize_name(name)};
    for (std::size_t hop = 0; hop < response.answers.size(); ++hop) {
      const Record* cname = nullptr;
      for (const auto& r : response.answers) {
        if (r.type == static_cast<std::uint16_t>(RType::cname) && names_equal(r.name, name)) {
          cname = &r;
          break;
        }
      }
      if (cname == nullptr) break;
      name = std::get<NameData>(cname->data).name;
      ttl = std::min(ttl, cname->ttl);
      if (std::find(seen.begin(), seen.end(), normalize_name(name)) != seen.end()) {
        loop = true;
        break;
      }
      seen.push_back(normalize_name(name));
    }
  }
  answer.canonical_name = name;
  for (const auto& r : response.answers) {
    if (r.type == t && r.rclass == 1 && names_equal(r.name, name)) {
      answer.records.push_back(r);
      ttl = std::min(ttl, r.ttl);
    }
  }
  complete = true;
  if (loop) {
    answer.records.clear();
    answer.status = Status::temp_failure;
    answer.detail = "CNAME loop";
    return answer;
  }
  if (!answer.records.empty()) {
    answer.status = Status::ok;
    answer.ttl = ttl;
    return answer;
  }
  // RFC 2308 §5: negative answers live for min(SOA TTL, SOA MINIMUM).
  std::optional<std::uint32_t> negative;
  for (const auto& r : response.authority) {
    if (auto* soa = std::get_if<SoaData>(&r.data)) negative = std::min(r.ttl, soa->minimum);
  }
  answer.ttl = std::min(ttl, negative.value_or(60));
  switch (static_cast<Rcode>(response.header.rcode)) {
    case Rcode::nxdomain:
      answer.status = Status::nxdomain;
      break;
    case Rcode::noerror:
      answer.status = Status::no_data;
      // A chain that ends at a name the server said nothing about: ask for the target.
      complete = !(name != qname && !negative);
      break;
    default:
      answer.status = Status::temp_failure;
      answer.detail = fmt::format("rcode {}", response.header.rcode);
      break;
  }
  return answer;
}

StubResolver::StubResolver(ResolverOptions options)
    : options_(std::move(options)), cache_(options_.cache) {}

net::awaitable<StubResolver::Exchange> StubResolver::ask_server(const Endpoint& server,
                                                                const std::string& name,
                                                                RType type) {
  auto executor = co_await asio::this_coro::executor;
  const std::uint16_t id = random_id();
  auto query = build_query(id, name, type, options_.udp_payload, options_.dnssec_ok);
  if (!query) co_return Exchange{false, {}, query.error().message};

  Exchange out;
  {
    udp::socket socket(executor);
    boost::system::error_code ec;
    socket.open(server.protocol(), ec);
    if (!ec) socket.connect(server, ec);  // the kernel drops datagrams from other sources
    if (ec) co_return Exchange{false, {}, fmt::format("{}: {}", to_text(server), ec.message())};
    asio::steady_timer timer(executor, options_.timeout);
    auto raced =
        co_await (udp_round(socket, *query, id, name, type) || timer.async_wait(net::use_nothrow));
    if (raced.index() == 1) co_return Exchange{false, {}, "timeout from " + to_text(server)};
    auto reply = std::get<0>(std::move(raced));
    if (!reply.first) co_return Exchange{false, {}, to_text(server) + ": " + reply.second};
    out.message = std::move(*reply.first);
  }
  if (out.message.header.tc) {
    // RFC 7766 §5: a truncated UDP answer is retried over TCP with the same server.
    tcp::socket socket(executor);
    asio::steady_timer timer(executor, options_.timeout);
    tcp::endpoint target(server.address(), server.port());
    auto raced = co_await (tcp_round(socket, target, *query, id, name, type) ||
                           timer.async_wait(net::use_nothrow));
    if (raced.index() == 1) co_return Exchange{false, {}, "tcp timeout from " + to_text(server)};
    auto reply = std::get<0>(std::move(raced));
    if (!reply.first) co_return Exchange{false, {}, to_text(server) + ": " + reply.second};
    out.message = std::move(*reply.first);
  }
  switch (static_cast<Rcode>(out.message.header.rcode)) {
    case Rcode::noerror:
    case Rcode::nxdomain:
      out.ok = true;
      break;
    case Rcode::servfail:
      out.detail = "SERVFAIL from " + to_text(server);
      break;
    case Rcode::refused:
      out.detail = "REFUSED from " + to_text(server);
      break;
    default:
      out.detail = fmt::format("rcode {} from {}", out.message.header.rcode, to_text(server));
      break;
  }
  co_return out;
}

net::awaitable<StubResolver::Exchange> StubResolver::ask(const std::string& name, RType type) {
  Exchange last{false, {}, "no DNS server configured"};
  for (unsigned attempt = 0; attempt < std::max(1u, options_.attempts); ++attempt) {
    for (const auto& server : options_.servers) {
      last = co_await ask_server(server, name, type);
      if (last.ok) co_return last;
    }
  }
  co_return last;
}

net::awaitable<Answer> StubResolver::query(std::string name, RType type) {
  if (!is_queryable_name(name)) {
    Answer bad;
    bad.status = Status::bad_name;
    bad.canonical_name = name;
    bad.detail = "name cannot be queried";
    co_return bad;
  }
  if (options_.use_cache) {
    if (auto hit = cache_.get(name, type, Cache::Clock::now())) co_return std::move(*hit);
  }
  std::string current = name;
  std::uint32_t chain_ttl = UINT32_MAX;
  bool chain_secure = true;  // every response along the CNAME chain said AD
  Answer answer;
  for (unsigned hop = 0;; ++hop) {
    auto exchange = co_await ask(current, type);
    if (!exchange.ok) {
      answer = Answer{};
      answer.status = Status::temp_failure;
      answer.canonical_name = current;
      answer.detail = exchange.detail;
      co_return answer;
    }
    bool complete = true;
    answer = interpret_response(exchange.message, current, type, complete);
    chain_secure = chain_secure && answer.secure;
    if (complete) break;
    chain_ttl = std::min(chain_ttl, answer.ttl);
    if (hop >= options_.max_cname_chain) {
      answer.status = Status::temp_failure;
      answer.records.clear();
      answer.secure = false;
      answer.detail = "CNAME chain too long";
      co_return answer;
    }
    current = answer.canonical_name;
  }
  answer.ttl = std::min(answer.ttl, chain_ttl);
  answer.secure = options_.trust_ad && chain_secure && answer.status != Status::temp_failure;
  if (options_.use_cache) cache_.put(name, type, answer, Cache::Clock::now());
  co_return answer;
}

}  // namespace facteur::dns
