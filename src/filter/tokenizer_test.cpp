#include "filter/tokenizer.hpp"

#include <algorithm>

#include <gtest/gtest.h>

#include "filter/hash.hpp"
#include "filter/test_util.hpp"

namespace facteur::filter {
namespace {

bool has(const std::vector<std::string>& tokens, std::string_view t) {
  return std::find(tokens.begin(), tokens.end(), t) != tokens.end();
}

const std::string kHtml = test::message(
    "Received: from mx.example.net by mail.example.org\n"
    "Status: RO\nX-UID: 42\nX-Spam-Flag: YES\n"
    "From: \"Best Deals\" <offers123@deals.example.com>\n"
    "Reply-To: claims@freemail.example\nTo: a@example.org\nSubject: WIN a FREE cruise\n"
    "X-Mailer: SuperMailer 5.2\nMessage-ID: <abc@deals.example.com>\nMIME-Version: 1.0\n"
    "Content-Type: multipart/alternative; boundary=\"b\"\n",
    "--b\nContent-Type: text/plain; charset=iso-8859-1\n\nClaim your free cruise today at "
    "http://www.cruise.example.net/claim\n--b\nContent-Type: text/html; charset=utf-8\n\n"
    "<html><body><font color=red>Claim</font> <a href=\"http://192.0.2.1/x\">now</a>"
    "</body></html>\n--b--\n");

TEST(Tokenizer, WordsPairsAndTaggedTokens) {
  auto view = MessageView::analyze(kHtml);
  auto t = token_strings(view);
  for (const char* want : {"claim",
                           "cruise",
                           "claim your",
                           "free cruise",
                           "S:win",
                           "S:free",
                           "F:d:example.com",
                           "F:n:deals",
                           "F:lp:mixed-short-3d",
                           "RT:d:freemail.example",
                           "RT:(other-domain)",
                           "XM:supermailer",
                           "CT:multipart/alternative",
                           "PT:text/html",
                           "CS:iso-8859-1",
                           "U:example.net",
                           "U:(ip)",
                           "HT:font",
                           "HN:x-mailer",
                           "MID:(from-domain)",
                           "M:parts:2"})
    EXPECT_TRUE(has(t, want)) << want;
}

TEST(Tokenizer, LeavesOutReceiverSideFields) {
  auto t = token_strings(MessageView::analyze(kHtml));
  for (const char* unwanted : {"HN:received", "HN:status", "HN:x-uid", "HN:x-spam-flag"})
    EXPECT_FALSE(has(t, unwanted)) << unwanted;
}

// A list's fields describe the list: spam posted to a list must not pass as the list's ham.
TEST(Tokenizer, LeavesOutFieldsAMailingListAdds) {
  const std::string message = test::message(
      "From: Kelly <kelly@personals.example>\nTo: social@lists.example.org\n"
      "Subject: [Social] my webcam is on\nSender: social-admin@lists.example.org\n"
      "List-Id: Social events <social.lists.example.org>\n"
      "List-Unsubscribe: <mailto:social-request@lists.example.org>\n"
      "X-BeenThere: social@lists.example.org\nX-Mailman-Version: 2.0.11\n"
      "X-Mailman-Approved-At: Tue, 06 Aug 2002 06:50:21 +0100\n"
      "Errors-To: social-admin@lists.example.org\nPrecedence: bulk\n"
      "X-Mailer: Microsoft Outlook IMO\n",
      "Click and see me live.\n");
  auto t = token_strings(MessageView::analyze(message));
  for (const char* unwanted : {"HN:sender", "HN:list-id", "HN:list-unsubscribe", "HN:x-beenthere",
                               "HN:x-mailman-version", "HN:x-mailman-approved-at"})
    EXPECT_FALSE(has(t, unwanted)) << unwanted;
  // What the sending, not the relaying, says stays.
  EXPECT_TRUE(has(t, "HN:x-mailer"));
  EXPECT_TRUE(has(t, "HV:precedence bulk"));
}

TEST(Tokenizer, HashesAreThoseOfTheTokenStrings) {
  auto view = MessageView::analyze(kHtml);
  auto strings = token_strings(view);
  auto hashes = tokenize(view);
  std::sort(hashes.begin(), hashes.end());
  EXPECT_EQ(std::adjacent_find(hashes.begin(), hashes.end()), hashes.end());  // each once
  std::vector<std::uint64_t> expected;
  for (const auto& s : strings)
    expected.push_back(token_hash(s));
  std::sort(expected.begin(), expected.end());
  expected.erase(std::unique(expected.begin(), expected.end()), expected.end());
  EXPECT_EQ(hashes, expected);
}

TEST(Tokenizer, LinkPathsPortsAndTheSendersOwnDomain) {
  const std::string phish = test::message(
      "From: Bank <alerts@bank.example>\n",
      "Log in at http://203.0.113.9:8080/x and http://host.example.net:6180/SignIn/verify.php?"
      "acct=1\n");
  auto t = token_strings(MessageView::analyze(phish));
  for (const char* want :
       {"U:(port)", "UP:signin", "UP:verify", "UP:php", "UP:acct", "U:(none-from-domain)"})
    EXPECT_TRUE(has(t, want)) << want;
  EXPECT_FALSE(has(t, "UP:x"));  // shorter than 3

  const std::string news = test::message("From: News <news@paper.example>\n",
                                         "Read it at https://www.paper.example/today\n");
  t = token_strings(MessageView::analyze(news));
  EXPECT_TRUE(has(t, "U:(some-from-domain)"));
  EXPECT_FALSE(has(t, "U:(port)"));
  // user@host is not a port, nor is a bare colon.
  const std::string userinfo =
      test::message("From: a@b.example\n", "http://user:pw@host.example/ http://host.example:/\n");
  t = token_strings(MessageView::analyze(userinfo));
  EXPECT_FALSE(has(t, "U:(port)"));
}

TEST(Tokenizer, LongWordsAndNumbersAreSummarised) {
  const std::string m =
      test::message("From: a@b.example\n", "abcdefghijklmnopqrstuvwxyz0123 12 1234567 x\n");
  auto view = MessageView::analyze(m);
  auto t = token_strings(view);
  EXPECT_TRUE(has(t, "sk:abcdefgh"));
  EXPECT_TRUE(has(t, "12"));
  EXPECT_TRUE(has(t, "N:7"));
  EXPECT_FALSE(has(t, "x"));
}

}  // namespace
}  // namespace facteur::filter
