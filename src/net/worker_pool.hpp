// WorkerPool: where blocking work runs (SQLite, fsync, argon2, MIME parsing), never on I/O threads.
// run_blocking() hops to the pool, runs the function, and resumes the coroutine on its own
// executor.
#pragma once

#include <exception>
#include <memory>
#include <type_traits>
#include <utility>

#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include "net/asio.hpp"

namespace facteur::net {

class WorkerPool {
 public:
  explicit WorkerPool(unsigned threads) : pool_(threads == 0 ? 2 : threads) {}
  ~WorkerPool() { join(); }
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  asio::thread_pool& pool() { return pool_; }
  void join() { pool_.join(); }

 private:
  asio::thread_pool pool_;
};

// Runs f() on the worker pool and returns its result to the awaiting coroutine. f must not throw
// (the data path reports errors as values); if it does, the program terminates loudly.
//
// Capture only references and pointers in `f` (it must be trivially destructible): g++ 12 may
// destroy a temporary in a co_await expression twice (a known coroutine bug), which corrupted the
// heap when a lambda captured a shared_ptr. The static_assert keeps that from coming back.
template <class F>
awaitable<std::invoke_result_t<F>> run_blocking(WorkerPool& workers, F f) {
  using R = std::invoke_result_t<F>;
  static_assert(std::is_trivially_destructible_v<F>,
                "capture references or pointers only (g++ 12 co_await temporary bug)");
  static_assert(!std::is_void_v<R>, "return a Status instead of void");
  return asio::async_initiate<decltype(asio::use_awaitable), void(R)>(
      [&workers, f = std::move(f)](auto handler) mutable {
        auto home = asio::get_associated_executor(handler);
        asio::post(workers.pool(), [f = std::move(f), handler = std::move(handler),
                                    home = std::move(home)]() mutable noexcept {
          R result = f();
          asio::post(home, [handler = std::move(handler), result = std::move(result)]() mutable {
            std::move(handler)(std::move(result));
          });
        });
      },
      asio::use_awaitable);
}

// Resumes the awaiting coroutine with a value produced later, from any thread: the awaiting
// coroutine receives it on its own executor. Used for callbacks such as the store's group commit.
// The same capture rule as run_blocking applies to `start`.
template <class R, class Start>
awaitable<R> await_callback(Start start) {
  static_assert(std::is_trivially_destructible_v<Start>,
                "capture references or pointers only (g++ 12 co_await temporary bug)");
  return asio::async_initiate<decltype(asio::use_awaitable), void(R)>(
      [start = std::move(start)](auto handler) mutable {
        using Handler = decltype(handler);
        auto home = asio::get_associated_executor(handler);
        // The callback may be stored in a std::function, which must be copyable: share the handler.
        auto shared = std::make_shared<Handler>(std::move(handler));
        start([shared, home = std::move(home)](R result) mutable {
          asio::post(home, [shared, result = std::move(result)]() mutable {
            std::move (*shared)(std::move(result));
          });
        });
      },
      asio::use_awaitable);
}

}  // namespace facteur::net
