#include <doctest/doctest.h>

#include <fstream>
#include <random>

#include "casesample/csv.hpp"
#include "casesample/error.hpp"
#include "casesample/population.hpp"
#include "test_support.hpp"

using namespace casesample;

namespace {
const char* kHeader = "case_id,disposal_type,disposal_date,gender,rosh,swb\n";

Population parse(const std::string& text, const PopulationOptions& o = {}) {
    auto r = CsvReader::from_string("pop.csv", text);
    return parse_population(r, o);
}

std::string error_of(const std::string& text, const PopulationOptions& o = {}) {
    try {
        parse(text, o);
    } catch (const InputError& e) {
        return e.what();
    }
    return "";
}
}  // namespace

TEST_CASE("a population file is read with synonyms matched case-insensitively") {
    auto p = parse(std::string(kHeader) +
                   "A1,Referral Order,2019-01-10,Male,Low,Medium\n"
                   "A2,yro,10/01/2019,f,VH,very high\n"
                   "A3,  Youth  Conditional-Caution ,2019-02-01,M,medium,h\n"
                   "A4,YCC,2019-02-01,Female,High,Low\n");
    REQUIRE(p.size() == 4);
    CHECK(p.id(1) == "A2");
    CHECK(p.category(1, Stratifier::disposal_type) == "Youth Rehabilitation Order");
    CHECK(p.category(1, Stratifier::gender) == "Female");
    CHECK(p.category(1, Stratifier::rosh) == "Very High");
    CHECK(p.category(1, Stratifier::swb) == "Very High");
    CHECK(p.category(2, Stratifier::disposal_type) == "Youth Conditional Caution");
    CHECK(p.vocabulary.domains()[p.domain[0]] == "court");
    CHECK(p.vocabulary.domains()[p.domain[2]] == "out-of-court");
    CHECK(p.line[3] == 5);
}

TEST_CASE("columns can be mapped and extra columns are not kept unless asked") {
    PopulationOptions o;
    o.column_names["rosh"] = "Risk of serious harm";
    o.keep_columns = {"team"};
    auto p = parse("case_id,disposal_type,disposal_date,gender,Risk of serious harm,swb,team,name\n"
                   "A1,RO,2019-01-10,Male,Low,Medium,North,Secret Name\n",
                   o);
    CHECK(p.category(0, Stratifier::rosh) == "Low");
    REQUIRE(p.kept_columns == std::vector<std::string>{"team"});
    CHECK(p.kept_values == std::vector<std::string>{"North"});
}

TEST_CASE("bad population input gives one line with file, line, column, the value and what was expected") {
    const std::string ok = "A1,Referral Order,2019-01-10,Male,Low,Medium\n";
    CHECK(error_of("case_id,disposal_type,disposal_date,gender,swb\n" + ok)
              .rfind("pop.csv:1: no column for rosh (line 1 has 5 columns: 'case_id', 'disposal_type', "
                     "'disposal_date', 'gender', 'swb'); none is like it, so use --column rosh=\"ITS HEADER\"",
                     0) == 0);
    CHECK(error_of(kHeader + ok + "A2,Referral Order,2019-01-10,Male,Extreme,Medium\n") ==
          "pop.csv:3:5: unknown rosh 'Extreme' (expected Low, Medium, High, Very High); or give --unknown-as "
          "\"Not known\" to keep such cases as their own category");
    CHECK(error_of(kHeader + ok + "A2,Fine Art,2019-01-10,Male,Low,Medium\n").rfind("pop.csv:3:2: unknown disposal_type 'Fine Art'", 0) == 0);
    CHECK(error_of(kHeader + ok + "A2,Referral Order,2019-01-10,,Low,Medium\n") ==
          "pop.csv:3:4: empty gender (every case needs one)");
    CHECK(error_of(kHeader + ok + "A2,Referral Order,2019-02-30,Male,Low,Medium\n") ==
          "pop.csv:3:3: bad disposal_date '2019-02-30' (expected " + expected_date_text() + ")");
    CHECK(error_of(kHeader + ok + ok) ==
          "pop.csv:3:1: case id 'A1' appears twice (first on line 2), the same in every cell; give "
          "--drop-identical-duplicates to keep one");
    CHECK(error_of(kHeader) == "pop.csv: the file has a header but no cases");
    CHECK(error_of("") == "pop.csv: the file is empty: expected a header line naming the columns");
}

