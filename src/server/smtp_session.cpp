#include "server/smtp_session.hpp"

#include <ctime>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "base/log.hpp"
#include "base/strings.hpp"
#include "delivery/local_delivery.hpp"
#include "directory/sasl.hpp"
#include "mail/crlf.hpp"
#include "mail/date.hpp"
#include "net/connection.hpp"
#include "queue/dkim_keys.hpp"
#include "queue/policy.hpp"
#include "queue/submit.hpp"
#include "server/abuse_limits.hpp"
#include "server/greylist.hpp"
#include "server/inbound_checks.hpp"
#include "server/local_failures.hpp"
#include "server/login.hpp"
#include "server/queue_id.hpp"
#include "server/queue_runner.hpp"
#include "server/send_rate.hpp"
#include "submission/fixup.hpp"

namespace facteur::server {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

smtp::Limits limits_from(const SmtpLimits& cfg) {
  smtp::Limits l;
  l.max_message_size = cfg.max_message_size;
  l.max_recipients = cfg.max_recipients;
  l.max_command_line = cfg.max_command_line;
  l.max_data_line = cfg.max_data_line;
  l.max_errors = cfg.max_errors;
  return l;
}

// The accounts a local recipient leads to, for its quota check (nullopt where a lookup failed).
std::vector<std::optional<store::Account>> accounts_of(
    store::Store& store, const std::vector<delivery::LocalTarget>& targets) {
  std::vector<std::optional<store::Account>> accounts;
  for (const auto& target : targets) {
    auto account = store.get_account(target.account);
    accounts.push_back(account ? std::optional(std::move(*account)) : std::nullopt);
  }
  return accounts;
}

std::string role_name(smtp::Role role) {
  switch (role) {
    case smtp::Role::mx:
      return "smtp";
    case smtp::Role::submission:
      return "submission";
    case smtp::Role::submissions:
      return "submissions";
  }
  return "smtp";
}

// Unknown recipients a client may try per connection before its replies are slowed down.
constexpr std::size_t kUnknownRecipientsBeforeTarpit = 3;

class SmtpSession : public std::enable_shared_from_this<SmtpSession> {
 public:
  SmtpSession(ServerContext& ctx, net::tcp::socket socket, smtp::Role role, bool implicit_tls,
              std::unique_ptr<net::ConnectionLimiter::Ticket> ticket)
      : ctx_(ctx),
        conn_(std::move(socket), ctx.tls),
        role_(role),
        implicit_tls_(implicit_tls),
        ticket_(std::move(ticket)),
        protocol_(options()) {
    client_ = conn_.peer().address().to_string();
    // Mail-bombing limits: port 25 only, trusted networks exempt (submission has its own
    // per-account limits).
    bool exempt = role_ != smtp::Role::mx || ctx_.trusted.contains(conn_.peer().address());
    rate_limited_ = !exempt && ctx_.abuse != nullptr;
    if (rate_limited_) client_key_ = client_key(conn_.peer().address());
    if (!exempt && ctx_.greylist)
      client_network_ = Greylist::client_network(conn_.peer().address());
  }

  net::awaitable<void> run();
  void on_stop() {
    stopping_ = true;
    if (idle_) conn_.interrupt();
    if (tarpit_timer_) tarpit_timer_->cancel();
  }

 private:
  smtp::ServerOptions options() const {
    smtp::ServerOptions o;
    o.hostname = ctx_.config.hostname;
    o.role = role_;
    o.tls_available = ctx_.tls != nullptr && !implicit_tls_;
    o.tls_active = implicit_tls_;
    // RFC 4954 §4: no plaintext mechanism in clear, except from loopback / trusted networks
    // (the contract's rule, as for POP3).
    o.plaintext_auth_allowed = ctx_.trusted.contains(conn_.peer().address());
    o.limits = limits_from(ctx_.config.smtp);
    return o;
  }
  bool submission() const { return role_ != smtp::Role::mx; }
  std::chrono::seconds read_timeout() const {
    return protocol_.phase() == smtp::Phase::data ? ctx_.config.smtp.data_timeout
                                                  : ctx_.config.smtp.command_timeout;
  }

