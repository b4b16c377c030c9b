#include "proto/smtp/data_reader.hpp"

#include <algorithm>

namespace facteur::smtp {

DataReader::DataReader(std::uint64_t max_size, std::size_t max_line)
    : max_size_(max_size), max_line_(max_line) {}

void DataReader::emit(std::string_view bytes, std::string& out) {
  size_ += bytes.size();
  if (size_ > max_size_) fail(Error::too_big);
  if (error_ == Error::none) out.append(bytes);
}

std::size_t DataReader::feed(std::string_view in, std::string& out) {
  std::size_t i = 0;
  const std::size_t n = in.size();
  while (i < n && !done_) {
    switch (state_) {
      case State::in_line: {
        std::size_t j = i;
        while (j < n && in[j] != '\r' && in[j] != '\n')
          ++j;
        if (error_ == Error::none) {
          // Stop the run right where a limit is crossed, so that the first error reported
          // does not depend on how the input was split into reads.
          std::uint64_t to_size = size_ < max_size_ ? max_size_ - size_ + 1 : 1;
          std::uint64_t to_line =
              max_line_ == 0 ? j - i : (line_len_ < max_line_ ? max_line_ - line_len_ + 1 : 1);
          j = i + static_cast<std::size_t>(std::min<std::uint64_t>({j - i, to_size, to_line}));
        }
        emit(in.substr(i, j - i), out);
        line_len_ += j - i;
        i = j;
        if (max_line_ != 0 && line_len_ > max_line_) fail(Error::line_too_long);
        if (i < n && in[i] != '\r' && in[i] != '\n') break;  // the rest of the run next time
        if (i < n) {
          if (in[i] == '\r') {
            state_ = State::cr;
          } else {
            // Bare LF: not a line end for the end-of-data search (only CRLF is).
            fail(Error::bare_newline);
            emit("\n", out);
            ++line_len_;
          }
          ++i;
        }
        break;
      }
      case State::cr:
        if (in[i] == '\n') {
          emit("\r\n", out);
          line_len_ += 2;
          ++i;
          state_ = State::line_start;
        } else {
          fail(Error::bare_newline);
          emit("\r", out);
          ++line_len_;
          state_ = State::in_line;  // reprocess in[i]
        }
        break;
      case State::line_start:
        line_len_ = 0;
        if (in[i] == '.') {
          state_ = State::dot;
          ++i;
        } else {
          state_ = State::in_line;
        }
        break;
      case State::dot:
        // A leading dot is transparency (§4.5.2) unless it is the end marker.
        if (in[i] == '\r') {
          state_ = State::dot_cr;
          ++i;
        } else {
          state_ = State::in_line;
        }
        break;
      case State::dot_cr:
        if (in[i] == '\n') {
          done_ = true;
          ++i;
        } else {
          fail(Error::bare_newline);
          emit("\r", out);
          ++line_len_;
          state_ = State::in_line;
        }
        break;
    }
    if (max_line_ != 0 && line_len_ > max_line_) fail(Error::line_too_long);
  }
  return i;
}

}  // namespace facteur::smtp
