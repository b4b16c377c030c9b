// Phishing: a message that impersonates a brand or our own domains to get credentials.
// Signals: display-name brand spoofing (and the brand dressed into the address), lookalike
// domains (IDN homoglyphs, mixed scripts, small edit distance, a brand's name or domain inside
// someone else's host name), link text naming one host while the link goes to another, links
// to raw IP addresses, with a "user@" disguise or to free hosting, HTML forms asking for
// passwords or card numbers, a brand named next to account wording with links that leave the
// brand's domains, credentials asked for by reply (credential_request.hpp), invisible
// characters, our domain in From failing DMARC with replies elsewhere. Host and name traits:
// phishing_traits.hpp. docs/filter.md, "Phishing".
#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <span>

#include <fmt/format.h>

#include "base/strings.hpp"
#include "filter/account_request.hpp"
#include "filter/callback_lure.hpp"
#include "filter/checks.hpp"
#include "filter/credential_request.hpp"
#include "filter/lookalike.hpp"
#include "filter/own_text.hpp"
#include "filter/phishing_traits.hpp"
#include "filter/phrases.hpp"

namespace facteur::filter {
namespace {

// Whether `needle` occurs in `words` as a run of words ("Amazon" in "amazon co uk order").
bool contains_words(std::span<const std::string_view> words,
                    std::span<const std::string_view> needle) {
  if (needle.empty() || needle.size() > words.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= words.size(); ++i)
    if (std::equal(needle.begin(), needle.end(), words.begin() + static_cast<std::ptrdiff_t>(i)))
      return true;
  return false;
}

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
               "password expires",
               "password will expire",
               "password has expired",
               "mailbox is full",
               "mailbox is almost full",
               "storage is full",
               "storage is almost full",
               "exceeded its storage",
               "exceeded your storage",
               "messages are on hold",
               "messages have been held",
               "sign in attempt",
               "reactiver le service",
               "reactivez votre",
               "recovery phrase",
               "seed phrase",
               "payment was declined",
               "payment has been declined",
               "mot de passe expire",
               "votre boite mail est pleine",
               "votre messagerie est pleine",
               "votre compte sera desactive",
               "votre compte a ete desactive",
               "votre paiement a ete refuse",
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
// Whether a From name is a brand's name with service words only ("PayPal Service",
// "Amazon.co.uk", "Microsoft Account Team"): the brand itself speaking, not a person naming it
// beside their own name ("Jane Doe | Microsoft MVP", "Marie - annonce Leboncoin").
bool names_only_the_brand(std::span<const std::string_view> words, const Brand& b) {
  static constexpr std::string_view kServiceWords[] = {"support",
                                                       "security",
                                                       "secure",
                                                       "service",
                                                       "services",
                                                       "team",
                                                       "account",
                                                       "accounts",
                                                       "customer",
                                                       "customers",
                                                       "care",
                                                       "billing",
                                                       "resolution",
                                                       "alert",
                                                       "alerts",
                                                       "notification",
                                                       "notifications",
                                                       "notice",
                                                       "center",
                                                       "centre",
                                                       "help",
                                                       "helpdesk",
                                                       "desk",
                                                       "online",
                                                       "department",
                                                       "official",
                                                       "admin",
                                                       "administrator",
                                                       "no",
                                                       "reply",
                                                       "noreply",
                                                       "info",
                                                       "the",
                                                       "of",
                                                       "de",
                                                       "du",
                                                       "des",
                                                       "la",
                                                       "le",
                                                       "client",
                                                       "clients",
                                                       "securite",
                                                       "assistance",
                                                       "equipe",
                                                       "compte",
                                                       "facturation",
                                                       "fraud",
                                                       "prevention",
                                                       "verification",
                                                       "update",
                                                       "member",
                                                       "members",
                                                       "mail",
                                                       "email",
                                                       "e",
                                                       "payments",
                                                       "payment",
                                                       "paiement",
                                                       "banking",
                                                       "bank",
                                                       "banque",
                                                       "en",
                                                       "ligne",
                                                       "inc",
                                                       "ltd",
                                                       "llc",
                                                       "uk",
                                                       "us",
                                                       "fr",
                                                       "usa",
                                                       "system",
                                                       "delivery",
                                                       "livraison",
                                                       "shipping",
                                                       "tracking",
                                                       "suivi",
                                                       "colis",
                                                       "express",
                                                       "store",
                                                       "id",
                                                       "com",
                                                       "co",
                                                       "net",
                                                       "org",
                                                       "gouv",
                                                       "gov",
                                                       "dept",
                                                       "renewal",
                                                       "renewals",
                                                       "subscription",
                                                       "subscriptions",
                                                       "invoice",
                                                       "invoices",
                                                       "orders",
                                                       "refund",
                                                       "refunds"};
  auto in_phrase = [](std::string_view phrase, std::string_view w) {
    std::size_t i = 0;
    while (i <= phrase.size()) {
      std::size_t end = std::min(phrase.find_first_of(" .-", i), phrase.size());
      if (phrase.substr(i, end - i) == w) return true;
      i = end + 1;
    }
    return false;
  };
  // Any other word may be a person's name, before or after the brand's ("Ameli Schmidt",
  // "SANTANDER Carlos"); numbers and codes ("24/7") are nobody's name.
  for (std::string_view w : words) {
    if (std::none_of(w.begin(), w.end(), [](char c) { return c >= 'a' && c <= 'z'; })) continue;
    if (std::find(std::begin(kServiceWords), std::end(kServiceWords), w) != std::end(kServiceWords))
      continue;
    bool brand_word = false;
    for (const auto& k : b.keywords)
      brand_word = brand_word || in_phrase(k, w);
    for (const auto& d : b.domains)
      brand_word = brand_word || in_phrase(d, w);
    if (!brand_word) return false;
  }
  return true;
}

// Whether a From name is the brand's bare name with a word of its services ("Amazon Customer
// Service", "Norton Billing Dept", "EDF - Service Client"): a claim even where the name is a
// plain word in text ("amazon") and so no keyword. The brand's own word must be there, the
// first label of one of its domains, three letters or more, and not one naming other people's
// services too ("Live Support", "Visa Services", "Tax Services"); and a word only a service
// desk signs with: the name alone, or with "Team", "Store" or "Bank", is somebody's name
// ("Chase <chase.miller@...>", "Team Orange", "The UPS Store 4521").
bool is_the_brands_name(std::span<const std::string_view> words, const Brand& b) {
  static constexpr std::string_view kOrdinary[] = {
      "live",    "mac",     "tax",     "visa",       "key",     "aka", "office",
      "windows", "outlook", "regions", "nationwide", "booking", "free"};
  static constexpr std::string_view kDeskWords[] = {
      "support",    "security",     "billing",       "account",  "accounts",     "alert",
      "alerts",     "notification", "notifications", "helpdesk", "fraud",        "verification",
      "dept",       "department",   "renewal",       "renewals", "subscription", "subscriptions",
      "invoice",    "invoices",     "refund",        "refunds",  "payments",     "facturation",
      "paiement",   "assistance",   "securite",      "customer", "service",      "services",
      "resolution", "care"};
  bool named = false;
  for (const auto& d : b.domains) {
    std::string_view label = first_label(d);
    if (label.size() < 3 || d.find('.') == std::string::npos ||
        std::find(std::begin(kOrdinary), std::end(kOrdinary), label) != std::end(kOrdinary))
      continue;
    named = named || std::find(words.begin(), words.end(), label) != words.end();
  }
  bool desk = std::any_of(words.begin(), words.end(), [](std::string_view w) {
    return std::find(std::begin(kDeskWords), std::end(kDeskWords), w) != std::end(kDeskWords);
  });
  return named && desk && names_only_the_brand(words, b);
}

// A delivery report or a forward: the text quotes somebody else's mail (a bounce of a lure, a
// friend passing a scam on to warn of it). Bounces come from the mailer daemon or as
// multipart/report (RFC 6522); forwards say so in the subject ("Fwd:", "TR:").
// How many requests to sign in, verify or update an account the subject and text make: the
// fixed phrases or the grammar of account_request.hpp, whichever finds more (the same
// sentence is often found by both).
int account_wording(const MessageView& m) {
  std::vector<int> hits;
  credential_phrases().match(m.body, hits);
  int fixed = hits.empty() ? 0 : hits[0];
  credential_phrases().match(m.subject_words, hits);
  fixed += hits.empty() ? 0 : hits[0];
  return std::max(fixed, account_requests(m.body) + account_requests(m.subject_words));
}

bool reports_or_forwards(const MessageView& m) {
  if (m.from &&
      (iequals(m.from->local_part, "mailer-daemon") || iequals(m.from->local_part, "postmaster")))
    return true;
  if (to_lower(m.header_value("Content-Type")).starts_with("multipart/report")) return true;
  static constexpr std::string_view kSubjects[] = {"fwd", "fw", "tr", "wg", "enc"};
  if (m.subject_words.words.empty()) return false;
  std::string_view first = m.subject_words.words.front();
  return std::find(std::begin(kSubjects), std::end(kSubjects), first) != std::end(kSubjects);
}

// The callback lure of the writer's own text: lines quoted with '>' and whatever follows a
// reply's or a forward's header ("-----Original Message-----", "On ... wrote:", Outlook's
// "From:/Sent:" block) are somebody else's. Re-normalised only when the whole text has a lure.
std::optional<CallbackLure> unquoted_callback_lure(const MessageView& m) {
  auto lure = find_callback_lure(m.extracted.text, m.body, m.subject, m.subject_words);
  if (!lure) return lure;
  auto own = own_text(m.extracted.text);
  if (!own) return lure;
  auto words = normalize_text(*own);
  return find_callback_lure(*own, words, m.subject, m.subject_words);
}

bool looks_like_login_path(std::string_view path) {
  static constexpr std::string_view kWords[] = {
      "login",    "logon",   "signin",  "sign-in", "webscr",   "verify",
      "verif",    "confirm", "account", "update",  "secure",   "banking",
      "password", "identif", "auth",    "billing", "ebayisapi"};
  for (auto w : kWords)
    if (path.find(w) != std::string_view::npos) return true;
  return false;
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
        if (is_generic_brand_label(label)) continue;
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
    std::vector<std::size_t> spoofed;  // brands the From name claims, for the brand bait test
    bool impersonates = false;         // the sender pretends to be a brand or us
    if (m.from) {
      const std::string& dom = m.from_domain;
      // Mail from our own domain on MX is ours only when DMARC says so ("SharePoint Support
      // <sp@ourcompany.example>" names a brand without impersonating it).
      const bool ours_verified = is_local(dom) && ctx.auth && dmarc_vouches(*ctx.auth);
      // A name spelt with look-alike letters of another alphabet ("MеtаМаsk" with Cyrillic
      // е, а, М) is read as it looks; nobody's real name is written so.
      const bool disguised_name = disguised_words(m.from->display_name, 1024) > 0;
      auto name = normalize_text(
          disguised_name ? unmask_lookalike_letters(m.from->display_name) : m.from->display_name,
          NormalizeLimits{32, 48});
      if (disguised_name)
        v.add("phishing.disguised-name", 2.0, Label::phishing,
              "From name spelt with look-alike letters of another alphabet");
      // A name showing an address or a list's rewrite ("'jane@fb.com' via dev", "bob at
      // apple.com via the list") shows a person's domain, not a brand claim: keywords only.
      const bool shows_address =
          m.from->display_name.find('@') != std::string::npos ||
          std::any_of(name.words.begin(), name.words.end(),
                      [](std::string_view w) { return w == "via" || w == "at"; });
      std::vector<std::size_t> claimed = shows_address ? brands_->named_in(std::span(name.words))
                                                       : brands_->named_in_sender_name(name.words);
      if (claimed.empty() && !shows_address) {
        for (std::size_t b = 0; b < brands_->brands().size(); ++b)
          if (is_the_brands_name(name.words, brands_->brands()[b])) claimed.push_back(b);
      }
      for (std::size_t b : claimed) {
        // (A government's own host may speak for any administration: GOV.UK Notify sends for
        // HMRC, DVLA and the rest.)
        if (dom.empty() || brands_->owns(b, dom) || ours_verified ||
            (is_government_host(dom) && brand_is_administration(brands_->brands()[b])))
          continue;
        if (spoofed.empty())
          v.add("phishing.display-name", 3.0, Label::phishing,
                fmt::format("From name says {} but the address is at {}", brands_->brands()[b].name,
                            dom));
        spoofed.push_back(b);
      }
      // "Webmail example.org" from elsewhere: our own name borrowed (an address in the name is
      // the display-address test's).
      if (spoofed.empty() && !dom.empty() && !is_local(dom) &&
          m.from->display_name.find('@') == std::string::npos) {
        std::string shown = to_lower(m.from->display_name);
        // Mailing lists and alias services rewrite From as "alice at example.org via List".
        bool rewritten = shown.find(" via ") != std::string::npos;
        for (const auto& d : ctx.local_domains) {
          if (d.empty() || rewritten) continue;
          if (names_domain(shown, to_lower(d))) {
            v.add("phishing.display-name", 3.0, Label::phishing,
                  fmt::format("From name says {} but the address is at {}", d, dom));
            impersonates = true;
            break;
          }
        }
      }
      if (auto at = m.from->display_name.find('@'); at != std::string::npos) {
        std::string shown = to_lower(m.from->display_name.substr(at + 1));
        std::size_t end = 0;
        while (end < shown.size() &&
               (ascii_alnum(shown[end]) || shown[end] == '.' || shown[end] == '-'))
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
          impersonates = true;
        } else if (is_internationalized(dom) && mixes_scripts(decode_idna_host(dom))) {
          v.add("phishing.lookalike-sender", 4.0, Label::phishing,
                fmt::format("sender domain {} mixes Latin letters with letters of another script",
                            dom));
          impersonates = true;
        } else if (auto shown = embedded_domain(dom, *brands_)) {
          v.add("phishing.lookalike-sender", 3.0, Label::phishing,
                fmt::format("sender domain {} puts {} in front of another domain",
                            dom.substr(0, 64), *shown));
          impersonates = true;
        } else if (auto spelled = hyphen_spelled_domain(dom, *brands_, ctx.local_domains)) {
          v.add(
              "phishing.lookalike-sender", 3.0, Label::phishing,
              fmt::format("sender domain {} spells {} with hyphens", dom.substr(0, 64), *spelled));
          impersonates = true;
        }
      }
      // The brand of the From name also dressed into the address ("IRS" <x@irs-taxpayer.example>).
      if (!spoofed.empty() && !dom.empty()) {
        if (host_names_brand(dom, brands_->brands()[spoofed.front()]))
          v.add("phishing.brand-in-sender", 2.0, Label::phishing,
                fmt::format("the address at {} borrows the name of {} as well", dom.substr(0, 64),
                            brands_->brands()[spoofed.front()].name));
      }
      // A brand or our own staff, as the From claims, writing from a free-mail address or
      // wanting the answers at one: neither writes or is answered at gmail.com. (A person
      // naming a brand beside their own name is no claim: "Jane Doe | Microsoft MVP".)
      bool posing = impersonates;
      for (std::size_t b : spoofed)
        posing = posing || names_only_the_brand(name.words, brands_->brands()[b]);
      // Unless the name is all there is of the brand: a letter with no link, no attachment, no
      // replies wanted elsewhere, no request for a secret and no word of the brand (its name,
      // a keyword or a domain) in its subject or text is a person whose surname a brand took
      // ("Santander" <m.santander@gmail.com> inviting a friend to dinner); a brand's
      // impersonator always sends the reader somewhere or asks for something.
      if (posing && !impersonates && m.links.empty() && m.reply_elsewhere.empty() &&
          std::none_of(m.parts.begin(), m.parts.end(),
                       [](const PartShape& p) { return p.attachment; }) &&
          !asks_for_credentials(m.body, false) && account_wording(m) == 0) {
        auto in_body = brands_->named_in(m.body);
        auto in_subject = brands_->named_in(m.subject_words);
        auto among = [](const std::vector<std::size_t>& found, std::size_t b) {
          return std::find(found.begin(), found.end(), b) != found.end();
        };
        bool named = false;
        for (std::size_t b : spoofed) {
          auto brand = normalize_text(brands_->brands()[b].name, NormalizeLimits{8, 48});
          named = named || among(in_body, b) || among(in_subject, b) ||
                  contains_words(m.body.words, brand.words) ||
                  contains_words(m.subject_words.words, brand.words);
        }
        posing = named;
      }
      if (posing && is_freemail_domain(dom))
        v.add("phishing.free-mail-sender", 2.0, Label::phishing,
              fmt::format("claims to be someone else from a free-mail address at {}",
                          dom.substr(0, 64)));
      else if (posing && is_freemail_domain(m.reply_elsewhere))
        v.add("phishing.replies-to-free-mail", 2.0, Label::phishing,
              fmt::format("claims to be someone else and wants the replies at {}",
                          m.reply_elsewhere.substr(0, 64)));
      // Our own domain in From failing DMARC, answers wanted elsewhere: the boss asking for a
      // transfer from a private address ("CEO fraud"). Not a list's mail (lists set Reply-To),
      // and silent without DMARC's word: a contact form sends as us with the visitor's
      // Reply-To from a web host.
      if (is_local(dom) && ctx.auth && ctx.auth->dmarc == AuthOutcome::fail &&
          ctx.auth->dkim != AuthOutcome::pass && m.header_value("List-Id").empty() &&
          m.header_value("List-Unsubscribe").empty()) {
        for (const auto& r : m.reply_to) {
          std::string rdom = to_lower(r.domain);
          if (rdom.empty() || is_local(rdom) || registrable_domain(rdom) == registrable_domain(dom))
            continue;
          v.add("phishing.our-name-replies-elsewhere", 3.0, Label::phishing,
                fmt::format("From is at our domain {} but replies go to {}", dom,
                            rdom.substr(0, 64)));
          break;
        }
      }
    }

