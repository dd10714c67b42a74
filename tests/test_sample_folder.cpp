// The sample folder module through its C++ interface: what batch and the commands call.
#include <doctest/doctest.h>

#include <filesystem>

#include "casesample/error.hpp"
#include "casesample/output.hpp"
#include "casesample/sample_folder.hpp"
#include "test_support.hpp"

using namespace casesample;
using namespace casesample::test;
namespace fs = std::filesystem;

namespace {

DrawSpec bundled_spec(std::uint64_t seed, std::size_t reserves) {
    DrawSpec spec;
    spec.population = source_path("fixtures/population.csv");
    spec.population_args.fieldwork = "2019-06-03";
    spec.request.seed = seed;
    spec.request.reserves = reserves;
    spec.command_line = {"casesample", "batch", "test"};
    return spec;
}

}  // namespace

TEST_CASE("sample folder: draw_into_folder writes the folder and returns its summary, printing nothing") {
    auto dir = fs::path(temp_dir()) / "service";
    auto summary = draw_into_folder(dir, bundled_spec(2019, 3));
    REQUIRE(summary.domains.size() == 2);
    CHECK(summary.domains[0].domain == "court");
    CHECK(summary.domains[0].eligible == 71);
    CHECK(summary.domains[0].sample_size == 50);
    CHECK(summary.domains[0].reserves == 3);
    CHECK(summary.domains[0].worst_deviation == 0);
    CHECK(summary.domains[1].sample_size == 32);
    CHECK(summary.seed == 2019);
    CHECK(summary.files_written == kFolderFiles);
    for (const auto& f : kFolderFiles) CHECK(fs::exists(dir / f));
    CHECK(holds_sample(dir));

    // A second draw into the same folder is refused without force, and allowed with it.
    CHECK_THROWS_AS(draw_into_folder(dir, bundled_spec(2020, 3)), UsageError);
    WriteOptions force;
    force.force = true;
    CHECK(draw_into_folder(dir, bundled_spec(2020, 3), force).seed == 2020);

    auto v = verify_folder(dir.string());
    CHECK(v.identical());
    CHECK(v.checked.size() == kFolderFiles.size());
    // The manifest path works as well as the folder.
    CHECK(verify_folder((dir / "manifest.json").string()).identical());
}

TEST_CASE("sample folder: the same spec gives the same bytes, substitute_in_folder logs and verify replays it") {
    auto base = fs::path(temp_dir());
    draw_into_folder(base / "a", bundled_spec(7, 2));
    draw_into_folder(base / "b", bundled_spec(7, 2));
    for (const auto& f : kFolderFiles) CHECK(read_text((base / "a" / f).string()) == read_text((base / "b" / f).string()));

    auto first = read_table((base / "a" / "sample.csv").string()).rows.at(0).at(0);
    SubstituteRequest request;
    request.drop = first;
    request.reason = "moved away";
    request.time = "2026-01-01T00:00:00Z";
    auto s = substitute_in_folder((base / "a").string(), request);
    CHECK(s.dropped_id == first);
    CHECK(!s.substitute_id.empty());
    CHECK(s.reserve_order >= 1);
    CHECK(fs::exists(base / "a" / kAuditLogName));
    auto v = verify_folder((base / "a").string());
    CHECK(v.identical());
    CHECK(v.rebuilt.manifest.substitutions == 1);
    // The dropped case is no longer in the sample.
    CHECK_THROWS_AS(substitute_in_folder((base / "a").string(), request), UsageError);
}

TEST_CASE("sample folder: the population's SHA-256 is the file's, also when hashed aside (large, transcoded)") {
    // Above 1 MiB the hash runs on a second thread over the bytes the parser reads; a windows-1252 file is
    // transcoded to a new string, so its hash must come from the bytes as read, not from the transcoded text.
    const auto base = read_text(source_path("fixtures/population.csv"));
    const auto header = base.substr(0, base.find('\n') + 1);
    const auto rows = base.substr(header.size());
    for (std::string encoding : {"utf-8", "windows-1252"}) {
        CAPTURE(encoding);
        std::string text = header;
        for (int copy = 0; text.size() < (std::size_t{3} << 19); ++copy) {
            const std::string& block = rows;
            // Ids made unique per copy: C000001 -> C000001x<copy>; a Latin-1 byte in a free-text column.
            std::string renamed;
            std::size_t line_start = 0;
            while (line_start < block.size()) {
                auto end = block.find('\n', line_start);
                auto line = block.substr(line_start, end - line_start);
                auto comma = line.find(',');
                renamed += line.substr(0, comma) + "x" + std::to_string(copy) + line.substr(comma);
                if (encoding != "utf-8") renamed.pop_back(), renamed += "\xE9\"";
                renamed += '\n';
                line_start = end == std::string::npos ? block.size() : end + 1;
            }
            text += renamed;
        }
        auto path = temp_dir() + "/population.csv";
        write_text(path, text);
        PopulationArgs args;
        args.fieldwork = "2019-06-03";
        args.encoding = encoding;
        auto loaded = load_population(path, args);
        CHECK(loaded.inputs.front().bytes == text.size());
        CHECK(loaded.inputs.front().sha256 == sha256_hex(text));
        CHECK(loaded.population.size() > 10000);
    }
}

