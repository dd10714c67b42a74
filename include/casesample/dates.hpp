#pragma once
// Calendar dates as day numbers, parsing of the formats case-management exports use, and month
// arithmetic for eligibility windows.
#include <optional>
#include <string>
#include <string_view>

namespace casesample {

// Days since 1970-01-01 in the proleptic Gregorian calendar.
struct Date {
    int days = 0;
    friend auto operator<=>(Date, Date) = default;
};

Date date_from_ymd(int year, int month, int day);
void ymd_from_date(Date d, int& year, int& month, int& day);

// Accepts YYYY-MM-DD (ISO, as databases export) and DD/MM/YYYY (as UK Excel shows dates).
// Returns nullopt for anything else, including impossible dates such as 2019-02-30.
std::optional<Date> parse_date(std::string_view text);
std::string format_date(Date d);  // YYYY-MM-DD

// The same day of the month `months` months later (negative: earlier). When that month is shorter,
// the result is its last day: 2019-05-31 minus 3 months is 2019-02-28.
Date add_months(Date d, int months);

}  // namespace casesample
