#include "filter/message_view.hpp"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "base/strings.hpp"
#include "filter/redirect.hpp"
#include "mail/charset.hpp"
#include "mail/encoded_word.hpp"
#include "mail/html_text.hpp"
#include "mail/rfc2231.hpp"
#include "mail/transfer_encoding.hpp"

namespace facteur::filter {
namespace {

// The name a reader sees in `From: Facebook, _ <x@spam.example>`, `"Ace Hardware", _ <...>`
// or `UPS, info@mailer.example`: the unquoted comma makes "Facebook" an address of its own,
// without an @, that parsers drop, leaving "_" or nothing as the name; mail clients show all of
// it. `address` is the one real address ("local@domain"). Nullopt when no stray comma comes
// before it.
std::optional<std::string> name_before_stray_comma(std::string_view value,
                                                   std::string_view address) {
  value = value.substr(0, std::min<std::size_t>(value.size(), 4096));  // a name, not a list
  std::size_t at = value.size();
  for (std::size_t i = 0; i + address.size() <= value.size(); ++i)
    if (iequals(value.substr(i, address.size()), address)) {
      at = i;
      break;
    }
  if (at == value.size()) return std::nullopt;
  if (at > 0 && value[at - 1] == '<') --at;
  bool quoted = false, comma = false;
  for (std::size_t i = 0; i < at; ++i) {
    char c = value[i];
    if (c == '\\' && quoted) {
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (!quoted && c == ',') {
      comma = true;
    } else if (!quoted && c == '@') {
      return std::nullopt;  // another address before this one: a real list
    }
  }
  if (!comma) return std::nullopt;
  // Quotes and empty "<>" dropped, white space and repeated commas collapsed.
  std::string shown;
  std::string_view prefix = value.substr(0, at);
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char c = prefix[i];
    if (c == '"') continue;
    if (c == '<' && i + 1 < prefix.size() && prefix[i + 1] == '>') {
      ++i;
      continue;
    }
    if (c == '\t' || c == '\r' || c == '\n') c = ' ';
    if (c == ' ' && (shown.empty() || shown.back() == ' ')) continue;
    if (c == ',') {
      while (!shown.empty() && shown.back() == ' ')
        shown.pop_back();
      if (shown.empty() || shown.back() == ',') continue;
    }
    shown += c;
  }
  while (!shown.empty() && (shown.back() == ' ' || shown.back() == ','))
    shown.pop_back();
  if (shown.empty()) return std::nullopt;
  if (shown.size() > 256) {
    std::size_t cut = 256;
    while (cut > 0 && (static_cast<unsigned char>(shown[cut]) & 0xC0) == 0x80)
      --cut;
    shown.resize(cut);  // on a character's first byte
  }
  return shown;
}

// "C o i n b a s e": a name spelt with spaces between its letters, read as it looks (four
// or more single letters in a row are joined).
std::string join_spaced_letters(std::string_view name) {
  std::string out;
  std::size_t i = 0;
  auto single = [&](std::size_t k) {
    return k < name.size() && ascii_alnum(name[k]) &&
           (k + 1 == name.size() || name[k + 1] == ' ') && (k == 0 || name[k - 1] == ' ');
  };
  while (i < name.size()) {
    std::size_t run = 0;
    while (single(i + 2 * run))
      ++run;
    if (run >= 4) {
      for (std::size_t r = 0; r < run; ++r)
        out += name[i + 2 * r];
      i += 2 * run - 1;  // onto the space after the last letter, or the end
      continue;
    }
    out += name[i++];
  }
  return out;
}

std::string decode_value(const mail::HeaderField& f) {
  std::string v = mail::unfold_trim(f.raw_value);
  if (!mail::may_contain_encoded_words(v) && mail::is_valid_utf8(v)) return v;
  mail::DecodeOptions o;
  o.fallback_charset = "windows-1252";
  o.max_output = 64 * 1024;
  return mail::decode_encoded_words(v, o);
}

std::string part_filename(const mail::MimePart& p) {
  if (const mail::HeaderField* f = p.header.find(mail::FieldId::content_disposition)) {
    mail::ContentDisposition cd = mail::parse_content_disposition(f->raw_value);
    if (const mail::MimeParam* name = cd.param("filename"); name && !name->value.empty())
      return name->value;
  }
  return std::string(p.content_type.param_value("name"));
}

bool is_attachment(const mail::MimePart& p) {
  if (const mail::HeaderField* f = p.header.find(mail::FieldId::content_disposition)) {
    std::string_view v = mail::trim_wsp(f->raw_value);
    if (istarts_with(v, "attachment")) return true;
  }
  return !p.content_type.is_type("text") && !p.content_type.is_type("multipart") &&
         !p.content_type.is_type("message");
}

}  // namespace

std::string MessageView::header_value(std::string_view name) const {
  const mail::HeaderField* f = header().find(name);
  return f ? decode_value(*f) : std::string();
}

MessageView MessageView::analyze(std::string_view bytes, const ViewLimits& limits) {
  MessageView v;
  v.tree = mail::parse_mime(bytes, limits.mime);
  v.extracted = mail::extract_text(v.tree, limits.text);
  v.body = normalize_text(v.extracted.text, limits.words);
  v.has_html = v.extracted.has_html;

  const mail::Header& h = v.header();
  if (const auto* f = h.find(mail::FieldId::subject)) v.subject = decode_value(*f);
  v.subject_words = normalize_text(v.subject, NormalizeLimits{200, 48});

  mail::AddressLimits al;
  al.max_mailboxes = 1000;
  if (const auto* f = h.find(mail::FieldId::from)) {
    auto list = mail::parse_address_list(f->raw_value, al);
    auto boxes = list.mailboxes();
    // "Facebook ,_<x@spam.example>": the name before the stray comma parses as a mailbox
    // without a domain; the one real address is the sender's, under all of the name.
    std::erase_if(boxes, [](const mail::Mailbox* b) { return b->domain.empty(); });
    if (boxes.size() == 1) {
      const mail::Mailbox& real = *boxes.front();
      std::string address = real.local_part + "@" + real.domain;
      if (auto shown = name_before_stray_comma(decode_value(*f), address)) {
        v.from = real;
        v.from->display_name = *shown;
      }
    }
    if (!v.from && !list.mailboxes().empty()) v.from = *list.mailboxes().front();
    if (v.from) {
      v.from_domain = to_lower(v.from->domain);
      v.from->display_name = join_spaced_letters(v.from->display_name);
    }
  }
  if (const auto* f = h.find(mail::FieldId::reply_to)) {
    auto list = mail::parse_address_list(f->raw_value, al);
    for (const auto* m : list.mailboxes())
      if (v.reply_to.size() < 20) v.reply_to.push_back(*m);
  }
  if (v.from && !v.reply_to.empty()) {
    std::string rdom = to_lower(v.reply_to.front().domain);
    if (!rdom.empty() && registrable_domain(rdom) != registrable_domain(v.from_domain))
      v.reply_elsewhere = std::move(rdom);
  }
  if (const auto* f = h.find(mail::FieldId::sender)) {
    if (auto m = mail::parse_mailbox(f->raw_value)) v.sender = std::move(*m);
  }
  for (auto id : {mail::FieldId::to, mail::FieldId::cc}) {
    for (const auto& f : h.fields()) {
      if (f.id != id) continue;
      v.recipients += mail::parse_address_list(f.raw_value, al).mailboxes().size();
    }
  }
  if (const auto* f = h.find("X-Mailer")) {
    v.x_mailer = decode_value(*f);
  } else if (const auto* ua = h.find("User-Agent")) {
    v.x_mailer = decode_value(*ua);
  }

  // Leaves: shape, and the HTML parts scanned for anchors and forms.
  std::size_t html_budget = limits.max_html_scan * 4;
  for (std::uint32_t i = 0; i < v.tree.size(); ++i) {
    const mail::MimePart& p = v.tree.part(i);
    if (p.info.kind != mail::PartKind::leaf) continue;
    if (v.parts.size() >= 200) break;
    PartShape s;
    s.type = to_lower(p.content_type.type) + "/" + to_lower(p.content_type.subtype);
    if (!p.content_type.valid()) s.type = "text/plain";
    s.charset = to_lower(p.content_type.param_value("charset"));
    s.encoding = std::string(mail::to_string(p.info.encoding));
    s.attachment = is_attachment(p);
    s.filename = part_filename(p);
    s.index = i;
    if (s.type == "text/plain") v.has_text_plain = true;
    if (s.type == "text/html" && html_budget > 0) {
      v.has_html = true;
      std::string_view body = v.tree.body_bytes(i);
      if (body.size() > limits.max_html_scan) body = body.substr(0, limits.max_html_scan);
      html_budget -= std::min(html_budget, body.size());
      std::string decoded = mail::decode_transfer(body, p.info.encoding);
      std::string charset(p.content_type.param_value("charset"));
      if (charset.empty()) charset = mail::html_meta_charset(decoded);
      scan_html(mail::text_to_utf8(decoded, charset), v.html, limits.html);
    }
    v.parts.push_back(std::move(s));
  }

  // Links: anchors first (they carry their text), then other HTML links, form actions and
  // URLs written in the text.
  std::unordered_set<std::string> seen;
  // Where a redirector's target was found to land (its chain followed once per message).
  std::unordered_map<std::string, std::string> lands_of;
  auto add = [&](std::string_view written, std::string_view text, bool html, bool form) {
    if (v.links.size() >= limits.max_urls) return;
    // Browsers delete tabs and line breaks anywhere in a URL (WHATWG URL): so do we, once,
    // before anything reads it.
    const std::string target = without_tabs(written);
    auto url = parse_url(target);
    if (!url) return;
    std::string key = target;
    if (!text.empty()) key += '\x01' + std::string(text);
    if (!seen.insert(std::move(key)).second) return;
    seen.insert(target);
    Link l;
    l.target = target;
    l.url = std::move(*url);
    l.text = std::string(text);
    l.from_html = html;
    l.is_form_action = form;
    // Where an open redirector sends the reader is a link of the message too, carrying the
    // anchor's text; a redirect to a redirect is followed up to kRedirectDepth times, each
    // target shorter than the last. `lands_on` is where the chain ends ("" when it goes on
    // further than we look).
    constexpr int kRedirectDepth = 4;
    std::string outer = l.target;
    std::string via = l.url.host;
    std::size_t at = v.links.size();
    const std::size_t first = at;
    v.links.push_back(std::move(l));
    std::string lands;
    bool adding = true;  // false once a target is already a link (or there is no room)
    bool known = false;  // `lands` came from an earlier chain
    std::vector<std::string> followed;  // the targets whose landing this chain tells
    int depth = 0;
    for (; depth < kRedirectDepth && (depth > 0 || is_redirector_host(via)); ++depth) {
      if (!adding) {
        if (auto it = lands_of.find(outer); it != lands_of.end()) {
          lands = it->second;
          known = true;
          break;
        }
      }
      auto inner = redirect_target(outer);
      if (!inner) break;
      auto inner_url = parse_url(*inner);
      if (!inner_url) break;
      if (adding && v.links.size() >= limits.max_urls) adding = false;  // judged as written
      if (adding) {
        v.links[at].redirects = true;
        // Already a link with this text: that one speaks for it (we still follow the chain).
        std::string inner_key = *inner;
        if (!text.empty()) inner_key += '\x01' + std::string(text);
        if (!seen.insert(std::move(inner_key)).second) adding = false;
      }
      lands = inner_url->host;
      if (adding) {
        seen.insert(*inner);
        Link r;
        r.target = *inner;
        r.url = std::move(*inner_url);
        r.text = std::string(text);
        r.from_html = html;
        r.is_form_action = form;
        r.via = via;
        via = r.url.host;
        at = v.links.size();
        v.links.push_back(std::move(r));
      }
      followed.push_back(std::move(outer));
      outer = std::move(*inner);
    }
    if (!known && depth == kRedirectDepth && redirect_target(outer)) lands.clear();
    for (auto& t : followed)
      lands_of.emplace(std::move(t), lands);
    for (std::size_t k = first; k < v.links.size(); ++k)
      if (v.links[k].redirects) v.links[k].lands_on = lands;
  };
  for (const auto& a : v.html.anchors)
    add(a.href, a.text, true, false);
  for (const auto& target : v.extracted.links)
    if (!seen.contains(target)) add(target, {}, true, false);
  for (const auto& action : v.html.form_actions)
    add(action, {}, true, true);
  for (const auto& u : find_urls_in_text(v.extracted.text, 200))
    if (!seen.contains(u)) add(u, {}, false, false);
  return v;
}

}  // namespace facteur::filter
