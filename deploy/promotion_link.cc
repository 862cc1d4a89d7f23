#include "deploy/promotion_link.h"

#include <nlohmann/json.hpp>

#include "http/curl_client.h"
#include "http/json_fields.h"

namespace dreichor::deploy {

namespace {

using http::FieldReader;
using http::Need;
using nlohmann::ordered_json;

constexpr size_t kMaxTag = 128;
constexpr size_t kMaxEnv = 16;
constexpr size_t kMaxIdentity = 320;
constexpr size_t kMaxAnswerBytes = 64 << 10;

// The source's error message from {"error":{"message":…}}, or the start of the body.
std::string ErrorMessage(const std::string& body) {
  const nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_object() && j.contains("error") && j["error"].is_object() &&
      j["error"].contains("message") && j["error"]["message"].is_string()) {
    return j["error"]["message"].get<std::string>();
  }
  return body.substr(0, 200);
}

Status SourceRefusal(const std::string& what, const http::HttpReply& reply) {
  const std::string message =
      what + ": HTTP " + std::to_string(reply.status) + ": " + ErrorMessage(reply.body);
  if (reply.status == 409) return Status::FailedPrecondition(message);
  return Status::IoError(message);
}

}  // namespace

PromotionLink::PromotionLink(std::string base_url, std::string token)
    : base_url_(std::move(base_url)), token_(std::move(token)) {}

Result<std::string> PromotionLink::Call(const std::string& method, const std::string& path,
                                        const std::string& body) const {
  auto reply = http::CurlPerform({.method = method,
                                  .url = base_url_ + path,
                                  .body = body,
                                  .headers = {"Authorization: Bearer " + token_},
                                  .timeout = kPromotionCallTimeout,
                                  .max_reply_bytes = kMaxAnswerBytes});
  if (!reply.ok()) return reply.status();
  if (reply.value().status != 200) return SourceRefusal("the source agent", reply.value());
  return std::move(reply.value().body);
}

Result<PromotionSource> PromotionLink::Source() const {
  auto body = Call("GET", "/v1/promotion/source", "");
  if (!body.ok()) return body.status();
  auto source = ParsePromotionSource(body.value());
  if (!source.ok()) return Status::IoError("the source agent: " + source.status().message());
  return source;
}

Status PromotionLink::Report(const PromotionReport& report) const {
  return Call("POST", "/v1/promotion/record", PromotionReportJson(report)).status();
}

std::string PromotionSourceJson(const std::string& env, const Deployment& d) {
  return ordered_json{{"env", env}, {"deployment", d.id}, {"tag", d.tag}, {"digest", d.digest}}
      .dump();
}

Result<PromotionSource> ParsePromotionSource(const std::string& body) {
  nlohmann::json j;
  if (auto e = http::ParseObject(body, &j)) return Status::InvalidArgument(e->message);
  PromotionSource s;
  FieldReader f(j);
  f.String("env", &s.env, Need::kRequired, kMaxEnv);
  f.Uint("deployment", &s.deployment, Need::kRequired, 1, INT64_MAX);
  f.String("tag", &s.tag, Need::kRequired, kMaxTag);
  f.String("digest", &s.digest, Need::kRequired, 71);
  if (auto e = f.Finish()) return Status::InvalidArgument(e->message);
  return s;
}

std::string PromotionReportJson(const PromotionReport& r) {
  return ordered_json{{"env", r.env},
                      {"deployment", r.deployment},
                      {"source_deployment", r.source_deployment},
                      {"digest", r.digest},
                      {"operator", r.identity}}
      .dump();
}

Result<PromotionReport> ParsePromotionReport(const std::string& body) {
  nlohmann::json j;
  if (auto e = http::ParseObject(body, &j)) return Status::InvalidArgument(e->message);
  PromotionReport r;
  FieldReader f(j);
  f.String("env", &r.env, Need::kRequired, kMaxEnv);
  f.Uint("deployment", &r.deployment, Need::kRequired, 1, INT64_MAX);
  f.Uint("source_deployment", &r.source_deployment, Need::kRequired, 1, INT64_MAX);
  f.String("digest", &r.digest, Need::kRequired, 71);
  f.String("operator", &r.identity, Need::kRequired, kMaxIdentity);
  if (auto e = f.Finish()) return Status::InvalidArgument(e->message);
  return r;
}

}  // namespace dreichor::deploy
