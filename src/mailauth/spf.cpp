#include "mailauth/spf.hpp"

#include <ctime>
#include <variant>

#include <fmt/format.h>

#include "base/strings.hpp"
#include "dns/message.hpp"
#include "mailauth/spf_record.hpp"

namespace facteur::mailauth {
namespace {

using boost::asio::ip::address;

struct Eval {
  AuthResult result = AuthResult::neutral;
  std::string explanation;
  std::string mechanism;
  std::string problem;
};

// A mechanism either matches, does not, or ends the evaluation with an error.
using Match = std::variant<bool, Eval>;

Eval error(AuthResult result, std::string problem) {
  Eval e;
  e.result = result;
  e.problem = std::move(problem);
  return e;
}

bool in_network(const address& ip, const address& network, unsigned bits) {
  if (ip.is_v4() != network.is_v4()) return false;
  if (ip.is_v4()) {
    if (bits == 0) return true;
    std::uint32_t mask = bits >= 32 ? 0xFFFFFFFFu : ~((1u << (32 - bits)) - 1);
    return (ip.to_v4().to_uint() & mask) == (network.to_v4().to_uint() & mask);
  }
  auto a = ip.to_v6().to_bytes();
  auto b = network.to_v6().to_bytes();
  for (unsigned i = 0; i < 16 && bits > 0; ++i) {
    unsigned take = std::min(bits, 8u);
    auto mask = static_cast<unsigned char>(0xFF << (8 - take));
    if ((a[i] & mask) != (b[i] & mask)) return false;
    bits -= take;
  }
  return true;
}

bool ends_with_domain(std::string_view name, std::string_view domain) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (!domain.empty() && domain.back() == '.') domain.remove_suffix(1);
  if (iequals(name, domain)) return true;
  return name.size() > domain.size() && name[name.size() - domain.size() - 1] == '.' &&
         iequals(name.substr(name.size() - domain.size()), domain);
}

AuthResult result_of(SpfQualifier q) {
  switch (q) {
    case SpfQualifier::pass:
      return AuthResult::pass;
    case SpfQualifier::fail:
      return AuthResult::fail;
    case SpfQualifier::softfail:
      return AuthResult::softfail;
    case SpfQualifier::neutral:
      return AuthResult::neutral;
  }
  return AuthResult::neutral;
}

class Evaluator {
 public:
  Evaluator(dns::Resolver& resolver, SpfLimits limits, MacroContext base)
      : resolver_(resolver), limits_(limits), base_(std::move(base)) {}

  unsigned dns_terms = 0;
  unsigned voids = 0;

  net::awaitable<Eval> check_host(std::string domain) {
    if (!domain.empty() && domain.back() == '.') domain.pop_back();
    // §4.3: a malformed or single-label domain gives "none".
    if (!dns::is_queryable_name(domain) || domain.find('.') == std::string::npos ||
        domain.front() == '[') {
      co_return error(AuthResult::none, fmt::format("'{}' is not a valid domain", domain));
    }
    auto answer = co_await resolver_.query(domain, dns::RType::txt);
    if (answer.status == dns::Status::temp_failure) {
      co_return error(AuthResult::temperror,
                      fmt::format("DNS error for {}: {}", domain, answer.detail));
    }
    std::vector<std::string> records;
    for (auto& txt : dns::txt_strings(answer)) {
      if (is_spf_record(txt)) records.push_back(std::move(txt));
    }
    if (records.empty()) {
      co_return error(AuthResult::none, fmt::format("no SPF record at {}", domain));
    }
    if (records.size() > 1) {
      co_return error(AuthResult::permerror,
                      fmt::format("{} SPF records at {}", records.size(), domain));
    }
    auto record = parse_spf_record(records[0]);
    if (!record) {
      co_return error(AuthResult::permerror,
                      fmt::format("bad SPF record at {}: {}", domain, record.error().message));
    }
    MacroContext context = base_;
    context.domain = domain;
    bool has_all = false;
    for (const auto& m : record->mechanisms) {
      if (m.kind == SpfMechanismKind::all) has_all = true;
      Match match = co_await evaluate(m, context);
      if (auto* e = std::get_if<Eval>(&match)) co_return std::move(*e);
      if (!std::get<bool>(match)) continue;
      Eval out;
      out.result = result_of(m.qualifier);
      out.mechanism = m.term;
      if (out.result == AuthResult::fail) out.explanation = co_await explain(*record, context);
      co_return out;
    }
    // §6.1: redirect applies when nothing matched (and is ignored when "all" is present).
    if (record->redirect && !has_all) {
      if (auto over = count_term()) co_return std::move(*over);
      auto target = co_await expand(*record->redirect, context);
      if (!target) co_return error(AuthResult::permerror, "bad macro in redirect=");
      Eval inner = co_await check_host(*target);
      if (inner.result == AuthResult::none) {
        co_return error(AuthResult::permerror,
                        fmt::format("redirect={} has no SPF record", *target));
      }
      co_return inner;
    }
    Eval out;
    out.result = AuthResult::neutral;
    out.mechanism = "default";
    co_return out;
  }

