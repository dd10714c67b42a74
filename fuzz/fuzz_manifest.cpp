// A sample folder's manifest.json.
#include "casesample/manifest.hpp"
#include "fuzz_common.hpp"

CASESAMPLE_FUZZ_TARGET({ (void)casesample::parse_manifest("manifest.json", text); })
