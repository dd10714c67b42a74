#include "casesample/robustness.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include <boost/random/beta_distribution.hpp>
#include <boost/random/binomial_distribution.hpp>
#include <boost/random/uniform_int_distribution.hpp>

#include "casesample/error.hpp"

namespace casesample {

namespace {

// Largest number of unread cases the exact pmf is computed for (one double each).
constexpr std::int64_t kMaxTrials = 100'000'000;

// Neumaier's compensated sum: the total of many small terms to the last bit or so.
double compensated_sum(const std::vector<double>& v) {
    double sum = 0, carry = 0;
    for (double t : v) {
        double s = sum + t;
        carry += std::fabs(sum) >= std::fabs(t) ? (sum - s) + t : (t - s) + sum;
        sum = s;
    }
    return sum + carry;
}

std::string count_text(std::int64_t v) { return std::to_string(v); }

// A uniform integer in [0, bound) with Boost's portable distribution.
inline std::uint64_t uniform_below(Engine& engine, std::uint64_t bound) {
    return boost::random::uniform_int_distribution<std::uint64_t>(0, bound - 1)(engine);
}

}  // namespace

std::vector<double> beta_binomial_pmf(std::int64_t trials, double a, double b) {
    if (trials < 0) throw UsageError("beta-binomial: the number of draws must be 0 or more, not " + count_text(trials));
    if (trials > kMaxTrials)
        throw UsageError("beta-binomial: at most " + count_text(kMaxTrials) + " unread cases are supported, not " +
                         count_text(trials));
    if (!std::isfinite(a) || !std::isfinite(b) || a < 0 || b < 0 || a + b <= 0)
        throw UsageError("beta-binomial: the urn weights must be finite, 0 or more and not both 0");
    const auto m = static_cast<std::size_t>(trials);
    std::vector<double> p(m + 1, 0.0);
    if (m == 0 || a == 0) {
        p[0] = 1;
        return p;
    }
    if (b == 0) {
        p[m] = 1;
        return p;
    }
    const double md = static_cast<double>(m);
    // P(u+1) / P(u); every factor is exact in double for half-integer weights and trials up to 10^8.
    auto ratio = [&](std::size_t u) {
        const double ud = static_cast<double>(u);
        return ((md - ud) * (ud + a)) / ((ud + 1) * (md - ud - 1 + b));
    };
    if (a < 1 && b < 1) {
        // U-shaped (the ratio increases with u): largest at an end, smallest at s, the first u with ratio >= 1.
        std::size_t s = 0;
        while (s < m && ratio(s) < 1) ++s;
        // Left piece from P(0) = 1 down to s, right piece from P(m) = 1 down to s, then put them on one scale.
        std::vector<double> right(m + 1, 0.0);
        p[0] = 1;
        for (std::size_t u = 0; u < s; ++u) p[u + 1] = p[u] * ratio(u);
        right[m] = 1;
        for (std::size_t u = m; u-- > s;) right[u] = right[u + 1] / ratio(u);
        const double left_at_s = p[s], right_at_s = right[s];
        if (left_at_s >= right_at_s) {
            const double scale = right_at_s / left_at_s;  // P(0) = scale, P(m) = 1
            for (std::size_t u = 0; u <= s; ++u) p[u] *= scale;
            for (std::size_t u = s + 1; u <= m; ++u) p[u] = right[u];
        } else {
            const double scale = left_at_s / right_at_s;  // P(0) = 1, P(m) = scale
            for (std::size_t u = s + 1; u <= m; ++u) p[u] = right[u] * scale;
        }
    } else {
        // Unimodal: with a >= 1 and b >= 1 the ratio decreases in u; with one weight below 1 the pmf is monotone.
        std::size_t mode = 0;
        while (mode < m && ratio(mode) > 1) ++mode;
        p[mode] = 1;
        for (std::size_t u = mode; u-- > 0;) p[u] = p[u + 1] / ratio(u);
        for (std::size_t u = mode; u < m; ++u) p[u + 1] = p[u] * ratio(u);
    }
    const double total = compensated_sum(p);
    for (double& v : p) v /= total;
    return p;
}

std::vector<double> population_count_distribution(std::int64_t x, std::int64_t n, std::int64_t population) {
    if (n < 1) throw UsageError("robustness: at least one relevant case must have been read, not " + count_text(n));
    if (x < 0 || x > n)
        throw UsageError("robustness: the 'yes' count " + count_text(x) + " must be between 0 and the " +
                         count_text(n) + " relevant cases read");
    if (population < n)
        throw UsageError("robustness: the population of " + count_text(population) +
                         " cases is smaller than the " + count_text(n) + " cases read");
    return beta_binomial_pmf(population - n, static_cast<double>(x) + 0.5, static_cast<double>(n - x) + 0.5);
}

namespace {

// One domain made ready for fast drawing.
struct PreparedDomain {
    std::size_t n = 0;         // read cases
    std::size_t q = 0;         // questions
    std::uint64_t m = 0;       // unread cases to simulate
    bool bars = false;         // draw copy counts as a uniform composition (stars and bars) rather than an urn
    std::vector<std::int32_t> yes;       // n x q, 1 where the case answered 'yes'
    std::vector<std::int32_t> relevant;  // n x q, 1 where the question was relevant to the case
    std::vector<QuestionTotals> read;    // totals over the read cases
};

PreparedDomain prepare(const DomainAnswers& d, std::size_t index) {
    const std::string where = "Pólya posterior, domain " + std::to_string(index + 1) + ": ";
    PreparedDomain p;
    p.q = d.questions;
    if (d.questions == 0) {
        if (!d.answers.empty()) throw UsageError(where + "answers are given but no questions");
    } else if (d.answers.size() % d.questions != 0) {
        throw UsageError(where + "the answers do not fill whole cases of " + std::to_string(d.questions) +
                         " questions");
    }
    p.n = d.cases();
    if (d.population < static_cast<std::int64_t>(p.n))
        throw UsageError(where + "the population of " + count_text(d.population) + " cases is smaller than the " +
                         std::to_string(p.n) + " cases read");
    p.m = static_cast<std::uint64_t>(d.population) - p.n;
    if (p.m > 0 && p.n == 0)
        throw UsageError(where + "no case was read, so the " + count_text(d.population) +
                         " cases of the population cannot be simulated");
    p.yes.resize(d.answers.size());
    p.relevant.resize(d.answers.size());
    p.read.assign(p.q, {});
    for (std::size_t i = 0; i < d.answers.size(); ++i) {
        const auto a = d.answers[i];
        if (a != 1 && a != 0 && a != -1)
            throw UsageError(where + "answer code " + std::to_string(int(a)) +
                             " is not 1 (yes), 0 (no) or -1 (not relevant)");
        p.yes[i] = a == 1;
        p.relevant[i] = a != -1;
        p.read[i % p.q].yes += p.yes[i];
        p.read[i % p.q].relevant += p.relevant[i];
    }
    // An urn costs one draw per unread case; stars and bars one per read case plus a sort.
    p.bars = p.m > 2 * p.n + 16;
    return p;
}

// The set of bar positions chosen so far in one draw: open addressing over a power-of-two table at least
// twice the number of bars, entries valid only when stamped with the current generation, so clearing it
// between draws costs nothing and memory follows the number of read cases, not the population.
class PositionSet {
public:
    void start(std::size_t capacity) {
        std::size_t size = 16;
        while (size < 2 * capacity) size *= 2;
        if (size > keys_.size()) {
            keys_.assign(size, 0);
            stamps_.assign(size, 0);
            generation_ = 0;
        }
        mask_ = keys_.size() - 1;
        if (++generation_ == 0) {
            std::fill(stamps_.begin(), stamps_.end(), 0);
            generation_ = 1;
        }
    }
    // Inserts t; false when it was already there.
    bool insert(std::uint64_t t) {
        std::size_t i = static_cast<std::size_t>((t * 0x9E3779B97F4A7C15ull) >> 20) & mask_;
        while (stamps_[i] == generation_) {
            if (keys_[i] == t) return false;
            i = (i + 1) & mask_;
        }
        stamps_[i] = generation_;
        keys_[i] = t;
        return true;
    }

private:
    std::vector<std::uint64_t> keys_;
    std::vector<std::uint32_t> stamps_;
    std::uint32_t generation_ = 0;
    std::size_t mask_ = 0;
};

// Scratch space reused across draws.
struct Scratch {
    std::vector<std::uint32_t> urn;      // urn contents by position (case index)
    std::vector<std::uint64_t> chosen;   // bar positions
    PositionSet bars;
};

void draw_domain(const PreparedDomain& d, Engine& engine, Scratch& s, std::vector<QuestionTotals>& out) {
    std::copy(d.read.begin(), d.read.end(), out.begin());
    if (d.m == 0 || d.q == 0) return;
    const std::size_t q = d.q;
    auto add_case = [&](std::size_t c, std::int64_t times) {
        const std::int32_t* y = d.yes.data() + c * q;
        const std::int32_t* r = d.relevant.data() + c * q;
        for (std::size_t k = 0; k < q; ++k) {
            out[k].yes += times * y[k];
            out[k].relevant += times * r[k];
        }
    };
    if (!d.bars) {
        // The Pólya urn itself: each pick uniform over the urn, the picked case goes back with a copy.
        s.urn.resize(d.n + d.m);
        for (std::size_t i = 0; i < d.n; ++i) s.urn[i] = static_cast<std::uint32_t>(i);
        for (std::uint64_t k = 0; k < d.m; ++k) {
            const std::uint32_t c = s.urn[uniform_below(engine, d.n + k)];
            s.urn[d.n + k] = c;
            add_case(c, 1);
        }
        return;
    }
    // The copy counts of a Pólya urn with one ball per read case are Dirichlet-multinomial(m; 1, ..., 1),
    // i.e. uniform over the compositions of m into n parts: n - 1 bars among m + n - 1 slots, chosen
    // uniformly by Floyd's algorithm.
    const std::uint64_t slots = d.m + d.n - 1;
    const std::uint64_t bars = d.n - 1;
    s.bars.start(static_cast<std::size_t>(bars));
    s.chosen.clear();
    for (std::uint64_t j = slots - bars; j < slots; ++j) {
        std::uint64_t t = uniform_below(engine, j + 1);
        if (!s.bars.insert(t)) {
            t = j;  // j is above every position chosen so far
            s.bars.insert(t);
        }
        s.chosen.push_back(t);
    }
    std::sort(s.chosen.begin(), s.chosen.end());
    std::uint64_t previous = 0;  // first slot after the previous bar
    for (std::size_t i = 0; i < d.n; ++i) {
        const std::uint64_t end = i < bars ? s.chosen[i] : slots;
        const auto copies = static_cast<std::int64_t>(end - previous);
        if (copies > 0) add_case(i, copies);
        previous = end + 1;
    }
}

}  // namespace

void polya_posterior(const std::vector<DomainAnswers>& domains, std::size_t draws, Engine& engine,
                     const std::function<void(const SimulatedTotals&)>& visit) {
    std::vector<PreparedDomain> prepared;
    prepared.reserve(domains.size());
    for (std::size_t i = 0; i < domains.size(); ++i) prepared.push_back(prepare(domains[i], i));
    SimulatedTotals totals(domains.size());
    for (std::size_t i = 0; i < domains.size(); ++i) totals[i].resize(prepared[i].q);
    Scratch scratch;
    for (std::size_t draw = 0; draw < draws; ++draw) {
        for (std::size_t i = 0; i < prepared.size(); ++i) draw_domain(prepared[i], engine, scratch, totals[i]);
        visit(totals);
    }
}

void polya_posterior_independent(const std::vector<std::vector<QuestionTotals>>& sample_totals,
                                 const std::vector<std::vector<std::int64_t>>& relevant_population,
                                 std::size_t draws, Engine& engine,
                                 const std::function<void(const SimulatedTotals&)>& visit) {
    if (sample_totals.size() != relevant_population.size())
        throw UsageError("Pólya posterior: " + std::to_string(sample_totals.size()) + " domains of counts but " +
                         std::to_string(relevant_population.size()) + " of population sizes");
    // For each question: the 'yes' and relevant counts read, and how many unread relevant cases to draw.
    struct Item {
        std::int64_t x, n, m;
        bool urn;  // draw case by case; otherwise p ~ Beta(x, n - x), then Binomial(m, p)
    };
    std::vector<std::vector<Item>> items(sample_totals.size());
    for (std::size_t d = 0; d < sample_totals.size(); ++d) {
        if (sample_totals[d].size() != relevant_population[d].size())
            throw UsageError("Pólya posterior, domain " + std::to_string(d + 1) + ": " +
                             std::to_string(sample_totals[d].size()) + " questions of counts but " +
                             std::to_string(relevant_population[d].size()) + " population sizes");
        for (std::size_t q = 0; q < sample_totals[d].size(); ++q) {
            const auto& t = sample_totals[d][q];
            const auto R = relevant_population[d][q];
            const std::string where =
                "Pólya posterior, domain " + std::to_string(d + 1) + " question " + std::to_string(q + 1) + ": ";
            if (t.relevant < 0 || t.yes < 0 || t.yes > t.relevant)
                throw UsageError(where + count_text(t.yes) + " 'yes' of " + count_text(t.relevant) +
                                 " relevant cases is not a possible count");
            if (R < t.relevant)
                throw UsageError(where + "the relevant population of " + count_text(R) +
                                 " is smaller than the " + count_text(t.relevant) + " relevant cases read");
            if (R > t.relevant && t.relevant == 0)
                throw UsageError(where + "no relevant case was read, so the " + count_text(R) +
                                 " relevant cases of the population cannot be simulated");
            const std::int64_t m = R - t.relevant;
            items[d].push_back({t.yes, t.relevant, m, m <= 64});
        }
    }
    SimulatedTotals totals(items.size());
    for (std::size_t d = 0; d < items.size(); ++d) totals[d].resize(items[d].size());
    for (std::size_t draw = 0; draw < draws; ++draw) {
        for (std::size_t d = 0; d < items.size(); ++d)
            for (std::size_t q = 0; q < items[d].size(); ++q) {
                const Item& it = items[d][q];
                std::int64_t yes = it.x;
                if (it.m > 0 && it.x == it.n) {
                    yes += it.m;
                } else if (it.m > 0 && it.x > 0) {
                    if (it.urn) {
                        std::int64_t in_urn = it.n;
                        for (std::int64_t k = 0; k < it.m; ++k, ++in_urn)
                            if (uniform_below(engine, static_cast<std::uint64_t>(in_urn)) <
                                static_cast<std::uint64_t>(yes))
                                ++yes;
                    } else {
                        const double p = boost::random::beta_distribution<double>(
                            static_cast<double>(it.x), static_cast<double>(it.n - it.x))(engine);
                        yes += boost::random::binomial_distribution<std::int64_t, double>(it.m, p)(engine);
                    }
                }
                totals[d][q] = {yes, it.n + it.m};
            }
        visit(totals);
    }
}

double monte_carlo_error(double probability, std::size_t draws) {
    if (draws == 0) throw UsageError("Monte Carlo error: no draws were made");
    if (!(probability >= 0 && probability <= 1))
        throw UsageError("Monte Carlo error: a probability must lie between 0 and 1");
    return std::sqrt(probability * (1 - probability) / static_cast<double>(draws));
}

}  // namespace casesample
