#include "filter/mail_source.hpp"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace facteur::filter {
namespace {

namespace fs = std::filesystem;

TEST(MailSource, SplitsMbox) {
  std::string mbox =
      "From a@b Mon Jan  1 00:00:00 2024\nSubject: one\n\nbody\nFrom here on, no split.\n"
      ">From escaped\n\nFrom c@d Tue Jan  2 00:00:00 2024\nSubject: two\n\nbody\n";
  std::vector<std::string> got;
  split_mbox(mbox, [&](std::string_view m, std::size_t) {
    got.emplace_back(m);
    return true;
  });
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], "Subject: one\n\nbody\nFrom here on, no split.\nFrom escaped\n\n");
  EXPECT_EQ(got[1], "Subject: two\n\nbody\n");
}

TEST(MailSource, WalksMaildirsMboxesAndFiles) {
  fs::path root = fs::temp_directory_path() / "facteur-mail-source-test";
  fs::remove_all(root);
  fs::create_directories(root / "maildir" / "cur");
  fs::create_directories(root / "maildir" / "new");
  fs::create_directories(root / "maildir" / "tmp");
  std::ofstream(root / "maildir" / "cur" / "1:2,S") << "Subject: a\n\nx\n";
  std::ofstream(root / "maildir" / "new" / "2") << "Subject: b\n\nx\n";
  std::ofstream(root / "maildir" / "tmp" / "3") << "Subject: partial\n\nx\n";
  fs::create_directories(root / "emls");
  std::ofstream(root / "emls" / "a.eml") << "Subject: c\n\nx\n";
  std::ofstream(root / "emls" / ".hidden") << "Subject: no\n\nx\n";
  std::ofstream(root / "box.mbox") << "From x Mon Jan  1 00:00:00 2024\nSubject: d\n\nx\n\n"
                                      "From y Mon Jan  1 00:00:00 2024\nSubject: e\n\nx\n";
  std::vector<std::string> subjects;
  auto fn = [&](std::string_view m, const std::string&) {
    subjects.emplace_back(m.substr(9, 1));
    return true;
  };
  auto n = for_each_message(root / "maildir", fn);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 2u);
  EXPECT_EQ(*for_each_message(root / "emls", fn), 1u);
  EXPECT_EQ(*for_each_message(root / "box.mbox", fn), 2u);
  EXPECT_EQ(subjects, (std::vector<std::string>{"a", "b", "c", "d", "e"}));
  EXPECT_EQ(*for_each_message(root, [](std::string_view, const std::string&) { return true; }), 5u);
  EXPECT_FALSE(for_each_message(root / "missing", fn));
  fs::remove_all(root);
}

}  // namespace
}  // namespace facteur::filter