TEST_CASE("--unknown-as keeps unmatched stratifier values as their own category") {
    PopulationOptions o;
    o.unknown_as = "Not known";
    auto p = parse(std::string(kHeader) + "A1,RO,2019-01-10,Male,Extreme,??\nA2,RO,2019-01-10,Male,Low,Low\n", o);
    CHECK(p.category(0, Stratifier::rosh) == "Not known");
    CHECK(p.category(0, Stratifier::swb) == "Not known");
    CHECK(p.category(1, Stratifier::rosh) == "Low");
    // Disposal types still need a domain, so they are never guessed.
    CHECK(error_of(std::string(kHeader) + "A1,Fine Art,2019-01-10,Male,Low,Low\n", o)
              .rfind("pop.csv:2:2: unknown disposal_type", 0) == 0);
}

TEST_CASE("a vocabulary can be extended from a file's rows") {
    auto extra = CsvReader::from_string("extra.csv",
                                        "variable,category,synonyms,domain\n"
                                        "disposal_type,Youth Restorative Disposal,YRD,out-of-court\n"
                                        "gender,Non-binary,NB|Other,\n");
    PopulationOptions o;
    o.vocabulary.extend(Vocabulary::parse(extra), "extra.csv");
    auto p = parse(std::string(kHeader) + "A1,YRD,2019-01-10,NB,Low,Low\n", o);
    CHECK(p.category(0, Stratifier::disposal_type) == "Youth Restorative Disposal");
    CHECK(p.vocabulary.domains()[p.domain[0]] == "out-of-court");
    CHECK(p.category(0, Stratifier::gender) == "Non-binary");

    auto clash = CsvReader::from_string("clash.csv", "variable,category,synonyms,domain\nrosh,Severe,VH,\n");
    Vocabulary v = Vocabulary::builtin();
    CHECK_THROWS_WITH_AS(v.extend(Vocabulary::parse(clash), "clash.csv"),
                         "clash.csv: synonym 'vh' already means 'Very High' for rosh", InputError);
}

TEST_CASE("eligibility: court 6-9 and out-of-court 3-5 months before fieldwork, both ends included") {
    // Fieldwork 2019-06-03: court window 2018-09-03 .. 2018-12-03; out-of-court 2019-01-03 .. 2019-03-03.
    auto p = parse(std::string(kHeader) +
                   "C1,RO,2018-09-03,Male,Low,Low\n"    // first day of court window
                   "C2,RO,2018-12-03,Male,Low,Low\n"    // last day
                   "C3,RO,2018-09-02,Male,Low,Low\n"    // one day too old
                   "C4,RO,2018-12-04,Male,Low,Low\n"    // one day too recent
                   "O1,YC,2019-01-03,Male,Low,Low\n"
                   "O2,YC,2019-03-03,Male,Low,Low\n"
                   "O3,YC,2019-01-02,Male,Low,Low\n"
                   "O4,YC,2019-03-04,Male,Low,Low\n");
    auto e = eligible_population(p, EligibilityRule::standard(*parse_date("2019-06-03")));
    REQUIRE(e.domains == std::vector<std::string>{"court", "out-of-court"});
    CHECK(e.cases[0] == std::vector<std::uint32_t>{0, 1});
    CHECK(e.cases[1] == std::vector<std::uint32_t>{4, 5});
    REQUIRE(e.excluded.size() == 4);
    CHECK(exclusion_reason(p, e, e.excluded[0]) == "too old for court: dated 2018-09-02, before 2018-09-03");
    CHECK(exclusion_reason(p, e, e.excluded[1]) == "too recent for court: dated 2018-12-04, after 2018-12-03");
    CHECK(exclusion_kind(p, e, e.excluded[0]) == "too old for court");
    CHECK(exclusion_kind(p, e, e.excluded[1]) == "too recent for court");
}

