// Phishing: a message that impersonates a brand or our own domains to get credentials.
// Signals: display-name brand spoofing, lookalike domains (IDN homoglyphs, small edit distance,
// a brand's name inside someone else's host name), link text naming one host while the link
// goes to another, links to raw IP addresses or with a "user@" disguise, HTML forms asking for
// passwords or card numbers, and a brand named next to account-verification wording with links
// that leave the brand's domains.
#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "base/strings.hpp"
#include "filter/checks.hpp"
#include "filter/lookalike.hpp"
#include "filter/phrases.hpp"

namespace facteur::filter {
namespace {

// Labels too common as host names to mean a brand on their own.
constexpr std::string_view kGenericLabels[] = {"office",     "windows", "outlook", "regions",
                                               "nationwide", "netbank", "google"};

const PhraseMatcher& credential_phrases() {
  static const PhraseMatcher m = [] {
    PhraseMatcher p;
    p.add_all({"verify your account",
               "verify your identity",
               "verify your information",
               "verify your details",
               "confirm your identity",
               "confirm your account",
               "confirm your information",
               "confirm your details",
               "update your account",
               "update your information",
               "update your billing",
               "update your records",
               "update your details",
               "update your payment",
               "account has been suspended",
               "account will be suspended",
               "account has been limited",
               "account has been locked",
               "account will be closed",
               "account has been closed",
               "account will be terminated",
               "account has been disabled",
               "access has been limited",
               "access to your account",
               "unusual activity",
               "suspicious activity",
               "unauthorized access",
               "unauthorised access",
               "unusual sign in",
               "security measure",
               "security measures",
               "log in to your account",
               "login to your account",
               "sign in to your account",
               "log on to your account",
               "click here to verify",
               "click here to confirm",
               "click the link below to verify",
               "reactivate your account",
               "restore your account",
               "billing information",
               "credit card information",
               "social security number",
               "your pin",
               "your password",
               "validate your",
               "failure to verify",
               "failure to update",
               "failure to confirm",
               "temporarily suspended",
               "account has been restricted",
               "account will be restricted",
               "account being restricted",
               "account may be restricted",
               "status of your account",
               "internet banking account",
               "online banking account",
               "verification process",
               "verifier votre compte",
               "verifiez votre compte",
               "confirmer votre identite",
               "confirmez votre identite",
               "mettre a jour vos informations",
               "mise a jour de vos informations",
               "mettre a jour votre compte",
               "votre compte a ete suspendu",
               "votre compte sera suspendu",
               "votre compte sera ferme",
               "votre compte a ete bloque",
               "votre compte sera bloque",
               "activite inhabituelle",
               "activite suspecte",
               "connectez vous a votre compte",
               "identifiez vous",
               "vos coordonnees bancaires",
               "votre mot de passe",
               "valider votre compte",
               "reactiver votre compte",
               "verifier vos informations",
               "confirmer vos informations"},
              0);
    return p;
  }();
  return m;
}

// Paths of sign-in and account pages.
bool looks_like_login_path(std::string_view path) {
  static constexpr std::string_view kWords[] = {
      "login",    "logon",   "signin",  "sign-in", "webscr",   "verify",
      "verif",    "confirm", "account", "update",  "secure",   "banking",
      "password", "identif", "auth",    "billing", "ebayisapi"};
  for (auto w : kWords)
    if (path.find(w) != std::string_view::npos) return true;
  return false;
}

std::string_view first_label(std::string_view domain) {
  auto dot = domain.find('.');
  return dot == std::string_view::npos ? domain : domain.substr(0, dot);
}

struct Target {
  std::string label;                                 // "paypal"
  std::string skeleton;                              // its confusables skeleton
  std::string name;                                  // "PayPal" or "our domain example.test"
  std::size_t brand = static_cast<std::size_t>(-1);  // index, or -1 for a local domain
  std::string domain;
};

class PhishingCheck final : public Check {
 public:
  explicit PhishingCheck(std::shared_ptr<const BrandList> brands) : brands_(std::move(brands)) {
    if (!brands_) brands_ = std::make_shared<const BrandList>();
    std::set<std::string> seen;
    for (std::size_t i = 0; i < brands_->brands().size(); ++i) {
      const Brand& b = brands_->brands()[i];
      for (const auto& d : b.domains) {
        std::string label(first_label(registrable_domain(d)));
        if (label.size() < 5) continue;
        if (std::find(std::begin(kGenericLabels), std::end(kGenericLabels), label) !=
            std::end(kGenericLabels))
          continue;
        if (!seen.insert(label).second) continue;
        targets_.push_back({label, skeleton(label), b.name, i, d});
      }
    }
  }

  std::string_view name() const noexcept override { return "phishing"; }

