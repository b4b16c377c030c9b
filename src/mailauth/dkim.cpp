#include "mailauth/dkim.hpp"

#include <algorithm>
#include <ctime>
#include <unordered_map>

#include <fmt/format.h>

#include "base/strings.hpp"
#include "mailauth/tag_list.hpp"

namespace facteur::mailauth {
namespace {

bool is_fws(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::optional<std::uint64_t> parse_number(std::string_view s, std::size_t max_digits = 18) {
  if (s.empty() || s.size() > max_digits) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + std::uint64_t(c - '0');
  }
  return v;
}

// Is `sub` equal to `domain` or one of its subdomains (ASCII case-insensitive)?
bool is_same_or_subdomain(std::string_view sub, std::string_view domain) {
  if (iequals(sub, domain)) return true;
  return sub.size() > domain.size() + 1 && sub[sub.size() - domain.size() - 1] == '.' &&
         iequals(sub.substr(sub.size() - domain.size()), domain);
}

std::int64_t now_or(std::int64_t now) {
  return now != 0 ? now : static_cast<std::int64_t>(std::time(nullptr));
}

}  // namespace

std::string header_data(const CanonMessage& message, const std::vector<std::string>& names,
                        Canon canon, const mail::HeaderField* exclude) {
  std::unordered_map<std::string, std::vector<const mail::HeaderField*>> by_name;
  const auto fields = message.header().fields();
  for (auto it = fields.rbegin(); it != fields.rend(); ++it) {
    if (&*it == exclude) continue;
    by_name[to_lower(it->name)].push_back(&*it);
  }
  std::unordered_map<std::string, std::size_t> used;
  std::string out;
  for (const auto& name : names) {
    std::string key = to_lower(name);
    auto found = by_name.find(key);
    std::size_t& n = used[key];
    if (found == by_name.end() || n >= found->second.size()) continue;
    out += canon_header(message.raw_field(*found->second[n]), canon);
    ++n;
  }
  return out;
}

namespace {

std::string without_crlf(std::string s) {
  if (s.size() >= 2 && s.ends_with("\r\n")) s.resize(s.size() - 2);
  return s;
}

DkimVerdict describe(const DkimSignature& sig) {
  DkimVerdict v;
  v.domain = sig.domain;
  v.selector = sig.selector;
  v.identity = sig.identity;
  v.algorithm = std::string(to_string(sig.algorithm));
  v.signature_b64 = sig.signature_b64;
  v.body_length = sig.body_length;
  return v;
}

DkimVerdict verdict(DkimVerdict v, AuthResult result, std::string reason) {
  v.result = result;
  v.reason = std::move(reason);
  return v;
}

}  // namespace

const std::vector<std::string_view> kDefaultSignedHeaders = {
    "From",
    "Reply-To",
    "Subject",
    "Date",
    "To",
    "Cc",
    "Message-ID",
    "In-Reply-To",
    "References",
    "MIME-Version",
    "Content-Type",
    "Content-Transfer-Encoding",
    "Content-ID",
    "Content-Description",
    "Resent-Date",
    "Resent-From",
    "Resent-To",
    "Resent-Cc",
    "List-Id",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
    "Sender",
};

Result<DkimSignature> parse_dkim_signature(std::string_view value, SignatureKind kind) {
  auto tags = parse_tag_list(value);
  if (!tags) return std::unexpected(tags.error());
  auto tag = [&](std::string_view name) { return find_tag(*tags, name); };
  auto fail = [](std::string message) { return make_error(Errc::parse_error, std::move(message)); };
  DkimSignature sig;
  if (kind == SignatureKind::dkim) {
    auto v = tag("v");
    if (!v) return fail("missing v= tag");
    if (*v != "1") return fail(fmt::format("unsupported version v={:.10}", *v));
  }
  auto a = tag("a");
  if (!a) return fail("missing a= tag");
  if (*a == "rsa-sha256") {
    sig.algorithm = DkimAlgorithm::rsa_sha256;
  } else if (*a == "ed25519-sha256") {
    sig.algorithm = DkimAlgorithm::ed25519_sha256;
  } else if (*a == "rsa-sha1") {
    sig.algorithm = DkimAlgorithm::rsa_sha1;
  } else {
    return fail(fmt::format("unknown algorithm a={:.30}", *a));
  }
  auto b = tag("b");
  if (!b) return fail("missing b= tag");
  auto b_decoded = decode_base64_tag(*b);
  if (!b_decoded || b_decoded->empty()) return fail("b= is not base64");
  sig.signature = std::move(*b_decoded);
  sig.signature_b64 = remove_fws(*b);
  if (kind != SignatureKind::arc_seal) {
    auto bh = tag("bh");
    if (!bh) return fail("missing bh= tag");
    auto bh_decoded = decode_base64_tag(*bh);
    if (!bh_decoded || bh_decoded->empty()) return fail("bh= is not base64");
    sig.body_hash = std::move(*bh_decoded);
    if (auto c = tag("c")) {
      auto slash = c->find('/');
      auto h = parse_canon(c->substr(0, slash));
      auto body = slash == std::string_view::npos ? std::optional<Canon>(Canon::simple)
                                                  : parse_canon(c->substr(slash + 1));
      if (!h || !body) return fail(fmt::format("unknown canonicalization c={:.30}", *c));
      sig.header_canon = *h;
      sig.body_canon = *body;
    }
    auto h = tag("h");
    if (!h) return fail("missing h= tag");
    bool has_from = false;
    for (auto name : split(*h, ':')) {
      std::string n = remove_fws(name);
      if (n.empty()) return fail("empty name in h=");
      if (iequals(n, "from")) has_from = true;
      sig.signed_headers.push_back(std::move(n));
    }
    if (kind == SignatureKind::dkim && !has_from) return fail("From is not signed (h=)");
    if (auto l = tag("l")) {
      sig.body_length = parse_number(*l);
      if (!sig.body_length) return fail("bad l= tag");
    }
  } else {
    sig.header_canon = Canon::relaxed;  // RFC 8617 §4.1.3: the seal is always relaxed
    if (tag("h")) return fail("ARC-Seal must not have h=");
    auto cv = tag("cv");
    if (!cv || (*cv != "none" && *cv != "pass" && *cv != "fail")) return fail("bad cv= tag");
    sig.chain_validation = std::string(*cv);
  }
  auto d = tag("d");
  auto s = tag("s");
  if (!d || d->empty()) return fail("missing d= tag");
  if (!s || s->empty()) return fail("missing s= tag");
  sig.domain = std::string(*d);
  sig.selector = std::string(*s);
  if (kind == SignatureKind::dkim) {
    if (auto i = tag("i")) {
      auto at = i->rfind('@');
      if (at == std::string_view::npos) return fail("i= has no '@'");
      if (!is_same_or_subdomain(i->substr(at + 1), *d)) {
        return fail("i= domain is not d= or a subdomain of it");
      }
      sig.identity = std::string(*i);
    } else {
      sig.identity = "@" + sig.domain;
    }
    if (auto q = tag("q"); q && q->find("dns/txt") == std::string_view::npos) {
      return fail("unsupported query method q=");
    }
  } else {
    auto i = tag("i");
    auto instance = i ? parse_number(*i, 2) : std::nullopt;
    if (!instance || *instance < 1 || *instance > 50) return fail("bad ARC instance i=");
    sig.instance = static_cast<std::uint32_t>(*instance);
  }
  if (auto t = tag("t")) {
    auto v = parse_number(*t);
    if (!v) return fail("bad t= tag");
    sig.timestamp = static_cast<std::int64_t>(*v);
  }
  if (auto x = tag("x")) {
    auto v = parse_number(*x);
    if (!v) return fail("bad x= tag");
    sig.expiration = static_cast<std::int64_t>(*v);
    if (sig.timestamp && *sig.expiration < *sig.timestamp) return fail("x= is before t=");
  }
  return sig;
}

std::string strip_signature_value(std::string_view raw) {
  std::size_t pos = raw.find(':');
  if (pos == std::string_view::npos) return std::string(raw);
  ++pos;
  while (pos < raw.size()) {
    while (pos < raw.size() && is_fws(raw[pos]))
      ++pos;
    std::size_t name_start = pos;
    while (pos < raw.size() && raw[pos] != '=' && raw[pos] != ';' && !is_fws(raw[pos]))
      ++pos;
    std::string_view name = raw.substr(name_start, pos - name_start);
    while (pos < raw.size() && is_fws(raw[pos]))
      ++pos;
    std::size_t end = raw.find(';', pos);
    if (end == std::string_view::npos) end = raw.size();
    if (name == "b" && pos < raw.size() && raw[pos] == '=') {
      std::string out(raw.substr(0, pos + 1));
      out += raw.substr(end);
      return out;
    }
    pos = end + 1;
  }
  return std::string(raw);
}

std::string signed_header_data(const CanonMessage& message, const DkimSignature& signature,
                               const mail::HeaderField& signature_field) {
  std::string out =
      header_data(message, signature.signed_headers, signature.header_canon, &signature_field);
  out += without_crlf(canon_header(strip_signature_value(message.raw_field(signature_field)),
                                   signature.header_canon));
  return out;
}

Result<std::string> dkim_sign(std::string_view message, const DkimPrivateKey& key,
                              const DkimSignOptions& options) {
  auto valid_value = [](std::string_view v) {
    return !v.empty() && std::none_of(v.begin(), v.end(), [](char c) {
      return c == ';' || c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
             static_cast<unsigned char>(c) < 0x21;
    });
  };
  if (!valid_value(options.domain) || !valid_value(options.selector)) {
    return make_error(Errc::invalid_argument, "dkim: bad domain or selector");
  }
  if (options.identity && !valid_value(*options.identity)) {
    return make_error(Errc::invalid_argument, "dkim: bad identity");
  }
  CanonMessage m(message);
  if (m.header().find(mail::FieldId::from) == nullptr) {
    return make_error(Errc::invalid_argument, "dkim: the message has no From field");
  }
  std::vector<std::string> names = options.headers;
  if (names.empty()) {
    for (auto name : kDefaultSignedHeaders) {
      std::size_t n = m.header().count(name) + (iequals(name, "From") ? 1 : 0);
      for (std::size_t i = 0; i < n; ++i)
        names.push_back(to_lower(name));
    }
  }
  std::string body = canon_body(m.body(), options.body_canon);
  const std::int64_t t = options.timestamp.value_or(static_cast<std::int64_t>(std::time(nullptr)));

  std::vector<std::string> tags = {
      "v=1", fmt::format("a={}", to_string(key.algorithm())),
      fmt::format("c={}/{}", to_string(options.header_canon), to_string(options.body_canon)),
      "d=" + options.domain, "s=" + options.selector};
  if (options.identity) tags.push_back("i=" + *options.identity);
  tags.push_back(fmt::format("t={}", t));
  if (options.expire_after) tags.push_back(fmt::format("x={}", t + *options.expire_after));
  if (options.body_length) tags.push_back(fmt::format("l={}", body.size()));

  std::string data = header_data(m, names, options.header_canon, nullptr);
  return sign_field("DKIM-Signature", tags, names, encode_base64(sha256(body)), data,
                    options.header_canon, key);
}

Result<std::string> sign_field(std::string_view field_name, const std::vector<std::string>& tags,
                               const std::vector<std::string>& signed_names,
                               std::string_view body_hash_b64, std::string_view data, Canon canon,
                               const DkimPrivateKey& key) {
  std::string field = std::string(field_name) + ":";
  std::size_t line = field.size();
  auto add = [&](std::string_view piece, bool space) {
    if (line + piece.size() + 1 > 76) {
      field += "\r\n ";
      line = 1;
    } else if (space) {
      field += ' ';
      ++line;
    }
    field += piece;
    line += piece.size();
  };
  for (const auto& tag : tags)
    add(tag + ";", true);
  for (std::size_t i = 0; i < signed_names.size(); ++i) {
    std::string piece =
        (i == 0 ? "h=" : "") + signed_names[i] + (i + 1 == signed_names.size() ? ";" : ":");
    add(piece, i == 0);
  }
  if (!body_hash_b64.empty()) add("bh=" + std::string(body_hash_b64) + ";", true);
  add("b=", true);
  std::string signed_data(data);
  signed_data += without_crlf(canon_header(field, canon));
  auto signature = key.sign(signed_data);
  if (!signature) return std::unexpected(signature.error());
  std::string b64 = encode_base64(*signature);
  for (std::size_t i = 0; i < b64.size(); i += 72) {
    std::string_view chunk = std::string_view(b64).substr(i, 72);
    if (line + chunk.size() > 76) {
      field += "\r\n ";
      line = 1;
    }
    field += chunk;
    line += chunk.size();
  }
  field += "\r\n";
  return field;
}

KeyCheck check_key(const dns::Answer& answer, const DkimSignature& sig,
                   const DkimVerifyOptions& options, SignatureKind kind) {
  KeyCheck out;
  DkimVerdict base = describe(sig);
  if (kind != SignatureKind::dkim) base.identity.clear();
  const std::string name = sig.selector + "._domainkey." + sig.domain;
  switch (answer.status) {
    case dns::Status::ok:
      break;
    case dns::Status::temp_failure:
      out.failure = verdict(base, AuthResult::temperror,
                            fmt::format("key lookup {} failed: {}", name, answer.detail));
      return out;
    case dns::Status::bad_name:
      out.failure = verdict(base, AuthResult::permerror, "key name cannot be queried");
      return out;
    default:
      out.failure = verdict(base, AuthResult::permerror, "no key for signature");
      return out;
  }
  std::optional<Error> first_error;
  std::optional<DkimKeyRecord> record;
  for (const auto& txt : dns::txt_strings(answer)) {
    auto parsed = parse_dkim_key_record(txt);
    if (parsed) {
      record = std::move(*parsed);
      break;
    }
    if (!first_error) first_error = parsed.error();
  }
  if (!record) {
    out.failure =
        verdict(base, AuthResult::permerror, first_error ? first_error->message : "no key record");
    return out;
  }
  base.testing = record->testing;
  auto bad = [&](std::string reason) {
    out.failure = verdict(base, AuthResult::permerror, std::move(reason));
    return std::move(out);
  };
  if (record->public_key.empty()) return bad("key revoked");
  const bool want_ed25519 = sig.algorithm == DkimAlgorithm::ed25519_sha256;
  if ((want_ed25519 && record->key_type != "ed25519") ||
      (!want_ed25519 && record->key_type != "rsa")) {
    return bad(fmt::format("key type k={} does not match a={}", record->key_type,
                           to_string(sig.algorithm)));
  }
  const std::string hash = sig.algorithm == DkimAlgorithm::rsa_sha1 ? "sha1" : "sha256";
  if (!record->hashes.empty() &&
      std::find(record->hashes.begin(), record->hashes.end(), hash) == record->hashes.end()) {
    return bad("key record h= does not allow " + hash);
  }
  if (std::find(record->services.begin(), record->services.end(), "*") == record->services.end() &&
      std::find(record->services.begin(), record->services.end(), "email") ==
          record->services.end()) {
    return bad("key record is not for email (s=)");
  }
  if (kind == SignatureKind::dkim && record->strict_identity) {
    auto at = sig.identity.rfind('@');
    if (!iequals(std::string_view(sig.identity).substr(at + 1), sig.domain)) {
      return bad("key record t=s forbids a subdomain in i=");
    }
  }
  auto key = load_public_key(*record);
  if (!key) return bad(key.error().message);
  base.key_bits = key_bits(*key);
  if (record->key_type == "rsa" && base.key_bits < options.min_rsa_bits) {
    return bad(fmt::format("RSA key of {} bits is too short", base.key_bits));
  }
  out.key = std::move(*key);
  out.record = std::move(*record);
  return out;
}

DkimVerifier::DkimVerifier(std::string_view message, DkimVerifyOptions options)
    : message_(message), options_(options) {
  for (const auto& field : message_.header().fields()) {
    if (!iequals(field.name, "DKIM-Signature")) continue;
    if (signatures_.size() >= options_.max_signatures) break;
    signatures_.push_back(Entry{&field, parse_dkim_signature(field.raw_value)});
  }
}

std::string DkimVerifier::key_name(std::size_t i) const {
  const auto& parsed = signatures_.at(i).parsed;
  if (!parsed || parsed->algorithm == DkimAlgorithm::rsa_sha1) return "";
  return parsed->selector + "._domainkey." + parsed->domain;
}

DkimVerdict DkimVerifier::verify(std::size_t i, const dns::Answer& key_answer) const {
  const auto& entry = signatures_.at(i);
  if (!entry.parsed) {
    DkimVerdict v;
    // Best effort: report d= and s= even from a broken signature.
    if (auto tags = parse_tag_list(entry.field->raw_value)) {
      v.domain = std::string(find_tag(*tags, "d").value_or(""));
      v.selector = std::string(find_tag(*tags, "s").value_or(""));
      v.signature_b64 = remove_fws(find_tag(*tags, "b").value_or(""));
    }
    return verdict(std::move(v), AuthResult::permerror, entry.parsed.error().message);
  }
  const DkimSignature& sig = *entry.parsed;
  DkimVerdict base = describe(sig);
  if (sig.algorithm == DkimAlgorithm::rsa_sha1) {
    return verdict(base, AuthResult::permerror, "rsa-sha1 is not accepted (RFC 8301)");
  }
  const std::int64_t now = now_or(options_.now);
  if (sig.expiration && now > *sig.expiration) {
    return verdict(base, AuthResult::fail, "signature expired");
  }
  if (sig.timestamp && *sig.timestamp > now + options_.max_future_skew) {
    return verdict(base, AuthResult::permerror, "signature timestamp in the future");
  }
  std::string body = canon_body(message_.body(), sig.body_canon);
  if (sig.body_length) {
    if (*sig.body_length > body.size()) {
      return verdict(base, AuthResult::permerror, "l= is longer than the body");
    }
    base.unsigned_body_bytes = body.size() - *sig.body_length;
    body.resize(static_cast<std::size_t>(*sig.body_length));
  }
  auto key = check_key(key_answer, sig, options_);
  if (key.failure) return *key.failure;
  base.testing = key.record.testing;
  base.key_bits = key_bits(key.key);
  if (sha256(body) != sig.body_hash) {
    return verdict(base, AuthResult::fail, "body hash did not verify");
  }
  std::string data = signed_header_data(message_, sig, *entry.field);
  if (!verify_signature(key.key, sig.algorithm, data, sig.signature)) {
    return verdict(base, AuthResult::fail, "signature did not verify");
  }
  std::string reason = fmt::format("{}-bit key", base.key_bits);
  if (sig.body_length) reason += fmt::format("; only {} body bytes signed", *sig.body_length);
  if (base.testing) reason += "; key in test mode";
  return verdict(base, AuthResult::pass, std::move(reason));
}

net::awaitable<std::vector<DkimVerdict>> verify_dkim(dns::Resolver& resolver,
                                                     std::string_view message,
                                                     DkimVerifyOptions options) {
  DkimVerifier verifier(message, options);
  std::vector<DkimVerdict> out;
  for (std::size_t i = 0; i < verifier.size(); ++i) {
    dns::Answer answer;
    if (auto name = verifier.key_name(i); !name.empty()) {
      answer = co_await resolver.query(name, dns::RType::txt);
    }
    out.push_back(verifier.verify(i, answer));
  }
  co_return out;
}

}  // namespace facteur::mailauth
