#include "proto/imap/sequence_set.hpp"

#include <gtest/gtest.h>

namespace facteur::imap {
namespace {

TEST(SequenceSet, ParsesAndFormats) {
  // RFC 9051 §9 seq-number / sequence-set examples.
  struct Case {
    std::string_view text;
    std::vector<SeqRange> ranges;
  };
  const Case cases[] = {
      {"1", {{1, 1}}},
      {"2:4", {{2, 4}}},
      {"4:2", {{4, 2}}},
      {"2,4:7,9,12:*", {{2, 2}, {4, 7}, {9, 9}, {12, kStar}}},
      {"*:4,5:7", {{kStar, 4}, {5, 7}}},
      {"*", {{kStar, kStar}}},
      {"4294967295", {{4294967295u, 4294967295u}}},
  };
  for (const auto& c : cases) {
    auto s = parse_sequence_set(c.text);
    ASSERT_TRUE(s) << c.text;
    EXPECT_EQ(s->ranges, c.ranges) << c.text;
    EXPECT_EQ(to_string(*s), c.text);
  }
  auto saved = parse_sequence_set("$");
  ASSERT_TRUE(saved);
  EXPECT_TRUE(saved->saved);
  EXPECT_EQ(to_string(*saved), "$");
}

TEST(SequenceSet, RejectsMalformed) {
  for (std::string_view bad : {"", "0", "1:0", ",", "1,", ",1", "1::2", "a", "4294967296", "1:2:3",
                               "01", "$,1", "1 2", "-1", "99999999999"}) {
    EXPECT_FALSE(parse_sequence_set(bad)) << bad;
  }
  // Bounded element count.
  std::string many;
  for (int i = 0; i < 20; ++i)
    many += std::to_string(i + 1) + ",";
  many += "100";
  EXPECT_FALSE(parse_sequence_set(many, 10));
  EXPECT_TRUE(parse_sequence_set(many, 100));
}

TEST(SequenceSet, NormalizeMergesAndResolvesStar) {
  auto s = parse_sequence_set("9,4:2,*,5,1:1");
  ASSERT_TRUE(s);
  EXPECT_EQ(normalize(*s, 12), (std::vector<Interval>{{1, 5}, {9, 9}, {12, 12}}));
  EXPECT_EQ(format_intervals(normalize(*s, 12)), "1:5,9,12");
  // RFC 9051 §6.4.8: "5:*" with a highest UID of 3 means 3:5, i.e. contains 3.
  auto t = parse_sequence_set("5:*");
  EXPECT_EQ(normalize(*t, 3), (std::vector<Interval>{{3, 5}}));
  // Empty mailbox: ranges naming "*" vanish.
  EXPECT_TRUE(normalize(*t, 0).empty());
}

TEST(SequenceSet, ResolveSequenceNumbers) {
  auto s = parse_sequence_set("2:*");
  auto r = resolve_sequence_numbers(*s, 4);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, (std::vector<std::uint32_t>{2, 3, 4}));
  // Out of range and "*" on an empty mailbox are errors (RFC 9051 §6.4).
  EXPECT_FALSE(resolve_sequence_numbers(*parse_sequence_set("5"), 4));
  EXPECT_FALSE(resolve_sequence_numbers(*parse_sequence_set("1:*"), 0));
  EXPECT_FALSE(resolve_sequence_numbers(*parse_sequence_set("*"), 0));
  EXPECT_TRUE(resolve_sequence_numbers(*parse_sequence_set("*"), 1));
}

TEST(SequenceSet, ResolveUidsIgnoresMissing) {
  const std::vector<std::uint32_t> uids = {3, 7, 8, 20, 21};
  auto idx = [&](std::string_view t) { return resolve_uids(*parse_sequence_set(t), uids); };
  EXPECT_EQ(idx("1:*"), (std::vector<std::size_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(idx("4:8"), (std::vector<std::size_t>{1, 2}));
  EXPECT_EQ(idx("100:*"), (std::vector<std::size_t>{4}));  // *:100 includes the highest
  EXPECT_EQ(idx("*"), (std::vector<std::size_t>{4}));
  EXPECT_EQ(idx("9:19"), (std::vector<std::size_t>{}));
  EXPECT_EQ(idx("21,3"), (std::vector<std::size_t>{0, 4}));
  EXPECT_TRUE(resolve_uids(*parse_sequence_set("1:*"), {}).empty());
}

TEST(SequenceSet, FormatsNumberSetsInOrder) {
  // RFC 4315 COPYUID keeps the source order.
  const std::vector<std::uint32_t> a = {1, 2, 3, 7, 6, 10, 11};
  EXPECT_EQ(format_number_set(a), "1:3,7,6,10:11");
  EXPECT_EQ(format_number_set(std::vector<std::uint32_t>{}), "");
  const std::vector<std::uint32_t> top = {4294967294u, 4294967295u};
  EXPECT_EQ(format_number_set(top), "4294967294:4294967295");
  EXPECT_EQ(intervals_of({5, 1, 2, 2, 9}), (std::vector<Interval>{{1, 2}, {5, 5}, {9, 9}}));
  EXPECT_EQ(count(intervals_of({5, 1, 2, 2, 9})), 4u);
  const auto iv = intervals_of({5, 1, 2, 9});
  EXPECT_TRUE(contains(iv, 2));
  EXPECT_FALSE(contains(iv, 3));
  EXPECT_TRUE(contains(iv, 9));
  EXPECT_FALSE(contains(iv, 0));
}

}  // namespace
}  // namespace facteur::imap
