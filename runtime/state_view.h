// StateView: read access to an engine that another thread changes, between two applied records,
// with the position (last record applied) the state is at. The runtime's sequencer is one; a
// market-data follower (marketdata/follower.h) is another; the observer routes
// (api/observer_routes.h) read through it and so answer alike from both.
//
//   view.Read([](const engine::Engine& e) { return e.GetDepth(1, 10); });
//   view.ReadWithPosition([](const engine::Engine& e, const StateView::Position& at) { ... });
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

#include "audit/record.h"
#include "engine/engine.h"

namespace dreichor::runtime {

class StateView {
 public:
  // The last record the engine has applied.
  struct Position {
    uint64_t sequence = 0;
    audit::Digest chain{};
  };

  virtual ~StateView() = default;

  // Runs `f` with the engine and its position, never concurrently with a change of either.
  virtual void Visit(
      const std::function<void(const engine::Engine&, const Position&)>& f) const = 0;

  template <typename F>
  auto ReadWithPosition(F&& f) const {
    using R = std::invoke_result_t<F&, const engine::Engine&, const Position&>;
    std::optional<R> out;
    Visit([&](const engine::Engine& e, const Position& at) { out.emplace(f(e, at)); });
    return std::move(*out);
  }
  template <typename F>
  auto Read(F&& f) const {
    return ReadWithPosition([&](const engine::Engine& e, const Position&) { return f(e); });
  }
};

}  // namespace dreichor::runtime
