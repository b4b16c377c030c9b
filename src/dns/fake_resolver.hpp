// FakeResolver: an in-memory zone answering Resolver queries, for tests of MX routing, SPF,
// DKIM and DMARC without a network. Names are case-insensitive; a name exists when it owns a
// record, was added with add_name(), or has a descendant (an empty non-terminal), as in DNS.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dns/resolver.hpp"

namespace facteur::dns {

class FakeResolver final : public Resolver {
 public:
  void add(std::string_view name, RType type, RData data, std::uint32_t ttl = 300);
  void add_a(std::string_view name, std::string_view ip);  // A or AAAA from the text form
  void add_mx(std::string_view name, std::uint16_t preference, std::string_view exchange);
  void add_txt(std::string_view name, std::string_view text);  // one string (split at 255)
  void add_txt(std::string_view name, std::vector<std::string> strings);
  void add_ptr(std::string_view name, std::string_view target);
  void add_cname(std::string_view name, std::string_view target);
  void add_name(std::string_view name);  // exists, no records
  // Queries of this name (of `type`, or any type) end in temp_failure, as a timeout would.
  void fail(std::string_view name, std::optional<RType> type = std::nullopt);
  // Answers (positive or negative) for names at or under `zone` come back secure, as from a
  // trusted validating resolver (DNSSEC, Answer::secure).
  void sign_zone(std::string_view zone);

  // The synchronous lookup behind query().
  Answer lookup(std::string_view name, RType type);
  net::awaitable<Answer> query(std::string name, RType type) override;

  // Every query asked, in order (normalised name, type).
  const std::vector<std::pair<std::string, RType>>& queries() const noexcept { return queries_; }
  void clear_queries() { queries_.clear(); }

 private:
  bool exists(const std::string& key) const;
  std::multimap<std::pair<std::string, std::uint16_t>, Record> records_;
  std::set<std::string> names_;
  std::set<std::pair<std::string, std::uint16_t>> failures_;  // type 0: every type
  std::set<std::string> signed_zones_;
  bool is_signed(const std::string& key) const;
  std::vector<std::pair<std::string, RType>> queries_;
};

}  // namespace facteur::dns
