// The draw of every domain, its files, substitution: the core library, without the command line.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <set>

#include "casesample/csv.hpp"
#include "casesample/draw.hpp"
#include "casesample/error.hpp"
#include "casesample/manifest.hpp"
#include "test_support.hpp"

using namespace casesample;
using namespace casesample::test;

namespace {

struct Loaded {
    Population pop;
    EligiblePopulation eligible;
};

Loaded fixture(PopulationOptions options = {}) {
    Loaded l;
    l.pop = read_population(source_path("fixtures/population.csv"), options);
    l.eligible = eligible_population(l.pop, EligibilityRule::standard(*parse_date("2019-06-03")));
    return l;
}

DrawRequest request(std::uint64_t seed, std::size_t reserves = 0) {
    DrawRequest r;
    r.seed = seed;
    r.reserves = reserves;
    return r;
}

}  // namespace

TEST_CASE("--size reads DOMAIN=N pairs and rejects anything else") {
    auto s = parse_sizes("court=50, out-of-court=32");
    CHECK(s.size() == 2);
    CHECK(s.at("court") == 50);
    CHECK(s.at("out-of-court") == 32);
    for (auto bad : {"", "court", "court=", "=5", "court=-1", "court=5x", "court=1,court=2"})
        CHECK_THROWS_AS(parse_sizes(bad), UsageError);
}

TEST_CASE("the bundled population gives 50 court and 32 out-of-court cases, no duplicates, reserves apart") {
    auto l = fixture();
    auto result = draw_population(l.pop, l.eligible, request(2019, 5));
    REQUIRE(result.domains.size() == 2);
    CHECK(result.domains[0].domain == "court");
    CHECK(result.domains[0].cases.size() == 71);
    CHECK(result.domains[0].sample_size == 50);
    CHECK(result.domains[1].domain == "out-of-court");
    CHECK(result.domains[1].cases.size() == 39);
    CHECK(result.domains[1].sample_size == 32);
    for (const auto& ds : result.domains) {
        CHECK(ds.draw.selected.size() == ds.sample_size);
        CHECK(ds.draw.reserves.size() == 5);
        std::set<std::uint32_t> all(ds.draw.selected.begin(), ds.draw.selected.end());
        CHECK(all.size() == ds.sample_size);
        all.insert(ds.draw.reserves.begin(), ds.draw.reserves.end());
        CHECK(all.size() == ds.sample_size + 5);
        CHECK(margin_misses(ds.frame, ds.draw.selected).empty());
        for (auto i : ds.draw.selected) CHECK(l.pop.domain[ds.cases[i]] == l.pop.domain[ds.cases[0]]);
    }
}

TEST_CASE("reserves are capped at the cases a domain has left") {
    auto l = fixture();
    auto result = draw_population(l.pop, l.eligible, request(1, 100));
    CHECK(result.domains[0].draw.reserves.size() == 71 - 50);
    CHECK(result.domains[1].draw.reserves.size() == 39 - 32);
    CHECK(result.domains[0].reserves_asked == 100);
}

TEST_CASE("--size must name every domain with eligible cases and fit its eligible count") {
    auto l = fixture();
    DrawRequest r = request(3);
    r.sizes = {{"court", 10}};
    CHECK_THROWS_AS(draw_population(l.pop, l.eligible, r), UsageError);
    r.sizes = {{"court", 10}, {"out-of-court", 0}};
    auto result = draw_population(l.pop, l.eligible, r);
    CHECK(result.domains[0].draw.selected.size() == 10);
    CHECK(result.domains[1].draw.selected.empty());
    r.sizes = {{"court", 72}, {"out-of-court", 1}};
    CHECK_THROWS_AS(draw_population(l.pop, l.eligible, r), UsageError);
    r.sizes = {{"court", 1}, {"out-of-court", 1}, {"appeals", 1}};
    CHECK_THROWS_AS(draw_population(l.pop, l.eligible, r), UsageError);
}

