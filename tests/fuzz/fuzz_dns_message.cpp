// libFuzzer target: DNS message parsing (RFC 1035 §4, name compression) and the answer
// interpretation (CNAME chains, negative answers) of the stub resolver.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "dns/message.hpp"
#include "dns/stub_resolver.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace facteur::dns;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto m = parse_message(bytes);
  if (!m) return 0;
  for (const auto* section : {&m->answers, &m->authority, &m->additional}) {
    for (const auto& r : *section) {
      if (r.name.size() > 4 * 255) std::abort();  // escaped presentation of <= 255 wire bytes
    }
  }
  // Re-encoding and re-parsing keeps the records.
  auto again = parse_message(encode_message(*m));
  if (again && again->answers.size() != m->answers.size()) std::abort();
  if (!m->questions.empty()) {
    bool complete = true;
    for (auto type : {RType::a, RType::mx, RType::txt, RType::cname}) {
      auto answer = interpret_response(*m, m->questions[0].name, type, complete);
      for (const auto& r : answer.records) {
        if (r.type != static_cast<std::uint16_t>(type)) std::abort();
      }
    }
  }
  return 0;
}
