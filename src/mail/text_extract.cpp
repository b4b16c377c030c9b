#include "mail/text_extract.hpp"

#include "base/strings.hpp"
#include "mail/charset.hpp"
#include "mail/html_text.hpp"
#include "mail/transfer_encoding.hpp"

namespace facteur::mail {

namespace {

bool is_leaf_text(const MimePart& p, std::string_view subtype) {
  return p.info.kind == PartKind::leaf && p.content_type.is("text", subtype);
}

std::string part_filename(const MimePart& p) {
  if (const HeaderField* f = p.header.find(FieldId::content_disposition)) {
    ContentDisposition cd = parse_content_disposition(f->raw_value);
    if (const MimeParam* name = cd.param("filename"); name && !name->value.empty())
      return name->value;
  }
  return std::string(p.content_type.param_value("name"));
}

class Extractor {
 public:
  Extractor(const MimeTree& tree, const TextLimits& limits) : tree_(tree), limits_(limits) {}

  ExtractedText run() && {
    visit(0);
    return std::move(out_);
  }

 private:
  // Depth is bounded by MimeLimits::max_depth.
  void visit(std::uint32_t index) {
    if (out_.truncated) return;
    const MimePart& p = tree_.part(index);
    switch (p.info.kind) {
      case PartKind::multipart:
        if (iequals(p.content_type.subtype, "alternative")) {
          alternative(index);
        } else {
          for (std::uint32_t c = p.info.first_child; c != kNoPart; c = next(c))
            visit(c);
        }
        break;
      case PartKind::message:
        if (p.info.first_child != kNoPart) visit(p.info.first_child);
        break;
      case PartKind::leaf:
        leaf(index, true);
        break;
    }
  }

  // One alternative gives the text (plain text when it has any: it is what the sender
  // wrote; else HTML; else the last, richest one); links come from all of them.
  void alternative(std::uint32_t index) {
    const MimePart& p = tree_.part(index);
    std::uint32_t chosen = kNoPart;
    for (std::uint32_t c = p.info.first_child; c != kNoPart; c = next(c)) {
      const MimePart& child = tree_.part(c);
      if (is_leaf_text(child, "plain") && !trim_wsp(tree_.body_bytes(c)).empty()) chosen = c;
    }
    if (chosen == kNoPart) {
      for (std::uint32_t c = p.info.first_child; c != kNoPart; c = next(c))
        if (is_leaf_text(tree_.part(c), "html")) chosen = c;
    }
    if (chosen == kNoPart) {
      for (std::uint32_t c = p.info.first_child; c != kNoPart; c = next(c))
        chosen = c;
    }
    if (chosen == kNoPart) return;
    visit(chosen);
    for (std::uint32_t c = p.info.first_child; c != kNoPart; c = next(c))
      if (c != chosen) links_only(c);
  }

  void links_only(std::uint32_t index) {
    const MimePart& p = tree_.part(index);
    if (p.info.kind == PartKind::leaf) {
      if (is_leaf_text(p, "html")) leaf(index, false);
      return;
    }
    std::uint32_t c = p.info.first_child;
    for (; c != kNoPart; c = next(c))
      links_only(c);
  }

