#pragma once
// From an eligible population to a drawn sample per domain, its reserves, its balance, substitutions,
// and the text of every output file (sample.csv, reserves.csv, balance.csv, excluded.csv).
//
// Plain data in, plain data out: nothing here prints, exits or touches the clock. The same population,
// request and seed always give the same DrawResult and byte-identical file texts.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "casesample/option_hints.hpp"
#include "casesample/population.hpp"
#include "casesample/sample_size.hpp"
#include "casesample/sampling.hpp"

namespace casesample {

class CellWriter;  // csv.hpp

struct DrawRequest {
    // Cochran's size per domain from its eligible count, unless `sizes` is given.
    SizeParameters size_parameters;
    // --size: domain name -> n. When not empty, every domain with eligible cases must be named
    // (0 skips a domain).
    std::map<std::string, std::int64_t> sizes;
    std::uint64_t seed = 0;
    std::size_t reserves = 0;  // asked per domain; fewer when the domain has too few cases left
    DrawMethod method = DrawMethod::balanced;
    // How the user writes --size, for the messages of sizes that cannot be met (option_hints.hpp).
    OptionHints hints;
};

// "court=50,out-of-court=32" -> map; throws UsageError for anything else.
std::map<std::string, std::int64_t> parse_sizes(std::string_view text);

struct DomainSample {
    std::string domain;
    std::vector<std::uint32_t> cases;  // frame index -> index into the Population (file order)
    SamplingFrame frame;
    std::optional<SampleSize> cochran;  // when the size came from Cochran's formula
    std::size_t sample_size = 0;
    std::size_t reserves_asked = 0;
    SampleDraw draw;  // frame indices; selected[k] has selection_order k + 1
    // reserve_order[j] is the 1-based place of draw.reserves[j] in the original reserve list (kept when
    // earlier reserves are used, so gaps show which ones went into the sample).
    std::vector<std::size_t> reserve_order;
    // For each selected position: 0 when drawn, else the reserve_order of the reserve that replaced
    // the drawn case there.
    std::vector<std::size_t> substituted_from;
    // For each selected position, the frame index of the case drawn there (differs from draw.selected[k] once a
    // reserve took its place: sample.csv's substitute_for).
    std::vector<std::uint32_t> drawn_at;
    // For each selected position, its selection_order, once a case left the sample without a replacement
    // (the others keep theirs, so the gap shows); empty while it is position + 1.
    std::vector<std::size_t> selection_order;
    // Frame indices of the cases that left the sample (by substitute or drop), and how many reserves were ever
    // listed (drawn at first or added since): a case listed once is never listed again.
    std::vector<std::uint32_t> dropped;
    std::size_t reserves_listed = 0;
    std::vector<MarginTarget> targets;  // for sample_size cases
};

struct DrawResult {
    std::vector<DomainSample> domains;  // every domain with eligible cases, in vocabulary order
};

// The sampling frame of one domain: its eligible cases' category codes.
SamplingFrame make_frame(const Population& population, const std::vector<std::uint32_t>& cases);

// The engine of one domain's draw: derived from the seed and the domain's name only, so that a domain's
// sample does not depend on the other domains or on the number of reserves.
Engine domain_engine(std::uint64_t seed, std::string_view domain);

// Sizes each domain, then draws each domain with its own engine, domain_engine(request.seed, domain).
// Throws UsageError for sizes that cannot be met or name unknown domains.
DrawResult draw_population(const Population& population, const EligiblePopulation& eligible,
                           const DrawRequest& request);

// One row of the balance table.
struct BalanceRow {
    std::string domain;
    Stratifier variable;
    std::string category;
    std::int64_t population = 0;
    double population_share = 0;
    double target = 0;
    std::int64_t floor = 0;
    std::int64_t ceiling = 0;
    std::int64_t drawn = 0;
    // Cases outside [floor, ceiling]: drawn - ceiling when above, drawn - floor when below, else 0.
    std::int64_t deviation = 0;
};
// The balance of `selected` (frame indices) against the frame's proportional targets.
std::vector<BalanceRow> balance_rows(const Vocabulary& vocabulary, const std::string& domain,
                                     const SamplingFrame& frame, const std::vector<std::uint32_t>& selected);
std::vector<BalanceRow> balance_rows(const Population& population, const DrawResult& result);
// One domain's current sample, reusing ds.targets (computed once per draw) when the sample has
// ds.sample_size cases, so a large frame is not counted again for every output.
std::vector<BalanceRow> balance_rows(const Vocabulary& vocabulary, const DomainSample& ds);
std::vector<MarginMiss> domain_misses(const DomainSample& ds);

// For a balanced draw whose design could not give every case exactly n/N while keeping every category within
// floor/ceiling: one paragraph saying how far each case's chance is from n/N and why; "" when it is exact.
std::string describe_design(const DomainSample& ds);

// Readable text of misses, e.g. "rosh Very High: 2 drawn, expected 3 to 4"; "" when none.
std::string describe_misses(const Vocabulary& vocabulary, const std::vector<MarginMiss>& misses);

// A swap of a dropped case for a reserve.
struct SubstitutionResult {
    std::size_t domain = 0;       // index into DrawResult::domains
    std::uint32_t dropped = 0;    // frame index
    std::uint32_t substitute = 0; // frame index
    std::size_t reserve_order = 0;
    std::size_t position = 0;     // index into draw.selected where the substitute now stands
    std::vector<MarginMiss> misses_before;
    std::vector<MarginMiss> misses_after;
};
// What sample.csv writes for the case at position k of a domain's sample: its selection_order, its
// inclusion_probability (a substitute carries that of the case drawn there) and, for a substitute, the frame
// index of the case drawn at that selection_order (its substitute_for; none for a case that was drawn).
std::size_t selection_order_at(const DomainSample& ds, std::size_t k);
double inclusion_probability_at(const DomainSample& ds, std::size_t k);
std::optional<std::uint32_t> substitute_for_at(const DomainSample& ds, std::size_t k);
// Replaces the selected case `case_id` by the reserve that choose_substitute picks: the reserve takes the
// dropped case's selection order and leaves the reserve list. Throws UsageError when the id is not in the
// population or not in the sample, and std::runtime_error when the domain has no reserve left.
// case_id may also be given as the sample files write it, escaped (see unescaped_cell).
SubstitutionResult substitute_case(const Population& population, DrawResult& result, std::string_view case_id);

// Takes the selected case `case_id` out of the sample without a replacement: the others keep their
// selection_order. Throws UsageError as substitute_case does.
struct DropResult {
    std::size_t domain = 0;
    std::uint32_t dropped = 0;  // frame index
    std::size_t selection_order = 0;
    std::vector<MarginMiss> misses_before;
    std::vector<MarginMiss> misses_after;
};
DropResult drop_case(const Population& population, DrawResult& result, std::string_view case_id);

// Draws up to `k` more reserves for one domain, by the draw's method, from the cases never listed before (not
// in the sample, not a reserve, not dropped), with the engine domain_engine(seed, domain + "/reserves-" +
// round): the same seed, log and round always give the same reserves. They join the end of the reserve list,
// numbered on from the last reserve_order. Returns how many were added (fewer than k when the domain has
// fewer cases left).
std::size_t add_reserves(DomainSample& ds, std::size_t k, std::uint64_t seed, std::size_t round, DrawMethod method);

// A cell read back from a CSV file this tool wrote: CsvWriter puts a ' before a cell starting with = + - @,
// tab or carriage return, so such a cell loses that ' again. Any other cell is returned as it is.
std::string_view unescaped_cell(std::string_view cell);

// File texts. Columns:
//  sample.csv    case_id, domain, the stratifiers, selection_order, inclusion_probability (a substitute: that of
//                the case it replaced), substitute_for (the id of that case; empty for a case drawn), then the
//                kept columns
//  reserves.csv  case_id, domain, the stratifiers, reserve_order, reserve_probability (the chance of being drawn
//                as a reserve given the sample and the reserves listed before), then the kept columns
//  balance.csv   domain, variable, category, population, population_share, target, drawn, deviation
//  excluded.csv  case_id, disposal_type, disposal_date, domain, reason
std::string sample_csv(const Population& population, const DrawResult& result);
// The same files' headers and rows, into any CellWriter (the CSV files above; the sheets of draw --xlsx).
std::vector<std::string> sample_header(const Population& population);
std::vector<std::string> reserves_header(const Population& population);
extern const std::vector<std::string> kBalanceColumns;
extern const std::vector<std::string> kExcludedColumns;
void write_sample_rows(CellWriter& writer, const Population& population, const DrawResult& result);
void write_reserves_rows(CellWriter& writer, const Population& population, const DrawResult& result);
void write_balance_rows(CellWriter& writer, const Population& population, const DrawResult& result);
void write_excluded_rows(CellWriter& writer, const Population& population, const EligiblePopulation& eligible);
std::string reserves_csv(const Population& population, const DrawResult& result);
std::string balance_csv(const Population& population, const DrawResult& result);
std::string excluded_csv(const Population& population, const EligiblePopulation& eligible);
// The same bytes, handed to `sink` a megabyte at a time rather than kept whole.
void write_excluded_csv(const Population& population, const EligiblePopulation& eligible,
                        const std::function<void(std::string_view)>& sink);

}  // namespace casesample
