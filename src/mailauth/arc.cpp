#include "mailauth/arc.hpp"

#include <ctime>

#include <fmt/format.h>

#include "base/strings.hpp"
#include "mailauth/tag_list.hpp"

namespace facteur::mailauth {
namespace {

constexpr std::uint32_t kMaxInstances = 50;  // RFC 8617 §4.2.1

// i= of an ARC-Authentication-Results value ("i=1; authserv-id; ...").
std::optional<std::uint32_t> aar_instance(std::string_view value) {
  auto semi = value.find(';');
  auto first = trim(mail::trim_wsp(value.substr(0, semi)));
  if (!first.starts_with("i=")) return std::nullopt;
  first.remove_prefix(2);
  first = trim(first);
  if (first.empty() || first.size() > 2) return std::nullopt;
  std::uint32_t v = 0;
  for (char c : first) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + std::uint32_t(c - '0');
  }
  return v;
}

std::string key_name_of(const DkimSignature& sig) {
  return sig.selector + "._domainkey." + sig.domain;
}

std::string without_crlf(std::string s) {
  if (s.ends_with("\r\n")) s.resize(s.size() - 2);
  return s;
}

}  // namespace

std::string_view to_string(ArcChain chain) noexcept {
  switch (chain) {
    case ArcChain::none:
      return "none";
    case ArcChain::pass:
      return "pass";
    case ArcChain::fail:
      return "fail";
  }
  return "?";
}

ArcVerifier::ArcVerifier(std::string_view message, DkimVerifyOptions options)
    : message_(message), options_(options) {
  auto slot = [&](std::uint32_t i) -> Set* {
    if (i < 1 || i > kMaxInstances) return nullptr;
    if (sets_.size() < i) sets_.resize(i);
    return &sets_[i - 1];
  };
  for (const auto& field : message_.header().fields()) {
    const bool aar = iequals(field.name, "ARC-Authentication-Results");
    const bool ams = iequals(field.name, "ARC-Message-Signature");
    const bool seal = iequals(field.name, "ARC-Seal");
    if (!aar && !ams && !seal) continue;
    if (!structure_error_.empty()) continue;
    std::optional<std::uint32_t> instance;
    if (aar) {
      instance = aar_instance(field.raw_value);
    } else {
      auto parsed = parse_dkim_signature(
          field.raw_value, ams ? SignatureKind::arc_message_signature : SignatureKind::arc_seal);
      if (!parsed) {
        structure_error_ = fmt::format("bad {}: {}", field.name, parsed.error().message);
        continue;
      }
      instance = parsed->instance;
      Set* set = slot(*instance);
      if (set == nullptr) {
        structure_error_ = "ARC instance out of range";
        continue;
      }
      auto& target = ams ? set->ams_sig : set->seal_sig;
      if (target) {
        structure_error_ = fmt::format("duplicate {} i={}", field.name, *instance);
        continue;
      }
      target = std::move(*parsed);
    }
    Set* set = instance ? slot(*instance) : nullptr;
    if (set == nullptr) {
      structure_error_ = fmt::format("bad instance in {}", field.name);
      continue;
    }
    const mail::HeaderField*& ref = aar ? set->aar : (ams ? set->ams : set->seal);
    if (ref != nullptr) {
      structure_error_ = fmt::format("duplicate {} i={}", field.name, *instance);
      continue;
    }
    ref = &field;
  }
  if (structure_error_.empty()) {
    for (std::size_t i = 0; i < sets_.size(); ++i) {
      if (!sets_[i].aar || !sets_[i].ams || !sets_[i].seal) {
        structure_error_ = fmt::format("ARC set i={} is incomplete", i + 1);
        break;
      }
    }
  }
}

std::vector<std::string> ArcVerifier::key_names() const {
  std::vector<std::string> out;
  if (!structure_error_.empty() || sets_.empty()) return out;
  auto add = [&](const std::optional<DkimSignature>& sig) {
    if (!sig) return;
    auto name = key_name_of(*sig);
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(std::move(name));
  };
  for (const auto& set : sets_) {
    add(set.ams_sig);
    add(set.seal_sig);
  }
  return out;
}

