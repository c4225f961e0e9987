#include "gateway/audit/audit_log.h"

#include <sys/mount.h>
#include <sys/stat.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <future>
#include <thread>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gateway/audit/audit_crypto.h"
#include "gateway/audit/audit_file.h"
#include "gateway/audit/audit_verify.h"
#include "gateway/audit/segment_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/audit/audit_test_util.h"

namespace pasarela::audit {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using testing::KeyAndCert;
using testing::MakeRecord;
using ::testing::StartsWith;
using testing::TempDir;
using testing::TestPki;

// A file system that fails on demand: while failing, an append writes the first half of its
// data and then fails (as a full disk does), a sync fails, and probes fail.
class FlakyFileSystem : public AuditFileSystem {
 public:
  enum class Mode { kHealthy, kFailWrites, kFailSyncs };

  void set_mode(Mode mode) { mode_ = mode; }
  Mode mode() const { return mode_; }
  int syncs() const { return syncs_.load(); }

  absl::Status CreateDirectories(const std::string& dir) override {
    return real_->CreateDirectories(dir);
  }
  absl::StatusOr<std::vector<std::string>> ListDirectory(const std::string& dir) override {
    return real_->ListDirectory(dir);
  }
  absl::StatusOr<std::string> ReadFile(const std::string& path) override {
    return real_->ReadFile(path);
  }
  absl::StatusOr<std::unique_ptr<AuditFile>> OpenForAppend(const std::string& path) override {
    absl::StatusOr<std::unique_ptr<AuditFile>> file = real_->OpenForAppend(path);
    if (!file.ok()) return file.status();
    return std::unique_ptr<AuditFile>(new File(this, *std::move(file)));
  }
  absl::Status SyncDirectory(const std::string& dir) override { return real_->SyncDirectory(dir); }
  absl::Status Probe(const std::string& dir) override {
    if (mode() != Mode::kHealthy) return absl::ResourceExhaustedError("No space left on device");
    return real_->Probe(dir);
  }

 private:
  class File : public AuditFile {
   public:
    File(FlakyFileSystem* fs, std::unique_ptr<AuditFile> real) : fs_(fs), real_(std::move(real)) {}
    absl::Status Append(absl::string_view data) override {
      if (fs_->mode() == Mode::kFailWrites) {
        real_->Append(data.substr(0, data.size() / 2)).IgnoreError();
        return absl::ResourceExhaustedError("No space left on device");
      }
      return real_->Append(data);
    }
    absl::Status Sync() override {
      if (fs_->mode() == Mode::kFailSyncs)
        return absl::DataLossError("fdatasync: Input/output error");
      ++fs_->syncs_;
      return real_->Sync();
    }
    absl::Status Truncate(uint64_t size) override {
      if (fs_->mode() != Mode::kHealthy)
        return absl::UnavailableError("ftruncate: Input/output error");
      return real_->Truncate(size);
    }

   private:
    FlakyFileSystem* const fs_;
    std::unique_ptr<AuditFile> real_;
  };

  const std::shared_ptr<AuditFileSystem> real_ = NewPosixAuditFileSystem();
  std::atomic<Mode> mode_{Mode::kHealthy};
  std::atomic<int> syncs_{0};
};

class AuditLogTest : public ::testing::Test {
 protected:
  AuditLogTest() : pki_(tmp_.path()) {
    ca_file_ = pki_.MakeCa("CL-CA");
    key_ = pki_.MakeGateway("CL-CA", "CL", "gateway-CL");
  }

  AuditLogOptions Options(const std::string& dir) const {
    AuditLogOptions o;
    o.directory = dir;
    o.gateway = "CL";
    o.signing_key_file = key_.key_file;
    o.signing_cert_file = key_.cert_file;
    o.checkpoint_every_records = 10;
    o.checkpoint_interval = absl::InfiniteDuration();
    return o;
  }

  std::unique_ptr<AuditLog> OpenOrDie(AuditLogOptions options) {
    absl::StatusOr<std::unique_ptr<AuditLog>> log = AuditLog::Open(std::move(options));
    EXPECT_TRUE(log.ok()) << log.status();
    return log.ok() ? *std::move(log) : nullptr;
  }

