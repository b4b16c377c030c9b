// Read queries of the SQLite store, shared by the reader pool and the write transactions, and
// the small encodings the schema uses (address keys, keyword lists).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "store/sqlite/blob_files.hpp"
#include "store/sqlite/db.hpp"
#include "store/store.hpp"

namespace facteur::store::sqlite {

// Lookup key of an address: canonical form, fully lower-cased (ASCII).
Result<std::string> address_key(std::string_view address);

// Keywords are stored as one space-separated string, sorted and unique (case-insensitively).
// Errc::invalid_argument for an empty keyword or one with spaces, controls or IMAP specials.
Result<std::vector<std::string>> normalize_keywords(std::span<const std::string> keywords);
std::string join_keywords(const std::vector<std::string>& keywords);
std::vector<std::string> split_keywords(std::string_view stored);

// Errc::invalid_argument unless `name` (canonical) is a usable mailbox name.
Status validate_mailbox_name(std::string_view name);

Result<Account> load_account(Connection& db, AccountId id);
Result<Account> load_account_by_address(Connection& db, std::string_view address);
Result<std::vector<Account>> load_accounts(Connection& db);

Result<Alias> load_alias(Connection& db, std::string_view address);
Result<std::vector<Alias>> load_aliases(Connection& db);

Result<Mailbox> load_mailbox(Connection& db, MailboxId id);
Result<Mailbox> load_mailbox_by_name(Connection& db, AccountId account, std::string_view name);
Result<Mailbox> load_special_mailbox(Connection& db, AccountId account, SpecialUse use);
Result<std::vector<Mailbox>> load_mailboxes(Connection& db, AccountId account);
Result<std::vector<std::string>> load_subscriptions(Connection& db, AccountId account);

Result<std::vector<MessageInfo>> load_messages(Connection& db, MailboxId mailbox,
                                               const MessageQuery& query);
// Errc::not_found when the mailbox does not exist.
Result<MailboxSnapshot> load_snapshot(Connection& db, MailboxId mailbox);
Result<MessageInfo> load_message(Connection& db, MailboxId mailbox, Uid uid, bool with_metadata);
Result<MessageContent> open_content(Connection& db, const BlobFiles& files, MailboxId mailbox,
                                    Uid uid);
Result<std::vector<Uid>> load_expunged_since(Connection& db, MailboxId mailbox, ModSeq since);

Result<std::vector<QueueEntry>> load_queue(Connection& db, const QueueQuery& query);
Result<QueueEntry> load_queue_entry(Connection& db, QueueEntryId id);
Result<std::unique_ptr<BlobReader>> open_queue_blob(Connection& db, const BlobFiles& files,
                                                    QueueEntryId id);

}  // namespace facteur::store::sqlite
