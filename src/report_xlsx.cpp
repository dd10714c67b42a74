#include "casesample/report_xlsx.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xlsxwriter.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
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
    std::size_t size() const {
        struct stat st {};
        if (::fstat(fd_, &st) != 0)
            throw std::runtime_error(std::string("cannot read the workbook back: ") + std::strerror(errno));
        return static_cast<std::size_t>(st.st_size);
    }
    // Up to `n` bytes from offset `at` (fewer only at the end of the file).
    std::string read_at(std::size_t at, std::size_t n) const {
        std::string bytes(n, '\0');
        std::size_t got = 0;
        while (got < n) {
            ssize_t r = ::pread(fd_, bytes.data() + got, n - got, static_cast<off_t>(at + got));
            if (r < 0 && errno == EINTR) continue;
            if (r < 0) throw std::runtime_error(std::string("cannot read the workbook back: ") + std::strerror(errno));
            if (r == 0) break;
            got += static_cast<std::size_t>(r);
        }
        bytes.resize(got);
        return bytes;
    }

private:
    int fd_ = -1;
    std::string path_;
    bool named_ = false;
};

// libxlsxwriter says what went wrong twice: an error code, and a line of its own ("[ERROR][file.c:123]: ...",
// "[ERROR] workbook_close(): ... System error = No space left on device") that it prints on C's stderr.
// casesample's one-line error must be all the user sees, so while any workbook is being written C's `stderr`
// is a stream in memory: the library's lines go there, and the system's reason is taken from them for our
// message. Only C stdio's stderr changes; std::cerr and the progress bar write to the file descriptor itself
// (std::cerr holds the FILE it was given at start-up), so nothing else is lost.
class LibraryMessages {
public:
    LibraryMessages() {
        std::lock_guard<std::mutex> lock(mutex_);
        if (users_++ > 0 || !stream_open()) return;
        saved_ = stderr;
        stderr = stream_;
    }
    ~LibraryMessages() {
        std::lock_guard<std::mutex> lock(mutex_);
        if (--users_ > 0 || !saved_) return;
        stderr = saved_;
        saved_ = nullptr;
        std::fclose(stream_);
        stream_ = nullptr;
        std::free(text_);
        text_ = nullptr;
        size_ = 0;
    }
    LibraryMessages(const LibraryMessages&) = delete;
    LibraryMessages& operator=(const LibraryMessages&) = delete;

    // The system's reason in the library's last line that gave one ("No space left on device"), or "".
    static std::string system_reason() {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!stream_) return "";
        std::fflush(stream_);
        const std::string_view said(text_ ? text_ : "", size_);
        constexpr std::string_view marker = "System error = ";
        const auto at = said.rfind(marker);
        if (at == std::string_view::npos) return "";
        auto reason = said.substr(at + marker.size());
        reason = reason.substr(0, reason.find('\n'));
        return std::string(reason);
    }

private:
    static bool stream_open() {
        stream_ = ::open_memstream(&text_, &size_);
        return stream_ != nullptr;  // without one (out of memory), the library's lines go where they would
    }
    static inline std::mutex mutex_;
    static inline std::size_t users_ = 0;
    static inline FILE* saved_ = nullptr;
    static inline FILE* stream_ = nullptr;
    static inline char* text_ = nullptr;
    static inline std::size_t size_ = 0;
};

// A workbook is a zip file of XML parts. libxlsxwriter writes each sheet's rows into a temporary file first
// and does not check those writes: on a full disk it zips what made it to disk and reports success, a
// workbook Excel cannot open. So every finished workbook is read back here: each part must inflate to the
// size its zip entry records and end with its root element's closing tag. Returns the first part that does
// not, or "" when every part is whole.
std::uint32_t le(const std::string& b, std::size_t at, int bytes) {
    std::uint32_t v = 0;
    for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[at + static_cast<std::size_t>(i)]);
    return v;
}