  AuditVerifyReport Verify(const std::string& path, bool strict = true) {
    AuditVerifyOptions options;
    options.ca_files = {ca_file_};
    options.strict = strict;
    auto verifier = AuditVerifier::Create(options);
    EXPECT_TRUE(verifier.ok()) << verifier.status();
    absl::StatusOr<AuditVerifyReport> report = (*verifier)->Verify(path);
    EXPECT_TRUE(report.ok()) << report.status();
    return report.ok() ? *report : AuditVerifyReport();
  }

  TempDir tmp_;
  TestPki pki_;
  std::string ca_file_;
  KeyAndCert key_;
};

TEST_F(AuditLogTest, RecordsAreChainedAndSealed) {
  const std::string dir = tmp_.Sub("trail");
  auto log = OpenOrDie(Options(dir));
  ASSERT_NE(log, nullptr);
  for (int i = 1; i <= 25; ++i) ASSERT_TRUE(log->AppendAndWait(MakeRecord(i)).ok());
  ASSERT_TRUE(log->Close().ok());

  AuditVerifyReport report = Verify(dir);
  EXPECT_TRUE(report.ok()) << report.Summary();
  EXPECT_EQ(report.records, 25u);
  EXPECT_EQ(report.checkpoints, 3u);  // after 10, 20, and the final one at Close
  EXPECT_EQ(report.unsealed, 0u);
  EXPECT_EQ(report.Summary(),
            "audit verify: OK: 25 records in 1 segment, 3 checkpoints, 0 unsealed");

  // The writer filled in what the caller left out.
  std::vector<testing::RawEntry> entries = testing::ReadEntries(dir + "/segment-000001.log");
  v1::AuditRecord first;
  ASSERT_TRUE(first.ParseFromString(entries[0].payload));
  EXPECT_EQ(first.sequence(), 1u);
  EXPECT_EQ(first.previous_hash(), std::string(32, '\0'));
  EXPECT_EQ(first.gateway(), "CL");
  EXPECT_GT(first.time().seconds(), 0);
}

TEST_F(AuditLogTest, RecordsBuiltOnTheirOwnArenaAreWrittenLikeRecordsGivenAsValues) {
  const std::string dir = tmp_.Sub("trail");
  auto log = OpenOrDie(Options(dir));
  ASSERT_NE(log, nullptr);
  for (int i = 1; i <= 12; ++i) {
    if (i % 2 == 0) {
      OwnedAuditRecord owned = OwnedAuditRecord::New();
      *owned = MakeRecord(i);
      ASSERT_NE(owned->GetArena(), nullptr);
      ASSERT_TRUE(log->AppendAndWait(std::move(owned)).ok());
    } else {
      ASSERT_TRUE(log->AppendAndWait(MakeRecord(i)).ok());
    }
  }
  ASSERT_TRUE(log->Close().ok());

  AuditVerifyReport report = Verify(dir);
  EXPECT_TRUE(report.ok()) << report.Summary();
  EXPECT_EQ(report.records, 12u);
  std::vector<testing::RawEntry> entries = testing::ReadEntries(dir + "/segment-000001.log");
  int records = 0;
  for (const testing::RawEntry& entry : entries) {
    if (entry.type != EntryType::kRecord) continue;
    v1::AuditRecord written;
    ASSERT_TRUE(written.ParseFromString(entry.payload));
    ++records;
    // What the caller built, with the fields the writer fills in taken from what it wrote.
    v1::AuditRecord expected = MakeRecord(static_cast<int>(written.sequence()));
    expected.set_sequence(written.sequence());
    expected.set_previous_hash(written.previous_hash());
    expected.set_gateway(written.gateway());
    *expected.mutable_time() = written.time();
    EXPECT_EQ(written.SerializeAsString(), expected.SerializeAsString()) << written.sequence();
  }
  EXPECT_EQ(records, 12);
}

// Where the entries of a segment end: the writer reserves zeros after them.
uint64_t EntriesEnd(const std::string& content) {
  EntryScanner scanner(content);
  EntryScanner::Entry entry;
  EntryScanner::Problem problem;
  uint64_t end = 0;
  while (scanner.Next(&entry, &problem) == EntryScanner::Outcome::kEntry) {
    end = entry.offset + entry.size;
  }
  return end;
}

TEST_F(AuditLogTest, ChainContinuesAcrossSegmentsAndRestarts) {
  const std::string dir = tmp_.Sub("trail");
  AuditLogOptions options = Options(dir);
  options.max_segment_bytes = 4096;
  for (int run = 0; run < 3; ++run) {
    auto log = OpenOrDie(options);
    ASSERT_NE(log, nullptr);
    EXPECT_EQ(log->open_report().last_sequence, static_cast<uint64_t>(run * 60));
    for (int i = 1; i <= 60; ++i) ASSERT_TRUE(log->AppendAndWait(MakeRecord(run * 60 + i)).ok());
    EXPECT_EQ(log->stats().last_sequence, static_cast<uint64_t>((run + 1) * 60));
    ASSERT_TRUE(log->Close().ok());
  }
  AuditVerifyReport report = Verify(dir);
  EXPECT_TRUE(report.ok()) << report.Summary();
  EXPECT_EQ(report.records, 180u);
  EXPECT_GT(report.segments, 3u);
  EXPECT_EQ(report.first_sequence, 1u);
  EXPECT_EQ(report.last_sequence, 180u);

  // Every closed segment ends with a checkpoint, so each one is sealed on its own.
  for (uint64_t n = 1; n < report.segments; ++n) {
    auto entries = testing::ReadEntries(dir + "/" + SegmentFileName(n));
    ASSERT_FALSE(entries.empty());
    EXPECT_EQ(entries.back().type, EntryType::kCheckpoint) << SegmentFileName(n);
    // Cut to its entries before the next was begun: no reserved zeros left behind.
    const std::string content = testing::ReadFileOrDie(dir + "/" + SegmentFileName(n));
    EXPECT_EQ(EntriesEnd(content), content.size()) << SegmentFileName(n);
  }
}

TEST_F(AuditLogTest, RecordsLeftUnsealedByACrashAreSealedOnOpen) {
  const std::string dir = tmp_.Sub("trail");
  const std::string crashed = tmp_.Sub("crashed");
  auto log = OpenOrDie(Options(dir));
  ASSERT_NE(log, nullptr);
  for (int i = 1; i <= 13; ++i) ASSERT_TRUE(log->AppendAndWait(MakeRecord(i)).ok());
  // What a crash right now would leave on disk: every acknowledged record, 3 unsealed.
  testing::CopyDirectory(dir, crashed);
  log.reset();

  AuditVerifyReport before = Verify(crashed, /*strict=*/false);
  EXPECT_TRUE(before.ok());
  EXPECT_EQ(before.unsealed, 3u);

  auto reopened = OpenOrDie(Options(crashed));
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(reopened->open_report().last_sequence, 13u);
  EXPECT_EQ(reopened->open_report().sealed_on_open, 3u);
  EXPECT_FALSE(reopened->open_report().truncated);
  ASSERT_TRUE(reopened->AppendAndWait(MakeRecord(14)).ok());
  ASSERT_TRUE(reopened->Close().ok());
  AuditVerifyReport after = Verify(crashed);
  EXPECT_TRUE(after.ok()) << after.Summary();
  EXPECT_EQ(after.records, 14u);
}

TEST_F(AuditLogTest, TornTailIsCutAwayOnOpen) {
  const std::string dir = tmp_.Sub("trail");
  auto log = OpenOrDie(Options(dir));
  ASSERT_NE(log, nullptr);
  for (int i = 1; i <= 12; ++i) ASSERT_TRUE(log->AppendAndWait(MakeRecord(i)).ok());

  for (const std::string& tail : {std::string("half"), std::string("half, no zeros after")}) {
    SCOPED_TRACE(tail);
    const std::string crashed = tmp_.Sub("crashed-" + std::to_string(tail.size()));
    testing::CopyDirectory(dir, crashed);
    const std::string segment = crashed + "/segment-000001.log";
    std::string content = testing::ReadFileOrDie(segment);
    const uint64_t good_size = EntriesEnd(content);
    // A record whose write was interrupted half way, into the space reserved for it or past the
    // end of a file that had none.
    std::string entry;
    AppendEntry(EntryType::kRecord, MakeRecord(13).SerializeAsString(), &entry);
    const std::string half = entry.substr(0, entry.size() / 2);
    if (tail == "half") {
      ASSERT_GE(content.size(), good_size + half.size());
      content.replace(good_size, half.size(), half);
    } else {
      content = content.substr(0, good_size) + half;
    }
    testing::WriteFileOrDie(segment, content);
    EXPECT_FALSE(Verify(crashed, false).ok());

    auto reopened = OpenOrDie(Options(crashed));
    ASSERT_NE(reopened, nullptr);
    const AuditOpenReport& r = reopened->open_report();
    EXPECT_TRUE(r.truncated);
    EXPECT_EQ(r.truncated_offset, good_size);
    EXPECT_EQ(r.truncated_bytes, content.size() - good_size);
    EXPECT_EQ(r.last_sequence, 12u);
    ASSERT_TRUE(reopened->AppendAndWait(MakeRecord(13)).ok());
    ASSERT_TRUE(reopened->Close().ok());
    AuditVerifyReport report = Verify(crashed);
    EXPECT_TRUE(report.ok()) << report.Summary();
    EXPECT_EQ(report.records, 13u);
  }
}

// The writer reserves zeros ahead of its appends; a crash leaves them (and a file system may
// leave unsynced appends as zeros). They are the end of the entries, not damage: the trail
// verifies as it is, and a gateway starting on it writes on from its last entry.
TEST_F(AuditLogTest, ReservedZerosAreTheEndAndAreCutOnOpenAndClose) {
  const std::string dir = tmp_.Sub("trail");
  auto log = OpenOrDie(Options(dir));
  ASSERT_NE(log, nullptr);
  for (int i = 1; i <= 12; ++i) ASSERT_TRUE(log->AppendAndWait(MakeRecord(i)).ok());
  const std::string segment = dir + "/segment-000001.log";
  const std::string live = testing::ReadFileOrDie(segment);
  const uint64_t entries_end = EntriesEnd(live);
  EXPECT_EQ(live.size(), kAuditFileReserveBytes);
  EXPECT_EQ(live.find_first_not_of('\0', entries_end), std::string::npos);

  // A crash now: the copy keeps the zeros.
  const std::string crashed = tmp_.Sub("crashed");
  testing::CopyDirectory(dir, crashed);
  AuditVerifyReport as_left = Verify(crashed, false);
  EXPECT_TRUE(as_left.ok()) << as_left.Summary();
  EXPECT_EQ(as_left.records, 12u);

  auto reopened = OpenOrDie(Options(crashed));
  ASSERT_NE(reopened, nullptr);
  EXPECT_FALSE(reopened->open_report().truncated);
  EXPECT_EQ(reopened->open_report().last_sequence, 12u);
  ASSERT_TRUE(reopened->AppendAndWait(MakeRecord(13)).ok());
  ASSERT_TRUE(reopened->Close().ok());
  const std::string closed = testing::ReadFileOrDie(crashed + "/segment-000001.log");
  // Closed: cut to its last entry (the checkpoint Close wrote).
  EXPECT_EQ(EntriesEnd(closed), closed.size());
  AuditVerifyReport report = Verify(crashed);
  EXPECT_TRUE(report.ok()) << report.Summary();
  EXPECT_EQ(report.records, 13u);

  ASSERT_TRUE(log->Close().ok());
  const std::string original = testing::ReadFileOrDie(segment);
  EXPECT_EQ(EntriesEnd(original), original.size());
}

// On a file system with little space left the writer reserves nothing: its zeros would take the
// space other writers, and its own appends, need. The trail is written as before.
TEST_F(AuditLogTest, NothingIsReservedOnANearlyFullFileSystem) {
  const std::string dir = tmp_.Sub("small");
  ASSERT_EQ(::mkdir(dir.c_str(), 0700), 0);
  if (::mount("tmpfs", dir.c_str(), "tmpfs", 0, "size=4m") != 0) {
    GTEST_SKIP() << "cannot mount a tmpfs here (needs root): " << std::strerror(errno);
  }
  absl::Cleanup unmount = [&dir] { ::umount(dir.c_str()); };
  {
    auto log = OpenOrDie(Options(dir + "/trail"));
    ASSERT_NE(log, nullptr);
    for (int i = 1; i <= 12; ++i) ASSERT_TRUE(log->AppendAndWait(MakeRecord(i)).ok());
    const std::string live = testing::ReadFileOrDie(dir + "/trail/segment-000001.log");
    EXPECT_EQ(EntriesEnd(live), live.size());
    ASSERT_TRUE(log->Close().ok());
  }
  AuditVerifyReport report = Verify(dir + "/trail");
  EXPECT_TRUE(report.ok()) << report.Summary();
  EXPECT_EQ(report.records, 12u);
}

TEST_F(AuditLogTest, DamageBeforeTheEndOfTheLastSegmentRefusesOpen) {
  const std::string dir = tmp_.Sub("trail");
  {
    auto log = OpenOrDie(Options(dir));
    ASSERT_NE(log, nullptr);
    for (int i = 1; i <= 5; ++i) ASSERT_TRUE(log->AppendAndWait(MakeRecord(i)).ok());
  }
  const std::string segment = dir + "/segment-000001.log";
  std::string content = testing::ReadFileOrDie(segment);
  content[40] ^= 0x20;
  testing::WriteFileOrDie(segment, content);
  absl::StatusOr<std::unique_ptr<AuditLog>> log = AuditLog::Open(Options(dir));
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(log.status().message()),
              AllOf(HasSubstr("segment-000001.log offset 0"), HasSubstr("audit verify")));
}

