// matrix_html.h: the one HTML page of a matrix run, written for `matrix
// --html` (rows are catalogue variations) and `profile --html` (rows are
// recorded transcripts). One self-contained file that works offline (no
// external script, style or font):
//   - rows grouped by MatrixRow::group (the variation's baseline, or the
//     recording's client), each group a header row naming it with its number
//     of rows and its count of refusals in each policy column;
//   - a totals row with the refusals per column over every row shown;
//   - column heads with the NtlmMinServerSec hex value and its preset name;
//   - a filter box: typing keeps the rows whose name, deviation, description
//     or cell status contains the text (case-insensitive) and recounts every
//     group and the totals over the rows shown;
//   - a click, Enter or Space on a cell opens its exchange as `decode` shows it.
// The page's fragment drives the same handlers for tests and links:
// `#filter=TEXT` types TEXT into the filter box, `#click=CELL-ID` clicks a
// cell (both: `#filter=TEXT&click=CELL-ID`).
#pragma once

#include <ostream>

#include "harness/matrix.h"
#include "harness/matrix_report.h"

namespace ntlm::harness {

// Writes the page; the same run gives the same bytes.
void WriteHtml(const MatrixRun& run, const ReportInfo& info, std::ostream& out);

}  // namespace ntlm::harness
