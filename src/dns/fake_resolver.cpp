#include "dns/fake_resolver.hpp"

#include <boost/asio/ip/address.hpp>

#include "dns/message.hpp"

namespace facteur::dns {

void FakeResolver::add(std::string_view name, RType type, RData data, std::uint32_t ttl) {
  std::string key = normalize_name(name);
  Record r{std::string(name), static_cast<std::uint16_t>(type), 1, ttl, std::move(data)};
  if (!r.name.empty() && r.name.back() == '.') r.name.pop_back();
  records_.emplace(std::make_pair(key, static_cast<std::uint16_t>(type)), std::move(r));
  names_.insert(key);
}

void FakeResolver::add_a(std::string_view name, std::string_view ip) {
  boost::system::error_code ec;
  auto addr = boost::asio::ip::make_address(std::string(ip), ec);
  if (ec) return;
  if (addr.is_v4()) {
    add(name, RType::a, addr.to_v4());
  } else {
    add(name, RType::aaaa, addr.to_v6());
  }
}

void FakeResolver::add_mx(std::string_view name, std::uint16_t preference,
                          std::string_view exchange) {
  std::string target(exchange);
  if (!target.empty() && target.back() == '.') target.pop_back();
  add(name, RType::mx, MxData{preference, std::move(target)});
}

void FakeResolver::add_txt(std::string_view name, std::string_view text) {
  std::vector<std::string> strings;
  do {
    strings.emplace_back(text.substr(0, 255));
    text.remove_prefix(std::min<std::size_t>(255, text.size()));
  } while (!text.empty());
  add_txt(name, std::move(strings));
}

void FakeResolver::add_txt(std::string_view name, std::vector<std::string> strings) {
  add(name, RType::txt, TxtData{std::move(strings)});
}

void FakeResolver::add_ptr(std::string_view name, std::string_view target) {
  add(name, RType::ptr, NameData{std::string(target)});
}

void FakeResolver::add_cname(std::string_view name, std::string_view target) {
  add(name, RType::cname, NameData{std::string(target)});
}

void FakeResolver::add_name(std::string_view name) {
  names_.insert(normalize_name(name));
}

void FakeResolver::fail(std::string_view name, std::optional<RType> type) {
  failures_.emplace(normalize_name(name), type ? static_cast<std::uint16_t>(*type) : 0);
}

bool FakeResolver::exists(const std::string& key) const {
  auto it = names_.lower_bound(key);
  if (it != names_.end() && *it == key) return true;
  // An empty non-terminal: some name ends with ".key".
  std::string suffix = "." + key;
  for (const auto& n : names_) {
    if (n.size() > suffix.size() && n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0)
      return true;
  }
  return false;
}

void FakeResolver::sign_zone(std::string_view zone) {
  signed_zones_.insert(normalize_name(zone));
}

bool FakeResolver::is_signed(const std::string& key) const {
  for (const auto& z : signed_zones_) {
    if (key == z ||
        (key.size() > z.size() && key.ends_with(z) && key[key.size() - z.size() - 1] == '.'))
      return true;
  }
  return false;
}

Answer FakeResolver::lookup(std::string_view name, RType type) {
  Answer answer;
  std::string key = normalize_name(name);
  queries_.emplace_back(key, type);
  answer.canonical_name = std::string(name);
  if (!is_queryable_name(name)) {
    answer.status = Status::bad_name;
    answer.detail = "bad name";
    return answer;
  }
  const auto t = static_cast<std::uint16_t>(type);
  bool secure = is_signed(key);
  for (int hop = 0; hop < 9; ++hop) {
    secure = secure && is_signed(key);
    if (failures_.contains({key, 0}) || failures_.contains({key, t})) {
      answer.status = Status::temp_failure;
      answer.detail = "timeout";
      return answer;
    }
    auto [begin, end] = records_.equal_range({key, t});
    if (begin != end) {
      answer.status = Status::ok;
      answer.ttl = UINT32_MAX;
      for (auto it = begin; it != end; ++it) {
        answer.records.push_back(it->second);
        answer.ttl = std::min(answer.ttl, it->second.ttl);
      }
      answer.secure = secure;
      return answer;
    }
    auto cname = records_.find({key, static_cast<std::uint16_t>(RType::cname)});
    if (cname == records_.end() || type == RType::cname) break;
    const auto& target = std::get<NameData>(cname->second.data).name;
    answer.canonical_name = target;
    key = normalize_name(target);
  }
  answer.status = exists(key) ? Status::no_data : Status::nxdomain;
  answer.ttl = 60;
  answer.secure = secure && is_signed(key);
  return answer;
}

net::awaitable<Answer> FakeResolver::query(std::string name, RType type) {
  co_return lookup(name, type);
}

}  // namespace facteur::dns
