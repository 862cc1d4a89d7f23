// The gateway's per-request authentication: the Ed25519 verification that bounds signed REST
// (one per request), the whole Authenticator::Check (key lookup, window, verification, replay
// memory), and a client's signing, for comparison.
#include <benchmark/benchmark.h>

#include "engine/engine.h"
#include "gateway/authenticator.h"
#include "util/base64.h"
#include "util/clock.h"

namespace dreichor::gateway {
namespace {

const std::string kBody =
    R"({"account":1001,"market":1,"side":"buy","kind":"limit","price":100,"quantity":2})";

class EngineState final : public runtime::StateView {
 public:
  void Visit(const std::function<void(const engine::Engine&, const Position&)>& f) const override {
    f(engine, Position{});
  }
  engine::Engine engine;
};

void BM_Ed25519Verify(benchmark::State& state) {
  auto key = Ed25519PrivateKey::Generate().value();
  auto verifier = Ed25519PublicKey::FromRaw(key->public_key()).value();
  const std::string payload = SigningPayload("1764979200000", "POST", "/v1/orders", kBody);
  const std::string signature = key->Sign(payload);
  for (auto _ : state) benchmark::DoNotOptimize(verifier->Verify(payload, signature));
}
BENCHMARK(BM_Ed25519Verify);

void BM_Ed25519Sign(benchmark::State& state) {
  auto key = Ed25519PrivateKey::Generate().value();
  const std::string payload = SigningPayload("1764979200000", "POST", "/v1/orders", kBody);
  for (auto _ : state) benchmark::DoNotOptimize(key->Sign(payload));
}
BENCHMARK(BM_Ed25519Sign);

// A fresh signature each time (the replay memory refuses repeats): signing is outside the timing.
void BM_AuthenticateSignedRequest(benchmark::State& state) {
  EngineState s;
  auto key = Ed25519PrivateKey::Generate().value();
  s.engine.Apply(engine::RegisterApiKey{7, 1001, key->public_key(), engine::kAllPermissions}, 1);
  Authenticator auth(&s, Clock::Real(), std::chrono::milliseconds(60'000), 1 << 24);
  int64_t ms = Clock::Real()->NowUnixNanos() / 1'000'000 - 50'000;
  for (auto _ : state) {
    state.PauseTiming();
    const std::string ts = std::to_string(++ms);
    const std::string payload = SigningPayload(ts, "POST", "/v1/orders", kBody);
    const std::string signature = Base64Encode(key->Sign(payload));
    SignedRequest r{"7", ts, signature, payload, "rest " + signature};
    state.ResumeTiming();
    benchmark::DoNotOptimize(auth.Check(r));
  }
}
BENCHMARK(BM_AuthenticateSignedRequest);

}  // namespace
}  // namespace dreichor::gateway