    // Invisible characters in the From name or the subject break a name apart unseen.
    if ((m.from && has_invisible_characters(m.from->display_name)) ||
        has_invisible_characters(m.subject))
      v.add("phishing.invisible-characters", 2.0, Label::phishing,
            "invisible characters inside the words of the From name or the subject");

    // Words of the subject or text spelt with look-alike letters of another alphabet
    // ("Your wallet iѕ Ѕuѕpеndеd"): written to slip past filters' word lists.
    if (std::size_t n = disguised_words(m.subject, 1024) + disguised_words(m.extracted.text);
        n >= 2)
      v.add("phishing.disguised-words", 2.0, Label::phishing,
            fmt::format("{} words spelt with look-alike letters of another alphabet", n));

    // --- Links.
    bool mismatch = false, ip = false, userinfo = false, look = false, brand_host = false,
         idn = false, mixed = false, brand_link = false, deep = false;
    // Link hosts not ours, for the brand bait test, with the open redirector that led there
    // ("" when linked as such).
    std::map<std::string, std::string> foreign_hosts;
    for (const auto& l : m.links) {
      const Url& u = l.url;
      if (u.scheme == "mailto") continue;
      // A redirector's own link is judged through its target (the next link, with the same
      // text), except by the link-text test when its text shows another host than the one the
      // chain lands on.
      if (!is_local(u.host) && !l.redirects) {
        auto [it, added] = foreign_hosts.emplace(u.host, l.via);
        if (!added && l.via.empty()) it->second.clear();  // also linked as such
      }
      if (!mismatch && l.from_html && !l.text.empty()) {
        auto shown = host_in_text(l.text);
        if (shown && l.redirects &&
            (registrable_domain(*shown) == registrable_domain(l.lands_on) ||
             host_in_domain(l.lands_on, *shown)))
          shown.reset();  // a rewritten link showing where it goes (a safe link)
        if (shown) {
          std::string_view a = registrable_domain(*shown);
          std::string_view b = registrable_domain(u.host);
          if (a != b && !host_in_domain(u.host, *shown)) {
            // A government's host shown over another government's link is their own business.
            bool shown_brand = brands_->owned_by_any(*shown) || is_local(*shown) ||
                               (is_government_host(*shown) && !is_government_host(u.host));
            bool same_brand = false;
            for (std::size_t i = 0; i < brands_->brands().size(); ++i)
              if (brands_->owns(i, *shown) && brands_->owns(i, u.host)) same_brand = true;
            // A plain host shown over the sender's own tracking link ("signal-spam.fr" leading
            // through e.bank.example from bank.example): a newsletter's habit, not a disguise.
            bool own_tracker = !shown_brand && !m.from_domain.empty() &&
                               registrable_domain(u.host) == registrable_domain(m.from_domain) &&
                               u.host != registrable_domain(u.host);
            if (!same_brand && !own_tracker) {
              mismatch = true;
              v.add("phishing.link-text", shown_brand ? 4.0 : 2.0, Label::phishing,
                    fmt::format("link text shows {} but the link goes to {}", *shown, u.host));
            }
          }
        }
      }
      if (!brand_link && !l.redirects && l.from_html && !l.text.empty() && !u.host_is_ip &&
          !is_local(u.host) && looks_like_login_path(u.path) && !host_in_text(l.text)) {
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
      // Redirects nested deeper than the message view follows them (it gave the chain no
      // landing host): ordinary mail never nests more than two, and the page at the end is
      // hidden from every other test.
      if (!deep && l.redirects && l.lands_on.empty()) {
        deep = true;
        v.add("phishing.redirect-chain", 2.0, Label::phishing,
              fmt::format("link hidden behind more than four redirects, from {}",
                          u.host.substr(0, 64)));
      }
      // A user part that looks like another site's name ("www.paypal.com@evil.example"); not
      // the words of broken HTML swallowed into an unclosed href.
      if (!userinfo && u.has_userinfo && u.userinfo.find('.') != std::string::npos &&
          u.userinfo.find_first_of(" <>") == std::string::npos &&
          registrable_domain(u.userinfo) != registrable_domain(u.host)) {
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
        } else if (auto name = embedded_domain(u.host, *brands_)) {
          brand_host = true;
          v.add("phishing.brand-in-host", 4.0, Label::phishing,
                fmt::format("link to {} puts {} in front of another domain", u.host.substr(0, 64),
                            *name));
        } else if (auto spelled = hyphen_spelled_domain(u.host, *brands_, ctx.local_domains)) {
          brand_host = true;
          v.add("phishing.brand-in-host", 4.0, Label::phishing,
                fmt::format("link to {} spells {} with hyphens", u.host.substr(0, 64), *spelled));
        }
      }
      if (!mixed && is_internationalized(u.host)) {
        if (mixes_scripts(decode_idna_host(u.host))) {
          mixed = true;
          v.add("phishing.mixed-script-link", 4.0, Label::phishing,
                fmt::format("link to {} mixes Latin letters with letters of another script",
                            u.host.substr(0, 64)));
        } else if (!idn) {
          idn = true;
          v.add("phishing.idn-link", 1.0, Label::phishing,
                fmt::format("link to an internationalised host name ({})", u.host.substr(0, 64)));
        }
      }
    }

