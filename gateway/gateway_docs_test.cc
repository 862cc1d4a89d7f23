// The gateway's documents hold: docs/gateway.md's worked signing example is what the code signs
// (and its error table is exactly the codes the gateway sends); the OpenAPI document's routes are
// exactly the handler's, and the binary serves that document as it is in the repository.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>

#include "gateway/authenticator.h"
#include "gateway/gateway_errors.h"
#include "gateway/gateway_handler.h"
#include "util/base64.h"
#include "util/ed25519.h"

namespace dreichor::gateway {
namespace {

std::string ReadRepoFile(const std::string& path) {
  std::ifstream in(std::string(DREICHOR_SOURCE_DIR) + "/" + path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

Ed25519Bytes Hex32(const std::string& hex) {
  Ed25519Bytes out{};
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<uint8_t>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
  }
  return out;
}

std::string Text(const Ed25519Bytes& bytes) {
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

TEST(GatewayDocsTest, TheWorkedSigningExampleIsWhatTheCodeSigns) {
  const std::string doc = ReadRepoFile("docs/gateway.md");
  auto key = Ed25519PrivateKey::FromSeed(
      Hex32("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
  ASSERT_TRUE(key.ok());
  const std::string public_key = Base64Encode(Text(key.value()->public_key()));
  EXPECT_EQ(public_key, "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");  // RFC 8032, test 1
  const std::string body =
      R"({"account":1001,"market":1,"side":"buy","kind":"limit","price":100,"quantity":2,"client_order_id":42})";
  const std::string payload = SigningPayload("1764979200000", "POST", "/v1/orders", body);
  const std::string rest = Base64Encode(key.value()->Sign(payload));
  const std::string logon = Base64Encode(key.value()->Sign(
      SigningPayload("1764979200000", "GET", kSessionPath, "6f1c3b9e2d8a4f70a1b2c3d4e5f60718")));
  for (const std::string& shown : {public_key, payload, rest, logon}) {
    EXPECT_NE(doc.find(shown), std::string::npos) << "docs/gateway.md does not show " << shown;
  }
  auto verifier = Ed25519PublicKey::FromRaw(key.value()->public_key());
  ASSERT_TRUE(verifier.ok());
  EXPECT_TRUE(verifier.value()->Verify(payload, *Base64Decode(rest)));
}

TEST(GatewayDocsTest, TheErrorTableIsExactlyTheCodesTheGatewaySends) {
  const std::string doc = ReadRepoFile("docs/gateway.md");
  const std::string errors = doc.substr(doc.find("## Errors"));
  const std::regex row(R"(\n\| (\d{3}) \| `([a-z_]+)` \|)");
  std::set<std::pair<int, std::string>> documented, sent;
  for (auto it = std::sregex_iterator(errors.begin(), errors.end(), row);
       it != std::sregex_iterator(); ++it) {
    documented.emplace(std::stoi((*it)[1]), (*it)[2]);
  }
  for (const http::ErrorCode* c : kGatewayErrors) sent.emplace(c->status, c->code);
  EXPECT_EQ(documented, sent);
}

// The document's paths and methods, read by their indentation (the linter checks the YAML).
std::set<std::string> DocumentedRoutes(const std::string& yaml) {
  std::set<std::string> routes;
  const std::regex path_line(R"(^  (/[^:]*):$)");
  const std::regex method_line(R"(^    (get|post|put|delete|patch):$)");
  std::string path;
  std::istringstream in(yaml);
  std::smatch m;
  for (std::string line; std::getline(in, line);) {
    if (std::regex_match(line, m, path_line)) {
      path = m[1];
    } else if (!line.empty() && line[0] != ' ') {
      path.clear();  // a top-level key: the paths are over
    } else if (!path.empty() && std::regex_match(line, m, method_line)) {
      std::string method = m[1];
      for (char& c : method) c = static_cast<char>(std::toupper(c));
      routes.insert(method + " " + path);
    }
  }
  return routes;
}

TEST(GatewayDocsTest, TheOpenApiRoutesAreExactlyTheHandlersRoutes) {
  const std::string yaml = ReadRepoFile("docs/openapi/gateway.yaml");
  GatewayHandler handler{GatewayParts{}};
  const std::set<std::string> served(handler.routes().begin(), handler.routes().end());
  EXPECT_EQ(DocumentedRoutes(yaml), served);
  EXPECT_GE(served.size(), 12u);
}

TEST(GatewayDocsTest, TheServedDocumentIsTheRepositorysDocument) {
  EXPECT_EQ(std::string(kOpenApiDocument), ReadRepoFile("docs/openapi/gateway.yaml"));
}

}  // namespace
}  // namespace dreichor::gateway
