#include "proto/imap/parser.hpp"

#include <functional>

#include <gtest/gtest.h>

namespace facteur::imap {
namespace {

ParseResult parse(std::string_view wire, bool utf8 = false) {
  ParserOptions o;
  o.utf8 = utf8;
  return parse_command(wire, o);
}

template <class T>
const T& as(const ParseResult& r) {
  static const T empty{};
  if (!r.command || !std::holds_alternative<T>(*r.command)) {
    ADD_FAILURE() << "not the expected command type: " << r.name << " / " << r.error;
    return empty;
  }
  return std::get<T>(*r.command);
}

// Every example command of RFC 3501 §6 and RFC 9051 §6 (and the extension RFCs) parses, with
// the right tag and name.
TEST(Parser, RfcExampleCommandsParse) {
  struct Case {
    std::string_view wire;
    std::string_view tag;
    std::string_view name;
  };
  const Case cases[] = {
      // RFC 9051 §6.1
      {"abcd CAPABILITY\r\n", "abcd", "CAPABILITY"},
      {"a002 NOOP\r\n", "a002", "NOOP"},
      {"A023 LOGOUT\r\n", "A023", "LOGOUT"},
      // §6.2
      {"a001 STARTTLS\r\n", "a001", "STARTTLS"},
      {"A001 AUTHENTICATE GSSAPI\r\n", "A001", "AUTHENTICATE"},
      {"A001 AUTHENTICATE PLAIN dGVzdAB0ZXN0AHRlc3Q=\r\n", "A001", "AUTHENTICATE"},
      {"a001 LOGIN SMITH SESAME\r\n", "a001", "LOGIN"},
      // §6.3
      {"t2 ENABLE IMAP4rev2\r\n", "t2", "ENABLE"},
      {"A142 SELECT INBOX\r\n", "A142", "SELECT"},
      {"A932 EXAMINE blurdybloop\r\n", "A932", "EXAMINE"},
      {"A003 CREATE owatagusiam/\r\n", "A003", "CREATE"},
      {"A004 CREATE owatagusiam/blurdybloop\r\n", "A004", "CREATE"},
      {"A682 DELETE blurdybloop\r\n", "A682", "DELETE"},
      {"A683 RENAME blurdybloop sarasoop\r\n", "A683", "RENAME"},
      {"A684 RENAME foo zowie\r\n", "A684", "RENAME"},
      {"A002 SUBSCRIBE #news.comp.mail.mime\r\n", "A002", "SUBSCRIBE"},
      {"A002 UNSUBSCRIBE #news.comp.mail.mime\r\n", "A002", "UNSUBSCRIBE"},
      {"A101 LIST \"\" \"\"\r\n", "A101", "LIST"},
      {"A102 LIST #news.comp.mail.misc \"\"\r\n", "A102", "LIST"},
      {"A103 LIST /usr/staff/jones \"\"\r\n", "A103", "LIST"},
      {"A202 LIST ~/Mail/ %\r\n", "A202", "LIST"},
      {"A02 LIST (SUBSCRIBED) \"\" \"*\"\r\n", "A02", "LIST"},
      {"A03 LIST () \"\" \"%\" RETURN (CHILDREN)\r\n", "A03", "LIST"},
      {"A04 LIST (REMOTE) \"\" \"%\" RETURN (CHILDREN)\r\n", "A04", "LIST"},
      {"C02 LIST (SUBSCRIBED RECURSIVEMATCH) \"\" \"%\" RETURN (CHILDREN)\r\n", "C02", "LIST"},
      {"D01 LIST \"\" (\"INBOX\" \"Drafts\" \"Sent/%\")\r\n", "D01", "LIST"},
      {"A01 LIST \"\" % RETURN (STATUS (MESSAGES UNSEEN))\r\n", "A01", "LIST"},
      {"t1 LIST (SPECIAL-USE) \"\" \"*\"\r\n", "t1", "LIST"},
      {"t1 LIST \"\" \"%\" RETURN (SPECIAL-USE)\r\n", "t1", "LIST"},
      {"A002 LSUB \"#news.\" \"comp.mail.*\"\r\n", "A002", "LSUB"},
      {"A001 NAMESPACE\r\n", "A001", "NAMESPACE"},
      {"A042 STATUS blurdybloop (UIDNEXT MESSAGES)\r\n", "A042", "STATUS"},
      {"A042 STATUS blurdybloop (MESSAGES SIZE DELETED HIGHESTMODSEQ APPENDLIMIT)\r\n", "A042",
       "STATUS"},
      {"A002 IDLE\r\n", "A002", "IDLE"},
      // §6.4
      {"FXXZ CHECK\r\n", "FXXZ", "CHECK"},
      {"A341 CLOSE\r\n", "A341", "CLOSE"},
      {"A342 UNSELECT\r\n", "A342", "UNSELECT"},
      {"A202 EXPUNGE\r\n", "A202", "EXPUNGE"},
      {"A003 UID EXPUNGE 3000:3002\r\n", "A003", "UID EXPUNGE"},
      {"A282 SEARCH RETURN (MIN COUNT) FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"\r\n", "A282",
       "SEARCH"},
      {"A283 SEARCH RETURN () FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"\r\n", "A283", "SEARCH"},
      {"A284 SEARCH TEXT \"string not in mailbox\"\r\n", "A284", "SEARCH"},
      {"A285 SEARCH CHARSET UTF-8 TEXT "
       "{12}\r\n\xD0\xB0\xD0\xB1\xD0\xB2\xD0\xB3\xD0\xB4\xD0\xB5\r\n",
       "A285", "SEARCH"},
      {"A286 SEARCH CHARSET US-ASCII TEXT \"xyz\"\r\n", "A286", "SEARCH"},
      {"A301 UID SEARCH RETURN (SAVE) FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"\r\n", "A301",
       "UID SEARCH"},
      {"A302 UID SEARCH UID $ SMALLER 4096\r\n", "A302", "UID SEARCH"},
      {"A654 FETCH 2:4 (FLAGS BODY[HEADER.FIELDS (DATE FROM)])\r\n", "A654", "FETCH"},
      {"A003 STORE 2:4 +FLAGS (\\Deleted)\r\n", "A003", "STORE"},
      {"A004 COPY 2:4 MEETING\r\n", "A004", "COPY"},
      {"a MOVE 1:3 Trash\r\n", "a", "MOVE"},
      {"A999 UID FETCH 4827313:4828442 FLAGS\r\n", "A999", "UID FETCH"},
      {"A005 UID STORE 4827313:4828442 +FLAGS.SILENT (\\Deleted)\r\n", "A005", "UID STORE"},
      {"A006 UID COPY 4827313:4828442 Trash\r\n", "A006", "UID COPY"},
      {"a UID MOVE 42:69 foo\r\n", "a", "UID MOVE"},
      // RFC 5256
      {"A283 SORT (SUBJECT) UTF-8 SINCE 1-Feb-1994\r\n", "A283", "SORT"},
      {"A284 SORT (SUBJECT) UTF-8 SUBJECT \"afternoon\"\r\n", "A284", "SORT"},
      {"A285 SORT (SUBJECT REVERSE DATE) UTF-8 ALL\r\n", "A285", "SORT"},
      {"A286 SORT (SUBJECT) US-ASCII TEXT \"not in mailbox\"\r\n", "A286", "SORT"},
      {"A283 THREAD ORDEREDSUBJECT UTF-8 SINCE 5-MAR-2000\r\n", "A283", "THREAD"},
      {"A284 THREAD ORDEREDSUBJECT US-ASCII TEXT \"gewp\"\r\n", "A284", "THREAD"},
      {"A285 UID THREAD REFERENCES UTF-8 SINCE 5-MAR-2000\r\n", "A285", "UID THREAD"},
      // RFC 7162
      {"a103 SELECT INBOX (CONDSTORE)\r\n", "a103", "SELECT"},
      {"s100 UID FETCH 1:* (FLAGS) (CHANGEDSINCE 12345)\r\n", "s100", "UID FETCH"},
      {"a103 SEARCH MODSEQ \"/flags/\\\\draft\" all 620162338\r\n", "a103", "SEARCH"},
      {"a SEARCH MODSEQ 12345\r\n", "a", "SEARCH"},
      {"d105 STORE 7,5,9 (UNCHANGEDSINCE 320162338) +FLAGS.SILENT (\\Deleted)\r\n", "d105",
       "STORE"},
      {"A02 SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541))\r\n", "A02",
       "SELECT"},
      {"B04 SELECT INBOX (QRESYNC (67890007 90060115194045000 1:29997 (5000,7500,9000,9990:9999 "
       "15000,22500,27000,29970,29973,29976,29979,29982,29985,29988,29991,29994,29997)))\r\n",
       "B04", "SELECT"},
      {"s100 UID FETCH 300:500 (FLAGS) (CHANGEDSINCE 12345 VANISHED)\r\n", "s100", "UID FETCH"},
      // RFC 3516
      {"t FETCH 1 (BINARY[1]<0.100> BINARY.SIZE[1] BINARY.PEEK[2])\r\n", "t", "FETCH"},
      // RFC 2971, 9208, 4978, 6154
      {"a023 ID (\"name\" \"sodr\" \"version\" \"19.34\" \"vendor\" \"Pink Floyd Music "
       "Limited\")\r\n",
       "a023", "ID"},
      {"a ID NIL\r\n", "a", "ID"},
      {"G0001 GETQUOTA \"!partition/sda4\"\r\n", "G0001", "GETQUOTA"},
      {"G0002 GETQUOTAROOT INBOX\r\n", "G0002", "GETQUOTAROOT"},
      {"S0000 SETQUOTA \"#user/alice\" (STORAGE 510)\r\n", "S0000", "SETQUOTA"},
      {"a COMPRESS DEFLATE\r\n", "a", "COMPRESS"},
      {"t1 CREATE \"Important Messages\" (USE (\\Important))\r\n", "t1", "CREATE"},
      // bare LF ends a line too (lenient)
      {"x NOOP\n", "x", "NOOP"},
  };
  for (const auto& c : cases) {
    auto r = parse(c.wire);
    EXPECT_EQ(r.kind, ParseResult::Kind::complete) << c.wire << " -> " << r.error;
    EXPECT_EQ(r.tag, c.tag) << c.wire;
    EXPECT_EQ(r.name, c.name) << c.wire;
    ASSERT_TRUE(r.command || r.kind != ParseResult::Kind::complete);
    if (r.command) {
      EXPECT_EQ(command_name(*r.command), c.name);
    }
  }
}

TEST(Parser, Login) {
  // RFC 9051 §4.3 quoted strings with escapes, and a literal.
  auto r = parse("a1 LOGIN \"fred \\\"foo\\\\\" {6}\r\nse cr\"\r\n");
  const auto& l = as<LoginCmd>(r);
  EXPECT_EQ(l.user, "fred \"foo\\");
  EXPECT_EQ(l.password, "se cr\"");
}

TEST(Parser, AuthenticateInitialResponse) {
  auto r = parse("A01 AUTHENTICATE plain AGJvYgBwYXNz\r\n");
  const auto& a = as<AuthenticateCmd>(r);
  EXPECT_EQ(a.mechanism, "PLAIN");
  ASSERT_TRUE(a.initial_response);
  EXPECT_EQ(*a.initial_response, std::string("\0bob\0pass", 9));
  auto e = parse("A01 AUTHENTICATE EXTERNAL =\r\n");
  EXPECT_EQ(as<AuthenticateCmd>(e).initial_response, std::string());
  EXPECT_EQ(parse("A01 AUTHENTICATE PLAIN a=b=\r\n").kind, ParseResult::Kind::error);
}

TEST(Parser, SelectQresync) {
  auto r = parse(
      "B04 SELECT INBOX (QRESYNC (67890007 90060115194045000 1:29997 (5000,7500 "
      "15000,22500)))\r\n");
  const auto& s = as<SelectCmd>(r);
  ASSERT_TRUE(s.qresync);
  EXPECT_EQ(s.qresync->uid_validity, 67890007u);
  EXPECT_EQ(s.qresync->modseq, 90060115194045000ull);
  ASSERT_TRUE(s.qresync->known_uids);
  EXPECT_EQ(to_string(*s.qresync->known_uids), "1:29997");
  EXPECT_EQ(to_string(*s.qresync->seq_match_seqs), "5000,7500");
  EXPECT_EQ(to_string(*s.qresync->seq_match_uids), "15000,22500");
  EXPECT_TRUE(as<SelectCmd>(parse("a SELECT inbox (CONDSTORE)\r\n")).condstore);
  EXPECT_EQ(as<SelectCmd>(parse("a SELECT inbox\r\n")).mailbox, "INBOX");
  EXPECT_TRUE(as<SelectCmd>(parse("a EXAMINE x\r\n")).read_only);
}

TEST(Parser, MailboxNamesAreDecoded) {
  auto r = parse("a SELECT \"~peter/mail/&U,BTFw-/&ZeVnLIqe-\"\r\n");
  EXPECT_EQ(as<SelectCmd>(r).mailbox,
            "~peter/mail/\xE5\x8F\xB0\xE5\x8C\x97/\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E");
  // In UTF-8 mode "&" is an ordinary character.
  auto u = parse("a SELECT \"Tom &- Jerry\"\r\n", true);
  EXPECT_EQ(as<SelectCmd>(u).mailbox, "Tom &- Jerry");
  auto bad = parse("a SELECT \"caf\xC3\xA9\"\r\n");
  EXPECT_EQ(bad.kind, ParseResult::Kind::error);
  EXPECT_TRUE(bad.no);
  EXPECT_EQ(bad.code, "NONEXISTENT");
  auto ok8 = parse("a SELECT \"caf\xC3\xA9\"\r\n", true);
  EXPECT_EQ(as<SelectCmd>(ok8).mailbox, "caf\xC3\xA9");
  // CREATE refuses unsafe names with NO [CANNOT].
  for (std::string_view w : {"a CREATE ..\r\n", "a CREATE \"a//b\"\r\n", "a CREATE \"foo*\"\r\n",
                             "a CREATE \"x/../y\"\r\n", "a RENAME x \"/abs\"\r\n"}) {
    auto c = parse(w);
    EXPECT_EQ(c.kind, ParseResult::Kind::error) << w;
    EXPECT_TRUE(c.no) << w;
    EXPECT_EQ(c.code, "CANNOT") << w;
  }
  auto cr = parse("t1 CREATE \"Important Messages\" (USE (\\Important \\Sent))\r\n");
  EXPECT_EQ(as<CreateCmd>(cr).special_use, (std::vector<std::string>{"\\Important", "\\Sent"}));
}

TEST(Parser, ListExtended) {
  auto r = parse(
      "C02 LIST (SUBSCRIBED RECURSIVEMATCH) \"\" \"%\" RETURN (CHILDREN STATUS (MESSAGES "
      "UNSEEN))\r\n");
  const auto& l = as<ListCmd>(r);
  EXPECT_TRUE(l.extended);
  EXPECT_TRUE(l.select_subscribed);
  EXPECT_TRUE(l.select_recursive_match);
  EXPECT_TRUE(l.return_children);
  ASSERT_TRUE(l.return_status);
  EXPECT_EQ(*l.return_status, (std::vector<StatusItem>{StatusItem::messages, StatusItem::unseen}));
  EXPECT_EQ(l.patterns, (std::vector<std::string>{"%"}));
  auto m = parse("D01 LIST \"\" (\"INBOX\" \"Drafts\" \"Sent/%\")\r\n");
  EXPECT_EQ(as<ListCmd>(m).patterns, (std::vector<std::string>{"INBOX", "Drafts", "Sent/%"}));
  auto d = parse("A101 LIST \"\" \"\"\r\n");
  EXPECT_TRUE(as<ListCmd>(d).delimiter_query);
  auto ref = parse("A202 LIST ~/Mail/ %\r\n");
  EXPECT_EQ(as<ListCmd>(ref).patterns, (std::vector<std::string>{"~/Mail/%"}));
  // RFC 5258 §3: RECURSIVEMATCH alone is BAD.
  EXPECT_EQ(parse("a LIST (RECURSIVEMATCH) \"\" %\r\n").kind, ParseResult::Kind::error);
  EXPECT_TRUE(as<ListCmd>(parse("a LSUB \"\" *\r\n")).lsub);
}

TEST(Parser, SearchKeys) {
  auto r = parse("A282 SEARCH RETURN (MIN COUNT) FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"\r\n");
  const auto& s = as<SearchCmd>(r);
  ASSERT_TRUE(s.returns);
  EXPECT_TRUE(s.returns->min);
  EXPECT_TRUE(s.returns->count);
  EXPECT_FALSE(s.returns->all);
  ASSERT_EQ(s.key.children.size(), 3u);
  EXPECT_EQ(s.key.children[0].kind, SearchKey::Kind::flagged);
  EXPECT_EQ(s.key.children[1].kind, SearchKey::Kind::since);
  EXPECT_EQ(s.key.children[1].date, std::chrono::sys_days(std::chrono::year(1994) / 2 / 1));
  EXPECT_EQ(s.key.children[2].kind, SearchKey::Kind::not_);
  EXPECT_EQ(s.key.children[2].children[0].kind, SearchKey::Kind::from);
  EXPECT_EQ(s.key.children[2].children[0].text, "Smith");
  // RETURN () is RETURN (ALL) (RFC 4731 §3.1).
  EXPECT_TRUE(as<SearchCmd>(parse("a SEARCH RETURN () ALL\r\n")).returns->all);

  auto all = parse(
      "a UID SEARCH OR (ANSWERED DELETED) (DRAFT FLAGGED) SEEN RECENT NEW OLD UNANSWERED UNDELETED "
      "UNDRAFT UNFLAGGED UNSEEN KEYWORD $Forwarded UNKEYWORD NonJunk BCC b BODY bo CC c FROM f "
      "SUBJECT s TEXT t TO to HEADER X-Spam yes BEFORE 1-Jan-2020 ON \"2-Jan-2020\" SINCE "
      "3-Jan-2020 "
      "SENTBEFORE 1-Jan-2021 SENTON 2-Jan-2021 SENTSINCE 3-Jan-2021 SAVEDBEFORE 1-Jan-2022 SAVEDON "
      "2-Jan-2022 SAVEDSINCE 3-Jan-2022 SAVEDATESUPPORTED LARGER 100 SMALLER 200 MODSEQ 5 OLDER 60 "
      "YOUNGER 30 UID 1:* 1,3:5 $ ALL\r\n");
  const auto& a = as<SearchCmd>(all);
  EXPECT_TRUE(a.uid);
  EXPECT_EQ(a.key.children.size(), 39u);
  EXPECT_EQ(a.key.children[0].kind, SearchKey::Kind::or_);
  EXPECT_EQ(a.key.children[0].children[1].children[1].kind, SearchKey::Kind::flagged);
  EXPECT_EQ(a.key.children.back().kind, SearchKey::Kind::all);

  auto cs = parse("a SEARCH CHARSET KOI8-R TEXT x\r\n");
  EXPECT_EQ(cs.kind, ParseResult::Kind::error);
  EXPECT_TRUE(cs.no);
  EXPECT_EQ(cs.code, "BADCHARSET (UTF-8 US-ASCII)");
  for (std::string_view bad :
       {"a SEARCH\r\n", "a SEARCH FOO\r\n", "a SEARCH (SEEN\r\n", "a SEARCH SEEN)\r\n",
        "a SEARCH BEFORE 31-Feb-2020x\r\n", "a SEARCH OR SEEN\r\n", "a SEARCH LARGER x\r\n",
        "a SEARCH RETURN (FOO) ALL\r\n"})
    EXPECT_EQ(parse(bad).kind, ParseResult::Kind::error) << bad;
}

TEST(Parser, SearchDepthIsBounded) {
  std::string deep = "a SEARCH ";
  for (int i = 0; i < 10000; ++i)
    deep += "NOT ";
  deep += "ALL\r\n";
  auto r = parse(deep);
  EXPECT_EQ(r.kind, ParseResult::Kind::error);
  std::string parens =
      "a SEARCH " + std::string(10000, '(') + "ALL" + std::string(10000, ')') + "\r\n";
  EXPECT_EQ(parse(parens).kind, ParseResult::Kind::error);
  std::string ok = "a SEARCH " + std::string(30, '(') + "ALL" + std::string(30, ')') + "\r\n";
  EXPECT_EQ(parse(ok).kind, ParseResult::Kind::complete);
}

TEST(Parser, FetchItems) {
  using K = FetchItem::Kind;
  auto r = parse("A654 FETCH 2:4 (FLAGS BODY[HEADER.FIELDS (DATE FROM)])\r\n");
  const auto& f = as<FetchCmd>(r);
  EXPECT_EQ(to_string(f.set), "2:4");
  ASSERT_EQ(f.items.size(), 2u);
  EXPECT_EQ(f.items[1].kind, K::body_section);
  EXPECT_EQ(f.items[1].section.text, Section::Text::header_fields);
  EXPECT_EQ(f.items[1].section.fields, (std::vector<std::string>{"DATE", "FROM"}));
  EXPECT_TRUE(f.sets_seen);

  auto p = parse(
      "a FETCH 1 (BODY.PEEK[1.2.MIME] BODY[3.HEADER.FIELDS.NOT (X-A)]<10.20> BODY[]<0.1024> "
      "BODY[TEXT] BODY[4.1] BINARY.PEEK[1]<5.6> BINARY.SIZE[2] BODY BODYSTRUCTURE ENVELOPE "
      "INTERNALDATE RFC822.SIZE RFC822.HEADER UID MODSEQ SAVEDATE)\r\n");
  const auto& q = as<FetchCmd>(p);
  ASSERT_EQ(q.items.size(), 16u);
  EXPECT_TRUE(q.items[0].peek);
  EXPECT_EQ(q.items[0].section.part, (std::vector<std::uint32_t>{1, 2}));
  EXPECT_EQ(q.items[0].section.text, Section::Text::mime);
  EXPECT_EQ(q.items[1].section.text, Section::Text::header_fields_not);
  EXPECT_EQ(q.items[1].partial, std::make_pair(std::uint64_t(10), std::uint64_t(20)));
  EXPECT_TRUE(q.items[2].section.part.empty());
  EXPECT_EQ(q.items[3].section.text, Section::Text::text);
  EXPECT_EQ(q.items[4].section.part, (std::vector<std::uint32_t>{4, 1}));
  EXPECT_EQ(q.items[5].kind, K::binary);
  EXPECT_EQ(q.items[6].kind, K::binary_size);
  EXPECT_EQ(q.items[7].kind, K::body);
  EXPECT_EQ(q.items[8].kind, K::body_structure);
  EXPECT_TRUE(q.sets_seen);  // BODY[]<0.1024>

  // Macros (RFC 9051 §6.4.5).
  EXPECT_EQ(as<FetchCmd>(parse("a FETCH 1:* ALL\r\n")).items.size(), 4u);
  EXPECT_EQ(as<FetchCmd>(parse("a FETCH 1:* fast\r\n")).items.size(), 3u);
  EXPECT_EQ(as<FetchCmd>(parse("a FETCH 1:* FULL\r\n")).items.size(), 5u);
  EXPECT_FALSE(as<FetchCmd>(parse("a FETCH 1 BODY.PEEK[]\r\n")).sets_seen);
  EXPECT_TRUE(as<FetchCmd>(parse("a FETCH 1 RFC822\r\n")).sets_seen);
  // UID FETCH adds UID; CHANGEDSINCE adds MODSEQ.
  auto u = parse("s100 UID FETCH 1:* (FLAGS) (CHANGEDSINCE 12345 VANISHED)\r\n");
  const auto& uf = as<FetchCmd>(u);
  EXPECT_EQ(uf.items.front().kind, K::uid);
  EXPECT_EQ(uf.items.back().kind, K::modseq);
  EXPECT_EQ(uf.changed_since, 12345u);
  EXPECT_TRUE(uf.vanished);
  for (std::string_view bad :
       {"a FETCH 1 (FLAGS\r\n", "a FETCH 1 BODY[1.MIME.X]\r\n", "a FETCH 1 BODY[MIME]\r\n",
        "a FETCH 1 BODY[0]\r\n", "a FETCH 1 BODY[1.]\r\n", "a FETCH 1 BINARY[1.]\r\n",
        "a FETCH 1 BODY[]<1.0>\r\n", "a FETCH 1 BINARY[HEADER]\r\n",
        "a FETCH 1 (FLAGS) (VANISHED)\r\n", "a FETCH 1 FOO\r\n", "a FETCH x FLAGS\r\n",
        "a UID FETCH 1 FLAGS (VANISHED)\r\n"})
    EXPECT_EQ(parse(bad).kind, ParseResult::Kind::error) << bad;
}

TEST(Parser, Store) {
  auto r = parse("d105 STORE 7,5,9 (UNCHANGEDSINCE 320162338) +FLAGS.SILENT (\\Deleted)\r\n");
  const auto& s = as<StoreCmd>(r);
  EXPECT_EQ(s.unchanged_since, 320162338u);
  EXPECT_EQ(s.mode, StoreMode::add);
  EXPECT_TRUE(s.silent);
  EXPECT_EQ(s.flags.system, kDeleted);
  auto k = parse("a STORE 1 -FLAGS \\Seen $Junk \\Flagged\r\n");
  const auto& ks = as<StoreCmd>(k);
  EXPECT_EQ(ks.mode, StoreMode::remove);
  EXPECT_EQ(ks.flags.system, kSeen | kFlagged);
  EXPECT_EQ(ks.flags.keywords, (std::vector<std::string>{"$Junk"}));
  EXPECT_EQ(as<StoreCmd>(parse("a STORE 1 FLAGS ()\r\n")).mode, StoreMode::replace);
  EXPECT_EQ(parse("a STORE 1 FLAGS (\\Recent)\r\n").kind, ParseResult::Kind::error);
  EXPECT_EQ(parse("a STORE 1 FLAGS (\\Bogus)\r\n").kind, ParseResult::Kind::error);
  EXPECT_EQ(parse("a STORE 1 XFLAGS (\\Seen)\r\n").kind, ParseResult::Kind::error);
}

TEST(Parser, SortAndThread) {
  auto r = parse("A285 SORT (SUBJECT REVERSE DATE) UTF-8 ALL\r\n");
  const auto& s = as<SortCmd>(r);
  EXPECT_EQ(s.criteria,
            (std::vector<SortCriterion>{{SortKey::subject, false}, {SortKey::date, true}}));
  EXPECT_EQ(s.charset, "UTF-8");
  auto t = parse("A285 UID THREAD REFERENCES UTF-8 SINCE 5-MAR-2000\r\n");
  EXPECT_EQ(as<ThreadCmd>(t).algorithm, ThreadAlgorithm::references);
  EXPECT_TRUE(as<ThreadCmd>(t).uid);
  EXPECT_EQ(parse("a THREAD FOO UTF-8 ALL\r\n").kind, ParseResult::Kind::error);
  EXPECT_EQ(parse("a SORT () UTF-8 ALL\r\n").kind, ParseResult::Kind::error);
}

TEST(Parser, IdQuotaEnable) {
  auto r = parse("a023 ID (\"name\" \"sodr\" \"os\" NIL)\r\n");
  const auto& id = as<IdCmd>(r);
  ASSERT_EQ(id.fields.size(), 2u);
  EXPECT_EQ(id.fields[0].second, "sodr");
  EXPECT_FALSE(id.fields[1].second);
  auto q = parse("S0000 SETQUOTA \"#user/alice\" (STORAGE 510 message 20)\r\n");
  EXPECT_EQ(as<SetQuotaCmd>(q).limits, (std::vector<std::pair<std::string, std::uint64_t>>{
                                           {"STORAGE", 510}, {"MESSAGE", 20}}));
  auto e = parse("t2 ENABLE imap4rev2 CONDSTORE X-FOO\r\n");
  EXPECT_EQ(as<EnableCmd>(e).capabilities,
            (std::vector<std::string>{"IMAP4REV2", "CONDSTORE", "X-FOO"}));
  auto st = parse("A042 STATUS blurdybloop (UIDNEXT MESSAGES UIDNEXT)\r\n");
  EXPECT_EQ(as<StatusCmd>(st).items,
            (std::vector<StatusItem>{StatusItem::uidnext, StatusItem::messages}));
}

TEST(Parser, Append) {
  // RFC 9051 §6.3.12 example: the prefix up to the message literal.
  auto r = parse("A003 APPEND saved-messages (\\Seen) {326}\r\n");
  EXPECT_EQ(r.kind, ParseResult::Kind::append_message);
  EXPECT_EQ(r.mailbox, "saved-messages");
  EXPECT_EQ(r.message.size, 326u);
  EXPECT_EQ(r.message.flags.system, kSeen);
  EXPECT_TRUE(r.message.synchronizing);
  auto d = parse("a APPEND INBOX \" 7-Feb-1994 21:52:25 -0800\" {10+}\r\n");
  ASSERT_EQ(d.kind, ParseResult::Kind::append_message);
  ASSERT_TRUE(d.message.date);
  EXPECT_FALSE(d.message.synchronizing);
  auto b = parse("a APPEND INBOX ~{5}\r\n");
  EXPECT_TRUE(b.message.binary);
  auto u = parse("a APPEND INBOX () UTF8 (~{5}\r\n");
  EXPECT_TRUE(u.message.utf8);
  EXPECT_TRUE(u.message.binary);
  // What follows a message (RFC 3502 MULTIAPPEND).
  ParserOptions o;
  EXPECT_EQ(parse_append_rest("\r\n", false, o).kind, ParseResult::Kind::append_done);
  EXPECT_EQ(parse_append_rest(")\r\n", true, o).kind, ParseResult::Kind::append_done);
  auto more = parse_append_rest(" (\\Seen $X) {20}\r\n", false, o);
  ASSERT_EQ(more.kind, ParseResult::Kind::append_message);
  EXPECT_EQ(more.message.size, 20u);
  EXPECT_EQ(more.message.flags.keywords, (std::vector<std::string>{"$X"}));
  EXPECT_EQ(parse_append_rest("x\r\n", false, o).kind, ParseResult::Kind::error);
  EXPECT_EQ(parse_append_rest("\r\n", true, o).kind, ParseResult::Kind::error);
  EXPECT_EQ(parse("a APPEND INBOX (\\Recent) {5}\r\n").kind, ParseResult::Kind::error);
  EXPECT_EQ(parse("a APPEND INBOX \"bad date\" {5}\r\n").kind, ParseResult::Kind::error);
}

TEST(Parser, PrefixAtLiteral) {
  // A prefix cut right after a literal announcement is acceptable (need_literal) when the
  // command so far is; otherwise an error before the client sends a byte of it.
  EXPECT_EQ(parse("a LOGIN {5}\r\n").kind, ParseResult::Kind::need_literal);
  EXPECT_EQ(parse("a LOGIN {4}\r\nfred {6}\r\n").kind, ParseResult::Kind::need_literal);
  EXPECT_EQ(parse("a SEARCH CHARSET UTF-8 SUBJECT {4+}\r\n").kind, ParseResult::Kind::need_literal);
  EXPECT_EQ(parse("a FOO {5}\r\n").kind, ParseResult::Kind::error);
  EXPECT_EQ(parse("a FETCH 1 (FLAGS {5}\r\n").kind, ParseResult::Kind::error);
  EXPECT_EQ(parse("a NOOP {5}\r\n").kind, ParseResult::Kind::error);
}

TEST(Parser, HostileInput) {
  for (std::string_view bad : {
           "\r\n",
           " a NOOP\r\n",
           "a  NOOP\r\n",
           "a NOOP \r\n",
           "+a NOOP\r\n",
           "a\r\n",
           "a LOGIN \"unterminated\r\n",
           "a LOGIN \"x\\y\" z\r\n",
           "a LOGIN {3}\r\nab",
           "a SELECT ((((((\r\n",
           "a STATUS x (MESSAGES\r\n",
           "a LIST \"\" (\"a\" \r\n",
           "a NOOP\rx\n",
       }) {
    auto r = parse(bad);
    EXPECT_EQ(r.kind, ParseResult::Kind::error) << bad;
  }
  EXPECT_EQ(parse(std::string("a LOGIN {3}\r\na\0b x\r\n", 20)).kind, ParseResult::Kind::error);
  EXPECT_EQ(tag_of("abc NOOP"), "abc");
  EXPECT_EQ(tag_of("a+b NOOP"), "");
  EXPECT_EQ(tag_of("abc"), "");
}

TEST(Parser, LiteralMarkers) {
  struct Case {
    std::string_view line;
    bool found;
    std::uint64_t size;
    bool sync;
    bool binary;
    bool overflow;
  };
  const Case cases[] = {
      {"a LOGIN {5}", true, 5, true, false, false},
      {"a APPEND x {5+}", true, 5, false, false, false},
      {"a APPEND x ~{7}", true, 7, true, true, false},
      {"a APPEND x {4294967296}", true, 4294967296ull, true, false, false},
      {"a APPEND x {99999999999999999999999}", true, UINT64_MAX, true, false, true},
      {"a LOGIN {}", false, 0, true, false, false},
      {"a LOGIN {x}", false, 0, true, false, false},
      {"a LOGIN 5}", false, 0, true, false, false},
      {"{5}", true, 5, true, false, false},
  };
  for (const auto& c : cases) {
    auto m = literal_at_end(c.line);
    ASSERT_EQ(m.has_value(), c.found) << c.line;
    if (!m) continue;
    EXPECT_EQ(m->size, c.size) << c.line;
    EXPECT_EQ(m->synchronizing, c.sync) << c.line;
    EXPECT_EQ(m->binary, c.binary) << c.line;
    EXPECT_EQ(m->overflow, c.overflow) << c.line;
  }
  EXPECT_TRUE(is_base64(""));
  EXPECT_TRUE(is_base64("AGJvYgBwYXNz"));
  EXPECT_TRUE(is_base64("YQ=="));
  EXPECT_FALSE(is_base64("YQ="));
  EXPECT_FALSE(is_base64("Y=Q="));
  EXPECT_FALSE(is_base64("YQ==YQ=="));
}

}  // namespace
}  // namespace facteur::imap
