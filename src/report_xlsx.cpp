#include "casesample/report_xlsx.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <stdexcept>

#include "casesample/csv.hpp"
#include "casesample/draw.hpp"  // unescaped_cell
#include "casesample/output.hpp"
#include "casesample/report.hpp"
#include "casesample/report_format.hpp"

namespace casesample {
namespace fs = std::filesystem;

namespace {

std::size_t utf8_length(std::string_view text) {
    std::size_t n = 0;
    for (unsigned char c : text) n += (c & 0xC0) != 0x80;
    return n;
}

std::string column_letters(std::size_t column) {
    std::string letters;
    for (std::size_t c = column + 1; c > 0; c = (c - 1) / 26) letters.insert(letters.begin(), char('A' + (c - 1) % 26));
    return letters;
}

// A file with no name that libxlsxwriter writes the workbook into (through /proc/self/fd), read back when it
// is closed: nothing is left behind, even when the process is killed. Where the file system cannot make
// nameless files, a named temporary file is used and removed.
class ScratchFile {
public:
    ScratchFile() {
        const fs::path dir = fs::temp_directory_path();
#ifdef O_TMPFILE
        fd_ = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
        if (fd_ >= 0) {
            path_ = "/proc/self/fd/" + std::to_string(fd_);
            return;
        }
#endif
        std::string name = (dir / "casesample-xlsx-XXXXXX").string();
        fd_ = ::mkstemp(name.data());
        if (fd_ < 0)
            throw std::runtime_error("cannot create a temporary file in " + dir.string() + " for the workbook (" +
                                     std::strerror(errno) + ")");
        path_ = name;
        named_ = true;
    }
    ~ScratchFile() {
        if (named_) ::unlink(path_.c_str());
        if (fd_ >= 0) ::close(fd_);
    }
    ScratchFile(const ScratchFile&) = delete;
    ScratchFile& operator=(const ScratchFile&) = delete;

    const std::string& path() const { return path_; }
    std::string read_all() const {
        std::string bytes;
        char buffer[1 << 16];
        for (off_t at = 0;;) {
            ssize_t n = ::pread(fd_, buffer, sizeof buffer, at);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) throw std::runtime_error(std::string("cannot read the workbook back: ") + std::strerror(errno));
            if (n == 0) return bytes;
            bytes.append(buffer, static_cast<std::size_t>(n));
            at += n;
        }
    }

private:
    int fd_ = -1;
    std::string path_;
    bool named_ = false;
};

}  // namespace

struct XlsxWriter::State {
    std::string title;
    ScratchFile file;
    lxw_workbook* workbook = nullptr;
    lxw_format* bold = nullptr;
    std::map<int, lxw_format*> decimals;  // number format per count of decimals
    // The current sheet.
    lxw_worksheet* sheet = nullptr;
    std::string sheet_name;
    std::size_t columns = 0;
    std::vector<std::size_t> widths;  // characters of the widest cell per column
    lxw_row_t row = 0;                // row being written (0 is the header)
    lxw_col_t column = 0;             // next column in the row
    std::size_t dropped = 0;
    bool closed = false;

    void check(lxw_error error, const char* what) const {
        if (error != LXW_NO_ERROR)
            throw std::runtime_error("cannot write the workbook (" + std::string(what) + " on sheet " + sheet_name +
                                     ", row " + std::to_string(row + 1) + "): " + lxw_strerror(error));
    }
    bool full() const { return row >= kXlsxMaxRows; }
    void widen(std::size_t chars) {
        if (column < widths.size()) widths[column] = std::max(widths[column], chars);
    }
    lxw_format* format_for(int places) {
        auto it = decimals.find(places);
        if (it != decimals.end()) return it->second;
        lxw_format* f = workbook_add_format(workbook);
        std::string code = places > 0 ? "0." + std::string(static_cast<std::size_t>(places), '0') : "0";
        format_set_num_format(f, code.c_str());
        return decimals[places] = f;
    }
    // Sizes the columns, freezes the header and filters the table of the current sheet.
    void end_sheet() {
        if (!sheet) return;
        for (std::size_t c = 0; c < widths.size(); ++c) {
            const double width = static_cast<double>(std::min<std::size_t>(widths[c], 60) + 2);
            check(worksheet_set_column(sheet, static_cast<lxw_col_t>(c), static_cast<lxw_col_t>(c), width, nullptr),
                  "column width");
        }
        worksheet_freeze_panes(sheet, 1, 0);
        const lxw_row_t last = row > 0 ? row - 1 : 0;
        if (columns > 0)
            check(worksheet_autofilter(sheet, 0, 0, std::min<lxw_row_t>(last, kXlsxMaxRows - 1),
                                       static_cast<lxw_col_t>(columns - 1)),
                  "autofilter");
        sheet = nullptr;
    }
};

