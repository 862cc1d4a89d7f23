// dreichor: the operator's command-line tool (docs/cli.md).
#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>
#include <limits>

#include "cli/commands.h"
#include "cli/copy_commands.h"
#include "cli/deploy_history.h"
#include "cli/evidence_commands.h"
#include "cli/failover.h"
#include "config/env_check.h"
#include "config/env_config.h"

namespace {

// A duration option ("250ms", "10s", "5m", "1h") into `*ms`.
CLI::Option* AddDuration(CLI::App* app, const std::string& name, std::chrono::milliseconds* ms,
                         const std::string& help) {
  return app->add_option_function<std::string>(
      name,
      [ms, name](const std::string& text) {
        int64_t parsed = 0;
        if (!dreichor::config::ParseDurationMs(text, &parsed) || parsed <= 0) {
          throw CLI::ValidationError(name, "expected a duration such as 500ms, 10s, 5m or 1h");
        }
        *ms = std::chrono::milliseconds(parsed);
      },
      help);
}

// Where `cmd` reads its audit log: the directory `name` (positional, or an option when `name`
// starts with "-"), or --database-url and --schema. Exactly one of the two; checked by
// LogSourceGiven before the command runs.
void AddLogSource(CLI::App* cmd, const std::string& name, dreichor::cli::LogSource* source) {
  auto* dir = cmd->add_option(name, source->dir, "Audit log directory (file backend)");
  auto* url = cmd->add_option("--database-url", source->database_url,
                              "The PostgreSQL log instead: postgres://user@host/db (the password "
                              "from PGPASSWORD or ~/.pgpass, never on the command line)");
  cmd->add_option("--schema", source->schema, "The PostgreSQL log's schema (default dreichor)")
      ->needs(url);
  dir->excludes(url);
}

bool LogSourceGiven(const dreichor::cli::LogSource& source, int* code) {
  if (source.dir.empty() && source.database_url.empty()) {
    std::cerr << "give the audit log: a directory, or --database-url\n";
    *code = dreichor::cli::kUsage;
    return false;
  }
  return true;
}

// `dreichor audit ship` and `dreichor audit restore` (cli/copy_commands.h).
void AddShipAndRestore(CLI::App* audit, int* code) {
  static dreichor::cli::ShipCommand ship;
  auto* s = audit->add_subcommand(
      "ship", "Keep a verified copy of the log in a second place (runs until stopped)");
  s->add_option("dir", ship.audit_dir, "Audit log directory")->required();
  s->add_option("--to", ship.copy_dir, "The copy's directory (on another disk or machine)")
      ->required();
  s->add_flag("--once", ship.once, "One pass, checking every copied segment again, then exit");
  AddDuration(s, "--interval", &ship.interval, "Time between passes (default 10s)");
  AddDuration(s, "--verify-every", &ship.verify_every,
              "How often every copied segment is checked again (default 24h)");
  auto* metrics = s->add_option("--metrics-file", ship.metrics_file,
                                "Write each pass's outcome for node_exporter's textfile collector");
  s->add_option("--env", ship.env, "The env label of those metrics")->needs(metrics);
  metrics->needs("--env");
  auto* checkpoint = s->add_option(
      "--checkpoint", ship.checkpoint_file,
      "The runtime's newest checkpoint (<snapshots>/audit-tree/checkpoint): kept beside the copy");
  s->add_option("--witness", ship.witness_dir, "Also keep each checkpoint in this directory")
      ->needs(checkpoint);
  s->add_flag("--immutable", ship.immutable,
              "Make each kept segment and checkpoint immutable (chattr +i; ext4/XFS, as root)");
  s->callback([code] { *code = dreichor::cli::AuditShip(ship, std::cout, std::cerr); });

  static std::string from, to;
  auto* r = audit->add_subcommand("restore", "Rebuild an audit log directory from its copy");
  r->add_option("--from", from, "The copy's directory")->required();
  r->add_option("--to", to, "The audit log directory to create (absent or empty)")->required();
  r->callback([code] { *code = dreichor::cli::AuditRestore(from, to, std::cout, std::cerr); });
}

void AddEvidence(CLI::App* audit, int* code) {
  static std::string origin, secret_file, checkpoint, public_key;
  static dreichor::cli::LogSource source;
  static uint64_t sequence = 0, tree_size = 0, from = 0, to = 0;
  auto* keygen = audit->add_subcommand("keygen", "Create a key that signs checkpoints");
  keygen->add_option("--origin", origin, "The log's name, e.g. dreichor.example/prod/audit")
      ->required();
  keygen->add_option("--secret-file", secret_file, "Where to write the secret key (mode 0600)")
      ->required();
  keygen->callback(
      [code] { *code = dreichor::cli::AuditKeygen(origin, secret_file, std::cout, std::cerr); });

  auto* cp = audit->add_subcommand("checkpoint", "Print the log's Merkle tree size and root");
  AddLogSource(cp, "dir", &source);
  cp->add_option("--tree-size", tree_size, "Only the first N records (default: all)");
  cp->callback([code] {
    if (LogSourceGiven(source, code)) {
      *code = dreichor::cli::AuditCheckpoint(source, tree_size, std::cout, std::cerr);
    }
  });

  auto* prove =
      audit->add_subcommand("prove", "Compute a proof from the log")->require_subcommand(1);
  auto* inclusion = prove->add_subcommand("inclusion", "A record is in the tree of N records");
  AddLogSource(inclusion, "dir", &source);
  inclusion->add_option("--sequence", sequence, "The record")->required();
  inclusion->add_option("--tree-size", tree_size, "The tree (default: the whole log)");
  inclusion->callback([code] {
    if (LogSourceGiven(source, code)) {
      *code = dreichor::cli::AuditProveInclusion(source, sequence, tree_size, std::cout, std::cerr);
    }
  });
  auto* consistency =
      prove->add_subcommand("consistency", "The tree of M records is a prefix of N");
  AddLogSource(consistency, "dir", &source);
  consistency->add_option("--from", from, "The earlier tree size")->required();
  consistency->add_option("--to", to, "The later tree size (default: the whole log)");
  consistency->callback([code] {
    if (LogSourceGiven(source, code)) {
      *code = dreichor::cli::AuditProveConsistency(source, from, to, std::cout, std::cerr);
    }
  });

  static std::string prune_copy;
  static uint64_t prune_through = 0;
  auto* prune = audit->add_subcommand(
      "prune", "Delete the copy's oldest segments that retention and legal holds let go");
  AddLogSource(prune, "dir", &source);
  prune->add_option("--copy", prune_copy, "The log's shipped copy")->required();
  prune->add_option("--through", prune_through, "Delete nothing after this sequence")->required();
  prune->callback([code] {
    if (LogSourceGiven(source, code)) {
      *code = dreichor::cli::AuditPrune(source, prune_copy, prune_through, std::cout, std::cerr);
    }
  });

  auto* check = audit->add_subcommand(
      "check", "Check the log against signed checkpoints kept elsewhere (detects rewrites)");
  AddLogSource(check, "dir", &source);
  check->add_option("--checkpoint", checkpoint, "A checkpoint file, or a directory of them")
      ->required();
  check->add_option("--public-key", public_key, "The verifier key, or a file holding it")
      ->required();
  check->callback([code] {
    if (LogSourceGiven(source, code)) {
      *code = dreichor::cli::AuditCheck(source, checkpoint, public_key, std::cout, std::cerr);
    }
  });
}

}  // namespace