 private:
  std::optional<Eval> count_term() {
    if (++dns_terms > limits_.max_dns_terms) {
      return error(AuthResult::permerror, "too many DNS lookups (RFC 7208 §4.6.4)");
    }
    return std::nullopt;
  }

  std::optional<Eval> count_void() {
    if (++voids > limits_.max_void_lookups) {
      return error(AuthResult::permerror, "too many void DNS lookups (RFC 7208 §4.6.4)");
    }
    return std::nullopt;
  }

  // Expands a domain-spec, computing %{p} first when it is used.
  net::awaitable<std::optional<std::string>> expand(const std::string& spec,
                                                    MacroContext& context) {
    if (uses_p_macro(spec)) context.validated_name = co_await validated_name(context.domain);
    auto out = expand_macros(spec, context, false);
    if (!out) co_return std::nullopt;
    co_return std::move(*out);
  }

  // §5.5 / §7.3: PTR names of the client whose A/AAAA records lead back to it.
  net::awaitable<std::vector<std::string>> validated_names(bool count_voids, bool& too_many) {
    std::vector<std::string> out;
    auto ptr = co_await resolver_.query(dns::reverse_name(base_.ip), dns::RType::ptr);
    if (count_voids && ptr.empty() && count_void()) too_many = true;
    auto candidates = dns::names(ptr);
    if (candidates.size() > limits_.max_ptr_names) candidates.resize(limits_.max_ptr_names);
    for (auto& name : candidates) {
      auto a = co_await resolver_.query(name, base_.ip.is_v4() ? dns::RType::a : dns::RType::aaaa);
      for (const auto& ip : dns::addresses(a)) {
        if (ip == base_.ip) {
          out.push_back(std::move(name));
          break;
        }
      }
    }
    co_return out;
  }

  net::awaitable<std::string> validated_name(const std::string& domain) {
    bool ignored = false;
    auto names = co_await validated_names(false, ignored);
    for (const auto& n : names) {
      if (ends_with_domain(n, domain)) co_return n;
    }
    co_return names.empty() ? std::string("unknown") : names.front();
  }

  // Address lookup for a/mx: matching records, no match, or an error.
  net::awaitable<Match> match_addresses(const std::string& name, const SpfMechanism& m,
                                        bool count_voids) {
    if (!dns::is_queryable_name(name)) co_return false;  // treated as non-existent
    auto answer =
        co_await resolver_.query(name, base_.ip.is_v4() ? dns::RType::a : dns::RType::aaaa);
    if (answer.status == dns::Status::temp_failure) {
      co_return error(AuthResult::temperror,
                      fmt::format("DNS error for {}: {}", name, answer.detail));
    }
    if (answer.empty() && count_voids) {
      if (auto over = count_void()) co_return std::move(*over);
    }
    for (const auto& ip : dns::addresses(answer)) {
      if (in_network(base_.ip, ip, base_.ip.is_v4() ? m.cidr4 : m.cidr6)) co_return true;
    }
    co_return false;
  }

  net::awaitable<Match> evaluate(const SpfMechanism& m, MacroContext& context) {
    std::string target = context.domain;
    switch (m.kind) {
      case SpfMechanismKind::all:
        co_return true;
      case SpfMechanismKind::ip4:
      case SpfMechanismKind::ip6:
        co_return in_network(base_.ip, m.network, m.network.is_v4() ? m.cidr4 : m.cidr6);
      default:
        break;
    }
    if (auto over = count_term()) co_return std::move(*over);
    if (!m.domain_spec.empty()) {
      auto expanded = co_await expand(m.domain_spec, context);
      if (!expanded) co_return error(AuthResult::permerror, "bad macro in " + m.term);
      target = std::move(*expanded);
    }
    switch (m.kind) {
      case SpfMechanismKind::include: {
        Eval inner = co_await check_host(target);
        switch (inner.result) {
          case AuthResult::pass:
            co_return true;
          case AuthResult::temperror:
            co_return inner;
          case AuthResult::permerror:
            co_return inner;
          case AuthResult::none:
            co_return error(AuthResult::permerror,
                            fmt::format("include:{} has no SPF record", target));
          default:
            co_return false;
        }
      }
      case SpfMechanismKind::a:
        co_return co_await match_addresses(target, m, true);
      case SpfMechanismKind::mx: {
        if (!dns::is_queryable_name(target)) co_return false;
        auto answer = co_await resolver_.query(target, dns::RType::mx);
        if (answer.status == dns::Status::temp_failure) {
          co_return error(AuthResult::temperror,
                          fmt::format("DNS error for {}: {}", target, answer.detail));
        }
        if (answer.empty()) {
          if (auto over = count_void()) co_return std::move(*over);
          co_return false;
        }
        auto records = dns::mx_records(answer);
        if (records.size() > limits_.max_mx_names) {
          co_return error(AuthResult::permerror,
                          fmt::format("more than {} MX names at {}", limits_.max_mx_names, target));
        }
        for (const auto& mx : records) {
          if (mx.exchange.empty() || mx.exchange == ".") continue;  // null MX
          Match r = co_await match_addresses(mx.exchange, m, false);
          if (std::holds_alternative<Eval>(r) || std::get<bool>(r)) co_return r;
        }
        co_return false;
      }
      case SpfMechanismKind::ptr: {
        bool too_many = false;
        auto names = co_await validated_names(true, too_many);
        if (too_many) co_return error(AuthResult::permerror, "too many void DNS lookups");
        for (const auto& n : names) {
          if (ends_with_domain(n, target)) co_return true;
        }
        co_return false;
      }
      case SpfMechanismKind::exists: {
        if (!dns::is_queryable_name(target)) co_return false;
        auto answer = co_await resolver_.query(target, dns::RType::a);
        if (answer.status == dns::Status::temp_failure) {
          co_return error(AuthResult::temperror,
                          fmt::format("DNS error for {}: {}", target, answer.detail));
        }
        if (answer.empty()) {
          if (auto over = count_void()) co_return std::move(*over);
          co_return false;
        }
        co_return answer.ok();
      }
      default:
        co_return false;
    }
  }

