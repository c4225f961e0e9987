// Sha256Digest and HmacSha256Digest against published test vectors (FIPS 180-2, RFC 4231), on
// one thread and on several at once, and without allocating inside OpenSSL.
#include "gateway/common/digest.h"

#include <openssl/crypto.h>

#include <atomic>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"

namespace pasarela {
namespace {

std::string Hex(const std::string& bytes) { return absl::BytesToHexString(bytes); }

// OpenSSL's allocations in this process, counted from before its first one (OpenSSL accepts
// memory functions only until it has allocated).
std::atomic<long> openssl_allocations{0};
void* CountedMalloc(size_t size, const char*, int) {
  ++openssl_allocations;
  return std::malloc(size);
}
void* CountedRealloc(void* block, size_t size, const char*, int) {
  ++openssl_allocations;
  return std::realloc(block, size);
}
void CountedFree(void* block, const char*, int) { std::free(block); }
const bool counting_openssl_allocations =
    CRYPTO_set_mem_functions(CountedMalloc, CountedRealloc, CountedFree) == 1;

TEST(DigestTest, Sha256MatchesTheStandardsVectors) {
  EXPECT_EQ(Hex(Sha256Digest("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Hex(Sha256Digest("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // Reused context: a second digest is not disturbed by the first.
  EXPECT_EQ(Hex(Sha256Digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(DigestTest, Sha256IntoHashesItsPartsAsOneInput) {
  Sha256Bytes digest;
  ASSERT_TRUE(
      Sha256Into({"abcdbcdecdefdefgefghfghi", "", "ghijhijkijkljklmklmnlmnomnopnopq"}, &digest));
  EXPECT_EQ(Hex(std::string(BytesOf(digest))),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  ASSERT_TRUE(Sha256Into({}, &digest));
  EXPECT_EQ(std::string(BytesOf(digest)), Sha256Digest(""));
  ASSERT_TRUE(Sha256Into({"a", "bc"}, &digest));
  EXPECT_EQ(std::string(BytesOf(digest)), Sha256Digest("abc"));
}

TEST(DigestTest, HmacSha256MatchesRfc4231) {
  // Test case 2, then test case 1 with the same context: the key changes between calls.
  EXPECT_EQ(Hex(HmacSha256Digest("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(Hex(HmacSha256Digest(std::string(20, '\x0b'), "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

TEST(DigestTest, HmacSha256HashesAKeyLongerThanABlockAndPadsAShortOne) {
  // RFC 4231 test case 6: a 131-byte key is hashed first.
  EXPECT_EQ(Hex(HmacSha256Digest(std::string(131, '\xaa'),
                                 "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  EXPECT_EQ(Hex(HmacSha256Digest(std::string(64, 'k'), "block-sized key")),
            "fa828622183c28b475ecd957cc29b1fe479712fa50bb4333dd58b526dcd751b1");
  EXPECT_EQ(Hex(HmacSha256Digest("", "")),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(DigestTest, DigestsAllocateNothingInsideOpenSsl) {
  ASSERT_TRUE(counting_openssl_allocations) << "OpenSSL allocated before the test could count";
  const long before = openssl_allocations.load();
  Sha256Bytes digest;
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(Sha256Into({"abc", "def"}, &digest));
    EXPECT_EQ(Sha256Digest("abc").size(), 32u);
    EXPECT_EQ(HmacSha256Digest("Jefe", "what do ya want for nothing?").size(), 32u);
    EXPECT_EQ(HmacSha256Digest(std::string(131, '\xaa'), "long key").size(), 32u);
  }
  EXPECT_EQ(openssl_allocations.load() - before, 0);
}

TEST(DigestTest, ThreadsEachGetTheSameDigests) {
  std::vector<std::thread> threads;
  std::vector<int> wrong(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &wrong] {
      for (int i = 0; i < 2000; ++i) {
        if (Hex(Sha256Digest("abc")) !=
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") {
          ++wrong[t];
        }
        if (Hex(HmacSha256Digest("Jefe", "what do ya want for nothing?")) !=
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843") {
          ++wrong[t];
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int count : wrong) EXPECT_EQ(count, 0);
}

}  // namespace
}  // namespace pasarela
