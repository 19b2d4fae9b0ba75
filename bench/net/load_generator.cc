// load_generator.cc: see load_generator.h.
#include "bench/net/load_generator.h"

#include <unistd.h>

#include <algorithm>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/address.hpp>
#include <atomic>
#include <chrono>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "bench/net/smb_bench_client.h"
#include "bench/net/smb_load_session.h"
#include "harness/net/io/http_ntlm_client.h"
#include "harness/net/io/rpc_client.h"
#include "harness/net/io/smb_probe_exchange.h"
#include "harness/net/rpc_echo_interface.h"
#include "harness/system_clock.h"

namespace ntlm::bench {
namespace {

using Steady = std::chrono::steady_clock;

// utime + stime + cutime + cstime of /proc/PID/stat (all threads, and the
// children it has reaped), in seconds; nullopt when unreadable.
std::optional<double> ProcessCpuSeconds(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t paren = text.rfind(')');  // the command name may hold spaces
  if (paren == std::string::npos) return std::nullopt;
  std::istringstream fields(text.substr(paren + 1));
  std::string field;
  unsigned long long ticks = 0;
  // After ")": state is field 3; utime, stime, cutime, cstime are fields 14 to 17.
  for (int index = 3; index <= 17 && fields >> field; ++index) {
    if (index >= 14) ticks += std::stoull(field);
  }
  if (!fields) return std::nullopt;
  return static_cast<double>(ticks) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// The value after `name` in `args` at `i`; advances `i`.
std::optional<std::string> Value(const std::vector<std::string>& args, size_t& i,
                                 std::string& error) {
  if (i + 1 >= args.size()) {
    error = args[i] + " needs a value";
    return std::nullopt;
  }
  return args[++i];
}

bool ParseNumber(const std::string& name, const std::string& text, double low, double high,
                 double& out, std::string& error) {
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !(value >= low && value <= high)) {
    std::ostringstream message;
    message << name << " must be a number in [" << low << ", " << high << "], not '" << text << "'";
    error = message.str();
    return false;
  }
  out = value;
  return true;
}

// The numeric options: name, range and where the value goes.
struct NumericOption {
  const char* name;
  double low, high;
  void (*apply)(LoadOptions&, double);
};
constexpr NumericOption kNumericOptions[] = {
    {"--connections", 1, 1024,
     [](LoadOptions& o, double v) { o.connections = static_cast<int>(v); }},
    {"--duration", 0.001, 3600, [](LoadOptions& o, double v) { o.duration_s = v; }},
    {"--calls", 0, 1000000,
     [](LoadOptions& o, double v) { o.calls_per_logon = static_cast<int>(v); }},
    {"--call-bytes", 0, 1048576,
     [](LoadOptions& o, double v) { o.call_bytes = static_cast<size_t>(v); }},
    {"--server-pid", 1, 4194304,
     [](LoadOptions& o, double v) { o.server_pid = static_cast<int>(v); }},
};

// Applies one option with a value; false with `error` when it is wrong.
bool ApplyOption(const std::string& name, const std::string& value, LoadOptions& o,
                 std::string& error) {
  if (name == "--target") {
    o.target = value;
  } else if (name == "--user") {
    size_t slash = value.find('\\');
    o.domain = slash == std::string::npos ? "" : value.substr(0, slash);
    o.user = slash == std::string::npos ? value : value.substr(slash + 1);
  } else if (name == "--password") {
    o.password = value;
  } else {
    for (const NumericOption& option : kNumericOptions) {
      if (name != option.name) continue;
      double number = 0;
      if (!ParseNumber(name, value, option.low, option.high, number, error)) return false;
      option.apply(o, number);
      return true;
    }
    error = "unknown option " + name;
    return false;
  }
  return true;
}

// One logon (and its calls) on a new connection: "" when it succeeded; adds
// the calls made and their stub bytes (both directions) to `calls`/`bytes`.
using LogonFunction = std::function<std::string(uint64_t& calls, uint64_t& bytes)>;
// Makes one thread's LogonFunction (its own io_context and client state).
using LogonFactory = std::function<LogonFunction()>;

LogonFactory HttpLogons(const harness::net::HttpTarget& target,
                        const ssp::ClientCredentials& credentials) {
  return [target, credentials]() -> LogonFunction {
    auto clock = std::make_shared<harness::SystemClock>();
    return [target, credentials, clock](uint64_t&, uint64_t&) {
      return harness::net::RunHttpNtlmLogon(target, credentials, *clock, std::chrono::seconds(10));
    };
  };
}

// bind + auth3 at packet privacy, then `calls` sealed echo calls of `bytes` stub bytes.
LogonFactory RpcLogons(const harness::net::RpcTarget& target,
                       const ssp::ClientCredentials& credentials, int calls, size_t bytes) {
  const Bytes stub = harness::net::rpc::EncodeByteArray(Bytes(bytes, 0x5A));
  return [=]() -> LogonFunction {
    auto io = std::make_shared<asio::io_context>(1);
    auto clock = std::make_shared<harness::SystemClock>();
    return [=](uint64_t& calls_made, uint64_t& bytes_moved) {
      namespace net = harness::net;
      std::string error = "did not finish";
      ssp::SecureRandom random;
      ssp::ClientContext client(credentials, ssp::ClientPolicy{}, *clock, random);
      asio::co_spawn(
          *io,
          [&]() -> asio::awaitable<void> {
            net::RpcClientConnection connection(io->get_executor(), std::chrono::seconds(10));
            net::rpc::RpcClientSession session(net::rpc::kAuthLevelPktPrivacy);
            if (!co_await connection.Connect(target, error) ||
                !co_await net::AuthenticateRpc(connection, session, client, error)) {
              co_return;
            }
            for (int i = 0; i < calls; ++i) {
              auto reply =
                  co_await net::CallRpc(connection, session, net::rpc::kEchoOpnum, stub, error);
              if (!reply) co_return;
              ++calls_made;
              bytes_moved += 2 * bytes;
            }
            connection.Close();
            error.clear();
          },
          asio::detached);
      io->restart();
      io->run();  // every step inside ends within its 10 s timeout
      return error;
    };
  };
}

// NEGOTIATE (3.1.1) + SESSION_SETUP with SPNEGO/NTLM, `echoes` signed ECHOs
// and a signed LOGOFF on a new connection (bench/net/smb_load_session.h).
LogonFactory SmbLogons(const asio::ip::tcp::endpoint& server,
                       const ssp::ClientCredentials& credentials, int echoes) {
  return [=]() -> LogonFunction {
    auto io = std::make_shared<asio::io_context>(1);
    auto clock = std::make_shared<harness::SystemClock>();
    return [=](uint64_t& calls_made, uint64_t&) -> std::string {
      ssp::SecureRandom random;
      ssp::ClientContext client(credentials, ssp::ClientPolicy{}, *clock, random);
      harness::net::SmbBenchClient connection(*io, server, std::chrono::seconds(10));
      if (!connection.error().empty()) return connection.error();
      return harness::net::RunSmbLoadSession(connection, client, echoes, calls_made);
    };
  };
}

// The endpoint of "smb://HOST[:PORT]" (harness/net/io/smb_probe_exchange.h
// parses it) with HOST an IP address or localhost.
std::optional<asio::ip::tcp::endpoint> SmbEndpoint(const std::string& url, std::string& error) {
  auto target = harness::net::ParseSmbTarget(url, error);
  if (!target) return std::nullopt;
  std::string host = target->host;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  asio::error_code ec;
  auto address = asio::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
  if (ec) {
    error = "'" + url + "': the load generator needs an IP address or localhost as HOST";
    return std::nullopt;
  }
  return asio::ip::tcp::endpoint(address, target->port);
}

enum class TargetKind { kHttp, kRpc, kSmb };

TargetKind KindOf(const std::string& target) {
  if (target.rfind("smb://", 0) == 0) return TargetKind::kSmb;
  if (target.rfind("ncacn_ip_tcp:", 0) == 0) return TargetKind::kRpc;
  return TargetKind::kHttp;
}

// The calls after each logon: --calls, or the target's default.
int CallsPerLogon(const LoadOptions& options) {
  switch (KindOf(options.target)) {
    case TargetKind::kRpc:
      return options.calls_per_logon.value_or(1);
    case TargetKind::kSmb:
      return options.calls_per_logon.value_or(0);
    case TargetKind::kHttp:
      break;
  }
  return 0;
}

const char* ModeName(const LoadOptions& options) {
  if (CallsPerLogon(options) == 0) return "fresh-logons";
  return KindOf(options.target) == TargetKind::kSmb ? "logons-with-signed-echoes"
                                                    : "logons-with-sealed-calls";
}

// The client threads: logons until the deadline; latencies in ms.
void RunClients(const LoadOptions& options, const LogonFactory& factory, LoadReport& report,
                std::vector<double>& latencies) {
  std::mutex mutex;
  const Steady::time_point deadline =
      Steady::now() + std::chrono::microseconds(static_cast<int64_t>(options.duration_s * 1e6));
  std::vector<std::thread> clients;
  for (int c = 0; c < options.connections; ++c) {
    clients.emplace_back([&] {
      LogonFunction logon = factory();
      std::vector<double> mine;
      uint64_t failures = 0, calls = 0, bytes = 0;
      std::string first_failure;
      while (Steady::now() < deadline) {  // bounded by the duration; each step by its timeout
        Steady::time_point start = Steady::now();
        std::string error = logon(calls, bytes);
        if (!error.empty()) {
          if (failures++ == 0) first_failure = error;
          continue;
        }
        mine.push_back(std::chrono::duration<double, std::milli>(Steady::now() - start).count());
      }
      std::lock_guard lock(mutex);
      latencies.insert(latencies.end(), mine.begin(), mine.end());
      report.failures += failures;
      report.calls += calls;
      report.bytes += bytes;
      if (report.first_failure.empty()) report.first_failure = first_failure;
    });
  }
  for (auto& client : clients) client.join();
}

double Percentile(std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t index = static_cast<size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(index, sorted.size() - 1)];
}

}  // namespace