  void run(const MessageView& m, const Context& ctx, Verdict& v) const override {
    std::vector<Target> locals;
    for (const auto& d : ctx.local_domains) {
      std::string label(first_label(registrable_domain(d)));
      if (label.size() >= 4)
        locals.push_back(
            {label, skeleton(label), "our domain " + d, static_cast<std::size_t>(-1), d});
    }
    auto is_local = [&](std::string_view host) {
      for (const auto& d : ctx.local_domains)
        if (host_in_domain(host, d)) return true;
      return false;
    };

    // --- From: display name spoofing and lookalike sender domain.
    if (m.from) {
      const std::string& dom = m.from_domain;
      auto name = normalize_text(m.from->display_name, NormalizeLimits{32, 48});
      for (std::size_t b : brands_->named_in(name.words)) {
        if (dom.empty() || brands_->owns(b, dom)) continue;
        v.add("phishing.display-name", 3.0, Label::phishing,
              fmt::format("From name says {} but the address is at {}", brands_->brands()[b].name,
                          dom));
        break;
      }
      if (auto at = m.from->display_name.find('@'); at != std::string::npos) {
        std::string shown = to_lower(m.from->display_name.substr(at + 1));
        std::size_t end = 0;
        while (end < shown.size() && (std::isalnum(static_cast<unsigned char>(shown[end])) ||
                                      shown[end] == '.' || shown[end] == '-'))
          ++end;
        shown.resize(end);
        while (!shown.empty() && shown.back() == '.')
          shown.pop_back();
        if (shown.find('.') != std::string::npos && !dom.empty() &&
            registrable_domain(shown) != registrable_domain(dom)) {
          v.add(
              "phishing.display-address", 2.0, Label::phishing,
              fmt::format("From name shows an address at {} but the sender is at {}", shown, dom));
        }
      }
      if (!dom.empty() && !is_local(dom)) {
        if (auto why = lookalike(dom, locals)) {
          v.add("phishing.lookalike-sender", 4.0, Label::phishing,
                fmt::format("sender domain {} {}", dom, *why));
        }
      }
    }

    // --- Links.
    bool mismatch = false, ip = false, userinfo = false, look = false, brand_host = false,
         idn = false, brand_link = false;
    std::set<std::string> foreign_hosts;  // link hosts, for the brand bait test
    for (const auto& l : m.links) {
      const Url& u = l.url;
      if (u.scheme == "mailto") continue;
      foreign_hosts.insert(u.host);
      if (!mismatch && l.from_html && !l.text.empty()) {
        if (auto shown = host_in_text(l.text)) {
          std::string_view a = registrable_domain(*shown);
          std::string_view b = registrable_domain(u.host);
          if (a != b && !host_in_domain(u.host, *shown)) {
            bool shown_brand = brands_->owned_by_any(*shown) || is_local(*shown);
            bool same_brand = false;
            for (std::size_t i = 0; i < brands_->brands().size(); ++i)
              if (brands_->owns(i, *shown) && brands_->owns(i, u.host)) same_brand = true;
            if (!same_brand) {
              mismatch = true;
              v.add("phishing.link-text", shown_brand ? 4.0 : 2.0, Label::phishing,
                    fmt::format("link text shows {} but the link goes to {}", *shown, u.host));
            }
          }
        }
      }
      if (!brand_link && l.from_html && !l.text.empty() && !u.host_is_ip && !is_local(u.host) &&
          looks_like_login_path(u.path) && !host_in_text(l.text)) {
        // "Washington Mutual Online Banking" leading to a sign-in page on someone else's host
        // (text showing a host name is the link-text test's: not counted twice).
        auto words = normalize_text(l.text, NormalizeLimits{32, 48});
        for (std::size_t b : brands_->named_in(words)) {
          if (brands_->owns(b, u.host)) continue;
          brand_link = true;
          v.add("phishing.brand-link", 4.0, Label::phishing,
                fmt::format("link named {} goes to a sign-in page at {}", brands_->brands()[b].name,
                            u.host.substr(0, 64)));
          break;
        }
      }
      if (!ip && u.host_is_ip) {
        ip = true;
        // A sign-in page on a bare address is what phishing kits on hijacked hosts look like.
        bool login = looks_like_login_path(u.path);
        v.add("phishing.ip-link", login ? 4.0 : 2.5, Label::phishing,
              fmt::format("link to {}a raw IP address ({})", login ? "a sign-in page on " : "",
                          u.host.substr(0, 64)));
      }
      if (!userinfo && u.has_userinfo && u.userinfo.find('.') != std::string::npos) {
        userinfo = true;
        v.add("phishing.userinfo-link", 3.0, Label::phishing,
              fmt::format("link disguised as {} goes to {}", u.userinfo.substr(0, 64), u.host));
      }
      if (u.host_is_ip || is_local(u.host) || brands_->owned_by_any(u.host)) continue;
      if (!look) {
        if (auto why = lookalike(u.host, locals)) {
          look = true;
          v.add("phishing.lookalike-link", 4.0, Label::phishing,
                fmt::format("link to {} {}", u.host, *why));
          continue;
        }
      }
      if (!brand_host) {
        if (auto b = brand_in_host(u.host)) {
          brand_host = true;
          v.add("phishing.brand-in-host", 3.0, Label::phishing,
                fmt::format("link to {} uses the name of {} without being theirs", u.host, *b));
        }
      }
      if (!idn && is_internationalized(u.host)) {
        idn = true;
        v.add("phishing.idn-link", 1.0, Label::phishing,
              fmt::format("link to an internationalised host name ({})", u.host));
      }
    }

    // --- Forms.
    const HtmlScan& h = m.html;
    if (h.forms > 0 && (h.password_inputs > 0 || h.card_inputs > 0)) {
      v.add("phishing.credential-form", 3.5, Label::phishing,
            fmt::format("form asking for {}",
                        h.password_inputs > 0 ? "a password or PIN" : "card or account numbers"));
    } else if (h.forms > 0 && h.inputs > 0) {
      v.add("phishing.form", 0.5, Label::phishing, "HTML form to fill in inside the message");
    } else if (h.password_inputs > 0) {
      v.add("phishing.password-input", 2.0, Label::phishing, "password field inside the message");
    }

    // --- A brand named next to account-verification wording, with links elsewhere.
    std::vector<int> hits;
    credential_phrases().match(m.body, hits);
    int cred = hits.empty() ? 0 : hits[0];
    credential_phrases().match(m.subject_words, hits);
    cred += hits.empty() ? 0 : hits[0];
    if (cred > 0) {
      std::vector<std::size_t> named = brands_->named_in(m.subject_words);
      for (std::size_t b : brands_->named_in(m.body))
        if (std::find(named.begin(), named.end(), b) == named.end()) named.push_back(b);
      std::string elsewhere;
      std::size_t brand = static_cast<std::size_t>(-1);
      for (std::size_t b : named) {
        for (const auto& host : foreign_hosts) {
          if (!brands_->owns(b, host)) {
            elsewhere = host;
            brand = b;
            break;
          }
        }
        if (brand != static_cast<std::size_t>(-1)) break;
      }
      if (brand != static_cast<std::size_t>(-1)) {
        v.add("phishing.brand-bait", 3.0, Label::phishing,
              fmt::format("names {}, asks to verify or update an account, links to {}",
                          brands_->brands()[brand].name, elsewhere.substr(0, 80)));
      } else if (!foreign_hosts.empty()) {
        v.add("phishing.account-wording", cred > 1 ? 1.5 : 1.0, Label::phishing,
              "asks to verify or update an account through a link");
      }
    }
  }

