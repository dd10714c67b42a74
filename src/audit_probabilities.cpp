// Band and rating probabilities of a published table, and their verdicts.
//
// Key question: each (yes, relevant) pair consistent with the printed percentage gives exact band probabilities,
// as `report` computes them (the population's 'yes' count is yes + U, U beta-binomial with a Jeffreys prior,
// over the pair's relevant population). The table does not say which pair it was, so every consistent pair is
// given the same weight: the question's band probabilities are the average over its pairs (and the least and
// greatest value across the pairs are kept, so a reader can see how much the unknown pair matters).
//
// Standards and the overall: the table holds no case-level answers, so the key questions are taken as
// independent. Then exactly: P(standard rating >= k) = product over its published key questions of
// P(band >= k), and the total score's distribution is the convolution of the standards' score distributions.
#include <algorithm>
#include <numeric>

#include "casesample/report_audit.hpp"
#include "casesample/robustness.hpp"

namespace casesample {

namespace {

std::size_t most_likely(const std::vector<double>& p) {
    return static_cast<std::size_t>(std::max_element(p.begin(), p.end()) - p.begin());
}

// The rating a verdict is about: the published one, else the single computed one, else the most likely.
std::pair<std::size_t, std::string_view> judged_rating(const AuditRating& r) {
    if (r.published) return {*r.published, "published"};
    if (r.computed.size() == 1) return {*r.computed.begin(), "computed"};
    return {most_likely(r.rating_probabilities), "computed"};
}

void add_verdict(const Framework& fw, AuditRating& r, double robust_at) {
    if (r.rating_probabilities.empty()) return;
    if (r.judged) {
        if (r.published) r.verdict = judgement_verdict(fw, *r.published);
        return;
    }
    auto [rating, which] = judged_rating(r);
    r.verdict = rating_verdict(fw, rating, r.rating_probabilities, robust_at, which);
}

}  // namespace

void add_audit_probabilities(Audit& a, const AuditOptions& options) {
    const auto& fw = *a.framework;
    const std::size_t R = fw.ratings.size();
    a.probabilities_computed = false;
    if (a.questions.empty()) {
        a.probabilities = "no key question published";
        return;
    }
    std::uint64_t terms = 0;
    for (const auto& q : a.questions)
        for (const auto& p : q.pairs) {
            if (!p.population) {
                a.probabilities = "no population size (give --population, e.g. court=71,out-of-court=39)";
                return;
            }
            terms += static_cast<std::uint64_t>(*p.population - p.relevant + 1);
        }
    if (terms > kMostAuditTerms) {
        a.probabilities = "the consistent pairs and populations would need " + std::to_string(terms) +
                          " exact beta-binomial terms, more than " + std::to_string(kMostAuditTerms) +
                          " (fewer cases read or a smaller population would do)";
        return;
    }
    (void)options;

    // Key questions: the average over their consistent pairs.
    for (auto& q : a.questions) {
        q.band_probabilities.assign(R, 0.0);
        q.band_probabilities_min.assign(R, 1.0);
        q.band_probabilities_max.assign(R, 0.0);
        for (auto& p : q.pairs) {
            auto& pair_bands = p.band_probabilities;
            pair_bands.assign(R, 0.0);
            auto dist = population_count_distribution(p.yes, p.relevant, *p.population);
            // Bands are monotone in the population count: sum the pmf between the first counts of each band.
            const std::int64_t Np = *p.population;
            std::int64_t start = 0;
            for (std::size_t k = 0; k < R; ++k) {
                // First count M in [start, Np + 1) whose band is above k (Np + 1 when none).
                std::int64_t lo = start, hi = Np + 1;
                while (lo < hi) {
                    const std::int64_t mid = lo + (hi - lo) / 2;
                    if (band_of_share(fw, mid, Np, a.band_on) > k) hi = mid;
                    else lo = mid + 1;
                }
                // Population counts run from yes (no unread 'yes') to yes + Np - relevant (every unread one).
                const std::int64_t last = std::min(lo, p.yes + Np - p.relevant + 1);
                for (std::int64_t m = std::max(start, p.yes); m < last; ++m)
                    pair_bands[k] += dist[static_cast<std::size_t>(m - p.yes)];
                start = lo;
            }
            for (std::size_t k = 0; k < R; ++k) {
                q.band_probabilities[k] += pair_bands[k];
                q.band_probabilities_min[k] = std::min(q.band_probabilities_min[k], pair_bands[k]);
                q.band_probabilities_max[k] = std::max(q.band_probabilities_max[k], pair_bands[k]);
            }
        }
        for (auto& x : q.band_probabilities) x /= static_cast<double>(q.pairs.size());
        const std::size_t band =
            q.bands.size() == 1 ? *q.bands.begin() : band_of_percent(fw, static_cast<double>(q.printed));
        q.verdict = rating_verdict(fw, band, q.band_probabilities, a.robust_at, "printed");
    }

    // Standards: the lowest band of independent key questions.
    std::vector<std::size_t> first_standard(fw.domains.size(), 0);
    for (std::size_t d = 0, k = 0; d < fw.domains.size(); ++d) {
        first_standard[d] = k;
        k += fw.domains[d].standards.size();
    }
    std::vector<std::vector<const AuditQuestion*>> of_standard(a.standards.size());
    std::string partly_published;  // standards with only some key questions published
    for (const auto& q : a.questions)
        of_standard[first_standard[q.place.domain] + q.place.standard].push_back(&q);
    for (std::size_t s = 0; s < a.standards.size(); ++s) {
        auto& r = a.standards[s];
        if (r.judged) {
            if (r.published) {
                r.rating_probabilities.assign(R, 0.0);
                r.rating_probabilities[*r.published] = 1.0;
            }
        } else if (!of_standard[s].empty()) {
            // at_least[k] = P(every key question in band >= k).
            std::vector<double> at_least(R + 1, 1.0);
            at_least[R] = 0.0;
            for (const auto* q : of_standard[s])
                for (std::size_t k = 0; k < R; ++k) {
                    double tail = 0;
                    for (std::size_t b = k; b < R; ++b) tail += q->band_probabilities[b];
                    at_least[k] *= std::min(1.0, tail);
                }
            r.rating_probabilities.assign(R, 0.0);
            for (std::size_t k = 0; k < R; ++k) r.rating_probabilities[k] = std::max(0.0, at_least[k] - at_least[k + 1]);
        }
        add_verdict(fw, r, a.robust_at);
        // A standard with only some key questions published: its probabilities are those of the published ones;
        // an unpublished question could only lower the rating, and the verdict says so.
        if (r.verdict && !r.judged) {
            std::string absent;
            const auto& st = fw.standard(*fw.find_standard(r.id));
            for (const auto& kq : st.key_questions)
                if (std::none_of(of_standard[s].begin(), of_standard[s].end(),
                                 [&](const AuditQuestion* q) { return fw.question(q->place).id == kq.id; }))
                    absent += (absent.empty() ? "" : ", ") + kq.id;
            if (!absent.empty()) {
                r.verdict->text += "; from its published key questions only (" + absent +
                                   " not published, which could lower it)";
                partly_published += (partly_published.empty() ? "" : ", ") + r.id;
            }
        }
    }

    // Overall: the distribution of the total score, when every standard has rating probabilities.
    const bool every = std::all_of(a.standards.begin(), a.standards.end(),
                                   [](const AuditRating& r) { return !r.rating_probabilities.empty(); });
    if (every) {
        std::vector<double> score(static_cast<std::size_t>(fw.max_total_score()) + 1, 0.0);
        score[0] = 1.0;
        for (const auto& r : a.standards) {
            std::vector<double> next(score.size(), 0.0);
            for (std::size_t t = 0; t < score.size(); ++t) {
                if (score[t] == 0.0) continue;
                for (std::size_t k = 0; k < R; ++k) {
                    const auto to = t + static_cast<std::size_t>(fw.ratings[k].score);
                    if (to < next.size()) next[to] += score[t] * r.rating_probabilities[k];
                }
            }
            score = std::move(next);
        }
        a.overall.rating_probabilities.assign(R, 0.0);
        for (std::size_t t = 0; t < score.size(); ++t)
            a.overall.rating_probabilities[overall_rating(fw, static_cast<int>(t))] += score[t];
        add_verdict(fw, a.overall, a.robust_at);
    }
    a.probabilities_computed = true;
    a.probabilities =
        "band probabilities exact (beta-binomial, Jeffreys prior, as report), each consistent pair weighted equally; "
        "rating probabilities by exact convolution, taking the key questions as independent (the table has no "
        "case-level answers)";
    if (!partly_published.empty())
        a.probabilities += "; standards " + partly_published + " have only some key questions published: their "
                           "probabilities are those of the published ones";
}

std::vector<std::string> audit_summary(const Audit& a) {
    const auto& fw = *a.framework;
    VerdictSummaryInput in;
    in.robust_at = a.robust_at;
    if (!a.probabilities_computed) in.not_assessed = a.probabilities;
    const auto& o = a.overall;
    if (o.published)
        in.overall_rating = "published " + fw.ratings[*o.published].name;
    else if (o.computed.size() == 1)
        in.overall_rating = fw.ratings[*o.computed.begin()].name + " (not published)";
    else if (!o.computed.empty())
        in.overall_rating = "not published; the rules allow several ratings";
    if (o.score) in.overall_rating += " (score " + std::to_string(*o.score) + " of " + std::to_string(fw.max_total_score()) + ")";
    if (in.overall_rating.empty()) in.overall_not_rated = o.why;
    in.overall = o.verdict;
    for (const auto& s : a.standards) {
        auto place = fw.find_standard(s.id);
        in.standards.push_back({s.id, place ? fw.standard(*place).name : "", s.verdict});
    }
    auto lines = verdict_summary(in);
    // The audit's first finding comes first: a published rating that does not follow from the rules.
    std::vector<std::string> wrong;
    auto note = [&](const AuditRating& r, const std::string& name) {
        if (!r.published || r.computed.empty() || r.consistent) return;
        std::string rules;
        std::size_t k = 0;
        for (auto c : r.computed)
            rules += (k++ == 0 ? "" : (k == r.computed.size() ? " or " : ", ")) + fw.ratings[c].name;
        wrong.push_back(r.id + (name.empty() ? "" : " " + name) + ": published " + fw.ratings[*r.published].name +
                        ", the rules give " + rules);
    };
    for (const auto& s : a.standards) {
        auto place = fw.find_standard(s.id);
        note(s, place ? fw.standard(*place).name : "");
    }
    note(a.overall, "");
    if (!wrong.empty()) {
        std::vector<std::string> head{"Does not follow from the rules: " + std::to_string(wrong.size()) +
                                      (wrong.size() == 1 ? " published rating:" : " published ratings:")};
        for (const auto& w : wrong) head.push_back("  " + w);
        lines.insert(lines.begin(), head.begin(), head.end());
    }
    return lines;
}

}  // namespace casesample
