#include "casesample/report_audit.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>

#include "casesample/csv.hpp"
#include "casesample/error.hpp"
#include "casesample/output.hpp"
#include "casesample/report.hpp"  // relevant_population

namespace casesample {

namespace {

std::string trimmed(std::string_view s) {
    auto b = s.find_first_not_of(" \t");
    if (b == std::string_view::npos) return {};
    auto e = s.find_last_not_of(" \t");
    return std::string(s.substr(b, e - b + 1));
}

PublishedTable read_table(CsvReader& reader, const Framework& fw) {
    PublishedTable t;
    t.file = reader.name();
    auto id_col = reader.find_column("id");
    auto value_col = reader.find_column("value");
    if (!id_col || !value_col)
        throw InputError(reader.name(), reader.header_line(), 0, "expected the columns 'id, value'");
    std::map<std::string, std::size_t> seen;
    CsvRecord rec;
    while (reader.next(rec)) {
        std::string id = trimmed(rec.fields[*id_col]);
        std::string value = trimmed(rec.fields[*value_col]);
        if (seen.count(id))
            reader.fail(rec, *id_col, quote_value(id) + " appears twice (first on line " + std::to_string(seen[id]) + ")");
        seen[id] = rec.line;
        if (id == "overall" || id == "Overall") {
            auto r = fw.find_rating(value);
            if (!r) reader.fail(rec, *value_col, "unknown rating " + quote_value(value) + " (expected " + fw.rating_names() + ")");
            t.overall = {{*r, rec.line}};
        } else if (auto q = fw.find_question(id)) {
            if (fw.domains[q->domain].judged)
                reader.fail(rec, *id_col, "key question " + id + " belongs to a domain rated by judgement: give its standard's rating instead");
            std::string digits = value;
            if (!digits.empty() && digits.back() == '%') digits.pop_back();
            digits = trimmed(digits);
            std::int64_t p = -1;
            auto res = std::from_chars(digits.data(), digits.data() + digits.size(), p);
            if (digits.empty() || res.ec != std::errc() || res.ptr != digits.data() + digits.size() || p < 0 || p > 100)
                reader.fail(rec, *value_col,
                            quote_value(value) + " is not a whole-number percentage for key question " + id + " (expected e.g. 84%)");
            t.percents[id] = {p, rec.line};
        } else if (fw.find_standard(id)) {
            auto r = fw.find_rating(value);
            if (!r)
                reader.fail(rec, *value_col,
                            "unknown rating " + quote_value(value) + " for standard " + id + " (expected " + fw.rating_names() + ")");
            t.ratings[id] = {*r, rec.line};
        } else {
            reader.fail(rec, *id_col, quote_value(id) + " is neither a key question, a standard nor 'overall' of the framework");
        }
    }
    // An audit checks ratings against percentages: without both there is nothing it could show.
    if (t.percents.empty())
        throw InputError(reader.name(), 0, 0,
                         "no key question percentage in the table (expected rows such as 2.1.1,84%): there is "
                         "nothing to audit");
    if (t.ratings.empty() && !t.overall)
        throw InputError(reader.name(), 0, 0,
                         "no rating in the table (expected rows such as 2.1,Good or overall,Good): there is nothing "
                         "to check against the percentages");
    return t;
}

std::string list(const std::vector<std::string>& items) {
    std::string s;
    for (const auto& i : items) s += (s.empty() ? "" : ", ") + i;
    return s;
}

std::string ratings_text(const Framework& fw, const std::set<std::size_t>& r) {
    std::string s;
    std::size_t k = 0;
    for (auto i : r) {
        s += (k == 0 ? "" : (k + 1 == r.size() ? " or " : ", ")) + fw.ratings[i].name;
        ++k;
    }
    return s;
}

}  // namespace

PublishedTable read_published(const std::string& path, const Framework& framework) {
    auto reader = CsvReader::open(path);
    return read_table(reader, framework);
}

PublishedTable parse_published(const std::string& name, std::string text, const Framework& framework) {
    auto reader = CsvReader::from_string(name, std::move(text));
    return read_table(reader, framework);
}

namespace {

// The 'yes' counts y of r relevant cases that can round to the printed percentage p: only those with 100 y / r
// within half a point of p, (2p - 1) r / 200 <= y <= (2p + 1) r / 200. The caller's checks decide exactly.
std::pair<std::int64_t, std::int64_t> candidate_yes(std::int64_t printed, std::int64_t r) {
    return {std::max<std::int64_t>(0, ((2 * printed - 1) * r) / 200),
            std::min<std::int64_t>(r, ((2 * printed + 1) * r + 199) / 200)};
}

}  // namespace

// A published rating the audit could not check (no rating computed) is neither consistent nor inconsistent: it is
// listed by unchecked(), and does not make the audit inconsistent.
bool Audit::all_consistent() const {
    for (const auto& s : standards)
        if (s.published && !s.computed.empty() && !s.consistent) return false;
    return !overall.published || overall.computed.empty() || overall.consistent;
}

std::vector<std::string> Audit::unchecked() const {
    std::vector<std::string> ids;
    for (const auto& s : standards)
        if (s.published && s.computed.empty() && !s.judged) ids.push_back(s.id);
    if (overall.published && overall.computed.empty()) ids.push_back(overall.id);
    return ids;
}

Audit audit_published(const Framework& fw, const PublishedTable& table, const AuditOptions& options) {
    Audit a;
    a.framework = &fw;
    a.file = table.file;
    a.confidence = options.confidence;
    a.band_on = options.band_on;
    a.robust_at = options.robust_at;
    check_robust_at(options.robust_at);
    if (!(options.confidence > 0 && options.confidence < 1))
        throw UsageError("--confidence must be between 0 and 1 (e.g. 0.8)");

    // Domains with published percentages need their case counts.
    std::set<std::size_t> domains;
    for (const auto& [id, v] : table.percents) domains.insert(fw.find_question(id)->domain);
    bool all_populations = true;
    for (auto d : domains) {
        if (!options.cases.count(d))
            throw UsageError("--cases must give the number of " + fw.domains[d].sample_domain +
                             " cases read, e.g. --cases court=50,out-of-court=32");
        if (!options.population.empty() && !options.population.count(d))
            throw UsageError("--population gives no count for the " + fw.domains[d].sample_domain +
                             " cases, which the published table includes (give " + fw.domains[d].sample_domain +
                             "=N as well, e.g. --population court=71,out-of-court=39)");
        if (!options.population.count(d)) all_populations = false;
        else if (options.population.at(d) < options.cases.at(d))
            throw UsageError("the " + fw.domains[d].sample_domain + " population is smaller than the cases read");
    }
    a.method = options.method.value_or(all_populations ? IntervalMethod::hypergeometric : IntervalMethod::wilson);
    if (needs_population(a.method) && !all_populations)
        throw UsageError("--method " + std::string(to_string(a.method)) + " needs --population for every domain");

    if (options.progress) {
        std::uint64_t candidates = 0;
        for (const auto& [id, v] : table.percents)
            for (std::int64_t r = 1; r <= options.cases.at(fw.find_question(id)->domain); ++r) {
                const auto [y_low, y_high] = candidate_yes(v.first, r);
                candidates += static_cast<std::uint64_t>(y_high - y_low + 1);
            }
        options.progress->begin("checking published percentages", candidates);
    }

    // Key questions, in framework order.
    std::map<std::string, std::size_t> question_index;
    for (std::size_t d = 0; d < fw.domains.size(); ++d)
        for (std::size_t s = 0; s < fw.domains[d].standards.size(); ++s)
            for (std::size_t k = 0; k < fw.domains[d].standards[s].key_questions.size(); ++k) {
                const auto& id = fw.domains[d].standards[s].key_questions[k].id;
                auto it = table.percents.find(id);
                if (it == table.percents.end()) continue;
                AuditQuestion q;
                q.place = {d, s, k};
                q.printed = it->second.first;
                q.line = it->second.second;
                q.cases = options.cases.at(d);
                std::optional<std::int64_t> N;
                if (auto p = options.population.find(d); p != options.population.end()) N = p->second;
                double widest = -1;
                std::optional<std::size_t> common;
                bool robust = true;
                for (std::int64_t r = 1; r <= q.cases; ++r) {
                    const auto [y_low, y_high] = candidate_yes(q.printed, r);
                    advance(options.progress, static_cast<std::uint64_t>(y_high - y_low + 1));
                    for (std::int64_t y = y_low; y <= y_high; ++y) {
                        bool up = whole_percent(y, r, Rounding::half_up) == q.printed;
                        bool even = whole_percent(y, r, Rounding::half_even) == q.printed;
                        if (!up && !even) continue;
                        AuditPair p;
                        p.yes = y;
                        p.relevant = r;
                        p.half_up = up;
                        p.half_even = even;
                        if (N) p.population = relevant_population(*N, r, q.cases);
                        p.interval = proportion_interval(y, r, a.confidence, a.method, p.population);
                        p.band = options.band_on == BandOn::rounded
                                     ? band_of_percent(fw, static_cast<double>(q.printed))
                                     : band_of_share(fw, y, r, BandOn::exact);
                        std::size_t lo, hi;
                        if (p.interval.lower_count && p.population) {
                            lo = band_of_share(fw, *p.interval.lower_count, *p.population, options.band_on);
                            hi = band_of_share(fw, *p.interval.upper_count, *p.population, options.band_on);
                        } else {
                            lo = band_of_value(fw, p.interval.lower, options.band_on);
                            hi = band_of_value(fw, p.interval.upper, options.band_on);
                        }
                        if (lo == hi) p.robust_band = lo;
                        if (!p.robust_band || (common && *common != *p.robust_band)) robust = false;
                        if (p.robust_band) common = p.robust_band;
                        q.bands.insert(p.band);
                        double width = p.interval.upper - p.interval.lower;
                        if (q.pairs.empty()) {
                            q.lower = p.interval.lower;
                            q.upper = p.interval.upper;
                        }
                        q.lower = std::min(q.lower, p.interval.lower);
                        q.upper = std::max(q.upper, p.interval.upper);
                        if (r == q.cases && !q.all_relevant) q.all_relevant = q.pairs.size();
                        if (width > widest) {
                            widest = width;
                            q.widest = q.pairs.size();
                        }
                        q.pairs.push_back(std::move(p));
                    }
                }
                if (q.pairs.empty())
                    throw InputError(table.file, q.line, 2,
                                     "no count of 'yes' out of at most " + std::to_string(q.cases) + " cases gives " +
                                         std::to_string(q.printed) + "% for key question " + id);
                q.robust = robust;
                question_index[id] = a.questions.size();
                a.questions.push_back(std::move(q));
            }

    // Standards.
    for (std::size_t d = 0; d < fw.domains.size(); ++d)
        for (const auto& st : fw.domains[d].standards) {
            AuditRating r;
            r.id = st.id;
            r.judged = fw.domains[d].judged;
            if (auto it = table.ratings.find(st.id); it != table.ratings.end()) {
                r.published = it->second.first;
                r.line = it->second.second;
            }
            if (r.judged) {
                if (r.published) {
                    r.computed = {*r.published};
                    r.consistent = true;
                    r.why = "rated by judgement: taken as published";
                } else {
                    r.why = "rated by judgement and not published";
                }
                a.standards.push_back(std::move(r));
                continue;
            }
            std::vector<const AuditQuestion*> qs;
            std::vector<std::string> absent;
            for (const auto& kq : st.key_questions) {
                auto it = question_index.find(kq.id);
                if (it == question_index.end())
                    absent.push_back(kq.id);
                else
                    qs.push_back(&a.questions[it->second]);
            }
            if (qs.empty()) {
                r.why = "no key question percentage published";
                if (r.published) r.why += "; the published rating cannot be checked";
                a.standards.push_back(std::move(r));
                continue;
            }
            // Rating k is possible when every question can be in band >= k and one can be in band k. A key
            // question that is not published can be in any band.
            std::set<std::size_t> from_published;
            for (std::size_t k = 0; k < fw.ratings.size(); ++k) {
                bool all_at_least = true, one_equal = false;
                for (const auto* q : qs) {
                    all_at_least = all_at_least && *q->bands.rbegin() >= k;
                    one_equal = one_equal || q->bands.count(k);
                }
                if (all_at_least && one_equal) from_published.insert(k);
                if (all_at_least && (one_equal || !absent.empty())) r.computed.insert(k);
            }
            // Why: the lowest band and the questions that set it.
            std::size_t lowest = *from_published.begin();
            std::vector<std::string> setters;
            for (const auto* q : qs)
                if (q->bands.count(lowest)) setters.push_back(fw.question(q->place).id + " " + std::to_string(q->printed) + "%");
            std::string because = "lowest key-question band " + ratings_text(fw, from_published) + " (" + list(setters) + ")";
            if (!absent.empty())
                because += "; not published: " + list(absent) + ", which could be in any band, so the rules allow " +
                           ratings_text(fw, r.computed);
            if (!r.published) {
                r.why = "not published; " + because;
            } else if (from_published.count(*r.published)) {
                r.consistent = true;
                r.why = because;
            } else if (r.computed.count(*r.published)) {
                r.consistent = true;
                r.why = "consistent only if an unpublished key question (" + list(absent) + ") is in the " +
                        fw.ratings[*r.published].name + " band: the published ones give " +
                        ratings_text(fw, from_published) + " (" + list(setters) + ")";
            } else {
                r.why = "published " + fw.ratings[*r.published].name + " but " + because +
                        ": a standard takes its lowest key-question band";
            }
            a.standards.push_back(std::move(r));
        }

    // Overall: every possible total of the computed standard ratings.
    AuditRating& o = a.overall;
    o.id = "overall";
    if (table.overall) {
        o.published = table.overall->first;
        o.line = table.overall->second;
    }
    std::set<int> scores = {0};
    std::vector<std::string> unrated;
    for (const auto& s : a.standards) {
        if (s.computed.empty()) {
            unrated.push_back(s.id);
            continue;
        }
        std::set<int> next;
        for (int base : scores)
            for (auto k : s.computed) next.insert(base + fw.ratings[k].score);
        scores = std::move(next);
    }
    if (!unrated.empty()) {
        o.why = "standards without a rating: " + list(unrated);
        if (o.published) o.why += "; the published overall rating cannot be checked";
        add_audit_probabilities(a, options);
        return a;
    }
    o.scores = scores;
    if (scores.size() == 1) o.score = *scores.begin();
    for (int s : scores) o.computed.insert(overall_rating(fw, s));
    std::string score_text;
    if (o.score) {
        score_text = "total score " + std::to_string(*o.score);
    } else {
        score_text = "total score " + std::to_string(*scores.begin()) + " to " + std::to_string(*scores.rbegin());
    }
    std::string band_text;
    for (const auto& b : fw.overall)
        if (o.score && *o.score >= b.min_score && *o.score <= b.max_score)
            band_text = " (" + std::to_string(b.min_score) + "-" + std::to_string(b.max_score) + " is " + b.rating + ")";
    if (!o.published) {
        o.why = "not published; " + score_text + " gives " + ratings_text(fw, o.computed);
    } else if (o.computed.count(*o.published)) {
        o.consistent = true;
        o.why = score_text + band_text;
    } else {
        o.why = "published " + fw.ratings[*o.published].name + " but " + score_text + " gives " +
                ratings_text(fw, o.computed) + band_text;
    }
    add_audit_probabilities(a, options);
    return a;
}

namespace {

using ojson = nlohmann::ordered_json;

std::string computed_text(const Framework& fw, const AuditRating& r) {
    return r.computed.empty() ? "" : ratings_text(fw, r.computed);
}

std::string pair_text(const AuditPair& p) { return std::to_string(p.yes) + "/" + std::to_string(p.relevant); }

std::string interval_text(const AuditPair& p) {
    std::string s = format_fixed(100 * p.interval.lower, 1) + "-" + format_fixed(100 * p.interval.upper, 1) + "%";
    if (p.interval.lower_count)
        s += " (" + std::to_string(*p.interval.lower_count) + "-" + std::to_string(*p.interval.upper_count) + " of " +
             std::to_string(*p.population) + ")";
    return s;
}

std::string bands_text(const Framework& fw, const std::set<std::size_t>& b) { return ratings_text(fw, b); }

ojson probabilities_json(const Framework& fw, const std::vector<double>& p) {
    if (p.empty()) return nullptr;
    ojson j = ojson::object();
    for (std::size_t i = 0; i < p.size(); ++i) j[fw.ratings[i].name] = p[i];
    return j;
}


// The CSV cells p_<initials>..., verdict_robust, most_likely, verdict_probability, verdict.
void probability_cells(CsvWriter& w, const Framework& fw, const std::vector<double>& p, const std::optional<Verdict>& v) {
    for (std::size_t i = 0; i < fw.ratings.size(); ++i) {
        if (p.empty()) w.empty();
        else w.number(p[i], 6);
    }
    for (const auto& cell : verdict_csv_cells(fw, v)) w.text(cell);
}

ojson rating_json(const Framework& fw, const AuditRating& r) {
    ojson o;
    o["id"] = r.id;
    if (r.id != "overall") o["rated_by"] = r.judged ? "judgement" : "key questions";
    o["published"] = r.published ? ojson(fw.ratings[*r.published].name) : ojson(nullptr);
    ojson computed = ojson::array();
    for (auto k : r.computed) computed.push_back(fw.ratings[k].name);
    o["computed"] = computed;
    if (r.id == "overall") {
        o["score"] = r.score ? ojson(*r.score) : ojson(nullptr);
        o["possible_scores"] = r.scores;
    }
    o["consistent"] = r.published && !r.computed.empty() ? ojson(r.consistent) : ojson(nullptr);
    o["why"] = r.why;
    o["rating_probabilities"] = probabilities_json(fw, r.rating_probabilities);
    o["verdict"] = verdict_json(fw, r.verdict);
    return o;
}

// The one line on consistency, saying only what the rows show.
std::string consistency_line(const Audit& a) {
    const auto unchecked = a.unchecked();
    std::string line = a.all_consistent() ? (unchecked.empty() ? "Every published rating follows from the rules."
                                                               : "Every published rating that could be checked follows "
                                                                 "from the rules.")
                                          : "Some published ratings do not follow from the rules (consistent: NO).";
    if (!unchecked.empty())
        line += " Not checked (too few key questions published to compute them): " + list(unchecked) + ".";
    return line;
}

std::string render_audit_json(const Audit& a) {
    const auto& fw = *a.framework;
    ojson j;
    j["framework"] = fw.name;
    j["published"] = a.file;
    j["confidence"] = a.confidence;
    j["method"] = to_string(a.method);
    j["band_on"] = to_string(a.band_on);
    j["rounding"] = "a pair is consistent when 100 x yes / relevant rounds to the printed percentage half up or half to even";
    j["robust_at"] = a.robust_at;
    j["probabilities"] = a.probabilities;
    j["summary"] = audit_summary(a);
    auto& qs = j["questions"] = ojson::array();
    for (const auto& q : a.questions) {
        ojson o;
        o["id"] = fw.question(q.place).id;
        o["domain"] = fw.domains[q.place.domain].sample_domain;
        o["standard"] = fw.domains[q.place.domain].standards[q.place.standard].id;
        o["printed_percent"] = q.printed;
        o["cases"] = q.cases;
        auto& pairs = o["pairs"] = ojson::array();
        for (const auto& p : q.pairs) {
            ojson po;
            po["yes"] = p.yes;
            po["relevant"] = p.relevant;
            po["rounding"] = p.half_up && p.half_even ? "both" : (p.half_up ? "half-up" : "half-even");
            po["population"] = p.population ? ojson(*p.population) : ojson(nullptr);
            po["lower"] = p.interval.lower;
            po["upper"] = p.interval.upper;
            po["band"] = fw.ratings[p.band].name;
            po["robust"] = p.robust_band.has_value();
            po["band_probabilities"] = probabilities_json(fw, p.band_probabilities);
            pairs.push_back(po);
        }
        const auto& w = q.pairs[q.widest];
        ojson wo;
        wo["yes"] = w.yes;
        wo["relevant"] = w.relevant;
        wo["lower"] = w.interval.lower;
        wo["upper"] = w.interval.upper;
        if (w.interval.lower_count) {
            wo["lower_count"] = *w.interval.lower_count;
            wo["upper_count"] = *w.interval.upper_count;
            wo["population"] = *w.population;
        }
        o["widest_interval"] = wo;
        o["envelope"] = {{"lower", q.lower}, {"upper", q.upper}};
        if (q.all_relevant) {
            const auto& f = q.pairs[*q.all_relevant];
            ojson fo;
            fo["yes"] = f.yes;
            fo["relevant"] = f.relevant;
            fo["lower"] = f.interval.lower;
            fo["upper"] = f.interval.upper;
            if (f.interval.lower_count) {
                fo["lower_count"] = *f.interval.lower_count;
                fo["upper_count"] = *f.interval.upper_count;
                fo["population"] = *f.population;
            }
            fo["robust"] = f.robust_band.has_value();
            o["all_relevant"] = fo;
        } else {
            o["all_relevant"] = nullptr;
        }
        ojson bands = ojson::array();
        for (auto b : q.bands) bands.push_back(fw.ratings[b].name);
        o["bands"] = bands;
        o["robust"] = q.robust;
        o["band_probabilities"] = probabilities_json(fw, q.band_probabilities);
        if (q.band_probabilities.empty()) {
            o["band_probability_range"] = nullptr;
        } else {
            ojson range = ojson::object();
            for (std::size_t i = 0; i < fw.ratings.size(); ++i)
                range[fw.ratings[i].name] = {q.band_probabilities_min[i], q.band_probabilities_max[i]};
            o["band_probability_range"] = range;
        }
        o["verdict"] = verdict_json(fw, q.verdict);
        qs.push_back(o);
    }
    auto& ss = j["standards"] = ojson::array();
    for (const auto& s : a.standards) ss.push_back(rating_json(fw, s));
    j["overall"] = rating_json(fw, a.overall);
    j["all_consistent"] = a.all_consistent();
    j["unchecked"] = a.unchecked();
    j["consistency"] = consistency_line(a);
    return j.dump(2) + "\n";
}

struct AuditTables {
    std::vector<std::string> qh, sh;
    std::vector<std::vector<std::string>> qr, sr;
    std::vector<std::string> summary;
    std::vector<std::string> lines;
};

AuditTables audit_tables(const Audit& a) {
    const auto& fw = *a.framework;
    AuditTables t;
    t.qh = {"question", "printed", "cases", "pairs", "relevant", "widest interval " + format_percent(a.confidence, 0),
            "of pair", "band", "robust", "if all relevant", "robust then"};
    const bool probs = a.probabilities_computed;
    auto probability_columns = [&](std::vector<std::string>& header) {
        for (const auto& rt : fw.ratings) header.push_back("P(" + rating_initials(rt.name) + ")");
    };
    if (probs) probability_columns(t.qh);
    auto probability_cells = [&](std::vector<std::string>& row, const std::vector<double>& p) {
        for (std::size_t i = 0; i < fw.ratings.size(); ++i) row.push_back(p.empty() ? "" : format_fixed(p[i], 3));
    };
    for (const auto& q : a.questions) {
        std::int64_t rmin = q.pairs.front().relevant, rmax = q.pairs.back().relevant;
        const auto& w = q.pairs[q.widest];
        t.qr.push_back({fw.question(q.place).id, std::to_string(q.printed) + "%", std::to_string(q.cases),
                        std::to_string(q.pairs.size()), std::to_string(rmin) + "-" + std::to_string(rmax),
                        interval_text(w), pair_text(w), bands_text(fw, q.bands), q.robust ? "yes" : "no",
                        q.all_relevant ? pair_text(q.pairs[*q.all_relevant]) + ": " + interval_text(q.pairs[*q.all_relevant]) : "-",
                        q.all_relevant ? (q.pairs[*q.all_relevant].robust_band ? "yes" : "no") : "-"});
        if (probs) probability_cells(t.qr.back(), q.band_probabilities);
    }
    t.sh = {"standard", "published", "computed", "consistent", "why"};
    if (probs) {
        probability_columns(t.sh);
        t.sh.push_back("verdict");
    }
    auto row = [&](const AuditRating& r) {
        std::string consistent = !r.published || r.computed.empty() ? "-" : (r.consistent ? "yes" : "NO");
        t.sr.push_back({r.id, r.published ? fw.ratings[*r.published].name : "-", computed_text(fw, r), consistent, r.why});
        if (probs) {
            probability_cells(t.sr.back(), r.rating_probabilities);
            t.sr.back().push_back(r.verdict ? r.verdict->text : "");
        }
    };
    for (const auto& s : a.standards) row(s);
    row(a.overall);
    t.lines.push_back("Intervals: " + std::string(to_string(a.method)) + " at " + format_percent(a.confidence, 0) +
                      " confidence; bands from the " +
                      (a.band_on == BandOn::exact ? "exact share" : "printed whole-number percentage") + ".");
    t.lines.push_back("Pairs: every yes/relevant with relevant <= cases read whose percentage rounds to the printed one "
                      "(half up or half to even). Robust: every pair's interval inside the same band. If all relevant: "
                      "the pair with every case read relevant, and whether its interval is inside one band.");
    t.lines.push_back(consistency_line(a));
    if (probs)
        t.lines.push_back("Probabilities: " + a.probabilities + ". Verdicts: robust when the probability of the published "
                          "rating (else the computed one) is at least " + verdict_probability(a.robust_at, a.robust_at) +
                          " (--robust-at); a key question's verdict is on the band of its printed percentage.");
    else
        t.lines.push_back("Probabilities: not computed: " + a.probabilities + ".");
    t.summary = audit_summary(a);
    return t;
}

std::string render_audit_table(const Audit& a, bool markdown) {
    auto t = audit_tables(a);
    std::string out;
    auto table = [&](const std::vector<std::string>& h, const std::vector<std::vector<std::string>>& rows,
                     std::vector<std::size_t> right) {
        if (markdown) {
            std::string s = "|";
            for (const auto& c : h) s += " " + c + " |";
            s += "\n|";
            for (std::size_t i = 0; i < h.size(); ++i) s += " --- |";
            s += "\n";
            for (const auto& r : rows) {
                s += "|";
                for (const auto& c : r) s += " " + c + " |";
                s += "\n";
            }
            return s;
        }
        TextTable tt(h);
        for (auto c : right) tt.right_align(c);
        for (const auto& r : rows) tt.add_row(r);
        return tt.render();
    };
    std::vector<std::size_t> q_right = {1, 2, 3, 4}, s_right;
    for (std::size_t c = 11; c < t.qh.size(); ++c) q_right.push_back(c);
    for (std::size_t c = 5; c + 1 < t.sh.size(); ++c) s_right.push_back(c);
    out += markdown ? "# Audit of a published table\n\n## Summary\n\n" : "Summary\n";
    for (const auto& l : t.summary)
        out += markdown ? (l.rfind("  ", 0) == 0 ? "  - " + l.substr(2) : "- " + l) + "\n" : "  " + l + "\n";
    out += markdown ? "\n## Key questions\n\n" : "\nKey questions\n";
    out += table(t.qh, t.qr, q_right);
    out += markdown ? "\n## Ratings\n\n" : "\nRatings\n";
    out += table(t.sh, t.sr, s_right);
    out += "\n";
    for (const auto& l : t.lines) out += (markdown ? "- " : "") + l + "\n";
    return out;
}

std::string render_audit_csv(const Audit& a) {
    const auto& fw = *a.framework;
    CsvWriter w;
    std::vector<std::string> header = {"level", "id", "printed_percent", "cases", "yes", "relevant", "rounding",
                                       "population", "lower", "upper", "band", "robust", "published", "computed",
                                       "consistent", "why"};
    for (const auto& rt : fw.ratings) header.push_back("p_" + rating_initials(rt.name));
    header.insert(header.end(), {"verdict_robust", "most_likely", "verdict_probability", "verdict"});
    for (const auto& h : header) w.text(h);
    w.end_row();
    for (const auto& q : a.questions) {
        for (const auto& p : q.pairs) {
            w.text("pair").text(fw.question(q.place).id).integer(q.printed).integer(q.cases).integer(p.yes).integer(p.relevant);
            w.text(p.half_up && p.half_even ? "both" : (p.half_up ? "half-up" : "half-even"));
            if (p.population) w.integer(*p.population); else w.empty();
            w.number(p.interval.lower, 6).number(p.interval.upper, 6).text(fw.ratings[p.band].name);
            w.text(p.robust_band ? "yes" : "no").empty().empty().empty().empty();
            probability_cells(w, fw, p.band_probabilities, std::nullopt);
            w.end_row();
        }
        // The question as a whole: its pairs' envelope, bands, and band probabilities averaged over the pairs.
        w.text("question").text(fw.question(q.place).id).integer(q.printed).integer(q.cases).empty().empty().empty();
        w.empty().number(q.lower, 6).number(q.upper, 6).text(bands_text(fw, q.bands)).text(q.robust ? "yes" : "no");
        w.empty().empty().empty().empty();
        probability_cells(w, fw, q.band_probabilities, q.verdict);
        w.end_row();
    }
    auto rating = [&](const char* level, const AuditRating& r) {
        w.text(level).text(r.id);
        for (int k = 0; k < 10; ++k) w.empty();
        w.text(r.published ? fw.ratings[*r.published].name : "").text(computed_text(fw, r));
        w.text(!r.published || r.computed.empty() ? "" : (r.consistent ? "yes" : "no")).text(r.why);
        probability_cells(w, fw, r.rating_probabilities, r.verdict);
        w.end_row();
    };
    for (const auto& s : a.standards) rating("standard", s);
    rating("overall", a.overall);
    return w.take();
}

}  // namespace

std::string render_audit(const Audit& audit, ReportFormat format) {
    switch (format) {
        case ReportFormat::table: return render_audit_table(audit, false);
        case ReportFormat::markdown: return render_audit_table(audit, true);
        case ReportFormat::json: return render_audit_json(audit);
        case ReportFormat::csv: return render_audit_csv(audit);
        case ReportFormat::html: throw UsageError("audit has no HTML format (expected table, csv, json or markdown)");
    }
    return {};
}

}  // namespace casesample
