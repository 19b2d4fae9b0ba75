// codec_test_util.h: decoding helpers shared by the message codec tests.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "crypto/bytes.h"
#include "ssp/text_encoding.h"

namespace ntlm::ssp::testing_util {

// Hex or base64 text to bytes; a decoding error fails the current test.
inline Bytes Hex(std::string_view hex) {
  std::string error;
  auto bytes = ssp::DecodeHex(hex, error);
  EXPECT_TRUE(bytes.has_value()) << error;
  return bytes.value_or(Bytes{});
}

inline Bytes B64(std::string_view text) {
  std::string error;
  auto bytes = ssp::DecodeBase64(text, error);
  EXPECT_TRUE(bytes.has_value()) << error;
  return bytes.value_or(Bytes{});
}

// vectors/ms-nlmp-4.2.json, parsed once.
inline const nlohmann::json& Vectors() {
  static const nlohmann::json j = [] {
    std::ifstream in(std::string(NTLM_SOURCE_DIR) + "/vectors/ms-nlmp-4.2.json");
    return nlohmann::json::parse(in);
  }();
  return j;
}

}  // namespace ntlm::ssp::testing_util
