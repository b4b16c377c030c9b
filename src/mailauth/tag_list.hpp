// Tag=value lists (RFC 6376 §3.2), the syntax of DKIM-Signature, DKIM key records, ARC header
// fields (RFC 8617 §4.1) and DMARC records (RFC 7489 §6.4).
// Trust: parses internet input (header fields, DNS TXT records); linear, bounded by TagListLimits.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace facteur::mailauth {

struct Tag {
  std::string_view name;
  std::string_view value;  // outer whitespace removed; inner folding kept
};

struct TagListLimits {
  std::size_t max_tags = 64;
};

// Errc::parse_error on a syntax error or a duplicated tag (§3.2: "MUST be interpreted as a
// permanent error"). Tag names are compared case-sensitively, as the RFC says.
Result<std::vector<Tag>> parse_tag_list(std::string_view text, const TagListLimits& limits = {});

std::optional<std::string_view> find_tag(const std::vector<Tag>& tags, std::string_view name);

// Removes FWS (spaces, tabs, CR, LF) from a value, e.g. a folded base64 b= or p= tag.
std::string remove_fws(std::string_view value);

}  // namespace facteur::mailauth
