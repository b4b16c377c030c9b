// COMPRESS=DEFLATE (RFC 4978): raw deflate (RFC 1951, no zlib header) both ways once the
// client's COMPRESS DEFLATE was accepted. Every flush of server output ends with a sync flush so
// the client can decode each response as soon as it arrives (§4).
//
// TRUST: inflates client input: the output of one call is bounded by the caller's chunking
// (inflate() appends at most max_output octets per call and keeps the rest for later), so a
// small compressed command cannot blow up memory.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace facteur::server {

class DeflateStream {
 public:
  DeflateStream();
  ~DeflateStream();
  DeflateStream(const DeflateStream&) = delete;
  DeflateStream& operator=(const DeflateStream&) = delete;

  // Compresses `in` and sync-flushes; the result can go to the socket as is.
  Result<std::string> compress(std::string_view in);

 private:
  struct Impl;
  std::unique_ptr<Impl> z_;
};

class InflateStream {
 public:
  InflateStream();
  ~InflateStream();
  InflateStream(const InflateStream&) = delete;
  InflateStream& operator=(const InflateStream&) = delete;

  // Feeds compressed bytes (kept until consumed).
  void feed(std::string_view in);
  // Appends up to max_output decompressed octets to `out`; 0 when it needs more input.
  // Errc::parse_error for a corrupt stream (the connection must be closed).
  Result<std::size_t> drain(std::string& out, std::size_t max_output);
  bool has_pending() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> z_;
};

}  // namespace facteur::server