 private:
  // Why `host` imitates a protected brand or local domain, or nullopt.
  std::optional<std::string> lookalike(std::string_view host,
                                       const std::vector<Target>& locals) const {
    std::string_view reg = registrable_domain(host);
    std::string_view label = first_label(reg);
    if (label.size() < 4) return std::nullopt;
    std::string decoded =
        istarts_with(label, "xn--") ? decode_idna_host(label) : std::string(label);
    std::string sk = skeleton(decoded);
    auto test = [&](const Target& t) -> std::optional<std::string> {
      if (t.brand != static_cast<std::size_t>(-1) && brands_->owns(t.brand, host))
        return std::nullopt;
      if (decoded == t.label) return std::nullopt;  // same name, other TLD: brand_in_host's job
      if (sk == t.skeleton) return fmt::format("looks like {} ({})", t.domain, t.name);
      std::size_t max = t.label.size() >= 9 ? 2 : 1;
      if (decoded.size() >= 5 && bounded_edit_distance(decoded, t.label, max) <= max)
        return fmt::format("is one typo away from {} ({})", t.domain, t.name);
      return std::nullopt;
    };
    for (const auto& t : targets_)
      if (auto r = test(t)) return r;
    for (const auto& t : locals)
      if (auto r = test(t)) return r;
    return std::nullopt;
  }

  // The brand whose domain label appears as a label or hyphen-separated part of `host`.
  std::optional<std::string> brand_in_host(std::string_view host) const {
    std::size_t i = 0;
    while (i < host.size()) {
      std::size_t end = host.find_first_of(".-", i);
      if (end == std::string_view::npos) end = host.size();
      std::string_view part = host.substr(i, end - i);
      if (part.size() >= 5) {
        for (const auto& t : targets_)
          if (part == t.label && !brands_->owns(t.brand, host)) return t.name;
      }
      i = end + 1;
    }
    return std::nullopt;
  }

  std::shared_ptr<const BrandList> brands_;
  std::vector<Target> targets_;
};

}  // namespace

std::unique_ptr<Check> make_phishing_check(std::shared_ptr<const BrandList> brands) {
  return std::make_unique<PhishingCheck>(std::move(brands));
}

}  // namespace facteur::filter
