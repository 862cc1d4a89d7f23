// docs/api.md's error table and the codes the runtime's API sends (api/errors.h) are the same
// list, and the routes use named codes only: a literal code in an answer would escape the list.
#include "api/errors.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

namespace dreichor::api {
namespace {

std::string Read(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(ErrorCodesTest, TheDocumentedTableIsExactlyTheCodesTheApiSends) {
  const std::string doc = Read(std::string(DREICHOR_SOURCE_DIR) + "/docs/api.md");
  const std::regex row(R"(\n\| (\d{3}) \| `([a-z_]+)` \|)");
  std::set<std::pair<int, std::string>> documented, sent;
  for (auto it = std::sregex_iterator(doc.begin(), doc.end(), row); it != std::sregex_iterator();
       ++it) {
    documented.emplace(std::stoi((*it)[1]), (*it)[2]);
  }
  for (const http::ErrorCode* c : kRuntimeApiErrors) sent.emplace(c->status, c->code);
  EXPECT_EQ(documented, sent);
}

TEST(ErrorCodesTest, AnswersUseNamedCodesNeverLiterals) {
  const std::regex literal(R"((ErrorReply\(|ApiError\{)\s*\d{3},\s*")");
  for (const char* dir : {"api", "http", "command_json"}) {
    for (const auto& entry :
         std::filesystem::directory_iterator(std::string(DREICHOR_SOURCE_DIR) + "/" + dir)) {
      const std::string name = entry.path().filename();
      if (name.ends_with("_test.cc") || !(name.ends_with(".cc") || name.ends_with(".h"))) {
        continue;
      }
      EXPECT_FALSE(std::regex_search(Read(entry.path()), literal))
          << entry.path() << " answers with a literal error code";
    }
  }
}

}  // namespace
}  // namespace dreichor::api
