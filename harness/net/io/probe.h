// probe.h: `ntlmssp-harness probe http://HOST:PORT/PATH` or
// `probe ncacn_ip_tcp:HOST[PORT]` — the client-variation catalogue against a
// real server, and the policies consistent with what it answered.
//
// Every variation whose deviation lives in the NTLM tokens is played once
// over its own connection. Over HTTP the sealed-message scenarios are skipped
// (HTTP uses no NTLM session security); over DCE/RPC
// (net/rpc_probe_exchange.h) they are played on the echo interface's
// protected requests. The AUTHENTICATE scenarios are played over both:
// replay-authenticate on two connections (connection 1's accepted
// AUTHENTICATE sent after connection 2's new CHALLENGE), authenticate-twice
// on one (the accepted AUTHENTICATE sent again: a third HTTP request on the
// keep-alive connection, or an alter_context carrying it). Their SSPI status
// is not visible over DCE/RPC (nor over HTTP unless the server names it):
// what is compared is accepted or refused, and at which message. The server's answers (CHALLENGE or
// not; accepted or refused, and over DCE/RPC at which message) are then matched against the
// catalogue's expectation under every NtlmMinServerSec value x
// LmCompatibilityLevel 0..5 x EPA setting: the columns that explain every
// answer are the server's possible policies. Traffic goes only to the target,
// one connection at a time, each step bounded by --timeout, at most one
// connection per variation (two for replay-authenticate).
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "harness/catalogue.h"
#include "harness/cell_runner.h"
#include "harness/probe_observation.h"
#include "harness/verdict.h"

namespace ntlm::harness {

struct ProbeOptions {
  std::string target;  // http://HOST:PORT/PATH or ncacn_ip_tcp:HOST[PORT]
  std::string user;
  std::string domain;
  std::string password;  // or $NTLM_PROBE_PASSWORD
  std::string workstation = "PROBE";
  std::vector<std::string> filters;
  std::optional<std::string> catalogue_dir;
  std::optional<std::string> json_path;
  // The same as one HTML page, with the verdict (harness/probe_html.h).
  std::optional<std::string> html_path;
  double timeout_s = 10;
  // DCE/RPC: the interface called (net/rpc_probe_interface.h): "harness"
  // (the default, `serve --rpc`'s own echo) or "rpcecho" (Samba's).
  std::string interface_name = "harness";
  // SMB: the dialect the NEGOTIATE offers ("2.0.2" ... "3.1.1").
  std::string smb_dialect = "3.1.1";
};

// kOk probed (at least one policy explains the answers), kDifference no
// policy explains them (the server differs from MS-NLMP as the catalogue
// reads it), kInvalidInput usage, kEnvironment the target could not be reached.
Verdict RunProbe(const ProbeOptions& options, std::ostream& out, std::ostream& err);

}  // namespace ntlm::harness
