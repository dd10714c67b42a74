#include <doctest/doctest.h>

#include "casesample/dates.hpp"
#include "casesample/error.hpp"

using namespace casesample;

TEST_CASE("dates parse as ISO or UK day/month/year, and nothing else") {
    CHECK(format_date(*parse_date("2019-06-03")) == "2019-06-03");
    CHECK(format_date(*parse_date("03/06/2019")) == "2019-06-03");
    CHECK(format_date(*parse_date("2020-02-29")) == "2020-02-29");
    for (const char* bad : {"2019-02-29", "2019-13-01", "2019-00-10", "2019-6-3", "06/03/19", "yesterday", "",
                            "2019-06-03X10:00", "1899-12-31", "2019/06/03", "31/04/2019", "3/6/19", "03/06/2019 noon",
                            "003/06/2019", "03/06/20190", "2019-06-03T", "3//2019"})
        CHECK_MESSAGE(!parse_date(bad), bad);
}

TEST_CASE("Excel's and databases' dates: D/M/YYYY, with a time, ISO with a time") {
    for (const char* good : {"3/6/2019", "03/6/2019", "3/06/2019", "03/06/2019 00:00", "3/6/2019 0:00",
                             "03/06/2019 00:00:00", "2019-06-03T00:00:00", "2019-06-03 00:00:00.000",
                             "2019-06-03T10:00", "2019-06-03T00:00:00Z", " 03/06/2019 ", "03/06/2019 12:00 PM"})
        CHECK_MESSAGE(parse_date(good) == parse_date("2019-06-03"), good);
}

TEST_CASE("--date-format: day, month, year, two-digit years, month names, times ignored") {
    auto june3 = parse_date("2019-06-03");
    CHECK(parse_date_with_format("06/03/2019", "%m/%d/%Y") == june3);
    CHECK(parse_date_with_format("3.6.19", "%d.%m.%y") == june3);
    CHECK(parse_date_with_format("03-Jun-2019", "%d-%b-%Y") == june3);
    CHECK(parse_date_with_format("3 June 2019 14:05", "%d %B %Y") == june3);
    CHECK(parse_date_with_format("2019.06.03 14:05:00", "%Y.%m.%d %H:%M:%S") == june3);
    CHECK(parse_date_with_format("3.6.99", "%d.%m.%y") == parse_date("1999-06-03"));
    CHECK(parse_date_with_format("3.6.69", "%d.%m.%y") == parse_date("2069-06-03"));
    CHECK(!parse_date_with_format("31.2.19", "%d.%m.%y"));
    CHECK(!parse_date_with_format("3/6/2019", "%d.%m.%Y"));
    CHECK(!parse_date_with_format("03-Jux-2019", "%d-%b-%Y"));
    CHECK_NOTHROW(check_date_format("%d.%m.%y"));
    CHECK_THROWS_AS(check_date_format("%d.%m"), UsageError);
    CHECK_THROWS_AS(check_date_format("%d.%m.%q"), UsageError);
    CHECK_THROWS_AS(check_date_format("%d.%m.%Y%"), UsageError);
}

TEST_CASE("day numbers round-trip over four centuries") {
    for (int d = date_from_ymd(1900, 1, 1).days; d < date_from_ymd(2300, 1, 1).days; d += 17) {
        int y, m, dd;
        ymd_from_date(Date{d}, y, m, dd);
        CHECK(date_from_ymd(y, m, dd).days == d);
    }
    CHECK(date_from_ymd(1970, 1, 1).days == 0);
}

TEST_CASE("months are added by calendar month, clamping to the month's last day") {
    auto d = [](const char* s) { return *parse_date(s); };
    CHECK(format_date(add_months(d("2019-06-03"), -6)) == "2018-12-03");
    CHECK(format_date(add_months(d("2019-06-03"), -9)) == "2018-09-03");
    CHECK(format_date(add_months(d("2019-05-31"), -3)) == "2019-02-28");
    CHECK(format_date(add_months(d("2020-05-31"), -3)) == "2020-02-29");
    CHECK(format_date(add_months(d("2019-01-15"), -1)) == "2018-12-15");
    CHECK(format_date(add_months(d("2019-12-31"), 2)) == "2020-02-29");
}

TEST_CASE("append_date writes what format_date writes: every day from 1900 to 2100, and years 0 to 9999 and beyond") {
    // append_date formats by integer arithmetic (excluded.csv's million rows); format_date through snprintf.
    auto same = [](Date d) {
        std::string out = "x,";
        append_date(out, d);
        CAPTURE(d.days);
        CHECK(out == "x," + format_date(d));
    };
    for (int day = date_from_ymd(1900, 1, 1).days; day <= date_from_ymd(2100, 12, 31).days; ++day) same(Date{day});
    for (int day = date_from_ymd(0, 1, 1).days - 800; day <= date_from_ymd(9999, 12, 31).days + 800; day += 97)
        same(Date{day});
    for (int day : {date_from_ymd(0, 1, 1).days - 1, date_from_ymd(0, 1, 1).days, date_from_ymd(9999, 12, 31).days,
                    date_from_ymd(9999, 12, 31).days + 1})
        same(Date{day});
    std::string out;
    append_date(out, date_from_ymd(2019, 2, 28));
    CHECK(out == "2019-02-28");
}
