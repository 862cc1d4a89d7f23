// dreichor-migrate: moves a PostgreSQL schema through the reviewed, versioned migrations in
// infra/db/migrations/ (infra/db/README.md). Connects with DATABASE_URL only.
//
//   dreichor-migrate status   [--dir D] [--target S | --all-tenants]
//   dreichor-migrate plan     [...] [--allow-contract]
//   dreichor-migrate apply    [...] [--allow-contract] [--lock-timeout-ms N]
//   dreichor-migrate dry-run  [...] [--allow-contract]
//   dreichor-migrate verify   [...]
//   dreichor-migrate rollback VERSION --allow-contract [--target S]
//
// Exit codes: 0 done (or nothing to do), 1 refused or failed (drift, a failing migration, the
// lock held, pending migrations for verify), 2 usage, 3 cannot connect or read the files.
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

#include "config/env_check.h"
#include "migrate/migrator.h"

namespace {

using namespace dreichor;
using namespace dreichor::migrate;

constexpr int kOk = 0, kFailed = 1, kUsage = 2, kCannot = 3;

struct Options {
  std::string dir = "infra/db/migrations";
  std::string target = "public";
  bool all_tenants = false;
  bool allow_contract = false;
  int lock_timeout_ms = 30'000;
  uint32_t version = 0;
};

void PrintStatus(const std::string& target, const TargetStatus& s) {
  std::cout << "target " << target << ": " << s.applied.size() << " applied, " << s.pending.size()
            << " pending, " << s.drifted.size() << " drifted\n";
  for (const Migration* m : s.applied) std::cout << "  applied  " << m->file << "\n";
  for (const Migration* m : s.pending) std::cout << "  pending  " << m->file << "\n";
  for (const Drift& d : s.drifted) std::cout << "  DRIFTED  " << d.file << ": " << d.why << "\n";
}

// Runs `command` for one target; returns an exit code.
int RunOne(const std::string& command, Migrator& m, const std::string& target, bool tenant,
           const Options& o) {
  if (command == "status" || command == "verify") {
    auto s = m.StatusOf(target, tenant);
    if (!s.ok()) {
      std::cerr << target << ": " << s.status().message() << "\n";
      return kFailed;
    }
    PrintStatus(target, s.value());
    if (!s.value().drifted.empty()) return kFailed;
    if (command == "verify" && !s.value().pending.empty()) return kFailed;
    return kOk;
  }
  if (command == "plan" || command == "dry-run") {
    auto s = m.StatusOf(target, tenant);
    if (!s.ok()) {
      std::cerr << target << ": " << s.status().message() << "\n";
      return kFailed;
    }
    auto plan = MakePlan(s.value(), o.allow_contract);
    if (!plan.ok()) {
      std::cerr << target << ": " << plan.status().message() << "\n";
      return kFailed;
    }
    if (command == "plan") {
      std::cout << "target " << target << ": " << plan.value().apply.size() << " to apply\n";
      for (const Migration* p : plan.value().apply) {
        std::cout << "  apply    " << p->file << (p->transactional ? "" : "  (non-transactional)")
                  << "\n";
      }
      for (const Migration* p : plan.value().waiting) {
        std::cout << "  waiting  " << p->file
                  << (p->phase == Phase::kContract && !o.allow_contract
                          ? "  (contract: needs --allow-contract)"
                          : "  (after a held-back contract migration)")
                  << "\n";
      }
      return kOk;
    }
    auto report = m.DryRun(target, tenant, o.allow_contract);
    if (!report.ok()) {
      std::cerr << target << ": " << report.status().message() << "\n";
      return kFailed;
    }
    for (const std::string& f : report.value().checked) std::cout << "  ok       " << f << "\n";
    for (const std::string& f : report.value().not_dry_runnable) {
      std::cout << "  NOT RUN  " << f << "  (non-transactional: cannot be dry-run)\n";
    }
    if (!report.value().failed_file.empty()) {
      std::cerr << target << ": " << report.value().failed_file << ": " << report.value().failure
                << "\n";
      return kFailed;
    }
    std::cout << "target " << target << ": dry run rolled back; nothing changed\n";
    return kOk;
  }
  // apply and rollback change the target: one migrator at a time.
  if (Status s = m.Lock(target, std::chrono::milliseconds(o.lock_timeout_ms)); !s.ok()) {
    std::cerr << s.message() << "\n";
    return kFailed;
  }
  int code = kOk;
  if (command == "apply") {
    auto report = m.Apply(target, tenant, o.allow_contract);
    if (!report.ok()) {
      std::cerr << target << ": " << report.status().message() << "\n";
      code = kFailed;
    } else {
      for (const std::string& f : report.value().applied) std::cout << "  applied  " << f << "\n";
      for (const std::string& f : report.value().waiting) std::cout << "  waiting  " << f << "\n";
      std::cout << "target " << target << ": " << report.value().applied.size() << " applied\n";
    }
  } else {
    Status s = m.Rollback(target, o.version);
    if (!s.ok()) {
      std::cerr << target << ": " << s.message() << "\n";
      code = kFailed;
    } else {
      std::cout << "target " << target << ": rolled back version " << o.version << "\n";
    }
  }
  (void)m.Unlock(target);
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Dreichor database migrations (expand/contract), per target schema"};
  app.set_version_flag("--version", config::VersionLine("dreichor-migrate"));
  app.require_subcommand(1);
  Options o;
  std::string command;
  for (const char* name : {"status", "plan", "apply", "dry-run", "verify", "rollback"}) {
    auto* sub = app.add_subcommand(name);
    sub->add_option("--dir", o.dir, "Migrations directory");
    auto* target = sub->add_option("--target", o.target, "Target schema");
    if (std::string(name) != "rollback") {
      sub->add_flag("--all-tenants", o.all_tenants,
                    "Per-tenant migrations, for every schema in <target>.dreichor_tenants")
          ->excludes(target);
    }
    if (std::string(name) != "status" && std::string(name) != "verify") {
      sub->add_flag("--allow-contract", o.allow_contract, "Allow contract migrations");
    }
    sub->add_option("--lock-timeout-ms", o.lock_timeout_ms, "Wait for another migrator");
    if (std::string(name) == "rollback") {
      sub->add_option("version", o.version, "The contract migration's version")->required();
    }
    sub->callback([&command, name] { command = name; });
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kOk : kUsage;
  }
  if (command == "rollback" && !o.allow_contract) {
    std::cerr << "rollback runs a contract migration's rollback file: it needs --allow-contract\n";
    return kUsage;
  }
  const char* url = std::getenv("DATABASE_URL");
  if (url == nullptr || *url == '\0') {
    std::cerr << "DATABASE_URL is not set\n";
    return kUsage;
  }
  auto migrations = LoadMigrations(Env::Default(), o.dir);
  if (!migrations.ok()) {
    std::cerr << migrations.status().message() << "\n";
    return migrations.status().code() == StatusCode::kIoError ? kCannot : kFailed;
  }
  auto conn = PgConnection::Connect(url);
  if (!conn.ok()) {
    std::cerr << conn.status().message() << "\n";
    return kCannot;
  }
  Migrator migrator(conn.value().get(), &migrations.value());
  if (!o.all_tenants) return RunOne(command, migrator, o.target, /*tenant=*/false, o);
  auto tenants = migrator.Tenants(o.target);
  if (!tenants.ok()) {
    std::cerr << tenants.status().message() << "\n";
    return kFailed;
  }
  std::vector<std::string> done;
  for (const std::string& tenant : tenants.value()) {
    const int code = RunOne(command, migrator, tenant, /*tenant=*/true, o);
    if (code != kOk) {
      std::cerr << "stopped at tenant " << tenant << "; done before it:";
      for (const std::string& d : done) std::cerr << " " << d;
      std::cerr << (done.empty() ? " none\n" : "\n");
      return code;
    }
    done.push_back(tenant);
  }
  std::cout << done.size() << " tenant schema(s) done\n";
  return kOk;
}