bool WantsLoadGenerator(const std::vector<std::string>& args) {
  return std::any_of(args.begin(), args.end(), [](const std::string& a) {
    return a == "--target" || a.rfind("--target=", 0) == 0;
  });
}

std::optional<LoadOptions> ParseLoadOptions(const std::vector<std::string>& args,
                                            std::string& error) {
  LoadOptions o;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& name = args[i];
    if (name == "--allow-remote") {
      o.allow_remote = true;
    } else if (name == "--json") {
      o.json = true;
    } else {
      auto value = Value(args, i, error);
      if (!value || !ApplyOption(name, *value, o, error)) return std::nullopt;
    }
  }
  if (o.target.empty() || o.user.empty() || o.password.empty()) {
    error = "--target, --user DOMAIN\\USER and --password are required";
    return std::nullopt;
  }
  return o;
}

namespace {

// Refuses a host outside loopback unless --allow-remote.
bool HostAllowed(const LoadOptions& options, const std::string& host, std::string& error) {
  asio::error_code ec;
  auto address = asio::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
  if (options.allow_remote || (!ec && address.is_loopback())) return true;
  error = "target host '" + host +
          "' is not a loopback address (127.0.0.0/8, ::1); give --allow-remote to load it";
  return false;
}

// false with `error` when an option does not apply to the target's kind.
bool CallOptionsApply(const LoadOptions& options, TargetKind kind, std::string& error) {
  if (kind == TargetKind::kHttp && (options.calls_per_logon || options.call_bytes)) {
    error = "--calls and --call-bytes apply to ncacn_ip_tcp: and smb:// targets, not to HTTP";
    return false;
  }
  if (kind == TargetKind::kSmb && options.call_bytes) {
    error = "--call-bytes applies to ncacn_ip_tcp: targets (an SMB ECHO carries no payload)";
    return false;
  }
  return true;
}

// The logons the target asks for; nullopt with `error` otherwise.
std::optional<LogonFactory> SelectLogons(const LoadOptions& options,
                                         const ssp::ClientCredentials& credentials,
                                         std::string& error) {
  const TargetKind kind = KindOf(options.target);
  if (!CallOptionsApply(options, kind, error)) return std::nullopt;
  if (kind == TargetKind::kSmb) {
    auto server = SmbEndpoint(options.target, error);
    if (!server || !HostAllowed(options, server->address().to_string(), error)) {
      return std::nullopt;
    }
    return SmbLogons(*server, credentials, CallsPerLogon(options));
  }
  if (kind == TargetKind::kRpc) {
    auto target = harness::net::ParseRpcTarget(options.target, error);
    if (!target || !HostAllowed(options, target->host, error)) return std::nullopt;
    return RpcLogons(*target, credentials, CallsPerLogon(options), options.call_bytes.value_or(64));
  }
  auto target = harness::net::ParseHttpTarget(options.target, error);
  if (!target || !HostAllowed(options, target->host, error)) return std::nullopt;
  return HttpLogons(*target, credentials);
}

}  // namespace

