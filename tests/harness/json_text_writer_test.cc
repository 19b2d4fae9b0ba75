// json_text_writer_test.cc: JsonTextWriter writes byte for byte what
// nlohmann's ordered_json dump() writes for the same document, compact and
// indented, with nested and empty objects and arrays, numbers, booleans and
// strings that need escapes or hold invalid UTF-8.
#include "harness/json_text_writer.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace ntlm::harness {
namespace {

std::string Nlohmann(const nlohmann::ordered_json& json, int indent) {
  return json.dump(indent, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

// The same document both ways: {"name": ..., "n": -7, "ok": true, "empty": {},
// "none": [], "list": ["a", "b\"c"], "inner": {"deep": [{"x": false}], "s": ...}}.
std::string Written(int indent, const std::string& odd) {
  JsonTextWriter w(indent);
  w.BeginObject().Field("name", odd).Field("n", -7).Field("ok", true);
  w.Key("empty").BeginObject().End();
  w.Key("none").BeginArray().End();
  w.Key("list").BeginArray().String("a").String("b\"c").End();
  w.Key("inner").BeginObject().Key("deep").BeginArray().BeginObject().Field("x", false).End();
  w.End().Field("s", "plain").End();
  w.End();
  return w.Take();
}

nlohmann::ordered_json Built(const std::string& odd) {
  nlohmann::ordered_json j;
  j["name"] = odd;
  j["n"] = -7;
  j["ok"] = true;
  j["empty"] = nlohmann::ordered_json::object();
  j["none"] = nlohmann::ordered_json::array();
  j["list"] = {"a", "b\"c"};
  j["inner"]["deep"] = nlohmann::ordered_json::array({{{"x", false}}});
  j["inner"]["s"] = "plain";
  return j;
}

TEST(JsonTextWriter, IsWhatNlohmannDumpsCompactAndIndented) {
  for (const std::string& odd :
       {std::string("alice"), std::string("tab\there \\ \"q\""), std::string("ctl\x01\x1f"),
        std::string("caf\xc3\xa9"), std::string("bad\xff\xfeutf8"), std::string()}) {
    for (int indent : {-1, 0, 2, 4}) {
      EXPECT_EQ(Written(indent, odd), Nlohmann(Built(odd), indent)) << indent << " " << odd;
    }
  }
}

TEST(JsonTextWriter, ScalarsAndEmptyDocuments) {
  EXPECT_EQ(JsonTextWriter(2).BeginObject().End().Take(), "{}");
  EXPECT_EQ(JsonTextWriter().BeginArray().Int(1).Int(2).End().Take(), "[1,2]");
  EXPECT_EQ(JsonTextWriter(2).BeginArray().Bool(false).End().Take(), "[\n  false\n]");
  std::string out;
  AppendJsonString(out, "a\nb");
  EXPECT_EQ(out, "\"a\\nb\"");
}

}  // namespace
}  // namespace ntlm::harness
