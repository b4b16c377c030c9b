// Attachments that run as programs when opened, the kinds Outlook and Gmail refuse to deliver
// and amavis, rspamd and Stalwart score or ban: a Windows program, installer or shortcut, a
// disk image, attached as it is, dressed as a document ("invoice.pdf.exe"), or inside a ZIP
// archive (read by its directory, nothing decompressed). Scripts and files developers and
// administrators exchange (.js, .ps1, .jar, .bat, .reg, .inf...) count only dressed as a
// document or alone at the top of a small archive, as the script droppers of 2016 came
// ("invoice.zip" holding "invoice_0413.js"), not in a project's source tree. A worm's letter
// ("Your email account is suspended... read the attached document", with email-doc.zip
// holding email-doc.scr) carries one; mail between people no longer does, since the big
// providers will not carry it. And pages attached that act when opened (HTML smuggling:
// a script decoding the sign-in page; a page that only sends the reader elsewhere; a password
// form). Phishing points: the message is there to take over the reader's computer or
// account, and its warning tells the reader not to open the attachment.
#include <algorithm>
#include <array>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "base/strings.hpp"
#include "filter/checks.hpp"
#include "filter/html_scan.hpp"
#include "filter/zip_listing.hpp"
#include "mail/transfer_encoding.hpp"

