#include "store/store.hpp"

#include <algorithm>
#include <cstring>
#include <future>

#include "base/strings.hpp"

namespace facteur::store {

Result<std::string> canonical_address(std::string_view address) {
  auto at = address.rfind('@');
  if (at == std::string_view::npos) return make_error(Errc::invalid_argument, "address without @");
  std::string_view local = address.substr(0, at);
  std::string_view domain = address.substr(at + 1);
  if (domain.empty()) return make_error(Errc::invalid_argument, "address without domain");
  bool quoted = false;
  for (char c : local) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"') quoted = !quoted;
    if (u < 0x20 || u == 0x7f || (c == ' ' && !quoted)) {
      return make_error(Errc::invalid_argument, "control character or space in local part");
    }
  }
  for (char c : domain) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == '@') {
      return make_error(Errc::invalid_argument, "bad character in domain");
    }
  }
  std::string out(local);
  out += '@';
  out += to_lower(domain);
  return out;
}

std::string_view to_string(SpecialUse use) noexcept {
  switch (use) {
    case SpecialUse::none:
      return "";
    case SpecialUse::all:
      return "\\All";
    case SpecialUse::archive:
      return "\\Archive";
    case SpecialUse::drafts:
      return "\\Drafts";
    case SpecialUse::flagged:
      return "\\Flagged";
    case SpecialUse::junk:
      return "\\Junk";
    case SpecialUse::sent:
      return "\\Sent";
    case SpecialUse::trash:
      return "\\Trash";
    case SpecialUse::important:
      return "\\Important";
  }
  return "";
}

std::optional<SpecialUse> parse_special_use(std::string_view attribute) noexcept {
  for (auto use : {SpecialUse::all, SpecialUse::archive, SpecialUse::drafts, SpecialUse::flagged,
                   SpecialUse::junk, SpecialUse::sent, SpecialUse::trash, SpecialUse::important}) {
    if (iequals(attribute, to_string(use))) return use;
  }
  return std::nullopt;
}

std::string canonical_mailbox_name(std::string_view name) {
  constexpr std::string_view kInbox = "INBOX";
  if (istarts_with(name, kInbox) &&
      (name.size() == kInbox.size() || name[kInbox.size()] == kHierarchyDelimiter)) {
    std::string out(kInbox);
    out.append(name.substr(kInbox.size()));
    return out;
  }
  return std::string(name);
}

MessageContent::MessageContent(std::string prefix, std::unique_ptr<BlobReader> blob)
    : prefix_(std::move(prefix)), blob_(std::move(blob)) {}

Result<std::size_t> MessageContent::read(std::uint64_t offset, std::span<char> out) const {
  std::size_t done = 0;
  if (offset < prefix_.size()) {
    done = std::min<std::uint64_t>(out.size(), prefix_.size() - offset);
    std::memcpy(out.data(), prefix_.data() + offset, done);
  }
  if (done == out.size()) return done;
  std::uint64_t blob_offset = offset + done - prefix_.size();
  auto n = blob_->read(blob_offset, out.subspan(done));
  if (!n) return std::unexpected(n.error());
  return done + *n;
}

Result<DeliveryReceipt> Store::deliver_and_wait(Delivery delivery) {
  std::promise<Result<DeliveryReceipt>> promise;
  auto future = promise.get_future();
  deliver(std::move(delivery),
          [&promise](Result<DeliveryReceipt> r) { promise.set_value(std::move(r)); });
  return future.get();
}

}  // namespace facteur::store
