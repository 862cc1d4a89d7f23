// One HTTP exchange through libcurl: over TCP/TLS (the Access signing keys) or over a unix
// socket (the container engine). Bounded in time and in the size of the answer.
//
//   HttpCall call{.method = "GET", .url = "http://engine/v1.41/_ping", .unix_socket = path};
//   auto reply = CurlPerform(call);   // error: transport failure, timeout or oversized answer
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "util/status.h"

namespace dreichor::http {

struct HttpCall {
  std::string method = "GET";
  std::string url;
  std::string body{};                  // sent as application/json when not empty (or for POST)
  std::string unix_socket{};           // empty: connect by the URL's host
  std::vector<std::string> headers{};  // "Name: value" lines sent as given
  std::chrono::milliseconds timeout{10'000};
  size_t max_reply_bytes = 4 << 20;
};

struct HttpReply {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // names lower-cased
};

Result<HttpReply> CurlPerform(const HttpCall& call);

// `s` percent-encoded for a URL's path segment or query value (every byte but A-Z a-z 0-9 - . _ ~).
std::string UrlEscape(const std::string& s);

}  // namespace dreichor::http
