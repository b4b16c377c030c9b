#include "filter/brands.hpp"

#include <algorithm>

#include "base/strings.hpp"
#include "filter/checks.hpp"
#include "filter/text_norm.hpp"

namespace facteur::filter {
namespace {

std::vector<Brand> builtin_brands() {
  // Keywords are chosen so that a plain word of everyday text does not name a brand ("chase
  // bank", not "chase").
  // A domain of one label is the brand's own top-level domain (a "dot-brand" TLD only its owner
  // registers under, per the public suffix list): every host under it is theirs, such as
  // Microsoft 365's outlook.cloud.microsoft.
  return {
      {"PayPal",
       {"paypal"},
       {"paypal.com", "paypal.fr", "paypal.co.uk", "paypal.de", "paypal.me", "paypalobjects.com",
        "paypal-communication.com", "paypal.be"}},
      {"eBay",
       {"ebay"},
       {"ebay.com", "ebay.fr", "ebay.co.uk", "ebay.de", "ebay.ca", "ebay.com.au", "ebay.it",
        "ebay.es", "ebaystatic.com", "ebayimg.com", "ebay.be"}},
      {"Amazon",
       {"amazon com", "amazon prime", "amazon account", "amazon payments", "amazon fr"},
       {"amazon.com",    "amazon.fr",     "amazon.co.uk", "amazon.de", "amazon.ca",
        "amazon.it",     "amazon.es",     "amazon.nl",    "amazon.se", "amazon.pl",
        "amazon.com.be", "amazon.com.au", "amazon.co.jp", "amazon.in", "amazon.com.br",
        "amazon.com.mx", "amazon.sg",     "amazon.ae",    "amazon.sa", "amazon.com.tr",
        "amazonses.com", "amazon.jobs",   "amazon"}},
      {"Apple",
       {"apple id", "apple support", "itunes", "icloud", "apple store", "app store"},
       {"apple.com", "icloud.com", "me.com", "itunes.com", "mac.com", "apple"}},
      {"Microsoft",
       {"microsoft", "office 365", "office365", "outlook team", "outlook support",
        "outlook web app", "outlook web access", "hotmail team", "windows live",
        "microsoft account", "sharepoint", "onedrive"},
       {"microsoft.com",
        "live.com",
        "outlook.com",
        "hotmail.com",
        "office.com",
        "office365.com",
        "microsoftonline.com",
        "msn.com",
        "windows.com",
        "live.fr",
        "hotmail.fr",
        "sharepointonline.com",
        "microsoft365.com",
        "microsoft",
        "office",
        "windows",
        "hotmail",
        "xbox",
        "bing",
        "aka.ms"}},
      {"Google",
       {"google", "gmail team"},
       {"google.com", "gmail.com", "googlemail.com", "youtube.com", "google.fr", "google.co.uk",
        "google", "youtube"}},
      {"Facebook",
       {"facebook", "instagram"},
       {"facebook.com", "facebookmail.com", "instagram.com", "meta.com", "fb.com"}},
      {"Netflix", {"netflix"}, {"netflix.com", "netflix"}},
      {"DHL", {"dhl"}, {"dhl.com", "dhl.de", "dhl.fr", "dhl.co.uk", "dhl"}},
      {"FedEx", {"fedex"}, {"fedex.com", "fedex"}},
      {"UPS",
       {"ups delivery", "ups shipment", "ups tracking", "united parcel service"},
       {"ups.com", "theupsstore.com", "ups"}},
      {"La Poste",
       {"la poste", "colissimo", "chronopost"},
       {"laposte.fr", "laposte.net", "colissimo.fr", "chronopost.fr"}},
      {"Bank of America", {"bank of america"}, {"bankofamerica.com", "bofa.com"}},
      {"Wells Fargo", {"wells fargo"}, {"wellsfargo.com", "wf.com"}},
      {"Chase",
       {"chase bank", "jpmorgan chase", "chase online", "chase manhattan"},
       {"chase.com", "jpmorganchase.com", "jpmorgan.com", "chase"}},
      {"Citibank",
       {"citibank", "citigroup", "citi cards", "citicards"},
       {"citibank.com", "citi.com", "citigroup.com", "citicards.com", "citibank.co.uk", "citi"}},
      {"Barclays",
       {"barclays"},
       {"barclays.co.uk", "barclays.com", "barclaycard.co.uk", "barclays", "barclaycard"}},
      {"HSBC", {"hsbc"}, {"hsbc.com", "hsbc.co.uk", "hsbc.fr", "hsbc"}},
      {"Lloyds",
       {"lloyds tsb", "lloyds bank"},
       {"lloydstsb.com", "lloydsbank.com", "lloydstsb.co.uk", "lloydsbank.co.uk"}},
      {"NatWest", {"natwest"}, {"natwest.com"}},
      {"Halifax", {"halifax bank", "halifax online"}, {"halifax.co.uk", "halifax-online.co.uk"}},
      {"Nationwide", {"nationwide building society"}, {"nationwide.co.uk"}},
      {"Santander", {"santander"}, {"santander.co.uk", "santander.com", "santander.fr"}},
      {"Washington Mutual", {"washington mutual", "wamu"}, {"wamu.com"}},
      {"U.S. Bank", {"us bank", "u s bank", "usbank"}, {"usbank.com"}},
      {"SunTrust", {"suntrust"}, {"suntrust.com"}},
      {"Fifth Third", {"fifth third bank", "fifth third"}, {"53.com"}},
      {"Charter One", {"charter one bank", "charter one"}, {"charterone.com"}},
      {"Regions", {"regions bank"}, {"regions.com"}},
      {"Wachovia", {"wachovia"}, {"wachovia.com"}},
      {"National City", {"national city bank"}, {"nationalcity.com"}},
      {"KeyBank", {"keybank"}, {"key.com"}},
      {"Commonwealth Bank", {"commonwealth bank", "commbank", "netbank"}, {"commbank.com.au"}},
      {"Westpac", {"westpac"}, {"westpac.com.au"}},
      {"ANZ", {"anz bank", "anz internet banking"}, {"anz.com", "anz.com.au"}},
      {"BNP Paribas", {"bnp paribas", "bnp"}, {"bnpparibas.com", "bnpparibas.fr", "bnpparibas"}},
      {"Societe Generale", {"societe generale"}, {"societegenerale.fr", "societegenerale.com"}},
      {"Credit Agricole", {"credit agricole"}, {"credit-agricole.fr", "credit-agricole.com"}},
      {"La Banque Postale", {"banque postale"}, {"labanquepostale.fr"}},
      {"Caisse d'Epargne", {"caisse d epargne", "caisse epargne"}, {"caisse-epargne.fr"}},
      {"Credit Mutuel", {"credit mutuel"}, {"creditmutuel.fr", "cmut.fr"}},
      {"LCL", {"lcl"}, {"lcl.fr"}},
      {"Visa", {"verified by visa", "visa card", "carte visa"}, {"visa.com", "visa.fr", "visa"}},
      {"MasterCard", {"mastercard"}, {"mastercard.com", "mastercard.fr"}},
      {"American Express",
       {"american express", "amex"},
       {"americanexpress.com", "aexp.com", "amex.fr", "amex", "americanexpress"}},
      {"Western Union", {"western union"}, {"westernunion.com"}},
      {"IRS", {"internal revenue service", "irs"}, {"irs.gov"}},
      {"Impots",
       {"impots gouv", "dgfip", "tresor public", "direction generale des finances"},
       {"impots.gouv.fr", "dgfip.finances.gouv.fr"}},
      {"Ameli", {"assurance maladie", "ameli"}, {"ameli.fr", "assurance-maladie.fr"}},
      {"DocuSign", {"docusign"}, {"docusign.com", "docusign.net"}},
      {"Dropbox", {"dropbox"}, {"dropbox.com", "dropboxmail.com"}},
      {"LinkedIn", {"linkedin"}, {"linkedin.com"}},
      {"Yahoo",
       {"yahoo team", "yahoo account", "yahoo billing"},
       {"yahoo.com", "yahoo.fr", "yahoo.co.uk"}},
      {"AOL", {"aol billing", "aol member", "aol account"}, {"aol.com"}},
      {"EarthLink", {"earthlink"}, {"earthlink.net"}},
      {"e-gold", {"e gold"}, {"e-gold.com"}},
      {"Coinbase", {"coinbase"}, {"coinbase.com"}},
      {"MetaMask", {"metamask"}, {"metamask.io"}},
      {"Trust Wallet", {"trust wallet", "trustwallet"}, {"trustwallet.com"}},
      {"Revolut", {"revolut"}, {"revolut.com"}},
      {"Boursorama",
       {"boursorama", "boursobank"},
       {"boursorama.com", "boursobank.com", "boursorama-banque.com"}},
      {"Booking.com", {"booking com"}, {"booking.com", "bstatic.com"}},
      {"Airbnb", {"airbnb"}, {"airbnb.com", "airbnb.fr", "airbnb.co.uk"}},
      {"Vinted", {"vinted"}, {"vinted.fr", "vinted.com", "vinted.co.uk"}},
      {"Leboncoin", {"leboncoin"}, {"leboncoin.fr"}},
      {"USPS", {"usps", "united states postal service"}, {"usps.com", "usps.gov"}},
      {"Royal Mail", {"royal mail"}, {"royalmail.com", "royalmail.co.uk"}},
      {"Mondial Relay", {"mondial relay"}, {"mondialrelay.fr", "mondialrelay.com"}},
      {"OVHcloud", {"ovhcloud", "ovh"}, {"ovh.com", "ovhcloud.com", "ovh.net", "ovh.fr"}},
      {"URSSAF", {"urssaf"}, {"urssaf.fr"}},
      {"CAF", {"ma caf", "caf fr", "allocations familiales"}, {"caf.fr"}},
      {"ANTS", {"ants gouv", "agence nationale des titres securises"}, {"ants.gouv.fr"}},
      {"France Travail", {"france travail", "pole emploi"}, {"francetravail.fr", "pole-emploi.fr"}},
      {"EDF",
       {"edf particuliers", "edf entreprises", "edf fr", "service client edf"},
       {"edf.fr", "edf.com"}},
      {"Norton",
       {"norton 360", "norton antivirus", "norton security", "lifelock"},
       {"norton.com", "nortonlifelock.com"}},
      {"McAfee",
       {"mcafee antivirus", "mcafee total protection", "mcafee security"},
       {"mcafee.com"}},
      {"Verizon",
       {"verizon"},
       {"verizon.com", "verizonwireless.com", "vzw.com", "verizonconnect.com"}},
      {"Canal+", {"canal plus", "canalplus"}, {"canalplus.com", "canal-plus.com"}},
      // France's telecoms, among the most imitated names there. "Orange" and "Free" are plain
      // words: their hosts' labels are generic (phishing_traits.cpp), and "Free" names nobody
      // in a From name by itself.
      {"Orange",
       {"orange fr", "espace client orange", "orange mobile", "livebox", "sosh"},
       {"orange.fr", "orange.com", "orange-business.com", "orangebank.fr", "sosh.fr", "orange.be",
        "orange.es", "orange.pl", "orange.ro"}},
      {"SFR", {"sfr", "red by sfr"}, {"sfr.fr", "sfr.com", "red-by-sfr.fr"}},
      {"Free", {"freebox"}, {"free.fr", "freebox.fr", "free-mobile.fr"}},
      {"Bouygues Telecom",
       {"bouygues telecom"},
       {"bouyguestelecom.fr", "bouyguestelecom-entreprises.fr"}},
      {"TikTok", {"tiktok"}, {"tiktok.com"}},
      {"Twitter", {"twitter"}, {"twitter.com", "x.com"}},
      {"Spotify", {"spotify"}, {"spotify.com", "scdn.co"}},
      // Not WeTransfer or ANTAI: their labels are one or two typos away from ordinary host
      // names ("transfer", "antal"). Not sharepoint.com or 1drv.ms: anybody's files are there.
      {"HMRC", {"hmrc", "hm revenue"}, {"hmrc.gov.uk", "tax.service.gov.uk"}},
      {"Binance", {"binance"}, {"binance.com"}},
  };
}

}  // namespace

bool host_in_domain(std::string_view host, std::string_view domain) noexcept {
  if (domain.empty() || host.size() < domain.size()) return false;
  if (!iequals(host.substr(host.size() - domain.size()), domain)) return false;
  return host.size() == domain.size() || host[host.size() - domain.size() - 1] == '.';
}

BrandList::BrandList() : brands_(builtin_brands()) {
  rebuild();
}

BrandList::BrandList(std::vector<Brand> brands) : brands_(std::move(brands)) {
  rebuild();
}

void BrandList::add(Brand brand) {
  brands_.push_back(std::move(brand));
  rebuild();
}

void BrandList::rebuild() {
  matcher_ = PhraseMatcher{};
  name_matcher_ = PhraseMatcher{};
  domains_.clear();
  for (const auto& b : brands_)
    for (const auto& d : b.domains)
      if (!d.empty()) domains_.insert(to_lower(d));
  for (std::size_t i = 0; i < brands_.size(); ++i) {
    for (const auto& k : brands_[i].keywords) {
      auto norm = normalize_text(k);
      matcher_.add(norm.text, static_cast<int>(i));
      name_matcher_.add(norm.text, static_cast<int>(i));
    }
    // A From name showing one of the brand's domains ("Amazon.co.uk", "Apple.com") names it
    // too; not a free-mail provider's, which shows a person's address ("alice at gmail.com via
    // the list"), and not in text, where "follow us on x.com" names nobody.
    for (const auto& d : brands_[i].domains) {
      if (d.find('.') == std::string::npos || is_freemail_domain(d)) continue;
      auto norm = normalize_text(d);
      name_matcher_.add(norm.text, static_cast<int>(i));
    }
  }
}

namespace {

// The brands a phrase match found (their groups are brand indexes), each once.
std::vector<std::size_t> brands_hit(const std::vector<int>& hits) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < hits.size(); ++i)
    if (hits[i] > 0) out.push_back(i);
  return out;
}

}  // namespace

