// The conformance suite of the Store interface: every backend instantiates it with a factory,
//   INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformance, testing::Values(StoreBackend{...}));
// and must pass all of it.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include <gtest/gtest.h>

#include "base/result.hpp"
#include "store/store.hpp"

namespace facteur::store::testing {

struct StoreBackend {
  std::string name;
  // Opens (or re-opens) a store whose private state lives under `dir` (empty at first use).
  std::function<Result<std::unique_ptr<Store>>(const std::filesystem::path& dir, const Options&)>
      open;
};

inline void PrintTo(const StoreBackend& backend, std::ostream* os) {
  *os << backend.name;
}

inline std::string backend_name(const ::testing::TestParamInfo<StoreBackend>& info) {
  return info.param.name;
}

class StoreConformance : public ::testing::TestWithParam<StoreBackend> {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Closes the store and opens it again on the same state, with `options`.
  void reopen(const Options& options = {});

  // Helpers.
  Account make_account(const std::string& address);
  Mailbox inbox(AccountId account);
  std::unique_ptr<BlobWriter> blob(std::string_view content, std::size_t chunk = 4096);
  Delivery delivery(std::string_view content, std::vector<DeliveryTarget> targets);
  DeliveryTarget to(AccountId account, std::string prefix = "");
  // Delivers and expects success for every target; returns the copies.
  std::vector<DeliveredCopy> deliver_ok(std::string_view content,
                                        std::vector<DeliveryTarget> targets);
  std::string read_all(MailboxId mailbox, Uid uid);

  std::filesystem::path dir_;
  Options options_;
  std::unique_ptr<Store> store_;
};

}  // namespace facteur::store::testing
