#include "server/rspamd_protocol.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace facteur::server {
namespace {

using Json = nlohmann::json;

// Printable ASCII and UTF-8 kept, control characters dropped, at most `max` bytes (never
// cutting a UTF-8 sequence in two).
std::string clean(std::string_view s, std::size_t max) {
  std::string out;
  out.reserve(std::min(s.size(), max));
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto u = static_cast<unsigned char>(s[i]);
    if (u < 0x20 || u == 0x7F) continue;
    if (out.size() >= max) {
      while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80)
        out.pop_back();
      if (!out.empty() && static_cast<unsigned char>(out.back()) >= 0xC0) out.pop_back();
      break;
    }
    out += s[i];
  }
  return out;
}

// Deepest nesting of arrays and objects, outside strings; stops counting past `limit`.
std::size_t nesting(std::string_view json, std::size_t limit) {
  std::size_t depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : json) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      deepest = std::max(deepest, ++depth);
      if (deepest > limit) return deepest;
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

std::optional<double> finite_number(const Json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_number()) return std::nullopt;
  double v = it->get<double>();
  if (!std::isfinite(v)) return std::nullopt;
  return v;
}

std::string score_text(double v) {
  return fmt::format("{:.1f}", v);
}

}  // namespace

std::vector<std::pair<std::string, std::string>> rspamd_request_fields(const RspamdEnvelope& env) {
  std::vector<std::pair<std::string, std::string>> out;
  auto put = [&out](const char* name, std::string_view value) {
    std::string v = clean(value, kRspamdMaxFieldValue);
    if (!v.empty()) out.emplace_back(name, std::move(v));
  };
  put("IP", env.ip);
  put("Helo", env.helo);
  put("From", env.mail_from);
  std::size_t listed = 0;
  for (const auto& r : env.rcpts) {
    if (listed++ == kRspamdMaxRcpts) break;
    put("Rcpt", r);
  }
  put("Queue-Id", env.queue_id);
  put("User", env.user);
  put("Hostname", env.hostname);
  put("MTA-Name", env.mta_name);
  put("Password", env.password);
  return out;
}

RspamdAction parse_rspamd_action(std::string_view text) noexcept {
  if (text == "no action") return RspamdAction::no_action;
  if (text == "greylist") return RspamdAction::greylist;
  if (text == "add header") return RspamdAction::add_header;
  if (text == "rewrite subject") return RspamdAction::rewrite_subject;
  if (text == "soft reject") return RspamdAction::soft_reject;
  if (text == "reject") return RspamdAction::reject;
  return RspamdAction::other;
}

Result<RspamdReply> parse_rspamd_reply(std::string_view json, const RspamdReplyLimits& limits) {
  if (json.size() > limits.max_bytes)
    return make_error(Errc::parse_error, "rspamd reply too large");
  if (nesting(json, limits.max_depth) > limits.max_depth)
    return make_error(Errc::parse_error, "rspamd reply nested too deeply");
  try {
    Json doc = Json::parse(json.begin(), json.end(), nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) return make_error(Errc::parse_error, "rspamd reply is not JSON");
    if (!doc.is_object()) return make_error(Errc::parse_error, "rspamd reply is not an object");
    RspamdReply out;
    auto score = finite_number(doc, "score");
    if (!score) return make_error(Errc::parse_error, "rspamd reply without a numeric score");
    out.score = *score;
    auto action = doc.find("action");
    if (action == doc.end() || !action->is_string())
      return make_error(Errc::parse_error, "rspamd reply without an action");
    const auto& action_text = action->get_ref<const std::string&>();
    out.action = parse_rspamd_action(action_text);
    out.action_name = clean(action_text, 32);
    if (doc.contains("required_score")) {
      auto required = finite_number(doc, "required_score");
      if (!required) return make_error(Errc::parse_error, "rspamd required_score not a number");
      out.required_score = *required;
    }
    auto symbols = doc.find("symbols");
    if (symbols != doc.end() && !symbols->is_null()) {
      if (!symbols->is_object())
        return make_error(Errc::parse_error, "rspamd symbols are not an object");
      for (const auto& [name, value] : symbols->items()) {
        RspamdSymbol s;
        s.name = clean(name, limits.max_name);
        if (s.name.empty()) continue;
        if (value.is_object()) {
          auto sc = value.find("score");
          if (sc != value.end() && !sc->is_null()) {
            auto v = finite_number(value, "score");
            if (!v) return make_error(Errc::parse_error, "rspamd symbol score not a number");
            s.score = *v;
          }
          auto d = value.find("description");
          if (d != value.end() && d->is_string())
            s.description = clean(d->get_ref<const std::string&>(), limits.max_description);
        }
        out.symbols.push_back(std::move(s));
      }
      auto by_score = [](const RspamdSymbol& a, const RspamdSymbol& b) {
        return a.score != b.score ? a.score > b.score : a.name < b.name;
      };
      if (out.symbols.size() > limits.max_symbols) {
        std::nth_element(out.symbols.begin(),
                         out.symbols.begin() + static_cast<std::ptrdiff_t>(limits.max_symbols),
                         out.symbols.end(), by_score);
        out.symbols.resize(limits.max_symbols);
      }
      std::sort(out.symbols.begin(), out.symbols.end(), by_score);
    }
    return out;
  } catch (const std::exception& e) {
    return make_error(Errc::parse_error, fmt::format("rspamd reply: {}", e.what()));
  }
}

