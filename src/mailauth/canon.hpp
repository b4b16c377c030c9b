// DKIM canonicalisation (RFC 6376 §3.4): "simple" and "relaxed" for header fields and bodies,
// and the message view the signers and verifiers share.
// Trust: works on whole internet messages; linear time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "mail/header.hpp"

namespace facteur::mailauth {

enum class Canon : std::uint8_t { simple, relaxed };

// "simple" / "relaxed"; nullopt for anything else.
std::optional<Canon> parse_canon(std::string_view text);
std::string_view to_string(Canon canon) noexcept;

// A message with CRLF line ends (bare LFs are converted once, in a private copy) split into
// its header fields and body. The fields view into text().
class CanonMessage {
 public:
  explicit CanonMessage(std::string_view message);
  CanonMessage(const CanonMessage&) = delete;
  CanonMessage& operator=(const CanonMessage&) = delete;

  std::string_view text() const noexcept { return text_; }
  const mail::Header& header() const noexcept { return header_; }
  std::string_view body() const noexcept { return body_; }
  // The whole field as written: "Name:value" with its folding, without the final CRLF.
  std::string_view raw_field(const mail::HeaderField& field) const noexcept;

 private:
  std::string owned_;
  std::string_view text_;
  mail::Header header_;
  std::string_view body_;
};

// One header field canonicalised, with its final CRLF: `raw` is the whole field as written
// ("Name : value\r\n folded"), as raw_field() returns it.
std::string canon_header(std::string_view raw, Canon canon);

// The canonical body (§3.4.3, §3.4.4). Relaxed maps an empty body to "" and simple to "\r\n".
std::string canon_body(std::string_view body, Canon canon);

}  // namespace facteur::mailauth
