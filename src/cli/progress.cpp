#include "progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace casesample::cli {
namespace {

using Clock = std::chrono::steady_clock;

std::size_t terminal_width() {
    struct winsize ws {};
    if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20) return ws.ws_col;
    return 80;
}

void write_stderr(const std::string& text) {
    std::size_t at = 0;
    while (at < text.size()) {
        ssize_t n = ::write(STDERR_FILENO, text.data() + at, text.size() - at);
        if (n <= 0) return;  // a closed terminal: the bar is not worth an error
        at += static_cast<std::size_t>(n);
    }
}

Clock::duration first_draw_delay() {
    if (const char* text = std::getenv("CASESAMPLE_PROGRESS_DELAY")) {
        char* end = nullptr;
        double seconds = std::strtod(text, &end);
        if (end != text && *end == '\0' && seconds >= 0 && seconds <= 3600)
            return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    }
    return std::chrono::seconds(1);
}

}  // namespace

CLI::Option* add_quiet_flag(CLI::App& app, bool& quiet) {
    return app.add_flag("-q,--quiet", quiet, "No progress bar on the terminal while the work runs");
}

bool ProgressBar::wanted(bool quiet) { return !quiet && ::isatty(STDERR_FILENO) == 1; }

ProgressBar::ProgressBar(const Progress& progress, bool quiet) : progress_(progress) {
    if (wanted(quiet)) thread_ = std::thread([this, delay = first_draw_delay()] { watch(delay); });
}

ProgressBar::~ProgressBar() {
    if (!thread_.joinable()) return;
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
    if (drawn_) write_stderr("\r\033[K");  // leave the terminal line as it was
}

void ProgressBar::watch(Clock::duration delay) {
    const auto started = Clock::now();
    const char* stage = nullptr;
    auto stage_started = started;
    std::unique_lock lock(mutex_);
    if (wake_.wait_for(lock, delay, [this] { return stop_; })) return;
    do {
        const auto now = Clock::now();
        const auto snapshot = progress_.snapshot();
        if (snapshot.stage != stage) {
            stage = snapshot.stage;
            stage_started = stage == nullptr || !drawn_ ? started : now;
        }
        if (snapshot.stage != nullptr) {
            const double elapsed = std::chrono::duration<double>(now - stage_started).count();
            // One column short of the width, so the terminal never wraps the line.
            write_stderr("\r" + progress_line(snapshot, elapsed, terminal_width() - 1));
            drawn_ = true;
        }
        // Until the first drawing, look again soon: work that had not begun its first stage when the delay ran
        // out gets its bar as soon as it does, not up to a redraw period later.
    } while (!wake_.wait_for(lock, std::chrono::milliseconds(drawn_ ? 100 : 10), [this] { return stop_; }));
}

}  // namespace casesample::cli
