// What the checks look at, computed once per message: the MIME tree, decoded text (normalised
// to words), subject, From / Reply-To / Sender mailboxes, every link with its host (HTML hrefs,
// form actions and URLs written in text), HTML anchors and forms, and MIME structure facts.
// Trust: sees internet input (every scanned message); linear time, bounded by ViewLimits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "filter/html_scan.hpp"
#include "filter/text_norm.hpp"
#include "filter/url.hpp"
#include "mail/address.hpp"
#include "mail/mime.hpp"
#include "mail/text_extract.hpp"

namespace facteur::filter {

struct ViewLimits {
  mail::MimeLimits mime;
  mail::TextLimits text;  // 1 MiB of decoded text
  NormalizeLimits words;  // 50,000 words
  HtmlScanLimits html;
  std::size_t max_html_scan = 512 * 1024;  // bytes of each HTML part scanned for anchors/forms
  std::size_t max_urls = 500;
};

struct Link {
  std::string target;  // as written
  Url url;             // parsed
  std::string text;    // visible text of an HTML anchor, "" otherwise
  bool from_html = false;
  bool is_form_action = false;
  // An open redirector's link (redirect.hpp): its target is the next link, and the host the
  // chain ends at is `lands_on`.
  bool redirects = false;
  std::string lands_on;
  std::string via;  // for a redirector's target: the redirector's host; "" for a link as written
};

struct PartShape {
  std::string type;     // lower case "text/html"
  std::string charset;  // lower case
  std::string encoding;
  bool attachment = false;
  std::string filename;     // decoded; any leaf's that names a file, attachment or not
  std::uint32_t index = 0;  // in MessageView::tree, for a check that reads the bytes
};

class MessageView {
 public:
  // Parses `bytes`, which must outlive the view.
  static MessageView analyze(std::string_view bytes, const ViewLimits& limits = {});
  // A temporary would not outlive the view.
  static MessageView analyze(std::string&& bytes, const ViewLimits& limits = {}) = delete;

  MessageView(MessageView&&) = default;
  MessageView& operator=(MessageView&&) = default;

  std::string_view bytes() const noexcept { return tree.message(); }
  const mail::Header& header() const noexcept { return tree.root().header; }
  // Unfolded, RFC 2047-decoded value of the first field with this name; "" when absent.
  std::string header_value(std::string_view name) const;

  mail::MimeTree tree;
  mail::ExtractedText extracted;  // text, links, attachment names
  NormalizedText body;            // words of the text (subject excluded)
  NormalizedText subject_words;
  std::string subject;  // decoded

  std::optional<mail::Mailbox> from;
  std::vector<mail::Mailbox> reply_to;
  std::optional<mail::Mailbox> sender;
  std::size_t recipients = 0;  // To + Cc mailboxes
  std::string from_domain;     // lower case, "" when absent
  // The first Reply-To's domain (lower case) when it is not From's registrable domain: the
  // answers go to someone else. "" when there is no From or no other domain.
  std::string reply_elsewhere;
  std::string x_mailer;  // X-Mailer or User-Agent

  std::vector<Link> links;  // deduplicated by target
  HtmlScan html;
  std::vector<PartShape> parts;  // leaves in order
  bool has_html = false;
  bool has_text_plain = false;

 private:
  MessageView() = default;
};

}  // namespace facteur::filter
