// Hand-run measurement of delivery throughput (not a unit test; bench/ has the Google
// Benchmark suite): N threads each deliver messages one after another, as N SMTP sessions
// would, and wait for each acknowledgement.
//   store_throughput [--threads N] [--count TOTAL] [--size BYTES] [--inline-max BYTES]
//                    [--no-fsync] [--dir PATH]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include <fmt/format.h>

#include "store/sqlite/sqlite_store.hpp"

using namespace facteur::store;

int main(int argc, char** argv) {
  int threads = 1;
  int count = 2000;
  std::size_t size = 10 * 1024;
  Options options;
  std::string dir_arg;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto next = [&]() -> const char* { return i + 1 < argc ? argv[++i] : "0"; };
    if (arg == "--threads")
      threads = std::atoi(next());
    else if (arg == "--count")
      count = std::atoi(next());
    else if (arg == "--size")
      size = std::strtoull(next(), nullptr, 10);
    else if (arg == "--inline-max")
      options.inline_blob_max = std::strtoull(next(), nullptr, 10);
    else if (arg == "--no-fsync")
      options.durable = false;
    else if (arg == "--dir")
      dir_arg = next();
    else {
      std::fprintf(stderr, "unknown argument %s\n", argv[i]);
      return 2;
    }
  }
  std::filesystem::path dir = dir_arg;
  if (dir.empty()) {
    char tmpl[] = "/tmp/facteur-throughput-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) return 1;
    dir = tmpl;
  }
  auto opened = open_sqlite_store(dir, options);
  if (!opened) {
    std::fprintf(stderr, "open: %s\n", opened.error().message.c_str());
    return 1;
  }
  Store& store = **opened;
  auto account = store.create_account(NewAccount{"bench@example.org", {}, {}, 0, 0});
  if (!account) return 1;
  std::string body(size, 'x');
  for (std::size_t i = 78; i < body.size(); i += 80)
    body.replace(i - 2, 2, "\r\n");

  std::atomic<int> next{0};
  std::atomic<int> failures{0};
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      while (next.fetch_add(1) < count) {
        Delivery d;
        d.blob = store.new_blob_writer();
        (void)d.blob->append(body);
        d.targets.push_back(DeliveryTarget{
            account->id, {}, true, "Delivered-To: bench@example.org\r\n", 0, {}, true});
        auto r = store.deliver_and_wait(std::move(d));
        if (!r || !r->targets[0]) ++failures;
      }
    });
  }
  for (auto& th : pool)
    th.join();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  auto stats = sqlite_stats(store);
  std::printf("threads=%d deliveries=%d size=%zu inline_max=%zu fsync=%s\n", threads, count, size,
              options.inline_blob_max, options.durable ? "on" : "off");
  std::printf("  %.0f deliveries/s (%.2f s), failures=%d\n", count / seconds, seconds,
              failures.load());
  if (stats) {
    double per = double(stats->batches + stats->file_fsyncs + stats->dir_fsyncs) / stats->writes;
    std::printf(
        "  batches=%llu (%.1f writes/batch), fsyncs: WAL=%llu file=%llu dir=%llu -> %.3f per "
        "delivery (+ checkpoints)\n",
        (unsigned long long)stats->batches, double(stats->writes) / stats->batches,
        (unsigned long long)stats->batches, (unsigned long long)stats->file_fsyncs,
        (unsigned long long)stats->dir_fsyncs, per);
  }
  opened->reset();
  if (dir_arg.empty()) std::filesystem::remove_all(dir);
  return failures.load() == 0 ? 0 : 1;
}
