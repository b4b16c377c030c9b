// Attachments that run as programs when opened: executables, scripts, shortcuts, disk images
// (the kinds Outlook and Gmail refuse to deliver, and amavis, rspamd and Stalwart score or
// ban), attached as they are, behind a document's extension ("invoice.pdf.exe"), or inside a
// ZIP archive (read by its directory, nothing decompressed). A worm's letter ("Your email
// account is suspended... read the attached document", with email-doc.zip holding
// email-doc.scr) or an invoice lure carries one; mail between people no longer does, since
// the big providers will not carry it. Phishing points: the message is there to take over
// the reader's computer, and its warning tells the reader not to open it.
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

// Runs when opened on the systems mail is read on (Windows above all).
constexpr std::array<std::string_view, 37> kRunnable = {
    "exe",          "scr", "pif", "com", "bat",  "cmd", "cpl",    "msi",         "msp",  "msc",
    "lnk",          "url", "hta", "vbs", "vbe",  "js",  "jse",    "wsf",         "wsh",  "wsc",
    "ps1",          "jar", "reg", "scf", "chm",  "inf", "gadget", "application", "appx", "msix",
    "appinstaller", "iso", "img", "vhd", "vhdx", "dll", "sct"};
// What a program dressed as a document claims to be.
constexpr std::array<std::string_view, 14> kDocument = {"pdf", "doc", "docx", "xls", "xlsx",
                                                        "txt", "jpg", "jpeg", "png", "gif",
                                                        "rtf", "htm", "html", "zip"};

// Pages a browser opens from the attachment, scripts and forms included (an SVG image is
// one too).
constexpr std::array<std::string_view, 6> kPage = {"htm", "html", "shtml", "xhtml", "svg", "mht"};
// Script calls that build or fetch a page when it is opened (HTML smuggling: the sign-in form
// is decoded at opening time, out of every filter's sight); a static receipt needs none.
constexpr std::array<std::string_view, 8> kPageScript = {
    "atob(",         "unescape(",       "eval(",         "document.write(",
    "fromcharcode(", "window.location", "location.href", "location.replace("};
constexpr std::size_t kMaxPageBytes = 1024 * 1024;

// A part's encoded bytes beyond this are not decoded to be listed (attachments are limited
// by the message size anyway; a ZIP's directory is at its end, so a cut archive is read by
// its local headers).
constexpr std::size_t kMaxArchiveBytes = 8 * 1024 * 1024;

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
  return among(kPage, ext) ||
         (p.attachment && (p.type == "text/html" || p.type == "image/svg+xml"));
}

// What an attached page does when opened: runs one of kPageScript, or (a page the message
// view did not scan: not typed text/html) asks for a password or a card in a form.
std::optional<std::string> page_lure(const MessageView& m, const PartShape& p) {
  std::string_view body = m.tree.body_bytes(p.index);
  if (body.size() > kMaxPageBytes) body = body.substr(0, kMaxPageBytes);
  const std::string page =
      to_lower(mail::decode_transfer(body, m.tree.part(p.index).info.encoding));
  if (page.find("<script") != std::string::npos)
    for (std::string_view call : kPageScript)
      if (page.find(call) != std::string::npos) return fmt::format("runs a script ({})", call);
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
      if (among(kRunnable, ext)) {
        auto inner = disguise(p.filename);
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
      std::string_view body = m.tree.body_bytes(p.index);
      if (body.size() > kMaxArchiveBytes) body = body.substr(0, kMaxArchiveBytes);
      const mail::TransferEncoding te = m.tree.part(p.index).info.encoding;
      const std::string bytes = mail::decode_transfer(body, te);
      for (const auto& inside : list_zip(bytes, 100).names) {
        if (!among(kRunnable, extension(inside))) continue;
        auto inner = disguise(inside);
        note(fmt::format("{} holds {}", p.filename.empty() ? "an archive" : p.filename, inside),
             inner.has_value());
        break;
      }
    }
    if (!page.empty())
      v.add(std::string(kPageAttachedReason), 4.0, Label::phishing,
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
