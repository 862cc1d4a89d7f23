// The environment contract: every variable the runtime reads, in one table. Configuration comes
// only from the environment and there are no defaults: a variable the table marks required and
// the environment lacks is an error. infra/env/ENV_SCHEMA.md is generated from this table.
//
//   const std::vector<VarSpec>& vars = RuntimeSchema();
//
// Adding a variable: add a row here, regenerate ENV_SCHEMA.md, add it to .env.example.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dreichor::config {

enum class VarType { kString, kInteger, kDuration, kEnum, kPath, kUrl, kHostPort };

std::string_view VarTypeName(VarType t);

// When a variable must be present: always; when another variable has a given value
// (`{"DREICHOR_AUDIT_BACKEND", "postgres"}`); or when that variable is set to anything but the
// value (`{"DREICHOR_ENV", "dev", kExcept}`: production's rules hold in staging too).
inline constexpr bool kExcept = true;
struct Requirement {
  std::string_view var;  // empty: always required
  std::string_view value;
  bool except = false;  // false: required when var == value; true: when var is set and != value

  // "when DREICHOR_AUDIT_BACKEND=postgres", "when DREICHOR_ENV is not dev"; "" when always.
  std::string Describe() const;
};

struct VarSpec {
  std::string_view name;  // DREICHOR_...
  VarType type = VarType::kString;
  bool secret = false;  // never printed; logs show it redacted
  std::string_view meaning;
  std::string_view example;                 // a safe value, used in documentation
  std::vector<std::string_view> choices{};  // kEnum only
  int64_t min = 0;                          // kInteger: value bounds; kDuration: in milliseconds
  int64_t max = INT64_MAX;
  size_t min_length = 0;  // kString: e.g. a token's minimum length
  Requirement required{};
  // kUrl, kString: the value `none` is accepted too (a feature turned off, said explicitly).
  bool none_allowed = false;
  // Never required. Only for an instruction an operator gives once after deciding something
  // (e.g. acknowledging a loss), whose absence means "not given", never a default value.
  bool optional = false;
  // kString: what is wrong with the value beyond its length ("" when nothing); never quotes a
  // secret value.
  std::string (*check)(std::string_view value) = nullptr;
};

inline constexpr std::string_view kPrefix = "DREICHOR_";

// What a generated schema document says about itself.
struct SchemaHeading {
  std::string title;    // "Runtime environment schema"
  std::string source;   // "config/env_schema.cc"
  std::string command;  // "dreichor-runtime env-schema"
  std::string who;      // "Every variable the runtime reads"
};

const std::vector<VarSpec>& RuntimeSchema();
const SchemaHeading& RuntimeSchemaHeading();

}  // namespace dreichor::config
