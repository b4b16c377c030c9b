// libFuzzer target: the filter's small parsers on arbitrary bytes: text normalisation, URLs,
// link text, Punycode, confusables skeleton, edit distance, the HTML anchor/form scanner, the
// phrase matcher, the ZIP directory reader and the model file readers.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string_view>

#include "filter/bayes_model.hpp"
#include "filter/html_scan.hpp"
#include "filter/linear_classifier.hpp"
#include "filter/lookalike.hpp"
#include "filter/mail_source.hpp"
#include "filter/text_norm.hpp"
#include "filter/url.hpp"
#include "filter/zip_listing.hpp"
#include "mail/punycode.hpp"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace facteur::filter;
  const std::string_view s(reinterpret_cast<const char*>(data), size);

  auto norm = normalize_text(s);
  check(norm.words.size() == norm.hashes.size());
  for (auto w : norm.words)
    check(!w.empty() && w.data() >= norm.text.data() &&
          w.data() + w.size() <= norm.text.data() + norm.text.size());

  if (auto u = parse_url(s)) check(!u->host.empty());
  for (const auto& u : find_urls_in_text(s, 50))
    check(!u.empty());
  (void)host_in_text(s.substr(0, 300));
  (void)registrable_domain(s.substr(0, 255));

  // Punycode both ways: whatever decodes encodes again and reads back the same.
  if (auto label = facteur::mail::punycode_decode(s.substr(0, 100))) {
    auto again = facteur::mail::punycode_encode(*label);
    check(again.has_value());
    auto back = facteur::mail::punycode_decode(*again);
    check(back && *back == *label);
  }
  std::string host = decode_idna_host(s.substr(0, 255));
  std::string sk = skeleton(s.substr(0, 255));
  std::size_t half = s.size() / 2;
  std::size_t d =
      bounded_edit_distance(s.substr(0, std::min<std::size_t>(half, 64)), s.substr(half, 64), 2);
  check(d <= 3);

  HtmlScan html;
  scan_html(s, html);
  check(html.anchors.size() <= HtmlScanLimits{}.max_anchors);

  auto zip = list_zip(s, 50);
  check(zip.names.size() <= 50);
  for (const auto& name : zip.names)
    check(name.size() <= 255);

  std::size_t messages = 0;
  split_mbox(s, [&](std::string_view m, std::size_t) {
    check(m.size() <= s.size());
    return ++messages < 1000;
  });

  auto model = BayesModel::from_bytes(std::as_bytes(std::span(data, size)));
  if (model) {
    (void)model->lookup(0x1234);
    check(model->size() < (std::size_t{1} << 28));
  }
  auto linear = LinearClassifier::from_bytes(std::as_bytes(std::span(data, size)));
  if (linear) {
    const std::uint64_t tokens[] = {1, 2, 0x1234};
    check(std::isfinite(linear->margin(tokens)));
    (void)linear->kind(tokens);
  }
  return 0;
}