// Whether an XML part is whole: after the declaration, its root element is closed at its very end. `head` and
// `tail` are its first and last bytes, `size` its length.
bool whole_xml(std::string_view head, std::string_view tail, std::size_t size) {
    auto start = head.find('<');
    while (start != std::string_view::npos && start + 1 < head.size() && head[start + 1] == '?')
        start = head.find('<', start + 1);
    if (start == std::string_view::npos) return false;
    const auto end_of_name = head.find_first_of(" \t\r\n/>", start + 1);
    if (end_of_name == std::string_view::npos) return false;
    const std::string close = "</" + std::string(head.substr(start + 1, end_of_name - start - 1)) + ">";
    while (!tail.empty() && std::isspace(static_cast<unsigned char>(tail.back()))) tail.remove_suffix(1);
    if (tail.size() >= close.size() && tail.substr(tail.size() - close.size()) == close) return true;
    // A root that closes itself (<Relationships .../>) in a part short enough to be all in `head`.
    return size == head.size() && tail.ends_with("/>") && head.find('<', start + 1) == std::string_view::npos;
}

std::string first_broken_part(const ScratchFile& file) {
    constexpr std::size_t kEnd = 22;  // the end-of-central-directory record, with no comment
    const std::size_t zip_size = file.size();
    if (zip_size < kEnd) return "the zip file's directory";
    const std::size_t end = zip_size - kEnd;
    const std::string tail_record = file.read_at(end, kEnd);
    if (tail_record.size() != kEnd || le(tail_record, 0, 4) != 0x06054b50) return "the zip file's directory";
    const std::size_t entries = le(tail_record, 10, 2);
    const std::size_t directory_size = le(tail_record, 12, 4), directory_at = le(tail_record, 16, 4);
    if (directory_at > end || directory_size > end - directory_at) return "the zip file's directory";
    const std::string directory = file.read_at(directory_at, directory_size);  // a few hundred bytes
    std::size_t at = 0;
    for (std::size_t e = 0; e < entries; ++e) {
        if (at + 46 > directory.size() || le(directory, at, 4) != 0x02014b50) return "the zip file's directory";
        const auto method = le(directory, at + 10, 2);
        const std::size_t packed = le(directory, at + 20, 4), size = le(directory, at + 24, 4);
        const std::size_t name_length = le(directory, at + 28, 2);
        const std::size_t skip = name_length + le(directory, at + 30, 2) + le(directory, at + 32, 2);
        const std::size_t local = le(directory, at + 42, 4);
        if (at + 46 + name_length > directory.size()) return "the zip file's directory";
        const std::string name = directory.substr(at + 46, name_length);
        at += 46 + skip;
        const std::string header = local + 30 <= zip_size ? file.read_at(local, 30) : std::string();
        if (header.size() != 30 || le(header, 0, 4) != 0x04034b50) return name;
        const std::size_t data = local + 30 + le(header, 26, 2) + le(header, 28, 2);
        if (data > zip_size || packed > zip_size - data) return name;
        // The part's first and last bytes, inflated in pieces read from the file (a sheet may hold a million rows).
        std::string head, tail;
        std::size_t total = 0;
        auto take = [&](const char* p, std::size_t n) {
            if (head.size() < 512) head.append(p, std::min(n, 512 - head.size()));
            tail.append(p, n);
            if (tail.size() > 4096) tail.erase(0, tail.size() - 512);
            total += n;
        };
        constexpr std::size_t kPiece = std::size_t{1} << 16;
        if (method == 0) {
            for (std::size_t from = 0; from < packed; from += kPiece) {
                const std::string piece = file.read_at(data + from, std::min(kPiece, packed - from));
                take(piece.data(), piece.size());
            }
        } else if (method == 8) {
            z_stream z{};
            if (inflateInit2(&z, -MAX_WBITS) != Z_OK) return name;
            char buffer[1 << 16];
            int status = Z_OK;
            std::size_t read = 0;
            std::string piece;
            while (status == Z_OK) {
                if (z.avail_in == 0 && read < packed) {
                    piece = file.read_at(data + read, std::min(kPiece, packed - read));
                    read += piece.size();
                    z.next_in = reinterpret_cast<Bytef*>(piece.data());
                    z.avail_in = static_cast<uInt>(piece.size());
                }
                z.next_out = reinterpret_cast<Bytef*>(buffer);
                z.avail_out = sizeof buffer;
                status = inflate(&z, Z_NO_FLUSH);
                take(buffer, sizeof buffer - z.avail_out);
                if (status == Z_BUF_ERROR && z.avail_in == 0 && read >= packed) break;
                if (status == Z_BUF_ERROR && z.avail_in == 0) status = Z_OK;  // more to read
            }
            inflateEnd(&z);
            if (status != Z_STREAM_END) return name;
        } else {
            return name;
        }
        if (total != size) return name;
        if ((name.ends_with(".xml") || name.ends_with(".rels")) && !whole_xml(head, tail, total)) return name;
    }
    return "";
}

}  // namespace

