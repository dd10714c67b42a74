// The exact (hypergeometric) interval decides ties exactly: a count is inside when its tail probability is
// strictly greater than alpha/2, alpha read as the decimal the confidence was typed as. Checked against an
// independent enumeration in 128-bit integers (direct sums of C(M,k) C(N-M,n-k), no ratios, no doubles).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "casesample/intervals.hpp"
#include "casesample/sample_size.hpp"
#include "test_support.hpp"

using namespace casesample;

namespace {

__extension__ typedef __int128 i128;  // g++ and clang: exact to 1.7e38

i128 choose(std::int64_t a, std::int64_t b) {
    if (b < 0 || b > a) return 0;
    if (b > a - b) b = a - b;
    i128 c = 1;
    for (std::int64_t i = 1; i <= b; ++i) c = c * (a - b + i) / i;
    return c;
}

// alpha/2 = num / den for a confidence typed as "0.DDD".
struct Decimal {
    i128 num, den;
};
Decimal half_alpha(const std::string& typed) {
    i128 digits = 0, scale = 1;
    for (char c : typed.substr(2)) {
        digits = digits * 10 + (c - '0');
        scale *= 10;
    }
    return {scale - digits, 2 * scale};
}

// P(X >= x | M) > alpha/2 (upper = true) or P(X <= x | M) > alpha/2, exactly.
bool exceeds(bool upper, std::int64_t x, std::int64_t n, std::int64_t N, std::int64_t M, const Decimal& h) {
    i128 sum = 0;
    for (std::int64_t k = 0; k <= n; ++k)
        if (upper ? k >= x : k <= x) sum += choose(M, k) * choose(N - M, n - k);
    return sum * h.den > h.num * choose(N, n);
}

// The definition, by search over every M (small N) or bisection on the monotone tails (large N).
CountInterval reference(std::int64_t x, std::int64_t n, std::int64_t N, const Decimal& h, bool scan) {
    const std::int64_t first = x, last = N - (n - x);
    CountInterval r{last, first};
    if (scan) {
        for (std::int64_t M = first; M <= last; ++M)
            if (exceeds(true, x, n, N, M, h)) { r.lower = M; break; }
        for (std::int64_t M = last; M >= first; --M)
            if (exceeds(false, x, n, N, M, h)) { r.upper = M; break; }
        if (first == last) r = {first, last};
        return r;
    }
    std::int64_t lo = first, hi = last;  // smallest M with the upper tail above
    while (lo < hi) {
        std::int64_t mid = lo + (hi - lo) / 2;
        if (exceeds(true, x, n, N, mid, h)) hi = mid; else lo = mid + 1;
    }
    r.lower = lo;
    lo = first, hi = last;  // largest M with the lower tail above
    while (lo < hi) {
        std::int64_t mid = lo + (hi - lo + 1) / 2;
        if (exceeds(false, x, n, N, mid, h)) lo = mid; else hi = mid - 1;
    }
    r.upper = lo;
    return r;
}

const std::vector<std::string> kConfidences = {"0.5", "0.6", "0.8", "0.9", "0.95", "0.98", "0.99"};

}  // namespace

TEST_CASE("hypergeometric ties: the cited cases") {
    CHECK(hypergeometric_interval(1, 1, 2000, 0.95).lower == 51);  // P(X >= 1 | M = 50) = 50/2000 = 0.025
    CHECK(hypergeometric_interval(0, 1, 4800, 0.5).upper == 3599);  // P(X <= 0 | M = 3600) = 1200/4800 = 0.25
    CHECK(hypergeometric_interval(0, 2, 5, 0.8).upper == 2);        // P(X <= 0 | M = 3) = 1/10 = alpha/2
    auto r = test::run_cli("interval 1 1 --population 2000 --confidence 0.95 --format json");
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("\"lower_count\": 51") != std::string::npos);
}

TEST_CASE("hypergeometric interval equals exact rational enumeration: every x, n <= N <= 36, seven confidences") {
    std::size_t checked = 0;
    for (const auto& typed : kConfidences) {
        const Decimal h = half_alpha(typed);
        const double c = std::stod(typed);
        for (std::int64_t N = 1; N <= 36; ++N)
            for (std::int64_t n = 1; n <= N; ++n)
                for (std::int64_t x = 0; x <= n; ++x) {
                    const auto want = reference(x, n, N, h, true);
                    const auto got = hypergeometric_interval(x, n, N, c);
                    if (got.lower != want.lower || got.upper != want.upper) {
                        CAPTURE(typed);
                        CAPTURE(N);
                        CAPTURE(n);
                        CAPTURE(x);
                        CHECK(got.lower == want.lower);
                        CHECK(got.upper == want.upper);
                    }
                    ++checked;
                }
    }
    CHECK(checked == 7 * 9102);  // sum over N <= 36 of sum over n <= N of (n + 1)
}

TEST_CASE("hypergeometric interval equals exact rational enumeration above N = 170: every x, n <= 3, N to 1200") {
    // Where Boost's factorial tables end and ties were once decided by rounding error.
    for (const auto& typed : {std::string("0.5"), std::string("0.8"), std::string("0.9"), std::string("0.95")}) {
        const Decimal h = half_alpha(typed);
        const double c = std::stod(typed);
        for (std::int64_t N = 171; N <= 1200; ++N)
            for (std::int64_t n = 1; n <= 3; ++n)
                for (std::int64_t x = 0; x <= n; ++x) {
                    const auto want = reference(x, n, N, h, false);
                    const auto got = hypergeometric_interval(x, n, N, c);
                    if (got.lower != want.lower || got.upper != want.upper) {
                        CAPTURE(typed);
                        CAPTURE(N);
                        CAPTURE(n);
                        CAPTURE(x);
                        CHECK(got.lower == want.lower);
                        CHECK(got.upper == want.upper);
                    }
                }
    }
}

TEST_CASE("size --method exact inherits the exact ties") {
    // H(n) is built from the same interval: a census still qualifies, and the cited tie does not widen it.
    SizeParameters p;
    p.confidence = 0.8;
    p.margin = 0.05;
    const auto s = exact_sample_size(71, p);
    CHECK(s.sample_size >= 1);
    CHECK(s.achieved.half_width <= 0.05);
    const auto h = exact_half_width(2, 5, 0.8);
    // x = 0 of 2 from 5: [0, 2] (not [0, 3]); x = 1: [1, 4]; x = 2: [3, 5] (half-width 3/10 at x = 1).
    CHECK(h.half_width == doctest::Approx(0.3));
}
