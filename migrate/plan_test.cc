// Migration files and plans: names, directives, rollback pairing, drift, order, contract opt-in.
#include "migrate/plan.h"

#include <gtest/gtest.h>

#include <fstream>

#include "testing/temp_dir.h"
#include "util/sha256.h"

namespace dreichor::migrate {
namespace {

class MigrationSetTest : public ::testing::Test {
 protected:
  void Write(const std::string& name, const std::string& sql) {
    std::ofstream(dir_.Sub(name)) << sql;
  }
  Result<std::vector<Migration>> Load() { return LoadMigrations(Env::Default(), dir_.path()); }

  TempDir dir_;
};

TEST_F(MigrationSetTest, LoadsInVersionOrderWithChecksumsAndDirectives) {
  Write("0002_expand_index.sql",
        "-- Adds an index.\n-- dreichor: non-transactional\n\nCREATE INDEX CONCURRENTLY i ON "
        "t(x);\n");
  Write("0001_expand_tables.sql", "CREATE TABLE t (x int);\n");
  Write("0003_contract_drop.sql", "-- dreichor: per-tenant\nDROP TABLE old;\n");
  Write("0003_contract_drop.rollback.sql", "CREATE TABLE old (x int);\n");
  Write("README.md", "ignored");
  auto all = Load();
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all.value().size(), 3u);
  const Migration& first = all.value()[0];
  EXPECT_EQ(first.version, 1u);
  EXPECT_EQ(first.name, "tables");
  EXPECT_EQ(first.phase, Phase::kExpand);
  EXPECT_TRUE(first.transactional);
  EXPECT_EQ(first.checksum, ToHex(Sha256::Of("CREATE TABLE t (x int);\n")));
  EXPECT_FALSE(all.value()[1].transactional);
  const Migration& contract = all.value()[2];
  EXPECT_EQ(contract.phase, Phase::kContract);
  EXPECT_TRUE(contract.per_tenant);
  EXPECT_EQ(contract.rollback_file, "0003_contract_drop.rollback.sql");
  EXPECT_EQ(contract.rollback_sql, "CREATE TABLE old (x int);\n");
}

TEST_F(MigrationSetTest, AContractWithoutItsRollbackRefusesTheDirectory) {
  Write("0001_expand_tables.sql", "CREATE TABLE t (x int);");
  Write("0002_contract_drop.sql", "DROP TABLE t;");
  auto all = Load();
  ASSERT_FALSE(all.ok());
  EXPECT_NE(all.status().message().find("0002_contract_drop.rollback.sql"), std::string::npos)
      << all.status().message();
}

TEST_F(MigrationSetTest, BadNamesRepeatedVersionsStrayRollbacksAndDirectivesAreRefused) {
  struct Case {
    std::vector<std::pair<std::string, std::string>> files;
    std::string named;
  };
  const std::vector<Case> cases = {
      {{{"1_expand_x.sql", "SELECT 1;"}}, "1_expand_x.sql"},
      {{{"0001_grow_x.sql", "SELECT 1;"}}, "0001_grow_x.sql"},
      {{{"0001_expand_Bad.sql", "SELECT 1;"}}, "0001_expand_Bad.sql"},
      {{{"0001_expand_a.sql", "SELECT 1;"}, {"0001_expand_b.sql", "SELECT 2;"}},
       "0001_expand_b.sql"},
      {{{"0001_contract_a.rollback.sql", "SELECT 1;"}}, "0001_contract_a.rollback.sql"},
      {{{"0001_expand_a.sql", "-- dreichor: sometimes\nSELECT 1;"}}, "sometimes"},
      {{{"0001_expand_a.sql", "  \n"}}, "empty"},
  };
  for (const Case& c : cases) {
    TempDir dir;
    for (const auto& [name, sql] : c.files) std::ofstream(dir.Sub(name)) << sql;
    auto all = LoadMigrations(Env::Default(), dir.path());
    ASSERT_FALSE(all.ok()) << c.named;
    EXPECT_NE(all.status().message().find(c.named), std::string::npos) << all.status().message();
  }
}

Migration Make(uint32_t version, Phase phase, const std::string& sql) {
  char file[64];
  snprintf(file, sizeof(file), "%04u_%s_m%u.sql", version, PhaseName(phase), version);
  return ParseMigration(file, sql).value();
}

JournalEntry Applied(const Migration& m) {
  return JournalEntry{m.version, m.name, m.phase, m.checksum, "sha256", "", "", 0};
}

std::vector<const Migration*> Ptrs(const std::vector<Migration>& all) {
  return ForTarget(all, false);
}

TEST(PlanTest, PendingRunInOrderAndStopBeforeAContractWithoutOptIn) {
  std::vector<Migration> all = {Make(1, Phase::kExpand, "A"), Make(2, Phase::kExpand, "B"),
                                Make(3, Phase::kContract, "C"), Make(4, Phase::kExpand, "D")};
  TargetStatus status = Compare(Ptrs(all), {Applied(all[0])});
  ASSERT_EQ(status.applied.size(), 1u);
  ASSERT_EQ(status.pending.size(), 3u);
  auto plan = MakePlan(status, /*allow_contract=*/false);
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan.value().apply.size(), 1u);
  EXPECT_EQ(plan.value().apply[0]->version, 2u);
  ASSERT_EQ(plan.value().waiting.size(), 2u);
  EXPECT_EQ(plan.value().waiting[0]->version, 3u);
  auto allowed = MakePlan(status, /*allow_contract=*/true);
  ASSERT_TRUE(allowed.ok());
  EXPECT_EQ(allowed.value().apply.size(), 3u);
  EXPECT_TRUE(allowed.value().waiting.empty());
}

TEST(PlanTest, AChangedOrMissingAppliedFileIsDriftAndNothingApplies) {
  std::vector<Migration> all = {Make(1, Phase::kExpand, "A"), Make(2, Phase::kExpand, "B")};
  JournalEntry changed = Applied(all[0]);
  changed.checksum = ToHex(Sha256::Of("A but different"));
  JournalEntry gone = Applied(Make(7, Phase::kExpand, "G"));
  TargetStatus status = Compare(Ptrs(all), {changed, gone});
  ASSERT_EQ(status.drifted.size(), 2u);
  auto plan = MakePlan(status, true);
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("0001_expand_m1.sql"), std::string::npos);
  EXPECT_NE(plan.status().message().find("m7"), std::string::npos);
}

TEST(PlanTest, APendingVersionBelowAnAppliedOneIsRefused) {
  std::vector<Migration> all = {Make(1, Phase::kExpand, "A"), Make(2, Phase::kExpand, "B")};
  TargetStatus status = Compare(Ptrs(all), {Applied(all[1])});
  auto plan = MakePlan(status, false);
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("0001_expand_m1.sql"), std::string::npos);
}

TEST(PlanTest, EverythingAppliedIsAnEmptyPlan) {
  std::vector<Migration> all = {Make(1, Phase::kExpand, "A")};
  auto plan = MakePlan(Compare(Ptrs(all), {Applied(all[0])}), false);
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan.value().apply.empty());
  EXPECT_TRUE(plan.value().waiting.empty());
}

}  // namespace
}  // namespace dreichor::migrate