ArcOutcome ArcVerifier::verify(const std::map<std::string, dns::Answer>& keys) const {
  ArcOutcome out;
  if (sets_.empty() && structure_error_.empty()) {
    out.reason = "no ARC sets";
    return out;
  }
  if (!structure_error_.empty()) {
    out.chain = ArcChain::fail;
    out.reason = structure_error_;
    return out;
  }
  auto answer_for = [&](const DkimSignature& sig) {
    auto it = keys.find(key_name_of(sig));
    if (it != keys.end()) return it->second;
    dns::Answer missing;
    missing.status = dns::Status::temp_failure;
    missing.detail = "not fetched";
    return missing;
  };
  const std::uint32_t n = static_cast<std::uint32_t>(sets_.size());
  std::string body_cache[2];
  bool body_done[2] = {false, false};
  for (std::uint32_t i = 1; i <= n; ++i) {
    const Set& set = sets_[i - 1];
    ArcInstance inst;
    inst.instance = i;
    inst.ams_domain = set.ams_sig->domain;
    inst.ams_selector = set.ams_sig->selector;
    inst.seal_domain = set.seal_sig->domain;
    inst.seal_selector = set.seal_sig->selector;
    inst.chain_validation = set.seal_sig->chain_validation;

    // The ARC-Message-Signature, as a DKIM signature (§5.1.1).
    const DkimSignature& ams = *set.ams_sig;
    auto key = check_key(answer_for(ams), ams, options_, SignatureKind::arc_message_signature);
    if (key.failure) {
      inst.ams = key.failure->result;
      inst.reason = "AMS: " + key.failure->reason;
    } else {
      const int c = ams.body_canon == Canon::simple ? 0 : 1;
      if (!body_done[c]) {
        body_cache[c] = canon_body(message_.body(), ams.body_canon);
        body_done[c] = true;
      }
      std::string_view body = body_cache[c];
      if (ams.body_length && *ams.body_length <= body.size())
        body = body.substr(0, *ams.body_length);
      if (ams.algorithm == DkimAlgorithm::rsa_sha1) {
        inst.ams = AuthResult::permerror;
        inst.reason = "AMS: rsa-sha1 is not accepted";
      } else if (sha256(body) != ams.body_hash) {
        inst.ams = AuthResult::fail;
        inst.reason = "AMS: body hash did not verify";
      } else if (!verify_signature(key.key, ams.algorithm,
                                   signed_header_data(message_, ams, *set.ams), ams.signature)) {
        inst.ams = AuthResult::fail;
        inst.reason = "AMS: signature did not verify";
      } else {
        inst.ams = AuthResult::pass;
      }
    }

    // The ARC-Seal over sets 1..i (§5.1.1), relaxed header canonicalisation.
    const DkimSignature& seal = *set.seal_sig;
    auto seal_key = check_key(answer_for(seal), seal, options_, SignatureKind::arc_seal);
    if (seal_key.failure) {
      inst.seal = seal_key.failure->result;
      if (inst.reason.empty()) inst.reason = "AS: " + seal_key.failure->reason;
    } else {
      std::string data;
      for (std::uint32_t k = 1; k <= i; ++k) {
        const Set& s = sets_[k - 1];
        data += canon_header(message_.raw_field(*s.aar), Canon::relaxed);
        data += canon_header(message_.raw_field(*s.ams), Canon::relaxed);
        if (k < i) data += canon_header(message_.raw_field(*s.seal), Canon::relaxed);
      }
      data += without_crlf(
          canon_header(strip_signature_value(message_.raw_field(*set.seal)), Canon::relaxed));
      inst.seal = verify_signature(seal_key.key, seal.algorithm, data, seal.signature)
                      ? AuthResult::pass
                      : AuthResult::fail;
      if (inst.seal != AuthResult::pass && inst.reason.empty()) {
        inst.reason = "AS: signature did not verify";
      }
    }
    out.instances.push_back(std::move(inst));
  }
  // §5.2: the chain's status.
  for (std::uint32_t i = n; i >= 1; --i) {
    if (out.instances[i - 1].ams == AuthResult::pass) {
      out.oldest_pass = i;
    } else {
      break;
    }
  }
  const auto& latest = out.instances.back();
  if (latest.chain_validation == "fail") {
    out.chain = ArcChain::fail;
    out.reason = fmt::format("i={} recorded cv=fail", n);
    return out;
  }
  for (const auto& inst : out.instances) {
    const char* want = inst.instance == 1 ? "none" : "pass";
    if (inst.chain_validation != want) {
      out.chain = ArcChain::fail;
      out.reason =
          fmt::format("i={} has cv={}, expected {}", inst.instance, inst.chain_validation, want);
      return out;
    }
  }
  if (latest.ams != AuthResult::pass) {
    out.chain = ArcChain::fail;
    out.reason = fmt::format("i={} {}", n, latest.reason);
    return out;
  }
  for (const auto& inst : out.instances) {
    if (inst.seal != AuthResult::pass) {
      out.chain = ArcChain::fail;
      out.reason = fmt::format("i={} {}", inst.instance, inst.reason);
      return out;
    }
  }
  out.chain = ArcChain::pass;
  out.reason = fmt::format("{} instance(s) verified", n);
  return out;
}

