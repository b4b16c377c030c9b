#include "base/config.hpp"

#include <fstream>

#include <gtest/gtest.h>

namespace facteur {
namespace {

// One directory per test process, removed when the process exits (CTest runs
// each test in a process of its own, so a leaked one per test would pile up).
struct ScratchDir {
  std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("facteur-config-" + std::to_string(::getpid()));
  ScratchDir() { std::filesystem::create_directories(path); }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
};

std::filesystem::path write_temp(const std::string& text) {
  static const ScratchDir dir;
  auto path = dir.path / "facteur.toml";
  std::ofstream(path) << text;
  return path;
}

TEST(Config, ContractKeys) {
  auto path = write_temp(R"(
hostname = "mx.example.test"
data_dir = "/var/lib/facteur"
domains  = ["Example.test"]
[listen]
smtp = ["127.0.0.1:2525"]
imaps = ["[::1]:2993"]
[tls]
cert = "/path/cert.pem"
key  = "/path/key.pem"
[routes]
"b.test" = "127.0.0.3:2525"
"*" = "smarthost.example.net:587"
[dns]
servers = ["127.0.0.1:5353"]
)");
  auto cfg = load_config(path);
  ASSERT_TRUE(cfg) << cfg.error().message;
  EXPECT_EQ(cfg->hostname, "mx.example.test");
  EXPECT_EQ(cfg->data_dir, "/var/lib/facteur");
  EXPECT_TRUE(cfg->is_local_domain("EXAMPLE.TEST"));
  ASSERT_EQ(cfg->listen["smtp"].size(), 1u);
  EXPECT_EQ(cfg->listen["smtp"][0].port, 2525);
  EXPECT_EQ(cfg->listen["imaps"][0].host, "::1");
  EXPECT_FALSE(cfg->listen.contains("pop3"));  // a missing key turns the listener off
  EXPECT_EQ(cfg->routes["b.test"], "127.0.0.3:2525");
  EXPECT_EQ(cfg->routes["*"], "smarthost.example.net:587");
  EXPECT_EQ(cfg->dns_servers.at(0), "127.0.0.1:5353");
  EXPECT_EQ(*cfg->tls_cert, "/path/cert.pem");
}

TEST(Config, RelativeDataDirIsRelativeToTheFile) {
  auto path = write_temp("data_dir = \"var\"\ndomains=[\"a.test\"]\n");
  auto cfg = load_config(path);
  ASSERT_TRUE(cfg) << cfg.error().message;
  EXPECT_EQ(cfg->data_dir, path.parent_path() / "var");
}

TEST(Config, RejectsUnknownRoleAndHalfTls) {
  EXPECT_FALSE(load_config(write_temp("[listen]\nsmpt = [\"127.0.0.1:25\"]\n")));
  EXPECT_FALSE(load_config(write_temp("[tls]\ncert = \"/x\"\n")));
}

// Queue defaults follow RFC 5321 §4.5.4.1 (give up after days, not hours) and the issue's
// numbers: expiry 5 days, delay notice after 4 hours.
TEST(Config, QueueSubmissionAndDkimDefaultsAndKeys) {
  auto defaults = load_config(write_temp("domains=[\"a.test\"]\n"));
  ASSERT_TRUE(defaults) << defaults.error().message;
  EXPECT_EQ(defaults->queue.expiry, std::chrono::hours(24 * 5));
  EXPECT_EQ(defaults->queue.delay_notice, std::chrono::hours(4));
  EXPECT_FALSE(defaults->queue.retry_schedule.empty());
  EXPECT_EQ(defaults->queue.starttls, "opportunistic");
  EXPECT_EQ(defaults->dkim.selector, "facteur");
  EXPECT_GT(defaults->submission.max_messages_per_hour, 0u);

  auto cfg = load_config(write_temp(R"(
domains = ["a.test"]
[queue]
expiry = 60
delay_notice = 5
retry_schedule = [1, 2]
max_per_destination = 2
poll_interval = 1
starttls = "required"
[submission]
max_messages_per_hour = 3
[dkim]
selector = "s1"
algorithm = "ed25519"
)"));
  ASSERT_TRUE(cfg) << cfg.error().message;
  EXPECT_EQ(cfg->queue.expiry.count(), 60);
  EXPECT_EQ(cfg->queue.delay_notice.count(), 5);
  ASSERT_EQ(cfg->queue.retry_schedule.size(), 2u);
  EXPECT_EQ(cfg->queue.retry_schedule[1].count(), 2);
  EXPECT_EQ(cfg->queue.max_per_destination, 2u);
  EXPECT_EQ(cfg->queue.poll_interval.count(), 1);
  EXPECT_EQ(cfg->queue.starttls, "required");
  EXPECT_EQ(cfg->submission.max_messages_per_hour, 3u);
  EXPECT_EQ(cfg->dkim.selector, "s1");
  EXPECT_EQ(cfg->dkim.algorithm, "ed25519");

  EXPECT_FALSE(load_config(write_temp("[queue]\nretry_schedule = []\n")));
  EXPECT_FALSE(load_config(write_temp("[queue]\nretry_schedule = [0]\n")));
  EXPECT_FALSE(load_config(write_temp("[queue]\nstarttls = \"maybe\"\n")));
  EXPECT_FALSE(load_config(write_temp("[dkim]\nalgorithm = \"dsa\"\n")));
}

TEST(Config, RateLimitAndGreylistKeys) {
  auto defaults = load_config(write_temp("domains = [\"a.test\"]\n"));
  ASSERT_TRUE(defaults) << defaults.error().message;
  EXPECT_EQ(defaults->rate_limits.connections_per_minute, 60u);
  EXPECT_EQ(defaults->rate_limits.sender_messages_per_hour, 0u);  // spoofable: off
  EXPECT_FALSE(defaults->greylist.enabled);                       // RFC 6647: opt-in
  auto cfg = load_config(write_temp(R"(
[rate_limits]
connections_per_minute = 5
messages_per_minute = 6
messages_per_hour = 7
sender_messages_per_hour = 8
recipient_messages_per_hour = 9
max_tracked = 10
tarpit_delay_ms = 11
tarpit_max_delay_ms = 12
tarpit_forget = 13
[greylist]
enabled = true
delay = 14
retry_window = 15
expiry = 16
max_entries = 17
)"));
  ASSERT_TRUE(cfg) << cfg.error().message;
  const auto& r = cfg->rate_limits;
  EXPECT_EQ(r.connections_per_minute, 5u);
  EXPECT_EQ(r.messages_per_minute, 6u);
  EXPECT_EQ(r.messages_per_hour, 7u);
  EXPECT_EQ(r.sender_messages_per_hour, 8u);
  EXPECT_EQ(r.recipient_messages_per_hour, 9u);
  EXPECT_EQ(r.max_tracked, 10u);
  EXPECT_EQ(r.tarpit_delay, std::chrono::milliseconds(11));
  EXPECT_EQ(r.tarpit_max_delay, std::chrono::milliseconds(12));
  EXPECT_EQ(r.tarpit_forget, std::chrono::seconds(13));
  EXPECT_TRUE(cfg->greylist.enabled);
  EXPECT_EQ(cfg->greylist.delay, std::chrono::seconds(14));
  EXPECT_EQ(cfg->greylist.retry_window, std::chrono::seconds(15));
  EXPECT_EQ(cfg->greylist.expiry, std::chrono::seconds(16));
  EXPECT_EQ(cfg->greylist.max_entries, 17u);
  // Nonsense is refused at start-up rather than silently misread.
  EXPECT_FALSE(load_config(write_temp("[rate_limits]\nmax_tracked = 0\n")));
  EXPECT_FALSE(load_config(write_temp("[rate_limits]\ntarpit_delay_ms = -1\n")));
  EXPECT_FALSE(
      load_config(write_temp("[rate_limits]\ntarpit_delay_ms = 500\ntarpit_max_delay_ms = 100\n")));
  EXPECT_FALSE(load_config(write_temp("[greylist]\nmax_entries = 0\n")));
}

TEST(Config, DnsblKeys) {
  EXPECT_FALSE(default_config().dnsbl.enabled);  // off unless asked for
  auto cfg = load_config(write_temp(R"(
[dnsbl]
enabled = true
check_sender = true
max_domains = 5
timeout_ms = 1500
cache_entries = 50
cache_seconds = 60
client_zones = [
  { zone = "Zen.Example.org.", points = 4, codes = ["127.0.0.2-127.0.0.11"], reject = true },
  { zone = "bl.example.net", points = 1.5 },
]
domain_zones = [{ zone = "dbl.example.org", points = 3.0, codes = ["127.0.1.2", "127.0.1.4-127.0.1.6"] }]
)"));
  ASSERT_TRUE(cfg) << cfg.error().message;
  const auto& d = cfg->dnsbl;
  EXPECT_TRUE(d.enabled);
  EXPECT_TRUE(d.check_sender);
  EXPECT_EQ(d.max_domains, 5u);
  EXPECT_EQ(d.timeout, std::chrono::milliseconds(1500));
  EXPECT_EQ(d.cache_entries, 50u);
  EXPECT_EQ(d.cache_ttl, std::chrono::seconds(60));
  ASSERT_EQ(d.client_zones.size(), 2u);
  EXPECT_EQ(d.client_zones[0].zone, "zen.example.org");  // lower case, final dot removed
  EXPECT_EQ(d.client_zones[0].points, 4.0);
  EXPECT_TRUE(d.client_zones[0].reject);
  ASSERT_EQ(d.client_zones[0].codes.size(), 1u);
  EXPECT_EQ(d.client_zones[0].codes[0], std::pair(0x7f000002u, 0x7f00000bu));
  EXPECT_TRUE(d.client_zones[1].codes.empty());
  EXPECT_FALSE(d.client_zones[1].reject);
  ASSERT_EQ(d.domain_zones.size(), 1u);
  ASSERT_EQ(d.domain_zones[0].codes.size(), 2u);
  EXPECT_EQ(d.domain_zones[0].codes[0], std::pair(0x7f000102u, 0x7f000102u));
  EXPECT_EQ(d.domain_zones[0].codes[1], std::pair(0x7f000104u, 0x7f000106u));
  EXPECT_FALSE(load_config(write_temp("[dnsbl]\nclient_zones = [{ zone = \"\" }]\n")));
  EXPECT_FALSE(load_config(write_temp("[dnsbl]\nclient_zones = [{ zone = \"a..b\" }]\n")));
  EXPECT_FALSE(load_config(
      write_temp("[dnsbl]\nclient_zones = [{ zone = \"b.test\", codes = [\"127.0.0.x\"] }]\n")));
  EXPECT_FALSE(load_config(write_temp(
      "[dnsbl]\nclient_zones = [{ zone = \"b.test\", codes = [\"127.0.0.9-127.0.0.2\"] }]\n")));
  EXPECT_FALSE(
      load_config(write_temp("[dnsbl]\ndomain_zones = [{ zone = \"d.test\", reject = true }]\n")));
  EXPECT_FALSE(load_config(write_temp("[dnsbl]\ntimeout_ms = 0\n")));
}

TEST(Config, DmarcEnforcementAndGreylistState) {
  auto defaults = load_config(write_temp("data_dir = \"/srv/f\"\n"));
  ASSERT_TRUE(defaults) << defaults.error().message;
  EXPECT_EQ(defaults->dmarc.enforce, DmarcEnforce::reject);  // honour the owner's policy
  EXPECT_TRUE(defaults->dmarc.arc_trusted_sealers.empty());
  EXPECT_EQ(defaults->greylist.state_file, "/srv/f/greylist.db");
  auto cfg = load_config(write_temp(R"(
data_dir = "/srv/f"
[filter]
dmarc_enforce = "Score"
arc_trusted_sealers = ["Lists.Example.org"]
[greylist]
state_file = "state/grey.db"
)"));
  ASSERT_TRUE(cfg) << cfg.error().message;
  EXPECT_EQ(cfg->dmarc.enforce, DmarcEnforce::score);
  EXPECT_EQ(cfg->dmarc.arc_trusted_sealers, std::vector<std::string>{"lists.example.org"});
  EXPECT_EQ(cfg->greylist.state_file, "/srv/f/state/grey.db");
  auto memory = load_config(write_temp("[greylist]\nstate_file = \"\"\n"));
  ASSERT_TRUE(memory);
  EXPECT_TRUE(memory->greylist.state_file.empty());
  EXPECT_FALSE(load_config(write_temp("[filter]\ndmarc_enforce = \"quarantine\"\n")));
  EXPECT_FALSE(load_config(write_temp("[filter]\narc_trusted_sealers = [\"a b\"]\n")));
  EXPECT_EQ(default_config().greylist.state_file, default_config().data_dir / "greylist.db");
}

TEST(Config, ListenAddressForms) {
  EXPECT_EQ(parse_listen_address("0.0.0.0:25")->port, 25);
  EXPECT_EQ(parse_listen_address("[::]:993")->host, "::");
  EXPECT_FALSE(parse_listen_address("localhost"));
  EXPECT_FALSE(parse_listen_address("1.2.3.4:99999"));
}

TEST(Config, RspamdSection) {
  auto def = load_config(write_temp("domains = [\"a.test\"]\n"));
  ASSERT_TRUE(def) << def.error().message;
  EXPECT_FALSE(def->rspamd.enabled);
  EXPECT_EQ(def->rspamd.host, "127.0.0.1");
  EXPECT_EQ(def->rspamd.port, 11333);
  EXPECT_EQ(def->rspamd.mode, "add");
  EXPECT_EQ(def->rspamd.fail, "open");
  auto cfg = load_config(write_temp(R"(
[filter]
enabled = true
[filter.rspamd]
enabled = true
url = "http://[::1]:11334/rspamd/"
timeout = 1.5
max_size = 1000
password = "q"
mode = "replace"
fail = "tempfail"
)"));
  ASSERT_TRUE(cfg) << cfg.error().message;
  const auto& r = cfg->rspamd;
  EXPECT_TRUE(r.enabled);
  EXPECT_EQ(r.host, "::1");
  EXPECT_EQ(r.port, 11334);
  EXPECT_EQ(r.base_path, "/rspamd");
  EXPECT_EQ(r.timeout, std::chrono::milliseconds(1500));
  EXPECT_EQ(r.max_size, 1000u);
  EXPECT_EQ(r.password, "q");
  EXPECT_EQ(r.mode, "replace");
  EXPECT_EQ(r.fail, "tempfail");
  auto whole = load_config(write_temp("[filter.rspamd]\ntimeout = 3\n"));
  ASSERT_TRUE(whole) << whole.error().message;
  EXPECT_EQ(whole->rspamd.timeout, std::chrono::seconds(3));
  for (const char* bad :
       {"mode = \"both\"", "fail = \"closed\"", "url = \"https://x:1\"", "url = \"http://:1\"",
        "url = \"http://h:0\"", "timeout = 0", "timeout = -2", "password = \"a\\nb\""})
    EXPECT_FALSE(load_config(write_temp(std::string("[filter.rspamd]\n") + bad + "\n"))) << bad;
}

TEST(Config, HttpUrlForms) {
  auto a = parse_http_url("http://localhost");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "localhost");
  EXPECT_EQ(a->port, 80);
  EXPECT_EQ(a->path, "");
  auto b = parse_http_url("HTTP://10.0.0.1:11333/");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->host, "10.0.0.1");
  EXPECT_EQ(b->port, 11333);
  EXPECT_EQ(b->path, "");
  EXPECT_FALSE(parse_http_url("127.0.0.1:11333"));
  EXPECT_FALSE(parse_http_url("http://[::1"));
  EXPECT_FALSE(parse_http_url("http://user@h:1"));
  EXPECT_FALSE(parse_http_url("http://h:1/a b"));
  EXPECT_FALSE(parse_http_url("http://h:99999"));
  EXPECT_FALSE(parse_http_url("http://h:"));
}

}  // namespace
}  // namespace facteur
