#include "cli/commands.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "audit/file_log.h"
#include "cli/textfile_metrics.h"
#include "snapshot/snapshot_store.h"
#include "testing/audit_records.h"
#include "testing/commands.h"
#include "testing/temp_dir.h"

namespace dreichor::cli {
namespace {

constexpr uint64_t kRecords = 600;

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    audit::FileLogOptions options;
    options.segment_bytes = 16 << 10;  // several segments
    audit::RecoveryReport report;
    auto log = audit::FileLog::Open(Env::Default(), audit_dir(), options, &report);
    ASSERT_TRUE(log.ok());
    for (uint64_t s = 1; s <= kRecords; s += 50) {
      ASSERT_TRUE(log.value()->Append(runtime::RecordsForSequences(s, 50)).ok());
    }
  }
  std::string audit_dir() const { return dir_.Sub("audit"); }
  std::string snapshot_dir() const { return dir_.Sub("snapshots"); }

  TempDir dir_;
  std::ostringstream out_, err_;
};

TEST_F(CliTest, AuditVerifyReportsRecordsAndChain) {
  EXPECT_EQ(AuditVerify(audit_dir(), "", out_, err_), kOk) << err_.str();
  EXPECT_NE(out_.str().find("ok: 600 records, last sequence 600"), std::string::npos);
}

TEST_F(CliTest, AuditVerifyNamesWhereTheDamageIs) {
  const std::vector<std::string> segments = audit::SegmentFiles(audit_dir());
  ASSERT_GT(segments.size(), 2u);
  std::filesystem::permissions(segments[0], std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::add);
  std::fstream f(segments[0], std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(300);
  f.put('\x42');
  f.close();
  EXPECT_EQ(AuditVerify(audit_dir(), "", out_, err_), kProblemFound);
  EXPECT_NE(err_.str().find(std::filesystem::path(segments[0]).filename().string()),
            std::string::npos)
      << err_.str();
}

TEST_F(CliTest, MissingDirectoryCannotBeRead) {
  EXPECT_EQ(AuditVerify(dir_.Sub("nope"), "", out_, err_), kCannotRead);
  EXPECT_NE(err_.str().find("nope"), std::string::npos);
}

TEST_F(CliTest, AuditTailPrintsTheLastRecordsInOrder) {
  EXPECT_EQ(AuditTail(audit_dir(), 3, out_, err_), kOk);
  std::istringstream lines(out_.str());
  std::string line;
  std::vector<std::string> got;
  while (std::getline(lines, line)) got.push_back(line);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_TRUE(got[0].starts_with("598 "));
  EXPECT_TRUE(got[2].starts_with("600 "));
}

TEST_F(CliTest, AuditExportWritesCloudEventsThatSortBySequence) {
  EXPECT_EQ(AuditExport(audit_dir(), 9, 11, out_, err_), kOk) << err_.str();
  std::istringstream lines(out_.str());
  std::string line;
  std::vector<nlohmann::json> events;
  while (std::getline(lines, line)) events.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(events.size(), 3u);
  for (const auto& e : events) {
    for (const char* attribute : {"specversion", "id", "source", "type", "time", "subject",
                                  "datacontenttype", "data", "sequence"}) {
      EXPECT_TRUE(e.contains(attribute)) << attribute << " in " << e.dump();
    }
    EXPECT_EQ(e["specversion"], "1.0");
    EXPECT_EQ(e["datacontenttype"], "application/json");
    EXPECT_TRUE(e["type"].get<std::string>().starts_with("com.dreichor.command."));
    EXPECT_EQ(e["data"]["chain_hash"].get<std::string>().size(), 64u);
  }
  EXPECT_EQ(events[0]["sequence"], "00000000000000000009");
  EXPECT_EQ(events[2]["sequence"], "00000000000000000011");
  EXPECT_LT(events[0]["sequence"].get<std::string>(), events[1]["sequence"].get<std::string>());
  EXPECT_TRUE(events[0]["time"].get<std::string>().ends_with("Z"));
  const std::string first_type = events[0]["type"];
  EXPECT_EQ(first_type.substr(21), events[0]["data"]["command"].get<std::string>());
}

// RFC 3986 URI-reference characters: unreserved, reserved (gen- and sub-delims) and "%XX".
bool IsUriReference(const std::string& s) {
  static const std::string kAllowed =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#[]@!$&'()*+,;=";
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size() || !std::isxdigit(static_cast<unsigned char>(s[i + 1])) ||
          !std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
        return false;
      }
      i += 2;
    } else if (kAllowed.find(s[i]) == std::string::npos) {
      return false;
    }
  }
  return true;
}

