// A profile of a case-management system's exports (--profile, TOML).
#include "casesample/profile.hpp"
#include "fuzz_common.hpp"

CASESAMPLE_FUZZ_TARGET({ (void)casesample::parse_profile("profile.toml", text); })