TEST_F(AuditLogTest, GroupCommitSyncsOncePerBatch) {
  const std::string dir = tmp_.Sub("trail");
  constexpr int kThreads = 16;
  constexpr int kPerThread = 40;
  AuditLogOptions options = Options(dir);
  options.checkpoint_every_records = 100;
  // A batch closes when every thread has a record waiting, or after the delay.
  options.max_batch_records = kThreads;
  options.max_batch_delay = absl::Milliseconds(200);
  auto log = OpenOrDie(options);
  ASSERT_NE(log, nullptr);

  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        if (!log->AppendAndWait(MakeRecord(t * 1000 + i)).ok()) ++failures;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  AuditLogStats stats = log->stats();
  EXPECT_EQ(stats.records_written, static_cast<uint64_t>(kThreads * kPerThread));
  EXPECT_EQ(stats.queue_depth, 0u);
  // One fdatasync per batch; far fewer batches than records.
  EXPECT_EQ(stats.fsyncs, stats.batches_written);
  EXPECT_LE(stats.fsyncs, stats.records_written / 4) << stats.fsyncs << " fsyncs";
  EXPECT_EQ(stats.write_failures, 0u);
  ASSERT_TRUE(log->Close().ok());

  AuditVerifyReport report = Verify(dir);
  EXPECT_TRUE(report.ok()) << report.Summary();
  EXPECT_EQ(report.records, static_cast<uint64_t>(kThreads * kPerThread));
}

