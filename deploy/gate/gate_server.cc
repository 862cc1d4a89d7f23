#include "deploy/gate/gate_server.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/beast/http.hpp>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "http/curl_client.h"

namespace dreichor::deploy {

namespace {

namespace http = boost::beast::http;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr size_t kMaxHeaderBytes = 16 << 10;
constexpr size_t kMaxEngineAnswerBytes = 64 << 20;

// Asks the engine itself about the objects a request names.
class UpstreamFacts final : public EngineFacts {
 public:
  explicit UpstreamFacts(const std::string& socket) : socket_(socket) {}

  Result<std::optional<std::string>> ContainerEnv(const std::string& name_or_id) override {
    auto j = Inspect("/containers/" + dreichor::http::UrlEscape(name_or_id) + "/json");
    if (!j.ok()) return j.status();
    if (!j.value()) return std::optional<std::string>();
    // The engine is not trusted to answer in shape: every step is checked, nothing may throw.
    const json config = j.value()->value("Config", json());
    const json labels = config.is_object() ? config.value("Labels", json()) : json();
    const json env = labels.is_object() ? labels.value("dreichor.env", json("")) : json("");
    return std::optional<std::string>(env.is_string() ? env.get<std::string>() : "");
  }

  Result<std::optional<std::string>> ExecContainer(const std::string& exec_id) override {
    auto j = Inspect("/exec/" + dreichor::http::UrlEscape(exec_id) + "/json");
    if (!j.ok()) return j.status();
    if (!j.value()) return std::optional<std::string>();
    const json id = j.value()->value("ContainerID", json());
    if (!id.is_string() || id.get<std::string>().empty()) {
      return Status::IoError("the engine names no container for exec " + exec_id);
    }
    return std::optional<std::string>(id.get<std::string>());
  }

 private:
  // The engine's JSON answer to GET `path`; nullopt on 404.
  Result<std::optional<json>> Inspect(const std::string& path) {
    dreichor::http::HttpCall call;
    call.url = "http://engine" + path;
    call.unix_socket = socket_;
    auto reply = dreichor::http::CurlPerform(call);
    if (!reply.ok()) return reply.status();
    if (reply.value().status == 404) return std::optional<json>();
    json j = json::parse(reply.value().body, nullptr, false);
    if (reply.value().status != 200 || !j.is_object()) {
      return Status::IoError("the engine answered " + std::to_string(reply.value().status));
    }
    return std::optional<json>(std::move(j));
  }

  const std::string socket_;
};

// Waits until `fd` is ready for `events` or `deadline` passes.
bool WaitFor(int fd, short events, Clock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  if (left <= 0) return false;
  pollfd p{fd, events, 0};
  return ::poll(&p, 1, static_cast<int>(left)) == 1 && (p.revents & events) != 0;
}

bool SendAll(int fd, const std::string& data, Clock::time_point deadline) {
  size_t sent = 0;
  while (sent < data.size()) {
    if (!WaitFor(fd, POLLOUT, deadline)) return false;
    const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

std::string Answer(long status, const std::string& body,
                   const std::map<std::string, std::string>& headers = {}) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " +
                    std::string(http::obsolete_reason(static_cast<http::status>(status))) + "\r\n";
  bool typed = false;
  for (const auto& [name, value] : headers) {
    if (name == "content-type" || name == "api-version" || name == "server" ||
        name == "docker-experimental" || name == "ostype" || name == "libpod-api-version") {
      out += name + ": " + value + "\r\n";
      typed = typed || name == "content-type";
    }
  }
  if (!typed) out += "Content-Type: application/json\r\n";
  return out + "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" +
         body;
}

std::string ErrorBody(const std::string& message) {
  return json({{"message", "engine gate: " + message}}).dump() + "\n";
}

// Reads one request; nullopt (and *why) if it is not HTTP, too big, or too slow.
std::optional<GateRequest> ReadRequest(int fd, Clock::time_point deadline, std::string* why) {
  http::request_parser<http::string_body> parser;
  parser.header_limit(kMaxHeaderBytes);
  parser.body_limit(kMaxGateBodyBytes);
  parser.eager(true);
  std::string buffer;
  char chunk[16 << 10];
  while (!parser.is_done()) {
    if (!WaitFor(fd, POLLIN, deadline)) {
      *why = "no whole request in time";
      return std::nullopt;
    }
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *why = "the connection closed mid-request";
      return std::nullopt;
    }
    buffer.append(chunk, static_cast<size_t>(n));
    boost::beast::error_code ec;
    const size_t used = parser.put(boost::asio::buffer(buffer), ec);
    buffer.erase(0, used);
    if (ec && ec != http::error::need_more) {
      *why = "not an HTTP request within the limits: " + ec.message();
      return std::nullopt;
    }
  }
  const auto& request = parser.get();
  return GateRequest{std::string(request.method_string()), std::string(request.target()),
                     request.body()};
}

}  // namespace

Result<std::unique_ptr<EngineGate>> EngineGate::Start(const GateOptions& options, JsonLog* log) {
  sockaddr_un address{};
  if (options.listen_socket.size() >= sizeof address.sun_path) {
    return Status::InvalidArgument("socket path too long: " + options.listen_socket);
  }
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, options.listen_socket.c_str(), options.listen_socket.size());
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::IoError(std::string("socket: ") + std::strerror(errno));
  ::unlink(options.listen_socket.c_str());
  // Created unreachable, then opened to its owner and group only.
  const mode_t old_mask = ::umask(0177);
  const int bound = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  ::umask(old_mask);
  if (bound != 0 || ::listen(fd, 64) != 0 ||
      (options.socket_group >= 0 && ::chown(options.listen_socket.c_str(), static_cast<uid_t>(-1),
                                            static_cast<gid_t>(options.socket_group)) != 0) ||
      ::chmod(options.listen_socket.c_str(), 0660) != 0) {
    const std::string error = std::strerror(errno);
    ::close(fd);
    return Status::IoError("cannot serve on " + options.listen_socket + ": " + error);
  }
  std::unique_ptr<EngineGate> gate(new EngineGate(options, log, fd));
  gate->acceptor_ = std::thread([g = gate.get()] { g->AcceptLoop(); });
  return gate;
}

