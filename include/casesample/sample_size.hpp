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

// Throws UsageError unless 0 < confidence < 1, 0 < margin <= 0.5, 0 < proportion < 1.
void validate(const SizeParameters& p);

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
