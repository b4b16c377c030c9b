// An asynchronous client for rspamd's normal worker ([filter.rspamd]): POSTs one message to
// <url>/checkv2 with the envelope in rspamd's header fields (rspamd_protocol.hpp) and returns the
// parsed reply. One connection per message (rspamd's normal worker closes it anyway), the
// whole exchange bounded by the configured timeout, messages above max_size not sent.
// Why rspamd's HTTP protocol rather than milter: docs/filter.md.
// Trust: sends internet input (the message, the envelope) to a local service and parses its
// reply defensively; never throws.
#pragma once

#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "base/config.hpp"
#include "net/asio.hpp"
#include "server/rspamd_protocol.hpp"

namespace facteur::server {

class RspamdClient {
 public:
  explicit RspamdClient(const RspamdSettings& settings);
  ~RspamdClient();

  // By reference (g++ 12 and coroutine arguments): both must outlive the call. Runs on the
  // caller's executor.
  net::awaitable<RspamdResult> check(std::string_view message, const RspamdEnvelope& envelope);

  // Ends the exchanges in progress and fails later ones at once (shutdown).
  void stop();

  const RspamdSettings& settings() const noexcept { return settings_; }

 private:
  struct Exchange;
  net::awaitable<Result<RspamdReply>> exchange(std::string_view message,
                                               const RspamdEnvelope& envelope);

  RspamdSettings settings_;
  std::mutex mutex_;
  bool stopped_ = false;
  std::vector<std::weak_ptr<Exchange>> running_;
};

}  // namespace facteur::server
