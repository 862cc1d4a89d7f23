#include "util/base64.h"

#include <gtest/gtest.h>

namespace dreichor {
namespace {

TEST(Base64Test, Rfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(Base64Encode(plain), encoded);
    EXPECT_EQ(Base64Decode(encoded), std::optional<std::string>(plain)) << encoded;
  }
}

TEST(Base64Test, BinaryRoundTrips) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  EXPECT_EQ(Base64Decode(Base64Encode(bytes)), bytes);
}

TEST(Base64Test, RefusesWhatIsNotCanonical) {
  EXPECT_FALSE(Base64Decode("Zg="));       // length not a multiple of 4
  EXPECT_FALSE(Base64Decode("Zg=\n"));     // whitespace
  EXPECT_FALSE(Base64Decode("Z=g="));      // padding inside
  EXPECT_FALSE(Base64Decode("Zh=="));      // non-zero bits in the padding
  EXPECT_FALSE(Base64Decode("Zm9v-_=="));  // the URL alphabet
}

}  // namespace
}  // namespace dreichor
