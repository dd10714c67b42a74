#pragma once
// HTML pages people read in a browser, print on A4 or open on a phone: one self-contained file each (no
// script, font, image or style from outside; the charts are inline SVG and CSS generated here).
//
//  render_report_html  `report --format html`: the verdict summary first, the key-question table (bands in
//                      colour AND in words), a forest plot of every key question's interval against the band
//                      lines grouped by standard, each standard's and the overall rating's probabilities as a
//                      stacked bar, then the method, notes and what the report was made from.
//  render_draw_html    `draw --html`: the sample, reserve and exclusion counts, population share beside sample
//                      share for every category of every stratifier, and at the foot the seed, parameters,
//                      version and input hashes. No case id or case data appears on it.
//  render_index_html   `batch`: one row per service linking its page, with a summary table.
//
// Every text taken from input (file names, framework wording, categories) is escaped. Same input => same
// bytes.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "casesample/report.hpp"

namespace casesample {

struct DrawnSample;

// Text made safe for HTML element content and attribute values: & < > " ' as entities, control characters
// (other than tab and newline) as U+FFFD.
std::string html_escape(std::string_view text);

// A relative path as a link target: every byte but letters, digits, - _ . ~ and / percent-encoded
// ("St Helens/report.html" -> "St%20Helens/report.html").
std::string url_path(std::string_view path);

// Rows for the "made from" table at the foot of a page: label -> value (e.g. "answers SHA-256" -> hex).
using HtmlAbout = std::vector<std::pair<std::string, std::string>>;

std::string render_report_html(const Report& report, const HtmlAbout& about = {});
std::string render_draw_html(const DrawnSample& sample, const HtmlAbout& about = {});

// One service of a batch, for its index page.
struct HtmlIndexRow {
    std::string service;
    std::string link;                  // relative path of the service's page ("" when it has none); url_path'd
    std::vector<std::string> cells;    // the summary table's other cells, in the order of the header
    bool failed = false;               // the service failed: its row is marked
};
// `files`: relative paths of files beside the page (the summary's workbook, CSV and JSON), linked at its top.
std::string render_index_html(const std::string& title, const std::vector<std::string>& header,
                              const std::vector<HtmlIndexRow>& rows, const HtmlAbout& about = {},
                              const std::vector<std::string>& files = {});

}  // namespace casesample
