#include "test_support.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "casesample/output.hpp"

namespace casesample::test {

std::size_t Table::col(const std::string& name) const {
    for (std::size_t i = 0; i < header.size(); ++i)
        if (header[i] == name) return i;
    throw std::runtime_error("no column " + name);
}

int repetitions(int full, int least) {
    static const double scale = [] {
        const char* text = std::getenv("CASESAMPLE_TEST_SCALE");
        if (text == nullptr || *text == '\0') return 1.0;
        char* end = nullptr;
        double v = std::strtod(text, &end);
        if (end == text || *end != '\0' || !(v > 0) || v > 1)
            throw std::runtime_error("CASESAMPLE_TEST_SCALE must be a number in (0, 1], not '" + std::string(text) + "'");
        return v;
    }();
    if (scale == 1.0) return full;
    int scaled = static_cast<int>(std::lround(full * scale));
    return std::max(std::min(least, full), scaled);
}

Table read_table(const std::string& path) {
    auto reader = CsvReader::open(path);
    Table t;
    t.header = reader.header();
    CsvRecord rec;
    while (reader.next(rec)) {
        std::vector<std::string> row;
        for (auto f : rec.fields) row.emplace_back(f);
        t.rows.push_back(std::move(row));
    }
    return t;
}

std::string temp_dir() {
    namespace fs = std::filesystem;
    static int counter = 0;
    fs::path p = fs::temp_directory_path() /
                 ("casesample-test-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
    fs::remove_all(p);
    fs::create_directories(p);
    return p.string();
}

void write_text(const std::string& path, const std::string& text) {
    std::ofstream f(path, std::ios::binary);
    f << text;
}

std::string read_text(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

RunResult run_cli(const std::string& args) {
    std::string dir = temp_dir();
    std::string out = dir + "/stdout", err = dir + "/stderr";
    std::string cmd = std::string(CASESAMPLE_BINARY) + " " + args + " >" + out + " 2>" + err;
    int status = std::system(cmd.c_str());
    RunResult r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = read_text(out);
    r.err = read_text(err);
    std::filesystem::remove_all(dir);
    return r;
}

}  // namespace casesample::test
