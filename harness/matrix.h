// matrix.h: every variation of the catalogue against the in-process server
// under a set of policy columns (by default the 16 NtlmMinServerSec
// combinations at LmCompatibilityLevel 3 without EPA), compared with the
// catalogue's expectations.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "harness/catalogue.h"
#include "harness/cell_runner.h"
#include "harness/min_server_sec.h"

namespace ntlm::harness {

struct MatrixRow {
  std::string name;  // variation name (matrix) or transcript name (profile)
  std::string description;
  std::string why;     // the catalogue's rule (matrix)
  std::string source;  // the file the row comes from
  // What the reports group rows by: the variation's baseline (matrix) or the
  // recording's client (profile).
  std::string group;
  // The variation's deviation as the catalogue names it (matrix); empty for
  // a baseline and in profile.
  std::string deviation;
  std::vector<CellResult> cells;  // one per column
};

struct MatrixRun {
  std::vector<PolicyColumn> columns;
  std::vector<MatrixRow> rows;
  CellEnvironment environment;
  std::string catalogue_dir;
  size_t passed = 0;
  size_t failed = 0;
  // false for `profile`: cells have no expectation, nothing passes or fails.
  bool judged = true;
  // The front that carried the cells (`matrix --transport`); empty: in process.
  std::string transport;
};

// One cell (RunCell, or a front's carrier: harness/net/transport_cell.h).
using CellFunction = std::function<CellResult(const Catalogue&, const Variation&,
                                              const PolicyColumn&, const CellEnvironment&)>;

// Runs `variations` (pointers into a catalogue) under `columns`.
MatrixRun RunMatrix(const Catalogue& catalogue, const std::vector<const Variation*>& variations,
                    const std::vector<PolicyColumn>& columns, const CellEnvironment& environment);
// The same with each cell run by `cell`.
MatrixRun RunMatrix(const Catalogue& catalogue, const std::vector<const Variation*>& variations,
                    const std::vector<PolicyColumn>& columns, const CellEnvironment& environment,
                    const CellFunction& cell);

// The short text of an outcome for a table cell: "ok" or a status
// abbreviation (UNSUP, DENIED, SKEW, BIND, SEQ, ALTER, TOKEN, ...).
std::string ShortOutcome(const Outcome& outcome);

// The table a person reads: rows are variations, columns policies, each
// cell "ok" or the short status, '!' marking a difference; a legend; every
// difference explained; closing line "N passed, N failed". `color` adds ANSI
// colours.
void PrintMatrixTable(const MatrixRun& run, std::ostream& out, bool color);

// "Presets: ---8 = windows-default, --E8 = cis.\n" for the columns whose
// NtlmMinServerSec is a named preset (min_server_sec.h); empty when none is.
std::string PresetLegend(const std::vector<PolicyColumn>& columns);

}  // namespace ntlm::harness
