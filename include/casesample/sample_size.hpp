#pragma once
// How many cases to read: Cochran's formula with the finite population correction, its inverse,
// and the exact size from the hypergeometric interval.
#include <cstdint>

namespace casesample {

struct SizeParameters {
    double confidence = 0.80;
    double margin = 0.05;      // half-width of the interval on the share, e.g. 0.05 = ±5 points
    double proportion = 0.5;   // anticipated share; 0.5 is the most cautious
};

// Throws UsageError unless 0 < confidence < 1, 0 < margin <= 0.5, 0 < proportion < 1, naming the option as the
// command line does ("--margin: must be more than 0 and at most 0.5 ..."), or, with as_keys, as a services
// file's key ("margin must be more than 0 and at most 0.5 ...").
void validate(const SizeParameters& p, bool as_keys = false);

struct SampleSize {
    std::int64_t population = 0;
    SizeParameters parameters;
    double z = 0;      // normal quantile at 1 - alpha/2
    double n0 = 0;     // z^2 p (1-p) / e^2, the size for an infinite population
    std::int64_t sample_size = 0;
};

// n = min(N, ceil(n0 / (1 + (n0 - 1) / N))). N must be >= 1.
SampleSize cochran_sample_size(std::int64_t population, const SizeParameters& p);

// The margin that n cases from N achieve at the given confidence and proportion (the inverse of
// cochran_sample_size before rounding): e = z sqrt(p(1-p) / n0) with n0 = n (N-1) / (N-n); 0 when n = N.
double achieved_margin(std::int64_t sample, std::int64_t population, const SizeParameters& p);

}  // namespace casesample

namespace casesample {

// ---- the exact size, from the hypergeometric interval ----
//
// Half-width of the exact interval for n cases read from N: the interval for x 'yes' answers is
// [M_lower(x), M_upper(x)] population cases (intervals.hpp, hypergeometric_interval); its half-width on the
// share is (M_upper(x) - M_lower(x)) / (2 N). Before the fieldwork nobody knows x, and every x from 0 to n can
// happen (for some population count M), so the size is judged by the worst one:
//     H(n) = max over x = 0..n of (M_upper(x) - M_lower(x)) / (2 N).
// The exact size is the smallest n with H(n) <= margin. It does not depend on an anticipated proportion.
struct ExactHalfWidth {
    double half_width = 0;     // H(n)
    std::int64_t worst_x = 0;  // the smallest x at which it is reached
};
// Throws UsageError unless 1 <= sample <= population and 0 < confidence < 1.
ExactHalfWidth exact_half_width(std::int64_t sample, std::int64_t population, double confidence);

struct ExactSampleSize {
    std::int64_t population = 0;
    double confidence = 0;
    double margin = 0;
    std::int64_t sample_size = 0;  // the smallest n with H(n) <= margin (n = N, a census, always qualifies)
    ExactHalfWidth achieved;       // H at that n
};
// Scans n = 1, 2, ... and so finds the smallest qualifying n even where H is not monotone in n. Each n is
// first tried at x = floor(n / 2) alone (H(n) is at least that half-width), so only the few n near the answer
// cost a full pass over x. Throws UsageError like validate() (the proportion is not used) and for N < 1.
ExactSampleSize exact_sample_size(std::int64_t population, const SizeParameters& p);

}  // namespace casesample
