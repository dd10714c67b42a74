#pragma once
// A profile: how one case-management system exports its case list, written once and reused every inspection
// (--profile FILE). TOML:
//
//   # casesample profile for the XYZ case-management system
//   encoding = "windows-1252"            # utf-8 (default), windows-1252 or latin-1
//   date_format = "%d/%m/%Y %H:%M"       # as --date-format
//   unknown_as = "Not known"             # as --unknown-as
//   drop_identical_duplicates = true     # as --drop-identical-duplicates
//   [columns]                            # as --column: standard name = the header in this system's export
//   rosh = "Risk Level"
//   [synonyms]                           # more header names to try for a column, beside fixtures/headers.csv
//   swb = ["Safeguarding", "Wellbeing Level"]
//
// Options typed on the command line win over the profile's.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "casesample/csv.hpp"

namespace casesample {

struct Profile {
    std::map<std::string, std::string> columns;                // standard column -> header
    std::map<std::string, std::vector<std::string>> synonyms;  // standard column -> more headers
    std::string date_format;                                   // empty: the built-in forms
    std::optional<Encoding> encoding;
    std::optional<std::string> unknown_as;
    std::optional<bool> drop_identical_duplicates;
};

// Reads a profile. Throws InputError naming the file, line and column for TOML that does not parse, an
// unknown key, a value of the wrong kind, an unknown encoding or column, or a bad date format.
Profile load_profile(const std::string& path);
Profile parse_profile(const std::string& name, const std::string& text);

}  // namespace casesample
