// Quota replies and failure notices for local copies (local_failures.hpp). Codes: RFC 5321
// §4.2.2 (552 exceeded storage allocation) and §4.2.5 (452, temporary); RFC 3463 §3.3 (X.2.2
// mailbox full), §3.2 (X.1.1); RFC 1870 §6 (SIZE= refusals at RCPT); RFC 3461 §4.1 (NOTIFY),
// §4.2 (ORCPT).
#include "server/local_failures.hpp"

#include <gtest/gtest.h>

namespace facteur::server {
namespace {

store::Account account(std::uint64_t quota_bytes, std::uint64_t used_bytes,
                       std::uint64_t quota_messages = 0, std::uint64_t used_messages = 0) {
  store::Account a;
  a.address = "ann@example.org";
  a.quota_bytes = quota_bytes;
  a.used_bytes = used_bytes;
  a.quota_messages = quota_messages;
  a.used_messages = used_messages;
  return a;
}

TEST(QuotaRoom, FullAndTooSmallAreToldApart) {
  EXPECT_EQ(quota_room({account(1000, 10)}, std::nullopt), QuotaRoom::fits);
  EXPECT_EQ(quota_room({account(1000, 1000)}, std::nullopt), QuotaRoom::full);
  EXPECT_EQ(quota_room({account(0, 0, 5, 5)}, std::nullopt), QuotaRoom::full);
  EXPECT_EQ(quota_room({account(0, 5000)}, 10'000'000), QuotaRoom::fits);  // unlimited
  // SIZE= larger than the whole quota: never fits, even in an empty mailbox.
  EXPECT_EQ(quota_room({account(1000, 0)}, 1001), QuotaRoom::too_small);
  EXPECT_EQ(quota_room({account(1000, 0)}, 1000), QuotaRoom::fits);
  // A declared size that fits the quota but not what is left: the end of DATA decides (the
  // declaration is an estimate).
  EXPECT_EQ(quota_room({account(1000, 900)}, 500), QuotaRoom::fits);
}

TEST(QuotaRoom, AnAliasFitsWhenOneAccountCan) {
  EXPECT_EQ(quota_room({account(1000, 1000), account(1000, 0)}, std::nullopt), QuotaRoom::fits);
  EXPECT_EQ(quota_room({account(1000, 1000), account(100, 0)}, 500), QuotaRoom::full);
  EXPECT_EQ(quota_room({account(100, 0), account(200, 0)}, 500), QuotaRoom::too_small);
  // A failed lookup: not refused here.
  EXPECT_EQ(quota_room({account(1000, 1000), std::nullopt}, std::nullopt), QuotaRoom::fits);
  EXPECT_EQ(quota_room({}, 500), QuotaRoom::fits);
}

TEST(QuotaRefusal, RepliesAtRcpt) {
  EXPECT_FALSE(quota_refusal(QuotaRoom::fits, "ann@example.org"));
  auto full = quota_refusal(QuotaRoom::full, "ann@example.org");
  ASSERT_TRUE(full);
  EXPECT_EQ(full->code, 452);
  EXPECT_EQ(full->enhanced, "4.2.2");
  EXPECT_NE(full->text.find("<ann@example.org>"), std::string::npos);
  auto small = quota_refusal(QuotaRoom::too_small, "ann@example.org");
  ASSERT_TRUE(small);
  EXPECT_EQ(small->code, 552);
  EXPECT_EQ(small->enhanced, "5.2.2");
}

FailedCopy failed(Errc code, std::string rcpt = "ann@example.org", unsigned notify = 0) {
  FailedCopy c;
  c.account_address = "ann@example.org";
  auto at = rcpt.find('@');
  c.recipient.local_part = rcpt.substr(0, at);
  c.recipient.domain = rcpt.substr(at + 1);
  c.params.notify = notify;
  c.error = Error{code, "x"};
  return c;
}

TEST(NoCopyWritten, PermanentOnlyWhenEveryCopyIsTooLarge) {
  auto r = no_copy_written_reply({failed(Errc::too_large), failed(Errc::too_large)});
  EXPECT_EQ(r.code, 552);
  EXPECT_EQ(r.enhanced, "5.2.2");
  r = no_copy_written_reply({failed(Errc::too_large), failed(Errc::limit_exceeded)});
  EXPECT_EQ(r.code, 452);  // one of them may fit after a deletion: the sender retries
  EXPECT_EQ(r.enhanced, "4.2.2");
  r = no_copy_written_reply({failed(Errc::limit_exceeded)});
  EXPECT_EQ(r.code, 452);
  r = no_copy_written_reply({failed(Errc::not_found)});
  EXPECT_EQ(r.code, 451);
  EXPECT_EQ(r.enhanced, "4.3.0");
  r = no_copy_written_reply({failed(Errc::not_found), failed(Errc::too_large)});
  EXPECT_EQ(r.code, 451);
}

TEST(FailureNotice, StatusNotifyAndOriginalRecipient) {
  auto list = failure_notice_recipients(
      {failed(Errc::too_large, "ann@example.org"), failed(Errc::limit_exceeded, "ann@a.example"),
       failed(Errc::not_found, "ann@b.example"), failed(Errc::io_error, "ann@c.example")});
  ASSERT_EQ(list.size(), 4u);
  EXPECT_EQ(list[0].status, "5.2.2");
  EXPECT_EQ(list[1].status, "5.2.2");
  EXPECT_EQ(list[2].status, "5.1.1");
  EXPECT_EQ(list[3].status, "5.3.0");
  for (const auto& r : list) {
    EXPECT_EQ(r.action, queue::DsnAction::failed);
    EXPECT_EQ(r.final_recipient.local_part, "ann");
    EXPECT_FALSE(r.original);  // no ORCPT= given
    EXPECT_FALSE(r.explanation.empty());
  }
  // NOTIFY=NEVER, or NOTIFY without FAILURE: no notice (RFC 3461 §4.1).
  EXPECT_TRUE(
      failure_notice_recipients({failed(Errc::too_large, "ann@example.org", smtp::kNotifyNever)})
          .empty());
  EXPECT_TRUE(
      failure_notice_recipients({failed(Errc::too_large, "ann@example.org", smtp::kNotifySuccess)})
          .empty());
  ASSERT_EQ(
      failure_notice_recipients({failed(Errc::too_large, "ann@example.org", smtp::kNotifyFailure)})
          .size(),
      1u);
  // Through an alias: the address the client gave, not the member account (kept private), once
  // for all the members that failed.
  auto via = failure_notice_recipients({failed(Errc::limit_exceeded, "team@example.org"),
                                        failed(Errc::too_large, "team@example.org")});
  ASSERT_EQ(via.size(), 1u);
  EXPECT_EQ(via[0].final_recipient.to_string(), "team@example.org");
  EXPECT_FALSE(via[0].original);
  // Filed as junk: no notice (a forged sender would get backscatter).
  auto junk = failed(Errc::too_large);
  junk.junk = true;
  EXPECT_TRUE(failure_notice_recipients({junk}).empty());
  // ORCPT= given: passed on as received.
  auto copy = failed(Errc::limit_exceeded, "team@example.org");
  copy.params.orcpt = smtp::OriginalRecipient{"rfc822", "first@elsewhere.example"};
  via = failure_notice_recipients({copy});
  ASSERT_TRUE(via[0].original);
  EXPECT_EQ(via[0].original->address, "first@elsewhere.example");
}

}  // namespace
}  // namespace facteur::server
