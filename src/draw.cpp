#include "casesample/draw.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <exception>
#include <initializer_list>
#include <stdexcept>
#include <thread>

#include <boost/random/seed_seq.hpp>

#include "casesample/csv.hpp"
#include "casesample/error.hpp"
#include "casesample/headers.hpp"
#include "casesample/output.hpp"
#include "huge_pages.hpp"

namespace casesample {

Engine domain_engine(std::uint64_t seed, std::string_view domain) {
    // The seed's two 32-bit halves, then the domain name's bytes, through Boost's seed_seq (the same algorithm
    // on every machine): each domain gets its own stream, so its sample depends on neither the other domains nor
    // on how many reserves anyone asked for.
    std::vector<std::uint32_t> words{static_cast<std::uint32_t>(seed & 0xffffffffU), static_cast<std::uint32_t>(seed >> 32),
                                     static_cast<std::uint32_t>(domain.size())};
    for (unsigned char c : domain) words.push_back(c);
    boost::random::seed_seq sequence(words.begin(), words.end());
    return Engine(sequence);
}

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    return s;
}

void case_cells(CellWriter& w, const Population& pop, const std::string& domain, std::uint32_t i) {
    w.text(pop.id(i)).text(domain);
    for (std::size_t s = 0; s < pop.stratifiers.size(); ++s) w.text(pop.category_at(i, s));
}

void kept_cells(CellWriter& w, const Population& pop, std::uint32_t i) {
    const std::size_t k = pop.kept_columns.size();
    for (std::size_t c = 0; c < k; ++c) w.text(pop.kept_values[static_cast<std::size_t>(i) * k + c]);
}

std::vector<std::string> case_header(const Population& pop, std::initializer_list<const char*> own_columns) {
    std::vector<std::string> h = {"case_id", "domain"};
    for (auto s : pop.stratifiers) h.push_back(pop.vocabulary.name(s));
    h.insert(h.end(), own_columns.begin(), own_columns.end());
    h.insert(h.end(), pop.kept_columns.begin(), pop.kept_columns.end());
    return h;
}

// A whole file: its header row, then its rows.
template <class Rows>
std::string csv_file(const std::vector<std::string>& header, Rows rows) {
    CsvWriter w;
    for (const auto& h : header) w.text(h);
    w.end_row();
    rows(w);
    return w.take();
}

}  // namespace

std::map<std::string, std::int64_t> parse_sizes(std::string_view text) {
    std::map<std::string, std::int64_t> out;
    auto bad = [&] {
        return UsageError("--size takes DOMAIN=N pairs separated by commas, such as court=50,out-of-court=32; got '" +
                          std::string(text) + "'");
    };
    if (trim(text).empty()) throw bad();
    while (!text.empty()) {
        auto comma = text.find(',');
        auto item = trim(text.substr(0, comma));
        auto eq = item.find('=');
        if (eq == std::string_view::npos || eq == 0) throw bad();
        auto name = trim(item.substr(0, eq));
        auto num = trim(item.substr(eq + 1));
        std::int64_t n = -1;
        auto r = std::from_chars(num.data(), num.data() + num.size(), n);
        if (num.empty() || r.ec != std::errc{} || r.ptr != num.data() + num.size() || n < 0) throw bad();
        if (!out.emplace(std::string(name), n).second)
            throw UsageError("--size names the domain '" + std::string(name) + "' twice");
        if (comma == std::string_view::npos) break;
        text.remove_prefix(comma + 1);
    }
    return out;
}

SamplingFrame make_frame(const Population& pop, const std::vector<std::uint32_t>& cases) {
    SamplingFrame f;
    f.stratifiers = pop.stratifiers;
    f.category_count.assign(pop.stratifiers.size(), 0);
    for (std::size_t s = 0; s < pop.stratifiers.size(); ++s)
        f.category_count[s] = static_cast<std::uint16_t>(pop.vocabulary.categories(pop.stratifiers[s]).size());
    // The cases' rows of codes, copied straight (a frame of a million cases: 8 bytes a case).
    const std::size_t K = pop.stratifiers.size();
    f.codes = RowTable<std::uint16_t>(K);
    reserve_huge(f.codes.values(), cases.size() * K);
    f.codes.resize(cases.size());
    const std::uint16_t* from = pop.codes.values().data();
    std::uint16_t* to = f.codes.values().data();
    for (auto i : cases) to = std::copy_n(from + std::size_t{i} * K, K, to);
    return f;
}