TEST_CASE("sample folder: a large excluded.csv is written and verified a piece at a time, every change found") {
    // The bundled population and 25,000 cases dated long before fieldwork: excluded.csv of about 2.5 MB, written
    // and compared in pieces of a megabyte; a change in any piece, a cut or an addition is a difference.
    const auto base = fs::path(temp_dir());
    const auto population = (base / "population.csv").string();
    std::string text = read_text(source_path("fixtures/population.csv"));
    for (int i = 0; i < 25000; ++i)
        text += "X" + std::to_string(100000 + i) + ",Referral Order,2012-05-1" + std::to_string(i % 10) + ",Male,Low,Low,W,n\n";
    write_text(population, text);
    auto spec = bundled_spec(3, 0);
    spec.population = population;
    const auto dir = base / "f";
    draw_into_folder(dir, spec);
    const auto excluded = (dir / "excluded.csv").string();
    const auto whole = read_text(excluded);
    REQUIRE(whole.size() > (std::size_t{2} << 20));
    CHECK(whole.ends_with("\nX124999,Referral Order,2012-05-19,court,\"too old for court: dated 2012-05-19, before "
                          "2018-09-03\"\n"));
    CHECK(verify_folder(dir.string()).identical());

    auto differs = [&](const std::string& changed, const std::string& where) {
        write_text(excluded, changed);
        auto v = verify_folder(dir.string());
        CHECK(!v.identical());
        REQUIRE(v.differences.size() == 1);
        CHECK(v.differences[0].find("excluded.csv") != std::string::npos);
        CHECK_MESSAGE(v.differences[0].find(where) != std::string::npos, v.differences[0]);
    };
    std::string edited = whole;
    const auto at = whole.find("X112000");
    edited[at + 1] = '9';  // X912000: in the second megabyte
    differs(edited, "X912000");
    differs(whole.substr(0, whole.size() - 1), "excluded.csv");  // the last line break cut off
    differs(whole + "X1,Referral Order,2012-05-10,court,too old\n", "X1");
    write_text(excluded, whole);
    CHECK(verify_folder(dir.string()).identical());
}

TEST_CASE("sample folder: excluded.csv of a five-year export is byte for byte the in-memory writer's") {
    // fixtures/export-5-years.csv: generate_population.py --cases 1500 --years 5 --seed 7 (1,414 of its cases
    // outside the windows) and seven cases whose ids a spreadsheet would take for a formula or that need quoting
    // (= + - @, a comma, a quote, a leading space). The SHA-256 is of the excluded.csv written by casesample
    // 0.3.0 at 1174936, which built the file whole in memory before writing it; the streamed file must match it.
    auto spec = bundled_spec(1, 0);
    spec.population = source_path("fixtures/export-5-years.csv");
    spec.request.sizes = {{"court", 30}, {"out-of-court", 10}};
    const auto dir = fs::path(temp_dir()) / "export";
    draw_into_folder(dir, spec);
    const auto excluded = (dir / "excluded.csv").string();
    CHECK(fs::file_size(excluded) == 154566);
    CHECK(sha256_file(excluded) == "edad73e4e998805af2898d208ef3da4e4b09ea266d3d02e21b03bf676a22614a");
    CHECK(verify_folder(dir.string()).identical());
}

TEST_CASE("sample folder: audit_changes counts the changes made, not the log's rows (reserves writes one per domain)") {
    auto row = [](const std::string& time, const std::string& action, const std::string& domain) {
        AuditEntry e;
        e.time = time;
        e.action = action;
        e.domain = domain;
        return e;
    };
    CHECK(audit_changes_words({}) == "no change");
    // One reserves run over two domains: one change.
    std::vector<AuditEntry> log = {row("T1", "reserves", "court"), row("T1", "reserves", "out-of-court")};
    CHECK(audit_changes(log).total() == 1);
    CHECK(audit_changes_words(log) == "1 change: reserves added");
    // Two runs within the same second: a domain met again starts the next run.
    log.push_back(row("T1", "reserves", "court"));
    CHECK(audit_changes(log).reserve_additions == 2);
    // An input row goes with the change after it; substitutions and drops are one change a row.
    log.push_back(row("T2", "input", ""));
    log.push_back(row("T2", "substitute", "court"));
    log.push_back(row("T3", "substitute", "court"));
    log.push_back(row("T4", "drop", "out-of-court"));
    log.push_back(row("T5", "reserves", "court"));
    const auto c = audit_changes(log);
    CHECK(c.substitutions == 2);
    CHECK(c.drops == 1);
    CHECK(c.reserve_additions == 3);
    CHECK(c.other == 0);
    CHECK(audit_changes_words(log) ==
          "6 changes: 2 substitutions, 1 case dropped without a replacement and reserves added 3 times");
}
