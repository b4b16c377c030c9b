#include "proto/imap/response.hpp"

#include <gtest/gtest.h>

#include "proto/imap/mailbox_view.hpp"

namespace facteur::imap {
namespace {

TEST(Response, TaggedAndStatusWithCodes) {
  std::string out;
  ResponseWriter w(out, false);
  // RFC 9051 §7.1 / RFC 3501 §7.1 examples, byte for byte.
  w.status("OK", code::unseen(17), "Message 17 is the first unseen message");
  w.status("OK", code::uidvalidity(3857529045u), "UIDs valid");
  w.tagged("A142", Outcome::ok, code::kReadWrite, "SELECT completed");
  w.status("OK", "ALERT", "System shutdown in 10 minutes");
  w.tagged("A003", Outcome::ok, code::appenduid(38505, std::vector<std::uint32_t>{3955}),
           "APPEND completed");  // RFC 4315 §3
  w.tagged("A004", Outcome::ok,
           code::copyuid(38505, std::vector<std::uint32_t>{304, 319, 320},
                         std::vector<std::uint32_t>{3956, 3957, 3958}),
           "Done");
  w.tagged("d105", Outcome::ok, code::modified(std::vector<std::uint32_t>{7, 9}),
           "Conditional STORE failed");  // RFC 7162 §3.1.3
  w.tagged("a", Outcome::no, code::kTryCreate, "");
  w.tagged("b", Outcome::bad, "", "line\r\nbreak");
  w.tagged("", Outcome::bad, "", "Invalid tag");
  EXPECT_EQ(out,
            "* OK [UNSEEN 17] Message 17 is the first unseen message\r\n"
            "* OK [UIDVALIDITY 3857529045] UIDs valid\r\n"
            "A142 OK [READ-WRITE] SELECT completed\r\n"
            "* OK [ALERT] System shutdown in 10 minutes\r\n"
            "A003 OK [APPENDUID 38505 3955] APPEND completed\r\n"
            "A004 OK [COPYUID 38505 304,319:320 3956:3958] Done\r\n"
            "d105 OK [MODIFIED 7,9] Conditional STORE failed\r\n"
            "a NO [TRYCREATE]\r\n"
            "b BAD linebreak\r\n"
            "* BAD Invalid tag\r\n");
}

TEST(Response, MailboxData) {
  std::string out;
  ResponseWriter w(out, false);
  w.capability("IMAP4rev2 STARTTLS AUTH=GSSAPI");
  w.flags(kAnswered | kFlagged | kDeleted | kSeen | kDraft, {});
  w.exists(172);
  w.recent(1);
  w.expunge(3);
  w.list("\\Noselect", "");
  w.list("\\HasNoChildren \\Sent", "Sent");
  w.list("", "~peter/mail/\xE5\x8F\xB0\xE5\x8C\x97", true);
  w.list("\\Subscribed", "Foo", false, "(\"CHILDINFO\" (\"SUBSCRIBED\"))");
  const StatusValue sv[] = {{StatusItem::messages, 231}, {StatusItem::uidnext, 44292}};
  w.status_data("blurdybloop", sv);
  const std::vector<std::string> enabled = {"IMAP4rev2", "CONDSTORE"};
  w.enabled(enabled);
  w.namespace_personal();
  const QuotaResource q[] = {{"STORAGE", 10, 512}};
  w.quota("", q);  // RFC 9208 §5.1
  const std::string_view roots[] = {""};
  w.quota_root("INBOX", roots);
  const std::pair<std::string_view, std::string_view> id[] = {{"name", "Cyrus"},
                                                              {"version", "1.5"}};
  w.id(id);
  w.id({});
  w.thread("(2)(3 6 (4 23)(44 7 96))");  // RFC 5256 §4
  w.thread("");
  const std::uint32_t sorted[] = {2, 84, 882};
  w.sort(sorted);
  EXPECT_EQ(out,
            "* CAPABILITY IMAP4rev2 STARTTLS AUTH=GSSAPI\r\n"
            "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
            "* 172 EXISTS\r\n"
            "* 1 RECENT\r\n"
            "* 3 EXPUNGE\r\n"
            "* LIST (\\Noselect) \"/\" \"\"\r\n"
            "* LIST (\\HasNoChildren \\Sent) \"/\" \"Sent\"\r\n"
            "* LSUB () \"/\" \"~peter/mail/&U,BTFw-\"\r\n"
            "* LIST (\\Subscribed) \"/\" \"Foo\" (\"CHILDINFO\" (\"SUBSCRIBED\"))\r\n"
            "* STATUS \"blurdybloop\" (MESSAGES 231 UIDNEXT 44292)\r\n"
            "* ENABLED IMAP4rev2 CONDSTORE\r\n"
            "* NAMESPACE ((\"\" \"/\")) NIL NIL\r\n"
            "* QUOTA \"\" (STORAGE 10 512)\r\n"
            "* QUOTAROOT \"INBOX\" \"\"\r\n"
            "* ID (\"name\" \"Cyrus\" \"version\" \"1.5\")\r\n"
            "* ID NIL\r\n"
            "* THREAD (2)(3 6 (4 23)(44 7 96))\r\n"
            "* THREAD\r\n"
            "* SORT 2 84 882\r\n");
}

TEST(Response, MailboxNamesFollowTheMode) {
  std::string rev1, rev2;
  ResponseWriter(rev1, false).list("", "caf\xC3\xA9 & co");
  ResponseWriter(rev2, true).list("", "caf\xC3\xA9 & co");
  EXPECT_EQ(rev1, "* LIST () \"/\" \"caf&AOk- &- co\"\r\n");
  EXPECT_EQ(rev2, "* LIST () \"/\" \"caf\xC3\xA9 & co\"\r\n");
}

TEST(Response, StringsQuotedOrLiteral) {
  auto s = [](std::string_view v, bool utf8) {
    std::string out;
    append_string(out, v, utf8);
    return out;
  };
  EXPECT_EQ(s("plain", false), "\"plain\"");
  EXPECT_EQ(s("a \"q\" \\", false), "\"a \\\"q\\\" \\\\\"");
  EXPECT_EQ(s("", false), "\"\"");
  EXPECT_EQ(s("two\r\nlines", false), "{10}\r\ntwo\r\nlines");
  EXPECT_EQ(s("caf\xC3\xA9", false), "{5}\r\ncaf\xC3\xA9");
  EXPECT_EQ(s("caf\xC3\xA9", true), "\"caf\xC3\xA9\"");
  EXPECT_EQ(s("bad\xFF", true), "{4}\r\nbad\xFF");
  EXPECT_EQ(s(std::string(1001, 'x'), false).substr(0, 8), "{1001}\r\n");
}

TEST(Response, Search) {
  std::string out;
  ResponseWriter w(out, false);
  const std::uint32_t r[] = {2, 3, 6};
  w.search(r);  // RFC 3501 §7.2.5
  w.search({});
  w.search(r, 917162500u);  // RFC 7162 §3.1.5
  SearchReturn ret;
  ret.min = ret.count = true;
  const std::uint32_t e[] = {2, 10, 11};
  w.esearch("A282", false, ret, e);  // RFC 4731 §3.1
  SearchReturn all;
  all.all = true;
  w.esearch("A283", false, all, e);
  w.esearch("A284", true, all, {});
  SearchReturn save;
  save.save = true;
  w.esearch("A285", false, save, e);  // SAVE alone: no ESEARCH (RFC 5182)
  SearchReturn mm;
  mm.min = mm.max = mm.count = true;
  w.esearch("A286", true, mm, {});
  EXPECT_EQ(out,
            "* SEARCH 2 3 6\r\n"
            "* SEARCH\r\n"
            "* SEARCH 2 3 6 (MODSEQ 917162500)\r\n"
            "* ESEARCH (TAG \"A282\") MIN 2 COUNT 3\r\n"
            "* ESEARCH (TAG \"A283\") ALL 2,10:11\r\n"
            "* ESEARCH (TAG \"A284\") UID\r\n"
            "* ESEARCH (TAG \"A286\") UID COUNT 0\r\n");
}

TEST(Response, VanishedAndPermanentFlags) {
  std::string out;
  ResponseWriter w(out, false);
  const std::uint32_t v[] = {41, 43, 44, 45, 116};
  w.vanished(v, true);  // RFC 7162 §3.2.10
  w.vanished(v, false);
  w.vanished({}, false);
  const std::vector<std::string> kw = {"$Forwarded"};
  w.status("OK", code::permanentflags(kDeleted | kSeen, kw, true), "Limited");
  w.status("OK", code::permanentflags(0, {}, true), "Any");
  w.status("OK", code::permanentflags(kSeen, {}, false), "Seen only");
  EXPECT_EQ(out,
            "* VANISHED (EARLIER) 41,43:45,116\r\n"
            "* VANISHED 41,43:45,116\r\n"
            "* OK [PERMANENTFLAGS (\\Deleted \\Seen $Forwarded \\*)] Limited\r\n"
            "* OK [PERMANENTFLAGS (\\*)] Any\r\n"
            "* OK [PERMANENTFLAGS (\\Seen)] Seen only\r\n");
}

TEST(Response, FetchAssembly) {
  std::string out;
  ResponseWriter w(out, false);
  // RFC 3501 §7.4.2 example shape.
  {
    auto f = w.fetch(12);
    f.flags(kSeen, {});
    f.internal_date(837596665, -420);  // 17-Jul-1996 02:44:25 -0700
    f.rfc822_size(4286);
    f.envelope("(NIL \"IMAP4rev1 WG mtg summary and minutes\" NIL NIL NIL NIL NIL NIL NIL NIL)");
    f.finish();
  }
  {
    auto f = w.fetch(23);
    f.uid(4827313);
    const std::vector<std::string> kw = {"$Forwarded"};
    f.flags(kSeen | kRecent, kw);
    f.modseq(12121231000ull);
    f.save_date(std::nullopt);
    f.finish();
  }
  {
    auto f = w.fetch(1);
    FetchItem head;
    head.kind = FetchItem::Kind::body_section;
    head.section.text = Section::Text::header_fields;
    head.section.fields = {"DATE", "FROM"};
    f.section(head, "From: a\r\n\r\n");
    FetchItem part;
    part.kind = FetchItem::Kind::body_section;
    part.section.part = {1, 2};
    part.section.text = Section::Text::mime;
    f.section(part, "");
    FetchItem whole;
    whole.kind = FetchItem::Kind::body_section;
    whole.peek = true;
    whole.partial = std::make_pair(std::uint64_t(0), std::uint64_t(3));
    f.section(whole, "Dat");
    FetchItem bin;
    bin.kind = FetchItem::Kind::binary;
    bin.section.part = {2};
    f.section(bin, std::string_view("a\0b", 3));
    FetchItem bs;
    bs.kind = FetchItem::Kind::binary_size;
    bs.section.part = {2};
    f.binary_size(bs, 3);
    FetchItem rfc;
    rfc.kind = FetchItem::Kind::rfc822_header;
    f.section_nil(rfc);
    f.finish();
  }
  static constexpr char kThird[] =
      "* 1 FETCH (BODY[HEADER.FIELDS (DATE FROM)] {11}\r\nFrom: a\r\n\r\n "
      "BODY[1.2.MIME] {0}\r\n BODY[]<0> {3}\r\nDat BINARY[2] ~{3}\r\na\0b BINARY.SIZE[2] 3 "
      "RFC822.HEADER NIL)\r\n";
  EXPECT_EQ(out,
            "* 12 FETCH (FLAGS (\\Seen) INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" RFC822.SIZE "
            "4286 ENVELOPE (NIL \"IMAP4rev1 WG mtg summary and minutes\" NIL NIL NIL NIL NIL NIL "
            "NIL NIL))\r\n"
            "* 23 FETCH (UID 4827313 FLAGS (\\Seen \\Recent $Forwarded) MODSEQ (12121231000) "
            "SAVEDATE NIL)\r\n" +
                std::string(kThird, sizeof kThird - 1));
}

TEST(Response, SelectResponses) {
  std::string out;
  ResponseWriter w(out, false);
  SelectInfo i;
  i.mailbox = "INBOX";
  i.exists = 172;
  i.recent = 1;
  i.first_unseen = 12;
  i.uid_validity = 3857529045u;
  i.uid_next = 4392;
  i.condstore = true;
  i.highest_modseq = 715194045007ull;
  write_select(w, i);
  EXPECT_EQ(out,
            "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
            "* 172 EXISTS\r\n"
            "* 1 RECENT\r\n"
            "* OK [UNSEEN 12] First unseen\r\n"
            "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags "
            "permitted\r\n"
            "* OK [UIDVALIDITY 3857529045] UIDs valid\r\n"
            "* OK [UIDNEXT 4392] Predicted next UID\r\n"
            "* OK [HIGHESTMODSEQ 715194045007] Highest\r\n");
  std::string rev2;
  ResponseWriter w2(rev2, true);
  i.rev1 = false;
  i.read_only = true;
  i.condstore = false;
  i.list_attributes = "\\HasNoChildren";
  write_select(w2, i);
  EXPECT_EQ(rev2,
            "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
            "* 172 EXISTS\r\n"
            "* OK [PERMANENTFLAGS ()] No permanent flags permitted\r\n"
            "* OK [UIDVALIDITY 3857529045] UIDs valid\r\n"
            "* OK [UIDNEXT 4392] Predicted next UID\r\n"
            "* LIST (\\HasNoChildren) \"/\" \"INBOX\"\r\n");
}

}  // namespace
}  // namespace facteur::imap