DrawResult draw_population(const Population& pop, const EligiblePopulation& eligible, const DrawRequest& request) {
    if (request.sizes.empty()) validate(request.size_parameters);
    // Every domain named in --size must exist.
    for (const auto& [name, n] : request.sizes) {
        bool known = false;
        for (const auto& d : eligible.domains) known |= normalize_label(d) == normalize_label(name);
        if (!known) {
            std::string list;
            for (const auto& d : eligible.domains) list += (list.empty() ? "" : ", ") + d;
            request.hints.refuse("size", name,
                                 request.hints.name("size") + ": no domain '" + name + "' (the domains are " + list + ")");
        }
    }
    DrawResult result;
    for (std::size_t d = 0; d < eligible.domains.size(); ++d) {
        const auto& cases = eligible.cases[d];
        const auto N = static_cast<std::int64_t>(cases.size());
        std::optional<std::int64_t> asked;
        std::string asked_as;  // the domain as --size (or the services file's size) names it
        for (const auto& [name, n] : request.sizes)
            if (normalize_label(name) == normalize_label(eligible.domains[d])) {
                asked = n;
                asked_as = name;
            }
        if (N == 0) {
            if (asked && *asked > 0)
                request.hints.refuse("size", asked_as,
                                     request.hints.with("size", std::to_string(*asked), eligible.domains[d]) +
                                         ": no case of that domain is eligible");
            continue;
        }
        DomainSample ds;
        ds.domain = eligible.domains[d];
        ds.cases = cases;
        if (!request.sizes.empty()) {
            if (!asked)
                request.hints.refuse("size", "",
                                     request.hints.name("size") + " gives no size for the domain '" + ds.domain + "' (" +
                                         std::to_string(N) + " eligible cases); add " + ds.domain + "=N, or " + ds.domain +
                                         "=0 to skip it");
            if (*asked > N)
                request.hints.refuse("size", asked_as,
                                     request.hints.with("size", std::to_string(*asked), ds.domain) + ": only " +
                                         std::to_string(N) + " cases of that domain are eligible");
            ds.sample_size = static_cast<std::size_t>(*asked);
        } else {
            ds.cochran = cochran_sample_size(N, request.size_parameters);
            ds.sample_size = static_cast<std::size_t>(ds.cochran->sample_size);
        }
        ds.reserves_asked = request.reserves;
        result.domains.push_back(std::move(ds));
    }
    // Only now, with every size known to be valid, build frames and draw. Each domain draws from its own engine
    // (domain_engine), so the domains are independent: with large ones, the first domain is drawn on a thread of
    // its own while this one draws the others (a million cases: a few milliseconds saved on the other core). The
    // result is the same either way, and a failure is told as in order: the first domain's first.
    auto draw_domain = [&](DomainSample& ds) {
        ds.frame = make_frame(pop, ds.cases);
        ds.targets = proportional_targets(ds.frame, ds.sample_size);
        if (ds.sample_size == 0) return;
        std::size_t k = std::min(request.reserves, ds.cases.size() - ds.sample_size);
        Engine engine = domain_engine(request.seed, ds.domain);
        try {
            ds.draw = draw_sample(ds.frame, ds.sample_size, k, request.method, engine);
        } catch (const UsageError& e) {
            throw UsageError(ds.domain + ": " + e.what());
        }
        ds.reserve_order.resize(ds.draw.reserves.size());
        for (std::size_t j = 0; j < ds.reserve_order.size(); ++j) ds.reserve_order[j] = j + 1;
        ds.substituted_from.assign(ds.draw.selected.size(), 0);
        ds.drawn_at = ds.draw.selected;
        ds.reserves_listed = ds.draw.reserves.size();
    };
    constexpr std::size_t kApartFrom = 100000;  // cases in the domains after the first
    std::size_t after_first = 0;
    for (std::size_t d = 1; d < result.domains.size(); ++d) after_first += result.domains[d].cases.size();
    if (result.domains.size() > 1 && after_first >= kApartFrom && result.domains[0].cases.size() >= kApartFrom &&
        std::thread::hardware_concurrency() > 1) {
        std::exception_ptr first_failed;
        std::thread first([&] {
            try {
                draw_domain(result.domains[0]);
            } catch (...) {
                first_failed = std::current_exception();
            }
        });
        std::exception_ptr rest_failed;
        try {
            for (std::size_t d = 1; d < result.domains.size(); ++d) draw_domain(result.domains[d]);
        } catch (...) {
            rest_failed = std::current_exception();
        }
        first.join();
        if (first_failed) std::rethrow_exception(first_failed);
        if (rest_failed) std::rethrow_exception(rest_failed);
    } else {
        for (auto& ds : result.domains) draw_domain(ds);
    }
    return result;
}

