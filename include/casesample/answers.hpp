#pragma once
// Inspectors' answers to the key questions, read from a CSV file in one of three layouts:
//   wide       case_id [, domain], 2.1.1, 2.1.2, ...   one row per case, one column per key question
//   long       case_id, question, answer [, domain]     one row per answer
//   aggregate  question, yes, relevant [, cases]        totals only (no case-level answers)
// Answers match case-insensitively: Yes / Y, No / N, and N/A / NA / "not relevant" / "not applicable" or a
// blank cell for a question that does not apply to the case. Anything else is an InputError naming
// file:line:column. A column of a wide file that is neither case_id, domain nor a key question of the framework
// is not read (listed in columns_not_read), unless it looks like a mistyped key question (2.1.l, 2.1.10, Q2.1.1):
// then an InputError at line 1, that column, with the closest key question; columns named in
// AnswerReadOptions::ignore_columns are passed over whatever they look like.
//
// A case belongs to one framework domain rated from key questions (court or out-of-court cases): given by the
// domain column (a sample domain such as "court", or a domain id or name), or else the domain of the questions
// it answers.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "casesample/framework.hpp"
#include "casesample/robustness.hpp"  // QuestionTotals, DomainAnswers

namespace casesample {

enum class AnswerLayout { wide, long_form, aggregate };
std::string_view to_string(AnswerLayout l);  // "wide", "long", "aggregate"

// 1 yes, 0 no, -1 not relevant; nullopt when the text is none of the accepted answers.
std::optional<std::int8_t> parse_answer(std::string_view text);

struct CaseAnswers {
    std::string case_id;
    std::size_t domain = 0;           // framework domain index
    std::size_t line = 0;             // first line of the case in the file
    std::vector<std::int8_t> answers;  // one per key question of the domain (domain_questions order)
};

struct AnswerSet {
    std::string file;
    AnswerLayout layout = AnswerLayout::wide;
    std::vector<CaseAnswers> cases;  // case-level layouts
    // Per framework domain, per key question of the domain: yes and relevant in the sample.
    std::vector<std::vector<QuestionTotals>> totals;
    // Per framework domain: whether any answer or total was given for its questions.
    std::vector<bool> answered;
    // Per framework domain, per key question: whether the question appears in the input at all.
    std::vector<std::vector<bool>> present;
    // Per framework domain: cases read (case-level: cases in the file; aggregate: the `cases` column, or
    // nullopt when the file does not give it).
    std::vector<std::optional<std::int64_t>> cases_read;
    // Wide layout: header cells (trimmed) of the columns not read as answers (neither case_id, domain nor a key
    // question: inspector, notes ...), and of the columns passed over as asked (ignore_columns).
    std::vector<std::string> columns_not_read;
    std::vector<std::string> columns_ignored;
    bool case_level() const noexcept { return layout != AnswerLayout::aggregate; }
};

struct AnswerReadOptions {
    // Headers of a wide file's columns that hold no answers, even if they look like key questions (matched
    // ignoring case, spaces and punctuation); each must be in the header.
    std::vector<std::string> ignore_columns;
};

// The key questions of a framework domain, in framework order.
std::vector<QuestionPlace> domain_questions(const Framework& framework, std::size_t domain);

AnswerSet read_answers(const std::string& path, const Framework& framework, const AnswerReadOptions& options = {});
AnswerSet parse_answers(const std::string& name, std::string text, const Framework& framework,
                        const AnswerReadOptions& options = {});

// A sample folder written by `casesample draw`: the sampled cases and the eligible population of each domain.
struct SampleFolder {
    std::string sample_file;    // DIR/sample.csv
    std::string manifest_file;  // DIR/manifest.json
    std::map<std::string, std::string> case_domain;  // case_id -> sample domain as written
    std::map<std::string, std::int64_t> eligible;    // normalized sample domain -> eligible cases N
};
// Reads DIR/sample.csv (columns case_id, domain, ...) and DIR/manifest.json (eligible counts per domain).
SampleFolder read_sample_folder(const std::string& dir);

// Every case of `answers` must be in the sample, in the same domain; throws InputError at the first such case's
// line, listing every answered case that is not in the sample.
void check_cases_in_sample(const AnswerSet& answers, const Framework& framework, const SampleFolder& sample);
// The sampled cases that have no answers (in case id order).
std::vector<std::string> sampled_without_answers(const AnswerSet& answers, const SampleFolder& sample);

// The Pólya-posterior input of one framework domain: its read cases' answers. `population` is N.
DomainAnswers domain_answers(const AnswerSet& answers, std::size_t domain, std::int64_t population);

}  // namespace casesample
