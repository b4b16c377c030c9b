#include "store/sqlite/committer.hpp"

#include <algorithm>
#include <atomic>
#include <ctime>
#include <set>
#include <system_error>

#include "base/log.hpp"

namespace facteur::store::sqlite {
namespace {

Error batch_error(const Error& cause) {
  // Whatever failed, the caller sees a temporary I/O error ("451 4.3.0", "try again").
  return Error{cause.code == Errc::unavailable ? Errc::unavailable : Errc::io_error, cause.message};
}

void undo(Effects& effects, const BlobFiles& files) {
  for (auto& file : effects.new_files) {
    file.fd.reset();
    (void)files.remove(file.path);
  }
  effects = Effects{};
}

}  // namespace

Committer::Committer(std::unique_ptr<Connection> db, BlobFiles& files, const Options& options,
                     Publish publish)
    : db_(std::move(db)),
      files_(files),
      options_(options),
      publish_(std::move(publish)),
      thread_([this] { loop(); }) {}

Committer::~Committer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void Committer::submit(WriteJob job) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      queue_.push_back(std::move(job));
      wake_.notify_one();
      return;
    }
  }
  job.complete(make_error(Errc::unavailable, "store is closing"));
}

BatchStats Committer::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void Committer::loop() {
  std::vector<WriteJob> batch;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      std::size_t n = std::min(queue_.size(), std::max<std::size_t>(options_.max_batch, 1));
      for (std::size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    run_batch(batch);
    batch.clear();
  }
}

Status Committer::sync_files(const std::vector<PlacedFile>& placed) {
  if (placed.size() <= 1) {
    return placed.empty() ? Status{} : files_.sync_file(placed.front());
  }
  std::size_t workers = std::min<std::size_t>(placed.size(), kMaxSyncThreads);
  std::vector<Status> results(workers);
  std::vector<std::thread> threads;
  std::atomic<std::size_t> next{0};
  auto work = [&](std::size_t w) {
    for (std::size_t i; (i = next.fetch_add(1)) < placed.size();) {
      if (auto s = files_.sync_file(placed[i]); !s && results[w]) results[w] = s;
    }
  };
  for (std::size_t w = 1; w < workers; ++w) {
    try {
      threads.emplace_back(work, w);
    } catch (const std::system_error&) {
      break;  // no thread to spare: this one does the rest
    }
  }
  work(0);
  for (auto& t : threads)
    t.join();
  for (auto& r : results) {
    if (!r) return r;
  }
  return {};
}

void Committer::run_batch(std::vector<WriteJob>& jobs) {
  std::vector<Status> results(jobs.size());
  auto fail_all = [&](const Error& error) {
    for (auto& job : jobs)
      job.complete(std::unexpected(batch_error(error)));
  };
  if (auto begin = db_->exec("BEGIN IMMEDIATE"); !begin) {
    fail_all(begin.error());
    return;
  }
  // Trash rows whose files the previous batches unlinked.
  for (BlobId id : unlinked_) {
    auto stmt = db_->prepare("DELETE FROM blob_trash WHERE blob_id = ?");
    if (stmt) (void)stmt->bind_all(id).run();
  }

  Effects batch;
  const std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
  bool broken = false;  // a SAVEPOINT statement itself failed: the transaction is unusable
  Error broken_error{Errc::io_error, ""};
  for (std::size_t i = 0; i < jobs.size() && !broken; ++i) {
    if (auto s = db_->exec("SAVEPOINT job"); !s) {
      broken = true;
      broken_error = s.error();
      break;
    }
    Effects effects;
    WriteContext ctx{*db_, files_, options_, effects, now};
    results[i] = jobs[i].run(ctx);
    if (results[i]) {
      if (auto s = db_->exec("RELEASE job"); !s) {
        broken = true;
        broken_error = s.error();
      }
      batch.merge(std::move(effects));
    } else {
      auto s = db_->exec("ROLLBACK TO job");
      if (s) s = db_->exec("RELEASE job");
      if (!s) {
        broken = true;
        broken_error = s.error();
      }
      undo(effects, files_);
    }
  }

  // Blob files and their directory entries reach the disk before the rows that point at them.
  // The files are flushed in parallel: the filesystem merges concurrent flushes into one journal
  // commit, where one after the other would each wait for their own.
  std::uint64_t file_syncs = 0, dir_syncs = 0;
  if (!broken) {
    if (auto s = sync_files(batch.new_files); !s) {
      broken = true;
      broken_error = s.error();
    }
    file_syncs = batch.new_files.size();
  }
  if (!broken) {
    std::set<std::filesystem::path> dirs;
    for (const auto& file : batch.new_files) {
      dirs.insert(file.path.parent_path());
      if (file.new_directory) dirs.insert(files_.blobs_dir());
    }
    for (auto it = dirs.begin(); it != dirs.end() && !broken; ++it) {
      if (auto s = files_.sync_dir(*it); !s) {
        broken = true;
        broken_error = s.error();
      }
      ++dir_syncs;
    }
  }

  if (!broken) {
    Status commit = files_.fault("commit")
                        ? Status(make_error(Errc::io_error, "injected failure at commit"))
                        : db_->exec("COMMIT");
    if (!commit) {
      broken = true;
      broken_error = commit.error();
      // The COMMIT may have reached the WAL even though it reported an error, so the new files
      // stay; if the batch really is lost they are overwritten by the next use of their ids or
      // removed by the sweep at the next open.
      for (auto& file : batch.new_files)
        file.fd.reset();
      batch.new_files.clear();
    }
  }

  if (broken) {
    if (db_->in_transaction()) (void)db_->exec("ROLLBACK");
    undo(batch, files_);
    spdlog::warn("store: batch of {} writes failed: {}", jobs.size(), broken_error.message);
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      jobs[i].complete(results[i] ? Status(std::unexpected(batch_error(broken_error)))
                                  : results[i]);
    }
    return;
  }

  unlinked_.clear();
  for (auto& file : batch.new_files)
    file.fd.reset();
  // Released blob files go only now: before the COMMIT a crash would have left rows without
  // their bytes. The trash rows let the next open finish the job if we die here.
  std::set<std::filesystem::path> trash_dirs;
  for (BlobId id : batch.trashed) {
    auto path = files_.path(id);
    if (auto s = files_.remove(path); !s) {
      spdlog::warn("store: {}", s.error().message);
      continue;
    }
    trash_dirs.insert(path.parent_path());
    unlinked_.push_back(id);
  }
  for (const auto& dir : trash_dirs)
    (void)files_.sync_dir(dir);

  {
    std::lock_guard lock(mutex_);
    stats_.batches += 1;
    stats_.jobs += jobs.size();
    stats_.file_fsyncs += file_syncs;
    stats_.dir_fsyncs += dir_syncs;
  }
  // Subscribers hear of a change before its writer returns, so "write, then wait for the
  // event" cannot miss it.
  if (!batch.events.empty() && publish_) publish_(batch.events);
  for (std::size_t i = 0; i < jobs.size(); ++i)
    jobs[i].complete(results[i]);
}

}  // namespace facteur::store::sqlite