TEST_CASE("the same population and seed give byte-identical files, another seed another sample") {
    auto l = fixture();
    for (auto method : {DrawMethod::balanced, DrawMethod::cells, DrawMethod::systematic}) {
        auto r = request(77, 3);
        r.method = method;
        auto a = draw_population(l.pop, l.eligible, r);
        auto b = draw_population(l.pop, l.eligible, r);
        CHECK(sample_csv(l.pop, a) == sample_csv(l.pop, b));
        CHECK(reserves_csv(l.pop, a) == reserves_csv(l.pop, b));
        CHECK(balance_csv(l.pop, a) == balance_csv(l.pop, b));
        r.seed = 78;
        auto c = draw_population(l.pop, l.eligible, r);
        CHECK(sample_csv(l.pop, a) != sample_csv(l.pop, c));
    }
}

TEST_CASE("sample.csv and balance.csv have the documented columns and numbers") {
    auto l = fixture();
    auto result = draw_population(l.pop, l.eligible, request(5, 2));
    auto reader = CsvReader::from_string("sample.csv", sample_csv(l.pop, result));
    CHECK(reader.header() == std::vector<std::string>{"case_id", "domain", "disposal_type", "gender", "rosh", "swb",
                                                      "selection_order", "inclusion_probability", "substitute_for"});
    CsvRecord rec;
    std::size_t rows = 0;
    while (reader.next(rec)) {
        ++rows;
        CHECK((rec.fields[7] == "0.704225" || rec.fields[7] == "0.820513"));
    }
    CHECK(rows == 82);
    auto b = CsvReader::from_string("balance.csv", balance_csv(l.pop, result));
    CHECK(b.header() == std::vector<std::string>{"domain", "variable", "category", "population", "population_share",
                                                 "target", "drawn", "deviation"});
    std::int64_t total_court_gender = 0;
    while (b.next(rec)) {
        CHECK(rec.fields[7] == "0");
        if (rec.fields[0] == "court" && rec.fields[1] == "gender") total_court_gender += std::stoll(std::string(rec.fields[6]));
    }
    CHECK(total_court_gender == 50);
    auto r = CsvReader::from_string("reserves.csv", reserves_csv(l.pop, result));
    CHECK(r.header() == std::vector<std::string>{"case_id", "domain", "disposal_type", "gender", "rosh", "swb",
                                                 "reserve_order", "reserve_probability"});
    // Each reserve's chance given the sample: 2 of the 71 - 50 and of the 39 - 32 cases left.
    while (r.next(rec)) CHECK((rec.fields[7] == "0.095238" || rec.fields[7] == "0.285714"));
}

TEST_CASE("excluded.csv lists every ineligible case with its reason and nothing else about the child") {
    auto l = fixture();
    auto text = excluded_csv(l.pop, l.eligible);
    auto reader = CsvReader::from_string("excluded.csv", text);
    CHECK(reader.header() == std::vector<std::string>{"case_id", "disposal_type", "disposal_date", "domain", "reason"});
    CsvRecord rec;
    std::size_t rows = 0;
    while (reader.next(rec)) {
        ++rows;
        CHECK((rec.fields[4].starts_with("too old") || rec.fields[4].starts_with("too recent")));
    }
    CHECK(rows == l.pop.size() - 71 - 39);
    CHECK(text.find("Male") == std::string::npos);
    CHECK(text.find("Worker") == std::string::npos);
}

