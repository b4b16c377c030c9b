#include "server/server.hpp"

#include <csignal>
#include <memory>
#include <optional>
#include <signal.h>
#include <thread>
#include <vector>

#include "base/log.hpp"
#include "delivery/router.hpp"
#include "dns/stub_resolver.hpp"
#include "filter/filter.hpp"
#include "net/io_pool.hpp"
#include "net/listener.hpp"
#include "net/tls_context.hpp"
#include "net/worker_pool.hpp"
#include "queue/dkim_keys.hpp"
#include "server/abuse_limits.hpp"
#include "server/auth_throttle.hpp"
#include "server/context.hpp"
#include "server/greylist.hpp"
#include "server/imap_session.hpp"
#include "server/inbound_checks.hpp"
#include "server/open_files.hpp"
#include "server/pop3_session.hpp"
#include "server/privileges.hpp"
#include "server/queue_runner.hpp"
#include "server/send_rate.hpp"
#include "server/session_registry.hpp"
#include "server/smtp_session.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace facteur::server {
namespace {

using namespace std::chrono_literals;

// Roles this build serves; the others are accepted in the config but not bound yet.
bool implemented(const std::string& role) {
  return role == "smtp" || role == "submission" || role == "submissions" || role == "pop3" ||
         role == "pop3s" || role == "imap" || role == "imaps";
}

struct BoundListener {
  std::string role;
  ListenAddress address;
  net::tcp::acceptor acceptor;
};

// Blocks SIGTERM/SIGINT in every thread (threads inherit the mask) so only sigwait() sees them.
sigset_t block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  return set;
}

}  // namespace

