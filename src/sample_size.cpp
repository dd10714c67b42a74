#include "casesample/sample_size.hpp"

#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <string>

#include "casesample/error.hpp"

namespace casesample {
namespace {
double z_for(double confidence) {
    return boost::math::quantile(boost::math::normal_distribution<double>(), 1.0 - (1.0 - confidence) / 2.0);
}
std::string num(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}
}  // namespace

void validate(const SizeParameters& p, bool as_keys) {
    auto must = [&](const std::string& key) { return as_keys ? key + " must" : "--" + key + ": must"; };
    if (!(p.confidence > 0.0 && p.confidence < 1.0))
        throw UsageError(must("confidence") + " be between 0 and 1 (such as 0.8 for 80%), got " + num(p.confidence));
    if (!(p.margin > 0.0 && p.margin <= 0.5))
        throw UsageError(must("margin") + " be more than 0 and at most 0.5 (such as 0.05 for ±5 points), got " +
                         num(p.margin));
    if (!(p.proportion > 0.0 && p.proportion < 1.0))
        throw UsageError(must("proportion") + " be between 0 and 1 (0.5 is the cautious choice), got " +
                         num(p.proportion));
}

SampleSize cochran_sample_size(std::int64_t population, const SizeParameters& p) {
    validate(p);
    if (population < 1) throw UsageError("the population must hold at least 1 case, got " + std::to_string(population));
    SampleSize s;
    s.population = population;
    s.parameters = p;
    s.z = z_for(p.confidence);
    s.n0 = s.z * s.z * p.proportion * (1.0 - p.proportion) / (p.margin * p.margin);
    const double N = static_cast<double>(population);
    const double n = s.n0 / (1.0 + (s.n0 - 1.0) / N);
    // A margin so fine (1e-300) that n0 overflows, or any other parameters the arithmetic cannot carry, are an
    // input error: never a NaN turned into a sample size.
    if (!std::isfinite(s.n0) || !std::isfinite(n))
        throw UsageError("these parameters give no sample size a double can hold (margin " + num(p.margin) +
                         ", confidence " + num(p.confidence) + ", proportion " + num(p.proportion) +
                         "): the margin is too fine; use a margin of at least 1e-6, or --size");
    // Guard the ceiling against representation error: 50.0000000001 is 50, not 51.
    double c = std::ceil(n - 1e-9 * std::max(1.0, n));
    s.sample_size = std::min<std::int64_t>(population, static_cast<std::int64_t>(c));
    if (s.sample_size < 1) s.sample_size = 1;
    return s;
}

double achieved_margin(std::int64_t sample, std::int64_t population, const SizeParameters& p) {
    SizeParameters q = p;
    q.margin = 0.5;  // not used; validate the others
    validate(q);
    if (population < 1) throw UsageError("the population must hold at least 1 case, got " + std::to_string(population));
    if (sample < 1 || sample > population)
        throw UsageError("the sample must hold between 1 and " + std::to_string(population) + " cases, got " +
                         std::to_string(sample));
    if (sample == population) return 0.0;
    const double n = static_cast<double>(sample), N = static_cast<double>(population);
    const double n0 = n * (N - 1.0) / (N - n);
    return z_for(p.confidence) * std::sqrt(p.proportion * (1.0 - p.proportion) / n0);
}

}  // namespace casesample

#include "casesample/intervals.hpp"

namespace casesample {
namespace {
double count_half_width(std::int64_t x, std::int64_t n, std::int64_t N, double confidence) {
    const auto c = hypergeometric_interval(x, n, N, confidence);
    return static_cast<double>(c.upper - c.lower) / (2.0 * static_cast<double>(N));
}
}  // namespace

ExactHalfWidth exact_half_width(std::int64_t sample, std::int64_t population, double confidence) {
    if (!(confidence > 0.0 && confidence < 1.0))
        throw UsageError("--confidence: must be between 0 and 1 (such as 0.8 for 80%), got " + num(confidence));
    if (population < 1) throw UsageError("the population must hold at least 1 case, got " + std::to_string(population));
    if (sample < 1 || sample > population)
        throw UsageError("the sample must hold between 1 and " + std::to_string(population) + " cases, got " +
                         std::to_string(sample));
    ExactHalfWidth h;
    for (std::int64_t x = 0; x <= sample; ++x) {
        const double w = count_half_width(x, sample, population, confidence);
        if (w > h.half_width) {
            h.half_width = w;
            h.worst_x = x;
        }
    }
    return h;
}

ExactSampleSize exact_sample_size(std::int64_t population, const SizeParameters& p) {
    validate(p);
    if (population < 1) throw UsageError("the population must hold at least 1 case, got " + std::to_string(population));
    ExactSampleSize s;
    s.population = population;
    s.confidence = p.confidence;
    s.margin = p.margin;
    for (std::int64_t n = 1; n <= population; ++n) {
        if (n < population && count_half_width(n / 2, n, population, p.confidence) > p.margin) continue;
        const auto h = exact_half_width(n, population, p.confidence);
        if (h.half_width <= p.margin) {
            s.sample_size = n;
            s.achieved = h;
            return s;
        }
    }
    // Unreachable: a census has half-width 0.
    s.sample_size = population;
    return s;
}

}  // namespace casesample