namespace {

std::vector<std::vector<std::int64_t>> drawn_counts(const SamplingFrame& frame,
                                                    const std::vector<std::uint32_t>& selected) {
    std::vector<std::vector<std::int64_t>> drawn(frame.width());
    for (std::size_t s = 0; s < frame.width(); ++s) drawn[s].assign(frame.category_count[s], 0);
    for (auto i : selected)
        for (std::size_t s = 0; s < frame.width(); ++s) ++drawn[s][frame.codes[i][s]];
    return drawn;
}

std::vector<BalanceRow> rows_of(const Vocabulary& vocabulary, const std::string& domain, const SamplingFrame& frame,
                                const std::vector<MarginTarget>& targets, const std::vector<std::uint32_t>& selected) {
    std::vector<BalanceRow> rows;
    auto drawn = drawn_counts(frame, selected);
    for (const auto& t : targets) {
        BalanceRow r;
        r.domain = domain;
        r.variable = t.variable;
        r.category = vocabulary.categories(t.variable)[t.category];
        r.population = t.population;
        r.population_share = static_cast<double>(t.population) / static_cast<double>(frame.size());
        r.target = t.target;
        r.floor = t.floor;
        r.ceiling = t.ceiling;
        r.drawn = drawn[frame.position(t.variable)][t.category];
        r.deviation = r.drawn > r.ceiling ? r.drawn - r.ceiling : r.drawn < r.floor ? r.drawn - r.floor : 0;
        rows.push_back(std::move(r));
    }
    return rows;
}

const std::vector<MarginTarget>& targets_of(const DomainSample& ds, std::vector<MarginTarget>& scratch) {
    if (ds.draw.selected.size() == ds.sample_size && !ds.targets.empty()) return ds.targets;
    scratch = proportional_targets(ds.frame, ds.draw.selected.size());
    return scratch;
}

}  // namespace

std::vector<BalanceRow> balance_rows(const Vocabulary& vocabulary, const std::string& domain, const SamplingFrame& frame,
                                     const std::vector<std::uint32_t>& selected) {
    if (frame.size() == 0) return {};
    return rows_of(vocabulary, domain, frame, proportional_targets(frame, selected.size()), selected);
}

std::vector<BalanceRow> balance_rows(const Vocabulary& vocabulary, const DomainSample& ds) {
    if (ds.frame.size() == 0) return {};
    std::vector<MarginTarget> scratch;
    return rows_of(vocabulary, ds.domain, ds.frame, targets_of(ds, scratch), ds.draw.selected);
}

std::vector<MarginMiss> domain_misses(const DomainSample& ds) {
    std::vector<MarginMiss> out;
    if (ds.frame.size() == 0) return out;
    std::vector<MarginTarget> scratch;
    const auto& targets = targets_of(ds, scratch);
    auto drawn = drawn_counts(ds.frame, ds.draw.selected);
    for (const auto& t : targets) {
        auto d = drawn[ds.frame.position(t.variable)][t.category];
        if (d < t.floor || d > t.ceiling)
            out.push_back({t.variable, t.category, d, t.floor, t.ceiling, d > t.ceiling ? d - t.ceiling : d - t.floor});
    }
    return out;
}

