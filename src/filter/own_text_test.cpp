#include "filter/own_text.hpp"

#include <gtest/gtest.h>

namespace facteur::filter {
namespace {

TEST(OwnText, NothingQuotedIsNothingToStrip) {
  EXPECT_EQ(own_text("Hello,\nsee you on Monday.\n"), std::nullopt);
}

TEST(OwnText, QuotedLinesAndForwardHeadersAreSomebodyElses) {
  EXPECT_EQ(own_text("Mine.\n> theirs\n  > theirs too, indented\nMine again.\n"),
            "Mine.\nMine again.\n");
  EXPECT_EQ(own_text("FYI\n-----Original Message-----\nFrom: x\nTheirs.\n"), "FYI\n");
  EXPECT_EQ(own_text("Look.\n\nFrom: Bob\nSent: Monday\nSubject: hi\nTheirs.\n"), "Look.\n");
  EXPECT_EQ(own_text("Non.\nLe 3 mars, Paul a écrit :\n> oui\n"), "Non.\n");
  EXPECT_EQ(own_text("Begin forwarded message:\nTheirs.\n"), "");
}

}  // namespace
}  // namespace facteur::filter
