// Fuzzes smtp::ClientProtocol with hostile server byte streams. The input chooses the options,
// the message, how the stream is cut into reads and whether STARTTLS succeeds. Checks, besides
// ASan/UBSan: the conversation always ends with exactly one ClientClosed and nothing after it,
// every MessageDone has one result per recipient, a delivered recipient carries the peer's 2xx,
// command lines are well formed, message data is handed out in bounded pieces, and the input
// the client holds stays bounded.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fuzzer/FuzzedDataProvider.h>
#include <string>
#include <vector>

#include "proto/smtp/client_protocol.hpp"

using namespace facteur::smtp;

namespace {

#define require(cond)                                                          \
  do {                                                                         \
    if (!(cond)) {                                                             \
      std::fprintf(stderr, "invariant failed line %d: %s\n", __LINE__, #cond); \
      std::abort();                                                            \
    }                                                                          \
  } while (0)

facteur::mail::Path make_path(std::string_view text) {
  facteur::mail::PathOptions o;
  o.smtputf8 = true;
  auto p = text == "<>" ? facteur::mail::parse_reverse_path(text, o)
                        : facteur::mail::parse_forward_path(text, o);
  require(p.has_value());
  return *p;
}

const char* const kBodies[] = {
    "From: a@example.org\r\nSubject: hi\r\n\r\nHello\r\n.dot\r\n",
    "Subject: caf\xc3\xa9\r\n\r\n8-bit header\r\n",
    ("Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\n"
     "d\xc3\xa9j\xc3\xa0\r\n--B--\r\n"),
    "no header, bare\nline\rends",
};
const char* const kRecipients[] = {"<b@example.org>", "<j\xc3\xb6rg@example.org>", "<Postmaster>",
                                   "<c@[192.0.2.1]>"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider fdp(data, size);
  ClientOptions options;
  options.helo_name = "out.example.net";
  options.pipelining = fdp.ConsumeBool();
  options.chunking = fdp.ConsumeBool();
  options.starttls = static_cast<TlsMode>(fdp.ConsumeIntegralInRange<int>(0, 2));
  options.tls_active = fdp.ConsumeBool();
  if (fdp.ConsumeBool()) options.auth = ClientCredentials{"user", "pw"};
  options.auth_without_tls = fdp.ConsumeBool();
  options.output_chunk = fdp.ConsumeIntegralInRange<std::size_t>(1, 512);
  options.reply_limits.max_line = fdp.ConsumeIntegralInRange<std::size_t>(1, 600);
  options.reply_limits.max_lines = fdp.ConsumeIntegralInRange<std::size_t>(1, 20);
  options.reply_limits.max_text = fdp.ConsumeIntegralInRange<std::size_t>(0, 2000);
  const bool tls_ok = fdp.ConsumeBool();

  std::string body = kBodies[fdp.ConsumeIntegralInRange<int>(0, 3)];
  body += fdp.ConsumeRandomLengthString(200);
  OutboundMessage message;
  message.reverse_path = make_path(fdp.ConsumeBool() ? "<>" : "<a@example.org>");
  auto nrcpt = fdp.ConsumeIntegralInRange<int>(0, 4);
  for (int i = 0; i < nrcpt; ++i) {
    OutboundRecipient r;
    r.path = make_path(kRecipients[fdp.ConsumeIntegralInRange<int>(0, 3)]);
    r.notify = fdp.ConsumeIntegralInRange<unsigned>(0, 15) & ~1u;
    if (fdp.ConsumeBool()) r.orcpt = OriginalRecipient{"utf-8", "x+\xc3\xa9@example.org"};
    message.recipients.push_back(std::move(r));
  }
  message.data = body;
  message.smtputf8 = fdp.ConsumeBool();
  message.ret = static_cast<DsnRet>(fdp.ConsumeIntegralInRange<int>(0, 2));
  if (fdp.ConsumeBool()) message.envid = "env+id";
  const int messages = fdp.ConsumeIntegralInRange<int>(1, 3);

  std::vector<std::size_t> cuts;
  auto ncuts = fdp.ConsumeIntegralInRange<int>(0, 32);
  for (int i = 0; i < ncuts; ++i)
    cuts.push_back(fdp.ConsumeIntegralInRange<std::size_t>(1, 200));
  const std::string stream = fdp.ConsumeRemainingBytesAsString();

  ClientProtocol c(options);
  int sent = 0, done = 0;
  bool closed = false;
  std::size_t pos = 0, cut = 0;
  std::size_t received = 0;
  for (int guard = 0; guard < 100000; ++guard) {
    while (auto ev = c.next_event()) {
      require(!closed);
      if (std::holds_alternative<ClientReady>(*ev)) {
        require(done == sent);
        if (sent < messages) {
          require(c.send(message));
          ++sent;
        } else {
          c.quit();
        }
      } else if (auto* d = std::get_if<MessageDone>(&*ev)) {
        ++done;
        require(done == sent);
        require(d->result.recipients.size() == message.recipients.size());
        for (const auto& r : d->result.recipients) {
          if (r.status == DeliveryStatus::delivered)
            require(r.remote && r.reply.code >= 200 && r.reply.code < 300);
          if (r.status == DeliveryStatus::permanent_failure) require(r.reply.code >= 500);
        }
      } else if (std::holds_alternative<ClientClosed>(*ev)) {
        closed = true;
        require(c.closed());
      } else if (std::holds_alternative<ClientStartTls>(*ev)) {
        c.take_output();
        if (tls_ok) {
          c.tls_established();
        } else {
          c.tls_failed();
        }
      }
    }
    bool wrote = false;
    for (auto out = c.take_output(); !out.empty(); out = c.take_output()) {
      wrote = true;
      // A piece of message data is at most twice output_chunk (dot-stuffing) plus command
      // lines; commands alone are small.
      require(out.size() <= 2 * options.output_chunk + 4096);
    }
    if (closed) break;
    if (c.wants_input()) {
      if (pos >= stream.size()) {
        c.connection_lost();
        continue;
      }
      std::size_t n = cuts.empty() ? stream.size() - pos : cuts[cut++ % cuts.size()];
      n = std::min(n, stream.size() - pos);
      c.receive(std::string_view(stream).substr(pos, n));
      pos += n;
      received += n;
    } else if (!wrote) {
      // Nothing to write, nothing to read, not closed: only an error could get here.
      require(c.closed());
      break;
    }
  }
  if (!closed) {
    c.connection_lost();
    while (auto ev = c.next_event()) {
      require(!closed);
      if (std::holds_alternative<ClientClosed>(*ev)) closed = true;
    }
  }
  require(closed);
  (void)received;
  return 0;
}