std::vector<std::size_t> BrandList::named_in(std::span<const std::string_view> words) const {
  std::vector<int> hits;
  matcher_.match(words, hits);
  return brands_hit(hits);
}

std::vector<std::size_t> BrandList::named_in_sender_name(
    std::span<const std::string_view> words) const {
  std::vector<int> hits;
  name_matcher_.match(words, hits);
  return brands_hit(hits);
}

std::vector<std::size_t> BrandList::named_in(const NormalizedText& text) const {
  std::vector<int> hits;
  matcher_.match(text, hits);
  return brands_hit(hits);
}

bool BrandList::owns(std::size_t brand, std::string_view host) const noexcept {
  if (brand >= brands_.size()) return false;
  for (const auto& d : brands_[brand].domains)
    if (host_in_domain(host, d)) return true;
  return false;
}

bool BrandList::is_brand_domain(std::string_view domain) const noexcept {
  return domains_.contains(domain);
}

bool BrandList::owned_by_any(std::string_view host) const noexcept {
  bool lower = std::none_of(host.begin(), host.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
  if (!lower) {  // hosts come lower-cased; anything else the slow way
    for (std::size_t i = 0; i < brands_.size(); ++i)
      if (owns(i, host)) return true;
    return false;
  }
  // The host itself, then each suffix after a dot: "a.b.paypal.com", "b.paypal.com", ...
  for (std::size_t pos = 0; pos < host.size();) {
    if (domains_.contains(host.substr(pos))) return true;
    std::size_t dot = host.find('.', pos);
    if (dot == std::string_view::npos) break;
    pos = dot + 1;
  }
  return false;
}

}  // namespace facteur::filter
