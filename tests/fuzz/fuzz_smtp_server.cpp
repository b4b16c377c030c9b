// Fuzzes smtp::ServerProtocol with hostile byte streams. The input chooses the options, how the
// stream is cut into reads and how the session answers events. Checks, besides ASan/UBSan:
// every reply line is well formed, nothing follows Close, answers are only asked one at a time,
// a message never exceeds the size limit, and the transcript does not depend on read
// boundaries (when no STARTTLS happened: there the boundary decides what is discarded).
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fuzzer/FuzzedDataProvider.h>
#include <string>
#include <vector>

#include "proto/smtp/server_protocol.hpp"

using namespace facteur::smtp;

namespace {

struct Transcript {
  std::string output;
  std::string events;
  bool starttls = false;
};

// A broken invariant: report where, then crash for libFuzzer.
#define require(cond)                                                          \
  do {                                                                         \
    if (!(cond)) {                                                             \
      std::fprintf(stderr, "invariant failed line %d: %s\n", __LINE__, #cond); \
      std::abort();                                                            \
    }                                                                          \
  } while (0)

void check_output(const std::string& out) {
  // RFC 5321 §4.2: lines of "ddd" SP/"-" text CRLF, nothing else.
  std::size_t pos = 0;
  while (pos < out.size()) {
    auto end = out.find("\r\n", pos);
    require(end != std::string::npos);
    require(end - pos >= 4);
    for (int i = 0; i < 3; ++i)
      require(out[pos + i] >= '0' && out[pos + i] <= '9');
    require(out[pos + 3] == ' ' || out[pos + 3] == '-');
    for (std::size_t i = pos; i < end; ++i)
      require(out[i] != '\r' && out[i] != '\n');
    pos = end + 2;
  }
}

Transcript run(const ServerOptions& options, const std::string& stream,
               const std::vector<std::size_t>& cuts, const std::vector<std::uint8_t>& answers) {
  ServerProtocol p(options);
  Transcript t;
  std::size_t answer = 0;
  std::uint64_t message = 0;
  std::string current;
  bool closed = false;
  auto decide = [&] { return answers.empty() ? 0 : answers[answer++ % answers.size()]; };
  auto drain = [&] {
    while (auto ev = p.next_event()) {
      require(!closed);
      require(!p.awaiting_answer() || std::holds_alternative<MailFrom>(*ev) ||
              std::holds_alternative<RcptTo>(*ev) || std::holds_alternative<MessageEnd>(*ev) ||
              std::holds_alternative<StartTls>(*ev) || std::holds_alternative<SaslStart>(*ev) ||
              std::holds_alternative<SaslResponse>(*ev));
      std::uint8_t d = 0;
      switch (ev->index()) {
        case 0:
          t.events += 'H';
          break;
        case 1:
          t.events += 'M';
          d = decide();
          if (d % 3 == 0) {
            p.reject_sender({550, "5.7.1", "no"});
          } else {
            p.accept_sender();
          }
          break;
        case 2:
          t.events += 'R';
          d = decide();
          if (d % 4 == 0) {
            p.reject_recipient({450, "4.2.0", "later"});
          } else {
            p.accept_recipient();
          }
          break;
        case 3:
          t.events += 'B';
          message = 0;
          current.clear();
          break;
        case 4: {
          auto bytes = std::get<MessageChunk>(*ev).bytes;
          message += bytes.size();
          require(message <= options.limits.max_message_size);
          // Bytes of an aborted message may depend on read boundaries (the limit is hit
          // inside a read or across reads); only delivered messages are compared.
          current.append(bytes);
          break;
        }
        case 5:
          t.events += 'E';
          t.events += current;
          current.clear();
          d = decide();
          if (d % 5 == 0) {
            p.message_rejected({554, "5.7.1", "spam"});
          } else {
            p.message_accepted("ID");
          }
          break;
        case 6:
          t.events += 'A';
          current.clear();
          break;
        case 7:
          t.events += 'S';
          break;
        case 8:
          t.events += 'T';
          t.starttls = true;
          t.output += p.take_output();
          if (decide() % 7 == 0) {
            p.tls_failed();
          } else {
            p.tls_established();
          }
          break;
        case 9:
          t.events += 'C';
          closed = true;
          require(p.closed());
          break;
        case 10:
        case 11:
          // A SASL step: challenge, success or one of the failures.
          t.events += ev->index() == 10 ? 'U' : 'u';
          d = decide();
          if (d % 4 == 0) {
            p.sasl_challenge(std::string(d % 3, 'c'));
          } else if (d % 4 == 1) {
            p.auth_succeeded("user");
          } else {
            p.auth_failed(static_cast<AuthFailure>(d % 5));
          }
          break;
        case 12:
          t.events += 'a';
          break;
      }
      require(!p.awaiting_answer());
    }
    t.output += p.take_output();
    // Bounded buffering: only a partial command line may wait for more input.
    // (AUTH lines and SASL responses have their own, larger limit.)
    require(p.awaiting_answer() ||
            p.buffered_input() <=
                std::max(options.limits.max_command_line, options.limits.max_sasl_line + 64));
  };
  p.start();
  drain();
  std::size_t pos = 0;
  for (std::size_t cut : cuts) {
    if (pos >= stream.size()) break;
    auto n = std::min(cut, stream.size() - pos);
    p.receive(std::string_view(stream).substr(pos, n));
    pos += n;
    drain();
    if (p.phase() == Phase::command && cut % 17 == 0 && !p.closed()) {
      p.timed_out();
      drain();
    }
  }
  if (pos < stream.size()) {
    p.receive(std::string_view(stream).substr(pos));
    drain();
  }
  check_output(t.output);
  return t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider fdp(data, size);
  ServerOptions options;
  options.hostname = "mx.example.net";
  options.role = static_cast<Role>(fdp.ConsumeIntegralInRange<int>(0, 2));
  options.tls_available = fdp.ConsumeBool();
  options.tls_active = fdp.ConsumeBool();
  options.limits.max_message_size = fdp.ConsumeIntegralInRange<std::uint64_t>(0, 4096);
  options.limits.max_recipients = fdp.ConsumeIntegralInRange<std::size_t>(0, 8);
  options.limits.max_command_line = fdp.ConsumeIntegralInRange<std::size_t>(8, 600);
  options.limits.max_data_line = fdp.ConsumeIntegralInRange<std::size_t>(0, 200);
  options.limits.max_errors = fdp.ConsumeIntegralInRange<std::size_t>(0, 30);
  options.limits.max_sasl_line = fdp.ConsumeIntegralInRange<std::size_t>(4, 400);
  options.limits.max_auth_failures = fdp.ConsumeIntegralInRange<std::size_t>(0, 4);
  options.plaintext_auth_allowed = fdp.ConsumeBool();
  options.auth_on_mx = fdp.ConsumeBool();
  std::vector<std::uint8_t> answers = fdp.ConsumeBytes<std::uint8_t>(8);
  std::vector<std::size_t> cuts;
  auto ncuts = fdp.ConsumeIntegralInRange<int>(0, 16);
  for (int i = 0; i < ncuts; ++i)
    cuts.push_back(fdp.ConsumeIntegralInRange<std::size_t>(1, 300));
  std::string stream = fdp.ConsumeRemainingBytesAsString();

  auto split = run(options, stream, cuts, answers);
  // Reads of one byte at a time, no timeouts (cut 1 is never a multiple of 17).
  std::vector<std::size_t> bytewise(stream.size(), 1);
  auto whole = run(options, stream, bytewise, answers);
  bool timeouts = false;
  for (auto c : cuts)
    timeouts |= c % 17 == 0;
  if (std::getenv("FUZZ_SMTP_DEBUG") != nullptr) {
    std::fprintf(stderr, "size %llu rcpts %zu cmd %zu data %zu errors %zu cuts",
                 (unsigned long long)options.limits.max_message_size, options.limits.max_recipients,
                 options.limits.max_command_line, options.limits.max_data_line,
                 options.limits.max_errors);
    for (auto c : cuts)
      std::fprintf(stderr, " %zu", c);
    std::fprintf(stderr, "\n");
    for (const auto* t : {&split, &whole}) {
      std::fprintf(stderr, "--- events:\n");
      std::fwrite(t->events.data(), 1, t->events.size(), stderr);
      std::fprintf(stderr, "\n--- output:\n");
      std::fwrite(t->output.data(), 1, t->output.size(), stderr);
    }
  }
  if (!split.starttls && !whole.starttls && !timeouts) {
    require(split.output == whole.output);
    require(split.events == whole.events);
  }
  return 0;
}
