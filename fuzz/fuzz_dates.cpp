// Dates (YYYY-MM-DD, DD/MM/YYYY) and month windows.
#include "casesample/dates.hpp"
#include "casesample/population.hpp"
#include "fuzz_common.hpp"

CASESAMPLE_FUZZ_TARGET({
    if (auto d = casesample::parse_date(text)) (void)casesample::format_date(*d);
    (void)casesample::parse_month_window(text);
})
