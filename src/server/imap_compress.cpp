#include "server/imap_compress.hpp"

#include <zlib.h>

namespace facteur::server {

// Compression memory: windowBits 15 keeps the client's decoder happy with any zlib; memLevel 8
// is zlib's default. A compressing session costs ~270 KB (deflate) + ~44 KB (inflate).
struct DeflateStream::Impl {
  z_stream s{};
  bool ok = false;
  Impl() {
    ok = deflateInit2(&s, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) == Z_OK;
  }
  ~Impl() {
    if (ok) deflateEnd(&s);
  }
};

DeflateStream::DeflateStream() : z_(std::make_unique<Impl>()) {}
DeflateStream::~DeflateStream() = default;

Result<std::string> DeflateStream::compress(std::string_view in) {
  if (!z_->ok) return make_error(Errc::internal, "deflate unavailable");
  std::string out;
  auto& s = z_->s;
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  s.avail_in = static_cast<uInt>(in.size());
  for (;;) {
    std::size_t used = out.size();
    out.resize(used + in.size() / 2 + 64);
    s.next_out = reinterpret_cast<Bytef*>(out.data() + used);
    s.avail_out = static_cast<uInt>(out.size() - used);
    int rc = deflate(&s, Z_SYNC_FLUSH);
    if (rc != Z_OK && rc != Z_BUF_ERROR) return make_error(Errc::internal, "deflate failed");
    out.resize(out.size() - s.avail_out);
    if (s.avail_in == 0 && s.avail_out != 0) break;
  }
  return out;
}

struct InflateStream::Impl {
  z_stream s{};
  bool ok = false;
  bool broken = false;
  std::string pending;  // compressed input not yet consumed
  std::size_t consumed = 0;
  Impl() { ok = inflateInit2(&s, -15) == Z_OK; }
  ~Impl() {
    if (ok) inflateEnd(&s);
  }
};

InflateStream::InflateStream() : z_(std::make_unique<Impl>()) {}
InflateStream::~InflateStream() = default;

void InflateStream::feed(std::string_view in) {
  auto& z = *z_;
  if (z.consumed > 0) {
    z.pending.erase(0, z.consumed);
    z.consumed = 0;
  }
  z.pending.append(in);
}

bool InflateStream::has_pending() const {
  return z_->consumed < z_->pending.size();
}

Result<std::size_t> InflateStream::drain(std::string& out, std::size_t max_output) {
  auto& z = *z_;
  if (!z.ok || z.broken) return make_error(Errc::parse_error, "compressed stream is corrupt");
  if (z.consumed >= z.pending.size() || max_output == 0) return std::size_t{0};
  auto& s = z.s;
  s.next_in = reinterpret_cast<Bytef*>(z.pending.data() + z.consumed);
  s.avail_in = static_cast<uInt>(z.pending.size() - z.consumed);
  std::size_t used = out.size();
  out.resize(used + max_output);
  s.next_out = reinterpret_cast<Bytef*>(out.data() + used);
  s.avail_out = static_cast<uInt>(max_output);
  int rc = inflate(&s, Z_SYNC_FLUSH);
  std::size_t produced = max_output - s.avail_out;
  out.resize(used + produced);
  z.consumed = z.pending.size() - s.avail_in;
  if (rc == Z_STREAM_END) {
    // The client ended its stream: nothing may follow.
    z.broken = s.avail_in != 0;
  } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
    z.broken = true;
    return make_error(Errc::parse_error, "compressed stream is corrupt");
  }
  if (z.consumed == z.pending.size()) {
    z.pending.clear();
    z.consumed = 0;
  }
  return produced;
}

}  // namespace facteur::server
