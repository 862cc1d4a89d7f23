#include "cli/evidence_commands.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <sstream>

#include "audit/file_log.h"
#include "audit/log_format.h"
#include "evidence/checkpoint.h"
#include "evidence/tree_store.h"
#include "testing/commands.h"
#include "testing/temp_dir.h"

namespace dreichor::cli {
namespace {

class EvidenceCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    signer_ = evidence::NoteSigner::Generate("dreichor.test/prod/audit").value();
    Append(log_dir(), 1, 300);
  }

  std::string log_dir() const { return dir_.path() + "/audit"; }

  // Records first..last, each timestamp shifted by `shift` (another history when non-zero).
  static void Append(const std::string& dir, uint64_t first, uint64_t last, int64_t shift = 0) {
    audit::RecoveryReport report;
    auto log = audit::FileLog::Open(Env::Default(), dir, audit::FileLogOptions{}, &report);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    auto records = runtime::RecordsForSequences(first, last - first + 1);
    for (auto& r : records) r.timestamp_ns += shift;
    ASSERT_TRUE(log.value()->Append(records).ok());
  }

  // A checkpoint of the log's first `size` records signed by signer_, written to `file`.
  void SignCheckpoint(const std::string& dir, uint64_t size, const std::string& file) {
    std::ostringstream out, err;
    ASSERT_EQ(AuditCheckpoint(LogSource(dir), size, out, err), kOk) << err.str();
    std::istringstream lines(out.str());
    std::string key, root;
    uint64_t got = 0;
    lines >> key >> got >> key >> root;
    const std::optional<evidence::Hash> decoded = evidence::HashFromBase64(root);
    ASSERT_TRUE(decoded.has_value()) << root;
    const evidence::Checkpoint c{signer_->name(), got, *decoded};
    std::ofstream(file) << evidence::SignNote(c.Body(), *signer_);
  }

  // The byte offset where record `sequence` ends in the log's only segment.
  static uint64_t EndOfRecord(const std::string& segment, uint64_t sequence) {
    std::string bytes;
    EXPECT_TRUE(Env::Default()->ReadFile(segment, &bytes).ok());
    size_t offset = audit::kSegmentHeaderSize;
    audit::Record r;
    for (uint64_t s = 1; s <= sequence; ++s) {
      size_t used = 0;
      EXPECT_EQ(audit::ParseRecord(std::string_view(bytes).substr(offset), &r, &used),
                audit::ParseResult::kOk);
      offset += used;
    }
    return offset;
  }

  // What someone who can write the disk does: cut the log after record `keep` and write a new
  // tail with a recomputed chain. `dreichor audit verify` finds nothing wrong with the result.
  std::string Rewritten(uint64_t keep, uint64_t new_last) {
    const std::string copy = dir_.path() + "/rewritten";
    std::filesystem::copy(log_dir(), copy, std::filesystem::copy_options::recursive);
    const std::string segment = copy + "/seg-00000000000000000001.log";
    ::chmod(segment.c_str(), 0644);
    EXPECT_TRUE(Env::Default()->TruncateFile(segment, EndOfRecord(segment, keep)).ok());
    if (new_last > keep) Append(copy, keep + 1, new_last, /*shift=*/1);
    std::ostringstream out, err;
    EXPECT_EQ(AuditVerify(LogSource(copy), "", out, err), kOk) << err.str();
    return copy;
  }

  int Check(const std::string& dir, const std::string& checkpoint, std::string* out_text,
            std::string* err_text) {
    std::ostringstream out, err;
    const int code = AuditCheck(LogSource(dir), checkpoint, signer_->VerifierKey(), out, err);
    *out_text = out.str();
    *err_text = err.str();
    return code;
  }

  TempDir dir_;
  std::unique_ptr<evidence::NoteSigner> signer_;
};

TEST_F(EvidenceCommandsTest, TheLogMatchesItsCheckpointAndStillDoesAfterGrowing) {
  const std::string cp = dir_.path() + "/300.checkpoint";
  SignCheckpoint(log_dir(), 300, cp);
  std::string out, err;
  EXPECT_EQ(Check(log_dir(), cp, &out, &err), kOk) << err;
  EXPECT_NE(out.find("the log's first 300 records match"), std::string::npos) << out;
  Append(log_dir(), 301, 420);
  EXPECT_EQ(Check(log_dir(), cp, &out, &err), kOk) << err;
}

TEST_F(EvidenceCommandsTest, ATailRewrittenAfterTheCheckpointIsReportedInconsistent) {
  const std::string cp = dir_.path() + "/300.checkpoint";
  SignCheckpoint(log_dir(), 300, cp);
  const std::string rewritten = Rewritten(250, 330);
  std::string out, err;
  EXPECT_EQ(Check(rewritten, cp, &out, &err), kProblemFound);
  EXPECT_NE(err.find("inconsistent with " + cp + ": the log's first 300 records hash to"),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("rewritten after that checkpoint was signed"), std::string::npos) << err;
}