XlsxWriter::XlsxWriter(std::string title) : state_(std::make_unique<State>()) {
    state_->title = std::move(title);
    // Constant memory: each row goes to disk as it is written (rows are written in order), so a sheet of a
    // million excluded cases costs no more memory than one row; text is stored in the cells themselves.
    lxw_workbook_options options{};
    options.constant_memory = LXW_TRUE;
    state_->workbook = workbook_new_opt(state_->file.path().c_str(), &options);
    if (!state_->workbook) throw std::runtime_error("cannot start a workbook (out of memory)");
    lxw_doc_properties properties{};
    properties.title = state_->title.data();
    properties.created = kXlsxCreated;
    workbook_set_properties(state_->workbook, &properties);
    state_->bold = workbook_add_format(state_->workbook);
    format_set_bold(state_->bold);
}

XlsxWriter::~XlsxWriter() {
    // An unfinished workbook is closed into the scratch file, which then goes away with it.
    if (state_ && state_->workbook && !state_->closed) workbook_close(state_->workbook);
}

void XlsxWriter::sheet(std::string_view name, const std::vector<std::string>& header) {
    State& s = *state_;
    s.end_sheet();
    const std::string sheet_name(name);
    if (sheet_name.empty() || sheet_name.size() > 31 || sheet_name.find_first_of(":\\/?*[]") != std::string::npos)
        throw std::invalid_argument("'" + sheet_name + "' cannot name a sheet");
    s.sheet = workbook_add_worksheet(s.workbook, sheet_name.c_str());
    if (!s.sheet) throw std::invalid_argument("'" + sheet_name + "' cannot name a sheet (is it used twice?)");
    s.sheet_name = sheet_name;
    s.columns = header.size();
    s.widths.assign(header.size(), 0);
    s.row = 0;
    s.column = 0;
    s.dropped = 0;
    for (const auto& h : header) {
        // The header's filter button takes about two characters.
        s.widen(utf8_length(h) + 2);
        s.check(worksheet_write_string(s.sheet, 0, s.column, h.c_str(), s.bold), "header");
        ++s.column;
    }
    s.row = 1;
    s.column = 0;
}

XlsxWriter& XlsxWriter::text(std::string_view cell) {
    State& s = *state_;
    if (!s.sheet) throw std::logic_error("XlsxWriter::text before sheet()");
    if (!s.full() && !cell.empty()) {
        const std::size_t chars = utf8_length(cell);
        if (chars > kXlsxMaxCellChars)
            throw std::runtime_error("cannot write the workbook: the cell " + column_letters(s.column) +
                                     std::to_string(s.row + 1) + " of sheet " + s.sheet_name + " holds " +
                                     std::to_string(chars) + " characters, more than Excel's " +
                                     std::to_string(kXlsxMaxCellChars));
        const std::string copy(cell);  // libxlsxwriter needs a terminated string
        s.check(worksheet_write_string(s.sheet, s.row, s.column, copy.c_str(), nullptr), "text cell");
        s.widen(chars);
    }
    ++s.column;
    return *this;
}

XlsxWriter& XlsxWriter::integer(long long value) {
    State& s = *state_;
    if (!s.sheet) throw std::logic_error("XlsxWriter::integer before sheet()");
    if (!s.full()) {
        s.check(worksheet_write_number(s.sheet, s.row, s.column, static_cast<double>(value), nullptr), "number cell");
        s.widen(std::to_string(value).size());
    }
    ++s.column;
    return *this;
}

XlsxWriter& XlsxWriter::number(double value, int decimals) {
    State& s = *state_;
    if (!s.sheet) throw std::logic_error("XlsxWriter::number before sheet()");
    if (!std::isfinite(value)) return empty();
    if (!s.full()) {
        // The value the CSV files print, to the same decimals, so the two read back alike.
        const std::string shown = format_fixed(value, decimals);
        double rounded = value;
        std::from_chars(shown.data(), shown.data() + shown.size(), rounded);
        s.check(worksheet_write_number(s.sheet, s.row, s.column, rounded, s.format_for(decimals)), "number cell");
        s.widen(shown.size());
    }
    ++s.column;
    return *this;
}

XlsxWriter& XlsxWriter::empty() {
    ++state_->column;
    return *this;
}

void XlsxWriter::end_row() {
    State& s = *state_;
    if (s.full()) ++s.dropped;
    else ++s.row;
    s.column = 0;
}

std::size_t XlsxWriter::dropped_rows() const noexcept { return state_->dropped; }

