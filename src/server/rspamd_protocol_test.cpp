// Rspamd's HTTP protocol (rspamd.com/doc/developers/protocol.html): the /checkv2 request fields
// and the JSON reply, including replies a broken or hostile peer could send.
#include "server/rspamd_protocol.hpp"

#include <string>

#include <gtest/gtest.h>

namespace facteur::server {
namespace {

std::vector<std::string> values_of(const std::vector<std::pair<std::string, std::string>>& fields,
                                   std::string_view name) {
  std::vector<std::string> out;
  for (const auto& [n, v] : fields)
    if (n == name) out.push_back(v);
  return out;
}

TEST(RspamdProtocol, RequestFieldsCarryTheEnvelope) {
  RspamdEnvelope env;
  env.ip = "192.0.2.7";
  env.helo = "client.example.net";
  env.mail_from = "bob@example.net";
  env.rcpts = {"alice@example.test", "carol@example.test"};
  env.queue_id = "4Q2x";
  env.mta_name = "mx.example.test";
  auto fields = rspamd_request_fields(env);
  EXPECT_EQ(values_of(fields, "IP"), std::vector<std::string>{"192.0.2.7"});
  EXPECT_EQ(values_of(fields, "Helo"), std::vector<std::string>{"client.example.net"});
  EXPECT_EQ(values_of(fields, "From"), std::vector<std::string>{"bob@example.net"});
  // One Rcpt field per recipient, in order.
  EXPECT_EQ(values_of(fields, "Rcpt"),
            (std::vector<std::string>{"alice@example.test", "carol@example.test"}));
  EXPECT_EQ(values_of(fields, "Queue-Id"), std::vector<std::string>{"4Q2x"});
  EXPECT_EQ(values_of(fields, "MTA-Name"), std::vector<std::string>{"mx.example.test"});
  // Unknown or empty: not sent (rspamd would take "" for a value).
  EXPECT_TRUE(values_of(fields, "User").empty());
  EXPECT_TRUE(values_of(fields, "Hostname").empty());
  EXPECT_TRUE(values_of(fields, "Password").empty());
  env.user = "alice@example.test";
  env.password = "secret";
  env.hostname = "client.example.net";
  fields = rspamd_request_fields(env);
  EXPECT_EQ(values_of(fields, "User"), std::vector<std::string>{"alice@example.test"});
  EXPECT_EQ(values_of(fields, "Password"), std::vector<std::string>{"secret"});
  EXPECT_EQ(values_of(fields, "Hostname"), std::vector<std::string>{"client.example.net"});
}

TEST(RspamdProtocol, RequestFieldsCannotBeInjected) {
  RspamdEnvelope env;
  env.helo = "evil\r\nUser: admin\r\n\r\nGET / HTTP/1.1";
  env.mail_from = std::string(5000, 'a') + "\n";
  env.rcpts.assign(kRspamdMaxRcpts + 5, "x@example.test");
  auto fields = rspamd_request_fields(env);
  for (const auto& [name, value] : fields) {
    EXPECT_EQ(value.find_first_of("\r\n"), std::string::npos) << name;
    EXPECT_LE(value.size(), kRspamdMaxFieldValue) << name;
  }
  EXPECT_EQ(values_of(fields, "Helo"), std::vector<std::string>{"evilUser: adminGET / HTTP/1.1"});
  EXPECT_TRUE(values_of(fields, "User").empty());
  EXPECT_EQ(values_of(fields, "Rcpt").size(), kRspamdMaxRcpts);
  // Cut at the limit without splitting a UTF-8 sequence.
  env.helo = std::string(kRspamdMaxFieldValue - 1, 'a') + "\xc3\xa9";
  auto cut = values_of(rspamd_request_fields(env), "Helo").at(0);
  EXPECT_EQ(cut, std::string(kRspamdMaxFieldValue - 1, 'a'));
}

// A /checkv2 reply as rspamd 3.x sends it (abridged).
constexpr std::string_view kReply = R"({
  "is_skipped": false, "score": 7.5, "required_score": 15.0, "action": "add header",
  "thresholds": {"reject": 15.0, "add header": 6.0, "greylist": 4.0},
  "symbols": {
    "MISSING_DATE": {"name": "MISSING_DATE", "score": 1.0, "metric_score": 1.0,
                     "description": "Date header is missing"},
    "BAYES_SPAM": {"name": "BAYES_SPAM", "score": 5.1, "options": ["99.9%"],
                   "description": "Message probably spam, probability: "},
    "ARC_NA": {"name": "ARC_NA", "score": 0.0},
    "R_DKIM_ALLOW": {"name": "R_DKIM_ALLOW", "score": -0.2, "description": "DKIM verification succeed"},
    "TO_DN_NONE": {"name": "TO_DN_NONE", "score": 1.6}
  },
  "messages": {}, "message-id": "x@example.net", "time_real": 0.03, "milter": {}
})";

