// Tests of the pure helpers: FETCH sections, SEARCH evaluation, SORT/THREAD, MailboxView.
#include <chrono>

#include <gtest/gtest.h>

#include "mail/message.hpp"
#include "proto/imap/fetch.hpp"
#include "proto/imap/list.hpp"
#include "proto/imap/mailbox_name.hpp"
#include "proto/imap/mailbox_view.hpp"
#include "proto/imap/parser.hpp"
#include "proto/imap/search.hpp"
#include "proto/imap/thread.hpp"

namespace facteur::imap {
namespace {

constexpr std::string_view kMultipart =
    "From: a@example.test\r\n"
    "Subject: parts\r\n"
    "Content-Type: multipart/mixed; boundary=\"b\"\r\n"
    "\r\n"
    "preamble\r\n"
    "--b\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "first part\r\n"
    "--b\r\n"
    "Content-Type: application/octet-stream\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "aGVsbG8AYnl0ZXM=\r\n"
    "--b--\r\n";

std::string_view cut(std::string_view msg, const mail::ByteRange& r) {
  return msg.substr(r.begin, r.end - r.begin);
}

Section section(std::vector<std::uint32_t> part, Section::Text text) {
  Section s;
  s.part = std::move(part);
  s.text = text;
  return s;
}

TEST(Fetch, SectionsMapOntoThePartMap) {
  const auto parsed = mail::parse_message(kMultipart);
  const auto& map = parsed.part_map;
  using T = Section::Text;
  auto r = section_range(section({1}, T::all), map);
  ASSERT_TRUE(r);
  EXPECT_EQ(cut(kMultipart, *r), "first part");
  r = section_range(section({2}, T::mime), map);
  ASSERT_TRUE(r);
  EXPECT_EQ(cut(kMultipart, *r),
            "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n");
  r = section_range(section({}, T::header), map);
  ASSERT_TRUE(r);
  EXPECT_EQ(cut(kMultipart, *r).substr(0, 22), "From: a@example.test\r\n");
  r = section_range(section({}, T::all), map);
  EXPECT_EQ(r->size(), kMultipart.size());
  EXPECT_FALSE(section_range(section({3}, T::all), map));
  EXPECT_FALSE(section_range(section({1}, T::header), map));  // not a message/rfc822 part
  // With a stored header prefix the top header starts at 0 and everything else shifts.
  const std::string prefix = "Return-Path: <a@example.test>\r\n";
  const std::string full = prefix + std::string(kMultipart);
  r = section_range(section({1}, T::all), map, prefix.size());
  EXPECT_EQ(cut(full, *r), "first part");
  r = section_range(section({}, T::header), map, prefix.size());
  EXPECT_EQ(cut(full, *r).substr(0, prefix.size()), prefix);
  EXPECT_EQ(cut(full, *r).substr(r->size() - 4), "\r\n\r\n");
  // BINARY decodes the transfer encoding (RFC 3516).
  const std::uint32_t two[] = {2};
  auto body = cut(kMultipart, *section_range(section({2}, T::all), map));
  auto bin = binary_content(body, map, two);
  ASSERT_TRUE(bin);
  EXPECT_EQ(*bin, std::string("hello\0bytes", 11));
}

TEST(Fetch, HeaderFieldsFilter) {
  const std::string header =
      "Date: Wed, 17 Jul 1996 02:23:25 -0700\r\n"
      "From: Terry Gray <gray@cac.washington.edu>\r\n"
      "Subject: IMAP4rev1 WG mtg\r\n"
      " summary and minutes\r\n"
      "To: imap@cac.washington.edu\r\n"
      "\r\n";
  const std::vector<std::string> names = {"date", "SUBJECT"};
  EXPECT_EQ(filter_header_fields(header, names, false),
            "Date: Wed, 17 Jul 1996 02:23:25 -0700\r\nSubject: IMAP4rev1 WG mtg\r\n summary and "
            "minutes\r\n\r\n");
  EXPECT_EQ(filter_header_fields(header, names, true),
            "From: Terry Gray <gray@cac.washington.edu>\r\nTo: imap@cac.washington.edu\r\n\r\n");
  EXPECT_EQ(filter_header_fields("", names, false), "\r\n");
}

TEST(Fetch, PartialAndNeeds) {
  FetchItem it;
  it.partial = std::make_pair(std::uint64_t(3), std::uint64_t(4));
  EXPECT_EQ(apply_partial(it, "0123456789"), "3456");
  it.partial = std::make_pair(std::uint64_t(8), std::uint64_t(4));
  EXPECT_EQ(apply_partial(it, "0123456789"), "89");
  it.partial = std::make_pair(std::uint64_t(20), std::uint64_t(4));
  EXPECT_EQ(apply_partial(it, "0123456789"), "");
  ParserOptions o;
  auto r = parse_command("a FETCH 1:* (FLAGS UID RFC822.SIZE)\r\n", o);
  auto n = fetch_needs(std::get<FetchCmd>(*r.command));
  EXPECT_FALSE(n.content);
  EXPECT_FALSE(n.metadata);
  EXPECT_TRUE(n.flags);
  r = parse_command("a FETCH 1:* (ENVELOPE BODY[1])\r\n", o);
  n = fetch_needs(std::get<FetchCmd>(*r.command));
  EXPECT_TRUE(n.content);
  EXPECT_TRUE(n.metadata);
  EXPECT_TRUE(n.flags);  // BODY[1] sets \Seen
}

struct FakeText : SearchText {
  std::string from, subject, body_text;
  int calls = 0;
  bool header(std::string_view field, std::string_view needle) override {
    ++calls;
    if (field == "From") return contains_icase(from, needle);
    if (field == "Subject") return contains_icase(subject, needle);
    return false;
  }
  bool body_match(std::string_view n) { return contains_icase(body_text, n); }
  bool body(std::string_view n) override {
    ++calls;
    return body_match(n);
  }
  bool text(std::string_view n) override {
    ++calls;
    return body_match(n) || contains_icase(subject, n) || contains_icase(from, n);
  }
};

SearchKey key_of(std::string_view program) {
  ParserOptions o;
  auto r = parse_command("a SEARCH " + std::string(program) + "\r\n", o);
  EXPECT_EQ(r.kind, ParseResult::Kind::complete) << program << ": " << r.error;
  return r.command ? std::get<SearchCmd>(*r.command).key : SearchKey{};
}

TEST(Search, Evaluation) {
  // 1-Feb-1994 00:00 UTC = 760060800
  const std::int64_t feb1 = 760060800;
  const std::vector<std::string> kws = {"$Forwarded"};
  SearchMessage m;
  m.seq = 3;
  m.uid = 30;
  m.flags = kSeen | kFlagged;
  m.keywords = kws;
  m.size = 5000;
  m.internal_date = feb1 + 3600;
  m.sent_date = feb1 - 3600;
  m.save_date = feb1 + 86400;
  m.modseq = 620162338;
  SearchContext ctx;
  ctx.exists = 5;
  ctx.max_uid = 50;
  ctx.now = feb1 + 7200;
  const std::uint32_t saved[] = {30, 40};
  ctx.saved_uids = saved;
  FakeText text;
  text.from = "Terry Smith <smith@example.test>";
  text.subject = "afternoon meeting";
  text.body_text = "Hello Joe";
  struct Case {
    std::string_view program;
    bool match;
  };
  const Case cases[] = {
      {"ALL", true},
      {"FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"", false},  // RFC 9051 §6.4.4 example
      {"FLAGGED SINCE 1-Feb-1994 FROM \"smith\"", true},
      {"SEEN", true},
      {"UNSEEN", false},
      {"ANSWERED", false},
      {"UNANSWERED", true},
      {"KEYWORD $forwarded", true},
      {"UNKEYWORD $Forwarded", false},
      {"RECENT", false},
      {"OLD", true},
      {"NEW", false},
      {"LARGER 4999", true},
      {"LARGER 5000", false},
      {"SMALLER 5001", true},
      {"ON 1-Feb-1994", true},
      {"BEFORE 1-Feb-1994", false},
      {"BEFORE 2-Feb-1994", true},
      {"SENTON 31-Jan-1994", true},
      {"SENTSINCE 1-Feb-1994", false},
      {"SAVEDON 2-Feb-1994", true},
      {"SAVEDATESUPPORTED", true},
      {"MODSEQ 620162338", true},
      {"MODSEQ 620162339", false},
      {"1:2,4", false},
      {"3", true},
      {"*", false},
      {"2:*", true},
      {"UID 30", true},
      {"UID 31:*", false},
      {"$", true},
      {"OR UNSEEN DRAFT", false},
      {"OR UNSEEN (SEEN FLAGGED)", true},
      {"NOT NOT SEEN", true},
      {"SUBJECT Afternoon", true},
      {"BODY joe", true},
      {"TEXT smith", true},
      {"HEADER X-Foo \"\"", false},
      {"YOUNGER 7200", true},
      {"OLDER 7200", false},
  };
  for (const auto& c : cases) {
    SearchProgram p(key_of(c.program), ctx);
    EXPECT_EQ(p.matches(m, &text), c.match) << c.program;
  }
  // Cheap keys first: an AND that fails on flags never asks for text.
  text.calls = 0;
  SearchProgram p(key_of("BODY joe UNSEEN"), ctx);
  EXPECT_TRUE(p.needs_text());
  EXPECT_FALSE(p.matches(m, &text));
  EXPECT_EQ(text.calls, 0);
  EXPECT_TRUE(SearchProgram(key_of("MODSEQ 1"), ctx).uses_modseq());
  EXPECT_FALSE(SearchProgram(key_of("SEEN"), ctx).needs_text());
  EXPECT_TRUE(contains_icase("Hello World", "o w"));
  EXPECT_FALSE(contains_icase("Hello", "hello!"));
  EXPECT_TRUE(contains_icase("x", ""));
}

TEST(Thread, BaseSubject) {
  // RFC 5256 §2.1
  struct Case {
    std::string_view in, out;
    bool refwd;
  };
  const Case cases[] = {
      {"Hello", "Hello", false},
      {"Re: Hello", "Hello", true},
      {"RE:  re: Hello   World ", "Hello World", true},
      {"Re: [list] Fwd: Subject (fwd)", "Subject", true},
      {"[fwd: Re: hello]", "hello", true},
      {"[PATCH] fix it", "fix it", false},
      {"[PATCH]", "[PATCH]", false},
      {"Re[2]: x", "x", true},
      {"Fw: x", "x", true},
      {"fwd:x", "x", true},
      {"Reply: x", "Reply: x", false},
      {"", "", false},
      {"(fwd) (fwd)", "", true},
      {"\tRe:\tTabs", "Tabs", true},
  };
  for (const auto& c : cases) {
    bool refwd = false;
    EXPECT_EQ(base_subject(c.in, &refwd), c.out) << c.in;
    EXPECT_EQ(refwd, c.refwd) << c.in;
  }
}

TEST(Thread, BaseSubjectOfHostileSubjectsIsCheap) {
  std::string blobs;
  for (int i = 0; i < 400; ++i)
    blobs += "[a0] ";
  // No wall-clock bound (sanitizer builds on a loaded machine are slow): a quadratic scan of
  // the 400 KB input below would run into the test's timeout instead.
  EXPECT_EQ(base_subject(blobs + "x"), "x");  // 2000 octets: within the 2048 looked at
  EXPECT_EQ(base_subject(blobs), "[a0]");     // the last blob stays: the base is not empty
  EXPECT_FALSE(base_subject(blobs + blobs + blobs).empty());
  std::string refs;
  for (int i = 0; i < 100000; ++i)
    refs += "Re: ";
  EXPECT_EQ(base_subject(refs + "y"), "");  // cut at 2048 octets: only leaders remain
}

TEST(Thread, Sort) {
  std::vector<SortMessage> m(4);
  m[0] = {1, 1, 100, 100, 300, "b", "x", "", ""};
  m[1] = {2, 2, 50, 400, 100, "a", "y", "", ""};
  m[2] = {3, 3, 75, 200, 200, "B", "x", "", ""};
  m[3] = {4, 4, 90, 300, 100, "a", "Z", "", ""};
  const SortCriterion subject_date[] = {{SortKey::subject, false}, {SortKey::date, true}};
  EXPECT_EQ(sort_messages(subject_date, m), (std::vector<std::uint32_t>{2, 4, 3, 1}));
  const SortCriterion size_rev[] = {{SortKey::size, true}};
  EXPECT_EQ(sort_messages(size_rev, m), (std::vector<std::uint32_t>{1, 3, 2, 4}));
  const SortCriterion arrival[] = {{SortKey::arrival, false}};
  EXPECT_EQ(sort_messages(arrival, m), (std::vector<std::uint32_t>{2, 3, 4, 1}));
  const SortCriterion from[] = {{SortKey::from, false}};
  EXPECT_EQ(sort_messages(from, m), (std::vector<std::uint32_t>{1, 3, 2, 4}));
}

TEST(Thread, OrderedSubject) {
  std::vector<ThreadMessage> m = {
      {1, "", {}, 100, "Hello"},     {2, "", {}, 200, "Re: Hello"}, {3, "", {}, 150, "Other"},
      {4, "", {}, 300, "Re: hello"}, {5, "", {}, 50, "fwd: Other"}, {6, "", {}, 500, "Lone"},
  };
  EXPECT_EQ(thread_messages(ThreadAlgorithm::ordered_subject, m), "(5 3)(1 (2)(4))(6)");
  EXPECT_EQ(thread_messages(ThreadAlgorithm::ordered_subject, {}), "");
}

TEST(Thread, References) {
  std::vector<ThreadMessage> m = {
      {1, "a", {}, 1, "A"},        {2, "b", {"a"}, 2, "Re: A"},
      {3, "c", {"a"}, 3, "Re: A"}, {4, "d", {"a", "b"}, 4, "Re: A"},
      {5, "e", {}, 5, "B"},        {6, "f", {"x"}, 6, "C"},
      {7, "g", {"x"}, 7, "Re: C"}, {8, "h", {}, 8, "Re: B"},
  };
  EXPECT_EQ(thread_messages(ThreadAlgorithm::references, m), "(1 (2 4)(3))(5 8)((6)(7))");
  // Loops, self references and duplicate ids neither crash nor lose messages.
  std::vector<ThreadMessage> loop = {
      {1, "a", {"b"}, 1, "x"}, {2, "b", {"a"}, 2, "y"}, {3, "c", {"c"}, 3, "z"},
      {4, "a", {}, 4, "w"},    {5, "", {}, 5, "v"},
  };
  const std::string t = thread_messages(ThreadAlgorithm::references, loop);
  for (const char* n : {"1", "2", "3", "4", "5"})
    EXPECT_NE(t.find(n), std::string::npos) << t;
  // A long reference chain is handled without deep recursion.
  std::vector<ThreadMessage> chain;
  std::vector<std::string> refs;
  for (std::uint32_t i = 1; i <= 20000; ++i) {
    chain.push_back({i, "m" + std::to_string(i), refs, i, "s"});
    refs.push_back("m" + std::to_string(i));
    if (refs.size() > 3) refs.erase(refs.begin());
  }
  const auto start = std::chrono::steady_clock::now();
  const std::string long_thread = thread_messages(ThreadAlgorithm::references, chain);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  // Links deeper than 1000 are not made; the pieces share a subject and end up under one
  // dummy root: one thread, every message in order.
  EXPECT_EQ(long_thread.substr(0, 10), "((1 2 3 4 ");
  EXPECT_EQ(long_thread.substr(long_thread.size() - 8), " 20000))");
  EXPECT_NE(long_thread.find(" 999 1000 1001"), std::string::npos);
}

TEST(MailboxView, ExpungeRulesAndNumbering) {
  MailboxView v;
  v.reset({1, 2, 3, 5}, 10);
  v.expunged(std::vector<std::uint32_t>{2, 5});
  std::string out;
  ResponseWriter w(out, false);
  MailboxView::FlushOptions o;
  // During FETCH/STORE/SEARCH with sequence numbers: no EXPUNGE; numbers stay (RFC 9051 §7.5.1).
  EXPECT_FALSE(v.flush(w, MailboxView::Moment::no_expunge, o));
  EXPECT_EQ(out, "");
  EXPECT_EQ(v.exists(), 4u);
  EXPECT_EQ(v.uid_of(4), 5u);
  EXPECT_TRUE(v.flush(w, MailboxView::Moment::any, o));
  EXPECT_EQ(out, "* 2 EXPUNGE\r\n* 3 EXPUNGE\r\n");
  EXPECT_EQ(std::vector<std::uint32_t>(v.uids().begin(), v.uids().end()),
            (std::vector<std::uint32_t>{1, 3}));
  // RFC 3501 §7.4.1 example: expunging 3, 4, 7 and 11 of 11 sends 3, 3, 5, 8.
  MailboxView e;
  e.reset({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  e.expunged(std::vector<std::uint32_t>{11, 3, 7, 4});
  out.clear();
  e.flush(w, MailboxView::Moment::any, o);
  EXPECT_EQ(out, "* 3 EXPUNGE\r\n* 3 EXPUNGE\r\n* 5 EXPUNGE\r\n* 8 EXPUNGE\r\n");
}

TEST(MailboxView, NewMessagesFlagsAndVanished) {
  MailboxView v;
  v.reset({10, 20, 30}, 100, 25);
  EXPECT_EQ(v.recent_count(), 1u);
  std::string out;
  ResponseWriter w(out, false);
  MailboxView::FlushOptions o;
  o.qresync = true;
  o.condstore = true;
  o.rev1 = false;
  v.expunged(std::vector<std::uint32_t>{20});
  v.added(std::vector<std::uint32_t>{40, 41, 5});  // 5 is not new: ignored
  v.expunged(std::vector<std::uint32_t>{41});      // never announced: silently dropped
  v.flags_changed({30, 101, kSeen, {"$Junk"}});
  v.flags_changed({30, 102, kSeen | kFlagged, {}});
  v.flags_changed({99, 103, kSeen, {}});  // not in view
  EXPECT_TRUE(v.has_pending());
  EXPECT_TRUE(v.flush(w, MailboxView::Moment::any, o));
  EXPECT_EQ(out,
            "* VANISHED 20\r\n* 3 EXISTS\r\n"
            "* 2 FETCH (UID 30 FLAGS (\\Flagged \\Seen \\Recent) MODSEQ (102))\r\n");
  EXPECT_FALSE(v.has_pending());
  EXPECT_EQ(v.last_uid(), 40u);
  // EXISTS may go out while expunges wait.
  MailboxView x;
  x.reset({1, 2});
  x.expunged(std::vector<std::uint32_t>{1});
  x.added(std::vector<std::uint32_t>{3});
  out.clear();
  MailboxView::FlushOptions rev1;
  x.flush(w, MailboxView::Moment::no_expunge, rev1);
  EXPECT_EQ(out, "* 3 EXISTS\r\n* 0 RECENT\r\n");
  out.clear();
  x.flush(w, MailboxView::Moment::any, rev1);
  EXPECT_EQ(out, "* 1 EXPUNGE\r\n");
}

TEST(MailboxView, ResolveAndSavedResult) {
  MailboxView v;
  v.reset({4, 8, 15, 16, 23, 42});
  auto r = v.resolve(*parse_sequence_set("2:3,*"), false);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, (std::vector<std::uint32_t>{1, 2, 5}));
  EXPECT_FALSE(v.resolve(*parse_sequence_set("7"), false));
  r = v.resolve(*parse_sequence_set("9:20"), true);
  EXPECT_EQ(*r, (std::vector<std::uint32_t>{2, 3}));
  v.save({42, 8, 8});
  r = v.resolve(*parse_sequence_set("$"), false);
  EXPECT_EQ(*r, (std::vector<std::uint32_t>{1, 5}));
  v.expunged(std::vector<std::uint32_t>{8});
  std::string out;
  ResponseWriter w(out, false);
  v.flush(w, MailboxView::Moment::any, {});
  EXPECT_EQ(std::vector<std::uint32_t>(v.saved().begin(), v.saved().end()),
            (std::vector<std::uint32_t>{42}));
  EXPECT_EQ(MailboxView::moment_for(FetchCmd{}), MailboxView::Moment::no_expunge);
  FetchCmd uf;
  uf.uid = true;
  EXPECT_EQ(MailboxView::moment_for(uf), MailboxView::Moment::any);
  EXPECT_EQ(MailboxView::moment_for(NoopCmd{}), MailboxView::Moment::any);
  MailboxView empty;
  empty.reset({});
  EXPECT_FALSE(empty.resolve(*parse_sequence_set("1:*"), false));
  EXPECT_TRUE(empty.resolve(*parse_sequence_set("1:*"), true)->empty());
}

}  // namespace
}  // namespace facteur::imap

namespace facteur::imap {
namespace {

ListCmd list_of(std::string_view args) {
  ParserOptions o;
  auto r = parse_command("a " + std::string(args) + "\r\n", o);
  EXPECT_EQ(r.kind, ParseResult::Kind::complete) << args << ": " << r.error;
  return r.command ? std::get<ListCmd>(*r.command) : ListCmd{};
}

std::string replies(const std::vector<ListReply>& v) {
  std::string s;
  for (const auto& r : v) {
    s += r.name + "(" + r.attributes + ")";
    if (!r.extended.empty()) s += r.extended;
    if (r.status) s += "+S";
    s += ";";
  }
  return s;
}

TEST(List, Replies) {
  const std::vector<MailboxEntry> boxes = {
      {"Archive", "\\Archive"},   {"INBOX", ""},          {"Sent", "\\Sent"}, {"Tofu", ""},
      {"Vegetable/Broccoli", ""}, {"Vegetable/Corn", ""},
  };
  const std::vector<std::string> subs = {"Fruit/Banana", "INBOX", "Sent", "Vegetable/Broccoli"};
  EXPECT_EQ(replies(list_replies(list_of("LIST \"\" %"), boxes, subs)),
            "Archive(\\HasNoChildren \\Archive);INBOX(\\HasNoChildren);Sent(\\HasNoChildren "
            "\\Sent);Tofu(\\HasNoChildren);Vegetable(\\Noselect \\HasChildren);");
  EXPECT_EQ(replies(list_replies(list_of("LIST \"\" *"), boxes, subs)),
            "Archive(\\HasNoChildren \\Archive);INBOX(\\HasNoChildren);Sent(\\HasNoChildren "
            "\\Sent);Tofu(\\HasNoChildren);Vegetable/Broccoli(\\HasNoChildren);"
            "Vegetable/Corn(\\HasNoChildren);");
  EXPECT_EQ(replies(list_replies(list_of("LIST \"\" inbox"), boxes, subs)),
            "INBOX(\\HasNoChildren);");
  // RFC 5258 §5 example shapes: SUBSCRIBED selection lists subscribed names, existing or not.
  EXPECT_EQ(replies(list_replies(list_of("LIST (SUBSCRIBED) \"\" *"), boxes, subs)),
            "Fruit/Banana(\\NonExistent \\Subscribed);INBOX(\\HasNoChildren \\Subscribed);"
            "Sent(\\HasNoChildren \\Subscribed \\Sent);Vegetable/Broccoli(\\HasNoChildren "
            "\\Subscribed);");
  EXPECT_EQ(replies(list_replies(list_of("LIST (SUBSCRIBED RECURSIVEMATCH) \"\" %"), boxes, subs)),
            "Fruit(\\NonExistent)(\"CHILDINFO\" (\"SUBSCRIBED\"));INBOX(\\HasNoChildren "
            "\\Subscribed);Sent(\\HasNoChildren \\Subscribed \\Sent);Vegetable(\\NonExistent "
            "\\HasChildren)"
            "(\"CHILDINFO\" (\"SUBSCRIBED\"));");
  EXPECT_EQ(replies(list_replies(list_of("LIST (SPECIAL-USE) \"\" *"), boxes, subs)),
            "Archive(\\HasNoChildren \\Archive);Sent(\\HasNoChildren \\Sent);");
  EXPECT_EQ(replies(list_replies(list_of("LIST \"\" % RETURN (SUBSCRIBED STATUS (MESSAGES))"),
                                 boxes, subs)),
            "Archive(\\HasNoChildren \\Archive)+S;INBOX(\\HasNoChildren \\Subscribed)+S;"
            "Sent(\\HasNoChildren \\Subscribed \\Sent)+S;Tofu(\\HasNoChildren)+S;"
            "Vegetable(\\Noselect \\HasChildren);");
  // LSUB (RFC 3501 §6.3.9): "%" shows a parent of subscribed names as \Noselect.
  EXPECT_EQ(replies(list_replies(list_of("LSUB \"\" %"), boxes, subs)),
            "Fruit(\\Noselect);INBOX();Sent();Vegetable(\\Noselect);");
  EXPECT_EQ(replies(list_replies(list_of("LSUB \"\" *"), boxes, subs)),
            "Fruit/Banana();INBOX();Sent();Vegetable/Broccoli();");
}

TEST(List, HostilePatternsAreBounded) {
  // "*a*a…*b" against long names of a's: a backtracking matcher takes time exponential in the
  // number of stars and would not finish one name (the CTest timeout catches it); the DP matcher
  // is |pattern| x |name| a name. No wall-clock bound here: it would only measure the machine.
  std::vector<MailboxEntry> boxes;
  for (int i = 0; i < 50; ++i)
    boxes.push_back({"folder/" + std::string(90, 'a') + std::to_string(i), ""});
  ListCmd cmd;
  std::string p;
  while (p.size() + 2 <= kMaxListPattern)
    p += "*a";
  p.back() = 'b';  // never matches: the worst case for the matcher
  cmd.patterns.assign(kMaxListPatterns, p);
  EXPECT_TRUE(list_replies(cmd, boxes, {}).empty());
  ParserOptions o;
  EXPECT_EQ(parse_command("a LIST \"\" \"" + std::string(256, 'x') + "\"\r\n", o).kind,
            ParseResult::Kind::error);
  std::string many = "a LIST \"\" (";
  for (std::size_t i = 0; i <= kMaxListPatterns; ++i)
    many += "x ";
  many.back() = ')';
  EXPECT_EQ(parse_command(many + "\r\n", o).kind, ParseResult::Kind::error);
}

TEST(Search, SavedResultAndResponseForm) {
  const std::uint32_t uids[] = {3, 9, 12};
  SearchReturn r;
  r.save = true;
  EXPECT_EQ(saved_result(r, uids), (std::vector<std::uint32_t>{3, 9, 12}));
  r.min = true;
  EXPECT_EQ(saved_result(r, uids), (std::vector<std::uint32_t>{3}));
  r.max = true;
  EXPECT_EQ(saved_result(r, uids), (std::vector<std::uint32_t>{3, 12}));
  r.count = true;
  EXPECT_EQ(saved_result(r, uids), (std::vector<std::uint32_t>{3, 9, 12}));
  SearchCmd plain;
  std::string out;
  ResponseWriter w(out, false);
  w.search_results("t", plain, uids, std::nullopt, false);
  w.search_results("t", plain, uids, std::nullopt, true);  // rev2: ESEARCH ALL
  plain.uid = true;
  plain.returns = SearchReturn{};
  plain.returns->count = true;
  w.search_results("u", plain, uids, 77, false);
  EXPECT_EQ(out,
            "* SEARCH 3 9 12\r\n* ESEARCH (TAG \"t\") ALL 3,9,12\r\n"
            "* ESEARCH (TAG \"u\") UID COUNT 3 MODSEQ 77\r\n");
}

}  // namespace
}  // namespace facteur::imap

namespace facteur::imap {
namespace {

TEST(Thread, EnvelopeSortKeys) {
  // The ENVELOPE of RFC 3501 §8's sample message, as the mail library writes it.
  constexpr std::string_view kEnvelope =
      "(\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" \"IMAP4rev1 WG mtg summary and minutes\" "
      "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL \"gray\" "
      "\"cac.washington.edu\")) ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((NIL NIL "
      "\"imap\" \"cac.washington.edu\")) ((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")(\"John "
      "Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) NIL NIL \"<B27397-0100000@cac.washington.edu>\")";
  const auto k = envelope_sort_keys(kEnvelope);
  EXPECT_EQ(k.from, "gray");
  EXPECT_EQ(k.to, "imap");
  EXPECT_EQ(k.cc, "minutes");
  // Group syntax (RFC 3501 §7.4.2: a NIL host starts or ends a group) and literals.
  const auto g = envelope_sort_keys(
      "(NIL NIL NIL NIL NIL ((NIL NIL \"undisclosed\" NIL)(NIL NIL \"x\" \"y.z\")(NIL NIL NIL "
      "NIL)) "
      "((NIL NIL {4}\r\nab c \"d.e\")) NIL NIL NIL)");
  EXPECT_EQ(g.to, "x");
  EXPECT_EQ(g.cc, "ab c");
  EXPECT_EQ(envelope_sort_keys("garbage").from, "");
  EXPECT_EQ(envelope_sort_keys("(NIL NIL ((").from, "");
}

TEST(MailboxView, QresyncVanished) {
  // RFC 7162 §3.2.5.1 example shape: known UIDs 41,43:211,214:541; expunged since: these.
  const std::vector<std::uint32_t> gone = {42, 41, 43, 116, 212, 300, 600};
  const auto known = parse_sequence_set("41,43:211,214:541");
  EXPECT_EQ(vanished_within(*known, gone, 700), (std::vector<std::uint32_t>{41, 43, 116, 300}));
  EXPECT_EQ(vanished_within(std::nullopt, gone, 700),
            (std::vector<std::uint32_t>{41, 42, 43, 116, 212, 300, 600}));
  EXPECT_EQ(vanished_within(*parse_sequence_set("300:*"), gone, 500),
            (std::vector<std::uint32_t>{300}));
  std::string out;
  ResponseWriter(out, false).vanished(vanished_within(*known, gone, 700), true);
  EXPECT_EQ(out, "* VANISHED (EARLIER) 41,43,116,300\r\n");
}

// RFC 6851 §4.3 example: UID MOVE answers COPYUID untagged, then EXPUNGEs, then the tagged OK.
TEST(MailboxView, MoveExample) {
  MailboxView v;
  std::vector<std::uint32_t> uids;
  for (std::uint32_t u = 20; u <= 69; ++u)
    uids.push_back(u);
  v.reset(uids);
  std::string out;
  ResponseWriter w(out, false);
  std::vector<std::uint32_t> moved, dest;
  for (std::uint32_t u = 42; u <= 44; ++u) {
    moved.push_back(u);
    dest.push_back(1202 + u - 42);
  }
  w.status("OK", code::copyuid(432432, moved, dest), "");
  v.expunged(moved);
  v.flush(w, MailboxView::Moment::any, {});
  w.tagged("a", Outcome::ok, "", "Done");
  EXPECT_EQ(out,
            "* OK [COPYUID 432432 42:44 1202:1204]\r\n* 23 EXPUNGE\r\n* 23 EXPUNGE\r\n"
            "* 23 EXPUNGE\r\na OK Done\r\n");
}

}  // namespace
}  // namespace facteur::imap
