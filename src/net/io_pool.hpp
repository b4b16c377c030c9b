// IoPool: one io_context per I/O thread; connections are spread over them round-robin, and every
// connection stays on its context for life (no locking inside a session).
#pragma once

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "net/asio.hpp"

namespace facteur::net {

class IoPool {
 public:
  explicit IoPool(unsigned threads);
  ~IoPool();
  IoPool(const IoPool&) = delete;
  IoPool& operator=(const IoPool&) = delete;

  asio::io_context& next();  // the context for the next new connection
  asio::io_context& main() { return *contexts_.front(); }
  std::size_t size() const { return contexts_.size(); }

  void start();  // runs every context on its own thread
  void stop();   // stops the contexts; pending handlers are dropped
  void join();
  // Stops, joins and destroys the contexts, and with them every pending handler and coroutine
  // frame (sessions): call before destroying what sessions refer to.
  void destroy();

 private:
  std::vector<std::unique_ptr<asio::io_context>> contexts_;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards_;
  std::vector<std::thread> threads_;
  std::atomic<std::size_t> next_{0};
};

}  // namespace facteur::net
