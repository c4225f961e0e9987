#include "gateway/audit/audit_verify.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "gateway/audit/audit_crypto.h"
#include "gateway/audit/country_anchors.h"
#include "gateway/audit/postgres_trail.h"
#include "gateway/audit/receipt_signers.h"
#include "gateway/audit/segment_format.h"
#include "gateway/audit/signer_revocations.h"
#include "gateway/audit/timestamp.h"
#include "gateway/audit/trail_reader.h"
#include "gateway/common/plural.h"
#include "gateway/common/rfc3339.h"
#include "gateway/identity/participant_id.h"
#include "pasarela/audit/v1/audit.pb.h"

namespace pasarela::audit {
namespace {

constexpr size_t kMaxProblemsPrinted = 100;

// "signed as gateway CL", or "signed naming no gateway" when the field is empty.
std::string SignedAs(const std::string& gateway) {
  return gateway.empty() ? "signed naming no gateway" : absl::StrCat("signed as gateway ", gateway);
}

// One pass over a trail, entry by entry, carrying the chain from each entry to the next.
class TrailCheck {
 public:
  TrailCheck(const AuditVerifyOptions& options, const CountryAnchors* anchors,
             const SignerRevocations* revocations, const ReceiptSigners* receipt_signers,
             AuditVerifyReport* report)
      : options_(options),
        anchors_(anchors),
        revocations_(revocations),
        receipt_signers_(receipt_signers),
        report_(report) {
    report_->receipts_checked = receipt_signers_ != nullptr;
  }

  void Segment(const TrailSegment& segment, absl::string_view content, bool last_segment);
  // One entry read some other way (from a database), `entry.offset` being its position.
  void Entry(const TrailSegment& segment, const EntryScanner::Entry& entry);
  void Problem(std::string text) { report_->problems.push_back(std::move(text)); }
  void Finish();

 private:
  void Record(const TrailSegment& segment, const EntryScanner::Entry& entry);
  void Checkpoint(const TrailSegment& segment, const EntryScanner::Entry& entry);
  // The receipt a consumer-side record keeps, if any, against that record and the peers'
  // certificates.
  void KeptReceipt(const std::string& where, const v1::AuditRecord& record);

  const AuditVerifyOptions& options_;
  const CountryAnchors* const anchors_;
  const SignerRevocations* const revocations_;
  const ReceiptSigners* const receipt_signers_;
  AuditVerifyReport* const report_;
  // Receipts not checked for their signature, by the gateway that signed them (no certificate of
  // it given), ordered for the warnings.
  std::map<std::string, uint64_t> unverified_receipts_;
  // The gateways whose receipts verified under a certificate a CA given without a country vouched
  // for.
  std::set<std::string> vouched_for_any_gateway_;
  // Whether a checkpoint verified under a certificate a --ca given without a country vouched for.
  bool checkpoint_vouched_for_any_gateway_ = false;