  net::awaitable<void> handle(smtp::Event& event);
  net::awaitable<void> on_mail(const smtp::MailFrom& mail);
  net::awaitable<void> on_rcpt(const smtp::RcptTo& rcpt);
  void on_message_begin();
  net::awaitable<void> on_message_end();
  net::awaitable<bool> flush();
  // AUTH (submission roles).
  // By reference: g++ 12 may destroy a temporary argument of a coroutine call twice.
  net::awaitable<void> on_sasl(directory::SaslStep& step);
  net::awaitable<void> throttle(const std::string& user);
  net::awaitable<void> tarpit();
  // RFC 6409 §8 fix-ups and DKIM signing of a submitted message (blocking: worker pool).
  // Replaces blob_ with the copy to store and send; a reply when the message is refused.
  std::optional<smtp::Reply> prepare_submission();
  void add_remote(const std::string& address, const smtp::RcptParams& params,
                  const std::string& original);
  // Takes one recipient from a submission user's hourly allowance; true (and the recipient
  // refused 451 4.7.1) when it is used up.
  bool over_recipient_allowance();
  // Failure DSNs for the local copies the store did not write while others were (blocking:
  // worker pool). Stored before the 250: a crash in between makes the client send the message
  // again (duplicates for the others, RFC 5321 §6.1) rather than lose the notice.
  Status send_failure_notices(const store::DeliveryReceipt& receipt,
                              const std::vector<FailedCopy>& failed, std::int64_t arrival);
  void clear_transaction() {
    routes_.clear();
    local_recipients_.clear();
    recipients_.clear();
    remote_.clear();
  }

  ServerContext& ctx_;
  net::Connection conn_;
  smtp::Role role_;
  bool implicit_tls_;
  std::unique_ptr<net::ConnectionLimiter::Ticket> ticket_;
  smtp::ServerProtocol protocol_;
  bool rate_limited_ = false;  // [rate_limits] apply (abuse_limits.hpp)
  std::string client_key_;
  std::string client_network_;                  // greylisting applies when not empty
  std::size_t unknown_recipients_ = 0;          // 550 5.1.1 given in this session
  asio::steady_timer* tarpit_timer_ = nullptr;  // set while a reply is held back
  bool idle_ = false;
  bool stopping_ = false;
  bool done_ = false;
  // [dnsbl] zones with reject = true: asked about the client once; the zone that lists it
  // (its RCPTs get 554 5.7.1).
  bool dnsbl_checked_ = false;
  std::string dnsbl_listed_;

  // Authentication: the exchange in progress, then the account and what it may send as.
  std::string client_;
  std::unique_ptr<directory::SaslServer> sasl_;
  std::optional<store::Account> sasl_account_;
  std::string sasl_user_;
  std::optional<store::Account> account_;
  std::vector<std::string> allowed_senders_;  // its address and the aliases naming it