namespace facteur::filter {
namespace {

// Runs when opened on the systems mail is read on (Windows above all), and nobody mails it
// as work: programs, installers, shortcuts, script hosts' own formats, disk images.
constexpr std::array<std::string_view, 26> kProgram = {
    "exe",  "scr",  "pif",         "cpl",          "msi", "msp", "msc", "lnk", "hta",
    "vbs",  "vbe",  "jse",         "wsf",          "wsh", "wsc", "scf", "sct", "gadget",
    "appx", "msix", "application", "appinstaller", "iso", "img", "vhd", "vhdx"};
// Runs when opened too, but developers and administrators mail them to each other.
constexpr std::array<std::string_view, 11> kScript = {"js",  "com", "bat", "cmd", "ps1", "jar",
                                                      "reg", "inf", "url", "chm", "dll"};
// What a program dressed as a document claims to be.
constexpr std::array<std::string_view, 14> kDocument = {"pdf", "doc", "docx", "xls", "xlsx",
                                                        "txt", "jpg", "jpeg", "png", "gif",
                                                        "rtf", "htm", "html", "zip"};
// A dropper's archive holds one file or two; a project's holds a tree.
constexpr std::size_t kSmallArchive = 3;

// Pages a browser opens from the attachment, scripts and forms included (an SVG image is
// one too).
constexpr std::array<std::string_view, 6> kPage = {"htm", "html", "shtml", "xhtml", "svg", "mht"};
// HTML smuggling: the sign-in page travels encoded inside the attachment, a long blob a
// script decodes and shows when it is opened, out of every filter's sight. Libraries inlined
// in a saved report call these too, but carry no such blob.
constexpr std::array<std::string_view, 3> kDecode = {"atob(", "unescape(", "fromcharcode("};
constexpr std::size_t kBlob = 1500;  // base64 characters, or 500 %xx / \xNN escapes in a row
// A page this small that moves the reader on is there for nothing else (a saved newsletter
// or report with analytics reading window.location is far larger).
constexpr std::size_t kRedirectStub = 4096;
constexpr std::array<std::string_view, 6> kMove = {
    "location.href=",   "location.replace(",  "location.assign(",
    "window.location=", "document.location=", "http-equiv=\"refresh\""};
// Encoded bytes of a page read.
constexpr std::size_t kMaxPageBytes = 1024 * 1024;

// A part's encoded bytes beyond this are not decoded to be listed (attachments are limited
// by the message size anyway; a ZIP's directory is at its end, so a cut archive is read by
// its local headers).
constexpr std::size_t kMaxArchiveBytes = 8 * 1024 * 1024;
constexpr std::size_t kArchiveTail = 128 * 1024;

std::string extension(std::string_view name) {
  while (!name.empty() && (name.back() == ' ' || name.back() == '.' || name.back() == '\t'))
    name.remove_suffix(1);
  auto dot = name.rfind('.');
  if (dot == std::string_view::npos || name.size() - dot > 13) return {};
  return to_lower(name.substr(dot + 1));
}

template <std::size_t N>
bool among(const std::array<std::string_view, N>& list, std::string_view ext) {
  return std::find(list.begin(), list.end(), ext) != list.end();
}

template <std::size_t N>
bool contains_any(std::string_view text, const std::array<std::string_view, N>& list) {
  return std::any_of(list.begin(), list.end(),
                     [&](std::string_view s) { return text.find(s) != std::string_view::npos; });
}

// "invoice.pdf.exe", "photo.jpg                .scr": the extension before the last.
std::optional<std::string> disguise(std::string_view name) {
  while (!name.empty() && (name.back() == ' ' || name.back() == '.'))
    name.remove_suffix(1);
  auto dot = name.rfind('.');
  if (dot == std::string_view::npos) return std::nullopt;
  std::string_view rest = name.substr(0, dot);
  while (!rest.empty() && (rest.back() == ' ' || rest.back() == '_'))
    rest.remove_suffix(1);
  std::string inner = extension(rest);
  if (inner.empty() || !among(kDocument, inner)) return std::nullopt;
  return inner;
}

bool is_page(const PartShape& p, std::string_view ext) {
  // The message's own HTML (no disposition, typed text/html) is the message view's to read,
  // even when its mailer gave it a name.
  if (p.type == "text/html" && !p.attachment) return false;
  return among(kPage, ext) || (p.attachment && p.type == "image/svg+xml");
}

// The longest run of base64 characters, or of "%xx" / "\xNN" escapes (counted as three
// characters each), in the page.
std::size_t longest_blob(std::string_view page) {
  std::size_t best = 0, run = 0, escapes = 0;
  auto hex = [](char c) { return ascii_digit(c) || (c >= 'a' && c <= 'f'); };
  for (std::size_t i = 0; i < page.size(); ++i) {
    const char c = page[i];
    run = ascii_alnum(c) || c == '+' || c == '/' || c == '=' ? run + 1 : 0;
    if (c == '%' && i + 2 < page.size() && hex(page[i + 1]) && hex(page[i + 2])) {
      escapes += 3;
      i += 2;
    } else if (c == '\\' && i + 3 < page.size() && page[i + 1] == 'x' && hex(page[i + 2]) &&
               hex(page[i + 3])) {
      escapes += 3;
      i += 3;
    } else if (!(ascii_alnum(c) || c == '+' || c == '/' || c == '=')) {
      escapes = 0;
    }
    best = std::max({best, run, escapes});
  }
  return best;
}

std::string_view part_bytes(const MessageView& m, const PartShape& p, std::size_t limit) {
  std::string_view body = m.tree.body_bytes(p.index);
  return body.size() > limit ? body.substr(0, limit) : body;
}

// What an attached page does when opened: decodes a page hidden in it and shows it, moves
// the reader elsewhere (a small page), or holds a form asking for a password or a card.
std::optional<std::string> page_lure(const MessageView& m, const PartShape& p) {
  const std::string page = to_lower(
      mail::decode_transfer(part_bytes(m, p, kMaxPageBytes), m.tree.part(p.index).info.encoding));
  const bool script = page.find("<script") != std::string::npos;
  if (script && contains_any(page, kDecode) && longest_blob(page) >= kBlob)
    return std::string("decodes a hidden page when opened");
  std::string compact;  // spaces out, so "location.href = x" matches
  if (page.size() <= kRedirectStub) {
    for (char c : page)
      if (c != ' ' && c != '\t' && c != '\r' && c != '\n') compact += c;
    if ((script || compact.find("http-equiv") != std::string::npos) && contains_any(compact, kMove))
      return std::string("only sends the reader to another site");
  }
  // A page typed text/html was read as part of the message's HTML (its forms counted there).
  if (p.type != "text/html") {
    HtmlScan html;
    scan_html(page, html);
    if (html.forms > 0 && (html.password_inputs > 0 || html.card_inputs > 0))
      return std::string("asks for a password or a card number");
  }
  return std::nullopt;
}

bool is_zip(const PartShape& p, std::string_view ext) {
  return ext == "zip" || p.type == "application/zip" || p.type == "application/x-zip" ||
         p.type == "application/x-zip-compressed";
}

// The names in a ZIP attachment. Past kMaxArchiveBytes, the directory at the archive's end
// is read from the part's last lines (base64 lines hold whole groups of four), so padding the
// archive does not hide it.
ZipListing list_archive(const MessageView& m, const PartShape& p) {
  const mail::TransferEncoding te = m.tree.part(p.index).info.encoding;
  std::string_view body = m.tree.body_bytes(p.index);
  if (body.size() <= kMaxArchiveBytes) return list_zip(mail::decode_transfer(body, te));
  std::string_view tail = body.substr(body.size() - kArchiveTail);
  tail.remove_prefix(std::min(tail.size(), tail.find('\n') + 1));
  ZipListing end = list_zip(mail::decode_transfer(tail, te));
  if (!end.names.empty()) return end;
  return list_zip(mail::decode_transfer(body.substr(0, kMaxArchiveBytes), te));
}

// A name inside an archive: "dir/sub/name.ext" at the top when it has no directory.
bool at_top(std::string_view name) {
  return name.find('/') == std::string_view::npos && name.find('\\') == std::string_view::npos;
}

class AttachmentCheck final : public Check {
 public:
  std::string_view name() const noexcept override { return "attachment"; }