TEST_F(AuditLogTest, EveryCallbackFiresOnceAndOnlyAfterItsRecordIsDurable) {
  const std::string dir = tmp_.Sub("trail");
  constexpr int kThreads = 8;
  constexpr int kPerThread = 500;
  auto fs = std::make_shared<FlakyFileSystem>();
  AuditLogOptions options = Options(dir);
  options.checkpoint_every_records = 1000;
  options.file_system = fs;
  auto log = OpenOrDie(options);
  ASSERT_NE(log, nullptr);

  std::vector<std::atomic<int>> calls(kThreads * kPerThread);
  std::atomic<int> done{0};
  absl::Notification all_done;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const int id = t * kPerThread + i;
        log->Append(MakeRecord(id), [&, id](absl::Status s) {
          EXPECT_TRUE(s.ok()) << s;
          ++calls[id];
          if (++done == kThreads * kPerThread) all_done.Notify();
        });
      }
    });
  }
  for (std::thread& t : threads) t.join();
  all_done.WaitForNotification();
  for (int id = 0; id < kThreads * kPerThread; ++id) ASSERT_EQ(calls[id].load(), 1) << id;

  AuditLogStats stats = log->stats();
  EXPECT_EQ(stats.records_written, static_cast<uint64_t>(kThreads * kPerThread));
  EXPECT_LT(stats.fsyncs, stats.records_written);
  ASSERT_TRUE(log->Close().ok());
  AuditVerifyReport report = Verify(dir);
  EXPECT_TRUE(report.ok()) << report.Summary();
  EXPECT_EQ(report.records, static_cast<uint64_t>(kThreads * kPerThread));
}