    // --- Forms.
    const HtmlScan& h = m.html;
    // No bank, shop or mail provider asks for a password or a card number in a form inside a
    // message (mail readers do not even send forms): enough on its own for Junk.
    if (h.forms > 0 && (h.password_inputs > 0 || h.card_inputs > 0)) {
      v.add("phishing.credential-form", 5.0, Label::phishing,
            fmt::format("form asking for {}",
                        h.password_inputs > 0 ? "a password or PIN" : "card or account numbers"));
    } else if (h.forms > 0 && h.inputs > 0) {
      v.add("phishing.form", 0.5, Label::phishing, "HTML form to fill in inside the message");
    } else if (h.password_inputs > 0) {
      v.add("phishing.password-input", 2.0, Label::phishing, "password field inside the message");
    }

    // --- A brand named next to account-verification wording, with links elsewhere.
    // Requests and threats in the list's words or in others ("renew your library access",
    // "your borrowing privileges have been suspended").
    const int cred = account_wording(m);
    if (cred > 0) {
      std::vector<std::size_t> named = brands_->named_in(m.subject_words);
      for (std::size_t b : brands_->named_in(m.body))
        if (std::find(named.begin(), named.end(), b) == named.end()) named.push_back(b);
      std::string elsewhere;
      std::size_t brand = static_cast<std::size_t>(-1);
      const std::size_t from_body = named.size();  // brands named in the text, then the From
      for (std::size_t b : spoofed)
        if (std::find(named.begin(), named.end(), b) == named.end()) named.push_back(b);
      for (std::size_t n = 0; n < named.size(); ++n) {
        std::size_t b = named[n];
        for (const auto& [host, via] : foreign_hosts) {
          // A brand only in the From name, and links to the sender's own site: a regional
          // office writing from its own domain, not bait.
          if (n >= from_body && !m.from_domain.empty() &&
              registrable_domain(host) == registrable_domain(m.from_domain))
            continue;
          // The brand's own mail sending the reader on through the brand's own redirector on
          // the sender's own domain (a LinkedIn notice through linkedin.com/redir), DMARC
          // vouching for the From address; not from free mail (anybody's gmail.com address
          // passes DMARC, and Google's redirector is google.com).
          if (!via.empty() && brands_->owns(b, via) && !m.from_domain.empty() &&
              registrable_domain(via) == registrable_domain(m.from_domain) &&
              !is_freemail_domain(m.from_domain) && ctx.auth && dmarc_vouches(*ctx.auth))
            continue;
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
    // A page on free hosting or behind a shortener, from a sender who pretends to be a brand
    // or us, or with account wording: a bank's or a carrier's pages are on their own hosts.
    if (cred > 0 || impersonates || !spoofed.empty()) {
      for (const auto& [host, redirector] : foreign_hosts) {
        if (on_free_hosting(host)) {
          v.add("phishing.hosted-page", 2.0, Label::phishing,
                fmt::format("{} through a page at {}, where anybody can put one",
                            cred > 0 ? "asks to sign in or verify" : "claims to be someone else",
                            host.substr(0, 64)));
          break;
        }
      }
    }

    // --- Credentials asked for by reply (identity and bank numbers count without a secret
    // when the sender impersonates someone: an employer does not), worse when the replies go
    // to another domain than the sender's.
    if (auto what = asks_for_credentials(m.body, !(impersonates || !spoofed.empty()))) {
      const std::string& elsewhere = m.reply_elsewhere;
      v.add("phishing.asks-credentials", elsewhere.empty() ? 3.0 : 4.0, Label::phishing,
            fmt::format("asks to send {} by return{}", *what,
                        elsewhere.empty() ? "" : ", replies going to " + elsewhere.substr(0, 64)));
    }

    // --- A number to call about a charge the reader did not make (callback_lure.hpp),
    // weighed with the sender: a bank writes the same about real transactions from its own
    // domain; a lure comes from free mail or from someone posing as a brand. Not in a bounce,
    // a forward or the quoted part of a reply: they carry somebody else's mail.
    auto lure = reports_or_forwards(m) ? std::nullopt : unquoted_callback_lure(m);
    if (lure) {
      double points = 0;
      std::string who;
      // An authenticated sender posing as a brand is likely the brand on a domain the list
      // lacks (a bank's alert domain).
      const bool vouched = ctx.auth && dmarc_vouches(*ctx.auth);
      const bool posing = (!spoofed.empty() || impersonates) && !vouched;
      // The brand the text or the From name claims and the sender does not own.
      std::string_view claimed;
      if (!spoofed.empty()) claimed = brands_->brands()[spoofed.front()].name;
      for (std::size_t b : brands_->named_in(m.body))
        if (claimed.empty() && !brands_->owns(b, m.from_domain))
          claimed = brands_->brands()[b].name;
      auto posing_as = [&] {
        return "from someone posing as " +
               (spoofed.empty() ? std::string("us") : brands_->brands()[spoofed.front()].name);
      };
      if (!lure->denial) {
        // Only a cancellation for a refund: shops' own terms, unless a brand's name is borrowed.
        if (posing) points = 4.0, who = posing_as();
      } else if (is_freemail_domain(m.from_domain)) {
        // A shop, a club, a treasurer on gmail writes "if you did not place this order, call",
        // a provider about its own service from its own domain too ("Orange" from orange.fr);
        // with another brand's name borrowed as well, it is the lure.
        points = claimed.empty() ? 3.0 : 5.0;
        who = "from a free-mail address at " + m.from_domain.substr(0, 64) +
              (claimed.empty() ? "" : fmt::format(", naming {}", claimed));
      } else if (is_freemail_domain(m.reply_elsewhere)) {
        // (Less: a shop's contact form sends as the shop with the customer's Reply-To.)
        points = claimed.empty() ? 2.0 : 4.0;
        who = "wanting the replies at " + m.reply_elsewhere.substr(0, 64);
      } else if (posing) {
        points = 4.0;
        who = posing_as();
      }
      if (points > 0)
        v.add("phishing.callback", points, Label::phishing,
              fmt::format("asks to call {} about a charge the reader did not make, {}", lure->phone,
                          who));
    }
  }

 private:
  // Why `host` imitates a protected brand or local domain, or nullopt.
  std::optional<std::string> lookalike(std::string_view host,
                                       const std::vector<Target>& locals) const {
    // On free hosting the name is the hosting company's, not the page owner's choice.
    if (on_free_hosting(host)) return std::nullopt;
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
      // A typo keeps the first letter, the one a reader sees first; changing, dropping or
      // adding one there makes words of their own ("email" for gmail, "finance" for binance,
      // "cloud" for icloud, "dapple", "atwitter", "aicloud").
      std::size_t max = t.label.size() >= 9 ? 2 : 1;
      if (decoded.size() >= 5 && decoded.front() == t.label.front() &&
          bounded_edit_distance(decoded, t.label, max) <= max)
        return fmt::format("is one typo away from {} ({})", t.domain, t.name);
      return std::nullopt;
    };
    for (const auto& t : targets_)
      if (auto r = test(t)) return r;
    for (const auto& t : locals)
      if (auto r = test(t)) return r;
    return std::nullopt;
  }

  // The brand whose domain label appears as a label or hyphen-separated part of `host`; on
  // free hosting, of the page owner's part only ("github" in alice.github.io is the host's).
  std::optional<std::string> brand_in_host(std::string_view host) const {
    std::size_t stop = host.size() - free_hosting_suffix(host).size();
    std::size_t i = 0;
    while (i < stop) {
      std::size_t end = host.find_first_of(".-", i);
      if (end == std::string_view::npos || end > stop) end = stop;
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
