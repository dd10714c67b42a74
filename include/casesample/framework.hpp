#pragma once
// The inspection framework as data: domains, standards, key questions with their wording, the rating
// scale (band thresholds and scores), the rule that a standard takes its lowest key-question band, and the
// overall bands of the total score. fixtures/frameworks/hmip-youth-2018.json is the default (compiled in);
// users replace it with --framework FILE.
//
// File format (JSON object):
//   name            text
//   ratings         array, lowest first: {name, score, min_percent [, label]}; min_percent of the first is 0,
//                   thresholds strictly increase, scores strictly increase
//   standard_rule   "lowest" (the only rule: a standard takes the lowest band of its key questions)
//   overall         array, lowest first: {rating, min_score, max_score}; contiguous, from 0 to the maximum
//                   total score (scores of the top rating times the number of standards)
//   domains         array of {id, name, rated_by: "judgement" | "key questions", sample_domain (needed when
//                   rated by key questions: the sample domain whose cases answer its questions, e.g. "court"),
//                   standards: [{id, name [, description], key_questions: [{id, text}]}]}
// Ids are unique across the whole framework.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace casesample {

struct RatingLevel {
    std::string name;          // "Outstanding"
    int score = 0;             // 3
    double min_percent = 0;    // 80: a key question is in this band from this percentage up
    std::string label;         // "Large majority: 80%+"
};

struct OverallBand {
    std::string rating;  // one of the rating names
    int min_score = 0;
    int max_score = 0;
};

struct KeyQuestion {
    std::string id;
    std::string text;
};

struct Standard {
    std::string id;
    std::string name;
    std::string description;
    std::vector<KeyQuestion> key_questions;
};

struct Domain {
    std::string id;
    std::string name;
    bool judged = false;        // rated by inspectors' judgement (an input), not from key-question answers
    std::string sample_domain;  // for domains rated from key questions: "court", "out-of-court"
    std::vector<Standard> standards;
};

// Where a key question or a standard sits in the framework.
struct QuestionPlace {
    std::size_t domain = 0;
    std::size_t standard = 0;
    std::size_t question = 0;
};
struct StandardPlace {
    std::size_t domain = 0;
    std::size_t standard = 0;
};

struct Framework {
    std::string name;
    std::string source;  // file it was read from ("built-in hmip-youth-2018" for the default)
    std::vector<RatingLevel> ratings;  // lowest first
    std::vector<OverallBand> overall;  // lowest first
    std::vector<Domain> domains;

    // The default framework (fixtures/frameworks/hmip-youth-2018.json, compiled in).
    static const Framework& builtin();
    // Reads and checks a framework file; throws InputError naming the file (and line:column for JSON
    // syntax errors) and what is wrong.
    static Framework load(const std::string& path);
    static Framework parse(const std::string& name, std::string_view text);

    std::optional<QuestionPlace> find_question(std::string_view id) const;
    std::optional<StandardPlace> find_standard(std::string_view id) const;
    // Index of a rating by name (case-insensitive, spaces/hyphens folded); nullopt when unknown.
    std::optional<std::size_t> find_rating(std::string_view name) const;
    // "Inadequate, Requires improvement, Good, Outstanding"
    std::string rating_names() const;
    // Index of the domain whose cases come from this sample domain (matched like find_rating), or whose
    // id or name is `name`.
    std::optional<std::size_t> find_domain(std::string_view name) const;
    std::size_t standard_count() const;
    int max_total_score() const;

    const KeyQuestion& question(const QuestionPlace& p) const {
        return domains[p.domain].standards[p.standard].key_questions[p.question];
    }
    const Standard& standard(const StandardPlace& p) const { return domains[p.domain].standards[p.standard]; }
};

}  // namespace casesample