  // The transaction in progress.
  std::string reverse_path_;
  std::optional<mail::Path> mail_path_;
  smtp::MailParams mail_params_;
  std::vector<delivery::Route> routes_;
  std::vector<smtp::RcptTo> local_recipients_;    // the RCPT of each routes_ entry
  std::vector<std::string> recipients_;           // as accepted, for logs and Received: "for"
  std::vector<store::NewQueueRecipient> remote_;  // to queue (relay, forwarding)
  std::unique_ptr<store::BlobWriter> blob_;
  bool blob_failed_ = false;
  bool chunking_ = false;  // BDAT: the bytes go through normalizer_
  mail::CrlfNormalizer normalizer_;
  std::string scratch_;
  std::string queue_id_;
};

net::awaitable<bool> SmtpSession::flush() {
  auto out = protocol_.take_output();
  if (out.empty()) co_return true;
  if (rate_limited_ && !stopping_) co_await tarpit();
  co_return co_await conn_.write_all(out, ctx_.config.smtp.command_timeout);
}

void SmtpSession::add_remote(const std::string& address, const smtp::RcptParams& params,
                             const std::string& original) {
  store::NewQueueRecipient r;
  r.address = address;
  r.notify = params.notify;
  // RFC 3461 §4.2 / §5.2.1: ORCPT passed on as received, else the address as the client gave it
  // (before alias expansion).
  if (params.orcpt) {
    r.orcpt_type = params.orcpt->addr_type;
    r.orcpt = params.orcpt->address;
  } else if (!original.empty()) {
    r.orcpt_type = "rfc822";
    r.orcpt = original;
  }
  remote_.push_back(std::move(r));
}

bool SmtpSession::over_recipient_allowance() {
  // Charged only for a recipient about to be accepted: refused ones (unknown, over quota,
  // greylisted) are not sent to and must not use up a submission user's hour.
  if (!submission() || !ctx_.send_rate || !account_ ||
      ctx_.send_rate->take_recipients(account_->address, 1))
    return false;
  spdlog::warn("{}: {} is over its hourly recipient allowance", role_name(role_),
               account_->address);
  protocol_.reject_recipient({451, "4.7.1", "Sending rate limit exceeded, try again later"});
  return true;
}

net::awaitable<void> SmtpSession::on_rcpt(const smtp::RcptTo& rcpt) {
  const auto& path = rcpt.path;
  std::string address = path.to_string();
  std::vector<std::string> ours{conn_.local().address().to_string()};
  bool bare_postmaster = path.is_postmaster;  // <Postmaster> without a domain
  QuotaRoom room = QuotaRoom::fits;
  auto route = co_await net::run_blocking(ctx_.workers, [&] {
    auto r = bare_postmaster ? ctx_.router.route_postmaster()
                             : ctx_.router.route(path.local_part, path.domain, ours);
    if (r && r->kind == delivery::RouteKind::local && r->remote.empty())
      room = quota_room(accounts_of(ctx_.store, r->targets), mail_params_.size);
    return r;
  });
  if (!route) {
    spdlog::error("smtp: recipient lookup for <{}> failed: {}", address, route.error().message);
    protocol_.reject_recipient({451, "4.3.0", "Temporary lookup failure, try again later"});
    co_return;
  }
  if (!submission() && !dnsbl_checked_ && ctx_.inbound && ctx_.inbound->dnsbl() &&
      !ctx_.trusted.contains(conn_.peer().address())) {
    // [dnsbl] reject = true, as postscreen users do with zen: asked once per connection.
    dnsbl_checked_ = true;
    auto asking = ctx_.inbound->dnsbl()->rejecting_zone(conn_.peer().address());
    if (auto zone = co_await std::move(asking)) dnsbl_listed_ = *zone;
  }
  // Postmaster stays reachable (RFC 5321 §4.5.1), so a listed site can still write to us.
  if (!dnsbl_listed_.empty() && !bare_postmaster && !iequals(path.local_part, "postmaster")) {
    spdlog::info("smtp: {} listed in {}: <{}> refused", client_, dnsbl_listed_, address);
    protocol_.reject_recipient(
        {554, "5.7.1",
         fmt::format("Service unavailable; client [{}] blocked using {}", client_, dnsbl_listed_)});
    co_return;
  }
  if (auto refusal = quota_refusal(room, address)) {
    // Before the data is sent (a message that does not fit in what is left gets its reply at
    // the end of DATA); SIZE= lets a message larger than the whole quota fail here for good
    // (RFC 1870 §6).
    protocol_.reject_recipient(std::move(*refusal));
    co_return;
  }
  if (rate_limited_ && route->kind == delivery::RouteKind::local) {
    if (auto refusal = ctx_.abuse->on_rcpt(client_key_, address)) {
      spdlog::warn("smtp: {} from {}: <{}> refused: {}", refusal->code, client_, address,
                   refusal->text);
      protocol_.reject_recipient(std::move(*refusal));
      co_return;
    }
  }
  if (!client_network_.empty() && route->kind == delivery::RouteKind::local) {
    if (auto refusal = ctx_.greylist->check(client_network_, reverse_path_, address)) {
      spdlog::info("smtp: greylisted {} <{}> -> <{}>", client_network_, reverse_path_, address);
      protocol_.reject_recipient(std::move(*refusal));
      co_return;
    }
  }
  switch (route->kind) {
    case delivery::RouteKind::not_local:
      // RFC 6409 §3.3 / RFC 5321 §3.6.2: only authenticated submission relays.
      if (!submission()) {
        protocol_.reject_recipient({550, "5.7.1", "<" + address + ">: Relay access denied"});
        co_return;
      }
      if (!ctx_.queue) {
        protocol_.reject_recipient({451, "4.3.0", "<" + address + ">: Relaying not available"});
        co_return;
      }
      if (over_recipient_allowance()) co_return;
      add_remote(address, rcpt.params, "");
      recipients_.push_back(address);
      protocol_.accept_recipient();
      co_return;
    case delivery::RouteKind::unknown_user:
      // Guessing addresses (a directory harvest) gets the client tarpitted; a typo or two
      // does not.
      if (rate_limited_ && ++unknown_recipients_ > kUnknownRecipientsBeforeTarpit)
        ctx_.abuse->strike(client_key_);
      protocol_.reject_recipient(
          {550, "5.1.1", "<" + address + ">: Recipient address rejected: User unknown"});
      co_return;
    case delivery::RouteKind::local:
      break;
  }
  if (!route->remote.empty() && !ctx_.queue) {
    protocol_.reject_recipient(
        {451, "4.3.0", "<" + address + ">: Forwarding not available, try later"});
    co_return;
  }
  if (over_recipient_allowance()) co_return;
  if (!route->remote.empty()) {
    // An alias forwarding elsewhere: its remote targets go through the queue with the original
    // envelope sender (no SRS: see docs/architecture.md, "Forwarding").
    for (const auto& target : route->remote)
      add_remote(target, rcpt.params, address);
  }
  if (!route->targets.empty()) {
    routes_.push_back(std::move(*route));
    local_recipients_.push_back(rcpt);
  }
  recipients_.push_back(address);
  protocol_.accept_recipient();
}

void SmtpSession::on_message_begin() {
  blob_ = ctx_.store.new_blob_writer();
  blob_failed_ = false;
  queue_id_ = make_queue_id();
  auto now = std::chrono::system_clock::now();
  smtp::ReceivedInfo info;
  info.helo = protocol_.helo_name();
  info.ip = conn_.peer().address().to_string();
  info.by = ctx_.config.hostname;
  info.protocol = std::string(protocol_.received_protocol());
  info.id = queue_id_;
  if (recipients_.size() == 1) info.for_recipient = recipients_.front();
  info.date = now;
  info.utc_offset_minutes =
      mail::local_utc_offset_minutes(std::chrono::system_clock::to_time_t(now));
  if (!blob_->append(smtp::format_received(info))) blob_failed_ = true;
}

std::optional<smtp::Reply> SmtpSession::prepare_submission() {
  auto bytes = blob_->finish();
  if (!bytes) return smtp::Reply{451, "4.3.0", "Error reading the message, try again later"};
  submission::SubmissionOptions o;
  o.hostname = ctx_.config.hostname;
  o.unique = to_lower(queue_id_);
  o.now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  o.utc_offset_minutes = mail::local_utc_offset_minutes(std::time(nullptr));
  o.allowed_senders = allowed_senders_;
  o.account_address = account_ ? account_->address : "";
  o.envelope_sender = mail_path_;
  auto outcome = submission::fix_submission(*bytes, o);
  if (!outcome.accepted()) {
    const auto& r = *outcome.rejection;
    spdlog::info("{}: {} refused for {}: {} {}", role_name(role_), queue_id_, o.account_address,
                 r.code, r.text);
    return smtp::Reply{r.code, r.enhanced, r.text};
  }
  // DKIM (RFC 6376): signed by the sender's domain when it has keys.
  std::string signature;
  std::string domain = mail_path_ && !mail_path_->is_null
                           ? mail_path_->domain
                           : std::string(queue::domain_of(o.account_address));
  if (ctx_.dkim && ctx_.config.is_local_domain(domain)) {
    auto signed_fields = ctx_.dkim->sign(outcome.message, domain);
    if (signed_fields)
      signature = std::move(*signed_fields);
    else
      spdlog::error("{}: DKIM signing for {} failed: {}", role_name(role_), domain,
                    signed_fields.error().message);
  }
  auto fixed = ctx_.store.new_blob_writer();
  if (!fixed->append(signature) || !fixed->append(outcome.message))
    return smtp::Reply{451, "4.3.0", "Error writing the message, try again later"};
  blob_ = std::move(fixed);
  if (outcome.removed_bcc || outcome.added_message_id || outcome.added_date)
    spdlog::debug("{}: {} fix-ups: {} Bcc removed, Message-ID {}, Date {}", role_name(role_),
                  queue_id_, outcome.removed_bcc, outcome.added_message_id ? "added" : "kept",
                  outcome.added_date ? "added" : "kept");
  return std::nullopt;
}

net::awaitable<void> SmtpSession::on_message_end() {
  if (!blob_ || blob_failed_) {
    blob_.reset();
    protocol_.message_rejected({451, "4.3.0", "Error writing the message, try again later"});
    co_return;
  }
  // Sender authentication and the filter (MX), forged verdict fields removed (all roles).
  InboundDecision inbound;
  if (ctx_.inbound) {
    InboundRequest request;
    request.filter = !submission();
    request.client = conn_.peer().address();
    request.helo = protocol_.helo_name();
    request.mail_from = reverse_path_;
    request.queue_id = queue_id_;
    request.routes = &routes_;
    request.recipients = &recipients_;
    if (account_) request.user = account_->address;
    request.remote = !remote_.empty();
    request.trusted = ctx_.trusted.contains(conn_.peer().address());
    if (rate_limited_) {
      // A client refused for its rates or for guessing addresses lately (it is in the
      // tarpit) gets the filter's small rate.over-limit score on the messages it does send.
      filter::RateSignals rate;
      rate.recipients_in_transaction = recipients_.size();
      rate.over_limit = ctx_.abuse->tarpit_delay(client_key_).count() > 0;
      request.rate = rate;
    }
    request.blob = &blob_;
    const auto* req = &request;
    inbound = co_await ctx_.inbound->check(*req);
    if (inbound.error || inbound.reject) {
      blob_.reset();
      clear_transaction();
      protocol_.message_rejected(inbound.error ? *inbound.error : *inbound.reject);
      co_return;
    }
  }
  if (submission()) {
    auto refused =
        co_await net::run_blocking(ctx_.workers, [this] { return prepare_submission(); });
    if (refused) {
      blob_.reset();
      clear_transaction();
      protocol_.message_rejected(std::move(*refused));
      co_return;
    }
  }
  // The store's per-copy outcomes come in this order (one copy per account), and whether the
  // filter filed each as junk (no failure notice for those).
  const auto copies = delivery::local_copies(routes_);
  std::vector<bool> junk_copy;
  for (const auto& copy : copies) {
    auto it = inbound.placement.find(copy.account);
    junk_copy.push_back(it != inbound.placement.end() && it->second.junk);
  }
  queue::AcceptedMessage message;
  message.local = copies;
  message.remote = std::move(remote_);
  message.envelope.reverse_path = reverse_path_;
  message.envelope.envid = mail_params_.envid;
  message.envelope.ret = static_cast<std::uint8_t>(mail_params_.ret);
  message.envelope.smtputf8 = mail_params_.smtputf8;
  message.envelope.submitter = account_ ? account_->address : "";
  message.blob = std::move(blob_);
  message.internal_date = std::time(nullptr);
  const std::int64_t arrival = message.internal_date;
  message.local_headers = std::move(inbound.local_headers);
  message.placement = std::move(inbound.placement);
  if (inbound.drop_remote) message.remote.clear();
  const bool queued = !message.remote.empty();
  const std::size_t remote_count = message.remote.size();
  auto size = message.blob->size();
  // The message stays in this frame until the store calls back. The lambda is a named local:
  // g++ 12 may destroy the temporaries of a co_await full-expression twice, and a captured
  // shared_ptr then released its control block twice (heap corruption under load).
  queue::AcceptedMessage* pending = &message;
  auto hand_to_store = [this, pending](auto done) {
    asio::post(ctx_.workers.pool(), [this, pending, done = std::move(done)]() mutable {
      queue::accept_message(ctx_.store, std::move(*pending), std::move(done));
    });
  };
  auto receipt = co_await net::await_callback<Result<store::DeliveryReceipt>>(hand_to_store);
  if (!receipt) {
    clear_transaction();
    spdlog::error("smtp: {} delivery failed: {}", queue_id_, receipt.error().message);
    protocol_.message_rejected({451, "4.3.0", "Local delivery failed, try again later"});
    co_return;
  }
  std::size_t delivered = 0;
  std::vector<FailedCopy> failed;
  // One outcome per copy (store::DeliveryReceipt); a store breaking that gets no notices.
  const bool mapped = receipt->targets.size() == copies.size();
  if (!mapped)
    spdlog::critical("smtp: {}: {} outcomes for {} copies", queue_id_, receipt->targets.size(),
                     copies.size());
  for (std::size_t i = 0; i < receipt->targets.size(); ++i) {
    const auto& target = receipt->targets[i];
    if (target) {
      ++delivered;
      continue;
    }
    if (!mapped) continue;
    spdlog::warn("smtp: {} not delivered to <{}>: {}", queue_id_, copies[i].address,
                 target.error().message);
    const auto& rcpt = local_recipients_[copies[i].route];
    failed.push_back(
        FailedCopy{copies[i].address, rcpt.path, rcpt.params, target.error(), junk_copy[i]});
  }
  if (delivered == 0 && receipt->queued.empty()) {
    clear_transaction();
    protocol_.message_rejected(no_copy_written_reply(failed));
    co_return;
  }
  if (!failed.empty()) {
    auto sent = co_await net::run_blocking(ctx_.workers, [this, &receipt, &failed, &arrival] {
      return send_failure_notices(*receipt, failed, arrival);
    });
    if (!sent)
      spdlog::error("smtp: {}: failure notice to <{}> not sent: {}", queue_id_, reverse_path_,
                    sent.error().message);
  }
  clear_transaction();
  if (queued && ctx_.queue) ctx_.queue->wake();
  spdlog::info(
      "{}: {} from=<{}> size={} delivered to {} mailbox(es), {} queued for {} remote "
      "recipient(s){}",
      role_name(role_), queue_id_, reverse_path_, size, delivered, receipt->queued.size(),
      remote_count, account_ ? " by " + account_->address : "");
  protocol_.message_accepted(queue_id_);
}

Status SmtpSession::send_failure_notices(const store::DeliveryReceipt& receipt,
                                         const std::vector<FailedCopy>& failed,
                                         std::int64_t arrival) {
  queue::DsnRequest request;
  request.recipients = failure_notice_recipients(failed);
  if (request.recipients.empty()) return {};  // NOTIFY=NEVER (or only SUCCESS/DELAY), junk
  if (!mail_path_ || mail_path_->is_null) {
    // RFC 3461 §6.2, RFC 5321 §4.5.5: never a notice about a notice.
    spdlog::info("smtp: {}: no failure notice for a message from <>", queue_id_);
    return {};
  }
  if (!ctx_.queue) return make_error(Errc::unavailable, "no queue runner");
  // The original as stored once for every recipient (the shared blob: no other recipient's
  // trace or verdict lines), from a delivered copy or the queue entry.
  std::optional<store::MessageContent> copy;
  std::unique_ptr<store::BlobReader> queued;
  std::string_view original;
  for (const auto& target : receipt.targets) {
    if (!target) continue;
    if (auto content = ctx_.store.open_message(target->mailbox, target->uid)) {
      copy.emplace(std::move(*content));
      if (auto view = copy->blob().view()) {
        original = *view;
        break;
      }
    }
  }
  if (original.empty() && !receipt.queued.empty()) {
    if (auto reader = ctx_.store.open_queue_message(receipt.queued.front())) {
      queued = std::move(*reader);
      if (auto view = queued->view()) original = *view;
    }
  }
  request.reporting_mta = ctx_.config.hostname;
  request.sender = *mail_path_;
  request.envid = mail_params_.envid;
  request.ret = mail_params_.ret;
  request.smtputf8 = mail_params_.smtputf8;
  request.arrival_date = std::chrono::sys_seconds(std::chrono::seconds(arrival));
  request.original_message = original;
  const std::size_t count = request.recipients.size();
  auto sent = ctx_.queue->send_dsn(std::move(request));
  if (!sent) return std::unexpected(sent.error());
  spdlog::info("smtp: {}: failure notice for {} local recipient(s) sent to <{}>", queue_id_, count,
               *sent);
  return {};
}

net::awaitable<void> SmtpSession::tarpit() {
  // An abusive client waits for its replies on a timer: no I/O thread is held, and its
  // connection slots stay busy longer (max_connections_per_ip then caps its parallelism).
  auto delay = ctx_.abuse->tarpit_delay(client_key_);
  if (delay.count() == 0) co_return;
  asio::steady_timer timer(conn_.executor(), delay);
  tarpit_timer_ = &timer;
  co_await timer.async_wait(net::use_nothrow);
  tarpit_timer_ = nullptr;
}

net::awaitable<void> SmtpSession::throttle(const std::string& user) {
  auto delay = ctx_.auth_throttle.delay_for(client_, user);
  if (delay.count() > 0) {
    asio::steady_timer timer(conn_.executor(), delay);
    co_await timer.async_wait(net::use_nothrow);
  }
}

net::awaitable<void> SmtpSession::on_sasl(directory::SaslStep& step) {
  // As in the POP3 session: the account found when the mechanism asks for credentials is kept
  // until its verdict (SCRAM's comes one round trip later).
  for (;;) {
    if (auto* challenge = std::get_if<directory::SaslChallenge>(&step)) {
      protocol_.sasl_challenge(challenge->data);
      co_return;
    }
    if (auto* need = std::get_if<directory::SaslNeedCredentials>(&step)) {
      sasl_user_ = need->authcid;
      co_await throttle(sasl_user_);
      auto* mech = sasl_.get();
      auto account = co_await net::run_blocking(
          ctx_.workers, [&] { return find_login_account(ctx_.store, ctx_.config, sasl_user_); });
      if (!account) {
        spdlog::error("{}: account lookup for '{}' failed: {}", role_name(role_), sasl_user_,
                      account.error().message);
        sasl_.reset();
        protocol_.auth_failed(smtp::AuthFailure::temporary);
        co_return;
      }
      std::optional<directory::Credentials> creds;
      if (*account) creds = credentials_of(**account);
      sasl_account_ = std::move(*account);
      step = co_await net::run_blocking(ctx_.workers,
                                        [&] { return mech->provide_credentials(creds); });
      continue;
    }
    if (std::holds_alternative<directory::SaslSuccess>(step)) {
      if (!sasl_account_) {
        step = directory::SaslFailure{directory::SaslError::bad_credentials, "no account"};
        continue;
      }
      sasl_.reset();
      account_ = std::move(*sasl_account_);
      sasl_account_.reset();
      // What the account may send as (RFC 6409 §8.1 / the 553 5.7.1 rule): its address and the
      // exact aliases that deliver to it (not catch-alls).
      auto* account = &*account_;
      auto aliases =
          co_await net::run_blocking(ctx_.workers, [this] { return ctx_.store.list_aliases(); });
      allowed_senders_ = {account->address};
      if (aliases) {
        for (const auto& alias : *aliases) {
          if (alias.address.starts_with('@')) continue;
          for (const auto& target : alias.targets) {
            if (iequals(target, account->address)) {
              allowed_senders_.push_back(alias.address);
              break;
            }
          }
        }
      } else {
        spdlog::error("{}: alias lookup failed: {}", role_name(role_), aliases.error().message);
      }
      ctx_.auth_throttle.record_success(client_, sasl_user_);
      spdlog::info("{}: {} authenticated from {}", role_name(role_), account->address, client_);
      protocol_.auth_succeeded(account->address);
      co_return;
    }
    auto& failure = std::get<directory::SaslFailure>(step);
    sasl_.reset();
    sasl_account_.reset();
    spdlog::info("{}: failed login for '{}' from {}: {}", role_name(role_), sasl_user_, client_,
                 failure.reason);
    if (failure.error == directory::SaslError::malformed ||
        failure.error == directory::SaslError::out_of_order) {
      protocol_.auth_failed(smtp::AuthFailure::malformed);
    } else {
      ctx_.auth_throttle.record_failure(client_, sasl_user_);
      protocol_.auth_failed(smtp::AuthFailure::bad_credentials);
    }
    co_return;
  }
}

net::awaitable<void> SmtpSession::on_mail(const smtp::MailFrom& mail) {
  reverse_path_ = mail.path.to_string();
  mail_path_ = mail.path;
  mail_params_ = mail.params;
  clear_transaction();
  if (rate_limited_) {
    if (auto refusal = ctx_.abuse->on_mail(client_key_, reverse_path_)) {
      spdlog::warn("smtp: {} from {}: <{}> refused: {}", refusal->code, client_, reverse_path_,
                   refusal->text);
      protocol_.reject_sender(std::move(*refusal));
      co_return;
    }
  }
  if (submission()) {
    // The protocol only lets MAIL through after AUTH on these roles (530 5.7.0).
    if (!account_) {
      protocol_.reject_sender({530, "5.7.0", "Authentication required"});
      co_return;
    }
    if (!mail.path.is_null && !submission::sender_allowed(reverse_path_, allowed_senders_)) {
      spdlog::info("{}: {} may not send as <{}>", role_name(role_), account_->address,
                   reverse_path_);
      protocol_.reject_sender(
          {553, "5.7.1",
           "<" + reverse_path_ + ">: Sender address rejected: not owned by " + account_->address});
      co_return;
    }
    if (ctx_.send_rate && !ctx_.send_rate->take_message(account_->address)) {
      spdlog::warn("{}: {} is over its hourly message allowance", role_name(role_),
                   account_->address);
      protocol_.reject_sender({451, "4.7.1", "Sending rate limit exceeded, try again later"});
      co_return;
    }
  }
  protocol_.accept_sender();
}

net::awaitable<void> SmtpSession::handle(smtp::Event& event) {
  if (auto* mail = std::get_if<smtp::MailFrom>(&event)) {
    co_await on_mail(*mail);
  } else if (auto* start = std::get_if<smtp::SaslStart>(&event)) {
    auto mech = directory::parse_sasl_mechanism(start->mechanism);
    if (!mech) {
      protocol_.auth_failed(smtp::AuthFailure::malformed);
      co_return;
    }
    sasl_ = directory::make_sasl_server(*mech);
    sasl_account_.reset();
    sasl_user_.clear();
    std::optional<std::string_view> initial;
    if (start->initial_response) initial = *start->initial_response;
    auto step = sasl_->step(initial);
    co_await on_sasl(step);
  } else if (auto* response = std::get_if<smtp::SaslResponse>(&event)) {
    if (!sasl_) {
      protocol_.auth_failed(smtp::AuthFailure::malformed);
      co_return;
    }
    auto step = sasl_->step(response->data);
    co_await on_sasl(step);
  } else if (std::holds_alternative<smtp::SaslAborted>(event)) {
    sasl_.reset();
    sasl_account_.reset();
  } else if (auto* rcpt = std::get_if<smtp::RcptTo>(&event)) {
    co_await on_rcpt(*rcpt);
  } else if (auto* begin = std::get_if<smtp::MessageBegin>(&event)) {
    chunking_ = begin->chunking;
    normalizer_.reset();
    on_message_begin();
  } else if (auto* chunk = std::get_if<smtp::MessageChunk>(&event)) {
    std::string_view bytes = chunk->bytes;
    if (chunking_) {
      scratch_.clear();
      normalizer_.feed(bytes, scratch_);
      bytes = scratch_;
    }
    if (blob_ && !blob_failed_ && !blob_->append(bytes)) blob_failed_ = true;
  } else if (std::holds_alternative<smtp::MessageEnd>(event)) {
    if (chunking_ && blob_ && !blob_failed_ && !blob_->append(normalizer_.finish()))
      blob_failed_ = true;
    co_await on_message_end();
  } else if (std::holds_alternative<smtp::MessageAborted>(event)) {
    blob_.reset();
  } else if (std::holds_alternative<smtp::Reset>(event)) {
    blob_.reset();
    clear_transaction();
  } else if (std::holds_alternative<smtp::StartTls>(event)) {
    if (!co_await flush()) {
      done_ = true;
      co_return;
    }
    if (co_await conn_.start_tls(ctx_.config.smtp.command_timeout)) {
      account_.reset();  // RFC 3207 §4.2: forget what was learnt before TLS
      allowed_senders_.clear();
      protocol_.tls_established();
    } else {
      spdlog::info("smtp: TLS handshake with {} failed", conn_.peer().address().to_string());
      protocol_.tls_failed();
    }
  } else if (std::holds_alternative<smtp::Close>(event)) {
    co_await flush();
    done_ = true;
  }
}

net::awaitable<void> SmtpSession::run() {
  auto self = shared_from_this();
  auto executor = conn_.executor();
  std::weak_ptr<SmtpSession> weak = self;
  auto registration = ctx_.registry.add([weak, executor] {
    asio::post(executor, [weak] {
      if (auto s = weak.lock()) s->on_stop();
    });
  });
  spdlog::debug("{}: connection from {}", role_name(role_), conn_.peer().address().to_string());
  if (implicit_tls_ && !co_await conn_.start_tls(ctx_.config.smtp.command_timeout)) {
    conn_.close();
    co_return;
  }
  protocol_.start();
  std::vector<char> buffer(16 * 1024);
  while (!done_) {
    while (!done_) {
      auto event = protocol_.next_event();
      if (!event) break;
      co_await handle(*event);
    }
    if (done_) break;
    // A client closed for too many errors is slowed down like one over its rates: its 421 and
    // its next connections wait in the tarpit.
    if (rate_limited_ && protocol_.too_many_errors()) ctx_.abuse->strike(client_key_);
    if (!co_await flush()) break;
    if (protocol_.closed()) break;
    if (stopping_ && protocol_.phase() == smtp::Phase::command) {
      co_await conn_.write_all("421 4.3.2 Service shutting down\r\n", 2s);
      break;
    }
    idle_ = protocol_.phase() == smtp::Phase::command;
    auto r = co_await conn_.read_some(buffer, read_timeout());
    idle_ = false;
    switch (r.status) {
      case net::IoStatus::ok:
        protocol_.receive({buffer.data(), r.bytes});
        break;
      case net::IoStatus::timeout:
        protocol_.timed_out();
        break;
      case net::IoStatus::interrupted:
        co_await conn_.write_all("421 4.3.2 Service shutting down\r\n", 2s);
        done_ = true;
        break;
      case net::IoStatus::eof:
      case net::IoStatus::error:
        done_ = true;
        break;
    }
  }
  blob_.reset();  // a message cut off mid-DATA leaves nothing behind
  co_await conn_.shutdown(200ms);
  spdlog::debug("{}: {} disconnected", role_name(role_), conn_.peer().address().to_string());
}

}  // namespace

