#pragma once
// The words a population file may use for each sampling variable, their synonyms, and which domain
// (court / out-of-court) each disposal type belongs to. Loaded from data (fixtures/vocabulary.csv is the
// default, compiled in); users replace it (--vocabulary) or extend it (--add-vocabulary).
//
// File format (CSV): variable,category,synonyms,domain
//   variable  gender, rosh, swb, disposal_type, or any other sampling variable (ethnicity, age_band, ...):
//             letters, digits and '_', starting with a letter
//   category  the canonical label printed in every output; empty on a row that names other headers of the
//             variable's column (in `synonyms`, as in fixtures/headers.csv)
//   synonyms  other spellings separated by '|' (matching ignores case, spaces, '-', '_' and '.')
//   domain    for disposal_type rows only: the sample domain the disposal type belongs to
#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace casesample {

class CsvReader;

// A sampling variable of the vocabulary: an index into its variables. The four every vocabulary has come
// first, in the order every output lists them; variables a vocabulary file adds (ethnicity, age band, ...)
// follow in the order the file first names them.
enum class Stratifier : std::uint8_t { disposal_type = 0, gender = 1, rosh = 2, swb = 3 };
inline constexpr std::size_t kBuiltinStratifierCount = 4;
// The stratifiers of a draw when none are chosen: disposal_type, gender, rosh, swb.
const std::vector<Stratifier>& default_stratifiers();
// The most stratifiers a draw balances on (see docs/sampling.md, "Any stratifiers", for why).
inline constexpr std::size_t kMaxStratifiers = 8;

// Lowercase, without spaces, '-', '_' and '.': "D.T.O." -> "dto", "Y-R-O" -> "yro", "Very High" -> "veryhigh".
std::string normalize_label(std::string_view text);

class Vocabulary {
public:
    // The default vocabulary shipped in fixtures/vocabulary.csv.
    static const Vocabulary& builtin();
    static Vocabulary load(const std::string& path);
    static Vocabulary parse(CsvReader& reader);
    // Adds the categories, synonyms and domains of `more`; a synonym that already means something
    // else is an error.
    void extend(const Vocabulary& more, const std::string& source);

    // Every variable: the four built-in ones, then the ones the files added.
    std::size_t variable_count() const noexcept { return variables_.size(); }
    const std::string& name(Stratifier s) const { return variables_[idx(s)].name; }
    // The variable of that name (matched as labels are), if the vocabulary has it.
    std::optional<Stratifier> find_variable(std::string_view name) const;
    // --stratify "gender,disposal_type,rosh,swb,ethnicity": the variables named, in the vocabulary's order
    // (the four built-in ones first, so the order typed does not change the draw). Throws UsageError naming an
    // unknown variable (with the closest name), one named twice, a list without disposal_type, more than
    // kMaxStratifiers, or a variable without categories.
    std::vector<Stratifier> parse_stratifiers(std::string_view list) const;
    // "disposal_type, gender, rosh, swb"
    std::string stratifier_names(const std::vector<Stratifier>& stratifiers) const;

    const std::vector<std::string>& categories(Stratifier s) const { return variables_[idx(s)].categories; }
    // Other header names of the variable's column, from rows without a category.
    const std::vector<std::string>& header_synonyms(Stratifier s) const { return variables_[idx(s)].header_synonyms; }
    std::optional<std::uint16_t> match(Stratifier s, std::string_view value) const;
    // Adds a category (used by --unknown-as); returns its code, or the existing one.
    std::uint16_t add_category(Stratifier s, const std::string& label);
    // "Low, Medium, High, Very High"
    std::string expected(Stratifier s) const;

    const std::vector<std::string>& domains() const { return domains_; }
    std::optional<std::uint8_t> domain_index(std::string_view name) const;
    // Domain of a disposal-type category.
    std::uint8_t domain_of(std::uint16_t disposal_type) const { return disposal_domain_[disposal_type]; }

private:
    static std::size_t idx(Stratifier s) { return static_cast<std::size_t>(s); }
    // Appends a variable named `name`; calls `fail` (which throws) when the name cannot be one.
    Stratifier new_variable(std::string_view name, const std::function<void(const std::string&)>& fail);
    void add(Stratifier s, const std::string& category, const std::vector<std::string>& synonyms,
             const std::string& domain, const std::string& source, std::size_t line);

    struct Variable {
        std::string name;
        std::vector<std::string> categories;
        std::unordered_map<std::string, std::uint16_t> lookup;  // normalised spelling -> code
        std::vector<std::string> header_synonyms;
    };
    std::vector<Variable> variables_ = {
        {"disposal_type", {}, {}, {}}, {"gender", {}, {}, {}}, {"rosh", {}, {}, {}}, {"swb", {}, {}, {}}};
    std::vector<std::string> domains_;
    std::vector<std::uint8_t> disposal_domain_;
};

}  // namespace casesample
