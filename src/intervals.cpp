#include "casesample/intervals.hpp"

#include <algorithm>
#include <boost/math/distributions/hypergeometric.hpp>
#include <boost/multiprecision/cpp_int.hpp>
#include <charconv>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/special_functions/lanczos.hpp>
#include <boost/math/special_functions/beta.hpp>
#include <cmath>
#include <cstdio>
#include <limits>
#include <exception>
#include <string>
#include <thread>

#include "casesample/error.hpp"
#include "casesample/progress.hpp"

namespace casesample {
namespace {

std::string num(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

struct MethodName {
    IntervalMethod method;
    std::string_view name;
};
constexpr MethodName kMethodNames[] = {
    {IntervalMethod::hypergeometric, "hypergeometric"},
    {IntervalMethod::wilson_fpc, "wilson-fpc"},
    {IntervalMethod::wilson, "wilson"},
    {IntervalMethod::clopper_pearson, "clopper-pearson"},
    {IntervalMethod::jeffreys, "jeffreys"},
    {IntervalMethod::agresti_coull, "agresti-coull"},
    {IntervalMethod::wald, "wald"},
};

// The normal quantile z = Φ⁻¹(1 − α/2). The last confidence seen by this thread is remembered: a batch
// almost always uses one confidence, and the quantile costs more than the rest of a Wilson interval.
// The value is exactly what Boost returns, so remembering it changes no figure.
double z_for(double confidence) {
    thread_local double last_confidence = std::numeric_limits<double>::quiet_NaN();
    thread_local double last_z = 0;
    if (confidence != last_confidence) {
        last_z = boost::math::quantile(boost::math::normal_distribution<double>(), 1.0 - (1.0 - confidence) / 2.0);
        last_confidence = confidence;
    }
    return last_z;
}

// Boost.Math's default policy evaluates double functions in long double ("promote_double"), which makes
// the incomplete-beta inverse several times slower; double precision is far inside the 1e-9 the reference
// tables ask for (checked in tests/test_intervals.cpp), so the intervals use double throughout.
using Fast = boost::math::policies::policy<boost::math::policies::promote_double<false>,
                                          boost::math::policies::promote_float<false>>;

double clip01(double v) { return std::min(1.0, std::max(0.0, v)); }

// Wilson score interval for p = x / n with the sample size `m` in the variance (m = n for the plain method,
// m = n (N − 1) / (N − n) with the finite population correction).
Interval wilson_with(double p, double m, double z) {
    const double z2 = z * z;
    const double denom = 1.0 + z2 / m;
    const double centre = (p + z2 / (2.0 * m)) / denom;
    const double half = z * std::sqrt(p * (1.0 - p) / m + z2 / (4.0 * m * m)) / denom;
    return {clip01(centre - half), clip01(centre + half), std::nullopt, std::nullopt};
}

void check_arguments(std::int64_t x, std::int64_t n, double confidence) {
    if (n < 1) throw UsageError("the number of cases read must be at least 1, got " + std::to_string(n));
    if (x < 0 || x > n)
        throw UsageError("the number of 'yes' answers must be between 0 and the " + std::to_string(n) +
                         " cases read, got " + std::to_string(x));
    if (!(confidence > 0.0 && confidence < 1.0))
        throw UsageError("confidence must be between 0 and 1 (such as 0.8 for 80%), got " + num(confidence));
}

// Boost's hypergeometric distribution counts in unsigned int.
constexpr std::int64_t kLargestPopulation = std::numeric_limits<int>::max();

void check_population(std::int64_t n, std::int64_t population) {
    if (population < n)
        throw UsageError("the population must hold at least the " + std::to_string(n) + " cases read, got " +
                         std::to_string(population));
    if (population > kLargestPopulation)
        throw UsageError("the population is too large for the exact interval (at most " +
                         std::to_string(kLargestPopulation) + " cases), got " + std::to_string(population));
}

// The hypergeometric tails P(X >= x) and P(X <= x), X the number of 'yes' among n cases drawn without
// replacement from N cases of which M are 'yes'. Boost.Math gives the point probability P(X = k): for
// N <= 170 from its factorial tables (Boost's own choice there), above that from its Lanczos
// approximation of the factorial ratio (relative error below 2e-12 against Boost's slow, exact prime
// factorisation, see tests/test_intervals.cpp). Boost's public pdf uses prime factorisation for
// 170 < N <= 104729, about 130 microseconds a call at N = 3000; the Lanczos form takes half a
// microsecond. The tail is then summed from that point with the exact ratio of successive terms,
//   P(X = k + 1) / P(X = k) = (M - k)(n - k) / ((k + 1)(N - M - n + k + 1)),
// always over the smaller side of the mode (so the terms fall and the sum stops once they no longer
// change it), the other tail being one minus it.
class Hypergeometric {
public:
    Hypergeometric(std::int64_t n, std::int64_t N, std::int64_t M)
        : n_(n), N_(N), M_(M), lo_(std::max<std::int64_t>(0, n - (N - M))), hi_(std::min(n, M)) {}

    double at_least(std::int64_t x) const {
        if (x <= lo_) return 1.0;
        if (x > hi_) return 0.0;
        if (x > mode()) return sum_up(x);
        return 1.0 - sum_down(x - 1);
    }
    double at_most(std::int64_t x) const {
        if (x >= hi_) return 1.0;
        if (x < lo_) return 0.0;
        if (x < mode()) return sum_down(x);
        return 1.0 - sum_up(x + 1);
    }

private:
    std::int64_t mode() const { return (n_ + 1) * (M_ + 1) / (N_ + 2); }
    double pdf(std::int64_t k) const {
        const auto k_ = static_cast<unsigned>(k), M = static_cast<unsigned>(M_), n = static_cast<unsigned>(n_),
                   N = static_cast<unsigned>(N_);
        if (N_ <= boost::math::max_factorial<double>::value)
            return boost::math::pdf(boost::math::hypergeometric_distribution<double>(M, n, N), k_);
        return boost::math::detail::hypergeometric_pdf_lanczos_imp(
            0.0, k_, M, n, N, boost::math::lanczos::lanczos<double, Fast>::type(), Fast());
    }
    // P(k <= X <= hi), k above the mode.
    double sum_up(std::int64_t k) const {
        double term = pdf(k), sum = term;
        for (; k < hi_ && term > sum * 1e-17; ++k) {
            term *= static_cast<double>(M_ - k) * static_cast<double>(n_ - k) /
                    (static_cast<double>(k + 1) * static_cast<double>(N_ - M_ - n_ + k + 1));
            sum += term;
        }
        return std::min(sum, 1.0);
    }
    // P(lo <= X <= k), k below the mode.
    double sum_down(std::int64_t k) const {
        double term = pdf(k), sum = term;
        for (; k > lo_ && term > sum * 1e-17; --k) {
            term *= static_cast<double>(k) * static_cast<double>(N_ - M_ - n_ + k) /
                    (static_cast<double>(M_ - k + 1) * static_cast<double>(n_ - k + 1));
            sum += term;
        }
        return std::min(sum, 1.0);
    }

    std::int64_t n_, N_, M_, lo_, hi_;
};

double upper_tail(std::int64_t x, std::int64_t n, std::int64_t N, std::int64_t M) {
    return Hypergeometric(n, N, M).at_least(x);
}
double lower_tail(std::int64_t x, std::int64_t n, std::int64_t N, std::int64_t M) {
    return Hypergeometric(n, N, M).at_most(x);
}

// ---- ties, decided exactly ----
//
// The interval's definition compares a tail probability with alpha/2 strictly (>). Where the tail equals
// alpha/2 exactly (1 'yes' of 1 from N = 2000: P(X >= 1 | M = 50) = 50/2000 = 0.025, alpha/2 at 95%), a double
// cannot decide it: the tail carries rounding error, and 1 - 0.95 is not 0.05 in binary. So alpha is read as the
// decimal the confidence was typed as (the shortest decimal that reads back as the same double: 0.95, not
// 0.9499999999999999556), and a tail within a small distance of alpha/2 is decided in exact integer arithmetic:
//     sum_k C(M, k) C(N - M, n - k)  >  (alpha/2) C(N, n),
// with alpha/2 = (10^d - c) / (2 10^d) for the confidence c / 10^d. Elsewhere the double decides: its relative
// error is below 1e-11 (pdf below 2e-12 per term, sums of falling terms), far inside the margin kept (1e-9 of alpha/2, plus 1e-10 for a tail computed as one minus the other).
using Big = boost::multiprecision::cpp_int;

struct HalfAlpha {
    double value = 0;  // alpha/2 as a double, for the quick test
    Big numerator;     // alpha/2 = numerator / denominator, exactly, from the typed decimal
    Big denominator;
};

HalfAlpha half_alpha_of(double confidence) {
    // Shortest round-trip decimal, in fixed notation (confidence is in (0, 1): "0.95", "0.000001").
    char buf[512];
    auto r = std::to_chars(buf, buf + sizeof buf, confidence, std::chars_format::fixed);
    std::string_view text(buf, static_cast<std::size_t>(r.ptr - buf));
    Big digits = 0, scale = 1;
    bool after_point = false;
    for (char ch : text) {
        if (ch == '.') {
            after_point = true;
            continue;
        }
        digits = digits * 10 + (ch - '0');
        if (after_point) scale *= 10;
    }
    HalfAlpha h;
    h.numerator = scale - digits;
    h.denominator = 2 * scale;
    h.value = (1.0 - confidence) / 2.0;
    return h;
}

// C(a, b) exactly.
Big binomial(std::int64_t a, std::int64_t b) {
    if (b < 0 || b > a) return 0;
    b = std::min(b, a - b);
    Big c = 1;
    for (std::int64_t i = 1; i <= b; ++i) {
        c *= a - b + i;
        c /= i;  // exact: c is C(a - b + i, i) after the division
    }
    return c;
}

// sum over k in [from, to] of C(M, k) C(N - M, n - k), stepping with the exact ratio of successive terms.
Big term_sum(std::int64_t from, std::int64_t to, std::int64_t n, std::int64_t N, std::int64_t M) {
    Big sum = 0;
    if (from > to) return sum;
    Big term = binomial(M, from) * binomial(N - M, n - from);
    for (std::int64_t k = from;; ++k) {
        sum += term;
        if (k == to) break;
        // T(k+1) = T(k) (M - k)(n - k) / ((k + 1)(N - M - n + k + 1)), an exact division.
        term *= (M - k) * (n - k);
        term /= (k + 1) * (N - M - n + k + 1);
    }
    return sum;
}

// tail > alpha/2, with tail = P(X >= x) (upper) or P(X <= x), given its double value.
bool tail_exceeds(double tail, const HalfAlpha& h, bool upper, std::int64_t x, std::int64_t n, std::int64_t N,
                  std::int64_t M) {
    const double margin = 1e-9 * h.value + 1e-10;
    if (tail > h.value + margin) return true;
    if (tail < h.value - margin) return false;
    const std::int64_t lo = std::max<std::int64_t>(0, n - (N - M)), hi = std::min(n, M);
    const Big part = upper ? term_sum(std::max(x, lo), hi, n, N, M) : term_sum(lo, std::min(x, hi), n, N, M);
    return part * h.denominator > h.numerator * binomial(N, n);
}

}  // namespace

std::string_view to_string(IntervalMethod m) {
    for (const auto& e : kMethodNames)
        if (e.method == m) return e.name;
    return "unknown";
}

std::optional<IntervalMethod> parse_interval_method(std::string_view text) {
    for (const auto& e : kMethodNames)
        if (e.name == text) return e.method;
    return std::nullopt;
}

bool needs_population(IntervalMethod m) {
    return m == IntervalMethod::hypergeometric || m == IntervalMethod::wilson_fpc;
}

namespace {
// The smallest M in [lo, hi] with pred(M), for pred false up to some M and true from there on, and pred(hi)
// taken as true without evaluating it. Gallops out from `guess` in steps of 1, 2, 4, ... until the answer is
// bracketed, then bisects: about 2 log2 |guess - answer| + 2 evaluations, and never more than about
// 2 log2 (hi - lo), so a good guess makes it fast and a bad one keeps it O(log N).
template <class Pred>
std::int64_t first_true(std::int64_t lo, std::int64_t hi, std::int64_t guess, Pred pred) {
    guess = std::clamp(guess, lo, hi);
    if (guess < hi) {
        if (pred(guess)) {
            hi = guess;
            for (std::int64_t step = 1; hi - step >= lo; step *= 2) {
                const std::int64_t probe = hi - step;
                if (!pred(probe)) {
                    lo = probe + 1;
                    break;
                }
                hi = probe;
            }
        } else {
            lo = guess + 1;
            for (std::int64_t step = 1; lo + step - 1 < hi; step *= 2) {
                const std::int64_t probe = lo + step - 1;
                if (pred(probe)) {
                    hi = probe;
                    break;
                }
                lo = probe + 1;
            }
        }
    }
    while (lo < hi) {
        const std::int64_t mid = lo + (hi - lo) / 2;
        if (pred(mid))
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}
}  // namespace

CountInterval hypergeometric_interval(std::int64_t x, std::int64_t n, std::int64_t population, double confidence) {
    check_arguments(x, n, confidence);
    check_population(n, population);
    const std::int64_t N = population;
    const HalfAlpha half_alpha = half_alpha_of(confidence);
    // Population counts M consistent with the sample: M >= x 'yes' and N - M >= n - x 'no'.
    const std::int64_t first = x, last = N - (n - x);
    if (first == last) return {first, last};  // a census: nothing unseen
    // Where to start looking: the Wilson interval with the finite population correction, in counts (cheap,
    // and usually within a few counts of the exact bounds). It only decides where the search starts; the
    // bounds come from the exact tails alone.
    const double Nd = static_cast<double>(N), nd = static_cast<double>(n);
    const Interval guess = wilson_with(static_cast<double>(x) / nd, nd * (Nd - 1.0) / (Nd - nd), z_for(confidence));
    CountInterval r;
    // P(X >= x | M) grows with M and is 1 at M = last: the smallest M where it exceeds alpha/2.
    r.lower = first_true(first, last, static_cast<std::int64_t>(std::floor(guess.lower * Nd)),
                         [&](std::int64_t M) { return tail_exceeds(upper_tail(x, n, N, M), half_alpha, true, x, n, N, M); });
    // P(X <= x | M) falls as M grows and is 1 at M = first: the largest M where it exceeds alpha/2, i.e. one
    // before the first M where it does not (last + 1 standing for "none").
    r.upper = first_true(first, last + 1, static_cast<std::int64_t>(std::ceil(guess.upper * Nd)) + 1,
                         [&](std::int64_t M) { return !tail_exceeds(lower_tail(x, n, N, M), half_alpha, false, x, n, N, M); }) -
              1;
    return r;
}

Interval proportion_interval(std::int64_t x, std::int64_t n, double confidence, IntervalMethod method,
                             std::optional<std::int64_t> population) {
    check_arguments(x, n, confidence);
    if (needs_population(method)) {
        if (!population)
            throw UsageError("the " + std::string(to_string(method)) +
                             " interval needs the population size (the number of eligible cases)");
        check_population(n, *population);
    }
    const double alpha = 1.0 - confidence;
    const double xd = static_cast<double>(x), nd = static_cast<double>(n);
    const double p = xd / nd;
    switch (method) {
        case IntervalMethod::hypergeometric: {
            const auto c = hypergeometric_interval(x, n, *population, confidence);
            const double N = static_cast<double>(*population);
            return {static_cast<double>(c.lower) / N, static_cast<double>(c.upper) / N, c.lower, c.upper};
        }
        case IntervalMethod::wilson_fpc: {
            const double N = static_cast<double>(*population);
            if (n == *population) return {p, p, std::nullopt, std::nullopt};
            // The Wilson score interval with the variance of a share sampled without replacement:
            // p(1-p)/n · (N-n)/(N-1), i.e. Wilson's formula with n_eff = n (N-1)/(N-n) in place of n.
            // N = 1 forces n = N (a census), handled above.
            const double n_eff = nd * (N - 1.0) / (N - nd);
            return wilson_with(p, n_eff, z_for(confidence));
        }
        case IntervalMethod::wilson:
            return wilson_with(p, nd, z_for(confidence));
        case IntervalMethod::clopper_pearson: {
            Interval r;
            r.lower = x == 0 ? 0.0 : boost::math::ibeta_inv(xd, nd - xd + 1.0, alpha / 2.0, Fast());
            r.upper = x == n ? 1.0 : boost::math::ibetac_inv(xd + 1.0, nd - xd, alpha / 2.0, Fast());
            return r;
        }
        case IntervalMethod::jeffreys: {
            Interval r;
            r.lower = boost::math::ibeta_inv(xd + 0.5, nd - xd + 0.5, alpha / 2.0, Fast());
            r.upper = boost::math::ibetac_inv(xd + 0.5, nd - xd + 0.5, alpha / 2.0, Fast());
            return r;
        }
        case IntervalMethod::agresti_coull: {
            const double z = z_for(confidence);
            const double z2 = z * z;
            const double n_tilde = nd + z2;
            const double p_tilde = (xd + z2 / 2.0) / n_tilde;
            const double half = z * std::sqrt(p_tilde * (1.0 - p_tilde) / n_tilde);
            return {clip01(p_tilde - half), clip01(p_tilde + half), std::nullopt, std::nullopt};
        }
        case IntervalMethod::wald: {
            const double half = z_for(confidence) * std::sqrt(p * (1.0 - p) / nd);
            return {clip01(p - half), clip01(p + half), std::nullopt, std::nullopt};
        }
    }
    throw UsageError("unknown interval method");
}

std::vector<Interval> proportion_intervals(const std::vector<IntervalRequest>& requests, unsigned threads,
                                           Progress* progress) {
    std::vector<Interval> out(requests.size());
    const std::size_t count = requests.size();
    if (progress) progress->begin("computing intervals", count);
    threads = std::max(1u, std::min<unsigned>(threads, static_cast<unsigned>(std::max<std::size_t>(1, count / 1024))));
    // Thread t takes a contiguous block of rows; each remembers the first row that failed.
    std::vector<std::exception_ptr> errors(threads);
    std::vector<std::size_t> error_row(threads, count);
    auto work = [&](unsigned t) {
        const std::size_t begin = count * t / threads, end = count * (t + 1) / threads;
        for (std::size_t i = begin; i < end; ++i) {
            const auto& r = requests[i];
            if ((i - begin) % 256 == 255) advance(progress, 256);
            try {
                out[i] = proportion_interval(r.x, r.n, r.confidence, r.method, r.population);
            } catch (...) {
                errors[t] = std::current_exception();
                error_row[t] = i;
                return;
            }
        }
        advance(progress, (end - begin) % 256);
    };
    if (threads == 1) {
        work(0);
    } else {
        std::vector<std::thread> pool;
        for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work, t);
        work(0);
        for (auto& th : pool) th.join();
    }
    for (unsigned t = 0; t < threads; ++t)
        if (errors[t]) std::rethrow_exception(errors[t]);  // blocks are in row order: the first is the earliest
    return out;
}

}  // namespace casesample
