#pragma once
// Writers for a Report and an Audit: an aligned text table (the default), CSV, JSON and Markdown (and, for a
// Report, HTML: report_html.hpp).
// Same report => byte-identical text.
#include <string>
#include <string_view>
#include <vector>

#include "casesample/report.hpp"

namespace casesample {

enum class ReportFormat { table, csv, json, markdown, html };
std::optional<ReportFormat> parse_report_format(std::string_view text);

std::string render_report(const Report& report, ReportFormat format);

// The lines under a report's tables: interval method, simulation and its Monte Carlo error, the verdict rule,
// how band probabilities are computed, then the report's notes.
std::vector<std::string> report_lines(const Report& report);

// Short names of the ratings for table headers: initials ("I", "RI", "G", "O").
std::string rating_initials(std::string_view name);

}  // namespace casesample
