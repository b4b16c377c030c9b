// What the phishing checks need from HTML that the text extractor does not keep: each link with
// its visible text, forms and their inputs (password, card number, PIN fields). One linear pass
// over the tags; script, style and comments are skipped.
// Trust: sees internet input (HTML parts of any message); bounded by HtmlScanLimits.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace facteur::filter {

struct HtmlScanLimits {
  std::size_t max_anchors = 500;
  std::size_t max_anchor_text = 256;  // bytes of visible text kept per link
  std::size_t max_href = 2048;
};

struct Anchor {
  std::string href;  // as written, entities decoded
  std::string text;  // visible text, entities decoded, whitespace collapsed
};

struct HtmlScan {
  std::vector<Anchor> anchors;
  std::vector<std::string> form_actions;
  std::size_t forms = 0;
  std::size_t inputs = 0;           // text-like <input>, <select>, <textarea>
  std::size_t password_inputs = 0;  // type=password, or named like a password/PIN
  std::size_t card_inputs = 0;      // named like a card number, CVV, expiry, SSN
  std::size_t images = 0;
  std::size_t hidden_text_tricks = 0;  // display:none / font-size:0 / tiny or white text
  std::vector<std::string> tags;       // distinct element names seen (lower case, at most 64)
};

// Accumulates into `out` (a message may have several HTML parts).
void scan_html(std::string_view html, HtmlScan& out, const HtmlScanLimits& limits = {});

}  // namespace facteur::filter
