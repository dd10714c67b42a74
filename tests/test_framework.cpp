#include <doctest/doctest.h>

#include <string>

#include "casesample/error.hpp"
#include "casesample/framework.hpp"
#include "casesample/json_input.hpp"
#include "test_support.hpp"

using namespace casesample;

namespace {

// A small valid framework to break in one place at a time.
std::string small_framework() {
    return R"({
  "name": "small",
  "ratings": [
    {"name": "Low", "score": 0, "min_percent": 0},
    {"name": "High", "score": 1, "min_percent": 50}
  ],
  "standard_rule": "lowest",
  "overall": [{"rating": "Low", "min_score": 0, "max_score": 0}, {"rating": "High", "min_score": 1, "max_score": 2}],
  "domains": [
    {"id": "1", "name": "Judged", "rated_by": "judgement",
     "standards": [{"id": "1.1", "name": "Leadership", "key_questions": [{"id": "1.1.1", "text": "Is it led?"}]}]},
    {"id": "2", "name": "Court", "rated_by": "key questions", "sample_domain": "court",
     "standards": [{"id": "2.1", "name": "Assessment", "key_questions": [{"id": "2.1.1", "text": "Assessed?"}]}]}
  ]
})";
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
    auto pos = text.find(from);
    REQUIRE(pos != std::string::npos);
    return text.replace(pos, from.size(), to);
}

std::string error_of(const std::string& text) {
    try {
        Framework::parse("fw.json", text);
    } catch (const InputError& e) {
        return e.what();
    }
    return "no error";
}

}  // namespace

TEST_CASE("the built-in HMI Probation framework has 3 domains, 12 standards and the Annex 2 rules") {
    const auto& fw = Framework::builtin();
    REQUIRE(fw.domains.size() == 3);
    CHECK(fw.domains[0].judged);
    CHECK(fw.domains[0].name == "Organisational delivery");
    CHECK_FALSE(fw.domains[1].judged);
    CHECK(fw.domains[1].sample_domain == "court");
    CHECK(fw.domains[2].sample_domain == "out-of-court");
    CHECK(fw.standard_count() == 12);
    CHECK(fw.max_total_score() == 36);
    REQUIRE(fw.ratings.size() == 4);
    CHECK(fw.rating_names() == "Inadequate, Requires improvement, Good, Outstanding");
    CHECK(fw.ratings[1].min_percent == 50);
    CHECK(fw.ratings[2].min_percent == 65);
    CHECK(fw.ratings[3].min_percent == 80);
    for (int s = 0; s < 4; ++s) CHECK(fw.ratings[static_cast<std::size_t>(s)].score == s);
    REQUIRE(fw.overall.size() == 4);
    CHECK(fw.overall[0].max_score == 6);
    CHECK(fw.overall[1].min_score == 7);
    CHECK(fw.overall[1].max_score == 18);
    CHECK(fw.overall[2].max_score == 30);
    CHECK(fw.overall[3].max_score == 36);
    // Key questions: 3 + 4 + 3 + 4 in domain 1, 3 x 4 in domain 2, 3 + 3 + 3 + 2 in domain 3.
    std::size_t questions = 0;
    for (const auto& d : fw.domains)
        for (const auto& s : d.standards) questions += s.key_questions.size();
    CHECK(questions == 14 + 12 + 11);
    auto q = fw.find_question("3.4.2");
    REQUIRE(q);
    CHECK(fw.question(*q).text == "Does the YOT work effectively with the police in implementing the out-of-court disposal?");
    CHECK(fw.standard(*fw.find_standard("2.4")).name == "Reviewing");
    CHECK(fw.find_rating("requires-improvement") == std::size_t{1});
    CHECK(fw.find_domain("Out of court") == std::size_t{2});
    CHECK(fw.find_domain("2") == std::size_t{1});
    CHECK_FALSE(fw.find_domain("custody"));
}

TEST_CASE("the shipped framework file is the one compiled in") {
    auto fw = Framework::load(test::source_path("fixtures/frameworks/hmip-youth-2018.json"));
    CHECK(fw.name == Framework::builtin().name);
    CHECK(fw.standard_count() == Framework::builtin().standard_count());
}

