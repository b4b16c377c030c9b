// The write transactions of the SQLite store. Each runs inside a SAVEPOINT of the committer's
// batch transaction (so it sees its own and earlier writes, and a failure undoes only it), on
// the committer thread. Side effects outside SQL (new blob files, files to unlink after the
// commit, change events) are recorded in Effects and applied or undone by the committer.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "store/sqlite/blob_files.hpp"
#include "store/sqlite/db.hpp"
#include "store/store.hpp"

namespace facteur::store::sqlite {

struct Effects {
  std::vector<PlacedFile> new_files;  // fsync before COMMIT; unlink if rolled back
  std::vector<BlobId> trashed;        // blob files to unlink after COMMIT
  std::vector<ChangeEvent> events;    // published after COMMIT

  void merge(Effects&& other);
};

struct WriteContext {
  Connection& db;
  BlobFiles& files;
  const Options& options;
  Effects& effects;
  std::int64_t now;  // unix seconds, one value per batch
};

Result<Account> create_account(WriteContext& ctx, const NewAccount& account);
Status delete_account(WriteContext& ctx, AccountId id);
Status set_credentials(WriteContext& ctx, AccountId id, const Credentials& credentials);
Status set_apop_secret(WriteContext& ctx, AccountId id, const std::optional<std::string>& secret);
Status set_quota(WriteContext& ctx, AccountId id, std::uint64_t bytes, std::uint64_t messages);

Status add_alias(WriteContext& ctx, std::string_view address, std::span<const std::string> targets);
Status delete_alias(WriteContext& ctx, std::string_view address,
                    std::span<const std::string> targets);

Result<Mailbox> create_mailbox(WriteContext& ctx, AccountId account, std::string_view name,
                               SpecialUse use);
Status delete_mailbox(WriteContext& ctx, MailboxId id);
Status rename_mailbox(WriteContext& ctx, MailboxId id, std::string_view new_name);
Status set_subscribed(WriteContext& ctx, AccountId account, std::string_view name, bool subscribed);

Result<ExpungeResult> expunge(WriteContext& ctx, MailboxId mailbox, std::span<const Uid> uids);
Result<FlagUpdateResult> update_flags(WriteContext& ctx, MailboxId mailbox,
                                      std::span<const Uid> uids, const FlagChange& change);
Result<CopyResult> copy_messages(WriteContext& ctx, MailboxId from, std::span<const Uid> uids,
                                 MailboxId to, bool move);

Result<DeliveryReceipt> deliver(WriteContext& ctx, Delivery& delivery);

// The queue rows of a delivery (its blob already inserted): one message, an entry per domain.
Result<std::vector<QueueEntryId>> enqueue(WriteContext& ctx, const Outbound& outbound, BlobId blob);
Status record_queue_attempt(WriteContext& ctx, const QueueAttempt& attempt);
Status reschedule_queue_entry(WriteContext& ctx, QueueEntryId id, std::int64_t next_attempt);
Status delete_queue_entry(WriteContext& ctx, QueueEntryId id);

}  // namespace facteur::store::sqlite
