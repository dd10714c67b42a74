#pragma once
// How far a long piece of work has got. The core only counts: a function that may run for seconds (Pólya
// draws, an audit's enumeration, many intervals, reading a large population, a batch of services) takes an
// optional Progress* and advances it; it never prints. Whoever started the work may watch the counter from
// another thread and show it (the command line draws a bar on a terminal, see src/cli/progress.hpp).
//
// Every member is lock-free and safe to call from several threads at once; advance() is one relaxed atomic
// add, cheap enough to call once per draw.
#include <atomic>
#include <cstdint>
#include <string>

namespace casesample {

class Progress {
public:
    // Starts a stage of `total` units (0 when the total is not known) and sets the count to 0. `stage` names
    // the work in the words of the person waiting ("Pólya draws", "reading cases") and must outlive the
    // Progress: pass a string literal.
    void begin(const char* stage, std::uint64_t total) noexcept {
        done_.store(0, std::memory_order_relaxed);
        total_.store(total, std::memory_order_relaxed);
        stage_.store(stage, std::memory_order_release);
    }
    // `units` more done.
    void advance(std::uint64_t units = 1) noexcept { done_.fetch_add(units, std::memory_order_relaxed); }
    // Sets the count (for work measured by position, e.g. bytes of a file parsed so far).
    void reach(std::uint64_t done) noexcept { done_.store(done, std::memory_order_relaxed); }

    struct Snapshot {
        const char* stage = nullptr;  // nullptr before the first begin()
        std::uint64_t done = 0;
        std::uint64_t total = 0;  // 0: not known
    };
    Snapshot snapshot() const noexcept {
        Snapshot s;
        s.stage = stage_.load(std::memory_order_acquire);
        s.total = total_.load(std::memory_order_relaxed);
        s.done = done_.load(std::memory_order_relaxed);
        return s;
    }

private:
    std::atomic<const char*> stage_{nullptr};
    std::atomic<std::uint64_t> done_{0};
    std::atomic<std::uint64_t> total_{0};
};

// Advances `progress` when there is one (the core's functions take a nullable Progress*).
inline void advance(Progress* progress, std::uint64_t units = 1) noexcept {
    if (progress) progress->advance(units);
}

// One line of a progress bar, exactly `width` columns wide when width >= 20 (fewer columns show less):
//   "Pólya draws  [##########..........]  48%  4,812,000 / 10,000,000  0:07 left"
// An unknown total shows the count (when above 0) and the time elapsed only. `elapsed_seconds` is the time since the stage
// began. Plain text: the caller adds the carriage return and writes it where it belongs.
std::string progress_line(const Progress::Snapshot& snapshot, double elapsed_seconds, std::size_t width);

}  // namespace casesample