int serve(const Config& config) {
  auto stop_signals = block_stop_signals();
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  net::IoPool io(config.io_threads ? config.io_threads : cores);

  // TLS files named in the config may be readable by root only: load them before the drop.
  std::shared_ptr<boost::asio::ssl::context> tls;
  if (config.tls_cert) {
    auto ctx = net::make_server_tls_context({*config.tls_cert, *config.tls_key});
    if (!ctx) {
      spdlog::critical("{}", ctx.error().message);
      return 1;
    }
    tls = *ctx;
  }

  // Before the drop: as root the hard limit is ours to keep; the soft one is raised to what the
  // connection limits need (open_files.hpp).
  const std::uint64_t wanted_files = config.smtp.max_connections + config.pop3.max_connections +
                                     ImapSettings{}.max_connections + config.queue.max_connections +
                                     kOpenFilesMargin;
  if (auto files = raise_open_files_limit(wanted_files); !files) {
    spdlog::warn("open-file limit: {}", files.error().message);
  } else {
    if (files->now != files->before)
      spdlog::info("open-file limit raised from {} to {}", files->before, files->now);
    if (files->now < wanted_files)
      spdlog::warn(
          "open-file limit {} (hard) is below the {} the connection limits need: "
          "connections beyond it are refused at accept",
          files->now, wanted_files);
  }

  // Bind everything while still privileged (ports below 1024).
  std::vector<BoundListener> bound;
  for (const auto& [role, addresses] : config.listen) {
    if (!implemented(role)) {
      spdlog::warn("listener '{}' is not available in this build yet; not listening", role);
      continue;
    }
    for (const auto& address : addresses) {
      auto acceptor = net::bind_acceptor(io.main(), address);
      if (!acceptor) {
        spdlog::critical("{}", acceptor.error().message);
        return 1;
      }
      bound.push_back({role, address, std::move(*acceptor)});
    }
  }

  auto dropped = drop_privileges(config.run_as, config.data_dir);
  if (!dropped) {
    spdlog::critical("{}", dropped.error().message);
    return 1;
  }
  if (!dropped->dropped && dropped->user == "root")
    spdlog::warn("running as root: create a 'facteur' user or set run_as to drop privileges");

  if (!tls) {
    auto files = net::ensure_self_signed(config.data_dir, config.hostname);
    auto ctx =
        files ? net::make_server_tls_context(*files)
              : Result<std::shared_ptr<boost::asio::ssl::context>>(std::unexpected(files.error()));
    if (ctx) {
      tls = *ctx;
      spdlog::info("TLS: using the self-signed certificate in {}",
                   (config.data_dir / "tls").string());
    } else {
      spdlog::error("TLS unavailable ({}); STARTTLS and implicit TLS are off", ctx.error().message);
    }
  }

  auto store = store::open_sqlite_store(config.data_dir);
  if (!store) {
    spdlog::critical("cannot open the store in {}: {}", config.data_dir.string(),
                     store.error().message);
    return 1;
  }
  auto trusted = net::NetworkList::parse(config.trusted_networks);
  if (!trusted) {
    spdlog::critical("trusted_networks: {}", trusted.error().message);
    return 1;
  }
  // [filter] is read as `facteur scan` reads it; a mistake there stops the start (a typo must
  // not silently turn spam filtering off).
  auto filter_config = filter::load_filter_config(config);
  if (!filter_config) {
    spdlog::critical("{}", filter_config.error().message);
    return 1;
  }

  net::WorkerPool workers(config.worker_threads ? config.worker_threads : std::max(2u, cores));
  delivery::Router router(config, **store);
  SessionRegistry registry;
  AuthThrottle auth_throttle(config.pop3.auth_failure_delay);
  ServerContext ctx{config,
                    workers,
                    **store,
                    router,
                    tls,
                    *trusted,
                    registry,
                    auth_throttle,
                    std::make_shared<net::ConnectionLimiter>(config.smtp.max_connections,
                                                             config.smtp.max_connections_per_ip),
                    std::make_shared<net::ConnectionLimiter>(config.pop3.max_connections,
                                                             config.pop3.max_connections)};

  // Submission and the outbound queue (src/server/queue_runner.hpp).
  std::shared_ptr<dns::Resolver> resolver;
  if (auto options = dns::resolver_options(config.dns_servers); options) {
    // [dns] dnssec: DO bit, and whose AD bit to believe (DANE, RFC 7672). Checked by the config.
    (void)dns::apply_dnssec_setting(*options, config.dns_dnssec);
    if (options->trust_ad) spdlog::info("DNS: the resolvers' DNSSEC answers are trusted (AD)");
    resolver = std::make_shared<dns::StubResolver>(std::move(*options));
  } else {
    spdlog::warn("DNS: {}; only [routes] with addresses can be used", options.error().message);
  }
  queue::DkimSigner dkim(config.data_dir);
  SendRateLimiter send_rate(config.submission.max_messages_per_hour,
                            config.submission.max_recipients_per_hour);
  // Its timer belongs to an io_context: it is destroyed before io.destroy() below.
  std::optional<QueueRunner> queue_runner(std::in_place, ctx, io.next(), resolver);
  ctx.queue = &*queue_runner;
  ctx.dkim = config.dkim.sign ? &dkim : nullptr;
  ctx.send_rate = &send_rate;
  AbuseLimiter abuse(config.rate_limits);
  ctx.abuse = &abuse;
  std::optional<Greylist> greylist;
  if (config.greylist.enabled) {
    greylist.emplace(config.greylist);
    ctx.greylist = &*greylist;
  }
  queue_runner->start();

  if (filter_config->enabled)
    ctx.filter = std::make_shared<filter::Filter>(std::move(*filter_config));
  // End of DATA on port 25: SPF/DKIM/ARC/DMARC over `resolver`, then the filter.
  InboundChecks inbound(config, workers, resolver, ctx.filter, **store);
  ctx.inbound = &inbound;

  ImapService imap(ctx);

  std::vector<std::shared_ptr<net::Listener>> listeners;
  for (auto& b : bound) {
    net::Listener::Handler handler;
    if (b.role == "smtp") {
      handler = [&ctx](net::tcp::socket s) {
        start_smtp_session(ctx, std::move(s), smtp::Role::mx, false);
      };
    } else if (b.role == "submission" || b.role == "submissions") {
      bool implicit = b.role == "submissions";
      if (implicit && !tls) {
        spdlog::error("submissions on {} needs TLS; not listening", b.address.to_string());
        continue;
      }
      auto role = implicit ? smtp::Role::submissions : smtp::Role::submission;
      handler = [&ctx, role, implicit](net::tcp::socket s) {
        start_smtp_session(ctx, std::move(s), role, implicit);
      };
    } else if (b.role == "pop3" || b.role == "pop3s") {
      bool implicit = b.role == "pop3s";
      if (implicit && !tls) {
        spdlog::error("pop3s on {} needs TLS; not listening", b.address.to_string());
        continue;
      }
      handler = [&ctx, implicit](net::tcp::socket s) {
        start_pop3_session(ctx, std::move(s), implicit);
      };
    }
    if (b.role == "imap" || b.role == "imaps") {
      bool implicit = b.role == "imaps";
      if (implicit && !tls) {
        spdlog::error("imaps on {} needs TLS; not listening", b.address.to_string());
        continue;
      }
      handler = [&imap, implicit](net::tcp::socket s) {
        imap.start_session(std::move(s), implicit);
      };
    }
    auto listener = std::make_shared<net::Listener>(std::move(b.acceptor), io, std::move(handler));
    spdlog::info("listening: {:<12} {}", b.role, b.address.to_string());
    listener->start();
    listeners.push_back(std::move(listener));
  }
  spdlog::info("facteur ready: hostname {}, domains {}, data in {}, running as {}", config.hostname,
               fmt::join(config.domains, ","), config.data_dir.string(), dropped->user);

  io.start();
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  spdlog::info("received signal {}: stopping", signal_number);

  for (auto& l : listeners)
    l->stop();
  queue_runner->stop();
  inbound.stop();
  auto left = registry.stop_all(4s);
  if (left > 0) spdlog::warn("{} session(s) still busy after 4 s; closing them", left);
  io.stop();
  io.join();
  listeners.clear();
  bound.clear();
  // Blocking work still running (a password check, a store read) posts its result to an
  // io_context: finish it while the contexts exist, then drop the session frames (locks, blob
  // writers) before the store they point into.
  workers.join();
  // Deliveries still in the committer queue call back into the io_contexts: let them finish
  // while those exist.
  (*store)->drain();
  ctx.queue = nullptr;
  queue_runner.reset();
  io.destroy();
  spdlog::info("stopped");
  return 0;
}

}  // namespace facteur::server
