// The readable text of a message for full-text indexing and the spam classifier: text/* parts
// transfer-decoded, converted to UTF-8 from their charset, HTML reduced to text with its link
// targets kept apart; one alternative of each multipart/alternative; attachment names listed.
// Bounded: the text stops at TextLimits::max_text and each part's input is capped.
// Trust: sees internet input (any message); linear in the message size.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "mail/mime.hpp"

namespace facteur::mail {

struct TextLimits {
  std::size_t max_text = 1024 * 1024;            // bytes of UTF-8 text returned
  std::size_t max_part_input = 8 * 1024 * 1024;  // encoded bytes read from one part
  std::size_t max_links = 1000;
  std::size_t max_attachments = 100;  // attachment names kept
};

struct ExtractedText {
  std::string text;                      // UTF-8; parts separated by an empty line
  std::vector<std::string> links;        // link targets of HTML parts (all alternatives)
  std::vector<std::string> attachments;  // names of non-text parts (decoded file names)
  bool has_html = false;                 // some text came from HTML
  bool truncated = false;                // max_text was reached
};

// From a parsed tree (the bytes must outlive the call).
ExtractedText extract_text(const MimeTree& tree, const TextLimits& limits = {});
// Parses and extracts in one call (for the spam filter and training).
ExtractedText extract_text(std::string_view message, const TextLimits& limits = {},
                           const MimeLimits& mime_limits = {});

// Bytes of a text part in `charset` as UTF-8: us-ascii or a missing/unknown charset is read
// as UTF-8 when valid, else as windows-1252 (what such mail almost always is).
std::string text_to_utf8(std::string_view bytes, std::string_view charset);

}  // namespace facteur::mail