std::optional<LoadReport> RunLoad(const LoadOptions& options, std::string& error) {
  auto credentials = ssp::ClientCredentials::FromPassword(options.user, options.domain,
                                                          options.password, "NTLMBENCH");
  if (!credentials.ok()) {
    error = credentials.error().reason;
    return std::nullopt;
  }
  auto logons = SelectLogons(options, *credentials, error);
  if (!logons) return std::nullopt;
  std::optional<double> cpu_before;
  if (options.server_pid != 0) {
    cpu_before = ProcessCpuSeconds(options.server_pid);
    if (!cpu_before) {
      error = "cannot read /proc/" + std::to_string(options.server_pid) + "/stat";
      return std::nullopt;
    }
  }
  LoadReport report;
  std::vector<double> latencies;
  Steady::time_point start = Steady::now();
  RunClients(options, *logons, report, latencies);
  report.seconds = std::chrono::duration<double>(Steady::now() - start).count();
  report.logons = latencies.size();
  std::sort(latencies.begin(), latencies.end());
  report.p50_ms = Percentile(latencies, 0.50);
  report.p99_ms = Percentile(latencies, 0.99);
  if (cpu_before && report.logons > 0) {
    if (auto cpu_after = ProcessCpuSeconds(options.server_pid)) {
      const double cpu_us = (*cpu_after - *cpu_before) * 1e6;
      report.server_cpu_us_per_logon = cpu_us / static_cast<double>(report.logons);
      if (report.calls > 0) {
        report.server_cpu_us_per_call = cpu_us / static_cast<double>(report.calls);
      }
    }
  }
  return report;
}

