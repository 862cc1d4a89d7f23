// dreichor-env-schema: prints infra/env/ENV_SCHEMA.md, generated from the schema table.
//   dreichor-env-schema > infra/env/ENV_SCHEMA.md
#include <cstdio>

#include "config/env_config.h"

int main() {
  const std::string doc = dreichor::config::RenderSchemaDocument(dreichor::config::RuntimeSchema());
  std::fwrite(doc.data(), 1, doc.size(), stdout);
  return 0;
}
