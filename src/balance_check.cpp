#include "casesample/balance_check.hpp"

#include <boost/math/distributions/chi_squared.hpp>

#include "casesample/error.hpp"

namespace casesample {

GoodnessOfFit chi_square_gof(const std::vector<double>& observed, const std::vector<double>& expected) {
    if (observed.size() != expected.size() || observed.empty())
        throw UsageError("chi-square: observed and expected counts must be non-empty and of the same length");
    GoodnessOfFit g;
    for (std::size_t i = 0; i < observed.size(); ++i) {
        if (!(expected[i] > 0)) throw UsageError("chi-square: an expected count is not positive");
        double d = observed[i] - expected[i];
        g.statistic += d * d / expected[i];
    }
    g.df = static_cast<int>(observed.size()) - 1;
    if (g.df > 0) {
        boost::math::chi_squared dist(g.df);
        g.p_value = boost::math::cdf(boost::math::complement(dist, g.statistic));
    }
    return g;
}

std::vector<FitGroup> pool_sparse(std::vector<FitGroup> groups, double min_expected) {
    for (;;) {
        if (groups.size() < 2) return groups;
        bool sparse = false;
        for (const auto& g : groups) sparse |= g.expected < min_expected;
        if (!sparse) return groups;
        // The group expecting the fewest cases (the earlier on ties) joins its neighbour in category order
        // that expects fewer (the earlier on ties), so ordered scales pool into ranges such as High+Very High.
        std::size_t a = 0;
        for (std::size_t i = 1; i < groups.size(); ++i)
            if (groups[i].expected < groups[a].expected) a = i;
        std::size_t b;
        if (a == 0) b = 1;
        else if (a + 1 == groups.size()) b = a - 1;
        else b = groups[a + 1].expected < groups[a - 1].expected ? a + 1 : a - 1;
        std::size_t first = std::min(a, b), second = std::max(a, b);
        groups[first].observed += groups[second].observed;
        groups[first].expected += groups[second].expected;
        groups[first].label += "+" + groups[second].label;
        groups[first].members += groups[second].members;
        groups.erase(groups.begin() + static_cast<std::ptrdiff_t>(second));
    }
}

std::vector<StratifierFit> stratifier_fits(const Vocabulary& vocabulary, const SamplingFrame& frame,
                                           const std::vector<std::uint32_t>& selected) {
    std::vector<StratifierFit> out;
    if (frame.size() == 0 || selected.empty()) return out;
    const double n = static_cast<double>(selected.size());
    const double N = static_cast<double>(frame.size());
    for (std::size_t s = 0; s < frame.width(); ++s) {
        auto var = frame.stratifiers[s];
        std::vector<double> pop(frame.category_count[s], 0), obs(frame.category_count[s], 0);
        for (std::size_t i = 0; i < frame.size(); ++i) pop[frame.codes[i][s]] += 1;
        for (auto i : selected) obs[frame.codes[i][s]] += 1;
        std::vector<FitGroup> groups;
        for (std::size_t h = 0; h < pop.size(); ++h)
            if (pop[h] > 0) groups.push_back({obs[h], n * pop[h] / N, vocabulary.categories(var)[h], 1});
        StratifierFit f;
        f.variable = var;
        f.categories = groups.size();
        groups = pool_sparse(std::move(groups));
        f.groups = groups.size();
        std::vector<double> o, e;
        for (const auto& g : groups) {
            o.push_back(g.observed);
            e.push_back(g.expected);
            if (g.members > 1) f.pooled.push_back(g.label);
        }
        f.fit = chi_square_gof(o, e);
        out.push_back(std::move(f));
    }
    return out;
}

}  // namespace casesample
