#include "casesample/verdict.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "casesample/error.hpp"
#include "casesample/output.hpp"

namespace casesample {

namespace {

// The value a fixed-point text reads back as.
double shown(double p, int decimals) { return std::stod(format_fixed(p, decimals)); }

// Fewest decimals (2 to 6) at which p is shown on the same side of robust_at as it lies.
int decimals_for(double p, double robust_at) {
    for (int d = 2; d < 6; ++d)
        if ((shown(p, d) >= robust_at) == (p >= robust_at)) return d;
    return 6;
}

std::string threshold_text(double robust_at) {
    std::string two = format_fixed(robust_at, 2);
    return shown(robust_at, 2) == robust_at ? two : format_shortest(robust_at);
}

}  // namespace

void check_robust_at(double robust_at) {
    if (!(robust_at >= 0.5 && robust_at <= 1.0))
        throw UsageError("--robust-at must be a probability from 0.5 to 1 (e.g. 0.9), got " + format_shortest(robust_at));
}

std::string verdict_probability(double p, double robust_at) { return format_fixed(p, decimals_for(p, robust_at)); }

Verdict judgement_verdict(const Framework& framework, std::size_t rating) {
    if (rating >= framework.ratings.size()) throw UsageError("verdict: rating out of range");
    Verdict v;
    v.rating = v.most_likely = rating;
    v.robust = true;
    v.probability = v.most_likely_probability = 1.0;
    v.judged = true;
    v.text = "robust: rated by judgement, not from the sample";
    return v;
}

Verdict rating_verdict(const Framework& framework, std::size_t rating, const std::vector<double>& probabilities,
                       double robust_at, std::string_view which, std::size_t draws) {
    check_robust_at(robust_at);
    const auto& names = framework.ratings;
    if (probabilities.size() != names.size() || rating >= names.size())
        throw UsageError("verdict: " + std::to_string(probabilities.size()) + " probabilities for " +
                         std::to_string(names.size()) + " ratings");
    Verdict v;
    v.rating = rating;
    v.probability = probabilities[rating];
    v.robust = v.probability >= robust_at;
    v.most_likely = rating;
    for (std::size_t i = 0; i < probabilities.size(); ++i)
        if (probabilities[i] > probabilities[v.most_likely]) v.most_likely = i;
    v.most_likely_probability = probabilities[v.most_likely];
    if (draws > 0) {
        const double se = std::sqrt(v.probability * (1 - v.probability) / static_cast<double>(draws));
        v.near_threshold = std::abs(v.probability - robust_at) <= 2 * se && se > 0;
    }

    int d = decimals_for(v.probability, robust_at);
    if (v.robust) {
        v.text = "robust: " + names[rating].name + " " + format_fixed(v.probability, d) + " (at least " +
                 threshold_text(robust_at) + ")";
    } else if (v.most_likely != rating) {
        // Enough decimals that the more likely rating is shown as more likely.
        while (d < 6 && format_fixed(v.most_likely_probability, d) == format_fixed(v.probability, d)) ++d;
        v.text = "not robust: " + names[v.most_likely].name + " is more likely (" +
                 format_fixed(v.most_likely_probability, d) + ") than the " + std::string(which) + " " +
                 names[rating].name + " (" + format_fixed(v.probability, d) + ")";
    } else {
        std::vector<std::size_t> order(probabilities.size());
        std::iota(order.begin(), order.end(), std::size_t{0});
        std::stable_sort(order.begin(), order.end(),
                         [&](std::size_t a, std::size_t b) { return probabilities[a] > probabilities[b]; });
        v.text = "not robust:";
        bool first = true;
        for (auto i : order) {
            if (i != rating && shown(probabilities[i], d) == 0.0) continue;
            v.text += std::string(first ? " " : ", ") + names[i].name + " " + format_fixed(probabilities[i], d);
            first = false;
        }
    }
    if (v.near_threshold)
        v.text += "; within simulation error of " + threshold_text(robust_at) + ": more --draws would settle it";
    return v;
}

nlohmann::ordered_json verdict_json(const Framework& fw, const std::optional<Verdict>& v) {
    if (!v) return nullptr;
    nlohmann::ordered_json o;
    o["robust"] = v->robust;
    o["rating"] = fw.ratings[v->rating].name;
    o["most_likely"] = fw.ratings[v->most_likely].name;
    o["probability"] = v->probability;
    o["most_likely_probability"] = v->most_likely_probability;
    o["text"] = v->text;
    return o;
}

std::vector<std::string> verdict_csv_cells(const Framework& fw, const std::optional<Verdict>& v) {
    if (!v) return {"", "", "", ""};
    return {v->robust ? "yes" : "no", fw.ratings[v->most_likely].name, format_fixed(v->probability, 6), v->text};
}

std::vector<std::string> verdict_summary(const VerdictSummaryInput& in) {
    std::vector<std::string> lines;
    const std::string at = threshold_text(in.robust_at);
    if (in.overall_rating.empty()) {
        lines.push_back("Overall: not rated" + (in.overall_not_rated.empty() ? "" : " (" + in.overall_not_rated + ")") + ".");
    } else if (in.overall) {
        const auto& v = *in.overall;
        std::string line = "Overall: " + in.overall_rating;
        if (v.robust)
            line += ", probability " + verdict_probability(v.probability, in.robust_at) + ": robust (at least " + at + ")";
        else
            line += ": " + v.text;
        lines.push_back(line + ".");
    } else {
        lines.push_back("Overall: " + in.overall_rating + "; robustness not assessed" +
                        (in.not_assessed.empty() ? "" : ": " + in.not_assessed) + ".");
    }
    std::size_t assessed = 0, unrated = 0;
    std::string unrated_ids;
    std::vector<const VerdictLine*> weak;
    for (const auto& s : in.standards) {
        if (!s.verdict) {
            ++unrated;
            unrated_ids += (unrated_ids.empty() ? "" : ", ") + s.id;
            continue;
        }
        ++assessed;
        if (!s.verdict->robust) weak.push_back(&s);
    }
    if (assessed == 0) {
        // The overall line says why when there is an overall rating; say it here when there is none.
        if (in.overall_rating.empty() && !in.not_assessed.empty())
            lines.push_back("Robustness not assessed: " + in.not_assessed + ".");
        return lines;
    }
    if (weak.empty()) {
        lines.push_back(std::string(unrated == 0 ? "Every standard's rating" : "Every rated standard's rating") +
                        " is robust (probability at least " + at + ").");
    } else {
        std::string ids;
        for (const auto* s : weak) ids += (ids.empty() ? "" : ", ") + s->id;
        lines.push_back("Not robust at " + at + ": " + std::to_string(weak.size()) + " of " +
                        std::to_string(in.standards.size()) + " standards (" + ids + "):");
        for (const auto* s : weak)
            lines.push_back("  " + s->id + (s->name.empty() ? "" : " " + s->name) + ": " + s->verdict->text);
    }
    if (unrated > 0) lines.push_back("No verdict for " + unrated_ids + " (no rating, or no probabilities).");
    return lines;
}

}  // namespace casesample
