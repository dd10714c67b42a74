#pragma once
// Large buffers backed by huge pages where the system allows it: one page fault per 2 MB instead of per 4 kB (the
// kernel zeroes each fresh page either way). A hint only, ignored where unsupported; nothing a buffer holds
// depends on it. Internal to the library.
#include <cstddef>
#include <cstdint>
#include <vector>
#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace casesample {

inline void advise_huge(const void* data, std::size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    constexpr std::uintptr_t page = 4096;
    auto begin = (reinterpret_cast<std::uintptr_t>(data) + page - 1) & ~(page - 1);
    auto end = (reinterpret_cast<std::uintptr_t>(data) + bytes) & ~(page - 1);
    if (bytes >= (std::size_t{4} << 20) && end > begin)
        ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#else
    (void)data;
    (void)bytes;
#endif
}

template <class T>
void reserve_huge(std::vector<T>& v, std::size_t n) {
    v.reserve(n);
    advise_huge(v.data(), n * sizeof(T));
}

}  // namespace casesample
