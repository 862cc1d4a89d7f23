// Status and Result<T>: errors as values.
//
// A Status is either OK or carries a code and a human-readable message that names what was
// wrong. Result<T> holds either a T or a non-OK Status. Both are cheap to move and are marked
// [[nodiscard]] so an ignored error is a compile error under -Werror. Reading the value of a
// failed Result is a bug and aborts the process, in every build type (as abseil's StatusOr).
//
//   Result<Foo> r = ParseFoo(bytes);
//   if (!r.ok()) return r.status();
//   Use(r.value());
#pragma once

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>

namespace dreichor {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // the input is malformed
  kNotFound,
  kCorruption,  // durable data failed a check
  kIoError,
  kFailedPrecondition,
  kUnsupported,
  // Durable data that was acknowledged is provably missing (e.g. a verified snapshot the log
  // cannot reach): never repaired or skipped silently.
  kDataLoss,
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string msg) { return {StatusCode::kInvalidArgument, msg}; }
  static Status NotFound(std::string msg) { return {StatusCode::kNotFound, msg}; }
  static Status Corruption(std::string msg) { return {StatusCode::kCorruption, msg}; }
  static Status IoError(std::string msg) { return {StatusCode::kIoError, msg}; }
  static Status FailedPrecondition(std::string msg) {
    return {StatusCode::kFailedPrecondition, msg};
  }
  static Status Unsupported(std::string msg) { return {StatusCode::kUnsupported, msg}; }
  static Status DataLoss(std::string msg) { return {StatusCode::kDataLoss, msg}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "code: message", or "ok".
  std::string ToString() const;

 private:
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
    if (status_.ok()) Die("a Result was built from an OK Status without a value");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() & {
    CheckOk();
    return *value_;
  }
  const T& value() const& {
    CheckOk();
    return *value_;
  }
  T&& value() && {
    CheckOk();
    return std::move(*value_);
  }

 private:
  void CheckOk() const {
    if (!value_.has_value()) Die(("value() of a failed Result: " + status_.ToString()).c_str());
  }
  [[noreturn]] static void Die(const char* what) {
    std::fprintf(stderr, "invariant violated: %s\n", what);
    std::abort();
  }

  Status status_;
  std::optional<T> value_;
};

}  // namespace dreichor
