#include "tests/agreement/agreement_test_util.h"

#include <cstdlib>
#include <iostream>

#include "gtest/gtest.h"

namespace pasarela::testing {

const DescriptorCatalog& TestCatalog() {
  static const DescriptorCatalog* const kCatalog = [] {
    absl::StatusOr<std::unique_ptr<const DescriptorCatalog>> catalog =
        DescriptorCatalog::Load({PASARELA_DESCRIPTOR_SET});
    if (!catalog.ok()) {
      std::cerr << "cannot load the descriptor set: " << catalog.status() << "\n";
      std::abort();
    }
    return catalog->release();
  }();
  return *kCatalog;
}

const Federation& TestFederation() {
  static const Federation* const kFederation = [] {
    Diagnostics diagnostics;
    absl::optional<Federation> federation =
        LoadFederation(TestDataDir() + "/federation.yaml", diagnostics);
    if (!federation.has_value()) {
      std::cerr << "cannot load the test federation:\n" << diagnostics.ToString();
      std::abort();
    }
    return new Federation(*std::move(federation));
  }();
  return *kFederation;
}

std::string TestDataDir() { return AGREEMENT_TESTDATA_DIR; }

AgreementBook LoadTestBook(const std::string& relative_dir) {
  Diagnostics diagnostics;
  absl::optional<AgreementBook> book = LoadAgreements(
      TestDataDir() + "/" + relative_dir, &TestFederation(), TestCatalog(), diagnostics);
  EXPECT_TRUE(book.has_value()) << diagnostics.ToString();
  EXPECT_FALSE(diagnostics.has_errors()) << diagnostics.ToString();
  if (!book.has_value()) return AgreementBook();
  return *std::move(book);
}

absl::Time T(const char* rfc3339) {
  absl::optional<absl::Time> time = ParseRfc3339(rfc3339);
  if (!time.has_value()) {
    std::cerr << "bad test time " << rfc3339 << "\n";
    std::abort();
  }
  return *time;
}

}  // namespace pasarela::testing