  void run(const MessageView& m, const Context&, Verdict& v) const override {
    std::string found;  // the first program, as the reasons show it
    bool disguised = false;
    std::string page;  // the first attached page that acts when opened
    auto note = [&](std::string what, bool hidden) {
      if (found.empty()) found = std::move(what);
      disguised = disguised || hidden;
    };
    for (const auto& p : m.parts) {
      if (p.filename.empty() && !p.attachment) continue;
      const std::string ext = extension(p.filename);
      if (among(kProgram, ext) || among(kScript, ext)) {
        auto inner = disguise(p.filename);
        if (among(kProgram, ext) || inner)
          note(inner ? fmt::format("{} (dressed as .{})", p.filename, *inner) : p.filename,
               inner.has_value());
        continue;
      }
      if (is_page(p, ext)) {
        if (page.empty())
          if (auto lure = page_lure(m, p))
            page =
                fmt::format("{} {}", p.filename.empty() ? "an attached page" : p.filename, *lure);
        continue;
      }
      if (!is_zip(p, ext)) continue;
      const ZipListing zip = list_archive(m, p);
      for (const auto& inside : zip.names) {
        const std::string inner_ext = extension(inside);
        auto inner = disguise(inside);
        const bool dropper =
            among(kScript, inner_ext) && at_top(inside) && zip.names.size() <= kSmallArchive;
        if (!among(kProgram, inner_ext) && !(among(kScript, inner_ext) && (inner || dropper)))
          continue;
        note(fmt::format("{} holds {}", p.filename.empty() ? "an archive" : p.filename, inside),
             inner.has_value());
        break;
      }
    }
    if (!page.empty())
      v.add(std::string(kPageAttachedReason), 5.0, Label::phishing,
            "a page attached that acts when opened: " + page);
    if (found.empty()) return;
    v.add(
        std::string(kProgramAttachedReason), disguised ? 6.0 : 5.0, Label::phishing,
        fmt::format("a program attached{}: {}", disguised ? ", dressed as a document" : "", found));
  }
};

}  // namespace

std::unique_ptr<Check> make_attachment_check() {
  return std::make_unique<AttachmentCheck>();
}

}  // namespace facteur::filter
