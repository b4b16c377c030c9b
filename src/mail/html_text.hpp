// HTML reduced to the text a reader sees, for full-text search and the spam filter: tags
// dropped (script, style and comments with their content), block elements turned into line
// breaks, whitespace collapsed, character references decoded (HTML5 named references in
// common use and numeric ones), link targets collected apart.
// Not a conforming HTML5 parser: one linear pass, no DOM, no recursion.
// Trust: sees internet input (HTML parts of any message); output bounded by the caller.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace facteur::mail {

struct HtmlText {
  std::string text;                // UTF-8 if the input was; paragraphs separated by '\n'
  std::vector<std::string> links;  // href of <a>/<area>, action of <form>, in order
  bool truncated = false;          // max_text was reached
};

struct HtmlLimits {
  std::size_t max_text = 1024 * 1024;  // bytes of text kept
  std::size_t max_links = 1000;
  std::size_t max_link_size = 4096;  // longer URLs are cut
};

HtmlText html_to_text(std::string_view html, const HtmlLimits& limits = {});

// Decodes character references ("&amp;", "&#233;", "&#xE9;", "&eacute;") in `s` into UTF-8.
// Unknown references stay as written; zero-width characters (ZWSP, ZWNJ, ZWJ, soft hyphen,
// BOM), used to break up words, are dropped.
std::string decode_html_entities(std::string_view s);

// The charset named by a <meta charset=...> or <meta http-equiv content="...charset=...">
// in the first bytes of the document, or "".
std::string html_meta_charset(std::string_view html);

}  // namespace facteur::mail
