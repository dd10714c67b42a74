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
// calls give byte-identical files on any machine. A finished workbook stays in a nameless temporary file
// (Workbook), checked there and passed on a megabyte at a time: the caller writes it atomically
// (write_file_atomically, or with a sample folder's files in one step) without holding it whole in memory.
#include <cstdint>
#include <ctime>
#include <functional>
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

// A finished workbook: its bytes in a nameless temporary file (a real export's Excluded sheet makes tens of
// megabytes), which lives as long as any copy of this.
class Workbook {
public:
    std::size_t size() const noexcept;
    // Passes the bytes to `sink`, a megabyte at a time. Throws std::runtime_error when they cannot be read back.
    void write_to(const std::function<void(std::string_view)>& sink) const;
    // All the bytes at once (small workbooks, tests).
    std::string bytes() const;

private:
    friend class XlsxWriter;
    struct File;
    std::shared_ptr<const File> file_;
};

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

    // Closes the workbook, checks that every part of it was written whole, and returns it. Throws
    // std::runtime_error when libxlsxwriter fails or a part came out incomplete (a full disk), and for a text cell
    // longer than Excel allows (naming the sheet, row and column).
    Workbook finish_workbook();
    // The same, as bytes.
    std::string finish();

private:
    struct State;
    std::unique_ptr<State> state_;
};

// An About sheet: columns item and value, one row each.
void write_about_sheet(XlsxWriter& writer, const XlsxAbout& rows);

// The workbook of a draw (see the top of this file). `about` rows are added after the manifest's.
Workbook draw_workbook_file(const DrawnSample& sample, const XlsxAbout& about = {});
std::string draw_workbook(const DrawnSample& sample, const XlsxAbout& about = {});

// The workbook of a report (see the top of this file).
std::string report_workbook(const Report& report, const XlsxAbout& about = {});

}  // namespace casesample
