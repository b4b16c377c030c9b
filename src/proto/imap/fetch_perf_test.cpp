// FETCH 1:* over 20,000 messages must not allocate per message: the response is assembled in
// one buffer. Counts global allocations around the assembly loop.
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <new>

#include <gtest/gtest.h>

#include "proto/imap/mailbox_view.hpp"
#include "proto/imap/response.hpp"

namespace {
std::atomic<long> g_allocations{0};
}  // namespace

// A counting replacement of the global allocator (malloc/free underneath); not under
// AddressSanitizer, which owns the allocator. GCC cannot see that new and delete are replaced
// together when it inlines library code.
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FACTEUR_NO_ALLOC_COUNT 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define FACTEUR_NO_ALLOC_COUNT 1
#endif
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

#ifndef FACTEUR_NO_ALLOC_COUNT
void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
#endif

namespace facteur::imap {
namespace {

TEST(FetchPerformance, TwentyThousandMessagesWithoutPerMessageAllocation) {
  constexpr std::uint32_t kCount = 20'000;
  const std::vector<std::string> keywords = {"$Forwarded", "NonJunk"};
  FetchItem header;
  header.kind = FetchItem::Kind::body_section;
  header.peek = true;
  header.section.text = Section::Text::header_fields;
  header.section.fields = {"From", "Subject", "Date"};
  const std::string_view header_bytes = "From: a@b.c\r\nSubject: hello\r\n\r\n";
  const std::string_view envelope = "(NIL \"hello\" NIL NIL NIL NIL NIL NIL NIL NIL)";
  std::string out;
  out.reserve(kCount * 300);
  ResponseWriter w(out, false);
  const long before = g_allocations.load();
  const auto start = std::chrono::steady_clock::now();
  for (std::uint32_t seq = 1; seq <= kCount; ++seq) {
    auto f = w.fetch(seq);
    f.uid(seq * 3);
    f.flags(kSeen | kAnswered, keywords);
    f.internal_date(1'700'000'000 + seq, 60);
    f.rfc822_size(4000 + seq);
    f.modseq(1000 + seq);
    f.envelope(envelope);
    f.section(header, header_bytes);
    f.finish();
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  const long allocations = g_allocations.load() - before;
#ifndef FACTEUR_NO_ALLOC_COUNT
  EXPECT_EQ(allocations, 0);
#else
  (void)allocations;
#endif
  EXPECT_LT(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count(), 2000);
  EXPECT_EQ(out.substr(0, 59), "* 1 FETCH (UID 3 FLAGS (\\Answered \\Seen $Forwarded NonJunk)");
  EXPECT_NE(out.find("INTERNALDATE \"14-Nov-2023 23:13:21 +0100\""), std::string::npos);
  std::printf("FETCH 1:%u assembled in %lld us, %zu bytes\n", kCount,
              static_cast<long long>(
                  std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count()),
              out.size());
}

TEST(FetchPerformance, DateTimeFormattingMatchesTheMailLibrary) {
  for (std::int64_t t : {0ll, 837596665ll, 1'700'000'000ll, 4102444800ll, 951782400ll}) {
    for (int off : {0, -420, 60, 330, -720}) {
      std::string out;
      ResponseWriter w(out, false);
      auto f = w.fetch(1);
      f.internal_date(t, off);
      f.finish();
      EXPECT_EQ(out, "* 1 FETCH (INTERNALDATE \"" +
                         mail::format_imap_date_time(
                             std::chrono::sys_seconds(std::chrono::seconds(t)), off) +
                         "\")\r\n");
    }
  }
}

}  // namespace
}  // namespace facteur::imap
