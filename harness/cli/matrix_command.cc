#include "harness/cli/matrix_command.h"

#include <CLI/CLI.hpp>
#include <filesystem>

#include "harness/catalogue.h"
#include "harness/cli/cli.h"
#include "harness/config.h"
#include "harness/net/transport_cell.h"
#include "harness/system_clock.h"

namespace ntlm::harness {
namespace {

// The fixed clock of --deterministic.
constexpr const char* kDeterministicClock = "2026-01-01T00:00:00Z";

}  // namespace

void AddMatrixOutputOptions(CLI::App& app, MatrixOutputOptions& o) {
  app.add_option("--policy", o.policies,
                 "NtlmMinServerSec columns: values as hex (0x20080030) or flag names "
                 "(SEAL|128|ESS), comma-separated or repeated; 'all' = the 16 combinations "
                 "(default)");
  app.add_option("--lm-compat", o.lm_compat,
                 "Server LmCompatibilityLevel(s) to cross with: 3 (default), 0..5, 0,3,5");
  app.add_option("--epa", o.epa,
                 "EPA settings to cross with: off (default), mic, spn, cbt, all, or every");
  app.add_option("--json", o.json_path, "Write the JSON report to FILE ('-': stdout)");
  app.add_option("--junit", o.junit_path, "Write a JUnit XML report (one testcase per cell)");
  app.add_option("--html", o.html_path,
                 "Write one self-contained HTML page; each cell opens its exchange");
  app.add_option("--record", o.record_dir, "Write every cell as a transcript into DIR");
  app.add_option("--config", o.config_path,
                 "Server configuration (JSON: identity, policy, accounts; see README)");
  app.add_option("--color", o.color, "Colour the table: auto (default), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
}

CLI::App* AddMatrixCommand(CLI::App& app, MatrixOptions& options) {
  auto* matrix = app.add_subcommand(
      "matrix",
      "The main job: every client variation of the catalogue against the in-process server "
      "under every NtlmMinServerSec combination, compared with the catalogue's expectations; "
      "exit 0 all as expected, 1 a difference, 2 usage or configuration error");
  matrix->add_option("--catalogue", options.catalogue_dir,
                     "Variation folder (default: $NTLM_VARIATIONS or vectors/variations)");
  matrix->add_option("--filter", options.filters,
                     "Only variations whose name matches (glob, or substring; comma-separated "
                     "or repeated)");
  matrix->add_option("--seed", options.seed,
                     "Reproducible run: every random byte from this seed, clock fixed at "
                     "2026-01-01T00:00:00Z unless --clock");
  matrix->add_flag("--deterministic", options.deterministic, "Same as --seed 0");
  matrix->add_option("--clock", options.clock, "Server and client clock, RFC 3339 (default: now)");
  matrix
      ->add_option("--transport", options.transport,
                   "Carry every cell through a front's socket-free session in process: inproc "
                   "(default: no front), http, rpc (sign/seal at the RPC layer) or smb (SMB "
                   "signing with its own keys); see docs/smb.md")
      ->check(CLI::IsMember({"inproc", "http", "rpc", "smb"}));
  AddMatrixOutputOptions(*matrix, options.output);
  return matrix;
}

int RunMatrixCommand(const MatrixOptions& options, std::ostream& out, std::ostream& err) {
  std::string error;
  auto columns = SelectColumns(options.output, error);
  if (!columns) {
    err << "ntlmssp-harness matrix: " << error << "\n";
    return kExitUsage;
  }
  auto config =
      LoadServerConfig(options.output.config_path, ConfigOverrides{}, ProcessEnvironment(), error);
  if (!config) {
    err << "ntlmssp-harness matrix: " << error << "\n";
    return kExitUsage;
  }
  const std::filesystem::path dir =
      options.catalogue_dir ? std::filesystem::path(*options.catalogue_dir) : DefaultCatalogueDir();
  auto catalogue = LoadCatalogue(dir, error);
  if (!catalogue) {
    err << "ntlmssp-harness matrix: catalogue: " << error << "\n";
    return kExitUsage;
  }
  std::vector<const Variation*> selected;
  for (const auto& v : catalogue->variations) {
    if (MatchesFilters(v.name, options.filters)) selected.push_back(&v);
  }
  if (selected.empty()) {
    err << "ntlmssp-harness matrix: --filter matches none of the " << catalogue->variations.size()
        << " variations in " << dir.string() << "\n";
    return kExitUsage;
  }

  CellEnvironment env;
  env.identity = config->identity;
  env.base_policy = config->policy;
  if (options.deterministic) env.seed = 0;
  if (options.seed) env.seed = options.seed;
  std::optional<std::string> clock = options.clock;
  if (!clock && env.seed) clock = kDeterministicClock;
  if (clock) {
    auto t = ParseRfc3339(*clock);
    if (!t) {
      err << "ntlmssp-harness matrix: --clock: '" << *clock
          << "' is not an RFC 3339 time (e.g. 2026-01-01T00:00:00Z)\n";
      return kExitUsage;
    }
    env.now = *t;
  } else {
    env.now = SystemClock{}.Now();
  }

  const auto transport = net::MatrixTransportFromName(options.transport);
  if (!transport) {
    err << "ntlmssp-harness matrix: --transport: '" << options.transport
        << "' is not inproc, http, rpc or smb\n";
    return kExitUsage;
  }
  MatrixRun run = *transport == net::MatrixTransport::kInproc
                      ? RunMatrix(*catalogue, selected, *columns, env)
                      : RunMatrix(*catalogue, selected, *columns, env,
                                  [&](const Catalogue& c, const Variation& v,
                                      const PolicyColumn& column, const CellEnvironment& e) {
                                    return net::RunTransportCell(*transport, c, v, column, e);
                                  });
  if (*transport != net::MatrixTransport::kInproc) run.transport = options.transport;
  run.catalogue_dir = dir.string();
  if (TableToStdout(options.output)) PrintMatrixTable(run, out, UseColor(options.output.color));
  if (!WriteReports(run, ReportInfo{}, options.output, out, err)) return kExitUsage;
  return run.failed == 0 ? kExitOk : kExitDifference;
}

}  // namespace ntlm::harness