// Receipts appended with their records are signed a batch at a time: fewer signatures than
// receipts, and each receipt verifies alone against the gateway's certificate when its record is
// durable.
TEST_F(AuditLogTest, ReceiptsAreSignedOncePerBatchAndEachVerifies) {
  const std::string dir = tmp_.Sub("trail");
  constexpr int kThreads = 8;
  constexpr int kPerThread = 25;
  AuditLogOptions options = Options(dir);
  options.checkpoint_every_records = 1000;
  options.max_batch_records = kThreads;
  options.max_batch_delay = absl::Milliseconds(200);
  auto log = OpenOrDie(options);
  ASSERT_NE(log, nullptr);
  auto signer = CheckpointSigner::Load(key_.key_file, key_.cert_file);
  ASSERT_TRUE(signer.ok()) << signer.status();
  auto key = SignerKey::FromPem(testing::ReadFileOrDie(key_.cert_file));
  ASSERT_TRUE(key.ok()) << key.status();

  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto receipt = std::make_shared<v1::Receipt>();
        receipt->set_exchange_id(absl::StrCat("exchange-", t, "-", i));
        receipt->set_gateway("CL");
        receipt->set_request_digest(std::string(32, 'q'));
        receipt->set_response_digest(std::string(32, static_cast<char>(i)));
        // A std::promise, not absl::Notification: ThreadSanitizer sees libstdc++'s
        // synchronisation but not that of Debian's uninstrumented Abseil, and the receipt,
        // written by the writer thread, is read here.
        std::promise<absl::Status> durable;
        log->AppendWithReceipt(MakeRecord(t * 1000 + i), receipt, signer->get(),
                               [&durable](absl::Status s) { durable.set_value(s); });
        absl::Status status = durable.get_future().get();
        bool ok = status.ok() && receipt->batch_size() >= 1 &&
                  VerifyReceipt(receipt->SerializeAsString(), **key, receipt->exchange_id(),
                                receipt->request_digest(), receipt->response_digest())
                      .ok();
        if (!ok) ++failures;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  AuditLogStats stats = log->stats();
  EXPECT_EQ(stats.receipts_signed, static_cast<uint64_t>(kThreads * kPerThread));
  EXPECT_EQ(stats.receipt_signatures, stats.batches_written);
  EXPECT_LE(stats.receipt_signatures, stats.receipts_signed / 2)
      << stats.receipt_signatures << " signatures";
  ASSERT_TRUE(log->Close().ok());
}

