#include "server/open_files.hpp"

#include <sys/resource.h>

#include <gtest/gtest.h>

namespace facteur::server {
namespace {

TEST(OpenFiles, SoftLimitGoesUpToWhatIsWantedWithinTheHardLimit) {
  EXPECT_EQ(soft_open_files_limit(1024, 524288, 23000), 23000u);
  EXPECT_EQ(soft_open_files_limit(1024, 4096, 23000), 4096u);      // capped by the hard limit
  EXPECT_EQ(soft_open_files_limit(65536, 524288, 23000), 65536u);  // never lowered
  EXPECT_EQ(soft_open_files_limit(1024, RLIM_INFINITY, 23000), 23000u);
}

// Puts the process's limit back whatever the test's assertions do.
struct RestoreLimit {
  rlimit saved{};
  RestoreLimit() { ::getrlimit(RLIMIT_NOFILE, &saved); }
  ~RestoreLimit() { ::setrlimit(RLIMIT_NOFILE, &saved); }
};

TEST(OpenFiles, RaisesTheProcessSoftLimit) {
  RestoreLimit restore;
  rlimit saved = restore.saved;
  if (saved.rlim_max != RLIM_INFINITY && saved.rlim_max < 512) GTEST_SKIP() << "hard limit too low";
  rlimit low = saved;
  low.rlim_cur = 256;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
  auto raised = raise_open_files_limit(512);
  ASSERT_TRUE(raised) << raised.error().message;
  EXPECT_EQ(raised->before, 256u);
  EXPECT_EQ(raised->now, 512u);
  rlimit now{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &now), 0);
  EXPECT_EQ(now.rlim_cur, 512u);
}

}  // namespace
}  // namespace facteur::server
