#include "gateway/common/host_port.h"

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace pasarela {
namespace {

using ::testing::HasSubstr;

TEST(CheckDialAddressTest, AcceptsTheFormsGrpcDials) {
  for (const char* address : {"gw.pasarela.gob.cl:7444", "127.0.0.1:17402", "[::1]:7444",
                              "[2001:db8::1]:65535", "localhost:1"}) {
    EXPECT_TRUE(CheckDialAddress(address).ok()) << address << ": " << CheckDialAddress(address);
  }
}

TEST(CheckDialAddressTest, SaysWhatIsWrong) {
  for (const auto& [address, why] : std::initializer_list<std::pair<const char*, const char*>>{
           {"gw.example.gob.br", "(no port)"},
           {"gw.example.gob.br:", "(the port must be a number from 1 to 65535)"},
           {"gw.example.gob.br:0", "(the port must be a number from 1 to 65535)"},
           {"gw.example.gob.br:+80", "(the port must be a number from 1 to 65535)"},
           {"gw.example.gob.br:65536", "(the port must be a number from 1 to 65535)"},
           {":7444", "(no host)"},
           {"2001:db8::1:7444", "(write an IPv6 address in brackets)"},
           {"[2001:db8::1]", "(no port)"},
           {"[2001:db8::1:7444", "(no ']' after the IPv6 address)"},
           {"gw example:7444", "(a space in the host)"}}) {
    absl::Status status = CheckDialAddress(address);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << address;
    EXPECT_THAT(std::string(status.message()), HasSubstr(absl::StrCat("'", address, "' ", why)));
  }
}

}  // namespace
}  // namespace pasarela
