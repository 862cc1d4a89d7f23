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

// When a variable must be present: always, or only when another variable has a given value.
struct Requirement {
  std::string_view when_var;    // empty: always required
  std::string_view when_value;  // required when when_var equals this
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
  // kUrl: the value `none` is accepted too (a feature turned off, said explicitly).
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
