#include "mailauth/public_suffix.hpp"

#include <fstream>
#include <sstream>
#include <vector>

#include "base/strings.hpp"

namespace facteur::mailauth {
namespace {

std::vector<std::string> labels_of(std::string_view domain) {
  if (!domain.empty() && domain.back() == '.') domain.remove_suffix(1);
  const std::string lower = to_lower(domain);  // split() returns views into it
  std::vector<std::string> out;
  for (auto label : split(lower, '.'))
    out.emplace_back(label);
  return out;
}

std::string join_from(const std::vector<std::string>& labels, std::size_t from) {
  std::string out;
  for (std::size_t i = from; i < labels.size(); ++i) {
    if (!out.empty()) out.push_back('.');
    out += labels[i];
  }
  return out;
}

}  // namespace

PublicSuffixList PublicSuffixList::parse(std::string_view text) {
  PublicSuffixList list;
  for (auto line : split(text, '\n')) {
    line = trim(line);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    line = line.substr(0, line.find_first_of(" \t"));
    if (line.empty() || line.starts_with("//")) continue;
    std::string rule = to_lower(line);
    if (rule.starts_with("!")) {
      list.exceptions_.insert(rule.substr(1));
    } else if (rule.starts_with("*.")) {
      list.wildcards_.insert(rule.substr(2));
    } else {
      list.rules_.insert(std::move(rule));
    }
  }
  return list;
}

Result<PublicSuffixList> PublicSuffixList::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return make_error(Errc::io_error, "cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  return parse(text.str());
}

const PublicSuffixList& PublicSuffixList::system() {
  static const PublicSuffixList list = [] {
    auto loaded = load();
    return loaded ? std::move(*loaded) : PublicSuffixList();
  }();
  return list;
}

std::string PublicSuffixList::public_suffix(std::string_view domain) const {
  auto labels = labels_of(domain);
  if (labels.empty()) return "";
  const std::size_t n = labels.size();
  if (!has_rules()) {
    // Heuristic: ccTLD second levels such as co.uk, com.au, ac.jp are suffixes.
    static const std::unordered_set<std::string> kSecondLevels = {
        "co", "com", "net", "org", "gov", "ac", "edu", "ne", "or", "go", "gv", "mil"};
    if (n >= 2 && labels[n - 1].size() == 2 && kSecondLevels.contains(labels[n - 2])) {
      return join_from(labels, n - 2);
    }
    return labels[n - 1];
  }
  // The prevailing rule: an exception, else the longest matching rule, else "*".
  std::size_t suffix_start = n - 1;
  for (std::size_t i = 0; i < n; ++i) {
    std::string candidate = join_from(labels, i);
    if (exceptions_.contains(candidate)) {
      suffix_start = i + 1;
      break;
    }
    if (rules_.contains(candidate)) {
      suffix_start = i;
      break;
    }
    if (i + 1 < n && wildcards_.contains(join_from(labels, i + 1))) {
      suffix_start = i;
      break;
    }
  }
  return join_from(labels, std::min(suffix_start, n - 1));
}

std::string PublicSuffixList::organizational_domain(std::string_view domain) const {
  auto labels = labels_of(domain);
  std::string suffix = public_suffix(domain);
  std::size_t suffix_labels = suffix.empty() ? 0 : split(suffix, '.').size();
  if (labels.size() <= suffix_labels) return join_from(labels, 0);
  return join_from(labels, labels.size() - suffix_labels - 1);
}

}  // namespace facteur::mailauth
