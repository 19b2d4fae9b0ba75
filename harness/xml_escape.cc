// xml_escape.cc: XmlEscape and HtmlPageHead (see xml_escape.h).
#include "harness/xml_escape.h"

namespace ntlm::harness {

std::string XmlEscape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // XML 1.0 forbids most control characters.
        if (static_cast<unsigned char>(ch) < 0x20 && ch != '\n' && ch != '\t' && ch != '\r') {
          out += '?';
        } else {
          out += ch;
        }
    }
  }
  return out;
}

std::string HtmlPageHead(const std::string& title, const std::string& style) {
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
         XmlEscape(title) +
         "</title>\n<style>\n"
         "body{font-family:system-ui,-apple-system,Segoe "
         "UI,sans-serif;margin:1.5em;color:#1b1f24}\n" +
         style + "</style></head><body>\n";
}

}  // namespace ntlm::harness
