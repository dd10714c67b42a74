#include "casesample/progress.hpp"

#include <algorithm>
#include <cmath>

namespace casesample {
namespace {

// Columns a UTF-8 string takes on a terminal (one per code point: the stages are Latin text).
std::size_t columns(const std::string& text) {
    std::size_t n = 0;
    for (unsigned char c : text) n += (c & 0xC0) != 0x80;
    return n;
}

// The first `width` columns of a UTF-8 string.
std::string first_columns(const std::string& text, std::size_t width) {
    std::size_t n = 0, i = 0;
    for (; i < text.size(); ++i) {
        if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
            if (n == width) break;
            ++n;
        }
    }
    return text.substr(0, i);
}

std::string grouped(std::uint64_t value) {
    std::string digits = std::to_string(value), out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return out;
}

std::string two_digits(std::uint64_t v) { return (v < 10 ? "0" : "") + std::to_string(v); }

// 0:07, 12:30, 1:02:03
std::string clock(double seconds) {
    const auto s = static_cast<std::uint64_t>(std::llround(std::max(0.0, seconds)));
    if (s >= 3600) return std::to_string(s / 3600) + ":" + two_digits(s / 60 % 60) + ":" + two_digits(s % 60);
    return std::to_string(s / 60) + ":" + two_digits(s % 60);
}

}  // namespace

std::string progress_line(const Progress::Snapshot& snapshot, double elapsed_seconds, std::size_t width) {
    const std::string stage = snapshot.stage ? snapshot.stage : "working";
    const std::uint64_t total = snapshot.total;
    const std::uint64_t done = total ? std::min(snapshot.done, total) : snapshot.done;
    std::string line;
    if (total == 0) {
        line = stage + "  " + (done ? grouped(done) + " so far  " : "") + clock(elapsed_seconds);
    } else {
        const double fraction = static_cast<double>(done) / static_cast<double>(total);
        const int percent = static_cast<int>(std::floor(100 * fraction));  // 100% only when all is done
        std::string pct = std::to_string(percent) + "%";
        pct.insert(0, 4 - std::min<std::size_t>(4, pct.size()), ' ');
        std::string count = "  " + grouped(done) + " / " + grouped(total);
        std::string left;
        if (done > 0 && done < total && elapsed_seconds >= 0.5)
            left = "  " + clock(elapsed_seconds * static_cast<double>(total - done) / static_cast<double>(done)) +
                   " left";
        // The bar takes what the text leaves, between 10 and 40 columns; the counts, then the time left,
        // give way first on a narrow terminal.
        auto fixed = [&] { return columns(stage) + 4 + 1 + pct.size() + count.size() + left.size(); };
        if (fixed() + 10 > width) count.clear();
        if (fixed() + 10 > width) left.clear();
        const std::size_t room = width > fixed() ? width - fixed() : 0;
        const std::size_t bar = std::clamp<std::size_t>(room, 10, 40);
        const auto filled = static_cast<std::size_t>(std::floor(fraction * static_cast<double>(bar)));
        line = stage + "  [" + std::string(filled, '#') + std::string(bar - filled, '.') + "] " + pct + count + left;
    }
    if (columns(line) > width) line = first_columns(line, width);
    if (width >= 20) line += std::string(width - columns(line), ' ');
    return line;
}

}  // namespace casesample
