#include "filter/filter_config.hpp"

#include <cmath>
#include <optional>
#include <sstream>

#include <fmt/format.h>
#include <toml.hpp>

#include "base/strings.hpp"
#include "filter/text_norm.hpp"

namespace facteur::filter {
namespace {

double number(const toml::value& v, const char* key) {
  const auto& x = v.at(key);
  if (x.is_integer()) return static_cast<double>(x.as_integer());
  return x.as_floating();
}

// A `welcome = [...]` list of a table ([filter] or an account's), or nullopt.
std::optional<WelcomeList> read_welcome(const toml::value& t, std::string_view where) {
  if (!t.contains("welcome")) return std::nullopt;
  std::vector<std::string> entries;
  for (const auto& e : t.at("welcome").as_array())
    entries.push_back(toml::get<std::string>(e));
  auto list = WelcomeList::parse(entries);
  if (!list) throw std::runtime_error(fmt::format("{}: {}", where, list.error().message));
  return std::move(*list);
}

void read_thresholds(const toml::value& t, Thresholds& out) {
  if (t.contains("junk_threshold")) out.junk = number(t, "junk_threshold");
  if (t.contains("reject_threshold")) out.reject = number(t, "reject_threshold");
  if (out.reject < out.junk)
    throw std::runtime_error("reject_threshold must not be below junk_threshold");
}

FilterConfig from_toml(const toml::value& root, const Config& config) {
  FilterConfig fc = default_filter_config(config);
  if (!root.is_table() || !root.contains("filter")) return fc;
  const auto& f = root.at("filter");
  if (f.contains("enabled")) fc.enabled = f.at("enabled").as_boolean();
  read_thresholds(f, fc.site);
  if (f.contains("account_models")) fc.account_models = f.at("account_models").as_boolean();
  if (f.contains("learn_from_moves")) fc.learn_from_moves = f.at("learn_from_moves").as_boolean();
  if (f.contains("linear_classifier")) fc.linear.enabled = f.at("linear_classifier").as_boolean();
  if (f.contains("vouched_brands")) fc.bayes.vouched_brands = f.at("vouched_brands").as_boolean();
  if (f.contains("language_coverage"))
    fc.bayes.language_coverage = f.at("language_coverage").as_boolean();
  if (f.contains("learn_max_size")) {
    auto n = f.at("learn_max_size").as_integer();
    if (n < 0) throw std::runtime_error("[filter] learn_max_size must not be negative");
    fc.learn_max_bytes = static_cast<std::size_t>(n);
  }
  if (f.contains("phishing_evidence")) fc.phishing_evidence = number(f, "phishing_evidence");
  if (f.contains("scam_evidence")) fc.scam_evidence = number(f, "scam_evidence");
  if (f.contains("hoax_evidence")) fc.hoax_evidence = number(f, "hoax_evidence");
  if (f.contains("hoax_action")) {
    std::string a = to_lower(toml::get<std::string>(f.at("hoax_action")));
    if (a == "deliver" || a == "inbox")
      fc.hoax_action = Action::deliver;
    else if (a == "junk")
      fc.hoax_action = Action::junk;
    else
      throw std::runtime_error("[filter] hoax_action: \"deliver\" or \"junk\"");
  }
  if (f.contains("model_dir")) {
    std::filesystem::path p(toml::get<std::string>(f.at("model_dir")));
    fc.model_dir = p.is_relative() ? config.data_dir / p : p;
  }
  if (auto list = read_welcome(f, "[filter] welcome")) fc.welcome.site = std::move(*list);
  if (f.contains("welcome_points")) {
    fc.welcome.points = number(f, "welcome_points");
    if (!(fc.welcome.points <= 0) || !std::isfinite(fc.welcome.points))
      throw std::runtime_error("[filter] welcome_points must be a number not above 0");
  }
  if (f.contains("accounts")) {
    for (const auto& [address, table] : f.at("accounts").as_table()) {
      Thresholds t = fc.site;
      read_thresholds(table, t);
      fc.accounts[to_lower(address)] = t;
      if (auto list = read_welcome(table, fmt::format("[filter.accounts.\"{}\"] welcome", address)))
        fc.welcome.accounts[to_lower(address)] = std::move(*list);
    }
  }
  if (f.contains("brands")) {
    for (const auto& [name, domains] : f.at("brands").as_table()) {
      Brand b;
      b.name = name;
      b.keywords.push_back(normalize_text(name).text);
      for (const auto& d : domains.as_array())
        b.domains.push_back(to_lower(toml::get<std::string>(d)));
      if (b.domains.empty())
        throw std::runtime_error(fmt::format("[filter.brands] {}: list its domains", name));
      fc.brands.push_back(std::move(b));
    }
  }
  return fc;
}

}  // namespace

Thresholds FilterConfig::thresholds_for(std::string_view account) const {
  if (account.empty()) return site;
  auto it = accounts.find(to_lower(account));
  return it == accounts.end() ? site : it->second;
}

FilterConfig default_filter_config(const Config& config) {
  FilterConfig fc;
  fc.model_dir = config.data_dir / "filter";
  fc.local_domains = config.domains;
  for (auto& d : fc.local_domains)
    d = to_lower(d);
  return fc;
}

Result<FilterConfig> parse_filter_config(std::string_view text, const Config& config) {
  try {
    std::istringstream in{std::string(text)};
    auto root = toml::parse(in, "filter.toml");
    return from_toml(root, config);
  } catch (const std::exception& e) {
    return make_error(Errc::invalid_argument, fmt::format("[filter]: {}", e.what()));
  }
}

Result<FilterConfig> load_filter_config(const Config& config) {
  if (config.config_path.empty()) return default_filter_config(config);
  try {
    auto root = toml::parse(config.config_path.string());
    return from_toml(root, config);
  } catch (const std::exception& e) {
    return make_error(Errc::invalid_argument,
                      fmt::format("{}: [filter]: {}", config.config_path.string(), e.what()));
  }
}

}  // namespace facteur::filter