net::awaitable<ArcOutcome> verify_arc(dns::Resolver& resolver, std::string_view message,
                                      DkimVerifyOptions options) {
  ArcVerifier verifier(message, options);
  std::map<std::string, dns::Answer> keys;
  for (const auto& name : verifier.key_names()) {
    keys[name] = co_await resolver.query(name, dns::RType::txt);
  }
  co_return verifier.verify(keys);
}

Result<std::string> arc_seal(std::string_view message, ArcChain chain, const DkimPrivateKey& key,
                             const ArcSealOptions& options) {
  CanonMessage m(message);
  // The new instance follows the highest existing one.
  std::uint32_t n = 0;
  std::vector<const mail::HeaderField*> aars(kMaxInstances + 1), amss(kMaxInstances + 1),
      seals(kMaxInstances + 1);
  for (const auto& field : m.header().fields()) {
    std::optional<std::uint32_t> i;
    if (iequals(field.name, "ARC-Authentication-Results")) {
      i = aar_instance(field.raw_value);
      if (i && *i <= kMaxInstances) aars[*i] = &field;
    } else if (iequals(field.name, "ARC-Message-Signature") || iequals(field.name, "ARC-Seal")) {
      const bool is_seal = iequals(field.name, "ARC-Seal");
      auto sig =
          parse_dkim_signature(field.raw_value, is_seal ? SignatureKind::arc_seal
                                                        : SignatureKind::arc_message_signature);
      if (sig) {
        i = sig->instance;
        (is_seal ? seals : amss)[*i] = &field;
      }
    }
    if (i && *i <= kMaxInstances) n = std::max(n, *i);
  }
  if (n >= kMaxInstances) return make_error(Errc::limit_exceeded, "ARC chain has 50 instances");
  if (n == 0) chain = ArcChain::none;
  const std::uint32_t i = n + 1;
  const std::int64_t t = options.timestamp.value_or(static_cast<std::int64_t>(std::time(nullptr)));
  const std::string algorithm(to_string(key.algorithm()));

  std::string aar =
      fmt::format("ARC-Authentication-Results: i={}; {};\r\n {}\r\n", i, options.authserv_id,
                  options.results.empty() ? "none" : options.results);
  // The AMS: a DKIM signature with i= (§4.1.2), relaxed/relaxed.
  std::vector<std::string> names = options.headers;
  if (names.empty()) {
    for (auto name : kDefaultSignedHeaders) {
      for (std::size_t k = 0; k < m.header().count(name); ++k)
        names.push_back(to_lower(name));
    }
    for (std::size_t k = 0; k < m.header().count("DKIM-Signature"); ++k) {
      names.push_back("dkim-signature");
    }
  }
  std::vector<std::string> ams_tags = {fmt::format("i={}", i),  "a=" + algorithm,
                                       "c=relaxed/relaxed",     "d=" + options.domain,
                                       "s=" + options.selector, fmt::format("t={}", t)};
  std::string body = canon_body(m.body(), Canon::relaxed);
  auto ams = sign_field("ARC-Message-Signature", ams_tags, names, encode_base64(sha256(body)),
                        header_data(m, names, Canon::relaxed, nullptr), Canon::relaxed, key);
  if (!ams) return std::unexpected(ams.error());

  // The seal covers every set in order, this one included (§5.1.1).
  std::string data;
  for (std::uint32_t k = 1; k <= n; ++k) {
    if (!aars[k] || !amss[k] || !seals[k]) {
      return make_error(Errc::invalid_argument, fmt::format("ARC set i={} is incomplete", k));
    }
    data += canon_header(m.raw_field(*aars[k]), Canon::relaxed);
    data += canon_header(m.raw_field(*amss[k]), Canon::relaxed);
    data += canon_header(m.raw_field(*seals[k]), Canon::relaxed);
  }
  data += canon_header(without_crlf(aar), Canon::relaxed);
  data += canon_header(without_crlf(*ams), Canon::relaxed);
  std::vector<std::string> seal_tags = {
      fmt::format("i={}", i), "a=" + algorithm,
      fmt::format("t={}", t), fmt::format("cv={}", to_string(chain)),
      "d=" + options.domain,  "s=" + options.selector};
  auto seal = sign_field("ARC-Seal", seal_tags, {}, "", data, Canon::relaxed, key);
  if (!seal) return std::unexpected(seal.error());
  return *seal + *ams + aar;
}

}  // namespace facteur::mailauth
