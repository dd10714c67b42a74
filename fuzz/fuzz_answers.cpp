// The answers file in its three layouts (wide, long, aggregate), against the built-in framework.
#include "casesample/answers.hpp"
#include "casesample/framework.hpp"
#include "fuzz_common.hpp"

CASESAMPLE_FUZZ_TARGET({ (void)casesample::parse_answers("answers.csv", text, casesample::Framework::builtin()); })
