// libFuzzer target: SPF evaluation over a fuzzed zone. The input is split at newlines into TXT
// records of a few names, so include/redirect/macro chains and the lookup limits are explored.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "base/strings.hpp"
#include "dns/fake_resolver.hpp"
#include "mailauth/spf.hpp"

namespace {

// Not in the extern "C" function itself: g++ 12 gives the coroutine lambda's parts clashing
// symbol names there.
int fuzz_one(const std::uint8_t* data, std::size_t size) {
  using namespace facteur;
  using namespace facteur::mailauth;
  if (size > 4096) return 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  dns::FakeResolver zone;
  static const char* const kNames[] = {"example.com", "a.example.com", "b.example.com",
                                       "c.example.com"};
  std::size_t i = 0;
  for (auto line : split(bytes, '\n')) {
    zone.add_txt(kNames[i++ % 4], line);
  }
  zone.add_a("a.example.com", "192.0.2.1");
  zone.add_a("b.example.com", "2001:db8::1");
  zone.add_mx("example.com", 10, "a.example.com");
  zone.add_ptr("1.2.0.192.in-addr.arpa", "a.example.com");
  SpfRequest request;
  request.ip = boost::asio::ip::make_address("192.0.2.1");
  request.mail_from = "user@example.com";
  request.helo = "a.example.com";
  boost::asio::io_context io;
  SpfOutcome outcome;
  boost::asio::co_spawn(
      io, [&]() -> net::awaitable<void> { outcome = co_await check_spf_mail_from(zone, request); },
      boost::asio::detached);
  io.run();
  if (outcome.dns_terms > 11 || outcome.void_lookups > 3) std::abort();
  return 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return fuzz_one(data, size);
}
