// The headers most test files include, compiled once per build tree and reused by every test
// executable (target_precompile_headers ... REUSE_FROM in tests/CMakeLists.txt). Parsing gMock,
// gRPC and protobuf again for each of about 150 test files was a quarter of the time a test file
// took to compile.
//
// Every test file is compiled as if it began by including this header, so a test file that
// forgets an include of its own still compiles here: each file keeps its own includes all the same.
#ifndef PASARELA_TESTS_SUPPORT_PRECOMPILED_H_
#define PASARELA_TESTS_SUPPORT_PRECOMPILED_H_

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

#endif  // PASARELA_TESTS_SUPPORT_PRECOMPILED_H_