EngineGate::EngineGate(GateOptions options, JsonLog* log, int listen_fd)
    : options_(std::move(options)), log_(log), listen_fd_(listen_fd) {}

EngineGate::~EngineGate() { Stop(); }

void EngineGate::Stop() {
  if (stopping_.exchange(true)) return;
  ::shutdown(listen_fd_, SHUT_RDWR);
  if (acceptor_.joinable()) acceptor_.join();
  ::close(listen_fd_);
  std::vector<std::thread> connections;
  {
    std::lock_guard<std::mutex> lock(mu_);
    connections.swap(connections_);
  }
  for (std::thread& t : connections) t.join();
  ::unlink(options_.listen_socket.c_str());
}

void EngineGate::AcceptLoop() {
  while (!stopping_) {
    if (!WaitFor(listen_fd_, POLLIN, Clock::now() + std::chrono::milliseconds(200))) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    if (open_.load() >= options_.max_connections) {
      SendAll(fd, Answer(503, ErrorBody("too many connections")),
              Clock::now() + std::chrono::seconds(1));
      ::close(fd);
      continue;
    }
    ++open_;
    std::lock_guard<std::mutex> lock(mu_);
    connections_.emplace_back([this, fd] {
      Serve(fd);
      ::close(fd);
      --open_;
    });
  }
}

void EngineGate::Serve(int fd) {
  std::string why;
  const std::optional<GateRequest> request =
      ReadRequest(fd, Clock::now() + options_.read_timeout, &why);
  const auto reply_by = Clock::now() + options_.read_timeout;
  if (!request) {
    log_->Warn("request refused", {{"reason", why}});
    SendAll(fd, Answer(400, ErrorBody(why)), reply_by);
    return;
  }
  UpstreamFacts facts(options_.engine_socket);
  const Verdict verdict = Authorize(*request, options_.scope, &facts);
  if (!verdict.allowed) {
    log_->Warn("request refused", {{"method", request->method},
                                   {"target", request->target.substr(0, 512)},
                                   {"reason", verdict.reason}});
    SendAll(fd, Answer(403, ErrorBody(verdict.reason)), reply_by);
    return;
  }
  log_->Debug("request", {{"method", request->method}, {"target", request->target}});
  dreichor::http::HttpCall call;
  call.method = request->method;
  call.url = "http://engine" + request->target;
  call.body = request->body;
  call.unix_socket = options_.engine_socket;
  call.timeout = options_.engine_timeout;
  call.max_reply_bytes = kMaxEngineAnswerBytes;
  auto reply = dreichor::http::CurlPerform(call);
  if (!reply.ok()) {
    log_->Warn("engine unreachable", {{"error", reply.status().message()}});
    SendAll(fd, Answer(502, ErrorBody("the engine did not answer: " + reply.status().message())),
            reply_by);
    return;
  }
  SendAll(fd, Answer(reply.value().status, reply.value().body, reply.value().headers),
          Clock::now() + options_.read_timeout);
}

}  // namespace dreichor::deploy
