#include "bench/message_factory.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <random>
#include <unistd.h>

#include <fmt/format.h>

namespace facteur::bench {
namespace {

constexpr std::array<std::string_view, 32> kWords = {
    "the",      "delivery", "of",       "mail",    "report",  "quarterly", "meeting", "agenda",
    "please",   "find",     "attached", "notes",   "from",    "yesterday", "and",     "budget",
    "review",   "schedule", "thanks",   "regards", "project", "update",    "server",  "queue",
    "customer", "invoice",  "numbers",  "will",    "follow",  "shortly",   "with",    "details"};

std::string rfc5322_date(std::time_t t) {
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[64];
  auto n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return std::string(buf, n);
}

// Text lines of up to 72 characters; every 40th line starts with a dot, so the dot-stuffing
// paths of both sides are exercised as real mail does (quoted text, signatures).
std::string make_body(std::size_t target) {
  std::string body;
  body.reserve(target + 128);
  std::minstd_rand rng(20240501);
  std::size_t line_no = 0;
  while (body.size() < target) {
    std::string line = (++line_no % 40 == 0) ? "." : "";
    while (line.size() < 60)
      line += std::string(kWords[rng() % kWords.size()]) + " ";
    line.pop_back();
    body += line;
    body += "\r\n";
  }
  // Trim to the exact size, keeping the final CRLF.
  if (body.size() > target && target >= 2) {
    body.resize(target - 2);
    while (!body.empty() && (body.back() == '\r' || body.back() == '\n'))
      body.pop_back();
    while (body.size() + 2 < target)
      body.push_back('x');
    body += "\r\n";
  }
  return body;
}

std::string dot_stuff(std::string_view body) {
  std::string out;
  out.reserve(body.size() + body.size() / 64);
  bool line_start = true;
  for (char c : body) {
    if (line_start && c == '.') out.push_back('.');
    out.push_back(c);
    line_start = c == '\n';
  }
  return out;
}

}  // namespace

MessageFactory::MessageFactory(MessageSpec spec) : spec_(std::move(spec)) {
  if (spec_.recipients == 0) spec_.recipients = 1;
  if (spec_.run_id.empty()) {
    std::random_device rd;
    spec_.run_id = fmt::format("{:08x}{:04x}", rd(), static_cast<unsigned>(::getpid()) & 0xffff);
  }
  date_ = rfc5322_date(std::time(nullptr));
  auto header_size = header(0).size();
  body_ = make_body(spec_.size > header_size + 2 ? spec_.size - header_size : 2);
  body_wire_ = dot_stuff(body_);
}

std::string MessageFactory::recipient(std::size_t index) const {
  return fmt::format(fmt::runtime(spec_.recipient_pattern), index % spec_.recipients + 1);
}

std::string MessageFactory::header(std::size_t index) const {
  return fmt::format(
      "From: Load Generator <{from}>\r\n"
      "To: <{to}>\r\n"
      "Subject: Benchmark message {index:010} of run {run}\r\n"
      "Date: {date}\r\n"
      "Message-ID: <{run}.{index:010}@client.bench.test>\r\n"
      "MIME-Version: 1.0\r\n"
      "Content-Type: text/plain; charset=us-ascii\r\n"
      "Content-Transfer-Encoding: 7bit\r\n"
      "X-Mailer: facteur-smtp-load\r\n"
      "\r\n",
      fmt::arg("from", spec_.from), fmt::arg("to", recipient(index)), fmt::arg("index", index),
      fmt::arg("run", spec_.run_id), fmt::arg("date", date_));
}

}  // namespace facteur::bench