TEST_CASE("month windows are parsed strictly") {
    CHECK(parse_month_window("6-9").from_months == 6);
    CHECK(parse_month_window("6-9").to_months == 9);
    for (const char* bad : {"9-6", "6", "a-b", "-3", "3-", "3-5x"}) CHECK_THROWS_AS(parse_month_window(bad), UsageError);
}

namespace {

// Everything parse_population gives: each case's id, date, codes, domain, line and kept cells, the categories
// of the vocabulary, the rows dropped; or the error thrown; and the problems collected.
std::string population_transcript(const std::string& text, PopulationOptions o, bool collect) {
    std::vector<InputProblem> problems;
    if (collect) o.problems = &problems;
    std::string out;
    try {
        auto p = parse(text, o);
        for (std::size_t i = 0; i < p.size(); ++i) {
            out += std::to_string(p.line[i]) + " [" + std::string(p.id(i)) + "] " +
                   std::to_string(p.disposal_date[i].days) + " d" + std::to_string(p.domain[i]);
            for (auto c : p.codes[i]) out += " " + std::to_string(c);
            for (std::size_t k = 0; k < p.kept_columns.size(); ++k)
                out += " <" + p.kept_values[i * p.kept_columns.size() + k] + ">";
            out += "\n";
        }
        for (auto s : p.stratifiers)
            for (const auto& c : p.vocabulary.categories(s)) out += c + ";";
        out += "\ndropped " + std::to_string(p.identical_duplicates_dropped) + "\n";
    } catch (const InputError& e) {
        out += std::string("error ") + e.what() + "\n";
    }
    for (const auto& pr : problems)
        out += "problem " + pr.kind + " " + std::to_string(pr.line) + ":" + std::to_string(pr.column) + " " +
               pr.message + "\n";
    return out;
}

}  // namespace

TEST_CASE("rows read straight into the columns give what the checked reading gives (random populations)") {
    // Rows of printable ASCII whose every cell was seen before are read straight into the columns (category and
    // date remembered by spelling); any other row is read with every check. The same random populations with a
    // non-ASCII character in a column nobody reads (so that no row takes the straight way): the same cases,
    // codes, lines, kept cells, errors and problems.
    std::mt19937_64 rng(5);
    const std::vector<std::string> ids = {"A1", "A2", "B-17", "C0000003", "case 9", " A1", "Z", "0042", "LONGID-123456789012"};
    const std::vector<std::string> types = {"Referral Order", "RO", "yro", " Youth Rehabilitation Order ", "YCC",
                                            "Community Resolution", "Fine Art", "", "referral order"};
    const std::vector<std::string> dates = {"2019-01-10", "10/01/2019", "2019-02-30", "", " 2019-03-01 ",
                                            "2019-01-10 00:00", "1/2/2019", "yesterday"};
    const std::vector<std::string> genders = {"Male", "Female", "f", "M", "", "Xyz"};
    const std::vector<std::string> levels = {"Low", "Medium", "High", "Very High", "VH", "low ", "", "Extreme"};
    int compared = 0, with_error = 0, with_problem = 0, with_cases = 0;
    for (int t = 0; t < 600; ++t) {
        std::string plain = "case_id,disposal_type,disposal_date,gender,rosh,swb,team,note\n";
        std::string accented = plain;
        const bool clean = t % 3 == 0;  // mostly good rows, so that duplicates and whole files are reached
        const int rows = std::uniform_int_distribution<int>(1, 30)(rng);
        for (int r = 0; r < rows; ++r) {
            auto pick = [&](const std::vector<std::string>& v, std::size_t good) {
                return clean && rng() % 10 != 0 ? v[rng() % good] : v[rng() % v.size()];
            };
            std::string row = pick(ids, ids.size()) + "," + pick(types, 6) + "," + pick(dates, 2) + "," +
                              pick(genders, 4) + "," + pick(levels, 5) + "," + pick(levels, 5) + "," +
                              (rng() % 2 ? " T" : "T") + std::to_string(rng() % 3) + ",";
            plain += row + "n\n";
            accented += row + "\xC3\xA9\n";
            if (rng() % 8 == 0) {  // the same row again
                plain += row + "n\n";
                accented += row + "\xC3\xA9\n";
            }
        }
        PopulationOptions o;
        if (t % 4 == 1) o.unknown_as = "Not known";
        if (t % 5 == 2) o.drop_identical_duplicates = true;
        if (t % 2 == 0) o.keep_columns = {"team"};
        const bool collect = t % 3 == 2;
        CAPTURE(plain);
        const auto straight = population_transcript(plain, o, collect);
        CHECK(straight == population_transcript(accented, o, collect));
        ++compared;
        with_error += straight.rfind("error ", 0) == 0;
        with_problem += straight.find("problem ") != std::string::npos;
        with_cases += straight.find(" d0 ") != std::string::npos;
    }
    CHECK(compared == 600);
    CHECK(with_error > 50);
    CHECK(with_problem > 50);
    CHECK(with_cases > 50);
}

