// Fuzzes imap::Protocol with hostile byte streams. The first byte chooses the options and how
// the fake session answers; the rest is the client's byte stream, cut into reads of varying
// sizes. Checks, besides ASan/UBSan: every output line ends in CRLF, nothing follows Close,
// answers are asked one at a time, APPEND chunks add up to the announced size, and the
// transcript does not depend on read boundaries (unless STARTTLS happened).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "proto/imap/mailbox_view.hpp"
#include "proto/imap/protocol.hpp"

using namespace facteur::imap;

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

void check_lines(const std::string& out) {
  std::size_t start = 0;
  while (start < out.size()) {
    const auto nl = out.find('\n', start);
    require(nl != std::string::npos);
    require(nl > start && out[nl - 1] == '\r');
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
  o.limits.append_limit = 5000;
  if (flags & 8) {
    o.limits.max_line = 60;
    o.limits.max_literal = 40;
    o.limits.max_command = 200;
    o.limits.max_literals = 3;
    o.limits.max_discard = 100;
    o.limits.max_pending_input = 400;
    o.limits.output_high_water = 64;
    o.limits.max_bad_commands = 6;
    o.limits.max_append_messages = 3;
  }
  Protocol p(o);
  p.start();
  bool closed_seen = false;
  std::uint64_t append_expected = 0, append_got = 0;
  bool in_append = false;
  MailboxView view;
  view.reset({1, 2, 3});

  auto flush = [&] {
    const std::string out = p.take_output();
    check_lines(out);
    r.output += out;
  };
  auto end_message = [&] {
    if (in_append) require(append_got == append_expected);
    in_append = false;
  };
  auto pump = [&] {
    for (int guard = 0; guard < 1000000; ++guard) {
      while (auto ev = p.next_event()) {
        require(!closed_seen);
        if (auto* l = std::get_if<Login>(&*ev)) {
          r.events += "L";
          (l->password == "good" || (flags & 16)) ? p.login_succeeded() : p.login_failed();
        } else if (auto* s = std::get_if<SaslStart>(&*ev)) {
          r.events += "S";
          s->initial_response ? p.login_succeeded() : p.sasl_challenge(s->mechanism);
        } else if (auto* sr = std::get_if<SaslResponse>(&*ev)) {
          r.events += "R";
          (sr->data == "ok") ? p.login_succeeded() : p.sasl_challenge(sr->data.substr(0, 20));
        } else if (std::holds_alternative<StartTls>(*ev)) {
          r.events += "T";
          r.starttls = true;
          flush();
          (flags & 64) ? p.tls_established() : p.tls_failed();
        } else if (std::holds_alternative<StartCompression>(*ev)) {
          r.events += "Z";
        } else if (std::holds_alternative<Enabled>(*ev)) {
          r.events += "E";
        } else if (auto* q = std::get_if<Request>(&*ev)) {
          r.events += "Q";
          require(p.awaiting_answer());
          if (std::holds_alternative<IdleCmd>(q->command)) continue;
          auto w = p.writer();
          if (auto* f = std::get_if<FetchCmd>(&q->command)) {
            if (auto idx = view.resolve(f->set, f->uid)) {
              for (auto i : *idx) {
                auto fw = w.fetch(i + 1);
                fw.uid(view.uids()[i]);
                fw.flags(kSeen, {});
                fw.finish();
              }
            }
          }
          view.flush(w, MailboxView::moment_for(q->command), {});
          p.done((flags & 32) ? Outcome::no : Outcome::ok);
        } else if (std::holds_alternative<IdleDone>(*ev)) {
          r.events += "D";
          p.done(Outcome::ok);
        } else if (auto* a = std::get_if<AppendBegin>(&*ev)) {
          end_message();
          r.events += "A";
          require(a->message.size <= 5000);
          if (a->mailbox.size() % 3 == 1) {
            p.append_reject(Outcome::no, code::kTryCreate, "no");
          } else {
            in_append = true;
            append_expected = a->message.size;
            append_got = 0;
            p.append_accept();
          }
        } else if (auto* c = std::get_if<AppendChunk>(&*ev)) {
          require(in_append);
          append_got += c->bytes.size();
          require(append_got <= append_expected);
        } else if (std::holds_alternative<AppendEnd>(*ev)) {
          end_message();
          r.events += "N";
          p.done(Outcome::ok, "APPENDUID 1 1", "");
        } else if (std::holds_alternative<AppendAborted>(*ev)) {
          in_append = false;
          r.events += "X";
        } else if (std::holds_alternative<Close>(*ev)) {
          r.events += "C";
          closed_seen = true;
          require(p.closed());
        }
      }
      flush();
      if (p.closed() || p.wants_input() || p.idling()) return;
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
  if (!p.closed() && (flags & 128)) {
    p.timed_out();
    pump();
    require(closed_seen);
  }
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Run whole = run(data, size, false);
  const Run pieces = run(data, size, true);
  // With small limits the pending-input bound depends on read sizes.
  const bool small_limits = size > 0 && (data[0] & 8);
  if (!whole.starttls && !pieces.starttls && !small_limits) {
    if (whole.output != pieces.output || whole.events != pieces.events)
      std::fprintf(stderr, "whole:\n%s\n[%s]\npieces:\n%s\n[%s]\n", whole.output.c_str(),
                   whole.events.c_str(), pieces.output.c_str(), pieces.events.c_str());
    require(whole.output == pieces.output);
    require(whole.events == pieces.events);
  }
  return 0;
}
