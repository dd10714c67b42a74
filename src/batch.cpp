// Running a services file: each service drawn into its own sample folder through the sample-folder module,
// jobs at a time, then reported on; one summary of them all.
#include "casesample/batch.hpp"

#include <algorithm>
#include <cctype>
#include <atomic>
#include <thread>

#include "casesample/audit_log.hpp"
#include "casesample/csv.hpp"
#include "casesample/error.hpp"
#include "casesample/manifest.hpp"
#include "casesample/output.hpp"
#include "casesample/report_html.hpp"
#include "casesample/report_xlsx.hpp"
#include "casesample/sample_folder.hpp"

namespace casesample {
namespace fs = std::filesystem;

namespace {

std::string sizes_text(const std::map<std::string, std::int64_t>& sizes) {
    std::string out;
    for (const auto& [d, n] : sizes) out += (out.empty() ? "" : ",") + d + "=" + std::to_string(n);
    return out;
}

// How the folder's recorded draw differs from what the services file asks for now; empty when it is the same
// draw (a random seed of the folder matches a service without a seed).
std::vector<std::string> settings_differences(const BatchService& s, const DrawManifest& recorded) {
    std::vector<std::string> d;
    const auto& want = s.request;
    const auto& had = recorded.request;
    if (s.seed_from != BatchService::Seed::none && want.seed != had.seed)
        d.push_back("seed " + std::to_string(want.seed) + ", the folder's " + std::to_string(had.seed));
    if (want.method != had.method)
        d.push_back("method " + std::string(to_string(want.method)) + ", the folder's " +
                    std::string(to_string(had.method)));
    if (want.sizes != had.sizes) {
        auto text = [](const std::map<std::string, std::int64_t>& m) {
            return m.empty() ? std::string("by Cochran's formula") : sizes_text(m);
        };
        d.push_back("size " + text(want.sizes) + ", the folder's " + text(had.sizes));
    } else if (want.sizes.empty()) {
        const auto& a = want.size_parameters;
        const auto& b = had.size_parameters;
        if (a.confidence != b.confidence || a.margin != b.margin || a.proportion != b.proportion)
            d.push_back("confidence/margin/proportion " + format_shortest(a.confidence) + "/" +
                        format_shortest(a.margin) + "/" + format_shortest(a.proportion) + ", the folder's " +
                        format_shortest(b.confidence) + "/" + format_shortest(b.margin) + "/" +
                        format_shortest(b.proportion));
    }
    if (want.reserves != had.reserves)
        d.push_back("reserve " + std::to_string(want.reserves) + ", the folder's " + std::to_string(had.reserves));
    auto options = manifest_population_options(s.population_args);
    if (options != recorded.population_options) {
        // Name the first option that differs.
        std::string first;
        std::size_t n = std::max(options.size(), recorded.population_options.size());
        for (std::size_t i = 0; i < n && first.empty(); ++i) {
            auto show = [&](const auto& v) {
                return i < v.size() ? v[i].first + " " + v[i].second : std::string("(none)");
            };
            if (i >= options.size() || i >= recorded.population_options.size() || options[i] != recorded.population_options[i])
                first = show(options) + ", the folder's " + show(recorded.population_options);
        }
        d.push_back(first);
    }
    for (const auto& in : recorded.inputs)
        if (in.role == "population") {
            std::error_code ec;
            if (!fs::exists(s.population, ec)) break;  // reported when the population is read
            if (sha256_file(s.population) != in.sha256)
                d.push_back("the population file " + s.population + " is not the one the folder was drawn from");
        }
    return d;
}

// The rows of a folder drawn before, from its manifest.json.
std::vector<BatchDomainRow> recorded_rows(const fs::path& manifest_path) {
    std::vector<BatchDomainRow> rows;
    auto j = nlohmann::json::parse(read_file(manifest_path.string()), nullptr, false);
    if (j.is_discarded() || !j.contains("domains") || !j["domains"].is_array()) return rows;
    for (const auto& d : j["domains"]) {
        BatchDomainRow r;
        r.domain = d.value("domain", "");
        r.eligible = d.value("eligible", std::size_t{0});
        r.sample_size = d.value("sample_size", std::size_t{0});
        r.reserves = d.value("reserves_left", std::size_t{0});
        // The margins missed, in the words of describe_misses (draw.cpp), so that a folder left alone gives
        // the summary row its first draw gave.
        if (d.contains("misses") && d["misses"].is_array())
            for (const auto& m : d["misses"]) {
                auto floor = m.value("floor", std::int64_t{0}), ceiling = m.value("ceiling", std::int64_t{0});
                auto by = m.value("by", std::int64_t{0});
                r.worst_deviation = std::max(r.worst_deviation, by < 0 ? -by : by);
                r.message += std::string(r.message.empty() ? "margins missed: " : "; ") + m.value("variable", "") +
                             " " + m.value("category", "") + ": " + std::to_string(m.value("drawn", std::int64_t{0})) +
                             " drawn, expected " +
                             (floor == ceiling ? std::to_string(floor)
                                               : std::to_string(floor) + " to " + std::to_string(ceiling)) +
                             " (" + (by > 0 ? "+" : "") + std::to_string(by) + ")";
            }
        rows.push_back(std::move(r));
    }
    return rows;
}

// The fieldwork changes logged in a sample folder's audit log, in words ("1 substitution, 2 drops"); "" when it
// logs none. An audit log that cannot be read is said to be there.
std::string logged_fieldwork_changes(const fs::path& folder) {
    std::error_code ec;
    const auto path = folder / kAuditLogName;
    if (!fs::exists(path, ec)) return "";
    std::size_t substitutions = 0, drops = 0, reserves = 0, other = 0;
    try {
        for (const auto& e : read_audit_log(path.string()).entries) {
            if (e.action == "substitute") ++substitutions;
            else if (e.action == "drop") ++drops;
            else if (e.action == "reserves") ++reserves;
            else if (e.action != "input") ++other;  // an input found at a new place changes no case
        }
    } catch (const std::exception&) {
        return "an audit log that cannot be read";
    }
    std::string words;
    auto add = [&](std::size_t n, const char* one, const char* many) {
        if (n) words += (words.empty() ? "" : ", ") + std::to_string(n) + " " + (n == 1 ? one : many);
    };
    add(substitutions, "substitution", "substitutions");
    add(drops, "case dropped without a replacement", "cases dropped without a replacement");
    add(reserves, "addition of reserves", "additions of reserves");
    add(other, "other change", "other changes");
    return words;
}

std::string misses_in_words(const DomainSummary& d, const Vocabulary& vocabulary) {
    return d.misses.empty() ? "" : "margins missed: " + describe_misses(vocabulary, d.misses);
}

// draw_sample, with every mistake in the service's settings found only now (a window or size naming no domain of
// its vocabulary, a stratifier it does not know, ...) placed in the services file: at the setting the message names
// (its first word, as the services file writes it), else at the service's [[service]] table. Errors in the
// population file keep their own place.
DrawnSample draw_in_services_file_words(const BatchService& s, const DrawSpec& spec) {
    try {
        return draw_sample(spec);
    } catch (const UsageError& e) {
        const std::string message = e.what();
        const OptionHints::Place* at = nullptr;
        std::size_t longest = 0;
        // The message names the setting as the services file writes it ("window ...") or, from code that does
        // not take the services file's forms, as the command line does ("--stratify: ...").
        const std::size_t dashes = message.rfind("--", 0) == 0 ? 2 : 0;
        for (const auto& [key, place] : s.places) {
            const std::size_t end = dashes + key.size();
            if (key.size() > longest && message.compare(dashes, key.size(), key) == 0 &&
                (message.size() == end || message[end] == ' ' || message[end] == ':')) {
                at = &place;
                longest = key.size();
            }
        }
        if (at) throw InputError(at->file, at->line, at->column, message);
        if (s.file.empty()) throw;
        throw InputError(s.file, s.line, s.column, message);
    }
}

BatchOutcome run_service(const BatchService& s, const BatchOptions& options) {
    BatchOutcome out;
    out.name = s.name;
    out.folder = options.out / s.name;
    out.seed = s.request.seed;
    out.seed_chosen = s.seed_chosen;
    const std::string writer = options.writer + " (service " + s.name + ")";
    try {
        std::error_code ec;
        const bool held = fs::is_directory(out.folder, ec) && holds_sample(out.folder);
        const auto manifest = out.folder / "manifest.json";
        // Why the folder's sample is not the one the services file asks for now ("" when it is up to date).
        std::string conflict;
        std::optional<DrawManifest> recorded;
        if (held) {
            if (!fs::exists(manifest, ec)) {
                conflict = "its folder " + out.folder.string() + " holds files of a sample but no manifest.json";
            } else {
                try {
                    recorded = read_manifest(manifest.string());
                } catch (const std::exception& e) {
                    if (!options.force) throw;
                    conflict = std::string("its manifest.json cannot be read (") + e.what() + ")";
                }
                if (recorded) {
                    auto differences = settings_differences(s, *recorded);
                    std::string all;
                    for (const auto& d : differences) all += (all.empty() ? "" : "; ") + d;
                    if (!all.empty()) conflict = "its folder already holds a sample drawn otherwise (" + all + ")";
                }
            }
            // The advice is what --force does: draw again only such services (see docs/batch.md).
            if (!conflict.empty() && !options.force)
                throw UsageError(conflict + "; pass --force to draw it again (--force draws again only the services "
                                            "whose folder was drawn otherwise; add --only " +
                                 s.name + " for this one alone)");
        }
        if (held && conflict.empty()) {
            out.action = BatchOutcome::Action::kept;
            out.seed = recorded->request.seed;
            out.seed_chosen = recorded->seed_chosen;
            out.domains = recorded_rows(manifest);
            out.message = "already drawn; left alone";
        } else {
            DrawSpec spec;
            spec.population = s.population;
            spec.population_args = s.population_args;
            spec.request = s.request;
            // Messages about the population and the sizes name the services file's keys, not the command line's
            // options.
            spec.population_args.hints = services_file_hints(s);
            spec.request.hints = spec.population_args.hints;
            spec.seed_chosen = s.seed_chosen;
            spec.command_line = equivalent_draw_command(s, out.folder);
            auto sample = draw_in_services_file_words(s, spec);
            // Fieldwork changes logged in the folder about to be replaced: set aside with the old sample.
            const std::string logged = held ? logged_fieldwork_changes(out.folder) : std::string();
            WriteOptions write;
            write.force = options.force;
            write.replaced = &out.replaced;
            write.writer = writer;
            write.extra_files["draw.html"] = render_draw_html(sample);  // the page of the draw, linked from index.html
            out.files_written = write_sample_folder(out.folder, sample, write);
            auto summary = summarize(sample);
            for (const auto& d : summary.domains)
                out.domains.push_back({d.domain, d.eligible, d.sample_size, d.reserves, d.worst_deviation,
                                       misses_in_words(d, sample.loaded.population.vocabulary)});
            out.action = BatchOutcome::Action::drawn;
            out.message = held ? "drawn again (--force): " + conflict : "drawn";
            if (held) {
                out.redrawn_because = conflict;
                if (!logged.empty()) {
                    std::string kept_as;
                    for (const auto& [from, to] : out.replaced.renamed)
                        if (from == kAuditLogName) kept_as = to;
                    out.set_aside = logged + " (" + std::string(kAuditLogName) +
                                    (kept_as.empty() ? " left in the folder" : " kept as " + kept_as) + ")";
                    out.message += "; WARNING: set aside the fieldwork changes logged in the old sample: " +
                                   out.set_aside;
                }
            }
        }
        if (!s.answers.empty() || !s.published.empty()) report_on_service(s, out, writer);
        // A page or report the old sample had and this run wrote again is replaced, not removed.
        auto& removed = out.replaced.removed;
        removed.erase(std::remove_if(removed.begin(), removed.end(),
                                     [&](const std::string& name) {
                                         return std::find(out.files_written.begin(), out.files_written.end(), name) !=
                                                out.files_written.end();
                                     }),
                      removed.end());
    } catch (const InputError& e) {
        out.action = BatchOutcome::Action::failed;
        out.bad_input = true;
        out.message = e.what();
    } catch (const UsageError& e) {
        out.action = BatchOutcome::Action::failed;
        out.bad_input = true;
        out.message = e.what();
    } catch (const std::bad_alloc&) {
        out.action = BatchOutcome::Action::failed;
        out.message = "out of memory";
    } catch (const std::exception& e) {
        out.action = BatchOutcome::Action::failed;
        out.message = e.what();
    }
    // One line, whatever the error said.
    std::replace(out.message.begin(), out.message.end(), '\n', ' ');
    return out;
}


}  // namespace

std::size_t BatchSummary::drawn() const {
    return static_cast<std::size_t>(std::count_if(services.begin(), services.end(), [](const auto& s) {
        return s.action == BatchOutcome::Action::drawn;
    }));
}
std::size_t BatchSummary::kept() const {
    return static_cast<std::size_t>(std::count_if(services.begin(), services.end(), [](const auto& s) {
        return s.action == BatchOutcome::Action::kept;
    }));
}
std::size_t BatchSummary::failed() const {
    return static_cast<std::size_t>(std::count_if(services.begin(), services.end(), [](const auto& s) {
        return s.action == BatchOutcome::Action::failed;
    }));
}
bool BatchSummary::any_bad_input() const {
    return std::any_of(services.begin(), services.end(), [](const auto& s) { return s.bad_input; });
}
bool BatchSummary::nothing_done() const {
    return !summary_written && drawn() == 0 && failed() == 0 &&
           std::all_of(services.begin(), services.end(), [](const auto& s) { return s.files_written.empty(); });
}

OptionHints services_file_hints(const BatchService& s) {
    OptionHints h;
    for (const char* key : {"profile", "vocabulary", "add-vocabulary", "unknown-as", "keep-columns", "date-format",
                            "encoding", "court-window", "ooc-window", "stratify"})
        h.forms[key] = {key, std::string(key) + " = \"{value}\""};
    h.forms["column"] = {"column", "column = { {item} = \"{value}\" }"};
    h.forms["window"] = {"window", "window = { {item} = \"{value}\" }"};
    h.forms["drop-identical-duplicates"] = {"drop-identical-duplicates", "drop-identical-duplicates = true"};
    h.forms["fieldwork"] = {"fieldwork", "fieldwork = {value}"};
    h.forms["size"] = {"size", "size = { {item} = {value} }"};
    // lint takes the options of draw that read the population: the same file, read the same way.
    h.every_problem_command = shell_text(population_command("lint", s.population, s.population_args));
    h.places = s.places;
    return h;
}

std::vector<std::string> equivalent_draw_command(const BatchService& s, const fs::path& folder) {
    std::vector<std::string> c = population_command("draw", s.population, s.population_args);
    const auto& r = s.request;
    if (!r.sizes.empty()) {
        c.insert(c.end(), {"--size", sizes_text(r.sizes)});
    } else {
        SizeParameters p;
        if (r.size_parameters.confidence != p.confidence)
            c.insert(c.end(), {"--confidence", format_shortest(r.size_parameters.confidence)});
        if (r.size_parameters.margin != p.margin)
            c.insert(c.end(), {"--margin", format_shortest(r.size_parameters.margin)});
        if (r.size_parameters.proportion != p.proportion)
            c.insert(c.end(), {"--proportion", format_shortest(r.size_parameters.proportion)});
    }
    c.insert(c.end(), {"--seed", std::to_string(r.seed)});
    if (r.reserves) c.insert(c.end(), {"--reserve", std::to_string(r.reserves)});
    if (r.method != DrawMethod::balanced) c.insert(c.end(), {"--method", std::string(to_string(r.method))});
    c.insert(c.end(), {"--out", folder.string()});
    return c;
}

std::string summary_stem(std::size_t shard, std::size_t shards) {
    return shards <= 1 ? "summary" : "summary.shard-" + std::to_string(shard + 1) + "-of-" + std::to_string(shards);
}

std::vector<std::string> only_services(const std::vector<std::string>& pieces, const std::vector<std::string>& names,
                                       const std::string& services_file) {
    // --only splits its text at commas, but a service's name may hold one ("Bournemouth, Christchurch and Poole"):
    // pieces that together spell a name (with or without spaces after their commas) are that one name.
    auto squeezed = [](std::string_view text) {
        std::string out;
        for (std::size_t i = 0; i < text.size(); ++i) {
            out += text[i];
            if (text[i] == ',')
                while (i + 1 < text.size() && text[i + 1] == ' ') ++i;
        }
        return out;
    };
    std::vector<std::string> chosen;
    for (std::size_t i = 0; i < pieces.size();) {
        std::size_t taken = 0;  // the most pieces that spell a name (the longest name wins)
        const std::string* name_taken = nullptr;
        std::string joined;
        for (std::size_t j = i; j < pieces.size(); ++j) {
            joined += (j > i ? "," : "") + pieces[j];
            for (const auto& name : names)
                if (squeezed(name) == joined) {
                    taken = j - i + 1;
                    name_taken = &name;
                }
        }
        if (name_taken && std::find(chosen.begin(), chosen.end(), *name_taken) == chosen.end())
            chosen.push_back(*name_taken);
        if (taken == 0) {
            const auto& n = pieces[i];
            // The names holding the text (any case), else the nearest name: "Christchurch" is part of
            // "Bournemouth, Christchurch and Poole", "Bolten" is near "Bolton".
            auto lower = [](std::string text) {
                for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                return text;
            };
            std::vector<std::string> like;
            if (!n.empty())
                for (const auto& name : names)
                    if (lower(name).find(lower(n)) != std::string::npos) like.push_back(name);
            if (like.empty())
                if (auto near = closest_key(n, names); !near.empty()) like.push_back(near);
            std::string suggestion;
            const std::size_t shown = std::min<std::size_t>(like.size(), 5);
            for (std::size_t k = 0; k < shown; ++k)
                suggestion += (k == 0 ? "" : k + 1 == shown && shown == like.size() ? " or " : ", ") + ("'" + like[k] + "'");
            if (like.size() > shown) suggestion += " or one of " + std::to_string(like.size() - shown) + " more";
            if (!suggestion.empty()) {
                suggestion = "; did you mean " + suggestion + "?";
            } else if (names.size() <= 10) {
                suggestion = "; its services are ";
                for (std::size_t k = 0; k < names.size(); ++k)
                    suggestion += (k == 0 ? "" : k + 1 == names.size() ? " and " : ", ") + ("'" + names[k] + "'");
            } else {
                suggestion = "; give a name as its [[service]] tables write it";
            }
            throw UsageError("--only: no service named '" + n + "' in " + services_file + suggestion);
        }
        i += taken;
    }
    return chosen;
}

BatchSummary run_batch(const BatchManifest& manifest, const BatchOptions& options) {
    BatchSummary summary;
    summary.manifest = manifest.path;
    summary.manifest_sha256 = manifest.sha256;
    summary.defaults = manifest.defaults;
    summary.out = options.out;
    if (options.shards == 0 || options.shard >= options.shards)
        throw UsageError("--shard K/N needs 1 <= K <= N, such as --shard 3/10");
    summary.shard = options.shard;
    summary.shards = options.shards;
    // This shard's services: the 1st, (N+1)th, ... for shard 1 of N; all of them without shards.
    std::vector<const BatchService*> mine;
    for (std::size_t i = options.shard; i < manifest.services.size(); i += options.shards)
        mine.push_back(&manifest.services[i]);
    // --only: the named services alone (in the services file's order).
    if (!options.only.empty()) {
        std::vector<std::string> names;
        for (const auto& s : manifest.services) names.push_back(s.name);
        const auto chosen = only_services(options.only, names, manifest.path);
        std::erase_if(mine, [&](const BatchService* s) {
            return std::find(chosen.begin(), chosen.end(), s->name) == chosen.end();
        });
    }
    const std::size_t total = mine.size();
    summary.services.resize(total);
    std::error_code ec;
    if (fs::exists(options.out, ec) && !fs::is_directory(options.out, ec))
        throw UsageError("--out " + options.out.string() + " is a file; give a folder for the services' folders");
    fs::create_directories(options.out, ec);
    if (ec)
        throw std::runtime_error("cannot create the output folder " + options.out.string() + " (" + ec.message() +
                                 ")");

    if (options.progress) options.progress->begin("drawing services", total);
    std::atomic<std::size_t> next{0};
    auto work = [&] {
        for (std::size_t i; (i = next.fetch_add(1)) < total;) {
            summary.services[i] = run_service(*mine[i], options);
            advance(options.progress);
        }
    };
    const std::size_t jobs = std::clamp<std::size_t>(options.jobs, 1, std::max<std::size_t>(total, 1));
    std::vector<std::thread> workers;
    for (std::size_t j = 1; j < jobs; ++j) workers.emplace_back(work);
    work();
    for (auto& w : workers) w.join();

    // A shard's summary names the shard, so that shards running at once on other machines never overwrite each
    // other's; a run without shards (also one after all the shards, which leaves every folder alone) writes the
    // summary of every service.
    // A run of some services (--only) leaves the summary of them all as it is.
    if (!options.only.empty()) return summary;
    const std::string stem = summary_stem(options.shard, options.shards);
    bool csv = write_file_if_changed(options.out / (stem + ".csv"), summary_csv(summary));
    bool json = write_file_if_changed(options.out / (stem + ".json"), summary_json(summary).dump(2) + "\n");
    bool xlsx = write_file_if_changed(options.out / (stem + ".xlsx"), summary_workbook(summary));
    // The page linking every service's page: index.html (index.shard-K-of-N.html for a shard).
    bool index = write_file_if_changed(options.out / ("index" + stem.substr(std::string("summary").size()) + ".html"),
                                       summary_index_html(summary));
    summary.summary_written = csv || json || xlsx || index;
    return summary;
}

std::string summary_index_html(const BatchSummary& summary) {
    const std::vector<std::string> header = {"service", "status", "sample", "balance", "overall rating",
                                             "probability", "verdict", "audit", "error"};
    std::vector<HtmlIndexRow> rows;
    for (const auto& s : summary.services) {
        HtmlIndexRow row;
        row.service = s.name;
        row.failed = !s.ok();
        // The service's page: its report when it has one, else the page of its draw.
        std::error_code ec;
        for (const char* page : {"report.html", "draw.html"})
            if (row.link.empty() && fs::is_regular_file(s.folder / page, ec))
                row.link = (fs::path(s.name) / page).generic_string();
        std::string sample, balance;
        for (const auto& d : s.domains) {
            sample += (sample.empty() ? "" : "; ") + d.domain + " " + std::to_string(d.sample_size) + " of " +
                      std::to_string(d.eligible) + " (" + std::to_string(d.reserves) + " reserves)";
            if (!d.message.empty()) balance += (balance.empty() ? "" : "; ") + d.domain + ": " + d.message;
        }
        if (balance.empty() && !s.domains.empty()) balance = "every category within its floor and ceiling";
        row.cells = {s.ok() ? "ok" : "failed", sample, balance, s.overall_rating.value_or("-"),
                     s.overall_probability ? format_fixed(*s.overall_probability, 3) : "-",
                     s.overall_verdict.value_or("-"),
                     s.audit_consistent ? (*s.audit_consistent ? "follows the rules" : "does NOT follow the rules") : "-",
                     s.ok() ? "" : s.message};  // the state of the folders, not what this run did (as summary.csv)
        rows.push_back(std::move(row));
    }
    const std::string stem = summary_stem(summary.shard, summary.shards);
    HtmlAbout about = {{"services file", summary.manifest}, {"services file SHA-256", summary.manifest_sha256}};
    return render_index_html("Batch: " + fs::path(summary.manifest).filename().string(), header, rows, about,
                             {stem + ".xlsx", stem + ".csv", stem + ".json"});
}

const std::vector<std::string>& summary_header() {
    static const std::vector<std::string> header = {
        "service", "domain",         "status",              "eligible",        "sample_size", "reserves",
        "worst_deviation", "message", "overall_rating", "overall_probability", "overall_verdict", "audit", "seed"};
    return header;
}

void write_summary_rows(CellWriter& w, const BatchSummary& summary) {
    for (const auto& s : summary.services) {
        auto optional_text = [&](const std::optional<std::string>& text) {
            if (text) w.text(*text);
            else w.empty();
        };
        auto tail = [&](const std::string& message) {
            w.text(message);
            optional_text(s.overall_rating);
            if (s.overall_probability) w.number(*s.overall_probability, 4);
            else w.empty();
            optional_text(s.overall_verdict);
            if (s.audit_consistent) w.text(*s.audit_consistent ? "consistent" : "inconsistent");
            else w.empty();
            // Text: a seed has up to 20 digits, more than a spreadsheet's number holds exactly.
            if (s.ok()) w.text(std::to_string(s.seed));
            else w.empty();
            w.end_row();
        };
        const std::string status = s.ok() ? "ok" : "failed";
        if (s.domains.empty()) {
            w.text(s.name).empty().text(status).empty().empty().empty().empty();
            tail(s.message);
            continue;
        }
        for (const auto& d : s.domains) {
            w.text(s.name).text(d.domain).text(status);
            w.integer(static_cast<long long>(d.eligible)).integer(static_cast<long long>(d.sample_size));
            w.integer(static_cast<long long>(d.reserves)).integer(d.worst_deviation);
            tail(s.ok() ? d.message : s.message);
        }
    }
}

std::string summary_csv(const BatchSummary& summary) {
    CsvWriter w;
    for (const auto& h : summary_header()) w.text(h);
    w.end_row();
    write_summary_rows(w, summary);
    return w.take();
}

std::string summary_workbook(const BatchSummary& summary) {
    XlsxWriter x("casesample batch summary");
    x.sheet("Summary", summary_header());
    write_summary_rows(x, summary);
    XlsxAbout about = {{"tool", "casesample"},
                       {"version", CASESAMPLE_VERSION},
                       {"services file", summary.manifest},
                       {"services file SHA-256", summary.manifest_sha256},
                       {"output folder", summary.out.string()}};
    if (summary.shards > 1)
        about.push_back({"shard", std::to_string(summary.shard + 1) + " of " + std::to_string(summary.shards) +
                                      " (the services at positions " + std::to_string(summary.shard + 1) + ", " +
                                      std::to_string(summary.shard + 1 + summary.shards) + ", ... of the file)"});
    about.push_back({"services", std::to_string(summary.services.size())});
    about.push_back({"services ok", std::to_string(summary.services.size() - summary.failed())});
    about.push_back({"services failed", std::to_string(summary.failed())});
    if (summary.defaults.empty()) about.push_back({"defaults", "none (every setting is the service's own)"});
    for (const auto& [key, value] : summary.defaults) about.push_back({"default " + key, value});
    about.push_back({"seeds", "each service's seed is in the seed column of Summary and in its folder's "
                              "manifest.json; casesample draw --seed with it draws the same sample"});
    write_about_sheet(x, about);
    return x.finish();
}

nlohmann::ordered_json summary_json(const BatchSummary& summary) {
    nlohmann::ordered_json j;
    j["tool"] = "casesample";
    j["version"] = CASESAMPLE_VERSION;
    j["services_file"] = summary.manifest;
    j["services_file_sha256"] = summary.manifest_sha256;
    j["out"] = summary.out.string();
    j["services_total"] = summary.services.size();
    j["ok"] = summary.services.size() - summary.failed();
    j["failed"] = summary.failed();
    auto& services = j["services"] = nlohmann::ordered_json::array();
    for (const auto& s : summary.services) {
        nlohmann::ordered_json o;
        o["service"] = s.name;
        o["status"] = s.ok() ? "ok" : "failed";
        if (!s.ok()) {
            o["error"] = s.bad_input ? "bad input" : "failure";
            o["message"] = s.message;
        }
        if (s.ok()) {
            o["seed"] = s.seed;
            o["seed_chosen_at_random"] = s.seed_chosen;
        }
        auto& domains = o["domains"] = nlohmann::ordered_json::array();
        for (const auto& d : s.domains) {
            nlohmann::ordered_json r;
            r["domain"] = d.domain;
            r["eligible"] = d.eligible;
            r["sample_size"] = d.sample_size;
            r["reserves"] = d.reserves;
            r["worst_deviation"] = d.worst_deviation;
            if (!d.message.empty()) r["message"] = d.message;
            domains.push_back(r);
        }
        if (s.overall_rating) o["overall_rating"] = *s.overall_rating;
        if (s.overall_probability) o["overall_probability"] = *s.overall_probability;
        if (s.overall_verdict) o["overall_verdict"] = *s.overall_verdict;
        if (s.audit_consistent) o["audit_consistent"] = *s.audit_consistent;
        services.push_back(o);
    }
    return j;
}

}  // namespace casesample
