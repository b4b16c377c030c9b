#include "server/greylist.hpp"

#include <fstream>
#include <thread>
#include <unistd.h>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace facteur::server {
namespace {

using namespace std::chrono_literals;
namespace ip = boost::asio::ip;

const Greylist::Clock::time_point kT0 = Greylist::Clock::time_point{} + 1000h;

GreylistSettings settings() {
  GreylistSettings s;
  s.enabled = true;
  s.delay = 300s;
  s.retry_window = 4h;
  s.expiry = 36 * 24h;
  s.max_entries = 1000;
  return s;
}

TEST(Greylist, ClientNetworks) {
  // RFC 6647 §4.2: a sender's retries may come from another address of its pool.
  EXPECT_EQ(Greylist::client_network(ip::make_address("192.0.2.77")), "192.0.2.0/24");
  EXPECT_EQ(Greylist::client_network(ip::make_address("::ffff:192.0.2.77")), "192.0.2.0/24");
  EXPECT_EQ(Greylist::client_network(ip::make_address("2001:db8:0:7:1::5")), "2001:db8:0:7::/64");
}

TEST(Greylist, FirstSightRefusedRetryAfterTheDelayPasses) {
  Greylist g(settings());
  auto r = g.check("192.0.2.0/24", "a@b.example", "u@a.test", kT0);
  ASSERT_TRUE(r);
  // RFC 6647 §2.1: a temporary failure; 451 4.7.1 as is common practice.
  EXPECT_EQ(r->code, 451);
  EXPECT_EQ(r->enhanced, "4.7.1");
  r = g.check("192.0.2.0/24", "a@b.example", "u@a.test", kT0 + 299s);  // too early
  ASSERT_TRUE(r);
  EXPECT_NE(r->text.find("1 seconds"), std::string::npos) << r->text;
  EXPECT_FALSE(g.check("192.0.2.0/24", "A@B.example", "U@a.test", kT0 + 300s));
  // Passed: no more delay for this triplet, for as long as it is used within the expiry.
  EXPECT_FALSE(g.check("192.0.2.0/24", "a@b.example", "u@a.test", kT0 + 301s));
  EXPECT_FALSE(g.check("192.0.2.0/24", "a@b.example", "u@a.test", kT0 + 30 * 24h));
  EXPECT_FALSE(g.check("192.0.2.0/24", "a@b.example", "u@a.test", kT0 + 60 * 24h));
  EXPECT_TRUE(g.check("192.0.2.0/24", "a@b.example", "u@a.test", kT0 + 100 * 24h));  // expired
  // Each part of the triplet counts.
  EXPECT_TRUE(g.check("198.51.100.0/24", "a@b.example", "u@a.test", kT0 + 301s));
  EXPECT_TRUE(g.check("192.0.2.0/24", "c@b.example", "u@a.test", kT0 + 301s));
  EXPECT_TRUE(g.check("192.0.2.0/24", "a@b.example", "v@a.test", kT0 + 301s));
}

TEST(Greylist, RetryTooLateStartsOver) {
  Greylist g(settings());
  EXPECT_TRUE(g.check("n", "s", "r", kT0));
  EXPECT_TRUE(g.check("n", "s", "r", kT0 + 5h));  // past the retry window: a new first sight
  EXPECT_TRUE(g.check("n", "s", "r", kT0 + 5h + 10s));
  EXPECT_FALSE(g.check("n", "s", "r", kT0 + 5h + 300s));
}

TEST(Greylist, TheSeparatorCannotBeForged) {
  Greylist g(settings());
  EXPECT_TRUE(g.check("n", "a", "b", kT0));
  EXPECT_FALSE(g.check("n", "a", "b", kT0 + 300s));
  EXPECT_TRUE(g.check("n", "", std::string_view("a\0b", 3), kT0 + 300s));
  EXPECT_TRUE(g.check("na", "", "b", kT0 + 300s));
}

TEST(Greylist, BoundedMemory) {
  auto s = settings();
  s.max_entries = 50;
  Greylist g(s);
  for (int i = 0; i < 10000; ++i)
    g.check("n", "spray" + std::to_string(i) + "@x.example", "u@a.test", kT0);
  EXPECT_EQ(g.size(), 50u);
  // The most recent ones are still known.
  EXPECT_FALSE(g.check("n", "spray9999@x.example", "u@a.test", kT0 + 300s));
  EXPECT_TRUE(g.check("n", "spray0@x.example", "u@a.test", kT0 + 300s));
}

// A fresh directory per test for the state file.
class GreylistFile : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           fmt::format("facteur-greylist-{}-{}", ::getpid(), info->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  GreylistSettings persistent() const {
    auto s = settings();
    s.state_file = dir_ / "greylist.db";
    return s;
  }
  std::filesystem::path dir_;
};

TEST_F(GreylistFile, StateSurvivesAReopen) {
  auto s = persistent();
  {
    Greylist g(s, kT0);
    ASSERT_TRUE(g.persistent());
    EXPECT_TRUE(g.check("192.0.2.0/24", "a@b.example", "u@a.test", kT0));
    EXPECT_FALSE(g.check("192.0.2.0/24", "a@b.example", "u@a.test", kT0 + 300s));  // passed
    EXPECT_TRUE(g.check("192.0.2.0/24", "c@b.example", "u@a.test", kT0 + 300s));   // first sight
  }  // the destructor writes what is pending
  Greylist g(s, kT0 + 400s);
  EXPECT_TRUE(g.persistent());
  EXPECT_EQ(g.size(), 2u);
  // The passed triplet passes at once (no second greylisting after a restart, RFC 6647 §2.2),
  EXPECT_FALSE(g.check("192.0.2.0/24", "A@b.example", "u@a.test", kT0 + 400s));
  // and the pending one keeps its first sighting: 100 s of its 300 s are gone.
  auto r = g.check("192.0.2.0/24", "c@b.example", "u@a.test", kT0 + 400s);
  ASSERT_TRUE(r);
  EXPECT_NE(r->text.find("200 seconds"), std::string::npos) << r->text;
  EXPECT_FALSE(g.check("192.0.2.0/24", "c@b.example", "u@a.test", kT0 + 600s));
}

TEST_F(GreylistFile, WrittenInTheBackgroundWithoutAFlush) {
  auto s = persistent();
  s.flush_interval = 20ms;
  Greylist g(s, kT0);
  EXPECT_TRUE(g.check("n", "s", "r", kT0));
  EXPECT_FALSE(g.check("n", "s", "r", kT0 + 300s));
  // Another reader of the file (WAL) sees the change once the writer thread ran.
  bool seen = false;
  for (int i = 0; i < 200 && !seen; ++i) {
    std::this_thread::sleep_for(10ms);
    Greylist other(persistent(), kT0 + 301s);
    seen = !other.check("n", "s", "r", kT0 + 301s);
  }
  EXPECT_TRUE(seen);
}

TEST_F(GreylistFile, StaleEntriesExpireAndLeaveTheFile) {
  auto s = persistent();
  {
    Greylist g(s, kT0);
    EXPECT_TRUE(g.check("n", "old", "r", kT0));
    EXPECT_FALSE(g.check("n", "old", "r", kT0 + 300s));  // passed, last used at kT0+300s
    EXPECT_TRUE(g.check("n", "never-retried", "r", kT0));
  }
  {
    // 37 days later: the passed triplet is past `expiry`, the other past `retry_window`.
    Greylist g(s, kT0 + 37 * 24h);
    EXPECT_EQ(g.size(), 0u);
    EXPECT_TRUE(g.check("n", "fresh", "r", kT0 + 37 * 24h));  // moves `latest` on
    EXPECT_TRUE(g.flush());                                   // and purges the file
  }
  // Opened as if at the start again: the stale rows are gone from the file itself.
  Greylist g(s, kT0 + 300s);
  EXPECT_EQ(g.size(), 1u);
  EXPECT_TRUE(g.check("n", "old", "r", kT0 + 301s));
}

TEST_F(GreylistFile, ForgottenEntriesLeaveTheFile) {
  auto s = persistent();
  s.max_entries = 2;
  {
    Greylist g(s, kT0);
    g.check("n", "1", "r", kT0);
    g.check("n", "2", "r", kT0 + 1s);
    g.check("n", "3", "r", kT0 + 2s);  // "1" is forgotten
  }
  auto wider = persistent();
  wider.max_entries = 10;
  Greylist g(wider, kT0 + 3s);
  EXPECT_EQ(g.size(), 2u);
}

TEST_F(GreylistFile, CorruptFileFallsBackToMemory) {
  auto s = persistent();
  std::ofstream(s.state_file) << std::string(8192, 'x');
  Greylist g(s, kT0);
  EXPECT_FALSE(g.persistent());
  EXPECT_FALSE(g.flush());
  // Greylisting goes on in memory: never a refusal because of the file.
  EXPECT_TRUE(g.check("n", "s", "r", kT0));
  EXPECT_FALSE(g.check("n", "s", "r", kT0 + 300s));
}

TEST_F(GreylistFile, UnwritablePlaceFallsBackToMemory) {
  auto s = persistent();
  std::ofstream(dir_ / "file") << "not a directory";
  s.state_file = dir_ / "file" / "greylist.db";  // fails even for root
  Greylist g(s, kT0);
  EXPECT_FALSE(g.persistent());
  EXPECT_TRUE(g.check("n", "s", "r", kT0));
  EXPECT_FALSE(g.check("n", "s", "r", kT0 + 300s));
}

}  // namespace
}  // namespace facteur::server
