#include "config/env_schema.h"

#include "evidence/note_key.h"

namespace dreichor::config {
namespace {

// DREICHOR_CHECKPOINT_KEY: a signed-note Ed25519 signer key (the message never quotes it).
std::string CheckSignerKey(std::string_view value) {
  if (value == evidence::kExampleSignerKey) {
    return "is the documentation's example key, which anyone can sign with (make one with "
           "`dreichor audit keygen`)";
  }
  auto signer = evidence::NoteSigner::Parse(value);
  return signer.ok() ? "" : "is not a checkpoint signing key: " + signer.status().message();
}

}  // namespace

std::string_view VarTypeName(VarType t) {
  switch (t) {
    case VarType::kString:
      return "string";
    case VarType::kInteger:
      return "integer";
    case VarType::kDuration:
      return "duration";
    case VarType::kEnum:
      return "enum";
    case VarType::kPath:
      return "path";
    case VarType::kUrl:
      return "url";
    case VarType::kHostPort:
      return "host:port";
  }
  return "?";
}

const std::vector<VarSpec>& RuntimeSchema() {
  static const std::vector<VarSpec> kSchema = {
      {.name = "DREICHOR_ENV",
       .type = VarType::kEnum,
       .meaning = "The environment this runtime belongs to.",
       .example = "dev",
       .choices = {"dev", "staging", "prod"}},
      {.name = "DREICHOR_LISTEN",
       .type = VarType::kHostPort,
       .meaning = "IP address and port the HTTP API listens on (port 0: any free port, logged at "
                  "startup).",
       .example = "127.0.0.1:8080"},
      {.name = "DREICHOR_AUDIT_BACKEND",
       .type = VarType::kEnum,
       .meaning = "Where the audit log lives: segment files on the audit-events volume, or "
                  "PostgreSQL.",
       .example = "file",
       .choices = {"file", "postgres"}},
      {.name = "DREICHOR_AUDIT_DIR",
       .type = VarType::kPath,
       .meaning = "Directory of the audit log's segment files (the audit-events volume).",
       .example = "/var/lib/dreichor/audit-events",
       .required = {"DREICHOR_AUDIT_BACKEND", "file"}},
      {.name = "DREICHOR_AUDIT_SEGMENT_BYTES",
       .type = VarType::kInteger,
       .meaning = "Size at which an audit segment is sealed and the next one started, in bytes.",
       .example = "67108864",
       .min = 1 << 16,
       .max = int64_t{1} << 34,
       .required = {"DREICHOR_AUDIT_BACKEND", "file"}},
      {.name = "DREICHOR_AUDIT_SCRUB_BYTES_PER_SECOND",
       .type = VarType::kInteger,
       .meaning = "How fast the background scrub re-reads sealed audit segments from the disk "
                  "to find latent damage, in bytes per second; 0 turns the scrub off.",
       .example = "8388608",
       .min = 0,
       .max = int64_t{1} << 30,
       .required = {"DREICHOR_AUDIT_BACKEND", "file"}},
      {.name = "DREICHOR_ACCEPT_AUDIT_LOSS_AT",
       .type = VarType::kInteger,
       .meaning = "Set only after deciding what to do about a refused start (exit 13): the last "
                  "sequence the audit log now has, acknowledging that snapshots prove records "
                  "after it were lost. Startup then quarantines those snapshots and goes on; any "
                  "other value, or another log end, is refused.",
       .example = "41999",
       .min = 0,
       .optional = true},
      {.name = "DREICHOR_DATABASE_URL",
       .type = VarType::kUrl,
       .secret = true,
       .meaning = "PostgreSQL connection URL for the postgres audit backend; its password is a "
                  "secret.",
       .example = "postgres://dreichor_dev_runtime:PASSWORD@127.0.0.1:5432/dreichor_dev",
       .required = {"DREICHOR_AUDIT_BACKEND", "postgres"}},
      {.name = "DREICHOR_DATABASE_SCHEMA",
       .type = VarType::kString,
       .meaning = "PostgreSQL schema holding the audit tables and the migration journal (a "
                  "target of dreichor-migrate).",
       .example = "dreichor",
       .min_length = 1,
       .required = {"DREICHOR_AUDIT_BACKEND", "postgres"}},
      {.name = "DREICHOR_DATABASE_EPOCH",
       .type = VarType::kInteger,
       .meaning = "The epoch of the PostgreSQL log the runtime may write: 1, then one more after "
                  "each failover (dreichor audit failover; infra/db/REPLICATION.md). A server at "
                  "any other epoch is refused, so a runtime pointed at an old primary never "
                  "writes to it.",
       .example = "1",
       .min = 1,
       .max = INT32_MAX,
       .required = {"DREICHOR_AUDIT_BACKEND", "postgres"}},
      {.name = "DREICHOR_OTLP_TRACES_URL",
       .type = VarType::kUrl,
       .meaning = "Where the runtime sends its request spans: an OpenTelemetry collector's "
                  "OTLP/HTTP traces endpoint (infra/monitoring/otel/collector.yaml), or `none`.",
       .example = "http://127.0.0.1:4318/v1/traces",
       .none_allowed = true},
      {.name = "DREICHOR_SNAPSHOT_DIR",
       .type = VarType::kPath,
       .meaning = "Directory of snapshots (the snapshots volume).",
       .example = "/var/lib/dreichor/snapshots"},
      {.name = "DREICHOR_SNAPSHOT_EVERY",
       .type = VarType::kInteger,
       .meaning = "Write a snapshot after this many audit records; 0 writes none.",
       .example = "1000000",
       .min = 0},
      {.name = "DREICHOR_SNAPSHOT_RETAIN",
       .type = VarType::kInteger,
       .meaning = "How many of the newest snapshots to keep.",
       .example = "3",
       .min = 1,
       .max = 1000},
      {.name = "DREICHOR_ADMIN_TOKEN",
       .type = VarType::kString,
       .secret = true,
       .meaning = "Bearer token for the admin API (markets, deposits, withdrawals, risk limits), "
                  "at least 32 characters.",
       .example = "change-me-to-32-or-more-random-characters",
       .min_length = 32},
      {.name = "DREICHOR_TRADING_TOKEN",
       .type = VarType::kString,
       .secret = true,
       .meaning = "The internal credential the gateway sends (Authorization: Bearer) with every "
                  "order, cancel and amend; with it set, the trading routes refuse anyone else. "
                  "At least 32 characters. Without it (dev only) the trading routes trust the "
                  "network. docs/gateway.md.",
       .example = "change-me-to-another-32-or-more-random-characters",
       .min_length = 32,
       .required = {"DREICHOR_ENV", "dev", kExcept}},
      {.name = "DREICHOR_CHECKPOINT_KEY",
       .type = VarType::kString,
       .secret = true,
       .meaning = "Ed25519 key that signs the audit log's checkpoints, in the signed-note signer "
                  "form PRIVATE+KEY+<origin>+<key id>+<key> (`dreichor audit keygen`); its name is "
                  "the checkpoints' origin. Without it (dev only) checkpoints are not signed. "
                  "docs/audit-proofs.md.",
       .example = "PRIVATE+KEY+dreichor.example/dev/audit+1a2b3c4d+AXXXX...",
       .min_length = 16,
       .required = {"DREICHOR_ENV", "dev", kExcept},
       .check = CheckSignerKey},
      {.name = "DREICHOR_SHUTDOWN_DEADLINE",
       .type = VarType::kDuration,
       .meaning = "How long a graceful shutdown may take before the process exits with the "
                  "deadline's exit code.",
       .example = "10s",
       .min = 1,
       .max = 600'000},
      {.name = "DREICHOR_MAX_BODY_BYTES",
       .type = VarType::kInteger,
       .meaning = "Largest HTTP request body accepted, in bytes.",
       .example = "65536",
       .min = 1024,
       .max = 16 << 20},
      {.name = "DREICHOR_MAX_CONNECTIONS",
       .type = VarType::kInteger,
       .meaning = "Most HTTP connections served at once.",
       .example = "1024",
       .min = 1,
       .max = 100'000},
      {.name = "DREICHOR_LOG_LEVEL",
       .type = VarType::kEnum,
       .meaning = "Least severe log level written.",
       .example = "info",
       .choices = {"debug", "info", "warn", "error"}},
  };
  return kSchema;
}

const SchemaHeading& RuntimeSchemaHeading() {
  static const SchemaHeading kHeading{"Runtime environment schema", "config/env_schema.cc",
                                      "dreichor-runtime env-schema",
                                      "Every variable the runtime reads"};
  return kHeading;
}

}  // namespace dreichor::config
