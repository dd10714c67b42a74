#pragma once
// Reading JSON input files (frameworks, manifests) with every failure as an InputError at FILE:LINE:COLUMN:
// syntax errors, numbers out of the range of a double (1e400), and nesting deeper than any file casesample
// reads or writes (256 levels).
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

namespace casesample {

// Parses `text`, read from `file`. `what` names the kind of file in messages ("framework", "manifest").
nlohmann::json parse_json_input(const std::string& file, std::string_view text, const std::string& what);

// 1-based line and column where the value at JSON pointer `pointer` ("/ratings/1/score") starts in `text`: at
// its key for a member of an object, at the value itself for an element of a list. When no value has that
// pointer, the place of the nearest one that encloses it ("/ratings/1", then "/ratings", then the whole text).
// For messages about a value that is valid JSON but wrong for its reader; `text` is JSON parse_json_input read.
std::pair<std::size_t, std::size_t> json_place(std::string_view text, const std::string& pointer);

// 1-based line and column of byte offset `at` of `text`.
std::pair<std::size_t, std::size_t> text_place(std::string_view text, std::size_t at);

}  // namespace casesample
