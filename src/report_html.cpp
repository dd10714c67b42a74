#include "casesample/report_html.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "casesample/dates.hpp"
#include "casesample/output.hpp"
#include "casesample/report_format.hpp"
#include "casesample/sample_folder.hpp"

#ifndef CASESAMPLE_VERSION
#define CASESAMPLE_VERSION "unknown"
#endif

namespace casesample {

std::string html_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size() + text.size() / 8);
    for (char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default:
                if ((static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
                    out += "\xEF\xBF\xBD";  // U+FFFD: control characters are not allowed in HTML text
                else
                    out += c;
        }
    }
    return out;
}

namespace {

// ---- Page frame and colours --------------------------------------------------------------------------------

// Band colours, lowest rating first: background and text that keep a contrast of at least 7:1, and a strong
// tone for lines. A framework with another number of ratings takes them spread over the same scale.
struct BandColour {
    const char* background;
    const char* text;
    const char* strong;
};
constexpr BandColour kBandColours[] = {
    {"#f6cfcb", "#5c0d08", "#c62828"},  // Inadequate: red
    {"#fbe1b0", "#4d3200", "#d98200"},  // Requires improvement: amber
    {"#cde7cd", "#123d15", "#2e7d32"},  // Good: green
    {"#c9def5", "#0a2f5a", "#1565c0"},  // Outstanding: blue
};
constexpr std::size_t kColours = sizeof kBandColours / sizeof kBandColours[0];

const BandColour& band_colour(std::size_t band, std::size_t bands) {
    if (bands <= 1) return kBandColours[kColours - 1];
    const double at = static_cast<double>(band) * static_cast<double>(kColours - 1) / static_cast<double>(bands - 1);
    return kBandColours[std::min(kColours - 1, static_cast<std::size_t>(std::lround(at)))];
}

const char* kStyle = R"CSS(
:root { --ink: #1b1e23; --muted: #4f5661; --rule: #d5d9de; --soft: #f4f6f8; --ok: #2e7d32; --weak: #b45309; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; color: var(--ink); background: #fff;
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 16px 24px 40px; }
h1 { font-size: 1.7rem; line-height: 1.25; margin: 8px 0 4px; }
h2 { font-size: 1.3rem; margin: 32px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--rule); }
h3 { font-size: 1.05rem; margin: 20px 0 6px; }
p { margin: 6px 0; }
.sub { color: var(--muted); margin: 0 0 12px; overflow-wrap: anywhere; }
.summary { background: var(--soft); border-left: 6px solid var(--muted); padding: 12px 18px; border-radius: 4px; }
.summary.ok { border-left-color: var(--ok); }
.summary.weak { border-left-color: var(--weak); }
.summary .headline { font-size: 1.2rem; font-weight: 600; margin: 2px 0 6px; }
.summary ul { margin: 6px 0 2px; padding-left: 22px; }
.summary li { margin: 3px 0; }
.tag { display: inline-block; font-weight: 700; font-size: .8rem; letter-spacing: .03em; text-transform: uppercase;
  padding: 0 8px; border-radius: 3px; border: 1.5px solid currentColor; margin-right: 6px; white-space: nowrap; }
.tag.ok { color: var(--ok); }
.tag.weak { color: var(--weak); }
.badge { display: inline-block; padding: 1px 9px; border-radius: 11px; font-weight: 600; font-size: .9rem;
  white-space: nowrap; }
.wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .93rem; }
th, td { text-align: left; vertical-align: top; padding: 6px 8px; border-bottom: 1px solid var(--rule); }
th { background: var(--soft); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.qtext { color: var(--muted); font-size: .85rem; min-width: 12em; max-width: 26em; }
.kq .counts { display: block; white-space: nowrap; }
.kq td:last-child { min-width: 11em; }
.nowrap { white-space: nowrap; }
.muted { color: var(--muted); }
.legend { display: flex; flex-wrap: wrap; gap: 6px 14px; margin: 6px 0 10px; font-size: .9rem; align-items: center; }
.key { display: inline-block; width: 14px; height: 14px; border-radius: 3px; vertical-align: -2px; margin-right: 4px;
  border: 1px solid rgba(0,0,0,.25); }
/* forest plot */
.forest { margin: 6px 0; }
.fr { display: grid; grid-template-columns: 4.6rem minmax(0, 1fr) 3.4rem; gap: 8px; align-items: center; }
.fr .fid { font-weight: 600; font-variant-numeric: tabular-nums; }
.fr .fn { text-align: right; color: var(--muted); font-variant-numeric: tabular-nums; font-size: .9rem; }
.fr svg { display: block; width: 100%; height: 26px; }
.fgroup { margin: 12px 0 2px; font-weight: 600; }
.fgroup .badge { font-size: .8rem; margin-left: 6px; }
.scale { position: relative; height: 1.3em; font-size: .78rem; color: var(--muted); }
.scale span { position: absolute; transform: translateX(-50%); white-space: nowrap; }
.scale span.first { transform: none; }
.scale span.last { transform: translateX(-100%); }
.norel { color: var(--muted); font-size: .9rem; }
/* stacked bars */
.stackrow { margin: 12px 0 16px; }
.stackrow .label { font-weight: 600; }
.stack { display: flex; height: 28px; border-radius: 4px; overflow: hidden; border: 1px solid rgba(0,0,0,.3);
  margin: 4px 0; }
.seg { height: 100%; font-size: .8rem; line-height: 26px; text-align: center; overflow: hidden; white-space: nowrap;
  font-variant-numeric: tabular-nums; }
.seg.rated { box-shadow: inset 0 0 0 3px rgba(0,0,0,.75); font-weight: 700; }
.mini { display: flex; height: 16px; min-width: 110px; border-radius: 3px; overflow: hidden;
  border: 1px solid rgba(0,0,0,.3); margin-top: 3px; }
.probs { font-size: .85rem; color: var(--muted); }
/* paired bars of a draw */
.pairs { margin-bottom: 8px; }
.prow { display: grid; grid-template-columns: minmax(6rem, 14rem) minmax(0, 1fr) 7.5rem;
  grid-template-areas: "cat pair counts"; gap: 2px 10px; align-items: center; margin: 4px 0; }
.prow .cat { grid-area: cat; }
.prow .pair { grid-area: pair; }
.prow .counts { grid-area: counts; }
.pairs .cat { overflow-wrap: anywhere; }
.pairs .counts { font-size: .85rem; color: var(--muted); font-variant-numeric: tabular-nums; }
.pair .bar { display: flex; align-items: center; gap: 6px; font-size: .8rem; font-variant-numeric: tabular-nums; }
.pair .fill { height: 11px; border-radius: 2px; }
.pair .fill.pop { background: #8a929c; }
.pair .fill.smp { background: #1565c0; }
.miss { color: var(--weak); font-weight: 600; }
footer { margin-top: 36px; padding-top: 10px; border-top: 2px solid var(--rule); font-size: .88rem; }
footer table { font-size: .85rem; }
footer td:first-child { white-space: nowrap; color: var(--muted); width: 14rem; }
code, .hash { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: .85em;
  overflow-wrap: anywhere; }
@media (max-width: 640px) {
  main { padding: 10px 12px 28px; }
  h1 { font-size: 1.35rem; }
  .cards thead { display: none; }
  .cards, .cards tbody, .cards tr, .cards td { display: block; width: 100%; }
  .cards tr { border: 1px solid var(--rule); border-radius: 6px; margin: 0 0 10px; padding: 4px 0; }
  .cards td { border: 0; padding: 3px 10px; display: flex; justify-content: space-between; gap: 12px;
    text-align: right; }
  .cards td::before { content: attr(data-label); color: var(--muted); text-align: left; font-weight: 600; }
  .cards td.first { display: block; text-align: left; border-bottom: 1px solid var(--rule); }
  .cards td.first::before { content: none; }
  .cards .mini { flex: 1 1 auto; max-width: 55%; }
  .cards td > span { min-width: 0; }
  .cards .tag { margin-right: 4px; }
  .kq .counts { display: inline; }
  .fr { grid-template-columns: 3.6rem minmax(0, 1fr) 2.6rem; gap: 6px; }
  .scale span.first { display: none; }
  .prow { grid-template-columns: minmax(0, 1fr) auto; grid-template-areas: "cat counts" "pair pair"; }
  footer td:first-child { width: auto; }
}
@media print {
  @page { size: A4; margin: 14mm 12mm; }
  body { font-size: 10pt; }
  main { max-width: none; padding: 0; }
  h2 { break-after: avoid; page-break-after: avoid; margin-top: 18px; }
  tr, .fr, .stackrow, .prow, .summary, .fgroup { break-inside: avoid; page-break-inside: avoid; }
  .wrap { overflow: visible; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  a { color: inherit; text-decoration: none; }
}
)CSS";

std::string band_css(std::size_t bands) {
    std::string css;
    for (std::size_t k = 0; k < bands; ++k) {
        const auto& c = band_colour(k, bands);
        css += ".b" + std::to_string(k) + " { background: " + c.background + "; color: " + c.text + "; }\n";
    }
    return css;
}

std::string page(const std::string& title, const std::string& extra_css, const std::string& body) {
    return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
           "<meta name=\"generator\" content=\"casesample " CASESAMPLE_VERSION "\">\n"
           "<title>" + html_escape(title) + "</title>\n<style>" + kStyle + extra_css + "</style>\n</head>\n<body>\n<main>\n" +
           body + "</main>\n</body>\n</html>\n";
}

std::string about_table(const HtmlAbout& rows) {
    std::string out = "<table class=\"about\">\n";
    for (const auto& [label, value] : rows) {
        const bool hash = label.find("SHA-256") != std::string::npos;
        out += "<tr><td>" + html_escape(label) + "</td><td" + (hash ? " class=\"hash\"" : "") + ">" +
               html_escape(value) + "</td></tr>\n";
    }
    return out + "</table>\n";
}

std::string percent(double share, int decimals = 1) { return format_fixed(100 * share, decimals) + "%"; }

// ---- Report ----------------------------------------------------------------------------------------------

std::string badge(const Framework& fw, std::size_t band) {
    return "<span class=\"badge b" + std::to_string(band) + "\">" + html_escape(fw.ratings[band].name) + "</span>";
}

std::string verdict_tag(const std::optional<Verdict>& v) {
    if (!v) return "";
    return v->robust ? "<span class=\"tag ok\">Robust</span>" : "<span class=\"tag weak\">Not robust</span>";
}

// The verdict after its tag: the text without its leading "robust: " / "not robust: ", which the tag says.
std::string verdict_html(const std::optional<Verdict>& v) {
    if (!v) return "";
    const auto colon = v->text.find(": ");
    return verdict_tag(v) + html_escape(colon == std::string::npos ? v->text : v->text.substr(colon + 2));
}

std::string probabilities_text(const Framework& fw, const std::vector<double>& p, int decimals = 3) {
    std::string s;
    for (std::size_t k = 0; k < p.size(); ++k)
        s += (k ? " · " : "") + fw.ratings[k].name + " " + format_fixed(p[k], decimals);
    return s;
}

// A stacked bar of probabilities, one segment per rating; `rated` marks the rating the verdict is about.
std::string stacked_bar(const Framework& fw, const std::vector<double>& p, std::optional<std::size_t> rated,
                        bool mini) {
    std::string label = probabilities_text(fw, p, 3);
    std::string out = "<div class=\"" + std::string(mini ? "mini" : "stack") + "\" role=\"img\" aria-label=\"" +
                      html_escape(label) + "\">";
    for (std::size_t k = 0; k < p.size(); ++k) {
        if (p[k] <= 0) continue;
        std::string cls = "seg b" + std::to_string(k) + (rated && *rated == k && !mini ? " rated" : "");
        std::string text;
        if (!mini && p[k] >= 0.3) text = html_escape(fw.ratings[k].name) + " " + format_fixed(p[k], 3);
        else if (!mini && p[k] >= 0.08) text = format_fixed(p[k], 3);
        out += "<span class=\"" + cls + "\" style=\"width:" + format_fixed(100 * p[k], 2) + "%\" title=\"" +
               html_escape(fw.ratings[k].name + " " + format_fixed(p[k], 3)) + "\">" + text + "</span>";
    }
    return out + "</div>";
}

std::string legend(const Framework& fw, const std::string& extra = "") {
    std::string out = "<div class=\"legend\" aria-hidden=\"true\">";
    for (std::size_t k = 0; k < fw.ratings.size(); ++k)
        out += "<span><span class=\"key b" + std::to_string(k) + "\"></span>" + html_escape(fw.ratings[k].name) +
               (fw.ratings[k].label.empty() ? "" : " <span class=\"muted\">(" + html_escape(fw.ratings[k].label) + ")</span>") +
               "</span>";
    return out + extra + "</div>\n";
}

std::string report_summary_html(const Report& r) {
    const auto& fw = *r.framework;
    auto lines = report_summary(r);
    bool weak = (r.overall.verdict && !r.overall.verdict->robust);
    for (const auto& s : r.standards) weak = weak || (s.verdict && !s.verdict->robust);
    const bool assessed = r.overall.verdict.has_value();
    std::string out = "<section id=\"summary\" class=\"summary" + std::string(assessed ? (weak ? " weak" : " ok") : "") +
                      "\">\n<h2 style=\"border:0;margin:0 0 4px\">Summary</h2>\n<p class=\"headline\">";
    if (r.overall.rating) {
        out += "Overall rating: " + badge(fw, *r.overall.rating) + " <span class=\"muted\">score " +
               std::to_string(*r.overall.score) + " of " + std::to_string(fw.max_total_score()) + "</span> " +
               verdict_tag(r.overall.verdict);
    } else {
        out += "Overall rating: not rated";
    }
    out += "</p>\n<ul>\n";
    for (const auto& l : lines) {
        if (l.rfind("  ", 0) == 0) continue;  // standards listed under their line below
        out += "<li>" + html_escape(l);
        if (l.rfind("Not robust at ", 0) == 0) {
            out += "\n<ul>\n";
            for (const auto& sub : lines)
                if (sub.rfind("  ", 0) == 0) out += "<li>" + html_escape(sub.substr(2)) + "</li>\n";
            out += "</ul>\n";
        }
        out += "</li>\n";
    }
    return out + "</ul>\n</section>\n";
}

std::string question_table(const Report& r) {
    const auto& fw = *r.framework;
    const bool probs = std::any_of(r.questions.begin(), r.questions.end(),
                                   [](const QuestionResult& q) { return !q.band_probabilities.empty(); });
    const std::string level = format_percent(r.confidence, 0);
    std::string out = "<section id=\"questions\">\n<h2>Key questions</h2>\n" + legend(fw) +
                      "<div class=\"wrap\"><table class=\"cards kq\">\n<thead><tr><th>Key question</th>"
                      "<th class=\"num\">Relevant</th><th class=\"num\">Yes</th><th class=\"num\">%</th>"
                      "<th>Interval " + level + "</th><th>Band</th><th>In one band</th>";
    if (probs) out += "<th>Probability of each band</th><th>Verdict on the band</th>";
    out += "</tr></thead>\n<tbody>\n";
    for (const auto& q : r.questions) {
        const auto& kq = fw.question(q.place);
        out += "<tr data-question=\"" + html_escape(kq.id) + "\"><td class=\"first\"><b>" + html_escape(kq.id) +
               "</b><div class=\"qtext\">" + html_escape(kq.text) + "</div></td>";
        out += "<td class=\"num\" data-label=\"Relevant\">" + std::to_string(q.relevant) + "</td>";
        out += "<td class=\"num\" data-label=\"Yes\">" + std::to_string(q.yes) + "</td>";
        out += "<td class=\"num\" data-label=\"%\">" + (q.share ? format_fixed(100 * *q.share, 1) : "-") + "</td>";
        std::string interval = "-";
        if (q.interval) {
            interval = format_fixed(100 * q.interval->lower, 1) + "–" + format_fixed(100 * q.interval->upper, 1) + "%";
            if (q.interval->lower_count && q.population)
                interval += " <span class=\"muted counts\">" + std::to_string(*q.interval->lower_count) + "–" +
                            std::to_string(*q.interval->upper_count) + " of " + (q.population_estimated ? "~" : "") +
                            std::to_string(*q.population) + "</span>";
        }
        out += "<td data-label=\"Interval " + level + "\"><span>" + interval + "</span></td>";
        out += "<td data-label=\"Band\">" + (q.band ? badge(fw, *q.band) : std::string("no relevant case")) + "</td>";
        out += "<td data-label=\"Interval in one band\">" + std::string(q.band ? (q.robust ? "yes" : "no") : "") + "</td>";
        if (probs) {
            out += "<td data-label=\"Probability of each band\">";
            if (!q.band_probabilities.empty()) out += stacked_bar(fw, q.band_probabilities, q.band, true);
            out += "</td><td data-label=\"Verdict on the band\"><span>" +
                   verdict_html(q.verdict) + "</span>" +
                   "</td>";
        }
        out += "</tr>\n";
    }
    return out + "</tbody>\n</table></div>\n</section>\n";
}

// The forest plot: one row per key question, grouped by standard; each row an inline SVG stretched to the
// row's width (so labels stay HTML text at a readable size on any screen), with the bands shaded, dashed
// lines at the band thresholds, the interval as a bar with end caps and the share as a tick.
std::string forest_plot(const Report& r) {
    const auto& fw = *r.framework;
    double lowest = 1.0;
    for (const auto& q : r.questions)
        if (q.interval) lowest = std::min(lowest, q.interval->lower);
    // The axis starts at 0, or 10 points below the lowest threshold above 0 and below every interval.
    double first_threshold = 100;
    for (const auto& rt : fw.ratings)
        if (rt.min_percent > 0) first_threshold = std::min(first_threshold, rt.min_percent);
    double axis_min = std::floor(std::min(first_threshold - 10, 100 * lowest - 2) / 10) * 10;
    axis_min = std::clamp(axis_min, 0.0, 90.0);
    const double span = 100 - axis_min;
    auto x = [&](double percent_value) { return format_fixed((percent_value - axis_min) / span * 1000, 1); };
    auto left = [&](double percent_value) { return format_fixed((percent_value - axis_min) / span * 100, 2); };

    std::string background;  // shaded bands and threshold lines, the same in every row
    for (std::size_t k = 0; k < fw.ratings.size(); ++k) {
        double from = std::max(fw.ratings[k].min_percent, axis_min);
        double to = k + 1 < fw.ratings.size() ? fw.ratings[k + 1].min_percent : 100.0;
        if (to <= axis_min) continue;
        background += "<rect x=\"" + x(from) + "\" y=\"0\" width=\"" + format_fixed((to - from) / span * 1000, 1) +
                      "\" height=\"26\" fill=\"" + band_colour(k, fw.ratings.size()).background + "\" opacity=\"0.6\"/>";
    }
    for (const auto& rt : fw.ratings)
        if (rt.min_percent > axis_min)
            background += "<line x1=\"" + x(rt.min_percent) + "\" x2=\"" + x(rt.min_percent) +
                          "\" y1=\"0\" y2=\"26\" stroke=\"#444\" stroke-width=\"1\" stroke-dasharray=\"4 3\" "
                          "vector-effect=\"non-scaling-stroke\"/>";

    std::string scale = "<div class=\"fr\" aria-hidden=\"true\"><span></span><div class=\"scale\">";
    std::vector<double> ticks = {axis_min};
    for (const auto& rt : fw.ratings)
        if (rt.min_percent > axis_min) ticks.push_back(rt.min_percent);
    ticks.push_back(100);
    for (std::size_t i = 0; i < ticks.size(); ++i)
        scale += "<span class=\"" + std::string(i == 0 ? "first" : (i + 1 == ticks.size() ? "last" : "")) +
                 "\" style=\"left:" + left(ticks[i]) + "%\">" + format_fixed(ticks[i], 0) + "%</span>";
    scale += "</div><span class=\"fn\">n</span></div>\n";

    std::string out = "<section id=\"forest\">\n<h2>Intervals against the bands</h2>\n<p class=\"sub\">Each key "
                      "question's " + format_percent(r.confidence, 0) + " interval (bar) and share of 'yes' (tick), "
                      "against the band lines";
    std::string lines;
    for (const auto& rt : fw.ratings)
        if (rt.min_percent > 0) lines += (lines.empty() ? " at " : ", ") + format_fixed(rt.min_percent, 0) + "%";
    out += lines + "; n is the number of relevant cases. " +
           (axis_min > 0 ? "The axis starts at " + format_fixed(axis_min, 0) + "%." : std::string()) + "</p>\n" +
           legend(fw) + "<div class=\"forest\">\n" + scale;

    std::optional<std::pair<std::size_t, std::size_t>> group;
    for (const auto& q : r.questions) {
        std::pair<std::size_t, std::size_t> g{q.place.domain, q.place.standard};
        if (!group || *group != g) {
            group = g;
            const auto& st = fw.domains[g.first].standards[g.second];
            out += "<div class=\"fgroup\">" + html_escape(st.id + " " + st.name);
            for (const auto& s : r.standards)
                if (s.place.domain == g.first && s.place.standard == g.second && s.rating)
                    out += badge(fw, *s.rating);
            out += "</div>\n";
        }
        const auto& kq = fw.question(q.place);
        out += "<div class=\"fr\"><span class=\"fid\">" + html_escape(kq.id) + "</span>";
        if (q.interval && q.share) {
            const double lo = std::max(100 * q.interval->lower, axis_min), hi = 100 * q.interval->upper;
            const std::string title = kq.id + ": " + format_fixed(100 * *q.share, 1) + "% (" + std::to_string(q.yes) +
                                      " of " + std::to_string(q.relevant) + "), " + format_percent(r.confidence, 0) +
                                      " interval " + format_fixed(100 * q.interval->lower, 1) + "–" +
                                      format_fixed(100 * q.interval->upper, 1) + "%" +
                                      (q.band ? ", " + fw.ratings[*q.band].name : "");
            out += "<svg viewBox=\"0 0 1000 26\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"" +
                   html_escape(title) + "\">" + background + "<g class=\"interval\" data-question=\"" +
                   html_escape(kq.id) + "\"><title>" + html_escape(title) + "</title>" +
                   "<line x1=\"" + x(lo) + "\" x2=\"" + x(hi) + "\" y1=\"13\" y2=\"13\" stroke=\"#1b1e23\" "
                   "stroke-width=\"5\" vector-effect=\"non-scaling-stroke\"/>" +
                   "<line x1=\"" + x(lo) + "\" x2=\"" + x(lo) + "\" y1=\"6\" y2=\"20\" stroke=\"#1b1e23\" "
                   "stroke-width=\"2\" vector-effect=\"non-scaling-stroke\"/>" +
                   "<line x1=\"" + x(hi) + "\" x2=\"" + x(hi) + "\" y1=\"6\" y2=\"20\" stroke=\"#1b1e23\" "
                   "stroke-width=\"2\" vector-effect=\"non-scaling-stroke\"/>" +
                   "<line class=\"point\" x1=\"" + x(std::max(100 * *q.share, axis_min)) + "\" x2=\"" +
                   x(std::max(100 * *q.share, axis_min)) + "\" y1=\"1\" y2=\"25\" stroke=\"#fff\" stroke-width=\"6\" "
                   "vector-effect=\"non-scaling-stroke\"/>" +
                   "<line x1=\"" + x(std::max(100 * *q.share, axis_min)) + "\" x2=\"" +
                   x(std::max(100 * *q.share, axis_min)) + "\" y1=\"1\" y2=\"25\" stroke=\"#000\" stroke-width=\"3\" "
                   "vector-effect=\"non-scaling-stroke\"/></g></svg>";
        } else {
            out += "<span class=\"norel\">no relevant case</span>";
        }
        out += "<span class=\"fn\">" + std::to_string(q.relevant) + "</span></div>\n";
    }
    return out + scale + "</div>\n</section>\n";
}

std::string ratings_section(const Report& r) {
    const auto& fw = *r.framework;
    std::string out = "<section id=\"ratings\">\n<h2>Standards and the overall rating: probability of each rating</h2>\n";
    if (r.simulation == Simulation::none) {
        out += "<p>Rating probabilities not computed" +
               (r.not_assessed.empty() ? std::string() : ": " + html_escape(r.not_assessed)) + ".</p>\n";
    } else {
        out += "<p class=\"sub\">What the unread cases could hold, from " + std::to_string(r.draws) +
               " simulated populations (" + html_escape(std::string(to_string(r.simulation))) +
               "). The outlined segment is the rating computed from the sample.</p>\n" + legend(fw);
    }
    auto row = [&](const std::string& label, std::optional<std::size_t> rating, const std::vector<double>& p,
                   const std::optional<Verdict>& v, const std::string& extra) {
        std::string o = "<div class=\"stackrow\"><div class=\"label\">" + html_escape(label) + " " +
                        (rating ? badge(fw, *rating) : std::string("<span class=\"muted\">not rated</span>")) + extra +
                        "</div>";
        if (!p.empty()) {
            o += stacked_bar(fw, p, rating, false);
            o += "<div class=\"probs\">" + html_escape(probabilities_text(fw, p)) + "</div>";
        }
        if (v) o += "<div>" + verdict_html(v) + "</div>";
        return o + "</div>\n";
    };
    out += row("Overall", r.overall.rating, r.overall.rating_probabilities, r.overall.verdict,
               r.overall.score ? " <span class=\"muted\">score " + std::to_string(*r.overall.score) + " of " +
                                     std::to_string(fw.max_total_score()) + "</span>"
                               : std::string());
    std::optional<std::size_t> domain;
    for (const auto& s : r.standards) {
        if (!domain || *domain != s.place.domain) {
            domain = s.place.domain;
            const auto& d = fw.domains[*domain];
            out += "<h3>" + html_escape(d.id + " " + d.name) + (d.judged ? " <span class=\"muted\">(rated by judgement)</span>" : "") + "</h3>\n";
        }
        const auto& st = fw.standard(s.place);
        std::string extra;
        if (!s.missing_questions.empty()) {
            std::string ids;
            for (const auto& id : s.missing_questions) ids += (ids.empty() ? "" : ", ") + id;
            extra = " <span class=\"muted\">(not answered: " + html_escape(ids) + ")</span>";
        }
        out += row(st.id + " " + st.name, s.rating, s.judged ? std::vector<double>{} : s.rating_probabilities,
                   s.verdict, extra);
    }
    return out + "</section>\n";
}

}  // namespace

std::string render_report_html(const Report& r, const HtmlAbout& about) {
    const auto& fw = *r.framework;
    std::string body = "<header>\n<h1>Inspection report</h1>\n<p class=\"sub\">" + html_escape(fw.name) +
                       " · answers: " + html_escape(r.answers_file) + "</p>\n</header>\n";
    body += report_summary_html(r);
    body += question_table(r);
    body += forest_plot(r);
    body += ratings_section(r);
    body += "<section id=\"method\">\n<h2>Method and notes</h2>\n<ul>\n";
    for (const auto& l : report_lines(r)) body += "<li>" + html_escape(l) + "</li>\n";
    body += "</ul>\n</section>\n";
    HtmlAbout rows = {{"framework", fw.name + " (" + fw.source + ")"},
                      {"answers", r.answers_file + " (" + std::string(to_string(r.layout)) + " layout)"}};
    rows.insert(rows.end(), about.begin(), about.end());
    rows.push_back({"intervals", std::string(to_string(r.method)) + " at " + format_percent(r.confidence, 0) +
                                     " confidence; bands on " + std::string(to_string(r.band_on))});
    rows.push_back({"simulation", std::string(to_string(r.simulation)) + ", " + std::to_string(r.draws) + " draws, seed " +
                                      std::to_string(r.seed)});
    rows.push_back({"robust at", verdict_probability(r.robust_at, r.robust_at)});
    rows.push_back({"casesample version", CASESAMPLE_VERSION});
    body += "<footer>\n<h2>Made from</h2>\n" + about_table(rows) + "</footer>\n";
    return page("Inspection report — " + fw.name, band_css(fw.ratings.size()), body);
}

// ---- Draw ------------------------------------------------------------------------------------------------

namespace {

std::string window_text(const DrawnSample& sample, const std::string& domain) {
    const auto& el = sample.loaded.eligible;
    for (std::size_t i = 0; i < el.domains.size() && i < el.ranges.size(); ++i)
        if (el.domains[i] == domain)
            return html_escape(format_date(el.ranges[i].first)) + " to " + html_escape(format_date(el.ranges[i].last));
    return "";
}

}  // namespace

std::string render_draw_html(const DrawnSample& sample, const HtmlAbout& about) {
    const auto& pop = sample.loaded.population;
    const auto& result = sample.result;
    const auto summary = summarize(sample);
    std::string body = "<header>\n<h1>Fieldwork sample</h1>\n<p class=\"sub\">" +
                       html_escape(pop.source) + "</p>\n</header>\n";

    // Summary first.
    bool balanced = true;
    for (const auto& d : summary.domains) balanced = balanced && d.misses.empty();
    body += "<section id=\"summary\" class=\"summary " + std::string(balanced ? "ok" : "weak") +
            "\">\n<h2 style=\"border:0;margin:0 0 4px\">Summary</h2>\n<ul>\n";
    for (const auto& d : summary.domains) {
        body += "<li><b>" + html_escape(d.domain) + "</b>: " + std::to_string(d.sample_size) + " of " +
                std::to_string(d.eligible) + " eligible cases drawn, " + std::to_string(d.reserves) + " reserves" +
                (d.reserves < d.reserves_asked ? " (" + std::to_string(d.reserves_asked) + " asked; no more cases left)" : "") +
                "</li>\n";
    }
    body += "<li>" + std::to_string(summary.cases_read) + " cases read, " + std::to_string(summary.cases_excluded) +
            " not eligible</li>\n";
    body += "<li>" + std::string(balanced ? "<span class=\"tag ok\">Balanced</span>Every category of every stratifier "
                                            "is within its floor and ceiling."
                                          : "<span class=\"tag weak\">Not balanced</span>" +
                                                html_escape(describe_misses(pop.vocabulary, [&] {
                                                    std::vector<MarginMiss> all;
                                                    for (const auto& d : summary.domains)
                                                        all.insert(all.end(), d.misses.begin(), d.misses.end());
                                                    return all;
                                                }()))) +
            "</li>\n</ul>\n</section>\n";

    // Counts.
    body += "<section id=\"counts\">\n<h2>Sample, reserves and exclusions</h2>\n<div class=\"wrap\"><table class=\"cards\">\n"
            "<thead><tr><th>Domain</th><th class=\"num\">Eligible</th><th class=\"num\">Sample</th>"
            "<th class=\"num\">Share read</th><th class=\"num\">Reserves</th><th>Size</th><th>Disposals dated</th>"
            "</tr></thead>\n<tbody>\n";
    for (std::size_t i = 0; i < summary.domains.size(); ++i) {
        const auto& d = summary.domains[i];
        const auto& ds = result.domains[i];
        std::string size = "--size";
        if (ds.cochran)
            size = "Cochran: " + format_percent(ds.cochran->parameters.confidence, 0) + " confidence, ±" +
                   format_fixed(100 * ds.cochran->parameters.margin, 1) + " points";
        body += "<tr><td class=\"first\"><b>" + html_escape(d.domain) + "</b></td><td class=\"num\" data-label=\"Eligible\">" +
                std::to_string(d.eligible) + "</td><td class=\"num\" data-label=\"Sample\">" + std::to_string(d.sample_size) +
                "</td><td class=\"num\" data-label=\"Share read\">" +
                (d.eligible ? percent(static_cast<double>(d.sample_size) / static_cast<double>(d.eligible)) : "-") +
                "</td><td class=\"num\" data-label=\"Reserves\">" + std::to_string(d.reserves) +
                "</td><td data-label=\"Size\"><span>" + html_escape(size) + "</span></td><td data-label=\"Disposals dated\"><span>" +
                window_text(sample, d.domain) + "</span></td></tr>\n";
    }
    body += "</tbody></table></div>\n";
    // Reasons counted without their dates ("too old for court: dated 2018-05-15, before ..." -> "too old for court").
    std::map<std::string, std::size_t> reasons;
    for (const auto& e : sample.loaded.eligible.excluded)
        ++reasons[exclusion_kind(sample.loaded.population, sample.loaded.eligible, e)];
    body += "<h3>Not eligible: " + std::to_string(sample.loaded.eligible.excluded.size()) + " cases</h3>\n";
    if (!reasons.empty()) {
        body += "<div class=\"wrap\"><table>\n<thead><tr><th>Reason</th><th class=\"num\">Cases</th></tr></thead>\n<tbody>\n";
        for (const auto& [reason, n] : reasons)
            body += "<tr><td>" + html_escape(reason) + "</td><td class=\"num\">" + std::to_string(n) + "</td></tr>\n";
        body += "</tbody></table></div>\n";
    }
    body += "</section>\n";

    // Balance: population share beside sample share.
    body += "<section id=\"balance\">\n<h2>Population and sample, category by category</h2>\n"
            "<div class=\"legend\"><span><span class=\"key\" style=\"background:#8a929c\"></span>eligible population</span>"
            "<span><span class=\"key\" style=\"background:#1565c0\"></span>sample</span>"
            "<span class=\"muted\">drawn / target: the sample's count against n × the population share</span></div>\n";
    for (const auto& ds : result.domains) {
        body += "<h3>" + html_escape(ds.domain) + " <span class=\"muted\">(" + std::to_string(ds.draw.selected.size()) +
                " of " + std::to_string(ds.cases.size()) + ")</span></h3>\n";
        const auto rows = balance_rows(pop.vocabulary, ds);
        const double n = static_cast<double>(std::max<std::size_t>(1, ds.draw.selected.size()));
        std::optional<Stratifier> variable;
        for (const auto& row : rows) {
            if (!variable || *variable != row.variable) {
                if (variable) body += "</div>\n";
                variable = row.variable;
                body += "<h4 class=\"muted\" style=\"margin:10px 0 4px\">" +
                        html_escape(pop.vocabulary.name(row.variable)) +
                        "</h4>\n<div class=\"pairs\">\n";
            }
            const double sample_share = static_cast<double>(row.drawn) / n;
            const std::string cat = html_escape(row.category);
            body += "<div class=\"prow\"><span class=\"cat\">" + cat + "</span>";
            body += "<div class=\"pair\" data-category=\"" + cat + "\" role=\"img\" aria-label=\"" + cat + ": population " +
                    percent(row.population_share) + ", sample " + percent(sample_share) + "\">" +
                    "<div class=\"bar\"><span class=\"fill pop\" style=\"width:" +
                    format_fixed(0.8 * 100 * row.population_share, 2) + "%\"></span>" + percent(row.population_share) +
                    "</div><div class=\"bar\"><span class=\"fill smp\" style=\"width:" +
                    format_fixed(0.8 * 100 * sample_share, 2) + "%\"></span>" + percent(sample_share) + "</div></div>";
            body += "<span class=\"counts\">" + std::to_string(row.drawn) + " / " + format_fixed(row.target, 1) +
                    (row.deviation != 0 ? " <span class=\"miss\">outside " + std::to_string(row.floor) + "–" +
                                              std::to_string(row.ceiling) + "</span>"
                                        : std::string()) +
                    "</span></div>\n";
        }
        if (variable) body += "</div>\n";
    }
    body += "</section>\n";

    // Foot: seed, parameters, version, input hashes.
    const auto& m = sample.manifest;
    HtmlAbout rows;
    rows.push_back({"seed", std::to_string(m.request.seed) +
                                (m.seed_chosen ? " (chosen at random; --seed " + std::to_string(m.request.seed) +
                                                     " draws the same sample again)"
                                               : "")});
    rows.push_back({"method", std::string(to_string(m.request.method))});
    rows.push_back({"stratifiers", pop.vocabulary.stratifier_names(pop.stratifiers)});
    if (!m.request.sizes.empty()) {
        std::string sizes;
        for (const auto& [d, n] : m.request.sizes) sizes += (sizes.empty() ? "" : ",") + d + "=" + std::to_string(n);
        rows.push_back({"sizes", sizes});
    } else {
        rows.push_back({"sample size", "Cochran, " + format_percent(m.request.size_parameters.confidence, 0) +
                                           " confidence, margin ±" + format_fixed(100 * m.request.size_parameters.margin, 1) +
                                           " points, proportion " + format_shortest(m.request.size_parameters.proportion)});
    }
    rows.push_back({"reserves asked per domain", std::to_string(m.request.reserves)});
    for (const auto& [k, v] : m.population_options) rows.push_back({k, v});
    for (const auto& in : m.inputs) {
        rows.push_back({in.role, in.path + " (" + std::to_string(in.bytes) + " bytes)"});
        rows.push_back({in.role + " SHA-256", in.sha256});
    }
    if (m.substitutions > 0) rows.push_back({"substitutions applied", std::to_string(m.substitutions)});
    rows.insert(rows.end(), about.begin(), about.end());
    rows.push_back({"casesample version", m.version.empty() ? std::string(CASESAMPLE_VERSION) : m.version});
    if (!m.command_line.empty()) {
        std::string cmd;
        for (const auto& a : m.command_line) cmd += (cmd.empty() ? "" : " ") + a;
        rows.push_back({"command", cmd});
    }
    body += "<footer>\n<h2>Seed, parameters and inputs</h2>\n" + about_table(rows) + "</footer>\n";
    return page("Fieldwork sample — " + pop.source, "", body);
}

// ---- Batch index -----------------------------------------------------------------------------------------

std::string url_path(std::string_view path) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : path) {
        const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                          c == '_' || c == '.' || c == '~' || c == '/';
        if (keep) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

std::string render_index_html(const std::string& title, const std::vector<std::string>& header,
                              const std::vector<HtmlIndexRow>& rows, const HtmlAbout& about,
                              const std::vector<std::string>& files) {
    std::size_t failed = 0;
    for (const auto& r : rows) failed += r.failed;
    std::string body = "<header>\n<h1>" + html_escape(title) + "</h1>\n</header>\n<section id=\"summary\" class=\"summary " +
                       std::string(failed ? "weak" : "ok") + "\">\n<p class=\"headline\">" + std::to_string(rows.size()) +
                       " services" + (failed ? ", " + std::to_string(failed) + " failed" : std::string()) +
                       "</p>\n";
    if (!files.empty()) {
        body += "<p class=\"files\">The summary for Excel or other tools:";
        for (std::size_t i = 0; i < files.size(); ++i)
            body += std::string(i ? "," : "") + " <a href=\"" + html_escape(url_path(files[i])) + "\">" +
                    html_escape(files[i]) + "</a>";
        body += "</p>\n";
    }
    body += "</section>\n<section id=\"services\">\n<h2>Services</h2>\n<div class=\"wrap\"><table class=\"cards\">\n<thead><tr>";
    for (const auto& h : header) body += "<th>" + html_escape(h) + "</th>";
    body += "</tr></thead>\n<tbody>\n";
    for (const auto& r : rows) {
        body += "<tr><td class=\"first\"><b>";
        body += r.link.empty() ? html_escape(r.service)
                               : "<a href=\"" + html_escape(url_path(r.link)) + "\">" + html_escape(r.service) + "</a>";
        body += "</b>" + std::string(r.failed ? " <span class=\"tag weak\">Failed</span>" : "") + "</td>";
        for (std::size_t c = 0; c < r.cells.size(); ++c)
            body += "<td data-label=\"" + (c + 1 < header.size() ? html_escape(header[c + 1]) : std::string()) + "\">" +
                    html_escape(r.cells[c]) + "</td>";
        body += "</tr>\n";
    }
    body += "</tbody></table></div>\n</section>\n";
    HtmlAbout foot = about;
    foot.push_back({"casesample version", CASESAMPLE_VERSION});
    body += "<footer>\n<h2>Made from</h2>\n" + about_table(foot) + "</footer>\n";
    return page(title, "", body);
}

}  // namespace casesample
