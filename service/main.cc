// dreichor-runtime: the trading runtime (infra/runtime/ holds its contracts).
//
//   dreichor-runtime [serve]       run, configured only by DREICHOR_* environment variables
//   dreichor-runtime healthcheck   exit 0 when the runtime on DREICHOR_LISTEN is ready, else 1
//   dreichor-runtime env-schema    print infra/env/ENV_SCHEMA.md, generated from the schema
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "config/env_config.h"
#include "config/env_schema.h"
#include "config/service_commands.h"
#include "service/exit_codes.h"
#include "service/healthcheck.h"
#include "service/service.h"

namespace {

using namespace dreichor;

int Healthcheck(const std::string& address_flag, int timeout_ms) {
  std::string address = address_flag;
  if (address.empty()) {
    const char* listen = getenv("DREICHOR_LISTEN");
    if (listen == nullptr) {
      std::cerr << "healthcheck: DREICHOR_LISTEN is not set and --address was not given\n";
      return 1;
    }
    address = listen;
  }
  return service::HealthcheckCommand(address, std::chrono::milliseconds(timeout_ms), std::cout,
                                     std::cerr);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Dreichor trading runtime; configured by DREICHOR_* environment variables only"};
  app.fallthrough();
  int code = -1;
  config::AddServiceCommands(
      &app, "dreichor-runtime",
      [](const config::EnvMap& m) { return config::ValidateAll(config::RuntimeSchema(), m); },
      &code);

  app.add_subcommand("serve", "Run the runtime (the default)");
  std::string address;
  int timeout_ms = 2000;
  auto* check = app.add_subcommand("healthcheck", "Probe /health/ready; exit 0 when ready");
  check->add_option("--address", address, "host:port to probe (default: DREICHOR_LISTEN)");
  check->add_option("--timeout-ms", timeout_ms, "Overall timeout")->check(CLI::Range(1, 60000));
  check->callback([&] { code = Healthcheck(address, timeout_ms); });
  app.add_subcommand("env-schema", "Print the environment schema document (ENV_SCHEMA.md)")
      ->callback([&] {
        const std::string doc =
            config::RenderSchemaDocument(config::RuntimeSchema(), config::RuntimeSchemaHeading());
        std::fwrite(doc.data(), 1, doc.size(), stdout);
        code = 0;
      });
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int exit = app.exit(e);
    return exit == 0 ? 0 : service::kExitUsage;
  }
  if (code >= 0) return code;
  return service::RunService(config::ProcessEnvironment(environ));
}
