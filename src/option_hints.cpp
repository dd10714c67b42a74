#include "casesample/option_hints.hpp"

#include "casesample/error.hpp"

namespace casesample {

namespace {

void replace_all(std::string& text, std::string_view placeholder, std::string_view value) {
    for (auto at = text.find(placeholder); at != std::string::npos; at = text.find(placeholder, at + value.size()))
        text.replace(at, placeholder.size(), value);
}

}  // namespace

std::string OptionHints::name(std::string_view key) const {
    if (auto it = forms.find(key); it != forms.end()) return it->second.name;
    return "--" + std::string(key);
}

std::string OptionHints::with(std::string_view key, std::string_view value, std::string_view item) const {
    if (auto it = forms.find(key); it != forms.end()) {
        std::string text = it->second.with_value;
        replace_all(text, "{item}", item);
        replace_all(text, "{value}", value);
        return text;
    }
    std::string text = "--" + std::string(key);
    if (value.empty() && item.empty()) return text;
    const bool quote = value.empty() || value.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                                                "0123456789-_./%:,+@") != std::string_view::npos;
    text += " ";
    if (!item.empty()) text += std::string(item) + "=";
    return text + (quote ? "\"" + std::string(value) + "\"" : std::string(value));
}

void OptionHints::refuse(std::string_view key, std::string_view item, const std::string& message) const {
    auto at = item.empty() ? places.end() : places.find(std::string(key) + "." + std::string(item));
    if (at == places.end()) at = places.find(key);
    if (at != places.end()) throw InputError(at->second.file, at->second.line, at->second.column, message);
    throw UsageError(message);
}

}  // namespace casesample