TEST_CASE("rows sharing an id are the same in every cell only when their texts are, read again byte for byte") {
    // The second A1 differs from the first only in a column nobody reads, the second B2 only in a space: both
    // conflict. C3 repeats its row exactly: identical. From the whole text, and from a file read in pieces (its
    // rows read again once the stream has gone past them).
    const std::string text = "case_id,disposal_type,disposal_date,gender,rosh,swb,note\n"
                             "A1,Referral Order,2019-01-10,Male,Low,Medium,x\n"
                             "B2,Referral Order,2019-01-10,Male,Low,Medium,y\n"
                             "C3,Referral Order,2019-01-10,Male,Low,Medium,z\n"
                             "A1,Referral Order,2019-01-10,Male,Low,Medium,X\n"
                             "B2,Referral Order,2019-01-10,Male,Low,Medium ,y\n"
                             "C3,Referral Order,2019-01-10,Male,Low,Medium,z\n";
    const std::string path = casesample::test::temp_dir() + "/again.csv";
    { std::ofstream(path, std::ios::binary) << text; }
    for (bool from_file : {false, true}) {
        CAPTURE(from_file);
        std::vector<InputProblem> problems;
        PopulationOptions o;
        o.problems = &problems;
        o.drop_identical_duplicates = true;
        auto p = from_file ? read_population(path, o) : parse(text, o);
        CHECK(p.identical_duplicates_dropped == 1);
        REQUIRE(problems.size() == 2);
        CHECK(problems[0].message == "case id 'A1' appears twice (first on line 2), with different values");
        CHECK(problems[1].message == "case id 'B2' appears twice (first on line 3), with different values");
    }
}

