// The population CSV: the CSV reader, the vocabulary matching, dates, duplicate ids.
#include "casesample/csv.hpp"
#include "casesample/population.hpp"
#include "fuzz_common.hpp"

CASESAMPLE_FUZZ_TARGET({
    auto reader = casesample::CsvReader::from_string("population.csv", text);
    casesample::PopulationOptions options;
    options.keep_columns = {"worker"};
    (void)casesample::parse_population(reader, options);
})
