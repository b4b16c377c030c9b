#include "cli/filter_commands.hpp"

#include <filesystem>
#include <iostream>
#include <iterator>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/strings.hpp"
#include "filter/filter.hpp"
#include "filter/train.hpp"
#include "mail/message.hpp"
#include "mailauth/dmarc.hpp"
#include "server/privileges.hpp"

namespace facteur::cli {
namespace {

std::optional<filter::AuthOutcome> parse_outcome(std::string_view s) {
  using filter::AuthOutcome;
  static constexpr std::pair<std::string_view, AuthOutcome> kNames[] = {
      {"none", AuthOutcome::none},          {"pass", AuthOutcome::pass},
      {"fail", AuthOutcome::fail},          {"softfail", AuthOutcome::softfail},
      {"neutral", AuthOutcome::neutral},    {"temperror", AuthOutcome::temperror},
      {"permerror", AuthOutcome::permerror}};
  for (auto [name, value] : kNames)
    if (iequals(s, name)) return value;
  return std::nullopt;
}

std::optional<std::string> read_stdin(std::size_t max) {
  std::string data;
  char buf[65536];
  while (std::cin.read(buf, sizeof buf) || std::cin.gcount() > 0) {
    data.append(buf, static_cast<std::size_t>(std::cin.gcount()));
    if (data.size() > max) return std::nullopt;
  }
  return data;
}

// Models are written as the daemon's user (as `user add` writes the store), so that a running
// daemon that dropped to it can read and update them; run as root with no such user, a no-op.
bool write_as_daemon_user(const Config& config) {
  if (auto dropped = server::drop_privileges(config.run_as, config.data_dir); !dropped) {
    std::cerr << "facteur: " << dropped.error().message << "\n";
    return false;
  }
  return true;
}

}  // namespace

int run_scan(const Config& config, const ScanOptions& o) {
  auto fc = filter::load_filter_config(config);
  if (!fc) {
    std::cerr << "facteur: " << fc.error().message << "\n";
    return 2;
  }
  filter::Context ctx;
  ctx.account = to_lower(o.account);
  if (!o.dmarc.empty() || !o.spf.empty() || !o.dkim.empty()) {
    filter::AuthSignals a;
    for (auto [text, out] :
         {std::pair{&o.dmarc, &a.dmarc}, std::pair{&o.spf, &a.spf}, std::pair{&o.dkim, &a.dkim}}) {
      if (text->empty()) continue;
      auto v = parse_outcome(*text);
      if (!v) {
        std::cerr << "facteur: unknown result '" << *text << "'\n";
        return 2;
      }
      *out = *v;
    }
    a.dmarc_policy = to_lower(o.dmarc_policy);
    ctx.auth = a;
  }
  auto message = read_stdin(config.smtp.max_message_size);
  if (!message) {
    std::cerr << "facteur: message larger than smtp.max_message_size\n";
    return 2;
  }
  filter::Filter f(std::move(*fc));
  std::string bytes = mail::to_crlf(*message);
  auto view = filter::MessageView::analyze(bytes);
  // The results pretended are for the message's author domain, as DMARC finds it (none with
  // several From addresses), as on the SMTP side.
  if (ctx.auth) {
    if (auto author = mailauth::author_domain(view.header())) ctx.auth->dmarc_domain = *author;
  }
  filter::Verdict v = f.scan(view, ctx);
  std::string out = filter::verdict_json(v, o.pretty);
  if (o.headers) {
    auto j = nlohmann::json::parse(out);
    auto h = nlohmann::json::object();
    for (const auto& line : filter::verdict_headers(v, f.config().thresholds_for(ctx.account)))
      h[line.name] = line.value;
    j["headers"] = std::move(h);
    out = j.dump(o.pretty ? 2 : -1, ' ', true, nlohmann::json::error_handler_t::replace);
  }
  std::cout << out << "\n";
  return 0;
}

int run_spam_train(const Config& config, const SpamTrainOptions& o) {
  auto fc = filter::load_filter_config(config);
  if (!fc) {
    std::cerr << "facteur: " << fc.error().message << "\n";
    return 2;
  }
  std::string account = to_lower(o.account);
  filter::ModelStore store(fc->model_dir);
  filter::ModelLock lock(store.dir());
  if (!lock.held()) {
    std::cerr << "facteur: cannot lock " << store.dir().string() << "\n";
    return 2;
  }
  filter::BayesModel model;
  if (!o.reset) {
    auto current = store.open_for_update(account);
    if (!current) {
      std::cerr << "facteur: " << current.error().message << " (use --reset to start over)\n";
      return 2;
    }
    model = std::move(*current);
  }
  // The site-wide linear classifier is trained with the site-wide counts, from the same
  // messages; an account's training only changes that account's counts. Opened first, so a
  // damaged file stops the command before anything is saved.
  std::optional<filter::ExampleSample> sample;
  filter::LinearClassifier linear;
  if (account.empty()) {
    sample.emplace();
    if (!o.reset) {
      auto current = store.open_linear_for_update();
      if (!current) {
        std::cerr << "facteur: " << current.error().message << " (use --reset to start over)\n";
        return 2;
      }
      linear = std::move(*current);
    }
  }
  filter::TokenizerOptions topt;
  std::size_t total = 0;
  const std::pair<const std::vector<std::string>*, filter::Label> sets[] = {
      {&o.ham, filter::Label::ham},
      {&o.spam, filter::Label::spam},
      {&o.scam, filter::Label::scam},
      {&o.phishing, filter::Label::phishing},
      {&o.hoax, filter::Label::hoax}};
  for (auto [paths, label] : sets) {
    for (const auto& p : *paths) {
      auto stats = filter::train_from(model, p, label, topt, {}, sample ? &*sample : nullptr);
      if (!stats) {
        std::cerr << "facteur: " << stats.error().message << "\n";
        return 2;
      }
      std::cout << fmt::format("learned {} {} message{} from {}\n", stats->messages,
                               filter::to_string(label), stats->messages == 1 ? "" : "s", p);
      total += stats->messages;
    }
  }
  if (total == 0 && !o.reset) {
    std::cerr << "facteur: no messages found; nothing learned\n";
    return 1;
  }
  // The sources were read as whoever ran the command (they may be in a home directory).
  if (!write_as_daemon_user(config)) return 2;
  if (auto st = store.save(account, model); !st) {
    std::cerr << "facteur: " << st.error().message << "\n";
    return 2;
  }
  const auto& n = model.messages();
  std::cout << fmt::format(
      "model {}: {} tokens; messages ham {}, spam {}, scam {}, phishing {}, hoax {}\n",
      store.account_path(account).string(), model.size(), n[0], n[1], n[2], n[3], n[4]);
  if (!sample) return 0;
  auto trained = linear.train(sample->examples());
  if (linear.empty()) {
    // Nothing to score with (a --reset, or never both ham and abuse): no file, so that an old
    // classifier does not outlive a reset.
    std::error_code ec;
    std::filesystem::remove(store.linear_path(), ec);
  } else if (auto st = store.save_linear(linear); !st) {
    std::cerr << "facteur: " << st.error().message << "\n";
    return 2;
  }
  std::cout << fmt::format("linear classifier {}: {} of {} messages; {}, {} kind model{} trained\n",
                           store.linear_path().string(), sample->size(), sample->offered(),
                           trained.abuse ? "abuse model trained"
                                         : "abuse model unchanged (needs ham and abuse together)",
                           trained.kinds, trained.kinds == 1 ? "" : "s");
  return 0;
}

int run_spam_learn(const Config& config, const SpamLearnOptions& o) {
  auto label = filter::parse_label(o.label);
  if (!label) {
    std::cerr << "facteur: --as spam|ham|scam|phishing|hoax\n";
    return 2;
  }
  auto fc = filter::load_filter_config(config);
  if (!fc) {
    std::cerr << "facteur: " << fc.error().message << "\n";
    return 2;
  }
  auto message = read_stdin(config.smtp.max_message_size);
  if (!message) {
    std::cerr << "facteur: message larger than smtp.max_message_size\n";
    return 2;
  }
  if (!write_as_daemon_user(config)) return 2;
  filter::Filter f(std::move(*fc));
  std::string bytes = mail::to_crlf(*message);
  if (auto st = f.learn(bytes, *label, to_lower(o.account), o.forget ? -1 : 1); !st) {
    std::cerr << "facteur: " << st.error().message << "\n";
    return 2;
  }
  std::cout << fmt::format("{} as {} ({})\n", o.forget ? "forgot" : "learned",
                           filter::to_string(*label),
                           o.account.empty() ? std::string("site-wide model") : o.account);
  return 0;
}

FilterCommands::FilterCommands(CLI::App& app, const std::function<void(CLI::App*)>& add_config) {
  scan_ = app.add_subcommand(
      "scan", "classify one message from stdin; prints {\"verdict\", \"score\", \"reasons\"}");
  add_config(scan_);
  scan_->add_option("--account", scan_options_.account,
                    "recipient account (its thresholds and model)");
  scan_->add_flag("--pretty", scan_options_.pretty, "indent the JSON");
  scan_->add_flag("--headers", scan_options_.headers, "include the header fields it would add");
  scan_->add_option("--dmarc", scan_options_.dmarc, "pretend DMARC gave this result");
  scan_->add_option("--dmarc-policy", scan_options_.dmarc_policy, "none|quarantine|reject");
  scan_->add_option("--spf", scan_options_.spf, "pretend SPF gave this result");
  scan_->add_option("--dkim", scan_options_.dkim, "pretend DKIM gave this result");

  auto* spam = app.add_subcommand("spam", "train the spam classifier");
  spam->require_subcommand(1);
  train_ = spam->add_subcommand(
      "train", "learn from Maildir folders, mbox files or directories of messages");
  add_config(train_);
  train_->add_option("--spam", train_options_.spam, "spam messages");
  train_->add_option("--ham", train_options_.ham, "legitimate messages");
  train_->add_option("--scam", train_options_.scam, "advance-fee fraud messages");
  train_->add_option("--phishing", train_options_.phishing, "phishing messages");
  train_->add_option("--hoax", train_options_.hoax, "hoaxes and chain letters");
  train_->add_option("--account", train_options_.account,
                     "train this account's own model instead of the site-wide one");
  train_->add_flag("--reset", train_options_.reset, "start from an empty model");

  learn_ = spam->add_subcommand("learn", "learn (or --forget) one message from stdin");
  add_config(learn_);
  learn_->add_option("--as", learn_options_.label, "spam|ham|scam|phishing|hoax")->required();
  learn_->add_option("--account", learn_options_.account, "the account's own model");
  learn_->add_flag("--forget", learn_options_.forget, "undo an earlier learn");
}

std::optional<int> FilterCommands::run(const Config& config) const {
  if (scan_->parsed()) return run_scan(config, scan_options_);
  if (train_->parsed()) return run_spam_train(config, train_options_);
  if (learn_->parsed()) return run_spam_learn(config, learn_options_);
  return std::nullopt;
}

}  // namespace facteur::cli
