#include "cli/deploy_history.h"

#include "cli/commands.h"
#include "deploy/history.h"
#include "util/json_text.h"

namespace dreichor::cli {

namespace {

int ExitCodeFor(const Status& s) {
  return s.code() == StatusCode::kCorruption ? kProblemFound : kCannotRead;
}

}  // namespace

int DeployHistoryVerify(const std::string& dir, std::ostream& out, std::ostream& err) {
  auto entries = deploy::ReadHistoryForVerification(Env::Default(), dir);
  if (!entries.ok()) {
    err << "verification failed: " << entries.status().message() << "\n";
    return ExitCodeFor(entries.status());
  }
  const auto& all = entries.value();
  out << "ok: " << all.size() << " entries";
  if (!all.empty())
    out << ", last sequence " << all.back().sequence << ", chain " << all.back().chain;
  out << "\n";
  return kOk;
}

int DeployHistoryShow(const std::string& dir, size_t count, std::ostream& out, std::ostream& err) {
  auto entries = deploy::ReadHistoryForVerification(Env::Default(), dir);
  if (!entries.ok()) {
    err << entries.status().message() << "\n";
    return ExitCodeFor(entries.status());
  }
  const auto& all = entries.value();
  for (size_t i = all.size() > count ? all.size() - count : 0; i < all.size(); ++i) {
    out << JsonText(deploy::EntryJson(all[i])) << "\n";
  }
  return kOk;
}

}  // namespace dreichor::cli
