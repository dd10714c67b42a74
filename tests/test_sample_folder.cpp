// The sample folder module through its C++ interface: what batch and the commands call.
#include <doctest/doctest.h>

#include <filesystem>

#include "casesample/error.hpp"
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

TEST_CASE("sample folder: the same spec gives the same bytes; substitute_in_folder logs and verify replays it") {
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
