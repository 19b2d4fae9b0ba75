#include "harness/cli/serve_command.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "harness/cli/cli.h"
#include "harness/config.h"
#include "harness/net/auth_log.h"
#include "harness/net/front_context.h"
#include "harness/net/io/http_session.h"
#include "harness/net/io/pcap_writer.h"
#include "harness/net/io/rpc_front.h"
#include "harness/net/io/server_runner.h"
#include "harness/net/io/smb_front.h"
#include "harness/net/transcript_recorder.h"
#include "harness/system_clock.h"
#include "harness/user_file.h"
#include "ssp/flags.h"
#include "ssp/hex.h"

namespace ntlm::harness {
namespace {

std::chrono::milliseconds Millis(double seconds) {
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000.0 + 0.5));
}

// --smb-signing, --smb-encryption and --smb-max-dialect; nullopt with `error`
// naming the option.
std::optional<net::smb::SmbSessionOptions> SmbOptions(const ServeOptions& options,
                                                      std::string& error) {
  net::smb::SmbSessionOptions smb;
  if (options.smb_signing == "required") {
    smb.signing_required = true;
  } else if (options.smb_signing != "enabled") {
    error = "--smb-signing must be 'enabled' or 'required', not '" + options.smb_signing + "'";
    return std::nullopt;
  }
  if (options.smb_encryption == "desired") {
    smb.encryption = net::smb::SmbEncryption::kDesired;
  } else if (options.smb_encryption == "required") {
    smb.encryption = net::smb::SmbEncryption::kRequired;
  } else if (options.smb_encryption != "off") {
    error = "--smb-encryption must be 'off', 'desired' or 'required', not '" +
            options.smb_encryption + "'";
    return std::nullopt;
  }
  const auto max_dialect = net::smb::DialectFromName(options.smb_max_dialect);
  if (!max_dialect) {
    error = std::string("--smb-max-dialect must be ") + net::smb::kDialectNames + ", not '" +
            options.smb_max_dialect + "'";
    return std::nullopt;
  }
  smb.max_dialect = *max_dialect;
  ssp::SecureRandom random;
  if (!random.Fill(smb.server_guid)) {
    error = "no randomness for the SMB server GUID";
    return std::nullopt;
  }
  return smb;
}

void AddServeOptions(CLI::App& serve, ServeOptions& o) {
  serve.add_option("--http", o.http_address,
                   std::string("HTTP NTLM/Negotiate listener ADDR:PORT (port 0: any free port). "
                               "Default ") +
                       kDefaultHttpAddress + " when neither --http, --rpc nor --smb is given");
  serve.add_option("--rpc", o.rpc_address, "DCE/RPC over TCP listener ADDR:PORT");
  serve.add_option("--smb", o.smb_address, "SMB2/3 (direct TCP) listener ADDR:PORT");
  serve.add_option("--smb-signing", o.smb_signing,
                   "SMB signing: enabled (signed when the client asks) or required");
  serve.add_option("--smb-encryption", o.smb_encryption,
                   "SMB3 encryption (AES-128/256-GCM/CCM): off (default), desired (sessions of "
                   "clients that can encrypt) or required (others refused, unencrypted requests "
                   "denied)");
  serve.add_option("--smb-max-dialect", o.smb_max_dialect,
                   "Highest SMB dialect offered: 2.0.2, 2.1, 3.0, 3.0.2 or 3.1.1 (default)");
  serve.add_option("--config", o.config_path,
                   "Server configuration: identity, policy, accounts (JSON; see README)");
  serve.add_option("--pcap", o.pcap_path,
                   "Write the traffic as a pcap (tshark -o ntlmssp.nt_password:PASSWORD decrypts "
                   "it)");
  serve.add_option("--users", o.users_path,
                   "Accounts, DOMAIN:USER:PASSWORD lines (default: $NTLM_USER_FILE)");
  serve.add_option("--min-server-sec", o.min_server_sec,
                   "NtlmMinServerSec: a preset (none, windows-default, cis, all), hex "
                   "(0x20080030) or names (SIGN|SEAL|ESS|128); default 0x20000000");
  serve.add_option("--lm-compat", o.lm_compat_level, "LmCompatibilityLevel 0..5 (default 3)");
  serve.add_flag("--require-mic", o.require_mic, "Refuse an AUTHENTICATE without a MIC");
  serve.add_option("--target-name", o.target_name,
                   "Expected SPN in MsvAvTargetName (e.g. HTTP/server.contoso.test)");
  serve.add_option("--record", o.record_dir,
                   "Write each connection's exchange as a transcript into DIR (with the named "
                   "account's NT hash, so it replays: use test accounts)");
  serve.add_option("--log", o.log_path, "Append the JSON log lines to FILE (default: stderr)");
  serve.add_option("--idle-timeout", o.idle_timeout_s,
                   "Seconds a connection may take to send a complete request (default 10)");
  serve.add_option("--handshake-timeout", o.handshake_timeout_s,
                   "Seconds from accept to authenticated (default 15)");
  serve.add_option("--max-connections", o.max_connections,
                   "Connections open at once, all fronts together (default 1024)");
  serve
      .add_option("--threads", o.threads,
                  "Threads serving connections, each with its own event loop and listening "
                  "socket (SO_REUSEPORT spreads the connections; default: the number of cores)")
      ->check(CLI::Range(1u, 1024u));
  serve.add_option("--max-header-bytes", o.max_header_bytes,
                   "HTTP request line + headers limit, else 431 (default 16384)");
  serve.add_option("--max-body-bytes", o.max_body_bytes,
                   "HTTP body limit, else 413 (default 1048576)");
}

