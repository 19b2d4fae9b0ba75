// json_text_writer.h: JSON text written directly, byte for byte what
// nlohmann's ordered_json dump() gives for the same document — compact
// (dump()) or indented (dump(N)), strings with nlohmann's escapes and invalid
// UTF-8 replaced by U+FFFD (error_handler_t::replace) — without building a
// json value first. For the documents written once per logon (the auth log
// line, serve's HTTP success body), where building and dumping an ordered_json
// cost about a quarter of an HTTP logon's instructions. Tests compare it with
// nlohmann (tests/harness/json_text_writer_test.cc).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ntlm::harness {

class JsonTextWriter {
 public:
  // indent < 0: compact; indent >= 0: that many spaces per level, as dump(indent).
  explicit JsonTextWriter(int indent = -1) : indent_(indent) {}

  JsonTextWriter& BeginObject();
  JsonTextWriter& BeginArray();
  JsonTextWriter& End();  // the innermost object or array
  JsonTextWriter& Key(std::string_view key);
  JsonTextWriter& String(std::string_view value);
  JsonTextWriter& Bool(bool value);
  JsonTextWriter& Int(int64_t value);
  // Key(key) then the value.
  JsonTextWriter& Field(std::string_view key, std::string_view value) {
    return Key(key).String(value);
  }
  JsonTextWriter& Field(std::string_view key, const char* value) { return Key(key).String(value); }
  JsonTextWriter& Field(std::string_view key, bool value) { return Key(key).Bool(value); }
  JsonTextWriter& Field(std::string_view key, int value) { return Key(key).Int(value); }

  // The text written so far (a whole document once every level is closed).
  const std::string& text() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  struct Level {
    bool array;
    bool empty;
  };
  void BeforeValue();  // the separator and indentation a value needs here
  void Newline(size_t depth);
  void Open(char bracket, bool array);

  int indent_;
  std::string out_;
  std::vector<Level> levels_;
  bool after_key_ = false;
};

// Appends `value` as a JSON string to `out`, as nlohmann writes it.
void AppendJsonString(std::string& out, std::string_view value);

}  // namespace ntlm::harness
