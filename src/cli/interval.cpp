// casesample interval — the confidence interval for a share of 'yes' answers, for one count or for every
// row of a CSV file.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <nlohmann/json.hpp>
#include <thread>

#include "casesample/csv.hpp"
#include "casesample/error.hpp"
#include "casesample/headers.hpp"
#include "casesample/intervals.hpp"
#include "casesample/output.hpp"
#include "casesample/vocabulary.hpp"
#include "command.hpp"
#include "progress.hpp"
#include "report_args.hpp"

namespace casesample::cli {
namespace {

struct IntervalOptions {
    std::vector<std::string> counts;  // X N
    std::string population_text;      // as typed; empty: not given
    std::int64_t population = -1;     // -1: not given
    std::vector<std::pair<std::string, std::int64_t>> domain_populations;  // --population court=71,...
    std::string method;               // empty: hypergeometric with a population, else wilson
    double confidence = 0.80;
    std::string format;  // empty: table for one interval, csv for --from
    std::string from;
    std::string out;
    std::vector<std::string> columns;  // --column COLUMN=HEADER
    std::string threads_text;  // as typed
    unsigned threads = 0;  // 0: as many as the machine has
    bool quiet = false;
};

const char* const kMethodList = "hypergeometric, wilson-fpc, wilson, clopper-pearson, jeffreys, agresti-coull, wald";

IntervalMethod method_or_default(const std::string& name, bool has_population) {
    if (name.empty()) return has_population ? IntervalMethod::hypergeometric : IntervalMethod::wilson;
    auto m = parse_interval_method(name);
    if (!m) throw UsageError("unknown interval method '" + name + "' (expected one of: " + kMethodList + ")");
    return *m;
}

bool parse_integer(std::string_view text, std::int64_t& value) {
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
    if (!text.empty() && text.front() == '+') text.remove_prefix(1);
    auto r = std::from_chars(text.data(), text.data() + text.size(), value);
    return !text.empty() && r.ec == std::errc() && r.ptr == text.data() + text.size();
}

bool parse_number(std::string_view text, double& value) {
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
    auto r = std::from_chars(text.data(), text.data() + text.size(), value);
    return !text.empty() && r.ec == std::errc() && r.ptr == text.data() + text.size() && std::isfinite(value);
}

std::string confidence_problem(double c) {
    if (c > 0.0 && c < 1.0) return "";
    return "must be a share between 0 and 1, such as 0.8 for 80%";
}

// ---- one interval ----

void run_one(const IntervalOptions& o) {
    if (o.counts.size() != 2)
        throw UsageError("give the number of 'yes' answers and the number of cases read (casesample interval X N), "
                         "or --from FILE.csv");
    std::int64_t x = 0, n = 0;
    if (!parse_integer(o.counts[0], x) || x < 0)
        throw UsageError("the number of 'yes' answers must be a whole number of 0 or more, got '" + o.counts[0] + "'");
    if (!parse_integer(o.counts[1], n) || n < 1)
        throw UsageError("the number of cases read must be a whole number of 1 or more, got '" + o.counts[1] + "'");
    if (x > n)
        throw UsageError("the number of 'yes' answers (" + std::to_string(x) + ") is more than the number of cases read (" +
                         std::to_string(n) + ")");
    if (o.population >= 0 && o.population < n)
        throw UsageError("--population " + o.population_text + " is smaller than the " + o.counts[1] + " cases read");
    if (!confidence_problem(o.confidence).empty())
        throw UsageError("--confidence " + confidence_problem(o.confidence) + ", got " + format_shortest(o.confidence));
    const bool has_population = o.population >= 0;
    const IntervalMethod method = method_or_default(o.method, has_population);
    if (needs_population(method) && !has_population)
        throw UsageError("the " + std::string(to_string(method)) +
                         " interval needs --population N (the number of eligible cases the sample was drawn from)");
    std::optional<std::int64_t> population;
    if (has_population) population = o.population;
    const Interval ci = proportion_interval(x, n, o.confidence, method, population);

    if (o.format == "json") {
        nlohmann::ordered_json j;
        j["x"] = x;
        j["n"] = n;
        if (population) j["population"] = *population;
        j["method"] = std::string(to_string(method));
        j["confidence"] = o.confidence;
        j["share"] = static_cast<double>(x) / static_cast<double>(n);
        j["lower"] = ci.lower;
        j["upper"] = ci.upper;
        if (ci.lower_count) {
            j["lower_count"] = *ci.lower_count;
            j["upper_count"] = *ci.upper_count;
        }
        emit("", j.dump(2) + "\n");
        return;
    }
    std::vector<std::string> header{"yes", "read"};
    if (population) header.push_back("population");
    header.insert(header.end(), {"method", "confidence", "share", "lower", "upper"});
    if (ci.lower_count) header.insert(header.end(), {"lower count", "upper count"});
    TextTable t(header);
    std::vector<std::string> cells{std::to_string(x), std::to_string(n)};
    if (population) cells.push_back(std::to_string(*population));
    cells.insert(cells.end(), {std::string(to_string(method)), format_percent(o.confidence, 0),
                               format_percent(static_cast<double>(x) / static_cast<double>(n), 1),
                               format_percent(ci.lower, 1), format_percent(ci.upper, 1)});
    if (ci.lower_count) cells.insert(cells.end(), {std::to_string(*ci.lower_count), std::to_string(*ci.upper_count)});
    for (std::size_t c = 0; c < header.size(); ++c)
        if (header[c] != "method") t.right_align(c);
    t.add_row(cells);
    emit("", t.render());
}

// ---- a file of counts ----

void run_file(const IntervalOptions& o) {
    if (!o.counts.empty()) throw UsageError("give either the counts X N or --from FILE.csv, not both");
    const std::string format = o.format.empty() ? "csv" : o.format;
    if (!confidence_problem(o.confidence).empty())
        throw UsageError("--confidence " + confidence_problem(o.confidence) + ", got " + format_shortest(o.confidence));
    if (!o.method.empty()) method_or_default(o.method, false);  // reject an unknown name before reading

    Progress progress;
    std::optional<ProgressBar> bar(std::in_place, progress, o.quiet);
    // The columns, found as every reader of the tool finds its columns: by name or a synonym from
    // fixtures/headers.csv (x: yes, yes answers ...; n: read, cases read, relevant ...), ignoring case, spaces and
    // punctuation, or as named with --column. So the tool's own outputs read back: `yes, read` as printed for one
    // interval, an answers file's totals (`question, yes, relevant`).
    static const char* const kColumns[] = {"x", "n", "population", "method", "confidence", "domain"};
    std::vector<WantedColumn> wanted;
    for (auto name : kColumns) wanted.push_back({name, std::nullopt, wanted.size() < 2});
    for (const auto& c : o.columns) {
        auto eq = c.find('=');
        std::string name = c.substr(0, eq == std::string::npos ? 0 : eq);
        auto w = std::find_if(wanted.begin(), wanted.end(), [&](const WantedColumn& k) { return k.name == name; });
        if (eq == std::string::npos || eq + 1 == c.size() || w == wanted.end())
            throw UsageError("--column takes COLUMN=HEADER with COLUMN x, n, population, method, confidence or domain, "
                             "such as --column x=\"Yes answers\"; got '" + c + "'");
        w->header = c.substr(eq + 1);
    }
    CsvReader reader = CsvReader::open(o.from);
    progress.begin("reading rows", reader.size_bytes());
    bool data_like = true;  // a first line of numbers only is data, not a header
    for (const auto& h : reader.header()) {
        std::int64_t v = 0;
        data_like = data_like && parse_integer(h, v);
    }
    const auto found = locate_columns(o.from, reader.header_line(), reader.header(), wanted,
                                      HeaderSynonyms::builtin(), data_like);
    const auto col_x = found[0], col_n = found[1];
    const auto col_pop = found[2], col_method = found[3], col_conf = found[4], col_domain = found[5];
    if (!o.domain_populations.empty() && !col_domain)
        throw InputError(o.from, reader.header_line(), 0,
                         "--population " + o.population_text +
                             " gives a population per domain, so the file needs a domain column naming each row's");

    // Every input column is copied to the output except earlier results (lower, upper, lower_count,
    // upper_count; and share, which the table adds), which are replaced: running the command on its own output
    // gives the same file.
    std::vector<std::size_t> echo_columns;
    for (std::size_t i = 0; i < reader.header().size(); ++i) {
        const auto h = normalize_header(reader.header()[i]);
        if (h != "lower" && h != "upper" && h != "lowercount" && h != "uppercount" && (h != "share" || format == "csv"))
            echo_columns.push_back(i);
    }

    // The counts' columns as the file names them, for messages ("yes = 5 'yes' answers is more than the read = 4").
    const std::string x_name = reader.header()[*col_x], n_name = reader.header()[*col_n];
    std::vector<IntervalRequest> requests;
    std::string echoed;                 // the input cells of every row, CSV-escaped, back to back
    std::vector<std::size_t> echo_end;  // where each row's cells end in `echoed`
    bool any_counts = false;
    std::vector<std::vector<std::string>> rows_cells;  // for --format table and json
    CsvRecord rec;
    auto blank = [](std::string_view s) { return s.find_first_not_of(' ') == std::string_view::npos; };
    while (reader.next(rec)) {
        if (requests.size() % 4096 == 4095) progress.reach(reader.position());
        IntervalRequest r;
        const auto& f = rec.fields;
        if (!parse_integer(f[*col_x], r.x) || r.x < 0)
            reader.fail(rec, *col_x, x_name + " must be a whole number of 'yes' answers (0 or more), got '" + std::string(f[*col_x]) + "'");
        if (!parse_integer(f[*col_n], r.n) || r.n < 1)
            reader.fail(rec, *col_n, n_name + " must be a whole number of cases read (1 or more), got '" + std::string(f[*col_n]) + "'");
        if (r.x > r.n)
            reader.fail(rec, *col_x, x_name + " = " + std::to_string(r.x) + " 'yes' answers is more than the " + n_name +
                                         " = " + std::to_string(r.n) + " cases read");
        if (col_pop && !blank(f[*col_pop])) {
            std::int64_t N = 0;
            if (!parse_integer(f[*col_pop], N) || N < 1)
                reader.fail(rec, *col_pop, "population must be a whole number of cases, got '" + std::string(f[*col_pop]) + "'");
            if (N < r.n)
                reader.fail(rec, *col_pop, "population " + std::to_string(N) + " is smaller than the " + n_name + " = " +
                                               std::to_string(r.n) + " cases read");
            if (N > std::numeric_limits<int>::max())
                reader.fail(rec, *col_pop, "population " + std::to_string(N) + " is too large (at most " +
                                               std::to_string(std::numeric_limits<int>::max()) + ")");
            r.population = N;
        } else if (o.population > 0) {
            if (o.population < r.n)
                reader.fail(rec, *col_n, n_name + " = " + std::string(f[*col_n]) + " is more than --population " +
                                             o.population_text);
            r.population = o.population;
        } else if (!o.domain_populations.empty()) {
            std::optional<std::int64_t> N;
            for (const auto& [d, count] : o.domain_populations)
                if (normalize_label(d) == normalize_label(f[*col_domain])) N = count;
            if (!N)
                reader.fail(rec, *col_domain,
                            "domain " + quote_value(f[*col_domain]) + " has no population in --population " +
                                o.population_text);
            if (*N < r.n)
                reader.fail(rec, *col_n, n_name + " = " + std::string(f[*col_n]) + " is more than the population of " +
                                             std::string(f[*col_domain]) + " (" + std::to_string(*N) + ", --population)");
            r.population = *N;
        }
        r.confidence = o.confidence;
        if (col_conf && !blank(f[*col_conf])) {
            // A share (0.8), or a percentage as the table prints it (80%).
            std::string_view c = f[*col_conf];
            while (!c.empty() && c.back() == ' ') c.remove_suffix(1);
            const bool percent = !c.empty() && c.back() == '%';
            if (percent) c.remove_suffix(1);
            const bool number = parse_number(c, r.confidence);
            if (number && percent) r.confidence /= 100;
            if (!number || !confidence_problem(r.confidence).empty())
                reader.fail(rec, *col_conf,
                            "confidence must be a share between 0 and 1, such as 0.8 (or a percentage, 80%), got '" +
                                std::string(f[*col_conf]) + "'");
        }
        std::string method_name = o.method;
        if (col_method && !blank(f[*col_method])) method_name = std::string(f[*col_method]);
        if (method_name.empty()) {
            r.method = r.population ? IntervalMethod::hypergeometric : IntervalMethod::wilson;
        } else {
            auto m = parse_interval_method(method_name);
            if (!m)
                reader.fail(rec, col_method && !blank(f[*col_method]) ? *col_method : 0,
                            "unknown interval method '" + method_name + "' (expected one of: " + kMethodList + ")");
            r.method = *m;
        }
        if (needs_population(r.method) && !r.population)
            reader.fail(rec, col_pop ? *col_pop : *col_n,
                        "the " + std::string(to_string(r.method)) +
                            " interval needs the population (a population column or --population N)");
        if (r.method == IntervalMethod::hypergeometric) any_counts = true;
        const std::string method_used(to_string(r.method));
        if (format != "csv") {
            std::vector<std::string> cells;
            for (std::size_t i : echo_columns)
                cells.push_back(col_method && i == *col_method ? method_used : std::string(f[i]));
            if (!col_method) cells.push_back(method_used);
            rows_cells.push_back(std::move(cells));
        }
        for (std::size_t i : echo_columns) {
            if (i != echo_columns.front()) echoed += ',';
            if (col_method && i == *col_method) {  // the method used, also where the row left it blank
                echoed += method_used;
                continue;
            }
            const auto cell = f[i];
            const bool plain = cell.find_first_of(",\"\n\r") == std::string_view::npos &&
                               (cell.empty() || std::string_view("=+-@\t\r").find(cell[0]) == std::string_view::npos);
            if (plain)
                echoed.append(cell);
            else
                echoed += csv_escape(cell);
        }
        if (!col_method) echoed += "," + method_used;
        echo_end.push_back(echoed.size());
        requests.push_back(r);
    }

    const unsigned threads = o.threads ? o.threads : std::max(1u, std::thread::hardware_concurrency());
    const std::vector<Interval> results = proportion_intervals(requests, threads, &progress);
    bar.reset();

    std::vector<std::string> names;
    for (std::size_t i : echo_columns) names.push_back(reader.header()[i]);
    if (!col_method) names.push_back("method");
    if (format == "json") {
        auto out = nlohmann::ordered_json::array();
        for (std::size_t i = 0; i < results.size(); ++i) {
            nlohmann::ordered_json j;
            for (std::size_t c = 0; c < names.size(); ++c) j[names[c]] = rows_cells[i][c];
            j["x"] = requests[i].x;
            j["n"] = requests[i].n;
            if (requests[i].population) j["population"] = *requests[i].population;
            j["confidence"] = requests[i].confidence;
            j["lower"] = results[i].lower;
            j["upper"] = results[i].upper;
            if (results[i].lower_count) {
                j["lower_count"] = *results[i].lower_count;
                j["upper_count"] = *results[i].upper_count;
            }
            out.push_back(std::move(j));
        }
        emit(o.out, out.dump(2) + "\n");
        return;
    }
    if (format == "table") {
        std::vector<std::string> header = names;
        header.insert(header.end(), {"share", "lower", "upper"});
        if (any_counts) header.insert(header.end(), {"lower count", "upper count"});
        TextTable t(header);
        for (std::size_t c = names.size(); c < header.size(); ++c) t.right_align(c);
        for (std::size_t i = 0; i < results.size(); ++i) {
            auto cells = rows_cells[i];
            cells.push_back(format_percent(static_cast<double>(requests[i].x) / static_cast<double>(requests[i].n), 1));
            cells.push_back(format_percent(results[i].lower, 1));
            cells.push_back(format_percent(results[i].upper, 1));
            if (any_counts) {
                cells.push_back(results[i].lower_count ? std::to_string(*results[i].lower_count) : "");
                cells.push_back(results[i].upper_count ? std::to_string(*results[i].upper_count) : "");
            }
            t.add_row(std::move(cells));
        }
        emit(o.out, t.render());
        return;
    }
    std::string text;
    text.reserve(echoed.size() + requests.size() * 48 + 256);
    for (std::size_t c = 0; c < names.size(); ++c) {
        if (c) text += ',';
        text += csv_escape(names[c]);
    }
    text += any_counts ? ",lower,upper,lower_count,upper_count\n" : ",lower,upper\n";
    char buf[64];
    auto put_number = [&](double v) {
        auto r = std::to_chars(buf, buf + sizeof buf, v);
        text.append(buf, r.ptr);
    };
    auto put_integer = [&](std::int64_t v) {
        auto r = std::to_chars(buf, buf + sizeof buf, v);
        text.append(buf, r.ptr);
    };
    std::size_t start = 0;
    for (std::size_t i = 0; i < results.size(); ++i) {
        text.append(echoed, start, echo_end[i] - start);
        start = echo_end[i];
        text += ',';
        put_number(results[i].lower);
        text += ',';
        put_number(results[i].upper);
        if (any_counts) {
            text += ',';
            if (results[i].lower_count) put_integer(*results[i].lower_count);
            text += ',';
            if (results[i].upper_count) put_integer(*results[i].upper_count);
        }
        text += '\n';
    }
    emit(o.out, text);
}

void run(IntervalOptions o) {
    if (o.population_text.find('=') != std::string::npos) {
        o.domain_populations = parse_named_counts("--population", o.population_text, 1,
                                                  std::numeric_limits<int>::max());
        if (o.from.empty()) {
            if (o.domain_populations.size() != 1)
                throw UsageError("casesample interval X N is one interval, for one domain: give its population alone "
                                 "(--population " + o.domain_populations[0].first + "=" +
                                 std::to_string(o.domain_populations[0].second) +
                                 "), or --from FILE.csv with a domain column for several");
            o.population = o.domain_populations[0].second;
            o.population_text = std::to_string(o.population);
            o.domain_populations.clear();
        }
    } else if (!o.population_text.empty())
        o.population = static_cast<std::int64_t>(
            parse_whole_number("--population", o.population_text, 1,
                               static_cast<std::uint64_t>(std::numeric_limits<int>::max())));
    if (!o.threads_text.empty())
        o.threads = static_cast<unsigned>(parse_whole_number("--threads", o.threads_text, 0, 256));
    if (o.from.empty()) {
        if (!o.out.empty()) throw UsageError("--out is for --from FILE.csv; a single interval prints to the screen");
        if (o.format == "csv") throw UsageError("--format csv is for --from FILE.csv");
        if (o.format.empty()) o.format = "table";
        run_one(o);
    } else {
        run_file(o);
    }
}

// CLI11 shows an optional positional of up to two values as "counts(0x)": name it X N instead.
class IntervalFormatter : public CLI::Formatter {
  public:
    std::string make_option_usage(const CLI::Option* opt) const override {
        if (opt->get_name() == "counts") return "[X N]";
        return CLI::Formatter::make_option_usage(opt);
    }
};

void setup(CLI::App& app, Context&) {
    auto o = std::make_shared<IntervalOptions>();
    auto* sub = app.add_subcommand(
        "interval", "Confidence interval for a share of 'yes' answers: X of N cases, or every row of a CSV file");
    sub->add_option("counts", o->counts, "X N: the number of 'yes' answers and the number of cases read")
        ->expected(0, 2)
        ->type_name("");
    sub->formatter(std::make_shared<IntervalFormatter>());
    sub->add_option("--population", o->population_text,
                    "Number of eligible cases the sample was drawn from, 1 to 2147483647 (enables the "
                    "finite-population methods); with --from and a domain column, one per domain: "
                    "court=71,out-of-court=39");
    sub->add_option("--method", o->method,
                    std::string("Interval method: ") + kMethodList +
                        " (default: hypergeometric with --population, else wilson)");
    sub->add_option("--confidence", o->confidence, "Confidence level")->capture_default_str();
    sub->add_option("--format", o->format,
                    "Output format: table (default for X N) or json; with --from also csv (the default there), "
                    "every format with a method column")
        ->check(CLI::IsMember({"table", "json", "csv"}));
    sub->add_option("--from", o->from,
                    "CSV file of counts: columns x (or yes) and n (or read, relevant), and optionally population, "
                    "method, confidence, domain");
    sub->add_option("--column", o->columns,
                    "With --from: read a column under another header, COLUMN=HEADER with COLUMN x, n, population, "
                    "method, confidence or domain, such as --column x=\"Yes answers\" (repeatable)");
    sub->add_option("--out", o->out, "With --from: write the CSV to this file (atomically) instead of stdout");
    sub->add_option("--threads", o->threads_text,
                    "With --from: threads to use, 0 to 256 (default 0: all cores; results do not change)");
    add_quiet_flag(*sub, o->quiet);
    sub->callback([o] { run(*o); });
}

const Registration registration(30, setup);

}  // namespace
}  // namespace casesample::cli