  void leaf(std::uint32_t index, bool want_text) {
    const MimePart& p = tree_.part(index);
    if (want_text && out_.attachments.size() < limits_.max_attachments) {
      std::string name = part_filename(p);
      if (!name.empty()) out_.attachments.push_back(std::move(name));
    }
    const ContentType& ct = p.content_type;
    if (want_text && ct.is_type("message") && needs_decoding(p.info.encoding)) {
      encoded_message(index);
      return;
    }
    if (!ct.is_type("text")) return;
    const bool html = iequals(ct.subtype, "html") || iequals(ct.subtype, "enriched") ||
                      iequals(ct.subtype, "richtext");
    if (!want_text && !html) return;
    std::string_view body = tree_.body_bytes(index);
    if (body.size() > limits_.max_part_input) body = body.substr(0, limits_.max_part_input);
    const std::string decoded = decode_transfer(body, p.info.encoding);
    std::string charset(ct.param_value("charset"));
    if (html && charset.empty()) charset = html_meta_charset(decoded);
    std::string utf8 = text_to_utf8(decoded, charset);
    if (html) {
      HtmlLimits hl;
      hl.max_text = limits_.max_text;
      hl.max_links = limits_.max_links - out_.links.size();
      HtmlText h = html_to_text(utf8, hl);
      for (auto& link : h.links)
        out_.links.push_back(std::move(link));
      if (!want_text) return;
      out_.has_html = true;
      append(h.text);
      return;
    }
    append(normalize_newlines(utf8));
  }

  // A forwarded message sent base64 or quoted-printable (RFC 2046 §5.2.1 forbids it, mailers
  // do it): decoded and parsed on its own, a few levels deep at most.
  void encoded_message(std::uint32_t index) {
    if (nested_ >= kMaxEncodedNesting) return;
    std::string_view body = tree_.body_bytes(index);
    if (body.size() > limits_.max_part_input) body = body.substr(0, limits_.max_part_input);
    const std::string decoded = decode_transfer(body, tree_.part(index).info.encoding);
    const MimeTree inner = parse_mime(decoded);
    Extractor sub(inner, limits_);
    sub.nested_ = nested_ + 1;
    sub.out_.links = std::move(out_.links);
    sub.out_.attachments = std::move(out_.attachments);
    sub.visit(0);
    out_.links = std::move(sub.out_.links);
    out_.attachments = std::move(sub.out_.attachments);
    out_.has_html = out_.has_html || sub.out_.has_html;
    append(sub.out_.text);
    out_.truncated = out_.truncated || sub.out_.truncated;
  }

  static std::string normalize_newlines(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') continue;
      out.push_back(s[i]);
    }
    while (!out.empty() && (out.back() == '\n' || out.back() == ' '))
      out.pop_back();
    return out;
  }

  void append(std::string_view text) {
    if (text.empty() || out_.truncated) return;
    std::string& t = out_.text;
    if (!t.empty()) t.append("\n\n");
    if (t.size() + text.size() <= limits_.max_text) {
      t.append(text);
      return;
    }
    // Cut at a character boundary.
    std::size_t room = limits_.max_text > t.size() ? limits_.max_text - t.size() : 0;
    while (room > 0 && (static_cast<unsigned char>(text[room]) & 0xC0) == 0x80)
      --room;
    t.append(text.substr(0, room));
    out_.truncated = true;
  }

  std::uint32_t next(std::uint32_t c) const { return tree_.part(c).info.next_sibling; }

  static constexpr int kMaxEncodedNesting = 3;

  const MimeTree& tree_;
  const TextLimits& limits_;
  ExtractedText out_;
  int nested_ = 0;
};

}  // namespace

std::string text_to_utf8(std::string_view bytes, std::string_view charset) {
  const bool unlabeled = charset.empty() || iequals(charset, "us-ascii") ||
                         iequals(charset, "ascii") || iequals(charset, "x-unknown");
  if (!unlabeled) {
    if (auto converted = to_utf8(bytes, charset)) return std::move(*converted);
  }
  if (is_valid_utf8(bytes)) return std::string(bytes);
  if (auto converted = to_utf8(bytes, "windows-1252")) return std::move(*converted);
  return sanitize_utf8(bytes);
}

ExtractedText extract_text(const MimeTree& tree, const TextLimits& limits) {
  return Extractor(tree, limits).run();
}

ExtractedText extract_text(std::string_view message, const TextLimits& limits,
                           const MimeLimits& mime_limits) {
  const MimeTree tree = parse_mime(message, mime_limits);
  return extract_text(tree, limits);
}

}  // namespace facteur::mail