  const TrailSegment* previous_segment_ = nullptr;
  // The trail's first segment is segment 1: nothing was retired, so the trail begins at record 1.
  bool from_segment_one_ = false;
  bool started_ = false;  // an entry has been read
  bool resync_ = false;   // damage was just reported: do not check the next link against it
  std::string previous_hash_;
  std::string previous_entry_;  // "record 56" or "the checkpoint after record 56"
  uint64_t expected_sequence_ = 0;
  bool have_record_ = false;
  uint64_t last_record_sequence_ = 0;
  std::string last_record_hash_;
  std::string last_record_gateway_;
  uint64_t unsealed_from_ = 0;
};

void TrailCheck::Segment(const TrailSegment& segment, absl::string_view content,
                         bool last_segment) {
  if (report_->segments++ == 0) from_segment_one_ = segment.number == 1;
  if (previous_segment_ != nullptr) {
    if (std::string missing = MissingSegments(*previous_segment_, segment); !missing.empty()) {
      Problem(std::move(missing));
      resync_ = true;
    }
  }
  previous_segment_ = &segment;

  EntryScanner scanner(content);
  EntryScanner::Entry entry;
  EntryScanner::Problem damage;
  for (bool more = true; more;) {
    switch (scanner.Next(&entry, &damage)) {
      case EntryScanner::Outcome::kEntry:
        Entry(segment, entry);
        break;
      case EntryScanner::Outcome::kEnd:
        more = false;
        break;
      case EntryScanner::Outcome::kTruncated:
        Problem(absl::StrCat(segment.name, ": truncated: last entry at offset ", damage.offset,
                             " is incomplete (", damage.reason, ")",
                             last_segment ? "" : ", and later segments follow"));
        resync_ = true;
        break;
      case EntryScanner::Outcome::kCorrupt:
        Problem(absl::StrCat(segment.name, " offset ", damage.offset, " (entry after ",
                             started_ ? previous_entry_ : "the start",
                             "): damaged entry: ", damage.reason,
                             damage.resume_offset < content.size()
                                 ? absl::StrCat("; readable again at offset ", damage.resume_offset)
                                 : std::string("; nothing readable follows in the segment")));
        resync_ = true;
        break;
    }
  }
}

void TrailCheck::Entry(const TrailSegment& segment, const EntryScanner::Entry& entry) {
  if (entry.type == EntryType::kRecord) {
    Record(segment, entry);
  } else {
    Checkpoint(segment, entry);
  }
}

void TrailCheck::Record(const TrailSegment& segment, const EntryScanner::Entry& entry) {
  v1::AuditRecord record;
  if (!record.ParseFromArray(entry.payload.data(), static_cast<int>(entry.payload.size()))) {
    Problem(absl::StrCat(segment.name, " ", segment.offset_word, " ", entry.offset,
                         " (entry after ", started_ ? previous_entry_ : "the start",
                         "): record does not parse"));
    resync_ = true;
    return;
  }
  const uint64_t seq = record.sequence();
  const std::string where = absl::StrCat(segment.name, " record ", seq, " (", segment.offset_word,
                                         " ", entry.offset, ")");
  if (!started_) {
    report_->first_sequence = seq;
    if (seq == 1) {
      if (record.previous_hash() != std::string(kHashSize, '\0')) {
        Problem(absl::StrCat(where,
                             ": hash chain broken: the first record's previous_hash is "
                             "not zero"));
      }
    } else if (from_segment_one_) {
      // Retiring old segments removes whole files; records missing from segment 1 were cut out.
      Problem(absl::StrCat(where, ": ",
                           seq == 2
                               ? "record 1"
                               : absl::StrCat("records 1 to ", seq - 1, " (", seq - 1, " records)"),
                           " deleted: the trail begins with ", SegmentFileName(1),
                           ", so its first record must be record 1"));
    } else {
      report_->warnings.push_back(absl::StrCat("trail begins at record ", seq, " in ", segment.name,
                                               ": earlier records are not here"));
    }
  } else if (resync_) {
    // The damage before this record is already reported.
  } else if (seq > expected_sequence_) {
    const std::string missing = seq == expected_sequence_ + 1
                                    ? absl::StrCat("record ", expected_sequence_)
                                    : absl::StrCat("records ", expected_sequence_, " to ", seq - 1,
                                                   " (", seq - expected_sequence_, " records)");
    Problem(absl::StrCat(where, ": ", missing, " deleted or reordered: expected sequence ",
                         expected_sequence_, ", found ", seq));
  } else if (seq < expected_sequence_) {
    Problem(absl::StrCat(where, ": record ", seq, " repeated or reordered: expected sequence ",
                         expected_sequence_, ", found ", seq));
    // The entries after a record out of place continue from the one before it (an exchange of
    // two records, or a copy put in), so the chain stays where it was: moving it back would
    // report the next, rightful record as out of place too.
    ++report_->records;
    return;
  } else if (record.previous_hash() != previous_hash_) {
    Problem(
        absl::StrCat(where, ": hash chain broken: previous_hash does not match ", previous_entry_));
  }

  KeptReceipt(where, record);
  if (!IsValidTimestamp(record.time())) {
    Problem(absl::StrCat(where, ": time out of range (", DescribeTimestamp(record.time()),
                         "): a gateway writes times of the years 1 to 9999"));
  }

  const std::string hash = Sha256(entry.payload);
  if (report_->unsealed == 0) unsealed_from_ = seq;
  ++report_->records;
  ++report_->unsealed;
  report_->last_sequence = seq;
  started_ = true;
  resync_ = false;
  previous_hash_ = hash;
  previous_entry_ = absl::StrCat("record ", seq);
  expected_sequence_ = seq + 1;
  have_record_ = true;
  last_record_sequence_ = seq;
  last_record_hash_ = hash;
  last_record_gateway_ = record.gateway();
}

void TrailCheck::KeptReceipt(const std::string& where, const v1::AuditRecord& record) {
  if (record.receipt().empty()) return;
  ++report_->receipts;
  v1::Receipt receipt;
  if (!receipt.ParseFromString(record.receipt())) {
    Problem(absl::StrCat(where, ": kept receipt does not parse"));
    return;
  }
  // The consumer gateway kept only a receipt it had checked against what it sent and received;
  // one that differs from its record was put there afterwards, or the record was changed.
  std::vector<std::string> faults;
  if (receipt.exchange_id() != record.exchange_id()) {
    faults.push_back(absl::StrCat("names exchange ", receipt.exchange_id(), ", the record ",
                                  record.exchange_id()));
  }
  if (receipt.gateway() != CountryOfParticipant(record.provider())) {
    faults.push_back(absl::StrCat(SignedAs(receipt.gateway()), ", but the record's provider is ",
                                  record.provider()));
  }
  if (receipt.request_digest() != record.request_digest()) {
    faults.push_back("covers another request than the record's request_digest");
  }
  if (receipt.response_digest() != record.response_digest()) {
    faults.push_back("covers another response than the record's response_digest");
  }
  if (faults.empty() && receipt_signers_ != nullptr) {
    if (!receipt_signers_->Knows(receipt.gateway())) {
      ++unverified_receipts_[receipt.gateway()];
    } else if (absl::StatusOr<absl::optional<CaVoucher>> verified =
                   receipt_signers_->Verify(receipt);
               verified.ok()) {
      ++report_->receipts_verified;
      if (*verified == CaVoucher::kAnyGatewayCa) {
        vouched_for_any_gateway_.insert(receipt.gateway());
      }
    } else {
      faults.push_back(std::string(verified.status().message()));
    }
  }
  if (!faults.empty()) {
    Problem(absl::StrCat(where, ": kept receipt: ", absl::StrJoin(faults, "; ")));
  }
}

void TrailCheck::Checkpoint(const TrailSegment& segment, const EntryScanner::Entry& entry) {
  v1::Checkpoint checkpoint;
  if (!checkpoint.ParseFromArray(entry.payload.data(), static_cast<int>(entry.payload.size()))) {
    Problem(absl::StrCat(segment.name, " ", segment.offset_word, " ", entry.offset,
                         " (entry after ", started_ ? previous_entry_ : "the start",
                         "): checkpoint does not parse"));
    resync_ = true;
    return;
  }
  const uint64_t seq = checkpoint.sequence();
  std::vector<std::string> faults;
  if (started_ && !resync_ && checkpoint.previous_hash() != previous_hash_) {
    faults.push_back(
        absl::StrCat("hash chain broken: previous_hash does not match ", previous_entry_));
  }
  if (have_record_ && !resync_) {
    if (seq != last_record_sequence_) {
      faults.push_back(
          absl::StrCat("seals record ", seq, " but the last record is ", last_record_sequence_));
    } else if (checkpoint.record_hash() != last_record_hash_) {
      faults.push_back(absl::StrCat("sealed hash does not match record ", seq));
    }
    // Another gateway's checkpoint seals nothing of this trail, even when its key is trusted.
    if (!last_record_gateway_.empty() && checkpoint.gateway() != last_record_gateway_) {
      faults.push_back(absl::StrCat(SignedAs(checkpoint.gateway()),
                                    ", but the records it seals are gateway ", last_record_gateway_,
                                    "'s"));
    }
  }
  const bool sealed = faults.empty();
  bool untrusted = false;
  bool revoked = false;
  if (absl::Status s = VerifyCheckpointSignature(checkpoint); !s.ok()) {
    faults.push_back(std::string(s.message()));
  } else if (anchors_ != nullptr) {
    absl::StatusOr<CaVoucher> vouched = anchors_->CheckChain(
        checkpoint.signer_certificate_pem(), TimeOf(checkpoint.time()), checkpoint.gateway());
    absl::Status trusted = vouched.status();
    if (trusted.code() == absl::StatusCode::kFailedPrecondition) {
      trusted = absl::UnauthenticatedError(
          absl::StrCat("no --ca vouches for its certificate: ", trusted.message()));
    }
    // The CA also vouches for its agencies: only the gateway's own certificate may seal.
    if (trusted.ok()) {
      trusted = CheckGatewayCertificate(checkpoint.signer_certificate_pem(), checkpoint.gateway());
      if (trusted.ok() && *vouched == CaVoucher::kAnyGatewayCa) {
        checkpoint_vouched_for_any_gateway_ = true;
      }
    }
    if (!trusted.ok()) {
      faults.push_back(std::string(trusted.message()));
      untrusted = true;
    } else if (revocations_ != nullptr) {
      if (absl::optional<SignerRevocation> revocation =
              revocations_->Find(checkpoint.signer_certificate_pem())) {
        faults.push_back(RevokedSignerText(*revocation, "checkpoint", TimeOf(checkpoint.time())));
        revoked = true;
      }
    }
  }
  if (faults.empty()) {
    ++report_->checkpoints;
    report_->unsealed = 0;
  } else {
    Problem(absl::StrCat(segment.name, " checkpoint after record ", seq, " (", segment.offset_word,
                         " ", entry.offset, "): ", absl::StrJoin(faults, "; ")));
    // A good seal under a CA not given: the records are sealed, by a key not trusted here, and
    // calling them unsealed would send the reader after the wrong problem.
    if (sealed && untrusted) {
      ++report_->untrusted;
      report_->unsealed = 0;
    } else if (sealed && revoked) {
      ++report_->revoked;
      report_->unsealed = 0;
    }
  }
  started_ = true;
  resync_ = false;
  previous_hash_ = Sha256(entry.payload);
  previous_entry_ = absl::StrCat("the checkpoint after record ", seq);
}

void TrailCheck::Finish() {
  for (const auto& [gateway, count] : unverified_receipts_) {
    report_->warnings.push_back(absl::StrCat(Plural(count, "receipt", "receipts"), " of gateway ",
                                             gateway, " not checked for ",
                                             count == 1 ? "its signature" : "their signatures",
                                             ": no --peer-cert names gateway ", gateway));
  }
  if (receipt_signers_ != nullptr && !receipt_signers_->checks_chains() &&
      report_->receipts_verified > 0) {
    report_->warnings.push_back(
        "receipt signatures were checked against the --peer-cert certificates as given, not "
        "against the peers' CAs (use --peer-ca CC=FILE)");
  }
  if (checkpoint_vouched_for_any_gateway_ && anchors_->any_gateway_files() > 1) {
    report_->warnings.push_back(
        "checkpoints verified under a certificate vouched for by --ca files given without a "
        "country, any of which may vouch for any gateway's certificate: give each CA with its "
        "country (--ca CC=FILE)");
  }
  // One CA for one peer cannot vouch for another's gateway; several given without a country can.
  if (!vouched_for_any_gateway_.empty() &&
      (vouched_for_any_gateway_.size() > 1 || receipt_signers_->any_gateway_ca_files() > 1)) {
    report_->warnings.push_back(absl::StrCat(
        "the receipts of ", vouched_for_any_gateway_.size() == 1 ? "gateway " : "gateways ",
        absl::StrJoin(vouched_for_any_gateway_, ", "),
        " verified under certificates vouched for by --peer-ca files given without a country, "
        "any of which may vouch for any gateway's certificate: give each peer's CA with its "
        "country (--peer-ca CC=FILE)"));
  }
  if (report_->records == 0 && report_->checkpoints == 0 && report_->problems.empty()) {
    // A gateway stopped before its first exchange leaves its segment empty; so does a trail whose
    // every entry was cut away, and nothing in the trail tells the two apart.
    report_->warnings.push_back(
        "the trail holds no entry: a gateway that carried no exchange leaves it so, and so does a "
        "trail emptied of its entries; the peers' trails tell which (audit reconcile)");
  }
  if (report_->unsealed == 0) return;
  std::string text =
      absl::StrCat(report_->unsealed, report_->unsealed == 1 ? " record" : " records",
                   " after the last checkpoint ", report_->unsealed == 1 ? "is" : "are",
                   " unsealed (", report_->unsealed == 1 ? "record " : "records ", unsealed_from_,
                   report_->unsealed == 1 ? "" : absl::StrCat(" to ", report_->last_sequence), ")");
  if (options_.strict) {
    Problem(std::move(text));
  } else {
    report_->warnings.push_back(std::move(text));
  }
}

}  // namespace

std::string AuditVerifyReport::Summary() const {
  const std::string counts = absl::StrCat(
      Plural(records, "record", "records"), " in ", Plural(segments, "segment", "segments"), ", ",
      Plural(checkpoints, "checkpoint", "checkpoints"), ", ",
      untrusted == 0 ? std::string()
                     : absl::StrCat(untrusted, " signed under a CA not given (untrusted), "),
      revoked == 0 ? std::string() : absl::StrCat(revoked, " signed by a revoked certificate, "),
      unsealed, " unsealed",
      receipts_checked
          ? absl::StrCat(", ", Plural(receipts_verified, "receipt", "receipts"), " verified")
          : std::string());
  if (ok()) return absl::StrCat("audit verify: OK: ", counts);
  return absl::StrCat("audit verify: FAILED: ", Plural(problems.size(), "problem", "problems"),
                      " (", counts, "); first: ", problems.front());
}

AuditVerifier::AuditVerifier(AuditVerifyOptions options, std::unique_ptr<CountryAnchors> anchors,
                             std::unique_ptr<SignerRevocations> revocations,
                             std::unique_ptr<ReceiptSigners> receipt_signers)
    : options_(std::move(options)),
      anchors_(std::move(anchors)),
      revocations_(std::move(revocations)),
      receipt_signers_(std::move(receipt_signers)) {}

AuditVerifier::~AuditVerifier() = default;

absl::StatusOr<std::unique_ptr<AuditVerifier>> AuditVerifier::Create(AuditVerifyOptions options) {
  absl::StatusOr<CaChecks> checkpoint_cas =
      LoadCaChecks(options.ca_files, options.crl_files, "--ca", "--crl");
  if (!checkpoint_cas.ok()) return checkpoint_cas.status();
  std::unique_ptr<ReceiptSigners> receipt_signers;
  if (options.peer_certificate_files.empty() &&
      (!options.peer_ca_files.empty() || !options.peer_crl_files.empty())) {
    return absl::InvalidArgumentError(absl::StrCat(
        options.peer_ca_files.empty() ? "--peer-crl" : "--peer-ca",
        " needs --peer-cert: the peers' CAs vouch for the certificates that verify receipts"));
  }
  if (!options.peer_certificate_files.empty()) {
    absl::StatusOr<std::unique_ptr<ReceiptSigners>> loaded = ReceiptSigners::Load(
        options.peer_certificate_files, options.peer_ca_files, options.peer_crl_files);
    if (!loaded.ok()) return loaded.status();
    receipt_signers = *std::move(loaded);
  }
  return std::unique_ptr<AuditVerifier>(
      new AuditVerifier(std::move(options), std::move(checkpoint_cas->anchors),
                        std::move(checkpoint_cas->revocations), std::move(receipt_signers)));
}

absl::StatusOr<AuditVerifyReport> AuditVerifier::VerifyDatabase(const std::string& path) const {
  absl::StatusOr<PostgresTrailAddress> address = ParsePostgresTrail(path);
  if (!address.ok()) return address.status();
  AuditVerifyReport report;
  TrailCheck check(options_, anchors_.get(), revocations_.get(), receipt_signers_.get(), &report);
  TrailSegment table;
  table.path = path;
  table.offset_word = "position";
  StoredChainHead head;
  uint64_t expected_position = 1;
  absl::Status s = ForEachStoredEntry(
      *address,
      [&](const StoredEntry& stored) {
        if (table.name.empty()) {
          table.name = absl::StrCat("postgresql ", head.gateway);
          report.segments = 1;
        }
        if (stored.position != expected_position) {
          check.Problem(absl::StrCat(table.name, " position ", stored.position, ": ",
                                     stored.position > expected_position
                                         ? absl::StrCat("positions ", expected_position, " to ",
                                                        stored.position - 1, " missing")
                                         : "position out of order"));
        }
        expected_position = stored.position + 1;
        EntryScanner::Entry entry;
        entry.offset = stored.position;
        entry.type = stored.type;
        entry.payload = stored.payload;
        check.Entry(table, entry);
      },
      &head);
  if (!s.ok()) return s;
  if (head.last_position != expected_position - 1) {
    check.Problem(absl::StrCat(
        "postgresql ", head.gateway, ": pasarela_audit_chain says the chain has ",
        head.last_position, " entries, but the last entry in pasarela_audit_entry is at position ",
        expected_position - 1,
        head.last_position > expected_position - 1 ? " (entries deleted)" : ""));
  }
  check.Finish();
  return report;
}

absl::StatusOr<AuditVerifyReport> AuditVerifier::Verify(const std::string& path) const {
  if (IsPostgresTrail(path)) return VerifyDatabase(path);
  absl::StatusOr<std::vector<TrailSegment>> segments = ListTrailSegments(path);
  if (!segments.ok()) return segments.status();
  AuditVerifyReport report;
  TrailCheck check(options_, anchors_.get(), revocations_.get(), receipt_signers_.get(), &report);
  for (size_t i = 0; i < segments->size(); ++i) {
    const TrailSegment& segment = (*segments)[i];
    absl::StatusOr<std::string> content = ReadTrailFile(segment.path);
    if (!content.ok()) return content.status();
    check.Segment(segment, *content, i + 1 == segments->size());
  }
  check.Finish();
  if (anchors_ == nullptr && report.checkpoints > 0) {
    report.warnings.push_back(
        "checkpoint signatures were checked against the certificates they carry, not against a "
        "CA (use --ca FILE)");
  }
  return report;
}

int RunAuditVerify(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  constexpr absl::string_view kUsage =
      "usage: pasarela audit verify PATH [--ca [CC=]FILE]... [--crl FILE]... [--peer-cert "
      "FILE]...\n"
      "                             [--peer-ca [CC=]FILE]... [--peer-crl FILE]... [--strict]\n"
      "  PATH      a segment directory, a single segment file, or a trail in PostgreSQL:\n"
      "            postgresql:CONNINFO_FILE[#GATEWAY]\n"
      "  --ca      CA certificate(s) (PEM) each checkpoint certificate must chain to; CC=FILE\n"
      "            vouches only for gateway CC's certificates\n"
      "  --crl     with --ca: CRL(s) (PEM or DER) of those CAs; a checkpoint signed by a\n"
      "            certificate they revoke fails, whatever its time\n"
      "  --peer-cert  a certificate (PEM) a peer gateway signed receipts with; the receipts\n"
      "            the records keep from that gateway must verify under one of its certificates\n"
      "  --peer-ca   with --peer-cert: the peers' CA certificate(s) (PEM) the certificate that\n"
      "            verifies a receipt must chain to, at the receipt's time; CC=FILE vouches\n"
      "            only for gateway CC's certificates (FILE alone, for any gateway's)\n"
      "  --peer-crl  with --peer-ca: CRL(s) (PEM or DER) of those CAs; a receipt signed by a\n"
      "            certificate they revoke fails, whatever its time\n"
      "  --strict  records after the last checkpoint are a failure, not a warning\n";
  AuditVerifyOptions options;
  std::vector<std::string> paths;
  // The file options, each repeatable, as "--ca FILE" or "--ca=FILE".
  const std::pair<absl::string_view, std::vector<std::string>*> file_options[] = {
      {"--ca", &options.ca_files},
      {"--crl", &options.crl_files},
      {"--peer-cert", &options.peer_certificate_files},
      {"--peer-ca", &options.peer_ca_files},
      {"--peer-crl", &options.peer_crl_files}};
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    const auto file_option =
        std::find_if(std::begin(file_options), std::end(file_options), [&](const auto& option) {
          return arg == option.first || absl::StartsWith(arg, absl::StrCat(option.first, "="));
        });
    if (arg == "-h" || arg == "--help") {
      out << kUsage;
      return 0;
    } else if (arg == "--strict") {
      options.strict = true;
    } else if (file_option != std::end(file_options)) {
      const auto& [name, files] = *file_option;
      if (arg != name) {
        files->push_back(arg.substr(name.size() + 1));
      } else if (i + 1 < args.size()) {
        files->push_back(args[++i]);
      } else {
        err << "audit verify: " << name << " needs a file\n" << kUsage;
        return 2;
      }
    } else if (absl::StartsWith(arg, "-") && arg != "-") {
      err << "audit verify: unknown option " << arg << "\n" << kUsage;
      return 2;
    } else {
      paths.push_back(arg);
    }
  }
  if (paths.size() != 1) {
    err << "audit verify: " << (paths.empty() ? "PATH is missing" : "one PATH only") << "\n"
        << kUsage;
    return 2;
  }
  if (!options.crl_files.empty() && options.ca_files.empty()) {
    err << "audit verify: --crl needs --ca: a CRL is checked against the CA that signed it\n"
        << kUsage;
    return 2;
  }
  absl::StatusOr<std::unique_ptr<AuditVerifier>> verifier = AuditVerifier::Create(options);
  if (!verifier.ok()) {
    err << "audit verify: " << verifier.status().message() << "\n";
    return 2;
  }
  absl::StatusOr<AuditVerifyReport> report = (*verifier)->Verify(paths.front());
  if (!report.ok()) {
    out << "audit verify: FAILED: " << report.status().message() << "\n";
    return 1;
  }
  for (size_t i = 0; i < report->problems.size() && i < kMaxProblemsPrinted; ++i) {
    out << "error: " << report->problems[i] << "\n";
  }
  if (report->problems.size() > kMaxProblemsPrinted) {
    out << "error: ... and " << report->problems.size() - kMaxProblemsPrinted << " more\n";
  }
  for (const std::string& warning : report->warnings) out << "warning: " << warning << "\n";
  out << report->Summary() << "\n";
  return report->ok() ? 0 : 1;
}

}  // namespace pasarela::audit