TEST(RspamdProtocol, ParsesCheckv2Reply) {
  auto r = parse_rspamd_reply(kReply);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_DOUBLE_EQ(r->score, 7.5);
  EXPECT_DOUBLE_EQ(r->required_score, 15.0);
  EXPECT_EQ(r->action, RspamdAction::add_header);
  EXPECT_EQ(r->action_name, "add header");
  ASSERT_EQ(r->symbols.size(), 5u);
  // Highest score first.
  EXPECT_EQ(r->symbols[0].name, "BAYES_SPAM");
  EXPECT_DOUBLE_EQ(r->symbols[0].score, 5.1);
  EXPECT_EQ(r->symbols[0].description, "Message probably spam, probability: ");
  EXPECT_EQ(r->symbols[1].name, "TO_DN_NONE");
  EXPECT_EQ(r->symbols[2].name, "MISSING_DATE");
  EXPECT_EQ(r->symbols[4].name, "R_DKIM_ALLOW");
}

TEST(RspamdProtocol, Actions) {
  const std::pair<std::string_view, RspamdAction> table[] = {
      {"no action", RspamdAction::no_action},
      {"greylist", RspamdAction::greylist},
      {"add header", RspamdAction::add_header},
      {"rewrite subject", RspamdAction::rewrite_subject},
      {"soft reject", RspamdAction::soft_reject},
      {"reject", RspamdAction::reject},
      {"quarantine", RspamdAction::other},
      {"REJECT", RspamdAction::other},
      {"", RspamdAction::other}};
  for (auto [text, action] : table)
    EXPECT_EQ(parse_rspamd_action(text), action) << text;
}

TEST(RspamdProtocol, MissingOptionalFields) {
  auto r = parse_rspamd_reply(R"({"score": -1.5, "action": "no action"})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_DOUBLE_EQ(r->score, -1.5);
  EXPECT_DOUBLE_EQ(r->required_score, 0);
  EXPECT_TRUE(r->symbols.empty());
  // Symbols without a score or as something other than an object count as 0 points.
  r = parse_rspamd_reply(R"({"score": 1, "action": "reject", "symbols": {"A": {}, "B": 3}})");
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->symbols.size(), 2u);
  EXPECT_DOUBLE_EQ(r->symbols[0].score, 0);
}

TEST(RspamdProtocol, RefusesMalformedReplies) {
  const std::string_view bad[] = {
      "",
      "null",
      "[]",
      "\"reject\"",
      "{",
      R"({"score": 1})",                         // no action
      R"({"action": "reject"})",                 // no score
      R"({"score": "15", "action": "reject"})",  // score as text
      R"({"score": 1, "action": 3})",            // action as number
      R"({"score": 1, "action": "reject", "required_score": "x"})",
      R"({"score": 1, "action": "reject", "symbols": [1, 2]})",
      R"({"score": 1, "action": "reject", "symbols": {"A": {"score": "9"}}})",
      R"({"score": 1e999, "action": "reject"})",  // not finite
      R"({"score": 1, "action": "reject"} trailing)",
      "{\"score\": 1, \"action\": \"re\xff\"}",  // not UTF-8
  };
  for (auto text : bad) {
    auto r = parse_rspamd_reply(text);
    EXPECT_FALSE(r) << text;
    if (!r) {
      EXPECT_EQ(r.error().code, Errc::parse_error);
    }
  }
}

// "SYM_<i>NNN…": {"score": i, "description": "line\r\nnext ddd…"}
std::string fmt_symbol(int i) {
  return "\"SYM_" + std::to_string(i) + std::string(100, 'N') +
         "\": {\"score\": " + std::to_string(i) + ", \"description\": \"line\\r\\nnext " +
         std::string(300, 'd') + "\"}";
}

TEST(RspamdProtocol, HostileRepliesStayBounded) {
  // Deep nesting is refused before the JSON parser sees it.
  std::string deep = R"({"score": 1, "action": "reject", "x": )" + std::string(100000, '[') +
                     std::string(100000, ']') + "}";
  EXPECT_FALSE(parse_rspamd_reply(deep));
  // Brackets inside strings do not count as nesting.
  std::string quoted =
      R"({"score": 1, "action": "reject", "x": ")" + std::string(1000, '[') + R"(\"]"})";
  EXPECT_TRUE(parse_rspamd_reply(quoted));
  // Too large.
  RspamdReplyLimits small;
  small.max_bytes = 100;
  std::string big = R"({"score": 1, "action": "reject", "pad": ")" + std::string(200, 'x') + "\"}";
  EXPECT_FALSE(parse_rspamd_reply(big, small));
  EXPECT_TRUE(parse_rspamd_reply(big));
  // Many symbols: the highest kept, names and descriptions cut and without control characters.
  std::string many = R"({"score": 1, "action": "reject", "symbols": {)";
  for (int i = 0; i < 1000; ++i)
    many += (i ? "," : "") + fmt_symbol(i);
  many += "}}";
  auto r = parse_rspamd_reply(many);
  ASSERT_TRUE(r) << r.error().message;
  RspamdReplyLimits defaults;
  ASSERT_EQ(r->symbols.size(), defaults.max_symbols);
  EXPECT_DOUBLE_EQ(r->symbols.front().score, 999);
  for (const auto& s : r->symbols) {
    EXPECT_LE(s.name.size(), defaults.max_name);
    EXPECT_LE(s.description.size(), defaults.max_description);
    EXPECT_EQ(s.description.find_first_of("\r\n"), std::string::npos);
  }
}

