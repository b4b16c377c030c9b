// Resolver: the asynchronous DNS lookup interface used by MX routing and sender authentication.
// StubResolver (stub_resolver.hpp) asks recursive servers; FakeResolver (fake_resolver.hpp) answers
// from an in-memory zone for tests.
// Trust: answers come from the network; callers treat them as untrusted data.
#pragma once

#include <string>

#include "dns/record.hpp"
#include "net/asio.hpp"

namespace facteur::dns {

class Resolver {
 public:
  virtual ~Resolver() = default;

  // Looks up `type` records of `name`, following CNAMEs. Never throws: every failure is an
  // Answer status (bad_name for names that cannot be queried, temp_failure for the rest).
  virtual net::awaitable<Answer> query(std::string name, RType type) = 0;
};

}  // namespace facteur::dns
