// Strict reading of JSON bodies: hostile bodies are errors in the one shape, never exceptions.
#include "http/json_fields.h"

#include <gtest/gtest.h>

namespace dreichor::http {
namespace {

// Found by fuzzing (fuzz_command_json): a number beyond a double's range made the JSON parser
// throw out_of_range, which nothing caught; any client could end the runtime with one body.
TEST(JsonFieldsTest, ANumberBeyondADoubleIsAMalformedBodyNotACrash) {
  for (const char* body :
       {R"({"price":1e309})", R"({"a":-1e400})", R"({"q":844674407384467440737091e3099551616})"}) {
    nlohmann::json out;
    const std::optional<ApiError> e = ParseObject(body, &out);
    ASSERT_TRUE(e.has_value()) << body;
    EXPECT_EQ(e->status, 400);
    EXPECT_NE(e->message.find("out of range"), std::string::npos) << e->message;
  }
}

TEST(JsonFieldsTest, SyntaxErrorsAndNonObjectsAreMalformed) {
  nlohmann::json out;
  EXPECT_TRUE(ParseObject("{", &out).has_value());
  EXPECT_TRUE(ParseObject("[1]", &out).has_value());
  EXPECT_TRUE(ParseObject("", &out).has_value());
  EXPECT_FALSE(ParseObject(R"({"a":1})", &out).has_value());
}

}  // namespace
}  // namespace dreichor::http