RspamdResult scanned(std::string_view json) {
  RspamdResult out;
  out.status = RspamdResult::Status::scanned;
  auto reply = parse_rspamd_reply(json);
  EXPECT_TRUE(reply) << json;
  if (reply) out.reply = *reply;
  return out;
}

RspamdSettings settings(std::string mode, std::string fail = "open") {
  RspamdSettings s;
  s.enabled = true;
  s.mode = std::move(mode);
  s.fail = std::move(fail);
  return s;
}

TEST(RspamdProtocol, ReplaceModeFollowsRspamdsAction) {
  struct Case {
    std::string_view action;
    int code;  // 0: not refused
    bool junk;
  };
  const Case table[] = {{"reject", 550, false},       {"soft reject", 451, false},
                        {"greylist", 451, false},     {"add header", 0, true},
                        {"rewrite subject", 0, true}, {"no action", 0, false},
                        {"quarantine", 0, false}};
  for (const auto& c : table) {
    std::string json = R"({"score": 3, "required_score": 15, "action": ")" + std::string(c.action) +
                       R"(", "symbols": {"S": {"score": 3}}})";
    auto e = rspamd_effect(scanned(json), settings("replace"));
    EXPECT_EQ(e.refuse ? e.refuse->code : 0, c.code) << c.action;
    if (c.code != 0) {
      ASSERT_TRUE(e.refuse);
      EXPECT_EQ(e.refuse->enhanced, c.code == 550 ? "5.7.1" : "4.7.1");
    }
    EXPECT_EQ(e.junk, c.junk) << c.action;
    // The reply is recorded, but adds no points: rspamd decides, not the sum.
    ASSERT_TRUE(e.reason) << c.action;
    EXPECT_EQ(e.reason->check, "rspamd");
    EXPECT_EQ(e.reason->points, 0);
  }
}

TEST(RspamdProtocol, AddModeAddsTheScoreAndTopSymbols) {
  auto e = rspamd_effect(scanned(kReply), settings("add"));
  EXPECT_FALSE(e.refuse);
  EXPECT_FALSE(e.junk);
  ASSERT_TRUE(e.reason);
  EXPECT_DOUBLE_EQ(e.reason->points, 7.5);
  EXPECT_EQ(e.reason->text,
            "score=7.5 required=15.0 action=add header: BAYES_SPAM 5.1, TO_DN_NONE 1.6, "
            "MISSING_DATE 1.0");
  filter::Verdict v;
  v.add("bayes", 2, filter::Label::spam, "x");
  add_rspamd_reason(v, e);
  EXPECT_DOUBLE_EQ(v.score, 9.5);
  EXPECT_EQ(v.reasons.back().check, "rspamd");
  // A forced reject below rspamd's threshold (GTUBE is a prefilter) counts as the threshold.
  e = rspamd_effect(scanned(R"({"score": 0, "required_score": 15, "action": "reject",
                                 "symbols": {"GTUBE": {"score": 0}, "NEG": {"score": -1}}})"),
                    settings("add"));
  EXPECT_DOUBLE_EQ(e.reason->points, 15);
  // Nothing scored: the symbols that forced the action are named.
  EXPECT_EQ(e.reason->text, "score=0.0 required=15.0 action=reject: GTUBE 0.0");
  // Bounded both ways.
  e = rspamd_effect(scanned(R"({"score": 900, "action": "reject"})"), settings("add"));
  EXPECT_DOUBLE_EQ(e.reason->points, 50);
  e = rspamd_effect(scanned(R"({"score": -900, "action": "no action"})"), settings("add"));
  EXPECT_DOUBLE_EQ(e.reason->points, -10);
}

TEST(RspamdProtocol, FailureAndSkip) {
  RspamdResult failed;
  failed.status = RspamdResult::Status::failed;
  failed.error = "connect: Connection refused";
  auto open = rspamd_effect(failed, settings("replace", "open"));
  EXPECT_FALSE(open.refuse);
  ASSERT_TRUE(open.reason);
  EXPECT_EQ(open.reason->points, 0);
  EXPECT_EQ(open.reason->text, "rspamd unavailable: connect: Connection refused");
  auto temp = rspamd_effect(failed, settings("add", "tempfail"));
  ASSERT_TRUE(temp.refuse);
  EXPECT_EQ(temp.refuse->code, 451);
  EXPECT_EQ(temp.refuse->enhanced, "4.7.1");
  // A message above max_size is not a failure: delivered on our own verdict, even with tempfail.
  RspamdResult skipped;
  skipped.status = RspamdResult::Status::skipped;
  skipped.error = "20000000 bytes, above max_size";
  auto s = rspamd_effect(skipped, settings("replace", "tempfail"));
  EXPECT_FALSE(s.refuse);
  ASSERT_TRUE(s.reason);
  EXPECT_EQ(s.reason->points, 0);
}

}  // namespace
}  // namespace facteur::server
