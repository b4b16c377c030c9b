#include "filter/welcome.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "base/strings.hpp"
#include "filter/brands.hpp"
#include "filter/checks.hpp"
#include "filter/url.hpp"

namespace facteur::filter {

namespace {

// "co.uk": a name under which others register theirs (a label put in front is registrable).
bool is_public_suffix(std::string_view domain) {
  const std::string probe = "x." + std::string(domain);
  return registrable_domain(probe) == probe;
}

}  // namespace

Result<WelcomeList> WelcomeList::parse(std::span<const std::string> entries) {
  WelcomeList list;
  for (const auto& raw : entries) {
    std::string e = to_lower(raw);
    auto bad = [&](std::string_view why) {
      return make_error(Errc::invalid_argument, fmt::format("welcome entry \"{}\": {}", raw, why));
    };
    if (e.empty() || e.find_first_of(" \t\r\n") != std::string::npos) return bad("empty or spaced");
    if (e.starts_with("*@")) e.erase(0, 2);
    auto at = e.find('@');
    std::string_view domain =
        at == std::string::npos ? std::string_view(e) : std::string_view(e).substr(at + 1);
    if (domain.empty() || domain.find('@') != std::string_view::npos) return bad("no domain");
    if (e.find('*') != std::string::npos) return bad("wildcards only as \"*@domain\"");
    // A registered name or under one: "com", "co.uk", "example" or "[192.0.2.1]" would welcome
    // anybody who can register a domain there.
    if (domain.front() == '.' || domain.back() == '.' || domain.find("..") != std::string::npos ||
        domain.front() == '[' || domain.find('.') == std::string_view::npos ||
        is_public_suffix(domain))
      return bad("not a registered domain name");
    if (at == 0) return bad("no local part (write the domain alone)");
    if (at == std::string::npos)
      list.domains_.push_back(std::move(e));
    else
      list.addresses_.push_back(std::move(e));
  }
  return list;
}

bool WelcomeList::welcomes(std::string_view local_part, std::string_view domain) const {
  if (domain.empty()) return false;
  for (const auto& d : domains_)
    if (host_in_domain(domain, d)) return true;
  if (addresses_.empty()) return false;
  std::string address = to_lower(local_part) + "@" + to_lower(domain);
  return std::find(addresses_.begin(), addresses_.end(), address) != addresses_.end();
}

namespace {

class WelcomeCheck final : public Check {
 public:
  explicit WelcomeCheck(WelcomeConfig config) : config_(std::move(config)) {}

  std::string_view name() const noexcept override { return "welcome"; }

  void run(const MessageView& m, const Context& ctx, Verdict& v) const override {
    if (!ctx.auth || !m.from || !author_authenticated(*ctx.auth, m.from_domain)) return;
    std::string_view whose;
    if (!ctx.account.empty()) {
      auto it = config_.accounts.find(to_lower(ctx.account));
      if (it != config_.accounts.end() && it->second.welcomes(m.from->local_part, m.from_domain))
        whose = "the recipient's";
    }
    if (whose.empty() && config_.site.welcomes(m.from->local_part, m.from_domain))
      whose = "the site's";
    if (whose.empty()) return;
    v.add(std::string(kWelcomeReason), config_.points, Label::ham,
          fmt::format("{}@{} is on {} welcome list and authenticated",
                      m.from->local_part.substr(0, 64), m.from_domain.substr(0, 190), whose));
  }

 private:
  WelcomeConfig config_;
};

}  // namespace

std::unique_ptr<Check> make_welcome_check(WelcomeConfig config) {
  return std::make_unique<WelcomeCheck>(std::move(config));
}

}  // namespace facteur::filter
