#include "filter/redirect.hpp"

#include <gtest/gtest.h>

#include "filter/message_view.hpp"
#include "filter/test_util.hpp"

namespace facteur::filter {
namespace {

// An HTML message with one link: `href` shown as `text`.
std::string html_with_link(std::string_view href, std::string_view text) {
  return test::message("From: a@shop.example\nContent-Type: text/html\n",
                       "<a href=\"" + std::string(href) + "\">" + std::string(text) + "</a>\n");
}

TEST(Redirect, FindsWhereOpenRedirectorsSend) {
  EXPECT_EQ(redirect_target("https://www.google.com/url?sa=t&q=https%3A%2F%2Fpaypa1.example%2Flogin"
                            "&usg=AOv"),
            "https://paypa1.example/login");
  EXPECT_EQ(redirect_target("http://google.co.uk/url?url=http://evil.example/x"),
            "http://evil.example/x");
  EXPECT_EQ(redirect_target("https://www.google.fr/amp/s/evil.example/account/verify"),
            "https://evil.example/account/verify");
  EXPECT_EQ(
      redirect_target("https://www.youtube.com/redirect?event=x&q=https%3A%2F%2Fevil.example"),
      "https://evil.example");
  EXPECT_EQ(redirect_target("https://l.facebook.com/l.php?u=https%3A%2F%2Fevil.example%2F&h=AT0"),
            "https://evil.example/");
  EXPECT_EQ(redirect_target("https://www.linkedin.com/redir/redirect?url=https%3A%2F%2Fevil.example"
                            "&urlhash=x"),
            "https://evil.example");
  EXPECT_EQ(redirect_target("https://eur01.safelinks.protection.outlook.com/?url=https%3A%2F%2F"
                            "www.example.org%2Fdoc&data=05"),
            "https://www.example.org/doc");
  EXPECT_EQ(redirect_target("https://maps.google.com/url?q=https://evil.example/m"),
            "https://evil.example/m");
  EXPECT_EQ(redirect_target("https://www.google.com/amp/evil.example/page"),
            "http://evil.example/page");
  EXPECT_EQ(redirect_target("https://m.youtube.com/redirect?q=https://evil.example"),
            "https://evil.example");
  EXPECT_EQ(redirect_target("https://www.facebook.com/l.php?u=https%3A%2F%2Fevil.example"),
            "https://evil.example");
  EXPECT_EQ(redirect_target("https://vk.com/away.php?to=https%3A%2F%2Fevil.example"),
            "https://evil.example");
  // "https://evil.example/x" in base64url after "a1".
  EXPECT_EQ(
      redirect_target("https://www.bing.com/ck/a?!&&p=1f&u=a1aHR0cHM6Ly9ldmlsLmV4YW1wbGUveA&ntb=1"),
      "https://evil.example/x");
  EXPECT_EQ(redirect_target("https://urldefense.proofpoint.com/v2/url?u=https-3A__www.example.org_"
                            "doc-3Fid-3D1&d=DwM&c=x"),
            "https://www.example.org/doc?id=1");
  EXPECT_EQ(redirect_target("https://urldefense.com/v3/__https://www.example.org/doc__;!!abc$"),
            "https://www.example.org/doc");
}

TEST(Redirect, KnowsItsHosts) {
  for (const char* h : {"www.google.com", "maps.google.co.uk", "l.facebook.com", "vk.com",
                        "eur01.safelinks.protection.outlook.com", "urldefense.com", "www.bing.com"})
    EXPECT_TRUE(is_redirector_host(h)) << h;
  for (const char* h :
       {"www.example.org", "google.evil.example", "xsafelinks.protection.outlook.com",
        "facebook.com.evil.example", "sites.google.com"})
    EXPECT_FALSE(is_redirector_host(h)) << h;
}

// Read as the redirector and the browser read it, or not at all.
TEST(Redirect, ReadAsTheBrowserReadsIt) {
  // Google's result links: an empty q beside url.
  EXPECT_EQ(redirect_target("https://www.google.com/url?sa=t&q=&esrc=s&url=https%3A%2F%2F"
                            "www.example.org%2F&usg=x"),
            "https://www.example.org/");
  // A Proofpoint '*' marker left in the host: not decoded as Proofpoint will, not followed.
  EXPECT_FALSE(redirect_target(
                   "https://urldefense.com/v3/__https://evil.example*.paypal.com/signin__;Lw!!A$")
                   .has_value());
  // A tab (%09 once decoded) is deleted before the next level is read.
  auto level = redirect_target(
      "https://www.google.com/url?q=https://urldefense.com/v3/__https://"
      "evil.example_%09_;.paypal.com/__;!!x");
  ASSERT_TRUE(level.has_value());
  EXPECT_EQ(redirect_target(*level), "https://evil.example");
  // Dot segments the browser resolves, escapes or an '@' in an AMP host, a '*' marker in a
  // Proofpoint authority: not read the way the redirector reads them, not followed.
  for (const char* t :
       {"https://www.google.com/amp/s/www.paypal.com/../evil.example/",
        "https://www.google.com/amp/s/www.paypal.com/%2e%2e/evil.example/",
        "https://www.google.com/amp/s/evil%2Eexample%2F@www.paypal.com",
        "https://www.google.com/amp/s/www.paypal.com\\..\\evil.example/",
        "https://urldefense.com/v3/__https://evil.example*@www.paypal.com/__;Lw!!A$"})
    EXPECT_FALSE(redirect_target(t).has_value()) << t;
  // No ordinary redirect is longer than 8 KiB.
  EXPECT_FALSE(
      redirect_target("https://www.google.com/url?q=https://evil.example/" + std::string(9000, 'a'))
          .has_value());
}

// Redirectors in a chain: the message view follows them to the page.
TEST(Redirect, TheMessageViewFollowsAChain) {
  const std::string message = html_with_link(
      "https://www.google.com/url?q=https%3A%2F%2Fwww.google.com%2Furl%3Fq%3Dhttps%253A%252F%252F"
      "paypal.login.example%252F",
      "Sign in");
  auto view = MessageView::analyze(message);
  ASSERT_EQ(view.links.size(), 3u);
  EXPECT_TRUE(view.links[0].redirects);
  EXPECT_TRUE(view.links[1].redirects);
  EXPECT_EQ(view.links[2].url.host, "paypal.login.example");
  EXPECT_EQ(view.links[2].via, "www.google.com");
  EXPECT_EQ(view.links[2].text, "Sign in");
  EXPECT_FALSE(view.links[2].redirects);
}

TEST(Redirect, LeavesOtherLinksAlone) {
  for (const char* t :
       {"https://www.google.com/search?q=https://evil.example",
        "https://www.google.com/url?q=javascript:alert(1)",
        "https://www.google.com/url?q=not%20a%20url",
        "https://google.evil.example/url?q=https://evil.example",
        "https://notgoogle.com/url?q=https://evil.example",
        "https://www.youtube.com/watch?v=x&q=https://evil.example",
        "https://safelinks.protection.outlook.com.evil.example/?url=https://a.example",
        "https://www.example.org/?url=https://evil.example", "mailto:a@example.org",
        "https://www.google.com/url?q=", "https://www.google.com/url?q=%zz%",
        // Ambiguous: the site may read another parameter than we would.
        "https://www.google.com/url?Q=https://a.example/&q=https://b.example/",
        "https://www.google.com/url?q=https://a.example/&q=https://b.example/",
        "https://www.google.com/url?%71=https://a.example/&q=https://b.example/",
        "https://www.google.com/url?q=https://a.example/&url=https://b.example/",
        // Not Google's.
        "https://google.evil.example/url?q=https://a.example/",
        "https://sites.google.com/url?q=https://a.example/"})
    EXPECT_FALSE(redirect_target(t).has_value()) << t;
}

// The page behind the redirector is a link of the message, with the anchor's text, so the
// link checks see where the reader goes.
TEST(Redirect, TheMessageViewAddsTheTarget) {
  const std::string message = html_with_link(
      "https://www.google.com/url?q=https%3A%2F%2Fpaypal.login.example%2F", "www.paypal.com");
  auto view = MessageView::analyze(message);
  bool found = false;
  for (const auto& l : view.links)
    if (l.url.host == "paypal.login.example") {
      found = true;
      EXPECT_EQ(l.text, "www.paypal.com");
      EXPECT_TRUE(l.from_html);
    }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace facteur::filter
