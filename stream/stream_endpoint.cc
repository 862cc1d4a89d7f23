#include "stream/stream_endpoint.h"

#include "http/reply.h"
#include "util/parse_number.h"

namespace dreichor::stream {

namespace {

// `from` of "from=S" (absent: 0, the next record); an error message otherwise.
std::optional<uint64_t> ParseFrom(std::string_view query, std::string* error) {
  if (query.empty()) return 0;
  if (query.rfind("from=", 0) != 0 || query.find('&') != std::string_view::npos) {
    *error = "the only query parameter is from=<sequence>";
    return std::nullopt;
  }
  auto from = ParseDecimal(query.substr(5));
  if (!from || *from == 0) {
    *error = "from: must be a sequence number (a decimal integer, at least 1)";
    return std::nullopt;
  }
  return from;
}

}  // namespace

std::optional<http::Response> UpgradeToStream(RecordHub* hub, http::Request& request,
                                              boost::beast::tcp_stream& stream,
                                              const http::WebSocketOptions& options) {
  if (request.method() != boost::beast::http::verb::get) {
    return http::ErrorReply(http::kMethodNotAllowed, "the record stream is opened with GET");
  }
  const std::string_view target(request.target().data(), request.target().size());
  const size_t question = target.find('?');
  const std::string_view query =
      question == std::string_view::npos ? std::string_view() : target.substr(question + 1);
  std::string error;
  const auto from = ParseFrom(query, &error);
  if (!from) return http::ErrorReply(http::ApiError::BadField("from", error));
  const uint64_t next = hub->next_sequence();
  if (*from > next) {
    return http::ErrorReply(http::ApiError::BadField("from", "sequence " + std::to_string(*from) +
                                                                 " is beyond the next record, " +
                                                                 std::to_string(next)));
  }
  auto connection = http::WebSocketConnection::Create(std::move(stream), options);
  connection->Start(std::move(request), nullptr, nullptr);
  if (Status s = hub->Subscribe(connection, *from); !s.ok()) {
    connection->Close(
        s.code() == StatusCode::kInvalidArgument ? http::kClosePolicy : http::kCloseTryAgainLater,
        s.message());
  }
  return std::nullopt;
}

}  // namespace dreichor::stream