TEST_F(EvidenceCommandsTest, ATruncatedLogIsReportedShort) {
  const std::string cp = dir_.path() + "/300.checkpoint";
  SignCheckpoint(log_dir(), 300, cp);
  std::string out, err;
  EXPECT_EQ(Check(Rewritten(280, 280), cp, &out, &err), kProblemFound);
  EXPECT_NE(err.find("the log holds 280 records"), std::string::npos) << err;
  EXPECT_NE(err.find("truncated"), std::string::npos) << err;
}

TEST_F(EvidenceCommandsTest, ADirectoryOfCheckpointsIsCheckedInOnePass) {
  const std::string witness = dir_.path() + "/witness";
  std::filesystem::create_directory(witness);
  for (uint64_t size : {1, 77, 256, 300}) {
    SignCheckpoint(log_dir(), size, witness + "/" + std::to_string(size) + ".checkpoint");
  }
  std::string out, err;
  EXPECT_EQ(Check(log_dir(), witness, &out, &err), kOk) << err;
  EXPECT_NE(out.find("ok: 4 checkpoint(s)"), std::string::npos) << out;
  // Only the checkpoints after the rewrite point disagree, and each is named.
  EXPECT_EQ(Check(Rewritten(100, 300), witness, &out, &err), kProblemFound);
  EXPECT_NE(out.find("first 77 records match"), std::string::npos) << out;
  EXPECT_NE(err.find("256.checkpoint"), std::string::npos) << err;
  EXPECT_NE(err.find("300.checkpoint"), std::string::npos) << err;
}

TEST_F(EvidenceCommandsTest, ACheckpointNotSignedByTheKeyIsRefused) {
  const std::string cp = dir_.path() + "/300.checkpoint";
  SignCheckpoint(log_dir(), 300, cp);
  std::string note;
  ASSERT_TRUE(Env::Default()->ReadFile(cp, &note).ok());
  note[note.find('\n') + 1] = '2';  // the tree size, changed after signing
  std::ofstream(cp) << note;
  std::string out, err;
  EXPECT_EQ(Check(log_dir(), cp, &out, &err), kProblemFound);
  EXPECT_NE(err.find("does not verify"), std::string::npos) << err;

  auto other = evidence::NoteSigner::Generate(signer_->name()).value();
  std::ostringstream o, e;
  SignCheckpoint(log_dir(), 300, cp);
  EXPECT_EQ(AuditCheck(LogSource(log_dir()), cp, other->VerifierKey(), o, e), kProblemFound);
  EXPECT_NE(e.str().find("has no signature by"), std::string::npos) << e.str();
  EXPECT_EQ(AuditCheck(LogSource(log_dir()), cp, "not a key", o, e), kUsage);
}

TEST_F(EvidenceCommandsTest, ProofsFromTheLogVerify) {
  std::ostringstream out, err;
  ASSERT_EQ(AuditProveInclusion(LogSource(log_dir()), 42, 200, out, err), kOk) << err.str();
  auto j = nlohmann::json::parse(out.str());
  auto decode = [](const nlohmann::json& v) {
    return evidence::HashFromBase64(v.get<std::string>()).value();
  };
  std::vector<evidence::Hash> proof;
  for (const auto& h : j["hashes"]) proof.push_back(decode(h));
  EXPECT_TRUE(
      evidence::VerifyInclusion(decode(j["leaf_hash"]), 41, 200, proof, decode(j["root_hash"])));
  std::ostringstream cout_, cerr_;
  ASSERT_EQ(AuditProveConsistency(LogSource(log_dir()), 120, 0, cout_, cerr_), kOk);
  auto c = nlohmann::json::parse(cout_.str());
  EXPECT_EQ(c["to"], 300);
  proof.clear();
  for (const auto& h : c["hashes"]) proof.push_back(decode(h));
  EXPECT_TRUE(evidence::VerifyConsistency(120, 300, decode(c["from_root_hash"]),
                                          decode(c["to_root_hash"]), proof));
  std::ostringstream o, e;
  EXPECT_EQ(AuditProveInclusion(LogSource(log_dir()), 301, 0, o, e), kUsage);
}

TEST_F(EvidenceCommandsTest, KeygenWritesAPrivateFileAndNeverPrintsTheSecret) {
  const std::string file = dir_.path() + "/key";
  std::ostringstream out, err;
  ASSERT_EQ(AuditKeygen("dreichor.test/prod/audit", file, out, err), kOk) << err.str();
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::string secret;
  ASSERT_TRUE(Env::Default()->ReadFile(file, &secret).ok());
  secret.pop_back();
  auto signer = evidence::NoteSigner::Parse(secret);
  ASSERT_TRUE(signer.ok());
  // The seed is everything after PRIVATE+KEY+<name>+<key id>+ (base64 has '+' of its own).
  const std::string seed =
      secret.substr(std::string("PRIVATE+KEY+").size() + signer.value()->name().size() + 1 + 8 + 1);
  EXPECT_EQ(out.str().find(seed), std::string::npos);
  EXPECT_NE(out.str().find(signer.value()->VerifierKey()), std::string::npos);
  EXPECT_EQ(AuditKeygen("dreichor.test/prod/audit", file, out, err), kCannotRead);  // exists
  EXPECT_EQ(AuditKeygen("has space", dir_.path() + "/k2", out, err), kUsage);
}

}  // namespace
}  // namespace dreichor::cli
