#include "deploy/access/key_source.h"

#include "http/curl_client.h"

namespace dreichor::deploy {

namespace {

constexpr size_t kMaxJwksBytes = 1 << 20;

class FileKeySource final : public KeySource {
 public:
  FileKeySource(Env* env, std::string path) : env_(env), path_(std::move(path)) {}
  Result<std::string> Fetch() override {
    auto size = env_->FileSize(path_);
    if (!size.ok()) return size.status();
    if (size.value() > kMaxJwksBytes) return Status::InvalidArgument(path_ + ": too large");
    std::string text;
    if (Status s = env_->ReadFile(path_, &text); !s.ok()) return s;
    if (text.size() > kMaxJwksBytes) return Status::InvalidArgument(path_ + ": too large");
    return text;
  }
  std::string Describe() const override { return "file:" + path_; }

 private:
  Env* env_;
  std::string path_;
};

class HttpsKeySource final : public KeySource {
 public:
  explicit HttpsKeySource(std::string url) : url_(std::move(url)) {}
  Result<std::string> Fetch() override {
    http::HttpCall call;
    call.url = url_;
    call.timeout = std::chrono::milliseconds(5000);
    call.max_reply_bytes = kMaxJwksBytes;
    auto reply = http::CurlPerform(call);
    if (!reply.ok()) return reply.status();
    if (reply.value().status != 200) {
      return Status::IoError(url_ + ": HTTP " + std::to_string(reply.value().status));
    }
    return std::move(reply.value().body);
  }
  std::string Describe() const override { return url_; }

 private:
  std::string url_;
};

}  // namespace

std::unique_ptr<KeySource> MakeKeySource(Env* env, const std::string& location) {
  if (location.rfind("file:", 0) == 0) {
    return std::make_unique<FileKeySource>(env, location.substr(5));
  }
  return std::make_unique<HttpsKeySource>(location);
}

}  // namespace dreichor::deploy
