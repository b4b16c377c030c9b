#include "base/config.hpp"

#include <fstream>

#include <gtest/gtest.h>

namespace facteur {
namespace {

std::filesystem::path write_temp(const std::string& text) {
  auto dir =
      std::filesystem::temp_directory_path() / ("facteur-config-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto path = dir / "facteur.toml";
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

TEST(Config, ListenAddressForms) {
  EXPECT_EQ(parse_listen_address("0.0.0.0:25")->port, 25);
  EXPECT_EQ(parse_listen_address("[::]:993")->host, "::");
  EXPECT_FALSE(parse_listen_address("localhost"));
  EXPECT_FALSE(parse_listen_address("1.2.3.4:99999"));
}

}  // namespace
}  // namespace facteur
