#include "cli/queue_commands.hpp"

#include <ctime>
#include <iostream>

#include <fmt/format.h>

#include "base/strings.hpp"
#include "queue/dkim_keys.hpp"
#include "queue/dns_records.hpp"
#include "server/privileges.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace facteur::cli {
namespace {

int fail(std::string_view message) {
  std::cerr << "facteur: " << message << "\n";
  return 1;
}

std::unique_ptr<store::Store> open_store(const Config& config) {
  // As the daemon's user, so files in data_dir keep one owner.
  if (auto dropped = server::drop_privileges(config.run_as, config.data_dir); !dropped) {
    fail(dropped.error().message);
    return nullptr;
  }
  auto store = store::open_sqlite_store(config.data_dir);
  if (!store) {
    fail(fmt::format("cannot open the store in {}: {}", config.data_dir.string(),
                     store.error().message));
    return nullptr;
  }
  return std::move(*store);
}

std::string when(std::int64_t t) {
  if (t == 0) return "-";
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  ::gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

int queue_list(const Config& config) {
  auto store = open_store(config);
  if (!store) return 1;
  auto entries = store->list_queue();
  if (!entries) return fail(entries.error().message);
  if (entries->empty()) {
    std::cout << "queue is empty\n";
    return 0;
  }
  std::cout << fmt::format("{:>6}  {:<20}  {:>8}  {:>3}  {:<20}  {}\n", "ID", "NEXT ATTEMPT",
                           "SIZE", "TRY", "DOMAIN", "SENDER -> RECIPIENTS");
  for (const auto& e : *entries) {
    std::vector<std::string> rcpts;
    for (const auto& r : e.recipients)
      rcpts.push_back(r.address);
    std::cout << fmt::format("{:>6}  {:<20}  {:>8}  {:>3}  {:<20}  <{}> -> {}\n", e.id,
                             when(e.next_attempt), e.size, e.attempts, e.domain,
                             e.envelope.reverse_path, fmt::join(rcpts, ", "));
  }
  std::cout << fmt::format("{} entr{}\n", entries->size(), entries->size() == 1 ? "y" : "ies");
  return 0;
}

int queue_show(const Config& config, const std::vector<std::int64_t>& ids) {
  auto store = open_store(config);
  if (!store) return 1;
  int rc = 0;
  for (auto id : ids) {
    auto e = store->get_queue_entry(id);
    if (!e) {
      rc = fail(fmt::format("queue entry {}: {}", id, e.error().message));
      continue;
    }
    std::cout << fmt::format(
        "id: {}\nmessage: {}\ndomain: {}\nsender: <{}>\nsubmitted by: {}\narrival: {}\n"
        "attempts: {}\nlast attempt: {}\nnext attempt: {}\nlast error: {}\nsize: {}\n"
        "envid: {}\nret: {}\nsmtputf8: {}\ndelay notice sent: {}\n",
        e->id, e->message, e->domain, e->envelope.reverse_path,
        e->envelope.submitter.empty() ? "-" : e->envelope.submitter, when(e->envelope.arrival),
        e->attempts, when(e->last_attempt), when(e->next_attempt),
        e->last_error.empty() ? "-" : e->last_error, e->size, e->envelope.envid.value_or("-"),
        e->envelope.ret == 1   ? "FULL"
        : e->envelope.ret == 2 ? "HDRS"
                               : "-",
        e->envelope.smtputf8 ? "yes" : "no", e->delay_notified ? "yes" : "no");
    for (const auto& r : e->recipients) {
      std::cout << fmt::format("recipient: {}{}{}\n", r.address,
                               r.last_error.empty() ? "" : "  last error: ", r.last_error);
    }
    auto reader = store->open_queue_message(id);
    if (reader) {
      auto view = (*reader)->view();
      if (view) {
        auto end = view->find("\r\n\r\n");
        std::cout << "\n"
                  << view->substr(0, end == std::string_view::npos ? view->size() : end + 2);
      }
    }
    std::cout << "\n";
  }
  return rc;
}

int queue_retry(const Config& config, const std::vector<std::int64_t>& ids, bool all) {
  auto store = open_store(config);
  if (!store) return 1;
  std::vector<std::int64_t> targets = ids;
  if (all) {
    auto entries = store->list_queue(store::QueueQuery{INT64_MAX, 0, false});
    if (!entries) return fail(entries.error().message);
    for (const auto& e : *entries)
      targets.push_back(e.id);
  }
  if (targets.empty()) return fail("name entries to retry, or --all");
  int rc = 0;
  std::int64_t now = std::time(nullptr);
  for (auto id : targets) {
    if (auto s = store->reschedule_queue_entry(id, now); !s)
      rc = fail(fmt::format("queue entry {}: {}", id, s.error().message));
  }
  if (rc == 0)
    std::cout << fmt::format("{} entr{} due now\n", targets.size(),
                             targets.size() == 1 ? "y" : "ies");
  return rc;
}

int queue_delete(const Config& config, const std::vector<std::int64_t>& ids) {
  auto store = open_store(config);
  if (!store) return 1;
  int rc = 0;
  for (auto id : ids) {
    if (auto s = store->delete_queue_entry(id); !s)
      rc = fail(fmt::format("queue entry {}: {}", id, s.error().message));
    else
      std::cout << fmt::format("deleted {}\n", id);
  }
  return rc;
}

int dkim_generate(const Config& config, const std::string& domain, std::string selector,
                  std::string algorithm, unsigned bits) {
  if (algorithm.empty()) algorithm = config.dkim.algorithm;
  mailauth::DkimAlgorithm alg;
  if (iequals(algorithm, "rsa") || iequals(algorithm, "rsa-sha256")) {
    alg = mailauth::DkimAlgorithm::rsa_sha256;
    if (selector.empty()) selector = config.dkim.selector;
  } else if (iequals(algorithm, "ed25519") || iequals(algorithm, "ed25519-sha256")) {
    alg = mailauth::DkimAlgorithm::ed25519_sha256;
    if (selector.empty())
      selector = config.dkim.algorithm == "ed25519" ? config.dkim.selector
                                                    : config.dkim.selector + "-ed25519";
  } else {
    return fail(fmt::format("unknown algorithm '{}': rsa or ed25519", algorithm));
  }
  if (!config.is_local_domain(domain))
    std::cerr << fmt::format("facteur: warning: {} is not one of the local domains\n", domain);
  if (auto dropped = server::drop_privileges(config.run_as, config.data_dir); !dropped)
    return fail(dropped.error().message);
  auto key = queue::generate_domain_key(config.data_dir, domain, selector, alg,
                                        bits ? bits : config.dkim.rsa_bits);
  if (!key) return fail(key.error().message);
  std::cout << fmt::format("; key written to {}\n{}._domainkey.{}. TXT {}\n", key->path.string(),
                           key->selector, key->domain, queue::quote_txt(key->dns_record));
  return 0;
}

int dns_records(const Config& config, const std::string& domain) {
  auto keys = queue::list_domain_keys(config.data_dir, domain);
  if (!keys) return fail(keys.error().message);
  queue::DnsRecordsInput in;
  in.domain = domain;
  in.hostname = config.hostname;
  for (const auto& k : *keys)
    in.dkim.push_back({k.selector, k.dns_record});
  auto port = [&](const char* role) -> std::optional<std::uint16_t> {
    auto it = config.listen.find(role);
    if (it == config.listen.end() || it->second.empty()) return std::nullopt;
    return it->second.front().port;
  };
  in.submission = port("submission");
  in.submissions = port("submissions");
  in.imap = port("imap");
  in.imaps = port("imaps");
  in.pop3 = port("pop3");
  in.pop3s = port("pop3s");
  std::cout << queue::format_dns_records(in);
  return 0;
}

}  // namespace

QueueCommands::QueueCommands(CLI::App& app, const std::function<void(CLI::App*)>& add_config) {
  auto* queue = app.add_subcommand("queue", "inspect and manage the outbound queue");
  queue->require_subcommand(1);
  list_ = queue->add_subcommand("list", "list queued entries (one per destination domain)");
  add_config(list_);
  show_ = queue->add_subcommand("show", "show entries: envelope, recipients, errors, headers");
  add_config(show_);
  show_->add_option("id", ids_, "queue entry ids")->required();
  retry_ = queue->add_subcommand("retry", "make entries due now");
  add_config(retry_);
  retry_->add_option("id", ids_, "queue entry ids");
  retry_->add_flag("--all", all_, "every entry");
  delete_ = queue->add_subcommand("delete", "remove entries without notice to the sender");
  add_config(delete_);
  delete_->add_option("id", ids_, "queue entry ids")->required();

  auto* dkim = app.add_subcommand("dkim", "DKIM signing keys");
  dkim->require_subcommand(1);
  dkim_generate_ =
      dkim->add_subcommand("generate", "make DOMAIN's signing key and print its DNS record");
  add_config(dkim_generate_);
  dkim_generate_->add_option("domain", domain_, "the domain that signs")->required();
  dkim_generate_->add_option("--selector", selector_,
                             "selector (default: [dkim] selector; -ed25519 added for ed25519)");
  dkim_generate_->add_option("--algorithm", algorithm_, "rsa or ed25519 (default: [dkim])");
  dkim_generate_->add_option("--bits", bits_, "RSA key size (default: [dkim] rsa_bits)");

  dns_records_ = app.add_subcommand("dns-records",
                                    "print every DNS record DOMAIN must publish (zone-file style)");
  add_config(dns_records_);
  dns_records_->add_option("domain", domain_, "the mail domain")->required();
}

std::optional<int> QueueCommands::run(const Config& config) const {
  if (list_->parsed()) return queue_list(config);
  if (show_->parsed()) return queue_show(config, ids_);
  if (retry_->parsed()) return queue_retry(config, ids_, all_);
  if (delete_->parsed()) return queue_delete(config, ids_);
  if (dkim_generate_->parsed())
    return dkim_generate(config, to_lower(domain_), selector_, algorithm_, bits_);
  if (dns_records_->parsed()) return dns_records(config, to_lower(domain_));
  return std::nullopt;
}

}  // namespace facteur::cli
