// Scanning JSON text without parsing it: the string-aware brace counting that both guards a
// parser (how deep does this body nest?) and splits a stream of concatenated objects (a
// container engine's progress stream). Braces and brackets inside strings, including escaped
// quotes, are not counted.
//
//   if (JsonNestingDepth(body) > 8) return Malformed("too deep");
//   ForEachTopLevelObject(stream, [](std::string_view object) { ... });
#pragma once

#include <algorithm>
#include <string_view>

namespace dreichor {

// Calls `on_char(c, in_string)` for each character, telling whether it lies inside a string
// literal (its quotes count as inside).
template <typename OnChar>
void ScanJson(std::string_view text, OnChar on_char) {
  bool in_string = false, escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      on_char(c, true);
    } else {
      in_string = c == '"';
      on_char(c, in_string);
    }
  }
}

// The deepest nesting of arrays and objects outside strings.
inline int JsonNestingDepth(std::string_view text) {
  int depth = 0, deepest = 0;
  ScanJson(text, [&](char c, bool in_string) {
    if (in_string) return;
    if (c == '{' || c == '[') {
      deepest = std::max(deepest, ++depth);
    } else if (c == '}' || c == ']') {
      --depth;
    }
  });
  return deepest;
}

// Calls `on_object(text)` with the text of each top-level {...} in `stream` (objects written
// back to back or one per line); text between them is skipped.
template <typename OnObject>
void ForEachTopLevelObject(std::string_view stream, OnObject on_object) {
  int depth = 0;
  size_t start = 0, i = 0;
  ScanJson(stream, [&](char c, bool in_string) {
    if (!in_string) {
      if (c == '{' && depth++ == 0) {
        start = i;
      } else if (c == '}' && depth > 0 && --depth == 0) {
        on_object(stream.substr(start, i - start + 1));
      }
    }
    ++i;
  });
}

}  // namespace dreichor
