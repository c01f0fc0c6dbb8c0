#pragma once
// A tiny well-formedness check for the markup the report writers produce
// (no XML library in the project): every tag closes in order, attributes are
// quoted, & starts an entity, and no stray < or > sits in text. In HTML mode
// the void elements (meta, br, ...) need no end tag, <!DOCTYPE> and the raw
// text of <style> are skipped. Also returns how often each element occurs.
#include <cctype>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace orrery::test {

struct MarkupCheck {
  std::string problem;                  // empty: well-formed
  std::map<std::string, int> elements;  // start tags by name
  std::string root;                     // the first element
};

inline MarkupCheck check_markup(const std::string& s, bool html) {
  static const std::set<std::string> kVoid{"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                                           "source", "track", "wbr"};
  MarkupCheck r;
  std::vector<std::string> open;
  auto fail = [&](std::size_t at, const std::string& what) {
    r.problem = what + " at offset " + std::to_string(at) + ": \"" + s.substr(at, 40) + "\"";
    return r;
  };
  auto entity_ok = [&](std::size_t at) {  // s[at] == '&'
    std::size_t i = at + 1;
    if (i < s.size() && s[i] == '#') {
      ++i;
      const std::size_t digits = i;
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
      return i > digits && i < s.size() && s[i] == ';';
    }
    const std::size_t letters = i;
    while (i < s.size() && std::isalpha(static_cast<unsigned char>(s[i]))) ++i;
    return i > letters && i < s.size() && s[i] == ';';
  };
  auto name_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == ':' || c == '_'; };

  std::size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (c == '&') {
      if (!entity_ok(i)) return fail(i, "bare &");
      ++i;
      continue;
    }
    if (c == '>') return fail(i, "stray >");
    if (c != '<') {
      ++i;
      continue;
    }
    if (s.compare(i, 4, "<!--") == 0) {
      const std::size_t end = s.find("-->", i + 4);
      if (end == std::string::npos) return fail(i, "unclosed comment");
      i = end + 3;
      continue;
    }
    if (html && s.compare(i, 9, "<!DOCTYPE") == 0) {
      i = s.find('>', i) + 1;
      continue;
    }
    if (s.compare(i, 2, "</") == 0) {
      std::size_t j = i + 2;
      while (j < s.size() && name_char(s[j])) ++j;
      const std::string name = s.substr(i + 2, j - i - 2);
      if (j >= s.size() || s[j] != '>') return fail(i, "bad end tag");
      if (open.empty() || open.back() != name)
        return fail(i, "end tag </" + name + "> closes <" + (open.empty() ? std::string("nothing") : open.back()) + ">");
      open.pop_back();
      i = j + 1;
      continue;
    }
    std::size_t j = i + 1;
    while (j < s.size() && name_char(s[j])) ++j;
    const std::string name = s.substr(i + 1, j - i - 1);
    if (name.empty() || !std::isalpha(static_cast<unsigned char>(name[0]))) return fail(i, "stray <");
    // Attributes: name="value" (HTML also allows a bare name).
    bool self_closing = false;
    while (true) {
      while (j < s.size() && std::isspace(static_cast<unsigned char>(s[j]))) ++j;
      if (j >= s.size()) return fail(i, "unclosed tag");
      if (s[j] == '>') break;
      if (s.compare(j, 2, "/>") == 0) {
        self_closing = true;
        ++j;
        break;
      }
      const std::size_t a = j;
      while (j < s.size() && name_char(s[j])) ++j;
      if (j == a) return fail(j, "bad attribute");
      if (j < s.size() && s[j] == '=') {
        if (j + 1 >= s.size() || s[j + 1] != '"') return fail(j, "unquoted attribute");
        const std::size_t end = s.find('"', j + 2);
        if (end == std::string::npos) return fail(j, "unclosed attribute");
        for (std::size_t k = j + 2; k < end; ++k) {
          if (s[k] == '<') return fail(k, "< in attribute");
          if (s[k] == '&' && !entity_ok(k)) return fail(k, "bare & in attribute");
        }
        j = end + 1;
      } else if (!html) {
        return fail(a, "attribute without value");
      }
    }
    if (r.root.empty()) r.root = name;
    ++r.elements[name];
    i = j + 1;
    if (self_closing || (html && kVoid.count(name))) continue;
    if (html && (name == "style" || name == "script")) {
      const std::size_t end = s.find("</" + name + ">", i);
      if (end == std::string::npos) return fail(i, "unclosed <" + name + ">");
      i = end + name.size() + 3;
      continue;
    }
    open.push_back(name);
  }
  if (!open.empty()) return fail(s.size(), "unclosed <" + open.back() + ">");
  return r;
}

}  // namespace orrery::test
