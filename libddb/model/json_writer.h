// Minimal JSON output helpers shared by the codecs: string escaping and compact writing.
//
// The codecs append straight into a std::string, which is faster than a DOM and keeps every
// number exactly as the model prints it.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace ddb::json {

// Appends `s` as a JSON string literal (with quotes). `s` is UTF-8; control characters,
// quotes and backslashes are escaped, everything else is copied as is.
void AppendString(std::string_view s, std::string* out);

// Appends `bytes` base64-encoded, as a JSON string literal.
void AppendBase64String(std::string_view bytes, std::string* out);

// Appends [e1,e2,...], writing each element with element(e, out).
template <typename Container, typename Fn>
void AppendArray(const Container& elements, std::string* out, Fn&& element) {
  out->push_back('[');
  bool first = true;
  for (const auto& e : elements) {
    if (!first) out->push_back(',');
    first = false;
    element(e, out);
  }
  out->push_back(']');
}

// Appends {"name":value,...} for a map of names to values, writing each value with
// value(v, out).
template <typename Map, typename Fn>
void AppendObject(const Map& members, std::string* out, Fn&& value) {
  out->push_back('{');
  bool first = true;
  for (const auto& [name, v] : members) {
    if (!first) out->push_back(',');
    first = false;
    AppendString(name, out);
    out->push_back(':');
    value(v, out);
  }
  out->push_back('}');
}

}  // namespace ddb::json