std::vector<BalanceRow> balance_rows(const Population& pop, const DrawResult& result) {
    std::vector<BalanceRow> rows;
    for (const auto& ds : result.domains) {
        auto r = balance_rows(pop.vocabulary, ds);
        rows.insert(rows.end(), r.begin(), r.end());
    }
    return rows;
}

namespace {

std::string describe_reserve_design(const DomainSample& ds) {
    if (ds.draw.reserve_design_exact || ds.draw.reserve_probability.empty()) return "";
    auto [lo, hi] = std::minmax_element(ds.draw.reserve_probability.begin(), ds.draw.reserve_probability.end());
    return ds.domain + ": the reserves were drawn from the closest design found on the cases the sample left (" +
           (ds.draw.reserve_design_proven_inexact
                ? "none can give every case left the same chance while keeping every category within its "
                  "floor/ceiling: a linear program over every way to take them that keeps it has no solution"
                : "no exact one keeping every category within its floor/ceiling was found") +
           "), so not every case left had the same chance of being a reserve; the reserves' own chances (" +
           format_fixed(*lo, 6) +
           " to " + format_fixed(*hi, 6) + ") are in reserves.csv (reserve_probability).\n";
}

}  // namespace

std::string describe_design(const DomainSample& ds) {
    if (ds.draw.design_exact || ds.draw.selected.empty()) return describe_reserve_design(ds);
    const double nominal = double(ds.sample_size) / double(ds.cases.size());
    std::string out = ds.domain + ": the cases' chances of selection are not all exactly " +
                      std::to_string(ds.sample_size) + "/" + std::to_string(ds.cases.size()) + " (" +
                      format_fixed(nominal, 6) + "). " +
                      (ds.draw.design_mixed
                           ? std::string("With this many cells (cases with the same category of every stratifier) "
                                         "the design is a mix of samples that each keep every category within its "
                                         "floor/ceiling, weighted towards that chance for every case within a "
                                         "fixed amount of work (the same on every machine; see "
                                         "docs/sampling-design.md); the search stopped short of it (no move "
                                         "between the mix's samples was left to make, or the work ran out), so "
                                         "the nearest mix found was used")
                           : ds.draw.design_proven_inexact
                           ? std::string("No design can give every case that chance while keeping every category "
                                         "within its floor/ceiling in every draw: a linear program over every "
                                         "sample that keeps them has no solution (with three or more stratifiers "
                                         "on a small frame this happens; see docs/sampling-design.md), so the "
                                         "closest one found was used")
                           : std::string("No design was found that gives every case that chance while keeping "
                                         "every category within its floor/ceiling in every draw (with three or "
                                         "more stratifiers on a small frame there may be none; see "
                                         "docs/sampling-design.md), so the closest one was used")) +
                      ": chances run from " + format_fixed(ds.draw.lowest_probability, 6) +
                      " to " + format_fixed(ds.draw.highest_probability, 6) + ", at most " +
                      format_fixed(ds.draw.worst_deviation, 6) + " from " + format_fixed(nominal, 6) +
                      ". Each selected case's own chance is in sample.csv (inclusion_probability).";
    if (ds.draw.miss_probability > 0)
        out += " This design misses some margin in " + format_fixed(100 * ds.draw.miss_probability, 2) +
               "% of draws.";
    return out + "\n" + describe_reserve_design(ds);
}

std::string describe_misses(const Vocabulary& vocabulary, const std::vector<MarginMiss>& misses) {
    std::string out;
    for (const auto& m : misses) {
        if (!out.empty()) out += "; ";
        out += vocabulary.name(m.variable) + " " +
               vocabulary.categories(m.variable)[m.category] + ": " + std::to_string(m.drawn) + " drawn, expected " +
               (m.floor == m.ceiling ? std::to_string(m.floor)
                                     : std::to_string(m.floor) + " to " + std::to_string(m.ceiling)) +
               " (" + (m.by > 0 ? "+" : "") + std::to_string(m.by) + ")";
    }
    return out;
}

std::string_view unescaped_cell(std::string_view cell) {
    if (cell.size() >= 2 && cell[0] == '\'' && std::string_view("=+-@\t\r").find(cell[1]) != std::string_view::npos)
        cell.remove_prefix(1);
    return cell;
}

