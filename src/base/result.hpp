// Result/Error: the error type returned on the data path (no exceptions there).
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace facteur {

// Broad error classes; each module adds detail in the message.
enum class Errc {
  invalid_argument,   // caller passed something malformed
  parse_error,        // input bytes do not follow the grammar
  not_found,          // the named thing does not exist
  already_exists,     // a create found the thing present
  limit_exceeded,     // a configured limit or quota was hit
  too_large,          // larger than a limit allows at all (no deletion or wait makes it fit)
  permission_denied,  // authenticated but not allowed / bad credentials
  conflict,           // concurrent change, lock held (e.g. POP3 maildrop in use)
  io_error,           // the operating system or the database failed
  unavailable,        // temporary: try again later
  internal,           // a bug: an invariant did not hold
};

std::string_view to_string(Errc code) noexcept;

struct Error {
  Errc code;
  std::string message;

  // Transient errors map to 4xx / "try again"; the others are permanent.
  bool is_temporary() const noexcept {
    return code == Errc::io_error || code == Errc::unavailable || code == Errc::conflict;
  }
};

template <class T>
using Result = std::expected<T, Error>;

// Status is a Result without a value.
using Status = std::expected<void, Error>;

inline std::unexpected<Error> make_error(Errc code, std::string message) {
  return std::unexpected<Error>(Error{code, std::move(message)});
}

}  // namespace facteur