TEST_CASE("excluded.csv streamed a megabyte at a time is the same bytes, in whole rows") {
    // The bundled population with 40,000 cases dated long before fieldwork, some with ids a spreadsheet would
    // take for a formula: about 4 MB of excluded.csv, handed over in several pieces.
    std::string text = read_text(source_path("fixtures/population.csv"));
    for (int i = 0; i < 40000; ++i)
        text += (i % 7 == 0 ? "=X" : "X") + std::to_string(100000 + i) + ",Youth Caution,2013-1" + std::to_string(i % 3) +
                "-0" + std::to_string(1 + i % 9) + ",Female,Medium,High,W,\"a, b\"\n";
    const auto path = temp_dir() + "/population.csv";
    write_text(path, text);
    const auto pop = read_population(path, {});
    const auto eligible = eligible_population(pop, EligibilityRule::standard(*parse_date("2019-06-03")));
    REQUIRE(eligible.excluded.size() > 40000);
    const auto whole = excluded_csv(pop, eligible);
    std::vector<std::string> pieces;
    write_excluded_csv(pop, eligible, [&](std::string_view piece) { pieces.emplace_back(piece); });
    REQUIRE(pieces.size() >= 3);
    std::string joined;
    for (const auto& piece : pieces) {
        if (&piece != &pieces.back()) CHECK(piece.size() >= (std::size_t{1} << 20));  // never row by row
        CHECK(piece.back() == '\n');                          // whole rows
        joined += piece;
    }
    CHECK(joined == whole);
    CHECK(whole.find("\n'=X100000,Youth Caution,2013-10-01,out-of-court,\"too old for out-of-court: dated "
                     "2013-10-01, before 2019-01-03\"\n") != std::string::npos);
}

TEST_CASE("a CSV writer with a sink gives the bytes of one without, for any cells and any piece size") {
    std::mt19937 rng(11);
    const std::string alphabet = "ab,\"\n\r=+-@\t 1";
    for (int trial = 0; trial < repetitions(300, 30); ++trial) {
        const std::size_t flush_at = 1 + rng() % 64;
        CsvWriter kept;
        std::string streamed;
        CsvWriter sunk([&](std::string_view piece) { streamed += piece; }, flush_at);
        const int rows = static_cast<int>(rng() % 20);
        for (int r = 0; r < rows; ++r) {
            const int cells = 1 + static_cast<int>(rng() % 5);
            for (int c = 0; c < cells; ++c) {
                std::string cell;
                for (std::size_t k = rng() % 8; k > 0; --k) cell += alphabet[rng() % alphabet.size()];
                if (rng() % 4 == 0) {
                    const auto value = static_cast<long long>(rng() % 2000) - 1000;
                    kept.integer(value);
                    sunk.integer(value);
                    continue;
                }
                kept.text(cell);
                sunk.text(cell);
            }
            kept.end_row();
            sunk.end_row();
        }
        sunk.finish();
        CAPTURE(trial);
        CHECK(streamed == kept.str());
    }
}

TEST_CASE("balance deviation counts cases outside floor/ceiling, signed") {
    Vocabulary v = Vocabulary::builtin();
    SamplingFrame f;
    for (std::size_t s = 0; s < kBuiltinStratifierCount; ++s)
        f.category_count[s] = static_cast<std::uint16_t>(v.categories(static_cast<Stratifier>(s)).size());
    // 10 cases: 5 Male, 5 Female. A sample of 4 all Male: targets 2 and 2.
    for (std::uint16_t g = 0; g < 2; ++g)
        for (int k = 0; k < 5; ++k) f.codes.push_back({0, g, 0, 0});
    auto rows = balance_rows(v, "court", f, {0, 1, 2, 3});
    bool saw = false;
    for (const auto& r : rows)
        if (r.variable == Stratifier::gender) {
            saw = true;
            CHECK(r.target == doctest::Approx(2.0));
            CHECK(r.deviation == (r.category == "Male" ? 2 : -2));
        }
    CHECK(saw);
    CHECK(describe_misses(v, margin_misses(f, {0, 1, 2, 3})).find("gender Male: 4 drawn, expected 2 (+2)") !=
          std::string::npos);
}

