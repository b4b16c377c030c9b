// Helpers shared by the mailauth tests: run a coroutine to completion, CRLF conversion.
#pragma once

#include <string>
#include <string_view>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "net/asio.hpp"

namespace facteur::mailauth::testing {

template <class T>
T run(net::awaitable<T> task) {
  boost::asio::io_context io;
  T out{};
  boost::asio::co_spawn(
      io, [&]() -> net::awaitable<void> { out = co_await std::move(task); }, boost::asio::detached);
  io.run();
  return out;
}

inline std::string crlf(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\n') out.push_back('\r');
    out.push_back(c);
  }
  return out;
}

}  // namespace facteur::mailauth::testing
