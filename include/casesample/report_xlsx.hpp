#pragma once
// Excel workbooks people work in (libxlsxwriter).
//
//  draw_workbook    `draw --xlsx`: sheets Sample (every domain's cases in selection order, with empty columns
//                   inspector, date read and notes for the fieldwork), Reserves, Balance, Excluded and About
//                   (seed, parameters, inputs and their SHA-256, version: what manifest.json records).
//  report_workbook  `report --xlsx`: sheets Key questions, Standards, Overall (the cells of report --format csv,
//                   one sheet per level) and About (method, options, inputs, notes, the summary).
//  XlsxWriter       any other table (batch's summary.xlsx): sheets of text and number cells.
//
// Every sheet has its header row in bold and frozen, an autofilter over its table and columns sized to their
// text. Every text cell is written as a string: an id such as =1+1, 2019-06-03, 0012 or 1E5 stays exactly that
// text and never becomes a formula, a date or a number. Numbers the tool computed are numbers, shown with the
// decimals the CSV files print and holding those rounded values.
//
// Reproducible: the document's creation time is fixed (kXlsxCreated) and nothing else varies, so the same
// calls give byte-identical files on any machine. The writers return the workbook's bytes; the caller writes
// them atomically (write_file_atomically, or with a sample folder's files in one step).
#include <cstdint>
#include <ctime>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "casesample/csv.hpp"  // CellWriter

namespace casesample {

struct DrawnSample;
struct Report;

// Labels and values for a workbook's About sheet, e.g. {"answers SHA-256", "9f86d0…"}, {"command", "…"}.
using XlsxAbout = std::vector<std::pair<std::string, std::string>>;

// The creation and modification time written into every workbook: 2000-01-01T00:00:00Z.
inline constexpr std::time_t kXlsxCreated = 946684800;

// Excel's limits: rows per sheet (header included) and characters per cell.
inline constexpr std::size_t kXlsxMaxRows = 1048576;
inline constexpr std::size_t kXlsxMaxCellChars = 32767;

// Sheets of a workbook, cell by cell: the same calls as CsvWriter (csv.hpp's CellWriter), so a CSV file and its
// sheet are written by the same code.
class XlsxWriter final : public CellWriter {
public:
    // `title` goes into the document's properties.
    explicit XlsxWriter(std::string title);
    ~XlsxWriter();
    XlsxWriter(const XlsxWriter&) = delete;
    XlsxWriter& operator=(const XlsxWriter&) = delete;

    // Starts a new sheet with this header row; the cells that follow go into it. Sheet names are at most 31
    // characters, without : \ / ? * [ ] (throws std::invalid_argument otherwise).
    void sheet(std::string_view name, const std::vector<std::string>& header);
    XlsxWriter& text(std::string_view cell) override;         // a string cell, whatever it looks like
    XlsxWriter& integer(long long value) override;
    XlsxWriter& number(double value, int decimals) override;  // the value rounded to `decimals` places, shown so
    XlsxWriter& empty() override;
    // Ends the row. Rows beyond Excel's limit are not written but counted (dropped_rows()).
    void end_row() override;
    // Rows of the current sheet not written because the sheet was full.
    std::size_t dropped_rows() const noexcept;

    // Closes the workbook and returns its bytes. Throws std::runtime_error when libxlsxwriter fails, and for a
    // text cell longer than Excel allows (naming the sheet, row and column).
    std::string finish();

private:
    struct State;
    std::unique_ptr<State> state_;
};

// An About sheet: columns item and value, one row each.
void write_about_sheet(XlsxWriter& writer, const XlsxAbout& rows);

// The workbook of a draw (see the top of this file). `about` rows are added after the manifest's.
std::string draw_workbook(const DrawnSample& sample, const XlsxAbout& about = {});

// The workbook of a report (see the top of this file).
std::string report_workbook(const Report& report, const XlsxAbout& about = {});

}  // namespace casesample
