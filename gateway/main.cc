// dreichor-gateway: authenticated trading for clients outside the server (docs/gateway.md).
//
//   dreichor-gateway [serve]       run, configured only by DREICHOR_* environment variables
//   dreichor-gateway healthcheck   exit 0 when the gateway on DREICHOR_INTERNAL_LISTEN is ready
//   dreichor-gateway env-schema    print infra/env/GATEWAY_ENV_SCHEMA.md
//   dreichor-gateway openapi       print the OpenAPI document it serves at /openapi.yaml
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstring>
#include <iostream>

#include "config/env_config.h"
#include "config/service_commands.h"
#include "gateway/exit_codes.h"
#include "gateway/gateway_config.h"
#include "gateway/gateway_handler.h"
#include "gateway/gateway_service.h"
#include "service/healthcheck.h"

namespace {

using namespace dreichor;

int Healthcheck(int timeout_ms) {
  const char* listen = getenv("DREICHOR_INTERNAL_LISTEN");
  if (listen == nullptr) {
    std::cerr << "healthcheck: DREICHOR_INTERNAL_LISTEN is not set\n";
    return 1;
  }
  return service::HealthcheckCommand(listen, std::chrono::milliseconds(timeout_ms), std::cout,
                                     std::cerr);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Dreichor gateway; configured by DREICHOR_* environment variables"};
  app.fallthrough();
  int code = -1;
  config::AddServiceCommands(
      &app, "dreichor-gateway",
      [](const config::EnvMap& m) { return gateway::LoadGatewayConfig(m).status(); }, &code);
  app.add_subcommand("serve", "Run the gateway (the default)");
  int timeout_ms = 2000;
  auto* check = app.add_subcommand("healthcheck", "Probe /health/ready; exit 0 when ready");
  check->add_option("--timeout-ms", timeout_ms, "Overall timeout")->check(CLI::Range(1, 60000));
  check->callback([&] { code = Healthcheck(timeout_ms); });
  app.add_subcommand("env-schema", "Print the environment schema document")->callback([&] {
    const std::string doc =
        config::RenderSchemaDocument(gateway::GatewaySchema(), gateway::GatewaySchemaHeading());
    std::fwrite(doc.data(), 1, doc.size(), stdout);
    code = 0;
  });
  app.add_subcommand("openapi", "Print the OpenAPI document served at /openapi.yaml")
      ->callback([&] {
        std::fwrite(gateway::kOpenApiDocument, 1, std::strlen(gateway::kOpenApiDocument), stdout);
        code = 0;
      });
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int exit = app.exit(e);
    return exit == 0 ? 0 : gateway::kExitUsage;
  }
  if (code >= 0) return code;
  return gateway::RunGateway(config::ProcessEnvironment(environ));
}
