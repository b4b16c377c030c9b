// Fuzzes pop3::Protocol (and DotStuffer) with hostile byte streams. The first byte chooses the
// options and how the fake session answers; the rest is the client's byte stream, cut into reads
// of varying sizes. Checks, besides ASan/UBSan: every output line ends in CRLF and status lines
// are at most 512 octets (RFC 2449 §4), nothing follows Close, answers are asked one at a time,
// multi-line RETR/TOP bodies never contain an early terminator, and the transcript does not
// depend on read boundaries (unless STLS happened: there the boundary decides what is dropped).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "proto/pop3/dot_stuffer.hpp"
#include "proto/pop3/protocol.hpp"

using namespace facteur::pop3;

namespace {

#define require(cond)                                                          \
  do {                                                                         \
    if (!(cond)) {                                                             \
      std::fprintf(stderr, "invariant failed line %d: %s\n", __LINE__, #cond); \
      std::abort();                                                            \
    }                                                                          \
  } while (0)

struct Run {
  std::string output;
  std::string events;
  bool starttls = false;
};

const char* const kMessages[] = {
    "Subject: a\r\n\r\nbody\r\n.\r\n..x\r\n",
    "From: b\n.Subject: dotted\n\nline1\nline2\n.\nlast",
    "",
};

void check_lines(const std::string& out, std::size_t max_line = SIZE_MAX) {
  std::size_t start = 0;
  while (start < out.size()) {
    const auto nl = out.find('\n', start);
    require(nl != std::string::npos);
    require(nl > start && out[nl - 1] == '\r');
    require(nl + 1 - start <= max_line);
    start = nl + 1;
  }
}

Run run(const uint8_t* data, size_t size, bool chunked) {
  Run r;
  const uint8_t flags = size > 0 ? data[0] : 0;
  Options o;
  o.hostname = "fuzz.example";
  o.plaintext_allowed = flags & 1;
  o.tls_available = flags & 2;
  o.tls_active = flags & 4;
  if (flags & 8) {
    o.limits.max_command_line = 40;
    o.limits.max_sasl_line = 60;
    o.limits.max_pending_input = 200;
    o.limits.output_high_water = 50;
    o.limits.max_bad_commands = 5;
  }
  Protocol p(o, (flags & 128) ? "" : "<1.2@fuzz.example>");
  p.start();
  int sasl_steps = 0;
  bool closed_seen = false;

  auto flush = [&] {
    const std::string out = p.take_output();
    check_lines(out, 512);  // RFC 2449 §4: response lines at most 512 octets
    r.output += out;
  };
  auto pump = [&] {
    for (int guard = 0; guard < 1000000; ++guard) {
      while (auto ev = p.next_event()) {
        require(!closed_seen);
        // Exactly the events that ask for an answer leave the protocol waiting for it.
        const bool needs_answer =
            !std::holds_alternative<Retrieve>(*ev) && !std::holds_alternative<Close>(*ev);
        require(p.awaiting_answer() == needs_answer);
        if (auto* a = std::get_if<AuthenticatePassword>(&*ev)) {
          r.events += "P";
          require(p.awaiting_answer());
          if (a->password == "good" || (flags & 16))
            p.auth_succeeded({{"uid-1", 27}, {"uid-2", 51}, {"uid-3", 0}});
          else
            p.auth_failed(a->password == "busy" ? AuthFailure::in_use
                                                : AuthFailure::bad_credentials);
        } else if (auto* ap = std::get_if<AuthenticateApop>(&*ev)) {
          r.events += "A";
          require(ap->digest.size() == 32);
          if (ap->digest[0] == 'a')
            p.auth_succeeded({{"only", 10}});
          else
            p.auth_failed(AuthFailure::temporary);
        } else if (auto* s = std::get_if<SaslStart>(&*ev)) {
          r.events += "S";
          sasl_steps = 0;
          if (s->initial_response && s->initial_response->size() > 3)
            p.auth_succeeded({});
          else
            p.sasl_challenge(s->mechanism);
        } else if (auto* sr = std::get_if<SaslResponse>(&*ev)) {
          r.events += "R";
          if (++sasl_steps > 2 || sr->data == "ok")
            (flags & 16) ? p.auth_succeeded({{"x", 1}})
                         : p.auth_failed(AuthFailure::bad_credentials);
          else
            p.sasl_challenge(sr->data.substr(0, 40));
        } else if (std::holds_alternative<StartTls>(*ev)) {
          r.events += "T";
          r.starttls = true;
          flush();
          if (flags & 64)
            p.tls_established();
          else
            p.tls_failed();
        } else if (auto* rt = std::get_if<Retrieve>(&*ev)) {
          r.events += "G";
          require(rt->index + 1 == rt->msg_number);
          flush();
          DotStuffer ds(rt->top_lines);
          const std::string msg = kMessages[rt->index % 3];
          std::string body;
          for (std::size_t i = 0; i < msg.size() && !ds.done(); i += 5)
            body += ds.feed(std::string_view(msg).substr(i, 5));
          body += ds.finish();
          check_lines(body);
          require(body.ends_with(".\r\n"));
          const std::string framed = "\r\n" + body;
          require(framed.find("\r\n.\r\n") == framed.size() - 5);
          r.output += body;
        } else if (auto* u = std::get_if<Update>(&*ev)) {
          r.events += "U" + std::to_string(u->deleted_uids.size());
          p.update_done(flags & 32);
        } else if (std::holds_alternative<Close>(*ev)) {
          r.events += "C";
          closed_seen = true;
          require(p.closed());
        }
      }
      flush();
      if (p.closed() || p.wants_input()) return;
      require(!p.awaiting_answer());
    }
    require(false);  // the loop must settle
  };

  pump();
  std::size_t pos = 1, cut = 1;
  while (pos < size && !p.closed()) {
    std::size_t n = chunked ? 1 + (data[pos] + cut) % 23 : size - pos;
    n = std::min(n, size - pos);
    p.receive(std::string_view(reinterpret_cast<const char*>(data + pos), n));
    pos += n;
    cut += 7;
    pump();
  }
  if (!p.closed() && (flags & 8)) {
    p.timed_out();
    pump();
  }
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Run whole = run(data, size, false);
  const Run pieces = run(data, size, true);
  const bool small_limits = size > 0 && (data[0] & 8);
  if (!whole.starttls && !pieces.starttls && !small_limits) {
    require(whole.output == pieces.output);
    require(whole.events == pieces.events);
  }
  return 0;
}