std::string rspamd_summary(const RspamdResult& result) {
  auto ms = static_cast<double>(result.elapsed.count()) / 1000.0;
  switch (result.status) {
    case RspamdResult::Status::skipped:
      return "rspamd skipped: " + result.error;
    case RspamdResult::Status::failed:
      return fmt::format("rspamd failed after {:.1f} ms: {}", ms, result.error);
    case RspamdResult::Status::scanned:
      break;
  }
  const auto& r = result.reply;
  std::string symbols;
  for (std::size_t i = 0; i < r.symbols.size() && i < 8; ++i)
    symbols +=
        fmt::format("{}{} {}", i ? ", " : "", r.symbols[i].name, score_text(r.symbols[i].score));
  return fmt::format("rspamd score={} action={} in {:.1f} ms ({})", score_text(r.score),
                     r.action_name, ms, symbols);
}

RspamdEffect rspamd_effect(const RspamdResult& result, const RspamdSettings& settings) {
  RspamdEffect out;
  filter::Reason reason;
  reason.check = "rspamd";
  reason.label = filter::Label::spam;
  if (result.status == RspamdResult::Status::skipped) {
    reason.text = "not asked: " + result.error;
    out.reason = std::move(reason);
    return out;
  }
  if (result.status == RspamdResult::Status::failed) {
    if (settings.fail == "tempfail") {
      out.refuse = smtp::Reply{451, "4.7.1", "Content scanner unavailable, try again later"};
      return out;
    }
    reason.text = "rspamd unavailable: " + result.error;
    out.reason = std::move(reason);
    return out;
  }
  const RspamdReply& r = result.reply;
  // "score=7.3 required=15.0 action=add header: SYMBOL 3.0, OTHER 2.1" (the top symbols).
  std::string text = fmt::format("score={} required={} action={}", score_text(r.score),
                                 score_text(r.required_score), r.action_name);
  constexpr std::size_t kTopSymbols = 5;
  std::size_t shown = 0;
  for (const auto& s : r.symbols) {
    if (shown == kTopSymbols || s.score <= 0) break;
    text += shown++ == 0 ? ": " : ", ";
    text += fmt::format("{} {}", s.name, score_text(s.score));
  }
  // An action without scoring symbols was forced (GTUBE, a prefilter): name what forced it.
  if (shown == 0 && r.action != RspamdAction::no_action) {
    for (const auto& s : r.symbols) {
      if (shown == kTopSymbols || s.score < 0) break;
      text += shown++ == 0 ? ": " : ", ";
      text += fmt::format("{} {}", s.name, score_text(s.score));
    }
  }
  reason.text = std::move(text);
  if (settings.mode == "replace") {
    switch (r.action) {
      case RspamdAction::reject:
        out.refuse = smtp::Reply{
            550, "5.7.1",
            fmt::format("Message refused as spam (rspamd score {})", score_text(r.score))};
        break;
      case RspamdAction::soft_reject:
      case RspamdAction::greylist:
        out.refuse = smtp::Reply{451, "4.7.1", "Message deferred, try again later"};
        break;
      case RspamdAction::add_header:
      case RspamdAction::rewrite_subject:
        out.junk = true;
        break;
      case RspamdAction::no_action:
      case RspamdAction::other:
        break;
    }
  } else {
    // Add mode: rspamd's score joins ours, bounded so one scanner cannot swamp the sum; a
    // reject it forces below its own threshold (GTUBE, a prefilter) counts as that threshold.
    constexpr double kMinPoints = -10, kMaxPoints = 50, kDefaultRequired = 15;
    double points = std::clamp(r.score, kMinPoints, kMaxPoints);
    if (r.action == RspamdAction::reject)
      points = std::max(
          points, r.required_score > 0 ? std::min(r.required_score, kMaxPoints) : kDefaultRequired);
    reason.points = points;
  }
  out.reason = std::move(reason);
  return out;
}

void add_rspamd_reason(filter::Verdict& verdict, const RspamdEffect& effect) {
  if (!effect.reason) return;
  const auto& r = *effect.reason;
  verdict.add(r.check, r.points, r.label, r.text);
}

}  // namespace facteur::server
