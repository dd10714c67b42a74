#include "casesample/profile.hpp"

#include <toml++/toml.h>

#include "casesample/dates.hpp"
#include "casesample/error.hpp"
#include "casesample/text_input.hpp"
#include "casesample/output.hpp"

namespace casesample {
namespace {

const char* const kColumns[] = {"case_id", "disposal_type", "disposal_date", "gender", "rosh", "swb"};

bool known_column(const std::string& name) {
    for (auto c : kColumns)
        if (name == c) return true;
    return false;
}

std::string known_columns() { return "case_id, disposal_type, disposal_date, gender, rosh, swb"; }

}  // namespace

Profile parse_profile(const std::string& name, const std::string& text) {
    refuse_not_text(name, text, "TOML");
    toml::table root;
    try {
        root = toml::parse(text, name);
    } catch (const toml::parse_error& e) {
        throw InputError(name, e.source().begin.line, e.source().begin.column,
                         "not a readable profile (TOML): " + std::string(e.description()));
    }
    auto fail = [&](const toml::node& node, const std::string& message) -> void {
        throw InputError(name, node.source().begin.line, node.source().begin.column, message);
    };
    auto fail_key = [&](const toml::key& key, const std::string& message) -> void {
        throw InputError(name, key.source().begin.line, key.source().begin.column, message);
    };
    auto text_of = [&](const toml::node& node, const std::string& key) {
        auto v = node.value<std::string>();
        if (!v) fail(node, quote_value(key) + " must be text in double quotes");
        return *v;
    };
    Profile p;
    for (const auto& [key, node] : root) {
        std::string k(key.str());
        if (k == "encoding") {
            auto text = text_of(node, k);
            auto e = parse_encoding(text);
            if (!e) fail(node, "encoding must be \"utf-8\", \"windows-1252\" or \"latin-1\"; got " + quote_value(text));
            p.encoding = e;
        } else if (k == "date_format") {
            p.date_format = text_of(node, k);
            try {
                check_date_format(p.date_format);
            } catch (const UsageError& e) {
                fail(node, e.what());
            }
        } else if (k == "unknown_as") {
            p.unknown_as = text_of(node, k);
            if (p.unknown_as->empty()) fail(node, "unknown_as must not be empty");
        } else if (k == "drop_identical_duplicates") {
            auto b = node.value<bool>();
            if (!b) fail(node, "drop_identical_duplicates must be true or false");
            p.drop_identical_duplicates = *b;
        } else if (k == "columns" || k == "synonyms") {
            const auto* table = node.as_table();
            if (!table) fail(node, quote_value(k) + " must be a table: [" + k + "] followed by lines such as rosh = ...");
            for (const auto& [ckey, cnode] : *table) {
                std::string column(ckey.str());
                if (!known_column(column))
                    fail_key(ckey, "no column " + quote_value(column) + " (the columns are " + known_columns() + ")");
                if (k == "columns") {
                    p.columns[column] = text_of(cnode, column);
                } else if (const auto* list = cnode.as_array()) {
                    for (const auto& item : *list) p.synonyms[column].push_back(text_of(item, column));
                } else {
                    p.synonyms[column].push_back(text_of(cnode, column));
                }
            }
        } else {
            fail_key(key, "unknown setting " + quote_value(k) +
                              " (a profile may hold encoding, date_format, unknown_as, drop_identical_duplicates, "
                           "[columns] and [synonyms])");
        }
    }
    return p;
}

Profile load_profile(const std::string& path) { return parse_profile(path, read_file(path)); }

}  // namespace casesample
