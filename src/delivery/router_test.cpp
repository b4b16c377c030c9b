#include "delivery/router.hpp"

#include <filesystem>
#include <unistd.h>

#include <gtest/gtest.h>

#include "store/sqlite/sqlite_store.hpp"

namespace facteur::delivery {
namespace {

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("facteur-router-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    store::Options opts;
    opts.durable = false;
    auto s = store::open_sqlite_store(dir_, opts);
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
    config_.domains = {"example.test", "other.test"};
    router_ = std::make_unique<Router>(config_, *store_);
  }
  void TearDown() override {
    router_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  store::AccountId add(const std::string& address) {
    store::NewAccount a;
    a.address = address;
    auto r = store_->create_account(a);
    EXPECT_TRUE(r) << r.error().message;
    return r ? r->id : 0;
  }
  Route route(std::string_view local, std::string_view domain,
              const std::vector<std::string>& ours = {}) {
    auto r = router_->route(local, domain, ours);
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : Route{};
  }

  std::filesystem::path dir_;
  Config config_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Router> router_;
};

TEST_F(RouterTest, AccountsAndUnknownUsers) {
  auto alice = add("alice@example.test");
  auto r = route("alice", "example.test");
  ASSERT_EQ(r.kind, RouteKind::local);
  ASSERT_EQ(r.targets.size(), 1u);
  EXPECT_EQ(r.targets[0].account, alice);
  EXPECT_EQ(r.targets[0].address, "alice@example.test");
  // Domains are case-insensitive (RFC 5321 §2.4); local parts are looked up case-insensitively
  // as Postfix and Dovecot do.
  EXPECT_EQ(route("Alice", "EXAMPLE.Test").kind, RouteKind::local);
  EXPECT_EQ(route("alice", "example.test.").kind, RouteKind::local);
  EXPECT_EQ(route("bob", "example.test").kind, RouteKind::unknown_user);
  EXPECT_EQ(route("alice", "elsewhere.test").kind, RouteKind::not_local);
}

TEST_F(RouterTest, PlusAddressingFallsBackToTheAccount) {
  auto alice = add("alice@example.test");
  auto r = route("alice+lists", "example.test");
  ASSERT_EQ(r.kind, RouteKind::local);
  EXPECT_EQ(r.targets.at(0).account, alice);
  EXPECT_EQ(route("+lists", "example.test").kind, RouteKind::unknown_user);
  EXPECT_EQ(route("bob+x", "example.test").kind, RouteKind::unknown_user);
}

TEST_F(RouterTest, AliasesExpandRecursivelyWithoutLoopsOrDuplicates) {
  auto alice = add("alice@example.test");
  auto bob = add("bob@other.test");
  std::vector<std::string> team = {"alice@example.test", "bob@other.test", "friend@remote.test"};
  ASSERT_TRUE(store_->add_alias("team@example.test", team));
  std::vector<std::string> all = {"team@example.test", "alice@example.test", "all@example.test"};
  ASSERT_TRUE(store_->add_alias("all@example.test", all));  // loops back to itself
  auto r = route("all", "example.test");
  ASSERT_EQ(r.kind, RouteKind::local);
  ASSERT_EQ(r.targets.size(), 2u);
  EXPECT_EQ(r.targets[0].account, alice);
  EXPECT_EQ(r.targets[1].account, bob);
  ASSERT_EQ(r.remote.size(), 1u);
  EXPECT_EQ(r.remote[0], "friend@remote.test");
}

TEST_F(RouterTest, AliasNamingItselfKeepsALocalCopy) {
  auto alice = add("alice@example.test");
  auto bob = add("bob@example.test");
  std::vector<std::string> targets = {"alice@example.test", "bob@example.test"};
  ASSERT_TRUE(store_->add_alias("alice@example.test", targets));
  auto r = route("alice", "example.test");
  ASSERT_EQ(r.targets.size(), 2u);
  EXPECT_EQ(r.targets[0].account, alice);
  EXPECT_EQ(r.targets[1].account, bob);
}

TEST_F(RouterTest, CatchAllDoesNotShadowAccounts) {
  auto alice = add("alice@example.test");
  auto bob = add("bob@example.test");
  std::vector<std::string> targets = {"bob@example.test"};
  ASSERT_TRUE(store_->add_alias("@example.test", targets));
  EXPECT_EQ(route("alice", "example.test").targets.at(0).account, alice);
  EXPECT_EQ(route("anything", "example.test").targets.at(0).account, bob);
  EXPECT_EQ(route("anything", "other.test").kind, RouteKind::unknown_user);
}

TEST_F(RouterTest, PostmasterIsAlwaysAccepted) {
  // RFC 5321 §4.5.1: postmaster@domain and <Postmaster> must be accepted.
  auto admin = add("admin@example.test");
  add("zed@example.test");
  auto r = route("PostMaster", "other.test");
  ASSERT_EQ(r.kind, RouteKind::local);
  EXPECT_EQ(r.targets.at(0).account, admin);
  auto bare = router_->route_postmaster();
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->targets.at(0).account, admin);

  // An explicit postmaster alias wins.
  auto zed = store_->find_account("zed@example.test")->id;
  std::vector<std::string> targets = {"zed@example.test"};
  ASSERT_TRUE(store_->add_alias("postmaster@example.test", targets));
  EXPECT_EQ(route("postmaster", "example.test").targets.at(0).account, zed);
  EXPECT_EQ(router_->route_postmaster()->targets.at(0).account, zed);
}

TEST_F(RouterTest, DomainLiteralsNamingOurAddresses) {
  auto alice = add("alice@example.test");
  std::vector<std::string> ours = {"127.0.0.1", "::1"};
  EXPECT_EQ(route("alice", "[127.0.0.1]", ours).targets.at(0).account, alice);
  EXPECT_EQ(route("alice", "[IPv6:::1]", ours).targets.at(0).account, alice);
  EXPECT_EQ(route("alice", "[IPv6:0:0:0:0:0:0:0:1]", ours).kind, RouteKind::local);
  EXPECT_EQ(route("alice", "[192.0.2.1]", ours).kind, RouteKind::not_local);
  EXPECT_EQ(route("alice", "[127.0.0.1]", {"::ffff:127.0.0.1"}).kind, RouteKind::local);
  EXPECT_EQ(route("alice", "[not-an-ip]", ours).kind, RouteKind::not_local);
}

}  // namespace
}  // namespace facteur::delivery
