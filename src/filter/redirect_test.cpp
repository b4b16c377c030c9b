#include "filter/redirect.hpp"

#include <gtest/gtest.h>

#include "filter/message_view.hpp"
#include "filter/test_util.hpp"

namespace facteur::filter {
namespace {

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
        "https://www.google.com/url?q=", "https://www.google.com/url?q=%zz%"})
    EXPECT_FALSE(redirect_target(t).has_value()) << t;
}

// The page behind the redirector is a link of the message, with the anchor's text, so the
// link checks see where the reader goes.
TEST(Redirect, TheMessageViewAddsTheTarget) {
  const std::string message = test::message(
      "From: PayPal <service@pay.example>\nContent-Type: text/html\n",
      "<a href=\"https://www.google.com/url?q=https%3A%2F%2Fpaypal.login.example%2F\">"
      "www.paypal.com</a>\n");
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
