// The commands every CLI11-based service program has besides its own: `--version` and
// `env check FILE` (env_check.h).
//
//   CLI::App app{...};
//   int code = -1;
//   config::AddServiceCommands(&app, "dreichor-gateway", LoadGateway, &code);
#pragma once

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <string>

#include "config/env_check.h"

namespace dreichor::config {

inline void AddServiceCommands(CLI::App* app, const std::string& program, EnvLoader load,
                               int* code) {
  app->set_version_flag("--version", VersionLine(program));
  auto* env = app->add_subcommand("env", "Configuration tools")->require_subcommand(1);
  auto file = std::make_shared<std::string>();
  auto* check = env->add_subcommand(
      "check", "Check an env file (KEY=VALUE lines) exactly as the program checks its environment");
  check->add_option("file", *file, "The env file")->required();
  check->callback([file, load = std::move(load), code] {
    *code = EnvFileCheck(*file, load, std::cout, std::cerr);
  });
}

}  // namespace dreichor::config