TEST_CASE("a substitute takes the dropped case's place, bad drops are refused") {
    auto l = fixture();
    auto result = draw_population(l.pop, l.eligible, request(9, 2));
    auto& court = result.domains[0];
    auto first = court.draw.selected[0];
    std::string dropped(l.pop.id(court.cases[first]));
    auto before_reserves = court.draw.reserves;
    auto s = substitute_case(l.pop, result, dropped);
    CHECK(s.domain == 0);
    CHECK(s.dropped == first);
    CHECK(court.draw.selected[0] == s.substitute);
    CHECK(std::find(before_reserves.begin(), before_reserves.end(), s.substitute) != before_reserves.end());
    CHECK(court.draw.reserves.size() == 1);
    CHECK(court.substituted_from[0] == s.reserve_order);
    // The dropped case can't be dropped again, nor can a case that was never drawn or does not exist.
    CHECK_THROWS_AS(substitute_case(l.pop, result, dropped), UsageError);
    CHECK_THROWS_AS(substitute_case(l.pop, result, "NO-SUCH-CASE"), UsageError);
    // Use up the reserves, then a drop fails (not a usage error: the draw had too few).
    substitute_case(l.pop, result, std::string(l.pop.id(court.cases[court.draw.selected[1]])));
    CHECK_THROWS_AS(substitute_case(l.pop, result, std::string(l.pop.id(court.cases[court.draw.selected[2]]))),
                    std::runtime_error);
}

TEST_CASE("the manifest reads back the seed, parameters and inputs it was written with") {
    auto l = fixture();
    DrawManifest m;
    m.version = "9.9.9";
    m.command_line = {"casesample", "draw", "x.csv"};
    m.request = request(12345678901234567ull, 4);
    m.request.method = DrawMethod::systematic;
    m.request.sizes = {{"court", 20}, {"out-of-court", 10}};
    m.population_options = {{"fieldwork", "2019-06-03"}, {"court_window", "6-9"}, {"column", "rosh=Risk"}};
    m.inputs = {{"population", "x.csv", "/abs/x.csv", std::string(64, 'a'), 123}};
    auto result = draw_population(l.pop, l.eligible, m.request);
    auto dir = temp_dir();
    write_text(dir + "/manifest.json", manifest_text(m, l.pop, l.eligible, result));
    auto back = read_manifest(dir + "/manifest.json");
    CHECK(back.version == "9.9.9");
    CHECK(back.command_line == m.command_line);
    CHECK(back.request.seed == 12345678901234567ull);
    CHECK(back.request.reserves == 4);
    CHECK(back.request.method == DrawMethod::systematic);
    CHECK(back.request.sizes == m.request.sizes);
    CHECK(back.population_options == m.population_options);
    REQUIRE(back.inputs.size() == 1);
    CHECK(back.inputs[0].sha256 == m.inputs[0].sha256);
    CHECK(back.inputs[0].bytes == 123);

    write_text(dir + "/bad.json", "{\"tool\": \"casesample\", \"version\": 3}");
    CHECK_THROWS_AS(read_manifest(dir + "/bad.json"), InputError);
    write_text(dir + "/bad.json", "not json");
    CHECK_THROWS_AS(read_manifest(dir + "/bad.json"), InputError);
}

TEST_CASE("the duplicate-id check names the first repeated id in file order (random files)") {
    // The check sorts hashes after reading; this compares it with the obvious scan over 300 random files.
    casesample::Engine engine(4242);
    for (int trial = 0; trial < 300; ++trial) {
        const std::size_t n = 2 + engine() % 400;
        std::vector<std::string> ids;
        for (std::size_t i = 0; i < n; ++i) ids.push_back("K" + std::to_string(engine() % (trial % 3 == 0 ? 50 : 100000)));
        std::string text = "case_id,disposal_type,disposal_date,gender,rosh,swb\n";
        for (const auto& id : ids) text += id + ",Referral Order,2018-10-01,Male,Low,Low\n";
        std::optional<std::pair<std::size_t, std::size_t>> expected;  // {later row, earlier row}
        for (std::size_t i = 0; i < n && !expected; ++i)
            for (std::size_t j = 0; j < i; ++j)
                if (ids[i] == ids[j]) {
                    expected = {i, j};
                    break;
                }
        auto reader = CsvReader::from_string("t.csv", text);
        if (!expected) {
            CHECK(parse_population(reader, PopulationOptions{}).size() == n);
            continue;
        }
        try {
            parse_population(reader, PopulationOptions{});
            FAIL("no error for a duplicate id");
        } catch (const InputError& e) {
            CHECK(e.line() == expected->first + 2);
            CHECK(e.column() == 1);
            CHECK(e.message().rfind("case id '" + ids[expected->first] + "' appears twice (first on line " +
                                        std::to_string(expected->second + 2) + ")",
                                    0) == 0);
        }
    }
}