// The connection limits of --idle-timeout, --handshake-timeout and
// --max-*; the usage problem when one is out of range.
std::optional<std::string> ApplyLimits(const ServeOptions& options, net::FrontLimits& limits) {
  if (!(options.idle_timeout_s > 0) || !(options.handshake_timeout_s > 0) ||
      options.idle_timeout_s > 86400 || options.handshake_timeout_s > 86400) {
    return "--idle-timeout and --handshake-timeout must be seconds in (0, 86400]";
  }
  if (options.max_connections == 0) return "--max-connections must be at least 1";
  if (options.max_header_bytes < 256) return "--max-header-bytes must be at least 256";
  limits.idle_timeout = Millis(options.idle_timeout_s);
  limits.handshake_timeout = Millis(options.handshake_timeout_s);
  limits.max_connections = options.max_connections;
  limits.max_header_bytes = options.max_header_bytes;
  limits.max_body_bytes = options.max_body_bytes;
  return std::nullopt;
}

// The fronts to listen on (HTTP on the default address when neither --http
// nor --rpc is given); the usage problem when an address does not parse.
std::optional<std::string> SelectFronts(const ServeOptions& options,
                                        std::vector<net::FrontSpec>& fronts) {
  std::string http_address = options.http_address;
  if (http_address.empty() && options.rpc_address.empty() && options.smb_address.empty()) {
    http_address = kDefaultHttpAddress;
  }
  if (!http_address.empty()) {
    fronts.push_back({"http", http_address, &net::ServeHttpConnection});
  }
  if (!options.rpc_address.empty()) {
    fronts.push_back({"rpc", options.rpc_address, &net::ServeRpcConnection});
  }
  std::string error;
  if (!options.smb_address.empty()) {
    auto smb_options = SmbOptions(options, error);
    if (!smb_options) return error;
    fronts.push_back({"smb", options.smb_address, net::MakeSmbConnectionHandler(*smb_options)});
  }
  for (const auto& front : fronts) {
    if (!net::ParseListenAddress(front.address, error)) return "--" + front.name + " " + error;
  }
  return std::nullopt;
}

}  // namespace

CLI::App* AddServeCommand(CLI::App& app, ServeOptions& o) {
  auto* serve = app.add_subcommand(
      "serve",
      "Run the reference server on the network (HTTP NTLM/Negotiate, DCE/RPC) until "
      "SIGINT/SIGTERM; exit 0 clean shutdown, 2 usage/configuration, 3 environment (address "
      "in use)");
  AddServeOptions(*serve, o);
  return serve;
}