struct XlsxWriter::State {
    LibraryMessages quiet;  // first: the library says nothing on stderr from the first call to the last
    std::string title;
    std::shared_ptr<ScratchFile> file = std::make_shared<ScratchFile>();
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
                                     ", row " + std::to_string(row + 1) + "): " + reason(error));
    }
    // Why the library failed: the system's reason where it gave one (a full disk names the folder it fills).
    std::string reason(lxw_error error) const {
        const auto system = LibraryMessages::system_reason();
        if (system.empty()) return lxw_strerror(error);
        return system + " (in the temporary folder " + temporary_folder +
               ", where the workbook is put together; set TMPDIR to use another folder)";
    }
    std::string temporary_folder;
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
    // The library's own temporary files (one per sheet) go where the scratch file is, so that one folder is
    // named when the disk is full.
    state_->temporary_folder = fs::temp_directory_path().string();
    options.tmpdir = state_->temporary_folder.data();
    state_->workbook = workbook_new_opt(state_->file->path().c_str(), &options);
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

struct Workbook::File {
    std::shared_ptr<ScratchFile> scratch;
    std::size_t size = 0;
};

std::size_t Workbook::size() const noexcept { return file_ ? file_->size : 0; }

void Workbook::write_to(const std::function<void(std::string_view)>& sink) const {
    constexpr std::size_t kPiece = std::size_t{1} << 20;
    for (std::size_t at = 0; file_ && at < file_->size; at += kPiece) {
        const std::string piece = file_->scratch->read_at(at, std::min(kPiece, file_->size - at));
        if (piece.empty()) throw std::runtime_error("cannot read the workbook back: it is shorter than it was");
        sink(piece);
    }
}

std::string Workbook::bytes() const {
    std::string all;
    all.reserve(size());
    write_to([&](std::string_view piece) { all.append(piece); });
    return all;
}

Workbook XlsxWriter::finish_workbook() {
    State& s = *state_;
    s.end_sheet();
    s.closed = true;
    const lxw_error error = workbook_close(s.workbook);
    s.workbook = nullptr;
    if (error != LXW_NO_ERROR) throw std::runtime_error("cannot write the workbook: " + s.reason(error));
    if (const auto broken = first_broken_part(*s.file); !broken.empty()) {
        const auto system = LibraryMessages::system_reason();
        throw std::runtime_error("cannot write the workbook: writing it in the temporary folder " + s.temporary_folder +
                                 " failed part way (" + (system.empty() ? std::string("is that disk full?") : system + ".") +
                                 " Set TMPDIR to use another folder), so its part " + broken + " came out incomplete");
    }
    Workbook book;
    book.file_ = std::make_shared<const Workbook::File>(Workbook::File{s.file, s.file->size()});
    return book;
}

std::string XlsxWriter::finish() { return finish_workbook().bytes(); }

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
