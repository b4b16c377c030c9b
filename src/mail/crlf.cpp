#include "mail/crlf.hpp"

namespace facteur::mail {

void CrlfNormalizer::feed(std::string_view in, std::string& out) {
  std::size_t i = 0;
  while (i < in.size()) {
    auto nl = in.find('\n', i);
    if (nl == std::string_view::npos) {
      out.append(in.substr(i));
      break;
    }
    out.append(in.substr(i, nl - i));
    char before = nl > i ? in[nl - 1] : last_;
    if (before != '\r') out += '\r';
    out += '\n';
    i = nl + 1;
  }
  if (!in.empty()) last_ = in.back();
}

}  // namespace facteur::mail