std::string XlsxWriter::finish() {
    State& s = *state_;
    s.end_sheet();
    s.closed = true;
    const lxw_error error = workbook_close(s.workbook);
    s.workbook = nullptr;
    if (error != LXW_NO_ERROR) throw std::runtime_error(std::string("cannot write the workbook: ") + lxw_strerror(error));
    return s.file.read_all();
}

void write_about_sheet(XlsxWriter& x, const XlsxAbout& rows) {
    x.sheet("About", {"item", "value"});
    for (const auto& [item, value] : rows) {
        x.text(item).text(value);
        x.end_row();
    }
}

// ---- the workbook of a report -------------------------------------------------------------------------------

namespace {

// Columns of report --format csv that hold numbers (the rating probabilities are p_<initials>).
bool numeric_report_column(const std::string& name) {
    static const std::set<std::string> numeric = {
        "cases_read", "relevant",   "yes",         "percent", "population", "lower",
        "upper",      "lower_count", "upper_count", "score",   "more_yes_to_move_up",
        "fewer_yes_to_move_down",   "verdict_probability"};
    return numeric.count(name) > 0 || name.rfind("p_", 0) == 0;
}

// A number cell of the CSV: its value and its decimals, or nothing when the text is not a plain number.
std::optional<std::pair<double, int>> csv_number(std::string_view cell) {
    if (cell.empty() || cell.find_first_not_of("-0123456789.") != std::string_view::npos) return std::nullopt;
    double value = 0;
    auto r = std::from_chars(cell.data(), cell.data() + cell.size(), value);
    if (r.ec != std::errc{} || r.ptr != cell.data() + cell.size()) return std::nullopt;
    const auto dot = cell.find('.');
    return std::make_pair(value, dot == std::string_view::npos ? 0 : static_cast<int>(cell.size() - dot - 1));
}

}  // namespace

std::string report_workbook(const Report& report, const XlsxAbout& about) {
    // The cells of report --format csv, split by their level into sheets: the workbook always says what the
    // CSV says. A sheet keeps the columns that hold something at its level.
    auto reader = CsvReader::from_string("report.csv", render_report(report, ReportFormat::csv));
    const auto& header = reader.header();
    const auto level_col = reader.find_column("level");
    if (!level_col) throw std::logic_error("report --format csv has no level column");
    std::map<std::string, std::vector<std::vector<std::string>>> by_level;
    CsvRecord rec;
    while (reader.next(rec)) {
        std::vector<std::string> cells;
        for (auto f : rec.fields) cells.emplace_back(unescaped_cell(f));
        by_level[cells[*level_col]].push_back(std::move(cells));
    }

    XlsxWriter x("casesample report");
    const std::pair<const char*, const char*> sheets[] = {
        {"question", "Key questions"}, {"standard", "Standards"}, {"overall", "Overall"}};
    for (const auto& [level, name] : sheets) {
        const auto& rows = by_level[level];
        std::vector<std::size_t> keep;
        for (std::size_t c = 0; c < header.size(); ++c) {
            if (c == *level_col) continue;
            bool used = c <= 1;  // the id columns stay even when empty
            for (const auto& r : rows) used = used || !r[c].empty();
            if (used) keep.push_back(c);
        }
        std::vector<std::string> names;
        for (auto c : keep) names.push_back(header[c]);
        x.sheet(name, names);
        for (const auto& r : rows) {
            for (auto c : keep) {
                const auto value = numeric_report_column(header[c]) ? csv_number(r[c]) : std::nullopt;
                if (value) x.number(value->first, value->second);
                else x.text(r[c]);
            }
            x.end_row();
        }
    }

    XlsxAbout rows = {{"tool", "casesample"}, {"version", CASESAMPLE_VERSION}, {"answers", report.answers_file}};
    rows.push_back({"confidence", format_shortest(report.confidence)});
    rows.push_back({"interval method", std::string(to_string(report.method))});
    rows.push_back({"band from", report.band_on == BandOn::exact ? "exact share" : "rounded percentage"});
    rows.push_back({"simulation", std::string(to_string(report.simulation))});
    if (report.simulation != Simulation::none) {
        rows.push_back({"draws", std::to_string(report.draws)});
        rows.push_back({"seed", std::to_string(report.seed)});
    }
    rows.push_back({"robust at", format_shortest(report.robust_at)});
    if (!report.not_assessed.empty()) rows.push_back({"not assessed", report.not_assessed});
    for (const auto& line : report_summary(report)) rows.push_back({"summary", line});
    for (const auto& note : report.notes) rows.push_back({"note", note});
    rows.insert(rows.end(), about.begin(), about.end());
    write_about_sheet(x, rows);
    return x.finish();
}

}  // namespace casesample