void start_smtp_session(ServerContext& ctx, net::tcp::socket socket, smtp::Role role,
                        bool implicit_tls) {
  boost::system::error_code ec;
  auto peer = socket.remote_endpoint(ec);
  if (ec) return;
  bool trusted = ctx.trusted.contains(peer.address());
  if (role == smtp::Role::mx && ctx.abuse && !trusted) {
    if (auto refusal = ctx.abuse->on_connect(client_key(peer.address()))) {
      // RFC 5321 §3.8: 421 and close, before the greeting.
      spdlog::warn("smtp: connection from {} refused: {}", peer.address().to_string(),
                   refusal->text);
      asio::write(socket, asio::buffer(smtp::format_reply(*refusal)), ec);
      socket.close(ec);
      return;
    }
  }
  auto admission = ctx.smtp_limiter->try_admit(peer.address(), trusted);
  if (!admission.ticket) {
    // RFC 5321 §3.8: 421 and close. Written synchronously: the socket is fresh, the reply tiny.
    const char* text = admission.refusal == net::ConnectionLimiter::Refusal::per_address
                           ? "421 4.7.0 Too many connections from your address\r\n"
                           : "421 4.3.2 Too many connections, try again later\r\n";
    if (!implicit_tls) asio::write(socket, asio::buffer(std::string_view(text)), ec);
    socket.close(ec);
    return;
  }
  auto executor = socket.get_executor();
  auto session = std::make_shared<SmtpSession>(ctx, std::move(socket), role, implicit_tls,
                                               std::move(admission.ticket));
  asio::co_spawn(
      executor, [session] { return session->run(); }, asio::detached);
}

}  // namespace facteur::server
