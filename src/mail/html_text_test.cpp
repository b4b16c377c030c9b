#include "mail/html_text.hpp"

#include <string>

#include <gtest/gtest.h>

namespace facteur::mail {
namespace {

TEST(HtmlText, TagsScriptsStylesAndComments) {
  HtmlText h = html_to_text(
      "<html><head><title>T</title><style>p{color:red}</style>"
      "<script type=\"text/javascript\">var a = '<p>no</p>';</script></head>"
      "<body><!-- hidden <b>comment</b> --><p>Hello <b>big</b>\r\n   world</p>"
      "<div>Second&nbsp;line</div>line<br>break<SCRIPT>x()</SCRIPT></body></html>");
  EXPECT_EQ(h.text, "T\nHello big world\nSecond line\nline\nbreak");
  EXPECT_FALSE(h.truncated);
}

TEST(HtmlText, LinksAreCollectedApart) {
  HtmlText h = html_to_text(
      "<a href=\"https://example.com/?a=1&amp;b=2\">click</a> "
      "<A HREF='http://two.example/'>two</A> <a href=bare.example/x>three</a>"
      "<form action=\"https://phish.example/login\"></form><a name=x>no link</a>");
  EXPECT_EQ(h.text, "click two three\nno link");  // <form> is a block
  EXPECT_EQ(h.links,
            (std::vector<std::string>{"https://example.com/?a=1&b=2", "http://two.example/",
                                      "bare.example/x", "https://phish.example/login"}));
}

// HTML5 §13.5: named and numeric character references.
TEST(HtmlText, CharacterReferences) {
  EXPECT_EQ(decode_html_entities("caf&eacute; &amp; cr&#232;me &#x20AC;5 &lt;tag&gt;"),
            "caf\xc3\xa9 & cr\xc3\xa8me \xe2\x82\xac"
            "5 <tag>");
  EXPECT_EQ(decode_html_entities("&unknown; & &#; &amp"), "&unknown; & &#; &");
  EXPECT_EQ(decode_html_entities("&#150;"), "\xe2\x80\x93");  // windows-1252 range
  EXPECT_EQ(decode_html_entities("&#0;&#xD800;"), "\xef\xbf\xbd\xef\xbf\xbd");
  // Zero-width characters that split words for filters are dropped.
  EXPECT_EQ(decode_html_entities("V&#8203;i&zwnj;a&shy;gra"), "Viagra");
}

TEST(HtmlText, LiteralLessThanAndUnterminatedMarkup) {
  EXPECT_EQ(html_to_text("a < b and 3<4").text, "a < b and 3<4");
  EXPECT_EQ(html_to_text("text <!-- never closed").text, "text");
  EXPECT_EQ(html_to_text("x <a href=\"unterminated").text, "x");
  EXPECT_EQ(html_to_text("<script>never closed").text, "");
}

TEST(HtmlText, LimitsAreKept) {
  std::string html;
  for (int i = 0; i < 10000; ++i)
    html += "<p>word</p><a href=\"http://x.example/\">l</a>";
  HtmlLimits limits;
  limits.max_text = 1000;
  limits.max_links = 10;
  HtmlText h = html_to_text(html, limits);
  EXPECT_LE(h.text.size(), 1000u);
  EXPECT_TRUE(h.truncated);
  EXPECT_EQ(h.links.size(), 10u);
}

TEST(HtmlText, MetaCharset) {
  EXPECT_EQ(html_meta_charset("<html><head><META charset=\"ISO-8859-1\">"), "iso-8859-1");
  EXPECT_EQ(html_meta_charset(
                "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1252\">"),
            "windows-1252");
  EXPECT_EQ(html_meta_charset("<p>no meta</p>"), "");
}

// Hostile: megabytes of tags and open comments stay linear.
TEST(HtmlText, HostileInputsAreLinear) {
  std::string tags;
  for (int i = 0; i < 200'000; ++i)
    tags += "<b x='1'>";
  EXPECT_EQ(html_to_text(tags).text, "");
  std::string lts(2'000'000, '<');
  EXPECT_EQ(html_to_text(lts, {}).text.size(), HtmlLimits{}.max_text);
  std::string scripts;
  for (int i = 0; i < 100'000; ++i)
    scripts += "<script></scrip</";
  EXPECT_EQ(html_to_text(scripts).text, "");
}

}  // namespace
}  // namespace facteur::mail
