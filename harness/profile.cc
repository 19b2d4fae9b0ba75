#include "harness/profile.h"

#include <algorithm>
#include <iomanip>
#include <map>

#include "harness/replay.h"
#include "ssp/authenticate_message.h"
#include "ssp/flags.h"
#include "ssp/hex.h"
#include "ssp/negotiate_message.h"
#include "ssp/server_context.h"

namespace ntlm::harness {
namespace {

const char* kGreen = "\x1b[32m";
const char* kYellow = "\x1b[33m";
const char* kReset = "\x1b[0m";

Stage StageOf(const Transcript& t, std::optional<size_t> at) {
  if (!at || *at >= t.exchange.size()) return Stage::kAuthenticate;
  switch (t.exchange[*at].type) {
    case EntryType::kNegotiate:
      return Stage::kNegotiate;
    case EntryType::kChallenge:
    case EntryType::kAuthenticate:
      return Stage::kAuthenticate;
    default:
      break;
  }
  // The n-th client session message.
  size_t n = 0;
  for (size_t i = 0; i <= *at; ++i) {
    const auto& e = t.exchange[i];
    if (e.dir == EntryDir::kClientToServer &&
        (e.type == EntryType::kSeal || e.type == EntryType::kSign)) {
      ++n;
    }
  }
  return n <= 1 ? Stage::kSession1 : Stage::kSession2;
}

// "0-5", "0-4", "3", "0,2" from the accepted levels.
std::string LevelText(const std::vector<int>& levels) {
  if (levels.empty()) return "";
  bool contiguous = true;
  for (size_t i = 1; i < levels.size(); ++i) contiguous &= levels[i] == levels[i - 1] + 1;
  if (levels.size() == 1) return std::to_string(levels[0]);
  if (contiguous) return std::to_string(levels.front()) + "-" + std::to_string(levels.back());
  std::string s;
  for (int l : levels) s += (s.empty() ? "" : ",") + std::to_string(l);
  return s;
}

// The first capability a refused cell lacks, for grouping: "missing
// NTLMSSP_NEGOTIATE_SEAL in the NEGOTIATE" for a minimum the client does not
// meet (the lowest missing bit), otherwise the status, where, and the server's
// reason.
std::string FirstMissingCapability(const CellResult& cell, const PolicyColumn& column) {
  const Transcript& t = cell.transcript;
  if (cell.observed.status == ssp::SecStatus::kUnsupportedFunction && cell.at_index &&
      *cell.at_index < t.exchange.size()) {
    const auto& entry = t.exchange[*cell.at_index];
    std::optional<uint32_t> flags;
    const char* where = "";
    if (entry.type == EntryType::kNegotiate) {
      if (auto n = ssp::DecodeNegotiateMessage(entry.token); n.ok()) {
        ssp::ServerPolicy policy;
        policy.min_server_sec = column.min_server_sec;
        policy.lm_compat_level = column.lm_compat_level;
        flags = ssp::ServerContext::NegotiateResponseFlags(n->flags, policy);
        where = " (the server could not grant it from the NEGOTIATE)";
      }
    } else if (entry.type == EntryType::kAuthenticate) {
      if (auto a = ssp::DecodeAuthenticateMessage(entry.token); a.ok()) {
        flags = a->flags;
        where = " in the AUTHENTICATE's flags";
      }
    }
    if (flags) {
      const uint32_t missing = ssp::MissingMinSecBits(column.min_server_sec, *flags);
      for (uint32_t bit :
           {ssp::kNegotiateSign, ssp::kNegotiateSeal, ssp::kNegotiateEss, ssp::kNegotiate128}) {
        if (missing & bit) return "missing " + ssp::FlagNames(bit) + where;
      }
    }
  }
  return ssp::StatusName(cell.observed.status) + " at the " + StageName(cell.observed.at) + ": " +
         cell.reason;
}

std::string MinSecLabel(uint32_t min) {
  return ColumnLabel(PolicyColumn{min, 3, EpaSetting::kOff});
}

}  // namespace

MatrixRow ProfileTranscript(const ProfiledTranscript& p, const std::vector<PolicyColumn>& columns) {
  MatrixRow row;
  row.name = p.transcript.name;
  row.description = p.transcript.client.empty() ? p.transcript.description : p.transcript.client;
  row.source = p.path;
  row.group = p.transcript.client.empty() ? "client not recorded" : p.transcript.client;
  for (const auto& column : columns) {
    Transcript t = p.transcript;
    t.server.min_server_sec = column.min_server_sec;
    t.server.lm_compat_level = column.lm_compat_level;
    ReplayOutcome outcome = ReplayServerSide(t);
    CellResult cell;
    cell.observed = Outcome{outcome.accept, outcome.accept ? ssp::SecStatus::kOk : outcome.status,
                            StageOf(t, outcome.at)};
    cell.expected = cell.observed;
    cell.matches = true;
    cell.at_index = outcome.at;
    cell.reason = outcome.reason;
    if (outcome.user) cell.user = *outcome.user;
    if (outcome.negotiated_flags) cell.negotiated_flags = *outcome.negotiated_flags;
    cell.events = outcome.events;
    t.expect.accept = outcome.accept;
    t.expect.status = cell.observed.accept ? ssp::SecStatus::kOk : outcome.status;
    t.expect.at = outcome.at;
    t.extra["profile"] = {{"source", p.path}, {"column", ColumnLabel(column)}};
    cell.transcript = std::move(t);
    row.cells.push_back(std::move(cell));
  }
  return row;
}

void PrintProfileTable(const MatrixRun& run, std::ostream& out, bool color) {
  // Distinct NtlmMinServerSec values (in column order) and levels.
  std::vector<uint32_t> mins;
  std::vector<int> levels;
  for (const auto& c : run.columns) {
    if (std::find(mins.begin(), mins.end(), c.min_server_sec) == mins.end()) {
      mins.push_back(c.min_server_sec);
    }
    if (std::find(levels.begin(), levels.end(), c.lm_compat_level) == levels.end()) {
      levels.push_back(c.lm_compat_level);
    }
  }
  std::sort(levels.begin(), levels.end());
  size_t name_width = 10;
  for (const auto& row : run.rows) name_width = std::max(name_width, row.name.size());
  const size_t cell_width = 7;

  out << "ntlmssp-harness profile: " << run.rows.size() << " transcripts x " << mins.size()
      << " NtlmMinServerSec values x LmCompatibilityLevel " << LevelText(levels) << "\n\n";
  out << std::left << std::setw(static_cast<int>(name_width + 2)) << "transcript";
  for (uint32_t m : mins) out << std::setw(static_cast<int>(cell_width)) << MinSecLabel(m);
  out << "\n";
  for (const auto& row : run.rows) {
    out << std::left << std::setw(static_cast<int>(name_width + 2)) << row.name;
    for (uint32_t m : mins) {
      std::vector<int> accepted;
      const CellResult* first_refusal = nullptr;
      for (size_t i = 0; i < run.columns.size(); ++i) {
        if (run.columns[i].min_server_sec != m) continue;
        if (row.cells[i].observed.accept) {
          accepted.push_back(run.columns[i].lm_compat_level);
        } else if (!first_refusal) {
          first_refusal = &row.cells[i];
        }
      }
      std::sort(accepted.begin(), accepted.end());
      std::string text =
          accepted.empty() ? ShortOutcome(first_refusal->observed) : LevelText(accepted);
      std::string padded = text;
      padded.resize(cell_width, ' ');
      if (color) {
        out << (accepted.empty() ? kYellow : kGreen) << text << kReset
            << padded.substr(text.size());
      } else {
        out << padded;
      }
    }
    out << "\n";
  }
  out << "\nColumns: NtlmMinServerSec (S = 0x10 SIGN, C = 0x20 SEAL, E = 0x80000 ESS, 8 = "
         "0x20000000 128-bit).\nCells: the LmCompatibilityLevels under which the server accepts "
         "the recorded exchange,\n  or, when none does, why: UNSUP = SEC_E_UNSUPPORTED_FUNCTION, "
         "DENIED = SEC_E_LOGON_DENIED, SKEW, BIND, SEQ, ALTER, TOKEN.\n"
      << PresetLegend(run.columns);

  // Per transcript: what breaks it, grouped by reason.
  out << "\nWhat breaks each client:\n";
  size_t everywhere = 0;
  for (const auto& row : run.rows) {
    std::map<std::string, std::vector<size_t>> reasons;  // reason -> column indexes
    std::vector<std::string> order;
    size_t ok = 0;
    for (size_t i = 0; i < row.cells.size(); ++i) {
      const CellResult& cell = row.cells[i];
      if (cell.observed.accept) {
        ++ok;
        continue;
      }
      const std::string key = FirstMissingCapability(cell, run.columns[i]);
      if (!reasons.count(key)) order.push_back(key);
      reasons[key].push_back(i);
    }
    out << "  " << row.name << " (" << row.description << "): accepted under " << ok << " of "
        << row.cells.size() << " policies\n";
    if (ok == row.cells.size()) ++everywhere;
    for (const auto& key : order) {
      // NtlmMinServerSec values in column order, with the levels when the
      // reason does not hold at every level.
      std::vector<uint32_t> group_mins;
      std::map<uint32_t, std::vector<int>> group_levels;
      for (size_t i : reasons[key]) {
        const PolicyColumn& c = run.columns[i];
        if (!group_levels.count(c.min_server_sec)) group_mins.push_back(c.min_server_sec);
        group_levels[c.min_server_sec].push_back(c.lm_compat_level);
      }
      std::string list;
      for (uint32_t m : group_mins) {
        auto& lv = group_levels[m];
        std::sort(lv.begin(), lv.end());
        list += (list.empty() ? "" : " ") + MinSecLabel(m);
        if (lv != levels) list += " (level " + LevelText(lv) + ")";
      }
      out << "    " << key << "\n      under " << list << "\n";
    }
  }
  out << "\n"
      << run.rows.size() << " transcripts: " << everywhere << " accepted under every policy, "
      << run.rows.size() - everywhere << " refused under some\n";
}

MatrixRun ProfileTranscripts(const std::vector<ProfiledTranscript>& transcripts,
                             const std::vector<PolicyColumn>& columns) {
  MatrixRun run;
  run.judged = false;
  run.columns = columns;
  for (const auto& t : transcripts) {
    run.rows.push_back(ProfileTranscript(t, columns));
    if (t.transcript.server.clock && run.environment.now == 0) {
      run.environment.now = *t.transcript.server.clock;
    }
  }
  return run;
}

}  // namespace ntlm::harness
