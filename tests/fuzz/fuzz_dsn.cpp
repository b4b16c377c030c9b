// Fuzzes the DSN module: parse_dsn on arbitrary messages, and build_dsn with a hostile remote
// reply and original message whose result must parse back with the same recipients, actions
// and statuses.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fuzzer/FuzzedDataProvider.h>
#include <string>

#include "queue/dsn.hpp"

#define require(cond)                                                          \
  do {                                                                         \
    if (!(cond)) {                                                             \
      std::fprintf(stderr, "invariant failed line %d: %s\n", __LINE__, #cond); \
      std::abort();                                                            \
    }                                                                          \
  } while (0)

using namespace facteur;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider fdp(data, size);
  const bool build = fdp.ConsumeBool();
  if (!build) {
    auto text = fdp.ConsumeRemainingBytesAsString();
    (void)queue::parse_dsn(text);
    return 0;
  }
  queue::DsnRequest req;
  req.reporting_mta = "mx.example.net";
  req.sender = *mail::parse_reverse_path("<alice@example.net>");
  req.smtputf8 = fdp.ConsumeBool();
  req.ret = static_cast<smtp::DsnRet>(fdp.ConsumeIntegralInRange<int>(0, 2));
  if (fdp.ConsumeBool()) req.envid = fdp.ConsumeRandomLengthString(40);
  req.unique = "u1";
  auto action = static_cast<queue::DsnAction>(fdp.ConsumeIntegralInRange<int>(0, 4));
  int n = fdp.ConsumeIntegralInRange<int>(1, 3);
  for (int i = 0; i < n; ++i) {
    queue::DsnRecipient r;
    r.final_recipient = *mail::parse_forward_path("<bob@example.org>");
    r.action = action;
    r.remote_mta = fdp.ConsumeRandomLengthString(30);
    smtp::Reply reply;
    reply.code = fdp.ConsumeIntegralInRange<int>(200, 599);
    reply.text = fdp.ConsumeRandomLengthString(300);
    r.remote_reply = reply;
    if (fdp.ConsumeBool())
      r.original = smtp::OriginalRecipient{"rfc822", fdp.ConsumeRandomLengthString(40)};
    req.recipients.push_back(std::move(r));
  }
  std::string original = fdp.ConsumeRemainingBytesAsString();
  req.original_message = original;
  auto dsn = queue::build_dsn(req);
  require(dsn.has_value());
  auto parsed = queue::parse_dsn(dsn->message);
  require(parsed.has_value());
  require(parsed->recipients.size() == req.recipients.size());
  for (const auto& r : parsed->recipients)
    require(r.action == queue::to_string(action));
  return 0;
}
