// JsonWriter: appends compact JSON to a string without building a document first, for the
// responses on the command path (one per order, so allocation matters). Commas are managed by
// the writer; keys and string values are escaped.
//
//   JsonWriter w;
//   w.BeginObject(); w.Key("sequence"); w.Uint(7); w.Key("events"); w.BeginArray(); ...
//   w.EndArray(); w.EndObject();
//   std::string body = w.Take();
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dreichor::http {

class JsonWriter {
 public:
  void BeginObject() { Open('{'); }
  void EndObject() { Close('}'); }
  void BeginArray() { Open('['); }
  void EndArray() { Close(']'); }
  void Key(std::string_view k) {
    Separate();
    Quoted(k);
    out_.push_back(':');
    after_key_ = true;
  }
  void Uint(uint64_t v) { Number(v); }
  void Int(int64_t v) { Number(v); }
  void Bool(bool v) { Raw(v ? "true" : "false"); }
  void Null() { Raw("null"); }
  // A value that is already JSON (e.g. another service's answer), written as it is: the caller
  // vouches that it is one complete JSON value.
  void Json(std::string_view value) { Raw(value); }
  void String(std::string_view s) {
    Separate();
    Quoted(s);
  }

  const std::string& str() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  template <typename T>
  void Number(T v) {
    Separate();
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
    out_.append(buf, end);
  }
  void Raw(std::string_view s) {
    Separate();
    out_.append(s);
  }
  void Open(char c) {
    Separate();
    out_.push_back(c);
    first_.push_back(true);
  }
  void Close(char c) {
    out_.push_back(c);
    first_.pop_back();
  }
  // A comma before every element but the first of its container; none after a key.
  void Separate() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (first_.empty()) return;
    if (!first_.back()) out_.push_back(',');
    first_.back() = false;
  }
  // Appends runs of characters that need no escape in one piece.
  void Quoted(std::string_view s) {
    out_.push_back('"');
    size_t run = 0;
    for (size_t i = 0; i < s.size(); ++i) {
      const auto u = static_cast<unsigned char>(s[i]);
      if (u >= 0x20 && s[i] != '"' && s[i] != '\\') continue;
      out_.append(s.data() + run, i - run);
      run = i + 1;
      if (u >= 0x20) {
        out_.push_back('\\');
        out_.push_back(s[i]);
      } else {
        static const char kHex[] = "0123456789abcdef";
        out_.append("\\u00");
        out_.push_back(kHex[u >> 4]);
        out_.push_back(kHex[u & 15]);
      }
    }
    out_.append(s.data() + run, s.size() - run);
    out_.push_back('"');
  }

  std::string out_;
  std::vector<bool> first_;
  bool after_key_ = false;
};

}  // namespace dreichor::http
