// dreichor-marketdata: a follower of the runtime's record stream that serves market data
// (docs/market-data.md).
//
//   dreichor-marketdata [serve]       run, configured only by DREICHOR_* environment variables
//   dreichor-marketdata healthcheck   exit 0 when the follower on DREICHOR_LISTEN is ready
//   dreichor-marketdata env-schema    print infra/env/MARKETDATA_ENV_SCHEMA.md
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "config/env_config.h"
#include "config/service_commands.h"
#include "marketdata/exit_codes.h"
#include "marketdata/marketdata_config.h"
#include "marketdata/marketdata_service.h"
#include "service/healthcheck.h"

namespace {

using namespace dreichor;

int Healthcheck(int timeout_ms) {
  const char* listen = getenv("DREICHOR_LISTEN");
  if (listen == nullptr) {
    std::cerr << "healthcheck: DREICHOR_LISTEN is not set\n";
    return 1;
  }
  return service::HealthcheckCommand(listen, std::chrono::milliseconds(timeout_ms), std::cout,
                                     std::cerr);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Dreichor market-data follower; configured by DREICHOR_* environment variables"};
  app.fallthrough();
  int code = -1;
  config::AddServiceCommands(
      &app, "dreichor-marketdata",
      [](const config::EnvMap& m) { return marketdata::LoadMarketDataConfig(m).status(); }, &code);
  app.add_subcommand("serve", "Run the follower (the default)");
  int timeout_ms = 2000;
  auto* check = app.add_subcommand("healthcheck", "Probe /health/ready; exit 0 when ready");
  check->add_option("--timeout-ms", timeout_ms, "Overall timeout")->check(CLI::Range(1, 60000));
  check->callback([&] { code = Healthcheck(timeout_ms); });
  app.add_subcommand("env-schema", "Print the environment schema document")->callback([&] {
    const std::string doc = config::RenderSchemaDocument(marketdata::MarketDataSchema(),
                                                         marketdata::MarketDataSchemaHeading());
    std::fwrite(doc.data(), 1, doc.size(), stdout);
    code = 0;
  });
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int exit = app.exit(e);
    return exit == 0 ? 0 : marketdata::kExitUsage;
  }
  if (code >= 0) return code;
  return marketdata::RunMarketData(config::ProcessEnvironment(environ));
}
