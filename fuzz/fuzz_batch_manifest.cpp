// A batch services file (SERVICES.toml, TOML), parsed as `casesample batch` reads it.
#include "casesample/batch.hpp"
#include "fuzz_common.hpp"

CASESAMPLE_FUZZ_TARGET({ (void)casesample::parse_batch_manifest("SERVICES.toml", text); })