void PrintLoadReport(const LoadOptions& options, const LoadReport& report, std::ostream& out) {
  const double logons_per_second = report.seconds > 0 ? report.logons / report.seconds : 0;
  if (options.json) {
    nlohmann::ordered_json j;
    j["target"] = options.target;
    j["mode"] = ModeName(options);
    j["connections"] = options.connections;
    j["seconds"] = report.seconds;
    j["logons"] = report.logons;
    j["failures"] = report.failures;
    if (!report.first_failure.empty()) j["first_failure"] = report.first_failure;
    j["logons_per_second"] = logons_per_second;
    j["calls"] = report.calls;
    j["calls_per_second"] = report.seconds > 0 ? report.calls / report.seconds : 0;
    j["bytes_per_second"] = report.seconds > 0 ? report.bytes / report.seconds : 0;
    j["latency_ms"] = {{"p50", report.p50_ms}, {"p99", report.p99_ms}};
    if (report.server_cpu_us_per_logon) {
      j["server_cpu_us_per_logon"] = *report.server_cpu_us_per_logon;
    }
    if (report.server_cpu_us_per_call) {
      j["server_cpu_us_per_call"] = *report.server_cpu_us_per_call;
    }
    out << j.dump(2) << "\n";
    return;
  }
  out << report.logons << " logons in " << report.seconds << " s (" << logons_per_second << "/s), "
      << report.failures << " failures, latency p50 " << report.p50_ms << " ms, p99 "
      << report.p99_ms << " ms";
  if (report.calls > 0) {
    out << ", " << report.calls << " calls ("
        << (report.seconds > 0 ? report.calls / report.seconds : 0) << "/s)";
  }
  if (report.server_cpu_us_per_logon) {
    out << ", server CPU " << *report.server_cpu_us_per_logon << " us per logon";
  }
  if (report.server_cpu_us_per_call) {
    out << " (" << *report.server_cpu_us_per_call << " us per call, logons included)";
  }
  out << "\n";
  if (!report.first_failure.empty()) out << "first failure: " << report.first_failure << "\n";
}

int LoadGeneratorMain(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::string error;
  auto options = ParseLoadOptions(args, error);
  if (!options) {
    err << "ntlmssp-net-bench: " << error << "\n";
    return 2;
  }
  auto report = RunLoad(*options, error);
  if (!report) {
    err << "ntlmssp-net-bench: " << error << "\n";
    return 2;
  }
  PrintLoadReport(*options, *report, out);
  return report->logons == 0 ? 1 : 0;
}

}  // namespace ntlm::bench
