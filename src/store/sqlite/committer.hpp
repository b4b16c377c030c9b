// The committer: the one thread that writes the SQLite store. It takes every queued write job,
// runs them in ONE transaction (a SAVEPOINT each, so a failing job is undone alone), fsyncs the
// blob files they created and their directories, commits once, then unlinks the blob files the
// batch released and completes the jobs. Concurrent deliveries therefore share the WAL fsync.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "base/result.hpp"
#include "store/sqlite/blob_files.hpp"
#include "store/sqlite/db.hpp"
#include "store/sqlite/write_ops.hpp"

namespace facteur::store::sqlite {

struct WriteJob {
  // Runs inside the job's SAVEPOINT; an error rolls back to it.
  std::function<Status(WriteContext&)> run;
  // Called once on the committer thread: the job's own error, or the batch's (fsync, COMMIT),
  // or success once the batch is durable.
  std::function<void(Status)> complete;
};

struct BatchStats {
  std::uint64_t batches = 0;
  std::uint64_t jobs = 0;
  std::uint64_t file_fsyncs = 0;
  std::uint64_t dir_fsyncs = 0;
};

class Committer {
 public:
  using Publish = std::function<void(const std::vector<ChangeEvent>&)>;

  Committer(std::unique_ptr<Connection> db, BlobFiles& files, const Options& options,
            Publish publish);
  ~Committer();  // runs what is queued, then stops
  Committer(const Committer&) = delete;
  Committer& operator=(const Committer&) = delete;

  void submit(WriteJob job);

  // Runs `body` as a job and waits for the commit.
  template <class T>
  Result<T> call(const std::function<Result<T>(WriteContext&)>& body) {
    std::promise<Result<T>> promise;
    auto future = promise.get_future();
    std::optional<Result<T>> value;
    submit(WriteJob{[&](WriteContext& ctx) -> Status {
                      value = body(ctx);
                      if (!value->has_value()) return std::unexpected(value->error());
                      return {};
                    },
                    [&](Status status) {
                      if (!status) {
                        promise.set_value(std::unexpected(std::move(status).error()));
                      } else {
                        promise.set_value(std::move(*value));
                      }
                    }});
    return future.get();
  }

  BatchStats stats() const;

 private:
  void loop();
  void run_batch(std::vector<WriteJob>& jobs);
  Status sync_files(const std::vector<PlacedFile>& placed);

  static constexpr std::size_t kMaxSyncThreads = 16;

  std::unique_ptr<Connection> db_;
  BlobFiles& files_;
  const Options& options_;
  Publish publish_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<WriteJob> queue_;
  bool stopping_ = false;
  BatchStats stats_;

  std::vector<BlobId> unlinked_;  // trash rows to delete in the next transaction
  std::thread thread_;            // last: starts once everything above is ready
};

}  // namespace facteur::store::sqlite
