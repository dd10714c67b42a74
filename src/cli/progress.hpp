#pragma once
// The progress bar of long work, drawn on stderr only: when stderr is a terminal, --quiet was not given, and
// the work has run for more than about a second. Never on stdout, never into a file or a pipe. The core
// counts on a casesample::Progress; this watches it from a thread of its own and redraws a single line
// about ten times a second, and clears that line when the work ends (or fails), before anything else is
// printed.
#include <CLI/CLI.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "casesample/progress.hpp"

namespace casesample::cli {

// --quiet on a subcommand with long work: no progress bar.
CLI::Option* add_quiet_flag(CLI::App& app, bool& quiet);

class ProgressBar {
public:
    // Watches `progress` until destroyed; draws nothing when `quiet` or when stderr is not a terminal.
    // The delay before the first drawing is one second (CASESAMPLE_PROGRESS_DELAY=SECONDS overrides it,
    // for tests).
    ProgressBar(const Progress& progress, bool quiet);
    ~ProgressBar();
    ProgressBar(const ProgressBar&) = delete;
    ProgressBar& operator=(const ProgressBar&) = delete;

    // Whether a bar would be drawn for stderr now (a terminal, not quiet).
    static bool wanted(bool quiet);

private:
    void watch(std::chrono::steady_clock::duration delay);

    const Progress& progress_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stop_ = false;
    bool drawn_ = false;
    std::thread thread_;
};

}  // namespace casesample::cli
