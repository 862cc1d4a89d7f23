// PromotionLink: this agent's side of the link to the agent of the environment before it
// (DREICHOR_AGENT_PROMOTE_FROM, docs/deploy-agent.md "Promotion"). Two calls, both with
// `Authorization: Bearer <DREICHOR_AGENT_PROMOTE_FROM_TOKEN>`, over loopback:
//
//   GET  /v1/promotion/source   which succeeded deployment runs there now, ready
//   POST /v1/promotion/record   that this environment now runs it (written into that history)
//
//   PromotionLink link("http://127.0.0.1:3005", token);
//   auto source = link.Source();   // Result<PromotionSource>; NotPromotable: the source said no
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "deploy/deployer.h"
#include "util/status.h"

namespace dreichor::deploy {

// What the receiving agent reports to the source once the promotion ran.
struct PromotionReport {
  std::string env;  // the receiving environment
  uint64_t deployment = 0;
  uint64_t source_deployment = 0;
  std::string digest;
  std::string identity;  // who asked for the promotion
};

class PromotionLink {
 public:
  PromotionLink(std::string base_url, std::string token);

  // The source's answer. A refusal by the source (it has nothing ready to promote) is
  // FailedPrecondition with its message; anything else that goes wrong is IoError.
  Result<PromotionSource> Source() const;
  Status Report(const PromotionReport& report) const;

 private:
  // One call with the link's token; the answer's body when it is 200, else the error.
  Result<std::string> Call(const std::string& method, const std::string& path,
                           const std::string& body) const;

  const std::string base_url_;
  const std::string token_;
};

// The JSON bodies of the two calls, shared by both sides (and their tests).
std::string PromotionSourceJson(const std::string& env, const Deployment& d);
Result<PromotionSource> ParsePromotionSource(const std::string& body);
std::string PromotionReportJson(const PromotionReport& r);
Result<PromotionReport> ParsePromotionReport(const std::string& body);

inline constexpr std::chrono::seconds kPromotionCallTimeout{30};

}  // namespace dreichor::deploy
