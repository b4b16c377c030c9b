#include "base/result.hpp"

namespace facteur {

std::string_view to_string(Errc code) noexcept {
  switch (code) {
    case Errc::invalid_argument:
      return "invalid argument";
    case Errc::parse_error:
      return "parse error";
    case Errc::not_found:
      return "not found";
    case Errc::already_exists:
      return "already exists";
    case Errc::limit_exceeded:
      return "limit exceeded";
    case Errc::too_large:
      return "too large";
    case Errc::permission_denied:
      return "permission denied";
    case Errc::conflict:
      return "conflict";
    case Errc::io_error:
      return "I/O error";
    case Errc::unavailable:
      return "unavailable";
    case Errc::internal:
      return "internal error";
  }
  return "unknown error";
}

}  // namespace facteur