  // §6.2: any problem with exp= means "no explanation", never an error.
  net::awaitable<std::string> explain(const SpfRecord& record, MacroContext context) {
    if (!record.explanation) co_return "";
    auto target = co_await expand(*record.explanation, context);
    if (!target || !dns::is_queryable_name(*target)) co_return "";
    auto answer = co_await resolver_.query(*target, dns::RType::txt);
    auto texts = dns::txt_strings(answer);
    if (!answer.ok() || texts.size() != 1) co_return "";
    if (!is_valid_macro_string(texts[0], true)) co_return "";
    if (uses_p_macro(texts[0])) context.validated_name = co_await validated_name(context.domain);
    auto text = expand_macros(texts[0], context, true);
    co_return text ? *text : std::string();
  }

  dns::Resolver& resolver_;
  SpfLimits limits_;
  MacroContext base_;
};

}  // namespace

net::awaitable<SpfOutcome> check_host(dns::Resolver& resolver, boost::asio::ip::address ip,
                                      std::string domain, std::string sender, SpfRequest context,
                                      SpfLimits limits) {
  // §5: an IPv4-mapped IPv6 client is an IPv4 client.
  if (ip.is_v6() && ip.to_v6().is_v4_mapped()) {
    ip = boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, ip.to_v6());
  }
  MacroContext base;
  auto at = sender.rfind('@');
  base.local_part = at == std::string::npos ? std::string() : sender.substr(0, at);
  base.sender_domain = at == std::string::npos ? sender : sender.substr(at + 1);
  // §4.3: a sender without a local part is "postmaster".
  if (base.local_part.empty()) base.local_part = "postmaster";
  base.sender = base.local_part + "@" + base.sender_domain;
  base.ip = ip;
  base.helo = context.helo;
  base.receiver = context.receiver;
  base.timestamp = context.now != 0 ? context.now : static_cast<std::int64_t>(std::time(nullptr));
  Evaluator evaluator(resolver, limits, base);
  Eval e = co_await evaluator.check_host(domain);
  SpfOutcome out;
  out.result = e.result;
  out.domain = std::move(domain);
  out.sender = base.sender;
  out.explanation = std::move(e.explanation);
  out.mechanism = std::move(e.mechanism);
  out.problem = std::move(e.problem);
  out.dns_terms = evaluator.dns_terms;
  out.void_lookups = evaluator.voids;
  co_return out;
}

net::awaitable<SpfOutcome> check_spf_mail_from(dns::Resolver& resolver, SpfRequest request,
                                               SpfLimits limits) {
  std::string sender = request.mail_from;
  if (sender.empty()) sender = "postmaster@" + request.helo;  // §2.4: the null reverse path
  auto at = sender.rfind('@');
  std::string domain = at == std::string::npos ? sender : sender.substr(at + 1);
  auto ip = request.ip;
  co_return co_await check_host(resolver, ip, std::move(domain), std::move(sender),
                                std::move(request), limits);
}

net::awaitable<SpfOutcome> check_spf_helo(dns::Resolver& resolver, SpfRequest request,
                                          SpfLimits limits) {
  std::string domain = request.helo;
  auto ip = request.ip;
  co_return co_await check_host(resolver, ip, domain, "postmaster@" + domain, std::move(request),
                                limits);
}

}  // namespace facteur::mailauth