TEST_CASE("a malformed framework is an input error naming the file, the line and column of the key, and what is wrong") {
    CHECK_NOTHROW(Framework::parse("fw.json", small_framework()));
    struct Bad {
        const char* what;
        std::string text;
        const char* message;
        const char* place = "";  // LINE:COLUMN: the key concerned, else its object
    };
    std::string ok = small_framework();
    std::vector<Bad> bad = {
        {"not JSON", "{\n  \"name\": \"x\",\n  oops\n}", "not a readable framework: this is not valid JSON", "3:3"},
        {"an array", "[]", "top level: expected a JSON object", "1:1"},
        {"no name", replaced(ok, "\"name\": \"small\",", ""), "top level: missing \"name\"", "1:1"},
        {"no ratings", replaced(ok, "\"ratings\"", "\"rating\""), "missing \"ratings\"", "1:1"},
        {"thresholds out of order", replaced(ok, "\"min_percent\": 50", "\"min_percent\": 0"),
         "ratings[1]: \"min_percent\" must be above the previous rating's (0)", "5:34"},
        {"threshold above 100", replaced(ok, "\"min_percent\": 50", "\"min_percent\": 150"),
         "\"min_percent\" must be between 0 and 100", "5:34"},
        {"score not a number", replaced(ok, "\"score\": 1", "\"score\": \"one\""),
         "ratings[1]: \"score\" must be a whole number, got 'one'", "5:22"},
        {"unknown rule", replaced(ok, "\"lowest\"", "\"average\""), "unknown rule \"average\"", "7:3"},
        {"bad rated_by", replaced(ok, "\"judgement\"", "\"vote\""), "\"rated_by\" must be \"judgement\" or \"key questions\"", "10:35"},
        {"no sample domain", replaced(ok, "\"sample_domain\": \"court\",", ""), "domains[1]: missing \"sample_domain\"", "12:5"},
        {"duplicate id", replaced(ok, "\"2.1.1\"", "\"1.1.1\""), "id \"1.1.1\" is used twice", "13:75"},
        {"no key questions", replaced(ok, "[{\"id\": \"2.1.1\", \"text\": \"Assessed?\"}]", "[]"),
         "\"key_questions\" must be a non-empty array", "13:56"},
        {"empty question text", replaced(ok, "\"Assessed?\"", "\"\""), "\"text\" is empty", "13:90"},
        {"overall rating unknown", replaced(ok, "{\"rating\": \"Low\"", "{\"rating\": \"Poor\""),
         "overall[0]: unknown rating \"Poor\" (expected Low, High)", "8:16"},
        {"overall gap", replaced(ok, "\"min_score\": 1", "\"min_score\": 2"), "overall[1]: \"min_score\" must be 1", "8:85"},
        {"overall short", replaced(ok, "\"max_score\": 2", "\"max_score\": 1"),
         "the last band must end at the highest possible total score, 2", "8:101"},
    };
    for (const auto& b : bad) {
        INFO(std::string(b.what));
        auto message = error_of(b.text);
        CHECK(message.rfind("fw.json:" + std::string(b.place) + ": ", 0) == 0);
        CHECK(message.find(b.message) != std::string::npos);
        if (message.find(b.message) == std::string::npos) MESSAGE(message);
    }
}

TEST_CASE("a framework file that cannot be read is an input error") {
    CHECK_THROWS_AS(Framework::load("/nonexistent/framework.json"), InputError);
}

TEST_CASE("json_place: the line and column of a value by its JSON pointer, else of the nearest enclosing value") {
    const std::string text = "{\"a\": [1, {\"b\\\"q\": 2, \"c/d~\": [\"x,]}\", 3]}],\n \"e\": {\"f\": null}, \"a2\": 4}";
    auto place = [&](const std::string& pointer) {
        auto [line, column] = json_place(text, pointer);
        return std::to_string(line) + ":" + std::to_string(column);
    };
    CHECK(place("") == "1:1");
    CHECK(place("/a") == "1:2");
    CHECK(place("/a/0") == "1:8");
    CHECK(place("/a/1") == "1:11");
    CHECK(place("/a/1/b\"q") == "1:12");
    CHECK(place("/a/1/c~1d~0") == "1:23");
    CHECK(place("/a/1/c~1d~0/1") == "1:40");  // past a string holding , ] and }
    CHECK(place("/e/f") == "2:8");
    CHECK(place("/a2") == "2:20");
    CHECK(place("/a/7/x") == "1:2");  // no such element: its list
    CHECK(place("/zz") == "1:1");
}
