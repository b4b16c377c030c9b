// COMPRESS=DEFLATE streams (RFC 4978): raw deflate both ways, sync-flushed output.
#include "server/imap_compress.hpp"

#include <string>
#include <zlib.h>

#include <gtest/gtest.h>

namespace facteur::server {
namespace {

// What a client does with our output: raw inflate.
std::string client_inflate(z_stream& z, std::string_view in) {
  std::string out(256 * 1024, 0);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_NE(inflate(&z, Z_SYNC_FLUSH), Z_STREAM_ERROR);
  out.resize(out.size() - z.avail_out);
  return out;
}

// RFC 4978 §4: each flush must be decodable on its own, before any later data arrives.
TEST(ImapCompress, EveryWriteIsDecodableAtOnce) {
  DeflateStream d;
  z_stream z{};
  ASSERT_EQ(inflateInit2(&z, -15), Z_OK);
  for (std::string line : {std::string("* OK [CAPABILITY IMAP4rev1] ready\r\n"),
                           std::string("a1 OK done\r\n"), std::string(100000, 'x') + "\r\n"}) {
    auto packed = d.compress(line);
    ASSERT_TRUE(packed);
    EXPECT_EQ(client_inflate(z, *packed), line);
  }
  inflateEnd(&z);
}

TEST(ImapCompress, InflateBoundsEachDrainAndKeepsTheRest) {
  // The client compresses a command that expands a lot.
  z_stream z{};
  ASSERT_EQ(deflateInit2(&z, 9, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string plain = "a1 NOOP\r\n" + std::string(200000, 'a');
  std::string packed(plain.size() + 1024, '\0');
  z.next_in = reinterpret_cast<Bytef*>(plain.data());
  z.avail_in = static_cast<uInt>(plain.size());
  z.next_out = reinterpret_cast<Bytef*>(packed.data());
  z.avail_out = static_cast<uInt>(packed.size());
  ASSERT_EQ(deflate(&z, Z_SYNC_FLUSH), Z_OK);
  packed.resize(packed.size() - z.avail_out);
  deflateEnd(&z);
  ASSERT_LT(packed.size(), 2000u);

  InflateStream in;
  // Fed in two pieces, drained 4 KB at a time.
  in.feed(std::string_view(packed).substr(0, packed.size() / 2));
  in.feed(std::string_view(packed).substr(packed.size() / 2));
  std::string out;
  for (;;) {
    auto n = in.drain(out, 4096);
    ASSERT_TRUE(n);
    ASSERT_LE(*n, 4096u);
    if (*n == 0) break;
  }
  EXPECT_EQ(out, plain);
}

TEST(ImapCompress, CorruptInputIsAnError) {
  InflateStream in;
  in.feed(std::string("\xff\xff\xff\xff garbage", 12));
  std::string out;
  auto n = in.drain(out, 4096);
  EXPECT_FALSE(n);
}

}  // namespace
}  // namespace facteur::server
