// matrix_transport_test.cc: `matrix --transport` (harness/net/transport_cell.h):
// the whole catalogue under the 16 NtlmMinServerSec columns carried by each
// front's socket-free session in process. Every cell must meet its transport's
// expectation; the NTLM logon's verdicts must agree across transports; the
// session rows must differ where the transports protect messages differently.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "harness/matrix.h"
#include "harness/min_server_sec.h"
#include "harness/net/transport_cell.h"
#include "ssp/flags.h"

namespace ntlm::harness::net {
namespace {

namespace fs = std::filesystem;

const Catalogue& TheCatalogue() {
  static const Catalogue* catalogue = [] {
    std::string error;
    auto c = LoadCatalogue(fs::path(NTLM_SOURCE_DIR) / "vectors/variations", error);
    EXPECT_TRUE(c) << error;
    return new Catalogue(c ? std::move(*c) : Catalogue{});
  }();
  return *catalogue;
}

std::vector<PolicyColumn> SixteenColumns() {
  std::vector<PolicyColumn> columns;
  for (uint32_t value : AllMinServerSecValues()) columns.push_back(PolicyColumn{value});
  return columns;
}

MatrixRun Run(MatrixTransport transport) {
  CellEnvironment env;
  env.seed = 0;
  env.now = *ParseRfc3339("2026-01-01T00:00:00Z");
  std::vector<const Variation*> all;
  for (const auto& v : TheCatalogue().variations) all.push_back(&v);
  return RunMatrix(
      TheCatalogue(), all, SixteenColumns(), env,
      [transport](const Catalogue& c, const Variation& v, const PolicyColumn& col,
                  const CellEnvironment& e) { return RunTransportCell(transport, c, v, col, e); });
}

// The runs of every transport, made once.
const std::map<MatrixTransport, MatrixRun>& Runs() {
  static const auto* runs = [] {
    auto* r = new std::map<MatrixTransport, MatrixRun>;
    for (auto t : {MatrixTransport::kInproc, MatrixTransport::kHttp, MatrixTransport::kRpc,
                   MatrixTransport::kSmb}) {
      r->emplace(t, Run(t));
    }
    return r;
  }();
  return *runs;
}

const CellResult& Cell(MatrixTransport t, const std::string& row, uint32_t min_server_sec) {
  const MatrixRun& run = Runs().at(t);
  for (const auto& r : run.rows) {
    if (r.name != row) continue;
    for (size_t i = 0; i < run.columns.size(); ++i) {
      if (run.columns[i].min_server_sec == min_server_sec) return r.cells[i];
    }
  }
  ADD_FAILURE() << "no cell " << row << " " << min_server_sec;
  return run.rows.front().cells.front();
}

std::string Observed(MatrixTransport t, const std::string& row, uint32_t policy = 0) {
  return OutcomeText(Cell(t, row, policy).observed);
}

TEST(MatrixTransport, EveryCellMeetsItsTransportsExpectation) {
  for (const auto& [transport, run] : Runs()) {
    SCOPED_TRACE(MatrixTransportName(transport));
    EXPECT_GT(run.rows.size(), 50u);
    EXPECT_EQ(run.failed, 0u);
    EXPECT_EQ(run.passed, run.rows.size() * 16);
    for (const auto& row : run.rows) {
      for (const auto& cell : row.cells) {
        EXPECT_FALSE(cell.harness_error.has_value()) << row.name << ": " << *cell.harness_error;
      }
    }
  }
}

// Refusals of the NEGOTIATE or AUTHENTICATE are NTLM's: the same status at the
// same leg whatever carries the tokens.
TEST(MatrixTransport, LogonVerdictsAgreeAcrossTransports) {
  const MatrixRun& inproc = Runs().at(MatrixTransport::kInproc);
  size_t logon_refusals = 0;
  for (auto t : {MatrixTransport::kHttp, MatrixTransport::kRpc, MatrixTransport::kSmb}) {
    SCOPED_TRACE(MatrixTransportName(t));
    const MatrixRun& other = Runs().at(t);
    ASSERT_EQ(other.rows.size(), inproc.rows.size());
    for (size_t r = 0; r < inproc.rows.size(); ++r) {
      for (size_t c = 0; c < inproc.columns.size(); ++c) {
        const Outcome& a = inproc.rows[r].cells[c].observed;
        if (a.accept || (a.at != Stage::kNegotiate && a.at != Stage::kAuthenticate)) continue;
        ++logon_refusals;
        EXPECT_EQ(OutcomeText(other.rows[r].cells[c].observed), OutcomeText(a))
            << inproc.rows[r].name << " under " << ColumnLabel(inproc.columns[c]);
      }
    }
  }
  EXPECT_GT(logon_refusals, 3u * 300);
  // The NtlmMinServerSec refusals among them, e.g. SEAL required, not asked for.
  EXPECT_EQ(
      Observed(MatrixTransport::kSmb, "modern.strip-negotiate-seal", ssp::kMinSecConfidentiality),
      "SEC_E_UNSUPPORTED_FUNCTION@negotiate");
  EXPECT_EQ(Observed(MatrixTransport::kHttp, "modern.strip-authenticate-seal",
                     ssp::kMinSecConfidentiality),
            "SEC_E_UNSUPPORTED_FUNCTION@authenticate");
}

TEST(MatrixTransport, SessionRowsDifferWhereTheTransportsProtectDifferently) {
  using T = MatrixTransport;
  // An altered signature: NTLM's checksum (inproc, RPC) or SMB's; HTTP has none.
  EXPECT_EQ(Observed(T::kInproc, "modern.alter-signature"), "SEC_E_MESSAGE_ALTERED@session-1");
  EXPECT_EQ(Observed(T::kRpc, "modern.alter-signature"), "SEC_E_MESSAGE_ALTERED@session-1");
  EXPECT_EQ(Observed(T::kSmb, "modern.alter-signature"), "SEC_E_MESSAGE_ALTERED@session-1");
  EXPECT_EQ(Observed(T::kHttp, "modern.alter-signature"), "accept");
  // Reordered messages: NTLM's sequence numbers refuse them; SMB's MessageIds
  // only need to be inside the credit window.
  EXPECT_EQ(Observed(T::kInproc, "modern.reorder-sealed-messages"),
            "SEC_E_OUT_OF_SEQUENCE@session-1");
  EXPECT_EQ(Observed(T::kRpc, "modern.reorder-sealed-messages"), "SEC_E_OUT_OF_SEQUENCE@session-1");
  EXPECT_EQ(Observed(T::kSmb, "modern.reorder-sealed-messages"), "accept");
  EXPECT_EQ(Observed(T::kHttp, "modern.reorder-sealed-messages"), "accept");
  // A replayed message: SMB closes the connection (MessageId used twice).
  EXPECT_EQ(Observed(T::kSmb, "modern.replay-sealed-message"), "SEC_E_OUT_OF_SEQUENCE@session-2");
  const CellResult& replay = Cell(T::kSmb, "modern.replay-sealed-message", 0);
  EXPECT_EQ(replay.reason, "SMB connection closed");
  // A second AUTHENTICATE: NTLM refuses it (HTTP hands it on); RPC and SMB
  // refuse it themselves.
  EXPECT_EQ(Observed(T::kHttp, "modern.authenticate-twice"), "SEC_E_INVALID_TOKEN@session-1");
  EXPECT_EQ(Observed(T::kSmb, "modern.authenticate-twice"), "SEC_E_OUT_OF_SEQUENCE@session-1");
  EXPECT_EQ(Cell(T::kSmb, "modern.authenticate-twice", 0).reason,
            "SMB STATUS_REQUEST_NOT_ACCEPTED");
  EXPECT_EQ(Observed(T::kRpc, "modern.authenticate-twice"), "SEC_E_OUT_OF_SEQUENCE@session-1");
  // SEAL dropped from the AUTHENTICATE without a policy against it: NTLM
  // accepts; the RPC association bound at pkt_privacy cannot carry a call.
  EXPECT_EQ(Observed(T::kInproc, "modern.strip-authenticate-seal"), "accept");
  EXPECT_EQ(Observed(T::kSmb, "modern.strip-authenticate-seal"), "accept");
  EXPECT_EQ(Observed(T::kRpc, "modern.strip-authenticate-seal"),
            "SEC_E_UNSUPPORTED_FUNCTION@session-1");
}

TEST(MatrixTransport, SmbCellsSayWhatTheWireAnswered) {
  const CellResult& wrong = Cell(MatrixTransport::kSmb, "modern.other-user-hash", 0);
  EXPECT_EQ(OutcomeText(wrong.observed), "SEC_E_LOGON_DENIED@authenticate");
  EXPECT_EQ(wrong.reason.rfind("SMB STATUS_LOGON_FAILURE: ", 0), 0u) << wrong.reason;
  const CellResult& unsup =
      Cell(MatrixTransport::kSmb, "modern.strip-negotiate-seal", ssp::kMinSecConfidentiality);
  EXPECT_EQ(unsup.reason.rfind("SMB SEC_E_UNSUPPORTED_FUNCTION: ", 0), 0u) << unsup.reason;
  EXPECT_EQ(unsup.transcript.extra["matrix"]["transport"], "smb");
}

TEST(MatrixTransport, NamesRoundTrip) {
  for (auto t : {MatrixTransport::kInproc, MatrixTransport::kHttp, MatrixTransport::kRpc,
                 MatrixTransport::kSmb}) {
    EXPECT_EQ(MatrixTransportFromName(MatrixTransportName(t)), t);
  }
  EXPECT_FALSE(MatrixTransportFromName("tcp").has_value());
}

}  // namespace
}  // namespace ntlm::harness::net
