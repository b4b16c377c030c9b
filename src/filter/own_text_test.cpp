#include "filter/own_text.hpp"

#include <gtest/gtest.h>

namespace facteur::filter {
namespace {

TEST(OwnText, NothingQuotedIsNothingToStrip) {
  EXPECT_EQ(own_text("Hello,\nsee you on Monday.\n"), std::nullopt);
}

TEST(OwnText, QuotedLinesAndForwardHeadersAreSomebodyElses) {
  EXPECT_EQ(own_text("Mine.\n> theirs\n  > theirs too, indented\nMine again.\n",
                     QuoteMarks::indented_too),
            "Mine.\nMine again.\n");
  // (An indented '>' may be the author's bullet: "  > Call us".)
  EXPECT_EQ(own_text("Mine.\n> theirs\n  > mine\n"), "Mine.\n  > mine\n");
  EXPECT_EQ(own_text("FYI\n-----Original Message-----\nFrom: x\nTheirs.\n"), "FYI\n");
  EXPECT_EQ(own_text("Look.\n\nFrom: Bob\nSent: Monday\nSubject: hi\nTheirs.\n"), "Look.\n\n");
  EXPECT_EQ(own_text("Non.\nLe 3 mars, Paul a écrit :\n> oui\n"), "Non.\n");
  EXPECT_EQ(own_text("Begin forwarded message:\nTheirs.\n"), "");
}

TEST(OwnText, HeadersCountAtTheStartOfALineOnly) {
  // Said in prose, a header's words head nothing.
  EXPECT_EQ(own_text("About the forwarded message from May: a hoax.\n"), std::nullopt);
  EXPECT_EQ(own_text("Mine.\n-------- MESSAGE TRANSFÉRÉ --------\nTheirs.\n"), "Mine.\n");
  // Every "From:" line is tried: a signature's "From: Paris" is no block.
  EXPECT_EQ(own_text("Hi.\nFrom: Paris with love\nMore.\n\nFrom: Bob\nSent: Monday\nTheirs.\n"),
            "Hi.\nFrom: Paris with love\nMore.\n\n");
}

TEST(OwnText, AReplyBelowTheQuoteIsTheAuthors) {
  // Bottom-posting: the attribution is followed by '>' lines, the reply comes after them.
  EXPECT_EQ(own_text("On Tue, 16 Oct 2001, Marge wrote:\n> forward this!\n\nIt is a hoax.\n"),
            "\nIt is a hoax.\n");
  EXPECT_EQ(own_text("Hi,\nLe 3 mars, Paul a écrit :\n\n> oui\nNon.\n"), "Hi,\n\nNon.\n");
  // Top-posting: the original follows the attribution unquoted.
  EXPECT_EQ(own_text("Reply.\nOn Tue, Bob wrote:\nOriginal.\n"), "Reply.\n");
}

}  // namespace
}  // namespace facteur::filter
