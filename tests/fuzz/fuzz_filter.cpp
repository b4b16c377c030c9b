// libFuzzer target: the whole filter pipeline (message view, tokenizer, every built-in check,
// decision, headers, JSON) on arbitrary message bytes must not crash, hang or go quadratic,
// and its output must stay well-formed; once as unauthenticated mail, once as mail whose From
// domain passed DMARC (the welcome lists and the vouched-sender cap read the From address).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "filter/filter.hpp"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

const facteur::filter::Filter& pipeline() {
  static const facteur::filter::Filter f = [] {
    facteur::filter::FilterConfig fc;
    fc.model_dir = "/nonexistent/facteur-fuzz";  // no model: the classifier abstains
    fc.local_domains = {"facteur.test"};
    std::vector<std::string> welcome = {"example.com", "friend@example.org"};
    fc.welcome.site = *facteur::filter::WelcomeList::parse(welcome);
    fc.welcome.accounts["user@facteur.test"] = *facteur::filter::WelcomeList::parse(welcome);
    return facteur::filter::Filter(fc);
  }();
  return f;
}

void check_verdict(const facteur::filter::Verdict& v) {
  using namespace facteur::filter;
  double sum = 0;
  for (const auto& r : v.reasons) {
    sum += r.points;
    for (char c : r.text)
      check(static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7F);
  }
  check(sum == v.score);
  for (const auto& h : verdict_headers(v, Thresholds{}))
    check(h.value.find('\n') == std::string::npos && h.value.size() < 1200);
  check(!verdict_json(v).empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace facteur::filter;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  ViewLimits limits;
  limits.mime.max_depth = 20;
  limits.mime.max_parts = 500;
  const MessageView view = MessageView::analyze(bytes, limits);
  auto tokens = tokenize(view);  // each once, in the order first met
  std::sort(tokens.begin(), tokens.end());
  check(std::adjacent_find(tokens.begin(), tokens.end()) == tokens.end());
  Context ctx;
  ctx.account = "user@facteur.test";
  for (bool authenticated : {false, true}) {
    if (authenticated) {
      AuthSignals a;
      a.dmarc = AuthOutcome::pass;
      a.dmarc_domain = view.from_domain;
      ctx.auth = a;
    }
    check_verdict(pipeline().scan(view, ctx));
  }
  return 0;
}