TEST_CASE("a large file's duplicate ids are found while it is read, as after (random files over 8 MB)") {
    // From 8 MB on, the ids read so far are hashed on the reading's helper thread (population.cpp, ReadHelper),
    // into a table sized by the rate of the first rows; the check after the reading then has nothing to do. Each
    // file here: unique ids, some repeated at random places (next to each other, far apart, first and last row),
    // rows whose length changes along the file (long first rows, so that more rows come than foreseen and the
    // helper gives up, and the other way round); every repeat must be found on its line, as a plain count says.
    std::mt19937_64 rng(11);
    const int files = casesample::test::repetitions(4, 2);
    for (int f = 0; f < files; ++f) {
        const int shape = f % 4;  // 0 even rows, 1 long rows first, 2 short rows first, 3 no repeat at all
        const std::size_t rows = 150000 + rng() % 20000;
        std::vector<std::string> id(rows);
        for (std::size_t r = 0; r < rows; ++r) id[r] = "C" + std::to_string(1000000 + r * 7 + rng() % 7);
        std::vector<std::size_t> repeats;  // rows that take an earlier row's id
        if (shape != 3) {
            repeats = {rows - 1, 1 + rng() % (rows - 1), 1 + rng() % (rows - 1)};
            repeats.push_back(repeats[1] + 1 < rows ? repeats[1] + 1 : repeats[1]);
            id[rows - 1] = id[0];
            for (std::size_t k = 1; k < repeats.size(); ++k) id[repeats[k]] = id[repeats[k] - 1 - rng() % std::min<std::size_t>(repeats[k], 1000)];
        }
        std::string text = "case_id,disposal_type,disposal_date,gender,rosh,swb,note\n";
        for (std::size_t r = 0; r < rows; ++r) {
            std::size_t note = 8;
            if (shape == 1) note = r < rows / 10 ? 400 : 2;
            if (shape == 2) note = r < rows / 2 ? 2 : 90;
            text += id[r] + (r % 3 ? ",Referral Order,2019-01-10,Male,Low,Medium," : ",Youth Caution,2019-02-11,Female,High,Low,") +
                    std::string(note, 'n') + "\n";
        }
        REQUIRE(text.size() >= (std::size_t{8} << 20));
        // What a plain count of the ids says: each line whose id was seen on an earlier line, and that line.
        std::map<std::string, std::size_t> first;
        std::vector<std::string> expected;
        for (std::size_t r = 0; r < rows; ++r) {
            auto [at, fresh] = first.emplace(id[r], r + 2);
            if (!fresh)
                expected.push_back("line " + std::to_string(r + 2) + ": case id '" + id[r] +
                                   "' appears twice (first on line " + std::to_string(at->second) + ")");
        }
        std::sort(expected.begin(), expected.end());
        CAPTURE(f);
        CAPTURE(shape);
        const std::string path = casesample::test::temp_dir() + "/large-" + std::to_string(f) + ".csv";
        { std::ofstream(path, std::ios::binary) << text; }
        for (bool from_file : {true, false}) {
            CAPTURE(from_file);
            std::vector<InputProblem> problems;
            PopulationOptions o;
            o.problems = &problems;
            auto p = from_file ? read_population(path, o) : parse(text, o);
            std::vector<std::string> found;
            for (const auto& pr : problems) {
                const auto cut = pr.message.find(", ");
                found.push_back("line " + std::to_string(pr.line) + ": " + pr.message.substr(0, cut));
            }
            std::sort(found.begin(), found.end());
            CHECK(found == expected);
            CHECK(p.size() == rows - expected.size());
            // Without collecting problems: the first repeat in file order, with the count of the others.
            if (!expected.empty()) {
                PopulationOptions strict;
                const std::string error = [&] {
                    try {
                        if (from_file) read_population(path, strict);
                        else parse(text, strict);
                    } catch (const InputError& e) {
                        return std::string(e.what());
                    }
                    return std::string();
                }();
                CHECK(error.find("appears twice") != std::string::npos);
                CHECK(error.find(std::to_string(expected.size() - 1) + " more repeated") != std::string::npos);
            } else {
                CHECK(p.size() == rows);
            }
        }
    }
}

TEST_CASE("each case's line is kept as runs of consecutive lines, and read back as it was given") {
    std::mt19937_64 rng(3);
    for (int t = 0; t < 200; ++t) {
        LineIndex index;
        std::vector<std::uint32_t> lines;
        std::uint32_t line = 1 + static_cast<std::uint32_t>(rng() % 3);
        const int n = static_cast<int>(rng() % 400);
        for (int i = 0; i < n; ++i) {
            // Mostly the next line; now and then a gap (blank lines, a record over several lines).
            line += rng() % 6 == 0 ? 1 + static_cast<std::uint32_t>(rng() % 5) : 1;
            lines.push_back(line);
            index.push_back(line);
        }
        REQUIRE(index.size() == lines.size());
        for (std::size_t i = 0; i < lines.size(); ++i) CHECK(index[i] == lines[i]);
    }
    // A file of one case a line is one run, whatever its length.
    LineIndex one;
    for (std::uint32_t l = 2; l < 100002; ++l) one.push_back(l);
    CHECK(one.runs() == 1);
    CHECK(one[99999] == 100001);
}
