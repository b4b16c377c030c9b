// Open redirectors that phishing hides its pages behind, and link rewriters of mail security
// products: a link to google.*/url?q=..., google.*/amp/s/<host>, youtube.com/redirect?q=...,
// facebook.com/l.php?u=..., linkedin.com/redir/redirect?url=..., vk.com/away.php?to=...,
// bing.com/ck/a?u=a1<base64>, an Outlook "safe link" or a Proofpoint URL Defense link shows a
// trusted host, and the browser ends up at the page in the parameter. The message view adds
// that page as a link of its own, so every link check judges where the reader really goes.
// Trust: reads link targets of internet mail; linear in the target, output no longer than it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace facteur::filter {

// The absolute http(s) URL a known open redirector at `target` sends to, percent-decoded
// once; nullopt when `target` is no such link or its parameter is no http(s) URL.
std::optional<std::string> redirect_target(std::string_view target);

// Whether `host` (lower case) is one whose links redirect_target() may unwrap: a cheap test
// before it, for the links of ordinary hosts.
bool is_redirector_host(std::string_view host);

}  // namespace facteur::filter
