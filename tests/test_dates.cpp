#include <doctest/doctest.h>

#include "casesample/dates.hpp"

using namespace casesample;

TEST_CASE("dates parse as ISO or UK day/month/year, and nothing else") {
    CHECK(format_date(*parse_date("2019-06-03")) == "2019-06-03");
    CHECK(format_date(*parse_date("03/06/2019")) == "2019-06-03");
    CHECK(format_date(*parse_date("2020-02-29")) == "2020-02-29");
    for (const char* bad : {"2019-02-29", "2019-13-01", "2019-00-10", "2019-6-3", "06/03/19", "yesterday", "",
                            "2019-06-03T10:00", "1899-12-31", "2019/06/03", "31/04/2019"})
        CHECK_MESSAGE(!parse_date(bad), bad);
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