TEST_CASE("each domain draws with its own engine: its sample depends neither on reserves nor on the other domains") {
    auto l = fixture();
    for (auto method : {DrawMethod::balanced, DrawMethod::cells, DrawMethod::systematic}) {
        for (std::uint64_t seed : {1ULL, 2019ULL, 18446744073709551615ULL}) {
            CAPTURE(seed);
            auto plain = request(seed, 0);
            plain.method = method;
            auto with_reserves = request(seed, 4);
            with_reserves.method = method;
            auto other_court = request(seed, 0);
            other_court.method = method;
            other_court.sizes = {{"court", 10}, {"out-of-court", 32}};
            auto a = draw_population(l.pop, l.eligible, plain);
            auto b = draw_population(l.pop, l.eligible, with_reserves);
            auto c = draw_population(l.pop, l.eligible, other_court);
            CHECK(a.domains[0].draw.selected == b.domains[0].draw.selected);
            CHECK(a.domains[1].draw.selected == b.domains[1].draw.selected);
            CHECK(a.domains[1].draw.selected == c.domains[1].draw.selected);
            CHECK(a.domains[1].draw.inclusion_probability == c.domains[1].draw.inclusion_probability);
        }
    }
    Engine court = domain_engine(7, "court");
    Engine ooc = domain_engine(7, "out-of-court");
    Engine court_again = domain_engine(7, "court");
    Engine court_other_seed = domain_engine(8, "court");
    auto first = court();
    CHECK(first == court_again());
    CHECK(first != ooc());
    CHECK(first != court_other_seed());
}

TEST_CASE("large domains drawn side by side give what each domain's own draw gives") {
    // With 100,000 cases or more in the first domain and in the others, the first is drawn on a thread of its own
    // (draw_population). Each domain's sample and reserves must be what draw_sample gives on that domain's frame
    // with that domain's engine, one domain at a time.
    std::mt19937_64 rng(21);
    const char* types[] = {"Referral Order", "Youth Rehabilitation Order", "Youth Caution", "Youth Conditional Caution"};
    const char* genders[] = {"Male", "Female"};
    const char* levels[] = {"Low", "Medium", "High"};
    std::string text = "case_id,disposal_type,disposal_date,gender,rosh,swb\n";
    for (int i = 0; i < 240000; ++i) {
        const auto type = rng() % 4;  // the first two are court disposals, dated in the court window
        text += "C" + std::to_string(i) + "," + types[type] + "," + (type < 2 ? "2018-11-20" : "2019-02-01") + "," +
                genders[rng() % 2] + "," + levels[rng() % 3] + "," + levels[rng() % 3] + "\n";
    }
    auto reader = CsvReader::from_string("large.csv", text);
    const auto pop = parse_population(reader, {});
    const auto eligible = eligible_population(pop, EligibilityRule::standard(*parse_date("2019-06-03")));
    auto r = request(7, 5);
    r.sizes = {{"court", 900}, {"out-of-court", 700}};
    const auto result = draw_population(pop, eligible, r);
    REQUIRE(result.domains.size() == 2);
    for (const auto& ds : result.domains) {
        CAPTURE(ds.domain);
        REQUIRE(ds.cases.size() >= 100000);
        Engine engine = domain_engine(7, ds.domain);
        const auto alone = draw_sample(make_frame(pop, ds.cases), ds.sample_size, 5, DrawMethod::balanced, engine);
        CHECK(ds.draw.selected == alone.selected);
        CHECK(ds.draw.reserves == alone.reserves);
        CHECK(ds.draw.inclusion_probability == alone.inclusion_probability);
        CHECK(ds.frame.codes == make_frame(pop, ds.cases).codes);
    }
}
