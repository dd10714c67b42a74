// A sample folder's audit-log.csv (read from a file, as the tool reads it).
#include <unistd.h>

#include <cstdio>

#include "casesample/audit_log.hpp"
#include "casesample/output.hpp"
#include "fuzz_common.hpp"

namespace {
const std::string& log_path() {
    static const std::string path = "/tmp/casesample-fuzz-audit-log-" + std::to_string(::getpid()) + ".csv";
    return path;
}
}  // namespace

CASESAMPLE_FUZZ_TARGET({
    std::FILE* f = std::fopen(log_path().c_str(), "wb");
    if (!f) return 0;
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
    (void)casesample::read_audit_log(log_path());
})
