#include "deploy/access/key_source.h"

#include <fstream>
#include <sstream>

#include "deploy/curl_http.h"

namespace dreichor::deploy {

namespace {

constexpr size_t kMaxJwksBytes = 1 << 20;

class FileKeySource final : public KeySource {
 public:
  explicit FileKeySource(std::string path) : path_(std::move(path)) {}
  Result<std::string> Fetch() override {
    std::ifstream in(path_, std::ios::binary);
    if (!in) return Status::IoError("cannot read " + path_);
    std::ostringstream text;
    text << in.rdbuf();
    if (text.str().size() > kMaxJwksBytes) return Status::InvalidArgument(path_ + ": too large");
    return text.str();
  }
  std::string Describe() const override { return "file:" + path_; }

 private:
  std::string path_;
};

class HttpsKeySource final : public KeySource {
 public:
  explicit HttpsKeySource(std::string url) : url_(std::move(url)) {}
  Result<std::string> Fetch() override {
    HttpCall call;
    call.url = url_;
    call.timeout = std::chrono::milliseconds(5000);
    call.max_reply_bytes = kMaxJwksBytes;
    auto reply = CurlPerform(call);
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

std::unique_ptr<KeySource> MakeKeySource(const std::string& location) {
  if (location.rfind("file:", 0) == 0) {
    return std::make_unique<FileKeySource>(location.substr(5));
  }
  return std::make_unique<HttpsKeySource>(location);
}

}  // namespace dreichor::deploy
