#include "mail/mime.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace facteur::mail {
namespace {

std::string crlf(std::string_view lf_text) {
  std::string out;
  for (char c : lf_text) {
    if (c == '\n') out.push_back('\r');
    out.push_back(c);
  }
  return out;
}

// RFC 2046 §5.1.1, the example message (CRLF line ends as on the wire).
const std::string kRfc2046Example = crlf(
    "From: Nathaniel Borenstein <nsb@bellcore.com>\n"
    "To: Ned Freed <ned@innosoft.com>\n"
    "Date: Sun, 21 Mar 1993 23:56:48 -0800 (PST)\n"
    "Subject: Sample message\n"
    "MIME-Version: 1.0\n"
    "Content-type: multipart/mixed; boundary=\"simple boundary\"\n"
    "\n"
    "This is the preamble.  It is to be ignored, though it\n"
    "is a handy place for composition agents to include an\n"
    "explanatory note to non-MIME conformant readers.\n"
    "\n"
    "--simple boundary\n"
    "\n"
    "This is implicitly typed plain US-ASCII text.\n"
    "It does NOT end with a linebreak.\n"
    "--simple boundary\n"
    "Content-type: text/plain; charset=us-ascii\n"
    "\n"
    "This is explicitly typed plain US-ASCII text.\n"
    "It DOES end with a linebreak.\n"
    "\n"
    "--simple boundary--\n"
    "\n"
    "This is the epilogue.  It is also to be ignored.\n");

TEST(Mime, Rfc2046SimpleBoundaryExample) {
  MimeTree tree = parse_mime(kRfc2046Example);
  ASSERT_EQ(tree.size(), 3u);
  EXPECT_EQ(tree.root().info.kind, PartKind::multipart);
  EXPECT_TRUE(tree.root().content_type.is("multipart", "mixed"));
  // The CRLF before a boundary belongs to the boundary (§5.1.1).
  EXPECT_EQ(tree.body_bytes(1),
            "This is implicitly typed plain US-ASCII text.\r\nIt does NOT end with a linebreak.");
  EXPECT_EQ(tree.header_bytes(1), "\r\n");
  EXPECT_EQ(tree.body_bytes(2),
            "This is explicitly typed plain US-ASCII text.\r\nIt DOES end with a linebreak.\r\n");
  EXPECT_EQ(tree.header_bytes(2), "Content-type: text/plain; charset=us-ascii\r\n\r\n");
  EXPECT_EQ(tree.part(1).info.lines, 1u);
  EXPECT_EQ(tree.part(2).info.lines, 2u);
  // §5.2 default for the untyped part.
  EXPECT_FALSE(tree.part(1).explicit_type);
  EXPECT_TRUE(tree.part(1).content_type.is("text", "plain"));
  // The multipart's body runs to the end: preamble and epilogue are its own, not a child's.
  EXPECT_EQ(tree.root().info.body_end, kRfc2046Example.size());
  EXPECT_EQ(tree.root().info.parent, kNoPart);
  EXPECT_EQ(tree.part(2).info.parent, 0u);
  EXPECT_EQ(tree.root().info.first_child, 1u);
  EXPECT_EQ(tree.part(1).info.next_sibling, 2u);
}

// RFC 3501 §6.4.5: the nested example's numbering, on a message of the same shape.
const std::string kNested = crlf(
    "Subject: nested\n"
    "Content-Type: MULTIPART/MIXED; boundary=outer\n"
    "\n"
    "--outer\n"
    "Content-Type: TEXT/PLAIN\n"
    "\n"
    "part 1\n"
    "--outer\n"
    "Content-Type: APPLICATION/OCTET-STREAM\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "AAEC\n"
    "--outer\n"
    "Content-Type: MESSAGE/RFC822\n"
    "\n"
    "Subject: inner\n"
    "Content-Type: MULTIPART/MIXED; boundary=inner\n"
    "\n"
    "--inner\n"
    "Content-Type: TEXT/PLAIN\n"
    "\n"
    "part 3.1\n"
    "--inner\n"
    "Content-Type: APPLICATION/OCTET-STREAM\n"
    "\n"
    "part 3.2\n"
    "--inner--\n"
    "--outer\n"
    "Content-Type: IMAGE/GIF\n"
    "\n"
    "part 4\n"
    "--outer\n"
    "Content-Type: MULTIPART/MIXED; boundary=four\n"
    "\n"
    "--four\n"
    "Content-Type: IMAGE/GIF\n"
    "\n"
    "part 5.1\n"
    "--four\n"
    "Content-Type: MESSAGE/RFC822\n"
    "\n"
    "Subject: single\n"
    "\n"
    "part 5.2.1\n"
    "--four--\n"
    "--outer--\n");

TEST(Mime, Rfc3501SectionNumbers) {
  MimeTree tree = parse_mime(kNested);
  const PartMap map = tree.part_map();
  std::vector<std::string> numbers;
  for (std::uint32_t i = 0; i < map.parts().size(); ++i)
    numbers.push_back(map.number(i));
  // Pre-order: message, 1, 2, 3 (message/rfc822), its message (multipart: shares "3"), 3.1,
  // 3.2, 4, 5, 5.1, 5.2, its single-part message "5.2.1".
  EXPECT_EQ(numbers, (std::vector<std::string>{"", "1", "2", "3", "3", "3.1", "3.2", "4", "5",
                                               "5.1", "5.2", "5.2.1"}));
  auto body = [&](std::vector<std::uint32_t> path) {
    auto r = map.section(path, SectionText::body);
    return r ? kNested.substr(r->begin, r->size()) : std::string("<none>");
  };
  EXPECT_EQ(body({1}), "part 1");
  EXPECT_EQ(body({2}), "AAEC");
  EXPECT_EQ(body({3, 1}), "part 3.1");
  EXPECT_EQ(body({3, 2}), "part 3.2");
  EXPECT_EQ(body({4}), "part 4");
  EXPECT_EQ(body({5, 1}), "part 5.1");
  EXPECT_EQ(body({5, 2, 1}), "part 5.2.1");
  EXPECT_EQ(body({6}), "<none>");
  EXPECT_EQ(body({1, 1}), "<none>");
  EXPECT_EQ(body({3, 3}), "<none>");
  auto text = [&](std::vector<std::uint32_t> path, SectionText what) {
    auto r = map.section(path, what);
    return r ? kNested.substr(r->begin, r->size()) : std::string("<none>");
  };
  EXPECT_EQ(text({3}, SectionText::header),
            "Subject: inner\r\nContent-Type: MULTIPART/MIXED; boundary=inner\r\n\r\n");
  EXPECT_EQ(text({5, 2}, SectionText::text), "part 5.2.1");
  EXPECT_EQ(text({5, 2}, SectionText::header), "Subject: single\r\n\r\n");
  EXPECT_EQ(text({4}, SectionText::mime), "Content-Type: IMAGE/GIF\r\n\r\n");
  EXPECT_EQ(text({5, 2, 1}, SectionText::mime), "Subject: single\r\n\r\n");
  EXPECT_EQ(text({4}, SectionText::header), "<none>");
  EXPECT_EQ(text({}, SectionText::header).substr(0, 17), "Subject: nested\r\n");
  EXPECT_EQ(text({}, SectionText::mime), "<none>");
  EXPECT_EQ(body({}), kNested);
  // The body of a message/rfc822 part is the whole encapsulated message.
  EXPECT_TRUE(body({3}).starts_with("Subject: inner\r\n"));
  EXPECT_TRUE(body({3}).ends_with("--inner--"));
}

TEST(Mime, SinglePartMessageBodyIsPartOne) {
  const std::string msg = "Subject: x\r\n\r\nhello\r\n";
  const PartMap map = parse_mime(msg).part_map();
  EXPECT_EQ(map.number(0), "1");
  auto r = map.section(std::vector<std::uint32_t>{1}, SectionText::body);
  ASSERT_TRUE(r);
  EXPECT_EQ(msg.substr(r->begin, r->size()), "hello\r\n");
  EXPECT_FALSE(map.section(std::vector<std::uint32_t>{2}, SectionText::body));
  auto text = map.section({}, SectionText::text);
  ASSERT_TRUE(text);
  EXPECT_EQ(text->begin, 14u);
}

// RFC 2046 §5.1.5: in a digest, parts default to message/rfc822.
TEST(Mime, DigestDefaultsToMessage) {
  const std::string msg = crlf(
      "Content-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: one\n\nbody one\n"
      "--d\nContent-Type: text/plain\n\nnot a message\n--d--\n");
  MimeTree tree = parse_mime(msg);  // the tree points into msg
  ASSERT_EQ(tree.size(), 4u);
  EXPECT_TRUE(tree.part(1).content_type.is("message", "rfc822"));
  EXPECT_EQ(tree.part(1).info.kind, PartKind::message);
  EXPECT_EQ(tree.part(2).header.find(FieldId::subject)->value(), "one");
  EXPECT_EQ(tree.body_bytes(2), "body one");
  EXPECT_EQ(tree.part(3).info.kind, PartKind::leaf);
}

// RFC 2046 §5.1.2: an outer boundary ends inner parts whose close delimiter is missing.
TEST(Mime, OuterBoundaryClosesInnerParts) {
  const std::string msg = crlf(
      "Content-Type: multipart/mixed; boundary=out\n\n"
      "--out\nContent-Type: multipart/alternative; boundary=in\n\n"
      "--in\n\ninner one\n--in\n\ninner two\n--out\n\nlast\n--out--\n");
  MimeTree tree = parse_mime(msg);
  ASSERT_EQ(tree.size(), 5u);
  EXPECT_EQ(tree.body_bytes(3), "inner two");
  EXPECT_EQ(tree.part(4).info.parent, 0u);
  EXPECT_EQ(tree.body_bytes(4), "last");
  EXPECT_TRUE(tree.body_bytes(1).ends_with("inner two"));
}

TEST(Mime, MissingCloseDelimiterEndsAtEndOfMessage) {
  const std::string msg = "Content-Type: multipart/mixed; boundary=b\n\n--b\n\none\n--b\n\ntwo\n";
  MimeTree tree = parse_mime(msg);
  ASSERT_EQ(tree.size(), 3u);
  EXPECT_EQ(tree.body_bytes(2), "two\n");
  EXPECT_EQ(tree.part(2).info.body_end, msg.size());
}

// RFC 2046 §5.1.1: boundary lines may carry trailing whitespace (transport padding).
TEST(Mime, BoundaryWithTrailingWhitespaceAndBareLf) {
  MimeTree tree = parse_mime(
      "Content-Type: multipart/mixed; boundary=\"b c\"\n\n--b c \t\n\none\n--b c--  \nepilogue\n");
  ASSERT_EQ(tree.size(), 2u);
  EXPECT_EQ(tree.body_bytes(1), "one");
  EXPECT_EQ(tree.part(1).info.lines, 0u);
}

// Boundaries that prefix each other (forbidden by RFC 2046 §5.1.1, yet sent): an exact
// delimiter line wins over a prefix match, at any depth.
TEST(Mime, ExactBoundaryBeatsPrefix) {
  MimeTree tree = parse_mime(
      "Content-Type: multipart/mixed; boundary=\"ab\"\n\n--ab\n"
      "Content-Type: multipart/mixed; boundary=\"a\"\n\n--a\n\ninner\n"
      "--ab\n\nouter two\n--ab--\n");
  ASSERT_EQ(tree.size(), 4u);
  EXPECT_EQ(tree.part(2).info.parent, 1u);
  EXPECT_EQ(tree.body_bytes(2), "inner");
  EXPECT_EQ(tree.part(3).info.parent, 0u);
  EXPECT_EQ(tree.body_bytes(3), "outer two");
  // With junk after it, a boundary still matches by prefix (innermost first).
  MimeTree junk =
      parse_mime("Content-Type: multipart/mixed; boundary=b\n\n--b junk\n\none\n--b--x\n");
  ASSERT_EQ(junk.size(), 2u);
  EXPECT_EQ(junk.body_bytes(1), "one");
}

TEST(Mime, BoundaryInsidePartHeaderEndsIt) {
  MimeTree tree = parse_mime(
      "Content-Type: multipart/mixed; boundary=b\n\n"
      "--b\nContent-Type: text/html\n--b\n\nsecond\n--b--\n");
  ASSERT_EQ(tree.size(), 3u);
  EXPECT_TRUE(tree.part(1).content_type.is("text", "html"));
  EXPECT_EQ(tree.body_bytes(1), "");
  // The line break before the boundary is the boundary's, not the header's.
  EXPECT_EQ(tree.header_bytes(1), "Content-Type: text/html");
  EXPECT_EQ(tree.body_bytes(2), "second");
}

// A message/rfc822 part cut by a boundary has nothing to encapsulate, and no part may reach
// past its parent (found by fuzzing).
TEST(Mime, CutHeadersStayInsideTheirParent) {
  MimeTree tree = parse_mime(
      "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: message/rfc822\r\n\r\n"
      "not a header\r\n--b\r\nContent-Type: message/rfc822\r\n--b--\r\n");
  ASSERT_EQ(tree.size(), 4u);
  for (std::uint32_t i = 1; i < tree.size(); ++i) {
    const PartInfo& p = tree.part(i).info;
    const PartInfo& parent = tree.part(p.parent).info;
    EXPECT_LE(p.body_end, parent.body_end) << i;
    EXPECT_GE(p.header_begin, parent.body_begin) << i;
  }
  EXPECT_EQ(tree.header_bytes(2), "not a header");
  EXPECT_EQ(tree.part(3).info.kind, PartKind::leaf);
  // Two boundary lines in a row: the part between them is empty, inside its parent.
  MimeTree twice = parse_mime(
      "Content-Type: multipart/mixed; boundary=a\n\n--a\nContent-Type: multipart/digest; "
      "boundary=c\n\n--c\n\nSubject: x\n\nz\n--c\n--a--\n");
  ASSERT_EQ(twice.size(), 5u);
  const PartInfo& empty = twice.part(4).info;
  EXPECT_EQ(empty.header_begin, empty.body_end);
  EXPECT_LE(empty.body_end, twice.part(1).info.body_end);
}

// An empty part: the empty line before the boundary is the boundary's line break, so the
// part's MIME header is the field alone (Dovecot answers BODY[1.MIME] the same way).
TEST(Mime, EmptyPartHeaderExcludesTheBoundaryLineBreak) {
  MimeTree tree = parse_mime(
      "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n"
      "--b\r\nContent-Type: text/html\r\n--b--\r\n");
  ASSERT_EQ(tree.size(), 3u);
  EXPECT_EQ(tree.header_bytes(1), "Content-Type: text/plain\r\n");
  EXPECT_EQ(tree.body_bytes(1), "");
  EXPECT_EQ(tree.header_bytes(2), "Content-Type: text/html");
  EXPECT_EQ(tree.body_bytes(2), "");
}

TEST(Mime, MultipartWithoutBoundaryOrParts) {
  MimeTree none = parse_mime("Content-Type: multipart/mixed\n\nhello\n");
  ASSERT_EQ(none.size(), 1u);
  EXPECT_EQ(none.root().info.kind, PartKind::multipart);
  MimeTree empty = parse_mime("Content-Type: multipart/mixed; boundary=zz\n\nhello\n");
  ASSERT_EQ(empty.size(), 1u);
  EXPECT_EQ(empty.root().info.first_child, kNoPart);
}

TEST(Mime, InvalidContentTypeFallsBackToTextPlain) {
  MimeTree tree = parse_mime("Content-Type: inline\n\nx\n");
  EXPECT_FALSE(tree.root().explicit_type);
  EXPECT_TRUE(tree.root().content_type.is("text", "plain"));
}

// An encoded message/rfc822 is not parsed into (RFC 2046 §5.2.1 forbids the encoding).
TEST(Mime, EncodedMessageIsALeaf) {
  MimeTree tree = parse_mime(
      "Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\nRnJvbTogeA==\n");
  ASSERT_EQ(tree.size(), 1u);
  EXPECT_EQ(tree.root().info.kind, PartKind::leaf);
  EXPECT_EQ(tree.root().info.encoding, TransferEncoding::base64);
}

// RFC 6532 §3.5: message/global encapsulates like message/rfc822.
TEST(Mime, MessageGlobal) {
  MimeTree tree = parse_mime("Content-Type: message/global\n\nSubject: caf\xc3\xa9\n\nbody\n");
  ASSERT_EQ(tree.size(), 2u);
  EXPECT_EQ(tree.root().info.kind, PartKind::message);
  EXPECT_EQ(tree.body_bytes(1), "body\n");
}

TEST(Mime, LinesCountLineFeeds) {
  EXPECT_EQ(count_lines(""), 0u);
  EXPECT_EQ(count_lines("a\nb\r\nc"), 2u);
  std::string big;
  for (int i = 0; i < 5000; ++i)
    big += (i % 3) ? "xxxxxxx\n" : "\n\n";
  std::size_t expected = 0;
  for (char c : big)
    expected += c == '\n';
  EXPECT_EQ(count_lines(big), expected);
  EXPECT_EQ(count_lines(std::string_view(big).substr(3)),
            expected - (big[0] == '\n') - (big[1] == '\n') - (big[2] == '\n'));
}

TEST(PartMap, SerializeRoundTrip) {
  MimeTree tree = parse_mime(kNested);
  const PartMap map = tree.part_map();
  const std::string blob = map.serialize();
  EXPECT_LT(blob.size(), 400u);
  auto back = PartMap::deserialize(blob);
  ASSERT_TRUE(back) << back.error().message;
  ASSERT_EQ(back->parts().size(), map.parts().size());
  for (std::size_t i = 0; i < map.parts().size(); ++i) {
    const PartEntry& a = map.parts()[i];
    const PartEntry& b = back->parts()[i];
    EXPECT_EQ(a.info.header_begin, b.info.header_begin);
    EXPECT_EQ(a.info.body_begin, b.info.body_begin);
    EXPECT_EQ(a.info.body_end, b.info.body_end);
    EXPECT_EQ(a.info.lines, b.info.lines);
    EXPECT_EQ(a.info.parent, b.info.parent);
    EXPECT_EQ(a.info.first_child, b.info.first_child);
    EXPECT_EQ(a.info.next_sibling, b.info.next_sibling);
    EXPECT_EQ(a.info.depth, b.info.depth);
    EXPECT_EQ(a.info.kind, b.info.kind);
    EXPECT_EQ(a.info.encoding, b.info.encoding);
    EXPECT_EQ(a.type, b.type);
    EXPECT_EQ(a.subtype, b.subtype);
    EXPECT_EQ(back->number(static_cast<std::uint32_t>(i)),
              map.number(static_cast<std::uint32_t>(i)));
  }
  EXPECT_EQ(back->message_size(), kNested.size());
}

TEST(PartMap, DeserializeRejectsDamage) {
  const std::string blob = parse_mime(kNested).part_map().serialize();
  EXPECT_FALSE(PartMap::deserialize(""));
  EXPECT_FALSE(PartMap::deserialize("xx"));
  EXPECT_FALSE(PartMap::deserialize(blob.substr(0, blob.size() - 1)));
  EXPECT_FALSE(PartMap::deserialize(blob + "x"));
  // Every truncation and every single-byte change either fails or yields in-range offsets.
  for (std::size_t i = 0; i < blob.size(); ++i) {
    std::string damaged = blob;
    damaged[i] = static_cast<char>(damaged[i] ^ 0x5A);
    auto r = PartMap::deserialize(damaged);
    if (!r) continue;
    for (const auto& p : r->parts()) {
      EXPECT_LE(p.info.header_begin, p.info.body_begin);
      EXPECT_LE(p.info.body_begin, p.info.body_end);
      EXPECT_LE(p.info.body_end, r->message_size());
    }
  }
}

TEST(PartMap, SectionPaths) {
  EXPECT_EQ(parse_section_path("1.2.3"), (std::vector<std::uint32_t>{1, 2, 3}));
  EXPECT_EQ(parse_section_path("10"), (std::vector<std::uint32_t>{10}));
  EXPECT_FALSE(parse_section_path(""));
  EXPECT_FALSE(parse_section_path("0"));
  EXPECT_FALSE(parse_section_path("1..2"));
  EXPECT_FALSE(parse_section_path("1."));
  EXPECT_FALSE(parse_section_path("1.a"));
  EXPECT_FALSE(parse_section_path("99999999999"));
}

// ---- Hostile inputs: sizes at which a quadratic algorithm would not finish. ----

std::string nested_multiparts(int depth) {
  std::string msg;
  msg.reserve(static_cast<std::size_t>(depth) * 64);
  char boundary[32];
  for (int i = 0; i < depth; ++i) {
    std::snprintf(boundary, sizeof boundary, "=_%07d_=", i);
    msg += "Content-Type: multipart/mixed; boundary=\"";
    msg += boundary;
    msg += "\"\r\n\r\n--";
    msg += boundary;
    msg += "\r\n";
  }
  msg += "\r\ninnermost\r\n";
  return msg;
}

TEST(MimeHostile, HundredThousandNestedMultiparts) {
  const std::string msg = nested_multiparts(100'000);
  MimeTree tree = parse_mime(msg);
  const MimeLimits limits;
  EXPECT_TRUE(tree.truncated());
  EXPECT_EQ(tree.size(), limits.max_depth + 1);
  const MimePart& deepest = tree.parts().back();
  EXPECT_EQ(deepest.info.depth, limits.max_depth);
  EXPECT_EQ(deepest.info.kind, PartKind::leaf);
  EXPECT_TRUE(deepest.info.truncated);
  EXPECT_EQ(deepest.info.body_end, msg.size());
}

// A multipart beyond the depth limit reusing its parent's boundary: its "own" first
// delimiter is the parent's, and ends it (found by fuzzing).
TEST(MimeHostile, DepthLimitWithReusedBoundary) {
  MimeLimits limits;
  limits.max_depth = 1;
  MimeTree tree = parse_mime(
      "Content-Type: multipart/mixed; boundary=g\r\n\r\n--g\r\n"
      "Content-Type: multipart/mixed; boundary=g\r\n\r\n--g\r\n\r\nx\r\n--g--\r\n",
      limits);
  ASSERT_EQ(tree.size(), 3u);
  EXPECT_TRUE(tree.part(1).info.truncated);
  EXPECT_EQ(tree.body_bytes(1), "");
  EXPECT_EQ(tree.body_bytes(2), "x");
  for (std::uint32_t i = 1; i < tree.size(); ++i)
    EXPECT_LE(tree.part(i).info.body_end, tree.root().info.body_end);
}

TEST(MimeHostile, PartCountLimit) {
  std::string msg = "Content-Type: multipart/mixed; boundary=b\r\n\r\n";
  for (int i = 0; i < 30'000; ++i)
    msg += "--b\r\n\r\nx\r\n";
  msg += "--b--\r\n";
  MimeTree tree = parse_mime(msg);
  EXPECT_EQ(tree.size(), MimeLimits{}.max_parts);
  EXPECT_TRUE(tree.truncated());
  MimeLimits small;
  small.max_parts = 5;
  EXPECT_EQ(parse_mime(msg, small).size(), 5u);
}

TEST(MimeHostile, NestedMessagesStopAtDepthLimit) {
  std::string msg;
  for (int i = 0; i < 50'000; ++i)
    msg += "Content-Type: message/rfc822\r\n\r\n";
  msg += "\r\nend\r\n";
  MimeTree tree = parse_mime(msg);
  EXPECT_EQ(tree.size(), MimeLimits{}.max_depth + 1);
  EXPECT_TRUE(tree.parts().back().info.truncated);
  EXPECT_EQ(tree.root().info.body_end, msg.size());
}

TEST(MimeHostile, BoundaryThatNeverCloses) {
  std::string msg = "Content-Type: multipart/mixed; boundary=never\r\n\r\n--never\r\n\r\n";
  for (int i = 0; i < 200'000; ++i)
    msg += "--nevermind is not a prefix match? it is.\r\n--other\r\n";
  MimeTree tree = parse_mime(msg);
  // "--nevermind..." starts with the boundary: readers match by prefix (as Dovecot does), so
  // each such line opens a part; the part limit bounds the tree.
  EXPECT_EQ(tree.size(), MimeLimits{}.max_parts);
  std::string quiet = "Content-Type: multipart/mixed; boundary=never\r\n\r\n--never\r\n\r\n";
  for (int i = 0; i < 200'000; ++i)
    quiet += "--other boundary line\r\n";
  MimeTree t2 = parse_mime(quiet);
  ASSERT_EQ(t2.size(), 2u);
  EXPECT_EQ(t2.part(1).info.body_end, quiet.size());
  EXPECT_EQ(t2.part(1).info.lines, 200'000u);
}

TEST(MimeHostile, NulBytesAndNoLineEnds) {
  std::string msg("Content-Type: multipart/mixed; boundary=b\0\r\n\r\n--b\r\n\0\0\r\n--b--", 54);
  MimeTree tree = parse_mime(msg);
  EXPECT_GE(tree.size(), 1u);
  const std::string xs(1'000'000, 'x');
  MimeTree one = parse_mime(xs);
  EXPECT_EQ(one.size(), 1u);
  EXPECT_EQ(one.root().info.body_begin, 1'000'000u);
  MimeTree nothing = parse_mime("");
  EXPECT_EQ(nothing.size(), 1u);
}

}  // namespace
}  // namespace facteur::mail