int RunServeCommand(const ServeOptions& options, std::ostream& out, std::ostream& err) {
  auto usage = [&](const std::string& message) {
    err << "ntlmssp-harness serve: " << message << "\n";
    return kExitUsage;
  };

  // Identity, policy and accounts: --config, then the gss-ntlmssp environment
  // names, then the command line.
  ConfigOverrides overrides;
  if (!options.min_server_sec.empty()) overrides.min_server_sec = options.min_server_sec;
  if (options.lm_compat_level != -1) overrides.lm_compat_level = options.lm_compat_level;
  if (!options.users_path.empty()) overrides.user_file = options.users_path;
  std::string config_error;
  auto config = LoadServerConfig(
      options.config_path.empty() ? std::nullopt : std::optional<std::string>(options.config_path),
      overrides, ProcessEnvironment(), config_error);
  if (!config) return usage(config_error);
  net::FrontContext ctx;
  ctx.identity = config->identity;
  ctx.policy = config->policy;
  if (options.require_mic) ctx.policy.require_mic = true;
  if (!options.target_name.empty()) ctx.policy.target_name = options.target_name;

  if (auto problem = ApplyLimits(options, ctx.limits)) return usage(*problem);

  // Accounts.
  const ssp::InMemoryCredentialStore& accounts = config->accounts;
  if (accounts.size() == 0) {
    return usage("no accounts: give --users FILE, set NTLM_USER_FILE, or list them in --config");
  }
  std::string error;

  // Log and recorder.
  std::ofstream log_file;
  if (!options.log_path.empty()) {
    log_file.open(options.log_path, std::ios::app);
    if (!log_file) {
      err << "ntlmssp-harness serve: cannot open the log file " << options.log_path << "\n";
      return kExitEnvironment;
    }
  }
  SystemClock clock;
  ssp::SecureRandom random;
  net::AuthLogSink log(options.log_path.empty() ? err : log_file, clock);
  std::unique_ptr<net::TranscriptRecorder> recorder;
  if (!options.record_dir.empty()) {
    recorder = net::TranscriptRecorder::Open(options.record_dir, error);
    if (!recorder) {
      err << "ntlmssp-harness serve: " << error << "\n";
      return kExitEnvironment;
    }
  }

  std::unique_ptr<net::PcapWriter> pcap;
  if (!options.pcap_path.empty()) {
    auto opened = net::PcapWriter::Open(options.pcap_path);
    if (!opened.ok()) {
      err << "ntlmssp-harness serve: --pcap " << options.pcap_path << ": " << opened.error().reason
          << "\n";
      return kExitEnvironment;
    }
    pcap = std::move(*opened);
    ctx.tap = pcap.get();
  }

  ctx.accounts = &accounts;
  ctx.clock = &clock;
  ctx.random = &random;
  ctx.log = [&log](const net::AuthLogRecord& record) { log.Write(record); };
  if (recorder) {
    ctx.record = [&recorder, &log](const Transcript& transcript) {
      std::string write_error;
      if (!recorder->Write(transcript, write_error)) log.Event("record_error", write_error);
    };
  }

  std::vector<net::FrontSpec> fronts;
  if (auto problem = SelectFronts(options, fronts)) return usage(*problem);

  const unsigned threads =
      options.threads != 0 ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  net::ServerRunner runner(
      ctx, [&log](const std::string& text) { log.Event("server", text); }, threads);
  if (!runner.Listen(fronts, error)) {
    err << "ntlmssp-harness serve: " << error << "\n";
    return kExitEnvironment;
  }
  runner.HandleSignals();
  for (const auto& [name, endpoint] : runner.bound()) {
    out << "listening " << name << " " << net::EndpointText(endpoint) << "\n";
  }
  out << std::flush;
  log.Event("server", "serving " + std::to_string(accounts.size()) +
                          " account(s), min_server_sec " + ssp::Hex32(ctx.policy.min_server_sec) +
                          ", lm_compat_level " + std::to_string(ctx.policy.lm_compat_level) + ", " +
                          std::to_string(runner.threads()) + " thread(s)");
  runner.Run(/*handle_signals=*/true);
  if (pcap) {
    if (auto e = pcap->error()) log.Event("pcap_error", *e);
  }
  std::string per_thread;
  for (uint64_t served : runner.served_per_thread()) {
    per_thread += (per_thread.empty() ? "" : ",") + std::to_string(served);
  }
  log.Event("server", "stopped after " + std::to_string(runner.accepted_connections()) +
                          " connection(s); served per thread: " + per_thread);
  return kExitOk;
}

}  // namespace ntlm::harness
