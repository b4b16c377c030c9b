#include "filter/mail_source.hpp"

#include <algorithm>
#include <fstream>
#include <vector>

#include <fmt/format.h>

namespace facteur::filter {
namespace {

Result<std::string> read_file(const std::filesystem::path& p, std::size_t max) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return make_error(Errc::io_error, p.string() + ": cannot open");
  std::error_code ec;
  auto size = std::filesystem::file_size(p, ec);
  if (!ec && size > max) return make_error(Errc::limit_exceeded, p.string() + ": too large");
  std::string data;
  if (!ec) data.reserve(size);
  data.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return data;
}

// True at "From " at the start of a line that follows an empty line (or the start).
bool is_separator(std::string_view s, std::size_t pos) {
  if (s.compare(pos, 5, "From ") != 0) return false;
  if (pos == 0) return true;
  return pos >= 2 && s[pos - 1] == '\n' &&
         (s[pos - 2] == '\n' || (pos >= 3 && s[pos - 2] == '\r' && s[pos - 3] == '\n'));
}

struct Walker {
  const std::function<bool(std::string_view, const std::string&)>& fn;
  const SourceLimits& limits;
  std::size_t count = 0;
  bool stopped = false;

  void file(const std::filesystem::path& p) {
    auto data = read_file(p, limits.max_message * 64);
    if (!data) return;
    std::string_view d = *data;
    if (d.starts_with("From ")) {
      split_mbox(d, [&](std::string_view msg, std::size_t i) {
        if (msg.size() > limits.max_message) return true;
        ++count;
        if (!fn(msg, i == 0 ? p.string() : fmt::format("{}#{}", p.string(), i))) {
          stopped = true;
          return false;
        }
        return true;
      });
      return;
    }
    if (d.size() > limits.max_message || d.empty()) return;
    ++count;
    if (!fn(d, p.string())) stopped = true;
  }

  void dir(const std::filesystem::path& p, std::size_t depth) {
    if (depth > limits.max_depth || stopped) return;
    std::error_code ec;
    bool maildir = std::filesystem::is_directory(p / "cur", ec) ||
                   std::filesystem::is_directory(p / "new", ec);
    std::vector<std::filesystem::path> entries;
    for (const auto& e : std::filesystem::directory_iterator(p, ec)) {
      std::string name = e.path().filename().string();
      if (name.empty() || name[0] == '.') continue;
      if (name == "tmp" && maildir) continue;
      entries.push_back(e.path());
    }
    std::sort(entries.begin(), entries.end());
    for (const auto& e : entries) {
      if (stopped) return;
      if (std::filesystem::is_directory(e, ec))
        dir(e, depth + 1);
      else if (std::filesystem::is_regular_file(e, ec))
        file(e);
    }
  }
};

}  // namespace

void split_mbox(std::string_view s,
                const std::function<bool(std::string_view message, std::size_t index)>& fn) {
  std::size_t index = 0;
  std::size_t pos = 0;
  std::string unescaped;
  while (pos < s.size()) {
    // Skip the separator line.
    std::size_t body = pos;
    if (is_separator(s, pos)) {
      std::size_t nl = s.find('\n', pos);
      body = nl == std::string_view::npos ? s.size() : nl + 1;
    }
    // The next separator.
    std::size_t next = body;
    while (true) {
      next = s.find("\nFrom ", next);
      if (next == std::string_view::npos) {
        next = s.size();
        break;
      }
      if (is_separator(s, next + 1)) {
        ++next;
        break;
      }
      ++next;
    }
    std::string_view msg = s.substr(body, next - body);
    // mboxrd: ">From " at a line start was "From ".
    if (msg.find("\n>From ") != std::string_view::npos || msg.starts_with(">From ")) {
      unescaped.clear();
      std::size_t i = 0;
      while (i < msg.size()) {
        std::size_t nl = msg.find('\n', i);
        std::size_t end = nl == std::string_view::npos ? msg.size() : nl + 1;
        std::string_view line = msg.substr(i, end - i);
        std::size_t gt = 0;
        while (gt < line.size() && line[gt] == '>')
          ++gt;
        if (gt > 0 && line.substr(gt).starts_with("From "))
          unescaped += line.substr(1);
        else
          unescaped += line;
        i = end;
      }
      if (!fn(unescaped, index++)) return;
    } else if (!msg.empty()) {
      if (!fn(msg, index++)) return;
    }
    pos = next;
  }
}

Result<std::size_t> for_each_message(
    const std::filesystem::path& path,
    const std::function<bool(std::string_view message, const std::string& origin)>& fn,
    const SourceLimits& limits) {
  std::error_code ec;
  Walker w{fn, limits};
  if (std::filesystem::is_directory(path, ec)) {
    w.dir(path, 0);
  } else if (std::filesystem::is_regular_file(path, ec)) {
    w.file(path);
  } else {
    return make_error(Errc::not_found, path.string() + ": no such file or directory");
  }
  return w.count;
}

}  // namespace facteur::filter
