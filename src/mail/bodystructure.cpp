#include "mail/bodystructure.hpp"

#include <fmt/format.h>

#include "base/strings.hpp"
#include "mail/envelope.hpp"
#include "mail/imap_string.hpp"

namespace facteur::mail {

namespace {

constexpr std::string_view kEmptyTextPart =
    R"(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0)";

class Writer {
 public:
  Writer(const MimeTree& tree, bool extended, const BodyStructureOptions& options)
      : tree_(tree), extended_(extended), options_(options) {
    out_.reserve(256 * tree.size());
  }

  std::string run() && {
    // Depth is bounded by MimeLimits::max_depth, so recursion is too.
    part(0);
    return std::move(out_);
  }

 private:
  void part(std::uint32_t index) {
    const MimePart& p = tree_.part(index);
    if (p.info.kind == PartKind::multipart) {
      multipart(index);
    } else {
      single(index);
    }
  }

  void multipart(std::uint32_t index) {
    const MimePart& p = tree_.part(index);
    out_.push_back('(');
    if (p.info.first_child == kNoPart) {
      out_.append(kEmptyTextPart);
      out_.append(extended_ ? " NIL NIL NIL NIL)" : ")");
    }
    for (std::uint32_t c = p.info.first_child; c != kNoPart; c = tree_.part(c).info.next_sibling)
      part(c);
    out_.push_back(' ');
    append_string(out_, p.content_type.subtype);
    if (extended_) {
      out_.push_back(' ');
      params(p.content_type.params, false);
      extension(p);
    }
    out_.push_back(')');
  }

  void single(std::uint32_t index) {
    const MimePart& p = tree_.part(index);
    const ContentType& ct = p.content_type;
    const bool opaque = p.info.truncated && ct.is_type("multipart");
    const bool text = !opaque && ct.is_type("text");
    const bool message = !opaque && ct.is_type("message") &&
                         (iequals(ct.subtype, "rfc822") ||
                          (options_.global_as_message && iequals(ct.subtype, "global")));
    out_.push_back('(');
    if (opaque) {
      out_.append(R"("application" "octet-stream" NIL)");
    } else if (message) {
      // body-type-msg: the grammar's fixed strings, lower-cased as Dovecot writes them.
      out_.append(iequals(ct.subtype, "rfc822") ? R"("message" "rfc822" )"
                                                : R"("message" "global" )");
      params(ct.params, false);
    } else {
      append_string(out_, ct.type);
      out_.push_back(' ');
      append_string(out_, ct.subtype);
      out_.push_back(' ');
      params(ct.params, text);
    }
    out_.push_back(' ');
    field(p, FieldId::content_id);
    out_.push_back(' ');
    field(p, FieldId::content_description);
    out_.push_back(' ');
    encoding(p);
    out_ += fmt::format(" {}", p.info.body_end - p.info.body_begin);
    if (message) {
      out_.push_back(' ');
      if (p.info.kind == PartKind::message && p.info.first_child != kNoPart) {
        const std::uint32_t child = p.info.first_child;
        out_.append(build_envelope(tree_.part(child).header));
        out_.push_back(' ');
        part(child);
      } else {
        // Encoded (RFC 2046 §5.2.1 forbids it) or beyond the depth limit: not parsed into.
        out_.append(kEmptyEnvelope);
        out_.push_back(' ');
        out_.append(kEmptyTextPart);
        out_.append(extended_ ? " NIL NIL NIL NIL)" : ")");
      }
    }
    if (text || message) out_ += fmt::format(" {}", p.info.lines);
    if (extended_) {
      out_.push_back(' ');
      field(p, FieldId::content_md5);
      extension(p);
    }
    out_.push_back(')');
  }

  // body-fld-param; text parts get the default charset (RFC 2045 §5.2) appended, as Dovecot.
  void params(const MimeParams& list, bool add_charset) {
    const bool charset_missing = add_charset && !find_param(list, "charset");
    if (list.empty() && !charset_missing) {
      out_.append("NIL");
      return;
    }
    out_.push_back('(');
    bool first = true;
    // Plain parameters first, then the RFC 2231 ones, as Dovecot orders them.
    for (const bool rfc2231 : {false, true}) {
      for (const MimeParam& m : list) {
        if (m.rfc2231 != rfc2231) continue;
        if (!first) out_.push_back(' ');
        first = false;
        append_string(out_, m.wire_name);
        out_.push_back(' ');
        append_string(out_, m.wire_value);
      }
    }
    if (charset_missing)
      out_.append(first ? R"("charset" "us-ascii")" : R"( "charset" "us-ascii")");
    out_.push_back(')');
  }

  // body-fld-dsp, body-fld-lang, body-fld-loc.
  void extension(const MimePart& p) {
    out_.push_back(' ');
    const HeaderField* dsp = p.header.find(FieldId::content_disposition);
    ContentDisposition cd;
    if (dsp) cd = parse_content_disposition(dsp->raw_value);
    if (cd.type.empty()) {
      out_.append("NIL");
    } else {
      out_.push_back('(');
      append_string(out_, cd.type);
      out_.push_back(' ');
      params(cd.params, false);
      out_.push_back(')');
    }
    out_.push_back(' ');
    std::vector<std::string> languages;
    if (const HeaderField* f = p.header.find(FieldId::content_language))
      languages = parse_content_language(f->raw_value);
    if (languages.empty()) {
      out_.append("NIL");
    } else {
      out_.push_back('(');
      for (std::size_t i = 0; i < languages.size(); ++i) {
        if (i) out_.push_back(' ');
        append_string(out_, languages[i]);
      }
      out_.push_back(')');
    }
    out_.push_back(' ');
    field(p, FieldId::content_location);
  }

  void field(const MimePart& p, FieldId id) {
    const HeaderField* f = p.header.find(id);
    if (!f) {
      out_.append("NIL");
      return;
    }
    append_nstring_or_nil_if_empty(out_, f->value());
  }

  void encoding(const MimePart& p) {
    // The token as written ("Base64"), "7bit" when absent.
    std::string_view token = "7bit";
    if (const HeaderField* f = p.header.find(FieldId::content_transfer_encoding)) {
      std::string_view v = trim_wsp(f->raw_value);
      std::size_t end = 0;
      while (end < v.size() && v[end] != ' ' && v[end] != '\t' && v[end] != '\r' &&
             v[end] != '\n' && v[end] != '(' && v[end] != ';')
        ++end;
      if (end > 0) token = v.substr(0, end);
    }
    append_string(out_, token);
  }

  const MimeTree& tree_;
  bool extended_;
  BodyStructureOptions options_;
  std::string out_;
};

}  // namespace

std::string build_bodystructure(const MimeTree& tree, const BodyStructureOptions& options) {
  return Writer(tree, true, options).run();
}

std::string build_body(const MimeTree& tree, const BodyStructureOptions& options) {
  return Writer(tree, false, options).run();
}

}  // namespace facteur::mail
