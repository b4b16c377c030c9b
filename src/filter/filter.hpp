// The anti-abuse filter run on every message at SMTP time and by `facteur scan`: a pipeline of
// checks (statistical classifier with a site-wide and a per-account model, phishing, advance-
// fee fraud and hoax detectors, session signals such as SPF/DKIM/DMARC results) that each add
// points and a human-readable reason. The sum decides the action under the thresholds of the
// site or the account (deliver / Junk / refuse with 550 5.7.1), the evidence per label decides
// the verdict (ham, spam, scam, phishing, hoax), recorded as X-Spam-Status, X-Spam-Score,
// X-Facteur-Verdict and X-Facteur-Reasons.
// No network look-ups happen here: the SMTP side passes what it learnt in Context.
// Trust: sees internet input (every received message); linear in the message, bounded by the
// limits of MessageView.
#pragma once

#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "filter/check.hpp"
#include "filter/context.hpp"
#include "filter/filter_config.hpp"
#include "filter/message_view.hpp"
#include "filter/model_store.hpp"
#include "filter/tokenizer.hpp"
#include "filter/verdict.hpp"

namespace facteur::filter {

class Filter {
 public:
  // The built-in checks, with models under config.model_dir.
  explicit Filter(FilterConfig config);
  // Only the given checks (tests, custom pipelines).
  Filter(FilterConfig config, std::vector<std::unique_ptr<Check>> checks);

  // Appends a check (e.g. one that needs a resolver, added by the server).
  void add_check(std::unique_ptr<Check> check);

  // Scans a message. Thread-safe (checks are read-only; models are shared snapshots).
  Verdict scan(const MessageView& message, const Context& context) const;
  Verdict scan(std::string_view message, const Context& context) const;

  // Learns a message as `label` into the model of `account` ("" = site-wide), e.g. when a user
  // moves it into or out of Junk (delta -1 to forget an earlier learn).
  Status learn(std::string_view message, Label label, std::string_view account, int delta = 1);

  // Learning from users' Junk moves: a message moved into Junk is learnt as Label::spam, one
  // moved out of it as Label::ham, into the account's model, once per message
  // (ModelStore::learn_feedback): moving it back takes the earlier label back.
  // feedback_item tokenizes one message (Errc::limit_exceeded above config().learn_max_bytes);
  // learn_from_user learns a batch. Blocking (file I/O, fsync): call it on a worker thread.
  Result<FeedbackItem> feedback_item(std::string_view message) const;
  Result<std::vector<Feedback>> learn_from_user(std::span<const FeedbackItem> items, Label label,
                                                std::string_view account);

  const FilterConfig& config() const noexcept { return config_; }
  const std::shared_ptr<ModelStore>& models() const noexcept { return models_; }
  const TokenizerOptions& tokenizer() const noexcept { return tokenizer_; }

  // Sets label and action from the reasons already in `verdict`.
  void decide(Verdict& verdict, const Context& context) const;

 private:
  FilterConfig config_;
  std::shared_ptr<ModelStore> models_;
  TokenizerOptions tokenizer_;
  std::vector<std::unique_ptr<Check>> checks_;
};

}  // namespace facteur::filter
