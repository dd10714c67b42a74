#pragma once
// Calendar dates as day numbers, parsing of the formats case-management exports use, and month
// arithmetic for eligibility windows.
#include <optional>
#include <string>
#include <string_view>

#include "casesample/option_hints.hpp"

namespace casesample {

// Days since 1970-01-01 in the proleptic Gregorian calendar.
struct Date {
    int days = 0;
    friend auto operator<=>(Date, Date) = default;
};

Date date_from_ymd(int year, int month, int day);
void ymd_from_date(Date d, int& year, int& month, int& day);

// Accepts YYYY-MM-DD (ISO, as databases export) and D/M/YYYY or DD/MM/YYYY (day first, as UK Excel shows
// dates), either with a time after it that is ignored ("03/10/2018 00:00", "2018-10-03T00:00:00",
// "2018-10-03 00:00:00.000"). Returns nullopt for anything else, including impossible dates such as 2019-02-30
// and two-digit years (those only through a format, below).
std::optional<Date> parse_date(std::string_view text);

// A date in the form `format` describes (--date-format): %d day, %m month (1 or 2 digits each), %Y four-digit
// year, %y two-digit year (00-69 as 2000-2069, 70-99 as 1970-1999), %b / %B month name (Jan / January, any
// case), %H %M %S hour, minute, second (read and ignored), %% a percent sign; any other character stands for
// itself, and a time or spaces after the date are ignored. nullopt when the text does not match or the date is
// impossible.
std::optional<Date> parse_date_with_format(std::string_view text, std::string_view format);
// Throws UsageError (quoting the format) when it has no day, month and year, or an unknown %-code.
void check_date_format(std::string_view format);
// What a date cell may hold, for messages: "a date such as 03/10/2018 (day first) or 2018-10-03".
std::string expected_date_text(const std::string& format = "", const OptionHints& hints = {});
std::string format_date(Date d);  // YYYY-MM-DD
// The same text appended to `out`, without a string of its own (for files of a million rows).
void append_date(std::string& out, Date d);
// In words, which no reader can take month first: "6 March 2019".
std::string format_date_in_words(Date d);

// The same day of the month `months` months later (negative: earlier). When that month is shorter,
// the result is its last day: 2019-05-31 minus 3 months is 2019-02-28.
Date add_months(Date d, int months);

}  // namespace casesample