namespace {

// The selected case `case_id` (either form, see unescaped_cell): its domain and position.
std::pair<std::size_t, std::size_t> find_selected(const Population& pop, const DrawResult& result,
                                                  std::string_view case_id) {
    std::optional<std::uint32_t> index;
    for (auto id : {case_id, unescaped_cell(case_id)}) {
        for (std::size_t i = 0; i < pop.size() && !index; ++i)
            if (pop.id(i) == id) index = static_cast<std::uint32_t>(i);
        if (index) break;
    }
    if (!index) {
        // A mistyped id: the case that matches it ignoring capitals, else the sampled ids nearest to it.
        auto lower = [](std::string_view v) {
            std::string out(v);
            for (auto& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
            return out;
        };
        const auto typed = lower(unescaped_cell(case_id));
        std::vector<std::string> same_but_case;
        std::vector<std::pair<std::size_t, std::string>> near;
        for (std::size_t i = 0; i < pop.size() && same_but_case.empty(); ++i)
            if (pop.id(i).size() == typed.size() && lower(pop.id(i)) == typed) same_but_case.emplace_back(pop.id(i));
        for (const auto& ds : result.domains)
            for (auto k : ds.draw.selected) {
                auto id = pop.id(ds.cases[k]);
                auto l = lower(id);
                if (l == typed) continue;
                if (auto d = edit_distance(l, typed); d <= std::max<std::size_t>(1, typed.size() / 4))
                    near.emplace_back(d, std::string(id));
            }
        std::sort(near.begin(), near.end());
        std::string hint;
        if (!same_but_case.empty()) {
            hint = "; did you mean " + same_but_case.front() + "? (case ids are matched exactly, capitals too)";
        } else if (!near.empty()) {
            std::vector<std::string> names;
            for (std::size_t i = 0; i < near.size() && i < 3; ++i) names.push_back(near[i].second);
            hint = "; the nearest ids in the sample are " + list_names(names);
        } else {
            hint = "; give a case_id as sample.csv lists it";
        }
        throw UsageError("--drop: no case '" + std::string(case_id) + "' in the population " + pop.source + hint);
    }
    for (std::size_t d = 0; d < result.domains.size(); ++d) {
        const auto& sel = result.domains[d].draw.selected;
        for (std::size_t k = 0; k < sel.size(); ++k)
            if (result.domains[d].cases[sel[k]] == *index) return {d, k};
    }
    // Not in the sample: say where the case is instead (a reserve, already dropped, never drawn, not eligible).
    const std::string named = "--drop: case '" + std::string(case_id) + "' ";
    const std::string only = "; only a case listed in sample.csv can be dropped";
    for (const auto& ds : result.domains) {
        for (std::size_t j = 0; j < ds.draw.reserves.size(); ++j)
            if (ds.cases[ds.draw.reserves[j]] == *index)
                throw UsageError(named + "is a reserve (" + ds.domain + ", reserve_order " +
                                 std::to_string(j < ds.reserve_order.size() ? ds.reserve_order[j] : j + 1) +
                                 " in reserves.csv), not in the sample" + only +
                                 " (a reserve comes in by itself when a sampled case is dropped)");
        for (auto f : ds.dropped)
            if (ds.cases[f] == *index)
                throw UsageError(named + "was already dropped (" + ds.domain + "; see audit-log.csv)" + only);
    }
    for (const auto& ds : result.domains)
        if (std::find(ds.cases.begin(), ds.cases.end(), *index) != ds.cases.end())
            throw UsageError(named + "is not in the sample: it is eligible (" + ds.domain +
                             ") but was drawn neither into the sample nor as a reserve" + only);
    throw UsageError(named + "is not in the sample: it is not eligible (listed in excluded.csv)" + only);
}

}  // namespace

SubstitutionResult substitute_case(const Population& pop, DrawResult& result, std::string_view case_id) {
    auto [d, k] = find_selected(pop, result, case_id);
    auto& ds = result.domains[d];
    auto& sel = ds.draw.selected;
    SubstitutionResult r;
    r.domain = d;
    r.dropped = sel[k];
    r.misses_before = domain_misses(ds);
    auto choice = choose_substitute(ds.frame, ds.draw, sel[k]);
    if (!choice)
        throw std::runtime_error("no reserve is left for the domain '" + ds.domain + "' to replace case '" +
                                 std::string(case_id) + "'; add reserves with casesample reserves DIR --add K, or drop "
                                 "the case with --no-replacement");
    r.substitute = ds.draw.reserves[*choice];
    r.reserve_order = ds.reserve_order[*choice];
    r.position = k;
    ds.dropped.push_back(sel[k]);
    sel[k] = r.substitute;
    ds.substituted_from[k] = r.reserve_order;
    ds.draw.reserves.erase(ds.draw.reserves.begin() + static_cast<std::ptrdiff_t>(*choice));
    if (*choice < ds.draw.reserve_probability.size())
        ds.draw.reserve_probability.erase(ds.draw.reserve_probability.begin() + static_cast<std::ptrdiff_t>(*choice));
    ds.reserve_order.erase(ds.reserve_order.begin() + static_cast<std::ptrdiff_t>(*choice));
    ds.draw.misses = domain_misses(ds);
    r.misses_after = ds.draw.misses;
    return r;
}

DropResult drop_case(const Population& pop, DrawResult& result, std::string_view case_id) {
    const auto [d, position] = find_selected(pop, result, case_id);
    const std::size_t k = position;
    auto& ds = result.domains[d];
    DropResult r;
    r.domain = d;
    r.dropped = ds.draw.selected[k];
    r.misses_before = domain_misses(ds);
    if (ds.selection_order.empty())
        for (std::size_t j = 0; j < ds.draw.selected.size(); ++j) ds.selection_order.push_back(j + 1);
    r.selection_order = ds.selection_order[k];
    auto at = [k](auto& v) { v.erase(v.begin() + static_cast<std::ptrdiff_t>(k)); };
    at(ds.draw.selected);
    at(ds.selection_order);
    at(ds.substituted_from);
    if (k < ds.drawn_at.size()) at(ds.drawn_at);
    if (k < ds.draw.inclusion_probability.size()) at(ds.draw.inclusion_probability);
    ds.dropped.push_back(r.dropped);
    ds.draw.misses = domain_misses(ds);
    r.misses_after = ds.draw.misses;
    return r;
}

std::size_t add_reserves(DomainSample& ds, std::size_t k, std::uint64_t seed, std::size_t round, DrawMethod method) {
    std::vector<bool> listed(ds.cases.size(), false);
    for (const auto* v : {&ds.draw.selected, &ds.draw.reserves, &ds.dropped})
        for (auto i : *v) listed[i] = true;
    std::vector<std::uint32_t> left;  // frame indices never listed
    for (std::uint32_t i = 0; i < listed.size(); ++i)
        if (!listed[i]) left.push_back(i);
    k = std::min(k, left.size());
    if (k == 0) return 0;
    // The same method on the cases left, as a frame of their own.
    SamplingFrame sub;
    sub.stratifiers = ds.frame.stratifiers;
    sub.category_count = ds.frame.category_count;
    sub.codes = RowTable<std::uint16_t>(ds.frame.width());
    for (auto i : left) sub.codes.push_back(ds.frame.codes[i]);
    Engine engine = domain_engine(seed, ds.domain + "/reserves-" + std::to_string(round));
    auto extra = draw_sample(sub, k, 0, method, engine);
    for (std::size_t t = 0; t < extra.selected.size(); ++t) {
        ds.draw.reserves.push_back(left[extra.selected[t]]);
        ds.draw.reserve_probability.push_back(extra.inclusion_probability[t]);  // given every case listed before
        ds.reserve_order.push_back(++ds.reserves_listed);
    }
    ds.reserves_asked += k;
    return k;
}

std::vector<std::string> sample_header(const Population& pop) {
    return case_header(pop, {"selection_order", "inclusion_probability", "substitute_for"});
}
std::vector<std::string> reserves_header(const Population& pop) {
    return case_header(pop, {"reserve_order", "reserve_probability"});
}
const std::vector<std::string> kBalanceColumns = {"domain", "variable", "category", "population", "population_share",
                                                  "target", "drawn", "deviation"};
const std::vector<std::string> kExcludedColumns = {"case_id", "disposal_type", "disposal_date", "domain", "reason"};

std::size_t selection_order_at(const DomainSample& ds, std::size_t k) {
    return ds.selection_order.empty() ? k + 1 : ds.selection_order.at(k);
}
double inclusion_probability_at(const DomainSample& ds, std::size_t k) {
    // A substitute carries the probability of the case drawn at its selection_order, whose place it takes
    // (docs/sampling-design.md).
    if (k < ds.draw.inclusion_probability.size()) return ds.draw.inclusion_probability[k];
    return static_cast<double>(ds.sample_size) / static_cast<double>(ds.cases.size());
}
std::optional<std::uint32_t> substitute_for_at(const DomainSample& ds, std::size_t k) {
    if (k < ds.drawn_at.size() && ds.drawn_at[k] != ds.draw.selected.at(k)) return ds.drawn_at[k];
    return std::nullopt;
}

void write_sample_rows(CellWriter& w, const Population& pop, const DrawResult& result) {
    for (const auto& ds : result.domains) {
        for (std::size_t k = 0; k < ds.draw.selected.size(); ++k) {
            auto i = ds.cases[ds.draw.selected[k]];
            case_cells(w, pop, ds.domain, i);
            w.integer(static_cast<long long>(selection_order_at(ds, k)));
            w.number(inclusion_probability_at(ds, k), 6);
            if (auto drawn = substitute_for_at(ds, k)) w.text(pop.id(ds.cases[*drawn]));
            else w.text("");
            kept_cells(w, pop, i);
            w.end_row();
        }
    }
}

void write_reserves_rows(CellWriter& w, const Population& pop, const DrawResult& result) {
    for (const auto& ds : result.domains) {
        for (std::size_t j = 0; j < ds.draw.reserves.size(); ++j) {
            auto i = ds.cases[ds.draw.reserves[j]];
            case_cells(w, pop, ds.domain, i);
            w.integer(static_cast<long long>(ds.reserve_order[j]));
            w.number(ds.draw.reserve_probability.at(j), 6);
            kept_cells(w, pop, i);
            w.end_row();
        }
    }
}

void write_balance_rows(CellWriter& w, const Population& pop, const DrawResult& result) {
    for (const auto& r : balance_rows(pop, result)) {
        w.text(r.domain).text(pop.vocabulary.name(r.variable)).text(r.category);
        w.integer(r.population).number(r.population_share, 6).number(r.target, 4).integer(r.drawn).integer(r.deviation);
        w.end_row();
    }
}

void write_excluded_rows(CellWriter& w, const Population& pop, const EligiblePopulation& eligible) {
    std::string date, reason;  // reused row after row: a real export has millions of rows
    for (const auto& e : eligible.excluded) {
        auto i = e.case_index;
        date.clear();
        append_date(date, pop.disposal_date[i]);
        reason.clear();
        append_exclusion_reason(reason, pop, eligible, e);
        w.text(pop.id(i)).text(pop.category(i, Stratifier::disposal_type)).text(date);
        w.text(pop.vocabulary.domains()[pop.domain[i]]).text(reason);
        w.end_row();
    }
}

std::string sample_csv(const Population& pop, const DrawResult& result) {
    return csv_file(sample_header(pop), [&](CsvWriter& w) { write_sample_rows(w, pop, result); });
}

std::string reserves_csv(const Population& pop, const DrawResult& result) {
    return csv_file(reserves_header(pop), [&](CsvWriter& w) { write_reserves_rows(w, pop, result); });
}

std::string balance_csv(const Population& pop, const DrawResult& result) {
    return csv_file(kBalanceColumns, [&](CsvWriter& w) { write_balance_rows(w, pop, result); });
}

std::string excluded_csv(const Population& pop, const EligiblePopulation& eligible) {
    return csv_file(kExcludedColumns, [&](CsvWriter& w) { write_excluded_rows(w, pop, eligible); });
}

void write_excluded_csv(const Population& pop, const EligiblePopulation& eligible,
                        const std::function<void(std::string_view)>& sink) {
    CsvWriter w(sink);
    for (const auto& h : kExcludedColumns) w.text(h);
    w.end_row();
    write_excluded_rows(w, pop, eligible);
    w.finish();
}

}  // namespace casesample