// A record appended without a receipt in a batch with receipts is written all the same.
TEST_F(AuditLogTest, RecordsWithAndWithoutReceiptsShareABatch) {
  const std::string dir = tmp_.Sub("trail");
  AuditLogOptions options = Options(dir);
  options.max_batch_records = 4;
  options.max_batch_delay = absl::Seconds(5);
  auto log = OpenOrDie(options);
  ASSERT_NE(log, nullptr);
  auto signer = CheckpointSigner::Load(key_.key_file, key_.cert_file);
  ASSERT_TRUE(signer.ok());
  std::vector<std::shared_ptr<v1::Receipt>> receipts;
  std::atomic<int> answered{0};
  std::promise<void> all;  // seen by ThreadSanitizer, unlike absl::Notification (see above)
  for (int i = 0; i < 4; ++i) {
    auto done = [&](absl::Status s) {
      EXPECT_TRUE(s.ok()) << s;
      if (++answered == 4) all.set_value();
    };
    if (i % 2 == 0) {
      receipts.push_back(std::make_shared<v1::Receipt>());
      receipts.back()->set_exchange_id(absl::StrCat("exchange-", i));
      log->AppendWithReceipt(MakeRecord(i), receipts.back(), signer->get(), done);
    } else {
      log->Append(MakeRecord(i), done);
    }
  }
  all.get_future().wait();
  for (const auto& receipt : receipts) {
    EXPECT_EQ(receipt->batch_size(), 2u);
    EXPECT_FALSE(receipt->signature().empty());
  }
  EXPECT_EQ(log->stats().batches_written, 1u);
  ASSERT_TRUE(log->Close().ok());
}

