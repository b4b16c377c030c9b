#include "server/queue_id.hpp"

#include <set>

#include <gtest/gtest.h>

namespace facteur::server {
namespace {

TEST(QueueId, UniqueAndSafeInReplies) {
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) {
    auto id = make_queue_id();
    ASSERT_EQ(id.size(), 16u);
    for (char c : id)
      ASSERT_TRUE((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')) << id;
    ASSERT_TRUE(seen.insert(id).second) << "duplicate " << id;
  }
}

}  // namespace
}  // namespace facteur::server