std::string PercentDecode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      out.push_back(static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

TEST(CloudEventsSource, APathWithSpacesAndNonAsciiCharactersGivesAUriReference) {
  TempDir dir;
  const std::string odd = dir.Sub("audit events \xc3\xbc%20#?");  // a space, "ü", '%', '#', '?'
  audit::RecoveryReport report;
  auto log = audit::FileLog::Open(Env::Default(), odd, audit::FileLogOptions{}, &report);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  ASSERT_TRUE(log.value()->Append(runtime::RecordsForSequences(1, 2)).ok());
  log.value().reset();
  std::ostringstream out, err;
  ASSERT_EQ(AuditExport(odd, 1, 2, out, err), kOk) << err.str();
  std::istringstream lines(out.str());
  std::string line;
  int events = 0;
  while (std::getline(lines, line)) {
    const std::string source = nlohmann::json::parse(line)["source"];
    EXPECT_TRUE(IsUriReference(source)) << source;
    EXPECT_EQ(source.find(' '), std::string::npos) << source;
    EXPECT_EQ(PercentDecode(source), "urn:dreichor:audit:file:" + odd);
    ++events;
  }
  EXPECT_EQ(events, 2);
}

TEST_F(CliTest, ReplayPrintsTheStateHashAtTheRequestedPoint) {
  EXPECT_EQ(Replay(audit_dir(), "", 250, INT64_MAX, out_, err_), kOk) << err_.str();
  EXPECT_NE(out_.str().find("state " + ToHex(runtime::ReferenceEngine(250)->StateHash())),
            std::string::npos)
      << out_.str();
  std::ostringstream by_time;
  EXPECT_EQ(Replay(audit_dir(), "", UINT64_MAX, runtime::TimestampForSequence(250), by_time, err_),
            kOk);
  EXPECT_NE(by_time.str().find("sequence 250\n"), std::string::npos);
}

TEST_F(CliTest, SnapshotVerifyReportsEachSnapshot) {
  snapshot::SnapshotStore store(Env::Default(), snapshot_dir(), snapshot::SnapshotOptions{});
  auto engine = runtime::ReferenceEngine(300);
  audit::RecoveryReport report;
  audit::FileLogOptions options;
  options.read_only = true;
  auto log = audit::FileLog::Open(Env::Default(), audit_dir(), options, &report);
  auto reader = log.value()->ReadFrom(300);
  audit::Record r;
  ASSERT_TRUE(reader.value()->Next(&r).value());
  ASSERT_TRUE(
      store.Write({300, r.chain, engine->StateHash(), 0}, engine->SerializeToString()).ok());
  ASSERT_TRUE(
      store.Write({400, r.chain, engine->StateHash(), 0}, engine->SerializeToString()).ok());
  EXPECT_EQ(SnapshotVerify(snapshot_dir(), audit_dir(), out_, err_), kProblemFound);
  EXPECT_NE(out_.str().find("snap-00000000000000000300.snap: ok"), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("snap-00000000000000000400.snap: proves lost records: it verifies, "
                            "but its chain hash differs"),
            std::string::npos)
      << out_.str();
  std::ostringstream listed;
  EXPECT_EQ(SnapshotList(snapshot_dir(), listed, err_), kOk);
  EXPECT_TRUE(listed.str().starts_with("snap-00000000000000000400.snap"));
}

TEST_F(CliTest, AuditVerifyWithSnapshotsFindsASnapshotAheadOfTheLog) {
  // A snapshot that verifies by itself at sequence 700 of a log that ends at 600: the log lost
  // acknowledged records, although its own chain is intact.
  snapshot::SnapshotStore store(Env::Default(), snapshot_dir(), snapshot::SnapshotOptions{});
  auto engine = runtime::ReferenceEngine(300);
  ASSERT_TRUE(
      store.Write({700, audit::Digest{}, engine->StateHash(), 0}, engine->SerializeToString())
          .ok());
  EXPECT_EQ(AuditVerify(audit_dir(), "", out_, err_), kOk) << "the chain alone is intact";
  std::ostringstream out, err;
  EXPECT_EQ(AuditVerify(audit_dir(), snapshot_dir(), out, err), kProblemFound);
  EXPECT_NE(err.str().find("snap-00000000000000000700.snap proves lost records"), std::string::npos)
      << err.str();
  EXPECT_NE(err.str().find("the log ends at sequence 600"), std::string::npos) << err.str();
}

TEST_F(CliTest, AuditVerifyWithSnapshotsAcceptsSnapshotsThatAgree) {
  snapshot::SnapshotStore store(Env::Default(), snapshot_dir(), snapshot::SnapshotOptions{});
  auto engine = runtime::ReferenceEngine(300);
  audit::RecoveryReport report;
  audit::FileLogOptions options;
  options.read_only = true;
  auto log = audit::FileLog::Open(Env::Default(), audit_dir(), options, &report);
  auto reader = log.value()->ReadFrom(300);
  audit::Record r;
  ASSERT_TRUE(reader.value()->Next(&r).value());
  ASSERT_TRUE(
      store.Write({300, r.chain, engine->StateHash(), 0}, engine->SerializeToString()).ok());
  EXPECT_EQ(AuditVerify(audit_dir(), snapshot_dir(), out_, err_), kOk) << err_.str();
  EXPECT_NE(out_.str().find("agrees with the log"), std::string::npos) << out_.str();
}

TEST_F(CliTest, EnvCheckAcceptsTheExampleAndListsEveryProblem) {
  const std::string good = std::string(DREICHOR_SOURCE_DIR) + "/infra/env/.env.example";
  EXPECT_EQ(EnvCheck(good, out_, err_), kOk) << err_.str();
  const std::string bad = dir_.Sub("bad.env");
  std::ofstream(bad) << "DREICHOR_ENV=qa\nDREICHOR_ADMIN_TOKEN=tiny-secret\n";
  std::ostringstream err;
  EXPECT_EQ(EnvCheck(bad, out_, err), kProblemFound);
  EXPECT_NE(err.str().find("DREICHOR_ENV must be one of"), std::string::npos);
  EXPECT_NE(err.str().find("DREICHOR_LISTEN is required but missing"), std::string::npos);
  EXPECT_EQ(err.str().find("tiny-secret"), std::string::npos) << "a secret was printed";
  EXPECT_EQ(EnvCheck(dir_.Sub("missing.env"), out_, err_), kCannotRead);
}

TEST(ParseUtcTimeTest, AcceptsRfc3339UtcWithOptionalFraction) {
  int64_t ns = 0;
  ASSERT_TRUE(ParseUtcTime("2025-11-22T00:00:00Z", &ns));
  EXPECT_EQ(ns, 1'763'769'600'000'000'000);
  ASSERT_TRUE(ParseUtcTime("2025-11-22T00:00:00.5Z", &ns));
  EXPECT_EQ(ns, 1'763'769'600'500'000'000);
  for (const char* bad : {"2025-11-22", "2025-11-22T00:00:00", "2025-11-22T00:00:00+01:00",
                          "2025-11-22T00:00:00.1234567891Z", "yesterday"}) {
    EXPECT_FALSE(ParseUtcTime(bad, &ns)) << bad;
  }
}

TEST(ParseUtcTimeTest, TimesBeyondNanosecondRangeAreRefusedNotWrapped) {
  int64_t ns = 0;
  ASSERT_TRUE(ParseUtcTime("2262-04-11T23:47:16Z", &ns));  // the last whole second that fits
  EXPECT_GT(ns, 0);
  EXPECT_FALSE(ParseUtcTime("2262-04-11T23:47:17Z", &ns));
  EXPECT_FALSE(ParseUtcTime("9999-12-31T23:59:59Z", &ns));
}

std::string ReadAll(const std::string& path) {
  std::ifstream f(path);
  std::stringstream text;
  text << f.rdbuf();
  return text.str();
}

TEST_F(CliTest, AuditVerifyRecordedWritesTheOutcomeForTheTextfileCollector) {
  const std::string metrics = dir_.Sub("dreichor-prod.prom");
  EXPECT_EQ(AuditVerifyRecorded(audit_dir(), "", metrics, "prod", out_, err_), kOk) << err_.str();
  const std::string text = ReadAll(metrics);
  EXPECT_NE(text.find("dreichor_audit_verify_ok{env=\"prod\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("dreichor_audit_verify_exit_code{env=\"prod\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("dreichor_audit_verify_records{env=\"prod\"} 600\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE dreichor_audit_verify_last_run_timestamp_seconds gauge"),
            std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(metrics + ".tmp"));
}

TEST_F(CliTest, AuditVerifyRecordedReportsDamageAsNotOk) {
  const std::vector<std::string> segments = audit::SegmentFiles(audit_dir());
  std::filesystem::permissions(segments[1], std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::add);
  std::fstream f(segments[1], std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(200);
  f.put('\x17');
  f.close();
  const std::string metrics = dir_.Sub("dreichor-prod.prom");
  EXPECT_EQ(AuditVerifyRecorded(audit_dir(), "", metrics, "prod", out_, err_), kProblemFound);
  const std::string text = ReadAll(metrics);
  EXPECT_NE(text.find("dreichor_audit_verify_ok{env=\"prod\"} 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("dreichor_audit_verify_exit_code{env=\"prod\"} 1\n"), std::string::npos);
}

TEST_F(CliTest, AuditVerifyRecordedReportsAnUnreadableLogAsNotOk) {
  const std::string metrics = dir_.Sub("dreichor-dev.prom");
  EXPECT_EQ(AuditVerifyRecorded(dir_.Sub("nope"), "", metrics, "dev", out_, err_), kCannotRead);
  EXPECT_NE(ReadAll(metrics).find("dreichor_audit_verify_ok{env=\"dev\"} 0\n"), std::string::npos);
}

TEST_F(CliTest, AuditVerifyRecordedRefusesAnEnvThatWouldBreakTheLabel) {
  const std::string metrics = dir_.Sub("x.prom");
  for (const std::string& env :
       std::vector<std::string>{"", "prod\"} 1\nevil{a=\"b", "Prod", std::string(33, 'a')}) {
    EXPECT_EQ(AuditVerifyRecorded(audit_dir(), "", metrics, env, out_, err_), kUsage) << env;
  }
  EXPECT_FALSE(std::filesystem::exists(metrics));
  EXPECT_NE(err_.str().find("--env"), std::string::npos);
}

TEST_F(CliTest, AuditVerifyRecordedSaysWhenTheMetricsFileCannotBeWritten) {
  const std::string metrics = dir_.Sub("no-such-dir") + "/x.prom";
  EXPECT_EQ(AuditVerifyRecorded(audit_dir(), "", metrics, "prod", out_, err_), kCannotRead);
  EXPECT_NE(err_.str().find("cannot write the metrics file"), std::string::npos) << err_.str();
}

// The scheduled verification runs beside the live runtime: a writer appending and rolling
// segments while it reads never makes it report damage.
TEST_F(CliTest, AuditVerifyToleratesALiveWriter) {
  audit::FileLogOptions options;
  options.segment_bytes = 16 << 10;
  audit::RecoveryReport report;
  auto log = audit::FileLog::Open(Env::Default(), audit_dir(), options, &report);
  ASSERT_TRUE(log.ok());
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> appended{kRecords};
  std::thread writer([&] {
    for (uint64_t s = kRecords + 1; !stop.load() && s < 200'000; s += 7) {
      if (!log.value()->Append(runtime::RecordsForSequences(s, 7)).ok()) return;
      appended.store(s + 6);
    }
  });
  int runs = 0;
  while (runs < 30 || appended.load() < kRecords + 2000) {
    std::ostringstream out, err;
    uint64_t records = 0;
    ASSERT_EQ(AuditVerify(audit_dir(), "", out, err, &records), kOk) << err.str();
    EXPECT_GE(records, kRecords);
    ++runs;
    if (runs > 2000) break;
  }
  stop.store(true);
  writer.join();
  EXPECT_GT(appended.load(), kRecords + 2000) << "the writer must have rolled several segments";
}

}  // namespace
}  // namespace dreichor::cli