// Waits (bounded) for the log to report healthy again after the file system heals.
bool EventuallyHealthy(const AuditLog& log) {
  for (int i = 0; i < 2000 && !log.healthy(); ++i) absl::SleepFor(absl::Milliseconds(5));
  return log.healthy();
}

class FailClosedTest : public AuditLogTest,
                       public ::testing::WithParamInterface<FlakyFileSystem::Mode> {};

TEST_P(FailClosedTest, RefusesWhileTheTrailCannotBeWrittenAndResumesAfter) {
  const std::string dir = tmp_.Sub("trail");
  auto fs = std::make_shared<FlakyFileSystem>();
  AuditLogOptions options = Options(dir);
  options.file_system = fs;
  options.retry_interval = absl::Milliseconds(5);
  auto log = OpenOrDie(options);
  ASSERT_NE(log, nullptr);
  for (int i = 1; i <= 5; ++i) ASSERT_TRUE(log->AppendAndWait(MakeRecord(i)).ok());

  fs->set_mode(GetParam());
  absl::Status failed = log->AppendAndWait(MakeRecord(6));
  EXPECT_EQ(failed.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(failed.message()),
              StartsWith(absl::StrCat("audit trail not writable: ", dir, "/segment-000001.log: ")));
  EXPECT_FALSE(log->healthy());
  // Later appends are refused at once, with the same reason.
  absl::Status refused = log->AppendAndWait(MakeRecord(7));
  EXPECT_EQ(refused.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(refused.message()), HasSubstr("audit trail not writable"));
  AuditLogStats stats = log->stats();
  EXPECT_FALSE(stats.healthy);
  EXPECT_GE(stats.write_failures, 1u);
  EXPECT_EQ(stats.records_written, 5u);
  EXPECT_GE(stats.refused_appends, 2u);

  fs->set_mode(FlakyFileSystem::Mode::kHealthy);
  ASSERT_TRUE(EventuallyHealthy(*log));
  for (int i = 8; i <= 12; ++i) ASSERT_TRUE(log->AppendAndWait(MakeRecord(i)).ok());
  ASSERT_TRUE(log->Close().ok());

  // The refused records are not in the trail, the partial write is gone, the chain holds.
  AuditVerifyReport report = Verify(dir);
  EXPECT_TRUE(report.ok()) << report.Summary() << "\n" << ::testing::PrintToString(report.problems);
  EXPECT_EQ(report.records, 10u);
}

INSTANTIATE_TEST_SUITE_P(WritesAndSyncs, FailClosedTest,
                         ::testing::Values(FlakyFileSystem::Mode::kFailWrites,
                                           FlakyFileSystem::Mode::kFailSyncs),
                         [](const ::testing::TestParamInfo<FlakyFileSystem::Mode>& info) {
                           return info.param == FlakyFileSystem::Mode::kFailWrites ? "FailedWrite"
                                                                                   : "FailedSync";
                         });

TEST_F(AuditLogTest, FailedWriteMessageNamesTheSystemReason) {
  const std::string dir = tmp_.Sub("trail");
  auto fs = std::make_shared<FlakyFileSystem>();
  AuditLogOptions options = Options(dir);
  options.file_system = fs;
  auto log = OpenOrDie(options);
  ASSERT_NE(log, nullptr);
  fs->set_mode(FlakyFileSystem::Mode::kFailWrites);
  EXPECT_EQ(log->AppendAndWait(MakeRecord(1)).message(),
            absl::StrCat("audit trail not writable: ", dir,
                         "/segment-000001.log: No space left on device"));
  // Close while unhealthy reports why the trail could not be sealed.
  EXPECT_EQ(log->Close().code(), absl::StatusCode::kUnavailable);
}

