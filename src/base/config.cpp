#include "base/config.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <toml.hpp>

#include "base/strings.hpp"

namespace facteur {

std::string ListenAddress::to_string() const {
  if (host.find(':') != std::string::npos) return fmt::format("[{}]:{}", host, port);
  return fmt::format("{}:{}", host, port);
}

Result<ListenAddress> parse_listen_address(std::string_view text) {
  ListenAddress out;
  std::string_view port_text;
  if (text.starts_with('[')) {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return make_error(Errc::invalid_argument, fmt::format("bad address '{}'", text));
    out.host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0)
      return make_error(Errc::invalid_argument,
                        fmt::format("bad address '{}': expected ip:port", text));
    out.host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
  }
  auto port = parse_port(port_text, /*allow_zero=*/true);
  if (!port) return make_error(Errc::invalid_argument, fmt::format("bad port in '{}'", text));
  out.port = *port;
  return out;
}

Result<HttpUrl> parse_http_url(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (url.size() < kScheme.size() || !iequals(url.substr(0, kScheme.size()), kScheme))
    return make_error(Errc::invalid_argument,
                      fmt::format("'{}': expected http://host[:port] (plain HTTP only)", url));
  url.remove_prefix(kScheme.size());
  HttpUrl out;
  auto slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  if (slash != std::string_view::npos) out.path = std::string(url.substr(slash));
  while (!out.path.empty() && out.path.back() == '/')
    out.path.pop_back();
  for (char c : out.path)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F || c == '?' || c == '#')
      return make_error(Errc::invalid_argument, fmt::format("'{}': bad path", url));
  std::string_view port_text;
  if (authority.starts_with('[')) {
    auto close = authority.find(']');
    if (close == std::string_view::npos)
      return make_error(Errc::invalid_argument, fmt::format("'{}': unclosed [", url));
    out.host = std::string(authority.substr(1, close - 1));
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':')
        return make_error(Errc::invalid_argument, fmt::format("'{}': bad address", url));
      port_text = rest.substr(1);
    }
  } else {
    auto colon = authority.find(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (out.host.empty() || out.host.find_first_of("@ \t") != std::string::npos)
    return make_error(Errc::invalid_argument, fmt::format("'{}': no host", url));
  if (!port_text.empty() || authority.ends_with(':')) {
    auto port = parse_port(port_text);
    if (!port) return make_error(Errc::invalid_argument, fmt::format("'{}': bad port", url));
    out.port = *port;
  }
  return out;
}

bool Config::is_local_domain(std::string_view domain) const {
  return std::any_of(domains.begin(), domains.end(),
                     [&](const std::string& d) { return iequals(d, domain); });
}

namespace {

const std::set<std::string> kRoles = {"smtp",  "submission", "submissions", "pop3",
                                      "pop3s", "imap",       "imaps",       "http"};

template <class T>
void read_if(const toml::value& table, const char* key, T& out) {
  if (table.is_table() && table.contains(key)) out = toml::get<T>(table.at(key));
}

bool is_ip_literal(const std::string& text) {
  unsigned char buf[16];
  return ::inet_pton(AF_INET, text.c_str(), buf) == 1 ||
         ::inet_pton(AF_INET6, text.c_str(), buf) == 1;
}

void read_seconds(const toml::value& table, const char* key, std::chrono::seconds& out) {
  if (table.is_table() && table.contains(key))
    out = std::chrono::seconds(toml::get<std::int64_t>(table.at(key)));
}

void read_millis(const toml::value& table, const char* key, std::chrono::milliseconds& out) {
  if (table.is_table() && table.contains(key)) {
    auto ms = toml::get<std::int64_t>(table.at(key));
    if (ms < 0) throw std::runtime_error(fmt::format("{} must not be negative", key));
    out = std::chrono::milliseconds(ms);
  }
}

// [dnsbl]: "127.0.0.2" or "127.0.0.2-127.0.0.11" -> an inclusive range in host byte order.
std::pair<std::uint32_t, std::uint32_t> dnsbl_code_range(const std::string& text) {
  auto v4 = [&](const std::string& part) {
    in_addr a{};
    if (::inet_pton(AF_INET, part.c_str(), &a) != 1)
      throw std::runtime_error(fmt::format("dnsbl: bad return code '{}'", text));
    return static_cast<std::uint32_t>(ntohl(a.s_addr));
  };
  auto dash = text.find('-');
  if (dash == std::string::npos) return {v4(text), v4(text)};
  auto range = std::pair{v4(text.substr(0, dash)), v4(text.substr(dash + 1))};
  if (range.first > range.second)
    throw std::runtime_error(fmt::format("dnsbl: empty return code range '{}'", text));
  return range;
}

std::vector<DnsblZone> dnsbl_zones(const toml::value& table, const char* key) {
  std::vector<DnsblZone> out;
  if (!table.contains(key)) return out;
  for (const auto& entry : table.at(key).as_array()) {
    DnsblZone zone;
    read_if(entry, "zone", zone.zone);
    zone.zone = to_lower(zone.zone);
    if (zone.zone.ends_with('.')) zone.zone.pop_back();
    // Room is left for the reversed IPv6 address (64 bytes) in a 253-byte name.
    if (zone.zone.empty() || zone.zone.size() > 180 || zone.zone.starts_with('.') ||
        zone.zone.find("..") != std::string::npos)
      throw std::runtime_error(fmt::format("dnsbl.{}: bad zone '{}'", key, zone.zone));
    if (entry.contains("points")) {
      const auto& p = entry.at("points");
      zone.points = p.is_integer() ? static_cast<double>(p.as_integer()) : toml::get<double>(p);
    }
    std::vector<std::string> codes;
    read_if(entry, "codes", codes);
    for (const auto& c : codes)
      zone.codes.push_back(dnsbl_code_range(c));
    read_if(entry, "reject", zone.reject);
    out.push_back(std::move(zone));
  }
  return out;
}

void read_dnsbl(const toml::value& d, DnsblSettings& out) {
  read_if(d, "enabled", out.enabled);
  out.client_zones = dnsbl_zones(d, "client_zones");
  out.domain_zones = dnsbl_zones(d, "domain_zones");
  for (const auto& z : out.domain_zones)
    if (z.reject) throw std::runtime_error("dnsbl.domain_zones: reject is for client zones only");
  read_if(d, "check_sender", out.check_sender);
  read_if(d, "max_domains", out.max_domains);
  read_millis(d, "timeout_ms", out.timeout);
  read_if(d, "cache_entries", out.cache_entries);
  read_seconds(d, "cache_seconds", out.cache_ttl);
  if (out.timeout.count() == 0) throw std::runtime_error("dnsbl.timeout_ms must be positive");
  if (out.cache_ttl.count() < 0)
    throw std::runtime_error("dnsbl.cache_seconds must not be negative");
}

Config from_toml(const toml::value& root, const std::filesystem::path& base_dir) {
  Config cfg = default_config();
  cfg.listen.clear();
  read_if(root, "hostname", cfg.hostname);
  std::string data_dir = cfg.data_dir.string();
  read_if(root, "data_dir", data_dir);
  cfg.data_dir = std::filesystem::path(data_dir);
  if (cfg.data_dir.is_relative()) cfg.data_dir = base_dir / cfg.data_dir;
  cfg.greylist.state_file = cfg.data_dir / "greylist.db";
  read_if(root, "domains", cfg.domains);
  for (auto& d : cfg.domains)
    d = to_lower(d);
  read_if(root, "trusted_networks", cfg.trusted_networks);
  read_if(root, "log_level", cfg.log_level);
  read_if(root, "run_as", cfg.run_as);
  read_if(root, "io_threads", cfg.io_threads);
  read_if(root, "worker_threads", cfg.worker_threads);

  if (root.contains("listen")) {
    for (const auto& [role, value] : toml::get<toml::table>(root.at("listen"))) {
      if (!kRoles.contains(role))
        throw std::runtime_error(fmt::format("[listen]: unknown role '{}'", role));
      for (const auto& text : toml::get<std::vector<std::string>>(value)) {
        auto addr = parse_listen_address(text);
        if (!addr)
          throw std::runtime_error(fmt::format("[listen] {}: {}", role, addr.error().message));
        cfg.listen[role].push_back(*addr);
      }
    }
  }
  if (root.contains("tls")) {
    const auto& tls = root.at("tls");
    std::string cert, key;
    read_if(tls, "cert", cert);
    read_if(tls, "key", key);
    if (cert.empty() != key.empty())
      throw std::runtime_error("[tls]: set both cert and key, or neither");
    if (!cert.empty()) {
      cfg.tls_cert = std::filesystem::path(cert);
      cfg.tls_key = std::filesystem::path(key);
      if (cfg.tls_cert->is_relative()) cfg.tls_cert = base_dir / *cfg.tls_cert;
      if (cfg.tls_key->is_relative()) cfg.tls_key = base_dir / *cfg.tls_key;
    }
  }
  if (root.contains("routes")) {
    for (const auto& [domain, value] : toml::get<toml::table>(root.at("routes")))
      cfg.routes[to_lower(domain)] = toml::get<std::string>(value);
  }
  if (root.contains("dns")) {
    read_if(root.at("dns"), "servers", cfg.dns_servers);
    read_if(root.at("dns"), "dnssec", cfg.dns_dnssec);
    if (cfg.dns_dnssec != "auto" && cfg.dns_dnssec != "trust" && cfg.dns_dnssec != "off")
      throw std::runtime_error("dns.dnssec: auto, trust or off");
  }
  if (root.contains("smtp")) {
    const auto& s = root.at("smtp");
    read_if(s, "max_message_size", cfg.smtp.max_message_size);
    read_if(s, "max_recipients", cfg.smtp.max_recipients);
    read_if(s, "max_command_line", cfg.smtp.max_command_line);
    read_if(s, "max_data_line", cfg.smtp.max_data_line);
    read_if(s, "max_errors", cfg.smtp.max_errors);
    read_seconds(s, "command_timeout", cfg.smtp.command_timeout);
    read_seconds(s, "data_timeout", cfg.smtp.data_timeout);
    read_if(s, "max_connections", cfg.smtp.max_connections);
    read_if(s, "max_connections_per_ip", cfg.smtp.max_connections_per_ip);
  }
  if (root.contains("pop3")) {
    const auto& p = root.at("pop3");
    read_if(p, "max_connections", cfg.pop3.max_connections);
    read_if(p, "max_auth_failures", cfg.pop3.max_auth_failures);
    read_seconds(p, "idle_timeout", cfg.pop3.idle_timeout);
    if (p.contains("auth_failure_delay_ms"))
      cfg.pop3.auth_failure_delay =
          std::chrono::milliseconds(toml::get<std::int64_t>(p.at("auth_failure_delay_ms")));
  }
  if (root.contains("queue")) {
    const auto& q = root.at("queue");
    read_seconds(q, "expiry", cfg.queue.expiry);
    read_seconds(q, "delay_notice", cfg.queue.delay_notice);
    if (q.contains("retry_schedule")) {
      cfg.queue.retry_schedule.clear();
      for (auto v : toml::get<std::vector<std::int64_t>>(q.at("retry_schedule"))) {
        if (v <= 0) throw std::runtime_error("queue.retry_schedule: waits must be positive");
        cfg.queue.retry_schedule.emplace_back(v);
      }
      if (cfg.queue.retry_schedule.empty())
        throw std::runtime_error("queue.retry_schedule: at least one wait is needed");
    }
    read_if(q, "max_per_destination", cfg.queue.max_per_destination);
    read_if(q, "max_connections", cfg.queue.max_connections);
    read_if(q, "max_messages_per_connection", cfg.queue.max_messages_per_connection);
    read_seconds(q, "poll_interval", cfg.queue.poll_interval);
    read_seconds(q, "connect_timeout", cfg.queue.connect_timeout);
    read_if(q, "starttls", cfg.queue.starttls);
    read_if(q, "helo_name", cfg.queue.helo_name);
    read_if(q, "source_address", cfg.queue.source_address);
    if (!cfg.queue.source_address.empty() && !is_ip_literal(cfg.queue.source_address))
      throw std::runtime_error("queue.source_address: an IPv4 or IPv6 address");
    read_if(q, "dane", cfg.queue.dane);
    read_if(q, "mta_sts", cfg.queue.mta_sts);
    read_if(q, "mta_sts_ca_file", cfg.queue.mta_sts_ca_file);
    read_if(q, "mta_sts_port", cfg.queue.mta_sts_port);
    read_if(q, "smtp_port", cfg.queue.smtp_port);
    if (cfg.queue.smtp_port == 0 || cfg.queue.mta_sts_port == 0)
      throw std::runtime_error("queue: smtp_port and mta_sts_port must not be 0");
    if (cfg.queue.starttls != "none" && cfg.queue.starttls != "opportunistic" &&
        cfg.queue.starttls != "required")
      throw std::runtime_error("queue.starttls: none, opportunistic or required");
    if (cfg.queue.max_per_destination == 0 || cfg.queue.max_connections == 0 ||
        cfg.queue.max_messages_per_connection == 0)
      throw std::runtime_error("queue: connection and message limits must be at least 1");
    if (cfg.queue.poll_interval.count() <= 0)
      throw std::runtime_error("queue.poll_interval must be positive");
  }
  if (root.contains("submission")) {
    const auto& s = root.at("submission");
    read_if(s, "max_messages_per_hour", cfg.submission.max_messages_per_hour);
    read_if(s, "max_recipients_per_hour", cfg.submission.max_recipients_per_hour);
  }
  if (root.contains("dkim")) {
    const auto& d = root.at("dkim");
    read_if(d, "sign", cfg.dkim.sign);
    read_if(d, "selector", cfg.dkim.selector);
    read_if(d, "algorithm", cfg.dkim.algorithm);
    read_if(d, "rsa_bits", cfg.dkim.rsa_bits);
    if (cfg.dkim.algorithm != "rsa" && cfg.dkim.algorithm != "ed25519")
      throw std::runtime_error("dkim.algorithm: rsa or ed25519");
    if (cfg.dkim.selector.empty()) throw std::runtime_error("dkim.selector must not be empty");
  }
  if (root.contains("rate_limits")) {
    const auto& r = root.at("rate_limits");
    auto& rl = cfg.rate_limits;
    read_if(r, "connections_per_minute", rl.connections_per_minute);
    read_if(r, "messages_per_minute", rl.messages_per_minute);
    read_if(r, "messages_per_hour", rl.messages_per_hour);
    read_if(r, "sender_messages_per_hour", rl.sender_messages_per_hour);
    read_if(r, "recipient_messages_per_hour", rl.recipient_messages_per_hour);
    read_if(r, "max_tracked", rl.max_tracked);
    read_millis(r, "tarpit_delay_ms", rl.tarpit_delay);
    read_millis(r, "tarpit_max_delay_ms", rl.tarpit_max_delay);
    read_seconds(r, "tarpit_forget", rl.tarpit_forget);
    if (rl.max_tracked == 0) throw std::runtime_error("rate_limits.max_tracked must be at least 1");
    if (rl.tarpit_max_delay < rl.tarpit_delay)
      throw std::runtime_error("rate_limits: tarpit_max_delay_ms below tarpit_delay_ms");
  }
  if (root.contains("greylist")) {
    const auto& g = root.at("greylist");
    read_if(g, "enabled", cfg.greylist.enabled);
    read_seconds(g, "delay", cfg.greylist.delay);
    read_seconds(g, "retry_window", cfg.greylist.retry_window);
    read_seconds(g, "expiry", cfg.greylist.expiry);
    read_if(g, "max_entries", cfg.greylist.max_entries);
    if (cfg.greylist.max_entries == 0)
      throw std::runtime_error("greylist.max_entries must be at least 1");
    if (g.contains("state_file")) {
      std::filesystem::path p(toml::get<std::string>(g.at("state_file")));
      cfg.greylist.state_file = p.empty() || p.is_absolute() ? p : cfg.data_dir / p;
    }
  }
  // [filter] belongs to src/filter (filter_config.hpp) but for these two keys, which port 25's
  // sender authentication applies before the filter runs.
  if (root.contains("filter")) {
    const auto& f = root.at("filter");
    if (f.is_table() && f.contains("dmarc_enforce")) {
      auto mode = to_lower(toml::get<std::string>(f.at("dmarc_enforce")));
      if (mode == "reject")
        cfg.dmarc.enforce = DmarcEnforce::reject;
      else if (mode == "score")
        cfg.dmarc.enforce = DmarcEnforce::score;
      else
        throw std::runtime_error("[filter] dmarc_enforce: \"reject\" or \"score\"");
    }
    read_if(f, "arc_trusted_sealers", cfg.dmarc.arc_trusted_sealers);
    for (auto& d : cfg.dmarc.arc_trusted_sealers) {
      d = to_lower(d);
      if (d.empty() || d.find_first_of(" \t/@") != std::string::npos)
        throw std::runtime_error("[filter] arc_trusted_sealers: domain names");
    }
  }
  if (root.contains("dnsbl")) read_dnsbl(root.at("dnsbl"), cfg.dnsbl);
  if (root.contains("filter") && root.at("filter").contains("rspamd")) {
    const auto& r = root.at("filter").at("rspamd");
    auto& rs = cfg.rspamd;
    read_if(r, "enabled", rs.enabled);
    read_if(r, "url", rs.url);
    if (r.contains("timeout")) {
      const auto& t = r.at("timeout");
      double seconds = t.is_integer() ? static_cast<double>(t.as_integer()) : t.as_floating();
      if (!(seconds > 0 && seconds <= 600))
        throw std::runtime_error("filter.rspamd.timeout: seconds, above 0 and at most 600");
      rs.timeout = std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000 + 0.5));
    }
    read_if(r, "max_size", rs.max_size);
    read_if(r, "password", rs.password);
    read_if(r, "mode", rs.mode);
    read_if(r, "fail", rs.fail);
    if (rs.mode != "add" && rs.mode != "replace")
      throw std::runtime_error("filter.rspamd.mode: add or replace");
    if (rs.fail != "open" && rs.fail != "tempfail")
      throw std::runtime_error("filter.rspamd.fail: open or tempfail");
    auto url = parse_http_url(rs.url);
    if (!url) throw std::runtime_error("filter.rspamd.url: " + url.error().message);
    rs.host = url->host;
    rs.port = url->port;
    rs.base_path = url->path;
    if (rs.password.find_first_of("\r\n") != std::string::npos)
      throw std::runtime_error("filter.rspamd.password: one line");
  }
  if (cfg.smtp.max_command_line < 512)
    throw std::runtime_error("smtp.max_command_line must be at least 512 (RFC 5321 §4.5.3.1.4)");
  if (cfg.smtp.max_data_line < 1000)
    throw std::runtime_error("smtp.max_data_line must be at least 1000 (RFC 5321 §4.5.3.1.6)");
  if (cfg.domains.empty()) throw std::runtime_error("domains: at least one local domain is needed");
  return cfg;
}

}  // namespace

Result<Config> load_config(const std::filesystem::path& path) {
  try {
    auto root = toml::parse(path.string());
    auto base = std::filesystem::absolute(path).parent_path();
    Config cfg = from_toml(root, base);
    cfg.config_path = std::filesystem::absolute(path);
    return cfg;
  } catch (const std::exception& e) {
    return make_error(Errc::invalid_argument, fmt::format("{}: {}", path.string(), e.what()));
  }
}

Config default_config() {
  Config cfg;
  cfg.data_dir = std::filesystem::absolute("var");
  auto add = [&](const char* role, std::uint16_t port) {
    cfg.listen[role].push_back(ListenAddress{"127.0.0.1", port});
  };
  add("smtp", 2525);
  add("submission", 2587);
  add("submissions", 2465);
  add("pop3", 2110);
  add("pop3s", 2995);
  add("imap", 2143);
  add("imaps", 2993);
  cfg.greylist.state_file = cfg.data_dir / "greylist.db";
  return cfg;
}

}  // namespace facteur
