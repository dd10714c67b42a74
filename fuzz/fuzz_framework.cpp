// A framework JSON file.
#include "casesample/framework.hpp"
#include "fuzz_common.hpp"

CASESAMPLE_FUZZ_TARGET({ (void)casesample::Framework::parse("framework.json", text); })
