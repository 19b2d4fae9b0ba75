// xml_escape.h: text made safe inside XML and HTML elements and attributes
// (the JUnit and HTML reports of matrix/profile, probe's HTML report).
#pragma once

#include <string>

namespace ntlm::harness {

// &, <, >, " and ' as entities; control characters XML 1.0 forbids as '?'.
std::string XmlEscape(const std::string& s);

}  // namespace ntlm::harness
