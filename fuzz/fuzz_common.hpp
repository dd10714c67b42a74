#pragma once
// Shared by the libFuzzer harnesses (scripts/fuzz.sh): every input must end in a value or an InputError /
// UsageError (exit 2 on the command line); anything else (another exception, a crash, a sanitizer report, a hang)
// is a finding.
#include <cstddef>
#include <cstdint>
#include <string>

#include "casesample/error.hpp"

#define CASESAMPLE_FUZZ_TARGET(...)                                                   \
    extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) { \
        const std::string text(reinterpret_cast<const char*>(data), size);             \
        try {                                                                           \
            __VA_ARGS__                                                                 \
        } catch (const casesample::InputError&) {                                       \
        } catch (const casesample::UsageError&) {                                       \
        }                                                                               \
        return 0;                                                                       \
    }