TEST_F(AuditLogTest, TimedCheckpointSealsAnIdleTrail) {
  const std::string dir = tmp_.Sub("trail");
  AuditLogOptions options = Options(dir);
  options.checkpoint_every_records = 1000;
  options.checkpoint_interval = absl::Milliseconds(20);
  auto log = OpenOrDie(options);
  ASSERT_NE(log, nullptr);
  for (int i = 1; i <= 3; ++i) ASSERT_TRUE(log->AppendAndWait(MakeRecord(i)).ok());
  // Without Close, the trail on disk comes to be sealed: a checkpoint may seal record 1 before
  // records 2 and 3 are written, so look until the last one is sealed too.
  AuditVerifyReport report;
  for (int i = 0; i < 400; ++i) {
    const std::string snapshot = tmp_.Sub(absl::StrCat("snapshot-", i));
    testing::CopyDirectory(dir, snapshot);
    report = Verify(snapshot);
    if (report.ok() && report.unsealed == 0 && log->stats().checkpoints_written >= 1) break;
    absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_GE(log->stats().checkpoints_written, 1u);
  EXPECT_TRUE(report.ok()) << report.Summary();
  EXPECT_EQ(report.unsealed, 0u);
}

TEST_F(AuditLogTest, Ed25519KeysSignCheckpoints) {
  const std::string dir = tmp_.Sub("trail");
  KeyAndCert ed = pki_.MakeGateway("CL-CA", "CL", "gateway-CL-ed25519", testing::KeyType::kEd25519);
  AuditLogOptions options = Options(dir);
  options.signing_key_file = ed.key_file;
  options.signing_cert_file = ed.cert_file;
  auto log = OpenOrDie(options);
  ASSERT_NE(log, nullptr);
  for (int i = 1; i <= 15; ++i) ASSERT_TRUE(log->AppendAndWait(MakeRecord(i)).ok());
  ASSERT_TRUE(log->Close().ok());
  AuditVerifyReport report = Verify(dir);
  EXPECT_TRUE(report.ok()) << report.Summary();
  EXPECT_EQ(report.checkpoints, 2u);
  auto entries = testing::ReadEntries(dir + "/segment-000001.log");
  v1::Checkpoint checkpoint;
  ASSERT_TRUE(checkpoint.ParseFromString(entries[testing::IndexOfCheckpoint(entries, 10)].payload));
  EXPECT_EQ(checkpoint.signature_algorithm(), "ed25519");
  EXPECT_EQ(checkpoint.signature().size(), 64u);
}

TEST_F(AuditLogTest, KeyReadableByOthersIsRefused) {
  ASSERT_EQ(::chmod(key_.key_file.c_str(), 0644), 0);
  absl::StatusOr<std::unique_ptr<AuditLog>> log = AuditLog::Open(Options(tmp_.Sub("trail")));
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(log.status().message()),
              AllOf(HasSubstr(key_.key_file), HasSubstr("mode 0644"), HasSubstr("chmod 600")));
  // Nothing was created.
  EXPECT_FALSE(std::filesystem::exists(tmp_.Sub("trail")));
}

TEST_F(AuditLogTest, KeyThatDoesNotMatchTheCertificateIsRefused) {
  KeyAndCert other = pki_.MakeLeaf("CL-CA", "other");
  AuditLogOptions options = Options(tmp_.Sub("trail"));
  options.signing_cert_file = other.cert_file;
  absl::StatusOr<std::unique_ptr<AuditLog>> log = AuditLog::Open(options);
  ASSERT_FALSE(log.ok());
  EXPECT_THAT(std::string(log.status().message()), HasSubstr("does not match the certificate"));
}

TEST_F(AuditLogTest, BadOptionsAreRefused) {
  AuditLogOptions options = Options(tmp_.Sub("trail"));
  options.max_batch_records = 0;
  EXPECT_EQ(AuditLog::Open(options).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(AuditLogTest, AppendAfterCloseIsRefusedAndCloseIsIdempotent) {
  auto log = OpenOrDie(Options(tmp_.Sub("trail")));
  ASSERT_NE(log, nullptr);
  ASSERT_TRUE(log->AppendAndWait(MakeRecord(1)).ok());
  EXPECT_TRUE(log->Close().ok());
  EXPECT_TRUE(log->Close().ok());
  absl::Status s = log->AppendAndWait(MakeRecord(2));
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(s.message()), HasSubstr("closed"));
}

}  // namespace
}  // namespace pasarela::audit