int main(int argc, char** argv) {
  using namespace dreichor::cli;
  CLI::App app{"Dreichor operator tool: verify and inspect audit logs, snapshots and env files"};
  app.set_version_flag("--version", dreichor::config::VersionLine("dreichor"));
  app.require_subcommand(1);
  int code = kOk;

  auto* audit = app.add_subcommand("audit", "Audit log tools")->require_subcommand(1);
  LogSource audit_dir;
  auto* verify =
      audit->add_subcommand("verify", "Check every record's checksum and the whole chain");
  std::string verify_snapshots;
  AddLogSource(verify, "dir", &audit_dir);
  verify->add_option("--snapshots", verify_snapshots,
                     "Snapshot directory: also check that no snapshot proves lost records");
  std::string metrics_file, metrics_env;
  auto* metrics_opt = verify->add_option(
      "--metrics-file", metrics_file,
      "Also write the outcome for node_exporter's textfile collector (atomically)");
  verify->add_option("--env", metrics_env, "The env label of those metrics (prod, dev, ...)")
      ->needs(metrics_opt);
  metrics_opt->needs("--env");
  verify->callback([&] {
    if (!LogSourceGiven(audit_dir, &code)) return;
    code = metrics_file.empty() ? AuditVerify(audit_dir, verify_snapshots, std::cout, std::cerr)
                                : AuditVerifyRecorded(audit_dir, verify_snapshots, metrics_file,
                                                      metrics_env, std::cout, std::cerr);
  });
  AddShipAndRestore(audit, &code);
  AddEvidence(audit, &code);
  std::string failover_note;
  LogSource failover_source;
  auto* failover = audit->add_subcommand(
      "failover", "Record a promoted standby as the PostgreSQL log's primary (the next epoch)");
  failover
      ->add_option("--database-url", failover_source.database_url,
                   "The promoted server, as the migration role: postgres://user@host/db (the "
                   "password from PGPASSWORD or ~/.pgpass)")
      ->required();
  failover->add_option("--schema", failover_source.schema, "The log's schema (default dreichor)");
  failover->add_option("--note", failover_note, "Why, and who decided (recorded)")->required();
  failover->callback(
      [&] { code = AuditFailover(failover_source, failover_note, std::cout, std::cerr); });

  uint64_t count = 20;
  auto* tail = audit->add_subcommand("tail", "Print the last records");
  AddLogSource(tail, "dir", &audit_dir);
  tail->add_option("-n,--count", count, "How many records");
  tail->callback([&] {
    if (LogSourceGiven(audit_dir, &code)) code = AuditTail(audit_dir, count, std::cout, std::cerr);
  });

  std::string format;
  uint64_t from = 1, until = std::numeric_limits<uint64_t>::max();
  auto* exp = audit->add_subcommand("export", "Write records as CloudEvents JSON lines");
  AddLogSource(exp, "dir", &audit_dir);
  exp->add_option("--format", format, "Output format")
      ->required()
      ->check(CLI::IsMember({"cloudevents"}));
  exp->add_option("--from", from, "First sequence number");
  exp->add_option("--until", until, "Last sequence number");
  exp->callback([&] {
    if (LogSourceGiven(audit_dir, &code)) {
      code = AuditExport(audit_dir, from, until, std::cout, std::cerr);
    }
  });

  auto* replay = app.add_subcommand("replay", "Rebuild the state up to a point; print its hash");
  std::string snapshot_dir, until_time;
  uint64_t until_seq = std::numeric_limits<uint64_t>::max();
  AddLogSource(replay, "dir", &audit_dir);
  replay->add_option("--snapshots", snapshot_dir, "Snapshot directory (default: from genesis)");
  auto* seq_opt = replay->add_option("--until-seq", until_seq, "Last sequence number to apply");
  replay->add_option("--until-time", until_time, "Apply records up to this UTC time (RFC 3339)")
      ->excludes(seq_opt);
  replay->callback([&] {
    if (!LogSourceGiven(audit_dir, &code)) return;
    int64_t until_ns = std::numeric_limits<int64_t>::max();
    if (!until_time.empty() && !ParseUtcTime(until_time, &until_ns)) {
      std::cerr << "--until-time: expected e.g. 2025-11-22T10:00:00Z, got " << until_time << "\n";
      code = kUsage;
      return;
    }
    code = Replay(audit_dir, snapshot_dir, until_seq, until_ns, std::cout, std::cerr);
  });

  auto* snapshot = app.add_subcommand("snapshot", "Snapshot tools")->require_subcommand(1);
  auto* list = snapshot->add_subcommand("list", "List snapshots, newest first");
  list->add_option("dir", snapshot_dir, "Snapshot directory")->required();
  list->callback([&] { code = SnapshotList(snapshot_dir, std::cout, std::cerr); });
  auto* sverify = snapshot->add_subcommand("verify", "Check every snapshot against the audit log");
  sverify->add_option("dir", snapshot_dir, "Snapshot directory")->required();
  AddLogSource(sverify, "--audit", &audit_dir);
  sverify->callback([&] {
    if (LogSourceGiven(audit_dir, &code)) {
      code = SnapshotVerify(snapshot_dir, audit_dir, std::cout, std::cerr);
    }
  });

  auto* env = app.add_subcommand("env", "Environment tools")->require_subcommand(1);
  std::string env_file;
  auto* check = env->add_subcommand("check", "Validate an env file against the schema");
  check->add_option("file", env_file, "Env file (KEY=VALUE lines)")->required();
  check->callback([&] { code = EnvCheck(env_file, std::cout, std::cerr); });

  auto* deploy = app.add_subcommand("deploy", "Deploy agent tools")->require_subcommand(1);
  auto* history =
      deploy->add_subcommand("history", "The agent's hash-chained history")->require_subcommand(1);
  std::string history_dir;
  size_t history_count = 20;
  auto* hverify = history->add_subcommand("verify", "Check every entry and the whole chain");
  hverify->add_option("dir", history_dir, "History directory (<base>/deploy-agent/history)")
      ->required();
  hverify->callback([&] { code = DeployHistoryVerify(history_dir, std::cout, std::cerr); });
  auto* hshow = history->add_subcommand("show", "Print the last entries as JSON lines");
  hshow->add_option("dir", history_dir, "History directory")->required();
  hshow->add_option("-n,--count", history_count, "How many entries");
  hshow->callback(
      [&] { code = DeployHistoryShow(history_dir, history_count, std::cout, std::cerr); });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? kOk : kUsage;
  }
  return code;
}
