#include "server/local_failures.hpp"

#include "queue/dsn.hpp"

namespace facteur::server {

QuotaRoom quota_room(const std::vector<std::optional<store::Account>>& accounts,
                     std::optional<std::uint64_t> declared) {
  if (accounts.empty()) return QuotaRoom::fits;
  bool every_too_small = true;
  for (const auto& account : accounts) {
    if (!account) return QuotaRoom::fits;
    if (declared && store::larger_than_quota(*account, *declared)) continue;
    every_too_small = false;
    if (!store::at_quota(*account)) return QuotaRoom::fits;
  }
  return every_too_small ? QuotaRoom::too_small : QuotaRoom::full;
}

std::optional<smtp::Reply> quota_refusal(QuotaRoom room, const std::string& address) {
  switch (room) {
    case QuotaRoom::fits:
      return std::nullopt;
    case QuotaRoom::full:
      // As Dovecot's lmtp_rcpt_check_quota: refused before the data is sent.
      return smtp::Reply{452, "4.2.2", "<" + address + ">: Mailbox full, try again later"};
    case QuotaRoom::too_small:
      return smtp::Reply{552, "5.2.2",
                         "<" + address + ">: Message larger than the mailbox's storage quota"};
  }
  return std::nullopt;
}

smtp::Reply no_copy_written_reply(const std::vector<FailedCopy>& failed) {
  bool full = false;
  bool every_too_large = !failed.empty();
  for (const auto& copy : failed) {
    full = full || copy.error.code == Errc::limit_exceeded;
    every_too_large = every_too_large && copy.error.code == Errc::too_large;
  }
  if (every_too_large) return {552, "5.2.2", "Message larger than the mailbox's storage quota"};
  if (full) return {452, "4.2.2", "Mailbox full, try again later"};
  return {451, "4.3.0", "Local delivery failed, try again later"};
}

namespace {

// RFC 3463: X.2.2 mailbox full (quota), X.1.1 no such mailbox (the account went away during
// the transaction), X.3.0 anything else of ours.
std::pair<std::string, std::string> status_of(const Error& error) {
  switch (error.code) {
    case Errc::too_large:
      return {"5.2.2", "message larger than the mailbox's storage quota"};
    case Errc::limit_exceeded:
      return {"5.2.2", "mailbox full"};
    case Errc::not_found:
      return {"5.1.1", "mailbox unavailable"};
    default:
      return {"5.3.0", "local delivery failed"};
  }
}

}  // namespace

std::vector<queue::DsnRecipient> failure_notice_recipients(const std::vector<FailedCopy>& failed) {
  std::vector<queue::DsnRecipient> out;
  for (const auto& copy : failed) {
    if (copy.junk || !queue::dsn_wanted(copy.params.notify, queue::DsnAction::failed)) continue;
    bool listed = false;  // several accounts behind one alias: one entry for the RCPT
    for (const auto& r : out)
      listed = listed || r.final_recipient.to_string() == copy.recipient.to_string();
    if (listed) continue;
    queue::DsnRecipient r;
    r.final_recipient = copy.recipient;
    r.original = copy.params.orcpt;
    r.action = queue::DsnAction::failed;
    auto [status, explanation] = status_of(copy.error);
    r.status = status;
    r.explanation = explanation;
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace facteur::server
