// json_text_writer.cc: see json_text_writer.h.
#include "harness/json_text_writer.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace ntlm::harness {

void AppendJsonString(std::string& out, std::string_view value) {
  // Printable ASCII without '"' or '\\' (the names of nearly every logon) as
  // it is; anything else through nlohmann's serializer, which checks UTF-8
  // byte by byte.
  const bool plain = std::all_of(value.begin(), value.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u < 0x7f && c != '"' && c != '\\';
  });
  if (plain) {
    out += '"';
    out += value;
    out += '"';
    return;
  }
  out += nlohmann::json(std::string(value))
             .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void JsonTextWriter::Newline(size_t depth) {
  out_ += '\n';
  out_.append(depth * static_cast<size_t>(indent_), ' ');
}

void JsonTextWriter::BeforeValue() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (levels_.empty()) return;
  Level& level = levels_.back();
  if (!level.empty) out_ += ',';
  level.empty = false;
  if (indent_ >= 0) Newline(levels_.size());
}

void JsonTextWriter::Open(char bracket, bool array) {
  BeforeValue();
  out_ += bracket;
  levels_.push_back({array, true});
}

JsonTextWriter& JsonTextWriter::BeginObject() {
  Open('{', false);
  return *this;
}

JsonTextWriter& JsonTextWriter::BeginArray() {
  Open('[', true);
  return *this;
}

JsonTextWriter& JsonTextWriter::End() {
  if (levels_.empty()) return *this;
  const Level level = levels_.back();
  levels_.pop_back();
  if (!level.empty && indent_ >= 0) Newline(levels_.size());
  out_ += level.array ? ']' : '}';
  return *this;
}

JsonTextWriter& JsonTextWriter::Key(std::string_view key) {
  BeforeValue();
  AppendJsonString(out_, key);
  out_ += indent_ >= 0 ? ": " : ":";
  after_key_ = true;
  return *this;
}

JsonTextWriter& JsonTextWriter::String(std::string_view value) {
  BeforeValue();
  AppendJsonString(out_, value);
  return *this;
}

JsonTextWriter& JsonTextWriter::Bool(bool value) {
  BeforeValue();
  out_ += value ? "true" : "false";
  return *this;
}

JsonTextWriter& JsonTextWriter::Int(int64_t value) {
  BeforeValue();
  out_ += std::to_string(value);
  return *this;
}

}  // namespace ntlm::harness
