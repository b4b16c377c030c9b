// The benchmark messages: a realistic RFC 5322 header with a unique Message-ID per message and a
// plain-text body shared by all of them, so a run of N messages costs one body in memory.
// Messages of one run have the same size (the index is zero-padded), give or take differences in
// the length of the recipient addresses.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace facteur::bench {

struct MessageSpec {
  std::size_t size = 10 * 1024;  // bytes per message, header and body, CRLF line ends
  std::string from = "loadgen@client.bench.test";
  // fmt pattern taking the recipient number (1-based), e.g. "u{:02}@bench.test".
  std::string recipient_pattern = "u{:02}@bench.test";
  std::size_t recipients = 1;  // message i goes to recipient (i % recipients) + 1
  std::string run_id;          // makes Message-IDs unique across runs; random when empty
};

class MessageFactory {
 public:
  explicit MessageFactory(MessageSpec spec);

  const MessageSpec& spec() const { return spec_; }
  std::string recipient(std::size_t index) const;
  // The header block of message `index`, ending with the empty line (CRLF).
  std::string header(std::size_t index) const;
  // The body as sent in DATA: CRLF line ends, dot-stuffed, ending with CRLF (without ".\r\n").
  std::string_view body_wire() const { return body_wire_; }
  // The body as stored: CRLF line ends, not dot-stuffed.
  std::string_view body() const { return body_; }
  std::size_t size(std::size_t index) const { return header(index).size() + body_.size(); }

 private:
  MessageSpec spec_;
  std::string date_;
  std::string body_;
  std::string body_wire_;
};

}  // namespace facteur::bench
