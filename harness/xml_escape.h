// xml_escape.h: text made safe inside XML and HTML elements and attributes,
// and the head of an HTML page (the JUnit and HTML reports of
// matrix/profile, probe's HTML report).
#pragma once

#include <string>

namespace ntlm::harness {

// &, <, >, " and ' as entities; control characters XML 1.0 forbids as '?'.
std::string XmlEscape(const std::string& s);

// The start of a self-contained HTML page up to and including <body>: the
// doctype, charset, viewport, `title` (escaped) and a <style> with the
// reports' common body rule followed by `style`.
std::string HtmlPageHead(const std::string& title, const std::string& style);

}  // namespace ntlm::harness
