// Shared fixtures of the agreement tests: the runtime descriptor catalog, the test federation and
// loading a test agreement directory.
#ifndef PASARELA_TESTS_AGREEMENT_AGREEMENT_TEST_UTIL_H_
#define PASARELA_TESTS_AGREEMENT_AGREEMENT_TEST_UTIL_H_

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "gateway/agreement/agreement_book.h"
#include "gateway/policy/descriptor_catalog.h"
#include "gateway/policy/federation.h"

namespace pasarela::testing {

// The catalog built from the project's descriptor set; loaded once per process.
const DescriptorCatalog& TestCatalog();
// testdata/federation.yaml; loaded once per process.
const Federation& TestFederation();
// The test data directory, without a trailing '/'.
std::string TestDataDir();
// Loads testdata/<relative_dir>; fails the test (and returns an empty book) on any error.
AgreementBook LoadTestBook(const std::string& relative_dir);
// Parses an RFC 3339 time or aborts.
absl::Time T(const char* rfc3339);

}  // namespace pasarela::testing

#endif  // PASARELA_TESTS_AGREEMENT_AGREEMENT_TEST_UTIL_H_
