#include "filter/url.hpp"

#include <gtest/gtest.h>

namespace facteur::filter {
namespace {

TEST(Url, ParsesHostsOfLinkTargets) {
  struct Case {
    const char* target;
    const char* host;
    bool ip;
    bool userinfo;
  };
  const Case cases[] = {
      {"http://www.Example.COM/path?q=1", "www.example.com", false, false},
      {"https://a.b.example.co.uk:8443/x", "a.b.example.co.uk", false, false},
      {"HTTP:\\\\evil.example\\login", "evil.example", false, false},
      {"http://paypal.com@evil.example/", "evil.example", false, true},
      {"http://192.0.2.7/cgi-bin/login", "192.0.2.7", true, false},
      {"http://3221225985/", "3221225985", true, false},
      {"http://0xC0.0x00.0x02.0x07/", "0xc0.0x00.0x02.0x07", true, false},
      {"http://[2001:db8::1]/", "[2001:db8::1]", true, false},
      {"www.example.org/page", "www.example.org", false, false},
      {"http://ex%61mple.com/", "example.com", false, false},
      {"mailto:someone@example.net?subject=hi", "example.net", false, false},
      {"http://example.com./", "example.com", false, false},
  };
  for (const auto& c : cases) {
    auto u = parse_url(c.target);
    ASSERT_TRUE(u) << c.target;
    EXPECT_EQ(u->host, c.host) << c.target;
    EXPECT_EQ(u->host_is_ip, c.ip) << c.target;
    EXPECT_EQ(u->has_userinfo, c.userinfo) << c.target;
  }
}

// The host a browser goes to (WHATWG URL): the authority ends only at / \\ ? #, the host is
// after its last '@', control characters and spaces at the ends are stripped.
TEST(Url, TheHostABrowserGoesTo) {
  auto quoted = parse_url("https://www.paypal.com\"@evil.example/signin");
  ASSERT_TRUE(quoted.has_value());
  EXPECT_EQ(quoted->host, "evil.example");
  EXPECT_TRUE(quoted->has_userinfo);
  auto spaced = parse_url("https://www.paypal.com @evil.example/");
  ASSERT_TRUE(spaced.has_value());
  EXPECT_EQ(spaced->host, "evil.example");
  auto control = parse_url("\x01https://evil.example/x\x0b");
  ASSERT_TRUE(control.has_value());
  EXPECT_EQ(control->host, "evil.example");
  auto apostrophe = parse_url("http://www.paypal.com'.evil.example/");
  ASSERT_TRUE(apostrophe.has_value());
  EXPECT_EQ(registrable_domain(apostrophe->host), "evil.example");
  auto bracketed = parse_url("<http://x.example>");
  ASSERT_TRUE(bracketed.has_value());
  EXPECT_EQ(bracketed->host, "x.example");
}

TEST(Url, RejectsTargetsWithoutHost) {
  for (const char* t : {"#top", "/relative/path", "javascript:alert(1)", "cid:part1@x", "",
                        "tel:+331234", "mailto:nobody"})
    EXPECT_FALSE(parse_url(t)) << t;
}

TEST(Url, RegistrableDomain) {
  EXPECT_EQ(registrable_domain("a.b.example.com"), "example.com");
  EXPECT_EQ(registrable_domain("example.com"), "example.com");
  EXPECT_EQ(registrable_domain("shop.example.co.uk"), "example.co.uk");
  EXPECT_EQ(registrable_domain("impots.gouv.fr"), "impots.gouv.fr");
  EXPECT_EQ(registrable_domain("localhost"), "localhost");
  EXPECT_EQ(registrable_domain("192.0.2.1"), "192.0.2.1");
  EXPECT_EQ(registrable_domain(".com"), ".com");
}

TEST(Url, FindsUrlsInText) {
  auto urls = find_urls_in_text(
      "Go to http://example.com/a, or www.example.org. Also (https://x.example/y).\n"
      "Not this: foohttp://no.example nor mywww.no.example");
  ASSERT_EQ(urls.size(), 3u);
  EXPECT_EQ(urls[0], "http://example.com/a");
  EXPECT_EQ(urls[1], "www.example.org");
  EXPECT_EQ(urls[2], "https://x.example/y");
  // A host written with letters of another script is kept whole; typographic punctuation and
  // non-ASCII bytes in the path still end the link.
  auto utf8 = find_urls_in_text(
      "Sign in: https://p\u0430ypal.example/login now, "
      "voir https://exemple.example\u00a0ou www.caf\u00e9.example/\u00e9t\u00e9 "
      "\u00abhttps://q.example\u00bb");
  ASSERT_EQ(utf8.size(), 4u);
  // A word of a script written without spaces right after the link ends it.
  auto cjk = find_urls_in_text("\u8bf7\u767b\u5f55www.paypal.com\u67e5\u770b");
  ASSERT_EQ(cjk.size(), 1u);
  EXPECT_EQ(cjk[0], "www.paypal.com");
  EXPECT_EQ(utf8[0], "https://p\u0430ypal.example/login");
  EXPECT_EQ(utf8[1], "https://exemple.example");
  EXPECT_EQ(utf8[2], "www.caf\u00e9.example/");
  EXPECT_EQ(utf8[3], "https://q.example");
}

TEST(Url, HostInLinkText) {
  EXPECT_EQ(host_in_text("https://www.PayPal.com/signin"), "www.paypal.com");
  EXPECT_EQ(host_in_text("  www.example.com/ "), "www.example.com");
  EXPECT_EQ(host_in_text("example.org"), "example.org");
  EXPECT_FALSE(host_in_text("Click here"));
  EXPECT_FALSE(host_in_text("version 2.0"));
  EXPECT_FALSE(host_in_text("see example.org now"));
}

}  // namespace
}  // namespace facteur::filter
