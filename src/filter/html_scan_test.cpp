#include "filter/html_scan.hpp"

#include <gtest/gtest.h>

namespace facteur::filter {
namespace {

TEST(HtmlScan, AnchorsWithTheirText) {
  HtmlScan s;
  scan_html(R"(<p>Hello <A HREF="http://evil.example/x?a=1&amp;b=2">www.<b>bank</b>.example</A>
    <a href='mailto:x@example.org'>write</a> <a name=top>no href</a>
    <a href=http://img.example/><img src=x.png alt="Sign in"></a>)",
            s);
  ASSERT_EQ(s.anchors.size(), 3u);
  EXPECT_EQ(s.anchors[0].href, "http://evil.example/x?a=1&b=2");
  EXPECT_EQ(s.anchors[0].text, "www.bank.example");
  EXPECT_EQ(s.anchors[1].text, "write");
  EXPECT_EQ(s.anchors[2].text, "Sign in");
  EXPECT_EQ(s.images, 1u);
}

TEST(HtmlScan, FormsAndSensitiveInputs) {
  HtmlScan s;
  scan_html(R"(<form action="http://collect.example/post.php" method=post>
    User <input type=text name=user> Password <input type="password" name="pw">
    Card <input name="ccnum"> CVV <input name=cvv2> <input type=hidden name=x>
    <input type=submit value=Go></form>)",
            s);
  EXPECT_EQ(s.forms, 1u);
  ASSERT_EQ(s.form_actions.size(), 1u);
  EXPECT_EQ(s.form_actions[0], "http://collect.example/post.php");
  EXPECT_EQ(s.inputs, 4u);
  EXPECT_EQ(s.password_inputs, 1u);
  EXPECT_EQ(s.card_inputs, 2u);
}

TEST(HtmlScan, SensitiveInputsNamedByWholeWords) {
  // A password or a card by its field's name: a word of it ("user_pass", "passCode",
  // "cardNumber", "numero_carte"), not letters inside another word ("passengers", "compass",
  // "giftcard" aside, "postcard").
  HtmlScan s;
  scan_html(R"(<form action="/x"><input name=user_pass><input name=passCode>
    <input name=cardNumber><input name=numero_carte><input name=PIN><input name=pass>
    <input name=emailpass><input name=cardholder><input name=nameoncard></form>)",
            s);
  EXPECT_EQ(s.password_inputs, 5u);
  EXPECT_EQ(s.card_inputs, 4u);
  HtmlScan travel;
  scan_html(R"(<form action="/search"><input name=passengers><input name=compass>
    <input name=postcard><input name=destination><input name=spinner><select name=passType>
    <input name=skiPass><input name=opinion><select name=userPassType></select></form>)",
            travel);
  EXPECT_EQ(travel.password_inputs, 0u);
  EXPECT_EQ(travel.card_inputs, 0u);
}

TEST(HtmlScan, SkipsScriptStyleAndComments) {
  HtmlScan s;
  scan_html(R"(<script>var a = "<a href='http://no.example'>x</a>";</script>
    <style>a{}</style><!-- <a href="http://no2.example">y</a> -->
    <div style="display:none">hidden</div><a href="http://yes.example">ok</a>)",
            s);
  ASSERT_EQ(s.anchors.size(), 1u);
  EXPECT_EQ(s.anchors[0].href, "http://yes.example");
  EXPECT_EQ(s.hidden_text_tricks, 1u);
}

TEST(HtmlScan, SurvivesBrokenMarkup) {
  HtmlScan s;
  scan_html("<a href=\"http://x.example\">unclosed <a href='http://y.example'>second <", s);
  ASSERT_EQ(s.anchors.size(), 2u);
  EXPECT_EQ(s.anchors[0].text, "unclosed");
  scan_html("<<<>>><a", s);
  scan_html("<form", s);
  EXPECT_EQ(s.forms, 1u);
}

}  // namespace
}  // namespace facteur::filter
