#pragma once
// Writers for a Report and an Audit: an aligned text table (the default), CSV, JSON and Markdown.
// Same report => byte-identical text.
#include <string>
#include <string_view>

#include "casesample/report.hpp"

namespace casesample {

enum class ReportFormat { table, csv, json, markdown };
std::optional<ReportFormat> parse_report_format(std::string_view text);

std::string render_report(const Report& report, ReportFormat format);

// Short names of the ratings for table headers: initials ("I", "RI", "G", "O").
std::string rating_initials(std::string_view name);

}  // namespace casesample
