#include "dns/record.hpp"

#include <fmt/format.h>

#include "base/strings.hpp"

namespace facteur::dns {

std::string_view to_string(RType type) noexcept {
  switch (type) {
    case RType::a:
      return "A";
    case RType::ns:
      return "NS";
    case RType::cname:
      return "CNAME";
    case RType::soa:
      return "SOA";
    case RType::ptr:
      return "PTR";
    case RType::mx:
      return "MX";
    case RType::txt:
      return "TXT";
    case RType::aaaa:
      return "AAAA";
    case RType::opt:
      return "OPT";
    case RType::tlsa:
      return "TLSA";
  }
  return "?";
}

std::string_view to_string(Status status) noexcept {
  switch (status) {
    case Status::ok:
      return "ok";
    case Status::nxdomain:
      return "nxdomain";
    case Status::no_data:
      return "no_data";
    case Status::temp_failure:
      return "temp_failure";
    case Status::bad_name:
      return "bad_name";
  }
  return "?";
}

std::string TxtData::joined() const {
  std::string out;
  for (const auto& s : strings)
    out += s;
  return out;
}

std::vector<boost::asio::ip::address> addresses(const Answer& answer) {
  std::vector<boost::asio::ip::address> out;
  for (const auto& r : answer.records) {
    if (auto* v4 = std::get_if<boost::asio::ip::address_v4>(&r.data)) out.emplace_back(*v4);
    if (auto* v6 = std::get_if<boost::asio::ip::address_v6>(&r.data)) out.emplace_back(*v6);
  }
  return out;
}

std::vector<MxData> mx_records(const Answer& answer) {
  std::vector<MxData> out;
  for (const auto& r : answer.records) {
    if (auto* mx = std::get_if<MxData>(&r.data)) out.push_back(*mx);
  }
  return out;
}

std::vector<std::string> txt_strings(const Answer& answer) {
  std::vector<std::string> out;
  for (const auto& r : answer.records) {
    if (auto* txt = std::get_if<TxtData>(&r.data)) out.push_back(txt->joined());
  }
  return out;
}

std::vector<std::string> names(const Answer& answer) {
  std::vector<std::string> out;
  for (const auto& r : answer.records) {
    if (auto* n = std::get_if<NameData>(&r.data)) out.push_back(n->name);
  }
  return out;
}

std::vector<TlsaData> tlsa_records(const Answer& answer) {
  std::vector<TlsaData> out;
  for (const auto& r : answer.records) {
    if (auto* t = std::get_if<TlsaData>(&r.data)) out.push_back(*t);
  }
  return out;
}

std::string reverse_name(const boost::asio::ip::address& address) {
  if (address.is_v4()) {
    auto b = address.to_v4().to_bytes();
    return fmt::format("{}.{}.{}.{}.in-addr.arpa", b[3], b[2], b[1], b[0]);
  }
  auto b = address.to_v6().to_bytes();
  std::string out;
  static constexpr char kHex[] = "0123456789abcdef";
  for (std::size_t i = b.size(); i-- > 0;) {
    out.push_back(kHex[b[i] & 0xF]);
    out.push_back('.');
    out.push_back(kHex[b[i] >> 4]);
    out.push_back('.');
  }
  return out + "ip6.arpa";
}

bool names_equal(std::string_view a, std::string_view b) noexcept {
  if (!a.empty() && a.back() == '.') a.remove_suffix(1);
  if (!b.empty() && b.back() == '.') b.remove_suffix(1);
  return iequals(a, b);
}

std::string normalize_name(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  return to_lower(name);
}

}  // namespace facteur::dns
