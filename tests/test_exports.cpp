// Reading what services actually send (issue 9): privacy of messages, header matching and synonyms, profiles,
// every problem in one run (lint), dates, encodings, blanks and duplicates; and the messy export fixture end to end.
#include <doctest/doctest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "casesample/csv.hpp"
#include "casesample/error.hpp"
#include "casesample/headers.hpp"
#include "casesample/population.hpp"
#include "casesample/profile.hpp"
#include "test_support.hpp"

using namespace casesample;
using namespace casesample::test;

namespace {
const char* kHeader = "case_id,disposal_type,disposal_date,gender,rosh,swb\n";
const std::string kOk = "A1,Referral Order,2019-01-10,Male,Low,Medium\n";

Population parse(const std::string& text, const PopulationOptions& o = {}, CsvOptions c = {Encoding::utf8, false}) {
    auto r = CsvReader::from_string("pop.csv", text, c);
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

const std::string kMessy = "fixtures/exports/cms-export.csv";
const std::string kProblems = "fixtures/exports/cms-export-problems.csv";
}  // namespace

TEST_CASE("quote_value quotes one cell: cut to 60 characters, control and escape characters as \\xNN") {
    CHECK(quote_value("Extreme") == "'Extreme'");
    CHECK(quote_value("") == "''");
    CHECK(quote_value("a\x1b[31mred") == "'a\\x1B[31mred'");
    CHECK(quote_value("tab\there\r\n") == "'tab\\x09here\\x0D\\x0A'");
    CHECK(quote_value("bad \xE9 byte") == "'bad \\xE9 byte'");
    CHECK(quote_value("c1 \xC2\x9B control") == "'c1 \\xC2\\x9B control'");
    CHECK(quote_value("caf\xC3\xA9") == "'caf\xC3\xA9'");  // UTF-8 stays as it is
    std::string long_cell(200, 'x');
    CHECK(quote_value(long_cell) == "'" + std::string(60, 'x') + "...'");
    // Cut by characters, never inside one.
    std::string accents;
    for (int i = 0; i < 70; ++i) accents += "\xC3\xA9";
    CHECK(quote_value(accents).size() == 2 + 60 * 2 + 3);
    CHECK(quote_value("abc", 2) == "'ab...'");
}

TEST_CASE("an InputError is one line without control characters, whatever its thrower put in it") {
    InputError e("in\x1b.csv", 2, 3, "unknown key \x1b[2J and\na second line \xC2\x9B");
    CHECK(std::string(e.what()) == "in\\x1B.csv:2:3: unknown key \\x1B[2J and\\x0Aa second line \\xC2\\x9B");
    CHECK(e.message() == "unknown key \\x1B[2J and\\x0Aa second line \\xC2\\x9B");
    CHECK(e.file() == "in\x1b.csv");  // the path itself, to open
    // Escaping twice changes nothing (a message passed on with more words).
    CHECK(InputError("f", 1, 1, e.message()).message() == e.message());
}

TEST_CASE("no message quotes more than the offending cell: a file without its header row says so, echoing nothing") {
    // The header row is missing: the first line is a child's record.
    const std::string text = "YOT/2019/1012,Megan Evans,\"5 \"\"The Cottages\"\", Burnley\",Referral Order,03/10/2018,"
                             "Female,Low,Medium\n"
                             "YOT/2019/1013,Sam Nobody,\"1 High Street, Preston\",YRO,04/10/2018,Male,High,High\n";
    auto e = error_of(text);
    CHECK(e.find("pop.csv:1: this line does not look like a header row") == 0);
    CHECK(e.find("Is this the header row?") != std::string::npos);
    for (const char* secret : {"Megan", "Evans", "Cottages", "Burnley", "YOT/2019/1012", "Referral"})
        CHECK_MESSAGE(e.find(secret) == std::string::npos, secret);
    // A long or escaping cell is cut and escaped in every population message.
    auto e2 = error_of(std::string(kHeader) + kOk + "A2,Referral Order,2019-01-10,Male," + std::string(100, 'Z') +
                       "\x1b[2J,Low\n");
    CHECK(e2.find(std::string(60, 'Z') + "...'") != std::string::npos);
    CHECK(e2.find('\x1b') == std::string::npos);
    CHECK(e2.find(std::string(61, 'Z')) == std::string::npos);
}

TEST_CASE("headers match ignoring case, spaces and punctuation, and through the synonyms") {
    CHECK(normalize_header("Safety & Wellbeing") == "safetywellbeing");
    CHECK(normalize_header(" Case_ID ") == "caseid");
    auto p = parse("Case Ref,Name,Outcome,Outcome Date,Sex,RoSH,Safety & Wellbeing\n"
                   "A1,Someone,RO,03/10/2018 00:00,M,Low,Med\n");
    REQUIRE(p.size() == 1);
    CHECK(p.id(0) == "A1");
    CHECK(p.category(0, Stratifier::swb) == "Medium");
    auto q = parse("CASE-ID,Disposal Type,DISPOSAL_DATE,gender,R.O.S.H.,SWB\nA1,RO,2018-10-03,M,Low,Med\n");
    CHECK(q.size() == 1);
    // --column wins over a synonym, and is matched ignoring case and punctuation too.
    PopulationOptions o;
    o.column_names["case_id"] = "client number";
    auto r = parse("Case Ref,Client_Number,Outcome,Outcome Date,Sex,RoSH,SWB\nX,A9,RO,03/10/2018,M,Low,Med\n", o);
    CHECK(r.id(0) == "A9");
}

TEST_CASE("every missing required column is listed at once, with the closest header and the --column to type") {
    auto e = error_of("Case Ref,Outcome,Outcome Date,Sex,Risk Level,Safeguarding Wellbeing Lvl\n"
                      "A1,RO,03/10/2018,M,Low,Med\n");
    CHECK(e.find("pop.csv:1: no column for rosh or swb (line 1 has 6 columns: 'Case Ref', 'Outcome', 'Outcome Date', "
                 "'Sex', 'Risk Level', 'Safeguarding Wellbeing Lvl'); for rosh, did you mean 'Risk Level'? use --column "
                 "rosh=\"Risk Level\"; for swb, did you mean 'Safeguarding Wellbeing Lvl'? use --column "
                 "swb=\"Safeguarding Wellbeing Lvl\"") == 0);
    auto e2 = error_of("Case Ref,Outcome,Outcome Date,Sex,RoSH\nA1,RO,03/10/2018,M,Low\n");
    CHECK(e2.find("pop.csv:1: no column for swb (line 1 has 5 columns: 'Case Ref', 'Outcome', 'Outcome Date', 'Sex', "
                  "'RoSH'); none is like it, so use --column swb=\"ITS HEADER\"") == 0);
    // A header of many columns: the first 20 of them, and how many more.
    std::string wide = "Case Ref,Outcome,Outcome Date,Sex,RoSH";
    for (int i = 1; i <= 30; ++i) wide += ",Extra " + std::to_string(i);
    auto e4 = error_of(wide + "\n");
    CHECK(e4.find("(line 1 has 35 columns: 'Case Ref', 'Outcome', ") != std::string::npos);
    CHECK(e4.find(", 'Extra 15' and 15 more); none is like it") != std::string::npos);
    // Two headers that are both the case id: say which.
    auto e3 = error_of("Case Ref,case_ref,Outcome,Outcome Date,Sex,RoSH,SWB\nA,B,RO,03/10/2018,M,Low,Med\n");
    CHECK(e3.find("could both be case_id") != std::string::npos);
}

TEST_CASE("category matching ignores case, spaces, '-', '_' and '.': D.T.O. and y-r-o are accepted") {
    auto p = parse(std::string(kHeader) + "A1,D.T.O.,2018-10-03,M,Very_High,very-high\n"
                                          "A2,y-r-o,2018-10-03,f,v.h.,VeryHigh\n"
                                          "A3,Youth  Conditional-Caution,2018-10-03,MALE,low,L\n");
    CHECK(p.category(0, Stratifier::disposal_type) == "Detention and Training Order");
    CHECK(p.category(1, Stratifier::disposal_type) == "Youth Rehabilitation Order");
    CHECK(p.category(1, Stratifier::rosh) == "Very High");
    CHECK(p.category(2, Stratifier::disposal_type) == "Youth Conditional Caution");
}

TEST_CASE("--unknown-as covers blank gender, rosh and swb cells, blank ids, disposal types and dates stay errors") {
    PopulationOptions o;
    o.unknown_as = "Not known";
    auto p = parse(std::string(kHeader) + "A1,RO,2018-10-03,,,Low\nA2,RO,2018-10-03,M,Banana,\n", o);
    CHECK(p.category(0, Stratifier::gender) == "Not known");
    CHECK(p.category(0, Stratifier::rosh) == "Not known");
    CHECK(p.category(1, Stratifier::rosh) == "Not known");
    CHECK(p.category(1, Stratifier::swb) == "Not known");
    CHECK(error_of(std::string(kHeader) + "A1,,2018-10-03,M,Low,Low\n", o).find("empty disposal_type") !=
          std::string::npos);
}

TEST_CASE("duplicates: identical rows dropped on request and counted, conflicting ones an error naming every pair") {
    const std::string a = "A1,RO,2018-10-03,M,Low,Low\n", b = "B1,YRO,2018-10-04,F,Low,Low\n";
    PopulationOptions drop;
    drop.drop_identical_duplicates = true;
    auto p = parse(std::string(kHeader) + a + b + a + b + a, drop);
    CHECK(p.size() == 2);
    CHECK(p.identical_duplicates_dropped == 3);
    REQUIRE(p.line.size() == 2);
    CHECK(p.line[0] == 2);
    CHECK(p.line[1] == 3);
    // Without the option, an identical row is refused with the advice.
    CHECK(error_of(std::string(kHeader) + a + b + a).find("give --drop-identical-duplicates") != std::string::npos);
    // Conflicting duplicates: every pair, even with the option.
    auto e = error_of(std::string(kHeader) + a + b + "A1,RO,2018-10-03,M,High,Low\n" + "B1,YRO,2018-10-04,M,Low,Low\n",
                      drop);
    CHECK(e.find("pop.csv:4:1: case id 'A1' appears twice (first on line 2), with different values; 1 more "
                 "repeated: line 5") == 0);
}

TEST_CASE("encodings: windows-1252 and latin-1 transcoded, a bad byte only matters in a column the tool reads") {
    CHECK(transcode_to_utf8("caf\xE9 \x80", Encoding::windows1252) == "caf\xC3\xA9 \xE2\x82\xAC");
    CHECK(transcode_to_utf8("caf\xE9 \x80", Encoding::latin1) == "caf\xC3\xA9 \xC2\x80");
    CHECK(parse_encoding("Windows-1252") == Encoding::windows1252);
    CHECK(parse_encoding("ISO-8859-1") == Encoding::latin1);
    CHECK(!parse_encoding("utf-16"));
    // A bad byte in a column nobody reads is no error.
    auto p = parse("case_id,name,disposal_type,disposal_date,gender,rosh,swb\nA1,Ren\xE9,RO,2018-10-03,M,Low,Low\n");
    CHECK(p.size() == 1);
    // In a column the tool reads: an error that suggests --encoding.
    auto e = error_of(std::string(kHeader) + "A\xE9,RO,2018-10-03,M,Low,Low\n");
    CHECK(e.find("pop.csv:2:1: not UTF-8 text (found byte 0xE9)") == 0);
    CHECK(e.find("--encoding windows-1252") != std::string::npos);
    // Read as windows-1252 it is fine.
    PopulationOptions o;
    o.encoding = Encoding::windows1252;
    auto q = parse(std::string(kHeader) + "A\xE9,RO,2018-10-03,M,Low,Low\n", o, {Encoding::windows1252, false});
    CHECK(q.id(0) == "A\xC3\xA9");
}

TEST_CASE("dates: day first by default, --date-format for anything else, said in the error") {
    PopulationOptions o;
    auto p = parse(std::string(kHeader) + "A1,RO,3/10/2018,M,Low,Low\nA2,RO,03/10/2018 00:00,M,Low,Low\n"
                                          "A3,RO,2018-10-03T00:00:00,M,Low,Low\n");
    CHECK(p.disposal_date[0] == p.disposal_date[1]);
    CHECK(p.disposal_date[0] == p.disposal_date[2]);
    auto e = error_of(std::string(kHeader) + "A1,RO,10/03/18,M,Low,Low\n");
    CHECK(e.find("day first, as in the UK") != std::string::npos);
    CHECK(e.find("--date-format") != std::string::npos);
    o.date_format = "%m/%d/%y";
    auto q = parse(std::string(kHeader) + "A1,RO,10/03/18,M,Low,Low\n", o);
    CHECK(q.disposal_date[0] == p.disposal_date[0]);
}

TEST_CASE("collecting problems: every problem of every row, each with line and column, rows with problems left out") {
    std::vector<InputProblem> problems;
    PopulationOptions o;
    o.problems = &problems;
    auto p = parse(std::string(kHeader) + kOk + "A2,Banana,2019-02-30,Male,Extreme,Low\n" +
                       "A3,RO,2019-01-10,M,Low\n" + "A4,RO,2019-01-10,M,Low,Low,extra\n" + "A5,RO,2019-01-10,M,Low,Low\n" +
                       "A1,RO,2019-01-11,M,Low,Low\n" + "A6,\"RO\"x,2019-01-10,M,Low,Low\n" + "A7,RO,2019-01-10,M,Low,Low\n",
                   o);
    CHECK(p.size() == 3);  // A1, A5, A7
    std::vector<std::string> kinds;
    for (const auto& pr : problems) kinds.push_back(pr.kind + "@" + std::to_string(pr.line) + ":" + std::to_string(pr.column));
    CHECK(kinds == std::vector<std::string>{"unknown disposal_type@3:2", "unknown rosh@3:5", "bad disposal_date@3:3",
                                            "wrong number of fields@4:0", "wrong number of fields@5:0",
                                            "CSV structure@8:2", "conflicting duplicate case ids@7:1"});
}

TEST_CASE("profiles: TOML with columns, synonyms, date format, encoding, unknown-as, errors with line and column") {
    auto p = parse_profile("p.toml", "# our system\nencoding = \"windows-1252\"\ndate_format = \"%d.%m.%Y\"\n"
                                     "unknown_as = \"Not known\"\ndrop_identical_duplicates = true\n"
                                     "[columns]\nrosh = \"Risk Level\"\n[synonyms]\nswb = [\"Safeguarding\"]\n"
                                     "case_id = \"Child No\"\n");
    CHECK(p.encoding == Encoding::windows1252);
    CHECK(p.date_format == "%d.%m.%Y");
    CHECK(p.unknown_as == "Not known");
    CHECK(p.drop_identical_duplicates == true);
    CHECK(p.columns.at("rosh") == "Risk Level");
    CHECK(p.synonyms.at("swb") == std::vector<std::string>{"Safeguarding"});
    CHECK(p.synonyms.at("case_id") == std::vector<std::string>{"Child No"});
    auto err = [](const std::string& text) {
        try {
            parse_profile("p.toml", text);
        } catch (const InputError& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    CHECK(err("encoding = \"utf-16\"\n").find("p.toml:1:12: encoding must be") == 0);
    CHECK(err("\n\ncolour = \"red\"\n").find("p.toml:3:1: unknown setting 'colour'") == 0);
    CHECK(err("[columns]\nrisk = \"R\"\n").find("p.toml:2:1: no column 'risk'") == 0);
    CHECK(err("date_format = \"%d.%m\"\n").find("p.toml:1:15:") == 0);
    CHECK(err("encoding = \n").find("p.toml:1:") == 0);
}

TEST_CASE("lint lists every problem of a messy export at once, grouped by kind, and exits 2") {
    auto r = run_cli("lint " + source_path(kProblems) + " --fieldwork 2019-06-03");
    CHECK(r.exit_code == 2);
    for (const char* kind : {"unknown rosh (1):", "unknown swb (1):", "unknown gender (1):", "empty rosh (",
                             "unknown disposal_type (1):", "bad disposal_date (3):", "identical duplicate rows (2):",
                             "conflicting duplicate case ids (2):", "wrong number of fields (1):", "empty case_id (1):"})
        CHECK_MESSAGE(r.out.find(kind) != std::string::npos, kind);
    CHECK(r.out.find("... and ") != std::string::npos);  // more than 20 blank rosh cells: the first 20, then a count
    CHECK(r.out.find(":17:5: bad disposal_date '31/02/2019'") != std::string::npos);
    CHECK(r.out.find("not UTF-8") == std::string::npos);  // the bad byte is in Address, which is not read
    CHECK(r.out.find("Eligible cases for fieldwork on 2019-06-03") != std::string::npos);
    // No names or addresses anywhere.
    for (const char* secret : {"Mill Lan", "Burnley", "Preston", "Testwood", "Sampleton"})
        CHECK_MESSAGE(r.out.find(secret) == std::string::npos, secret);
    // JSON: the same, for scripts.
    auto j = run_cli("lint " + source_path(kProblems) + " --format json");
    CHECK(j.exit_code == 2);
    auto parsed = nlohmann::json::parse(j.out);
    CHECK(parsed["problems"].get<int>() > 25);
    // A clean file: exit 0, the counts per domain, a domain with no case a line with 0.
    auto ok = run_cli("lint " + source_path("fixtures/population.csv") + " --fieldwork 2019-06-03");
    CHECK(ok.exit_code == 0);
    CHECK(ok.out.find("no problems found") != std::string::npos);
    CHECK(ok.out.find("court               71") != std::string::npos);
}

TEST_CASE("the messy export: draw stops at its first problem pointing to lint, one draw with the right options works") {
    auto dir = temp_dir();
    auto first = run_cli("draw " + source_path(kMessy) + " --fieldwork 2019-06-03 --seed 1 --out " + dir + "/a");
    CHECK(first.exit_code == 2);
    CHECK(first.err.find("(to see every problem at once, run: casesample lint " + source_path(kMessy) +
                         " --fieldwork 2019-06-03)\n") != std::string::npos);
    auto lint = run_cli("lint " + source_path(kMessy) + " --fieldwork 2019-06-03 --seed 1 --out " + dir +
                        "/a --unknown-as \"Not known\" --drop-identical-duplicates");
    CHECK(lint.exit_code == 0);
    CHECK(lint.out.find("2 identical duplicate rows dropped") != std::string::npos);
    auto draw = run_cli("draw " + source_path(kMessy) + " --fieldwork 2019-06-03 --seed 1 --out " + dir +
                        "/b --unknown-as \"Not known\" --drop-identical-duplicates");
    CHECK(draw.exit_code == 0);
    CHECK(draw.out.find("2 identical duplicate rows dropped") != std::string::npos);
    auto manifest = nlohmann::json::parse(read_text(dir + "/b/manifest.json"));
    CHECK(manifest["identical_duplicates_dropped"] == 2);
    // The sample carries no name or address.
    auto sample = read_text(dir + "/b/sample.csv");
    CHECK(sample.find("Burnley") == std::string::npos);
    CHECK(sample.rfind("case_id,domain,disposal_type,gender,rosh,swb,", 0) == 0);
    // The same with the profile; it is recorded in the manifest with its hash, and verify re-draws it.
    auto prof = run_cli("draw " + source_path(kMessy) + " --fieldwork 2019-06-03 --seed 1 --out " + dir +
                        "/c --profile " + source_path("fixtures/exports/cms.toml"));
    CHECK(prof.exit_code == 0);
    CHECK(read_text(dir + "/c/sample.csv") == sample);
    auto m = nlohmann::json::parse(read_text(dir + "/c/manifest.json"));
    bool has_profile = false;
    for (const auto& in : m["inputs"]) has_profile |= in["role"] == "profile" && in["sha256"].get<std::string>().size() == 64;
    CHECK(has_profile);
    auto v = run_cli("verify " + dir + "/c/manifest.json");
    CHECK(v.exit_code == 0);
    CHECK(v.out.find("identical") == 0);
}

TEST_CASE("small things: --population per domain for size, a domain with no eligible case a line with 0, check "
          "without --fieldwork says what it took, --help names casesample") {
    auto s = run_cli("size --population court=71,out-of-court=39");
    CHECK(s.exit_code == 0);
    CHECK(s.out.find("court                 71") != std::string::npos);
    CHECK(s.out.find("out-of-court          39") != std::string::npos);
    CHECK(s.out.find("           32\n") != std::string::npos);
    auto bad = run_cli("size --population court=7x");
    CHECK(bad.exit_code == 2);
    CHECK(bad.err.find("got '7x'") != std::string::npos);
    // size, draw and lint: the out-of-court window holds no case.
    const std::string pop = source_path("fixtures/population.csv");
    auto z = run_cli("size --from " + pop + " --fieldwork 2019-06-03 --ooc-window 40-41");
    CHECK(z.exit_code == 0);
    CHECK(z.out.find("out-of-court           0") != std::string::npos);
    auto dir = temp_dir();
    auto d = run_cli("draw " + pop + " --fieldwork 2019-06-03 --ooc-window 40-41 --seed 1 --out " + dir + "/z");
    CHECK(d.exit_code == 0);
    CHECK(d.out.find("out-of-court: 0 eligible cases, none drawn") != std::string::npos);
    auto l = run_cli("lint " + pop + " --fieldwork 2019-06-03 --ooc-window 40-41");
    CHECK(l.out.find("out-of-court         0") != std::string::npos);
    auto c = run_cli("check " + pop + " " + dir + "/z/sample.csv");
    CHECK(c.out.find("No --fieldwork date: every case of every date") != std::string::npos);
    auto h = run_cli("size --help");
    CHECK(h.out.find("Usage: casesample size") != std::string::npos);
}

TEST_CASE("size --from needs only case ids, disposal types and dates: no stratifier column, nor a bad value in one") {
    const std::string pop = source_path("fixtures/population.csv");
    auto want = run_cli("size --from " + pop + " --fieldwork 2019-06-03 --format json");
    REQUIRE(want.exit_code == 0);
    auto dir = temp_dir();
    // The three columns it reads, under synonyms as everywhere.
    std::string three = "Case Ref,Outcome,Outcome Date\n";
    auto table = read_table(pop);
    for (const auto& row : table.rows)
        three += row[table.col("case_id")] + "," + row[table.col("disposal_type")] + "," +
                 row[table.col("disposal_date")] + "\n";
    write_text(dir + "/three.csv", three);
    auto r = run_cli("size --from " + dir + "/three.csv --fieldwork 2019-06-03 --format json");
    CHECK_MESSAGE(r.exit_code == 0, r.err);
    CHECK(r.out == want.out);
    // A stratifier column it does not use may hold anything.
    auto text = read_text(pop);
    auto second = text.find('\n') + 1;
    auto odd = text;
    odd.replace(odd.find(",Low,", second), 5, ",Unheard-of,");
    write_text(dir + "/odd.csv", odd);
    r = run_cli("size --from " + dir + "/odd.csv --fieldwork 2019-06-03 --format json");
    CHECK_MESSAGE(r.exit_code == 0, r.err);
    CHECK(r.out == want.out);
    // What it uses is still required and checked.
    write_text(dir + "/two.csv", "Outcome,Outcome Date\nReferral Order,2018-10-16\n");
    r = run_cli("size --from " + dir + "/two.csv --fieldwork 2019-06-03");
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("two.csv:1: no column for case_id (line 1 has 2 columns: 'Outcome', 'Outcome Date')") !=
          std::string::npos);
    CHECK(r.err.find("gender") == std::string::npos);
    // draw, which balances on the stratifiers, still needs them.
    r = run_cli("draw " + dir + "/three.csv --fieldwork 2019-06-03 --seed 1 --out " + dir + "/s");
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("gender") != std::string::npos);
}

TEST_CASE("report and audit read other headers with --column, judgements: twice is an error, a published table works") {
    auto dir = temp_dir();
    const std::string answers = source_path("fixtures/answers/lancashire-2019-answers.csv");
    const std::string published = source_path("fixtures/published/lancashire-2019.csv");
    // The answers with the case id under another header.
    auto text = read_text(answers);
    text.replace(text.find("case_id"), 7, "Case Ref");
    write_text(dir + "/answers.csv", text);
    const std::string pop = " --population court=71,out-of-court=39 --draws 0";
    auto plain = run_cli("report " + answers + pop);
    auto renamed = run_cli("report " + dir + "/answers.csv" + pop + " --column case_id=\"case ref\"");
    REQUIRE(renamed.exit_code == 0);
    CHECK(renamed.out == plain.out);
    auto missing = run_cli("report " + dir + "/answers.csv" + pop + " --column case_id=Reference");
    CHECK(missing.exit_code == 2);
    CHECK(missing.err.find("the header has no column 'Reference'") != std::string::npos);
    // The published table under other headers.
    auto table = read_text(published);
    table.replace(0, 8, "Item,Result");
    write_text(dir + "/published.csv", table);
    const std::string cases = " --cases court=50,out-of-court=32";
    auto a1 = run_cli("audit " + published + cases);
    auto a2 = run_cli("audit " + dir + "/published.csv" + cases + " --column id=item --column value=RESULT");
    CHECK(a2.exit_code == a1.exit_code);
    CHECK(a2.out == a1.out);
    // A standard judged twice: in a file, by flags, or by both.
    write_text(dir + "/twice.csv", "standard,rating\n1.1,Good\n1.2,Good\n1.1,Outstanding\n");
    auto t1 = run_cli("report " + answers + pop + " --judgements " + dir + "/twice.csv");
    CHECK(t1.exit_code == 2);
    CHECK(t1.err.find("twice.csv:4:2: standard 1.1 is judged twice") != std::string::npos);
    auto t2 = run_cli("report " + answers + pop + " --judgement 1.1=Good --judgement 1.1=Outstanding");
    CHECK(t2.exit_code == 2);
    CHECK(t2.err.find("standard 1.1 is judged twice") != std::string::npos);
    auto t3 = run_cli("report " + answers + pop + " --judgements " + published + " --judgement 1.1=Good");
    CHECK(t3.exit_code == 2);
    // A published table as the judgements file, whatever the case of its Overall row.
    auto upper = read_text(published);
    auto at = upper.find("overall");
    if (at == std::string::npos) at = upper.find("Overall");
    REQUIRE(at != std::string::npos);
    upper.replace(at, 7, "OVERALL");
    write_text(dir + "/upper.csv", upper);
    auto j1 = run_cli("report " + answers + pop + " --judgements " + published);
    auto j2 = run_cli("report " + answers + pop + " --judgements " + dir + "/upper.csv");
    REQUIRE(j1.exit_code == 0);
    CHECK(j2.exit_code == 0);
    CHECK(j2.out == j1.out);
}

TEST_CASE("report --sample-dir lists every answered case not in the sample and notes sampled cases without answers") {
    auto dir = temp_dir();
    auto draw = run_cli("draw " + source_path("fixtures/population.csv") + " --fieldwork 2019-06-03 --seed 2019 --out " +
                        dir + "/sample");
    REQUIRE(draw.exit_code == 0);
    auto sample = read_table(dir + "/sample/sample.csv");
    std::string answers = "case_id,domain,2.1.1,3.1.1\n";
    for (std::size_t i = 0; i + 3 < sample.rows.size(); ++i) {  // the last three sampled cases are not answered
        const auto& domain = sample.rows[i][sample.col("domain")];
        answers += sample.rows[i][sample.col("case_id")] + "," + domain + (domain == "court" ? ",Yes,\n" : ",,Yes\n");
    }
    write_text(dir + "/answers.csv", answers);
    auto r = run_cli("report " + dir + "/answers.csv --sample-dir " + dir + "/sample --draws 0");
    CHECK(r.exit_code == 0);
    CHECK(r.err.find("3 of the " + std::to_string(sample.rows.size()) + " sampled cases") != std::string::npos);
    CHECK(r.err.find(sample.rows.back()[sample.col("case_id")]) != std::string::npos);
    // Two strangers: both listed, with their lines.
    write_text(dir + "/strangers.csv", answers + "X1,court,Yes,\nX2,court,No,\n");
    auto s = run_cli("report " + dir + "/strangers.csv --sample-dir " + dir + "/sample --draws 0");
    CHECK(s.exit_code == 2);
    CHECK(s.err.find("2 answered cases are not in it: 'X1' (line ") != std::string::npos);
    CHECK(s.err.find("'X2' (line ") != std::string::npos);
}

TEST_CASE("lint counts the values each kind of problem found: what to map or correct, most rows first") {
    const std::string path = temp_dir() + "/values.csv";
    {
        std::ofstream out(path, std::ios::binary);
        out << "case_id,disposal_type,disposal_date,gender,rosh,swb\n";
        for (int i = 0; i < 12; ++i) out << "A" << i << ",Referral Order,2018-11-01,Mail,Low,Low\n";
        out << "B1,Referral Order,2018-11-01,Femail,Low,Low\n";
        for (int i = 0; i < 3; ++i) out << "C" << i << ",Referral Order,2018-11-01,Fem,Low,Low\n";
        for (int i = 0; i < 13; ++i) out << "D" << i << ",Referral Order,2018-11-01,Male,Low,Low\n";
        out << "E1,Referral Order,2018-13-01,Male,Low,Low\n";
        out << "D0,Referral Order,2018-11-01,Male,Low,Low\n";  // a duplicate: a kind without a value
    }
    auto r = run_cli("lint " + path + " --fieldwork 2019-06-03");
    CHECK(r.exit_code == 2);
    CHECK(r.out.find("unknown gender (16):\n  values: 'Mail' on 12 rows, 'Fem' on 3 rows, 'Femail' on 1 row\n") !=
          std::string::npos);
    CHECK(r.out.find("bad disposal_date (1):\n  value: '2018-13-01' on 1 row\n") != std::string::npos);
    CHECK(r.out.find("identical duplicate rows (1):\n  values") == std::string::npos);
    CHECK(r.out.find("identical duplicate rows (1):\n  value") == std::string::npos);
    auto j = run_cli("lint " + path + " --fieldwork 2019-06-03 --format json");
    auto parsed = nlohmann::json::parse(j.out);
    const auto& gender = parsed["kinds"][0];
    CHECK(gender["kind"] == "unknown gender");
    CHECK(gender["values"] == nlohmann::json::parse(R"([{"value":"Mail","rows":12},{"value":"Fem","rows":3},
                                                         {"value":"Femail","rows":1}])"));
    CHECK(gender["problems"][0]["value"] == "Mail");
    bool duplicate_kind = false;
    for (const auto& k : parsed["kinds"])
        if (k["kind"] == "identical duplicate rows") {
            duplicate_kind = true;
            CHECK_FALSE(k.contains("values"));
            CHECK_FALSE(k["problems"][0].contains("value"));
        }
    CHECK(duplicate_kind);
    // More than ten values: the ten with most rows, then how many others.
    {
        std::ofstream out(path, std::ios::binary);
        out << "case_id,disposal_type,disposal_date,gender,rosh,swb\n";
        for (int v = 0; v < 13; ++v)
            for (int i = 0; i <= v; ++i) out << "X" << v << "-" << i << ",Referral Order,2018-11-01,Male,R" << v << ",Low\n";
    }
    r = run_cli("lint " + path + " --fieldwork 2019-06-03");
    CHECK(r.out.find("  values: 'R12' on 13 rows, 'R11' on 12 rows,") != std::string::npos);
    CHECK(r.out.find("'R3' on 4 rows and 3 other values\n") != std::string::npos);
}
