#include "filter/zip_listing.hpp"

#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "filter/zip_test_util.hpp"

namespace facteur::filter {
namespace {

using test::make_zip;
using test::put16;
using test::put32;

TEST(ZipListing, NamesFromTheCentralDirectory) {
  auto zip = make_zip({{"email-doc.scr", "MZ\x90\x00 not really"}, {"notes/readme.txt", "hi"}});
  auto z = list_zip(zip);
  EXPECT_TRUE(z.is_zip);
  EXPECT_FALSE(z.encrypted);
  EXPECT_EQ(z.names, (std::vector<std::string>{"email-doc.scr", "notes/readme.txt"}));
}

TEST(ZipListing, LocalHeadersWhenTheEndIsCutOff) {
  // An attachment cut short loses the directory at the archive's end (§4.3.6: local headers
  // come first, each followed by its data).
  auto zip = make_zip({{"a.pdf", "%PDF-1.4"}, {"b.exe", "MZ"}});
  auto cut = zip.substr(0, zip.find("PK\x01\x02"));
  auto z = list_zip(cut);
  EXPECT_TRUE(z.is_zip);
  EXPECT_EQ(z.names, (std::vector<std::string>{"a.pdf", "b.exe"}));
}

TEST(ZipListing, EncryptedFlag) {
  // §4.4.4 general purpose bit 0: the entry is encrypted; its name is still readable.
  auto z = list_zip(make_zip({{"invoice.pdf.exe", "xx"}}, true));
  EXPECT_TRUE(z.encrypted);
  EXPECT_EQ(z.names.size(), 1u);
}

TEST(ZipListing, NotAnArchiveOrBrokenOnes) {
  EXPECT_FALSE(list_zip("").is_zip);
  EXPECT_FALSE(list_zip("%PDF-1.7 just a document").is_zip);
  // An end record pointing outside the data, and a local header whose name runs off the end.
  std::string end_only = "garbage";
  put32(end_only, 0x06054b50);
  put16(end_only, 0);
  put16(end_only, 0);
  put16(end_only, 3);
  put16(end_only, 3);
  put32(end_only, 0xffffffff);
  put32(end_only, 0xfffffff0);
  put16(end_only, 0);
  auto z = list_zip(end_only);
  EXPECT_TRUE(z.is_zip);
  EXPECT_TRUE(z.names.empty());
  auto zip = make_zip({{"long-name.exe", "x"}});
  EXPECT_TRUE(list_zip(zip.substr(0, 35)).names.empty());
}

TEST(ZipListing, BoundedNamesAndLengths) {
  std::vector<std::pair<std::string, std::string>> files;
  for (int i = 0; i < 50; ++i)
    files.push_back({"f" + std::to_string(i) + ".txt", ""});
  files.push_back({std::string(400, 'a') + ".exe", ""});
  auto z = list_zip(make_zip(files), 10);
  EXPECT_EQ(z.names.size(), 10u);
  auto all = list_zip(make_zip(files));
  ASSERT_EQ(all.names.size(), 51u);
  EXPECT_EQ(all.names.back().size(), 255u);
  EXPECT_TRUE(all.names.back().ends_with(".exe"));  // the end of a long name is kept
}

TEST(ZipListing, SelfExtractorsAndCommentsThatLookLikeRecords) {
  // A program before the archive (a self-extractor): the directory's offset in the end
  // record counts from the archive's start, not the data's.
  auto zip = make_zip({{"invoice.scr", "MZ"}});
  auto z = list_zip("MZ-self-extractor-stub" + zip);
  EXPECT_EQ(z.names, (std::vector<std::string>{"invoice.scr"}));
  // An end record's signature inside the real one's comment (§4.3.16: the comment runs to
  // the end of the data).
  auto with_comment = make_zip({{"a.exe", "MZ"}});
  std::string fake = "PK\x05\x06";
  fake += std::string(18, '\0');
  with_comment.resize(with_comment.size() - 2);  // the comment length, rewritten below
  put16(with_comment, static_cast<unsigned>(fake.size()));
  with_comment += fake;
  EXPECT_EQ(list_zip(with_comment).names, (std::vector<std::string>{"a.exe"}));
}

TEST(ZipListing, LocalHeadersWithDataDescriptors) {
  // §4.3.9: with bit 3 the sizes follow the data; the next header is found by its signature.
  std::string z;
  for (const char* name : {"readme.txt", "run.exe"}) {
    put32(z, 0x04034b50);
    put16(z, 20);
    put16(z, 8);  // data descriptor follows
    put16(z, 8);
    put16(z, 0);
    put16(z, 0);
    put32(z, 0);
    put32(z, 0);
    put32(z, 0);
    put16(z, static_cast<unsigned>(std::string_view(name).size()));
    put16(z, 0);
    z += name;
    z += "compressed bytes";
    put32(z, 0x08074b50);
    put32(z, 0);
    put32(z, 16);
    put32(z, 16);
  }
  EXPECT_EQ(list_zip(z).names, (std::vector<std::string>{"readme.txt", "run.exe"}));
}

}  // namespace
}  // namespace facteur::filter
