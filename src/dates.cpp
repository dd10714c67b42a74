#include "casesample/dates.hpp"

#include <charconv>
#include <cstdio>

#include "casesample/error.hpp"

namespace casesample {

// Howard Hinnant's days_from_civil / civil_from_days algorithms.
Date date_from_ymd(int y, int m, int d) {
    y -= m <= 2;
    const int era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return Date{era * 146097 + static_cast<int>(doe) - 719468};
}

void ymd_from_date(Date date, int& y, int& m, int& d) {
    int z = date.days + 719468;
    const int era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = static_cast<int>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
    m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
    y += m <= 2;
}

namespace {
int days_in_month(int y, int m) {
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dm[m - 1];
}

}  // namespace

namespace {
bool valid_ymd(int y, int m, int d) { return y >= 1900 && y <= 2999 && m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m); }

// Digits at t[i...], at least `least` and at most `most`; advances i.
bool take_number(std::string_view t, std::size_t& i, std::size_t least, std::size_t most, int& out) {
    std::size_t j = i;
    while (j < t.size() && j - i < most && t[j] >= '0' && t[j] <= '9') ++j;
    if (j - i < least) return false;
    out = 0;
    for (std::size_t k = i; k < j; ++k) out = out * 10 + (t[k] - '0');
    i = j;
    return true;
}

// What may follow a date: nothing, or a time: a space or 'T', then digits, ':' and '.' (and an optional 'Z').
bool time_or_nothing(std::string_view rest) {
    if (rest.empty()) return true;
    if (rest[0] != ' ' && rest[0] != 'T') return false;
    rest.remove_prefix(1);
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    if (rest.empty() || rest[0] < '0' || rest[0] > '9') return false;
    for (char c : rest)
        if (!((c >= '0' && c <= '9') || c == ':' || c == '.' || c == 'Z' || c == ' ')) {
            // "00:00 AM"
            auto tail = rest.substr(rest.find_first_not_of("0123456789:. "));
            return tail == "AM" || tail == "PM" || tail == "am" || tail == "pm";
        }
    return true;
}

const char* kMonths[] = {"january", "february", "march",     "april",   "may",      "june",
                         "july",    "august",   "september", "october", "november", "december"};
}  // namespace

std::optional<Date> parse_date(std::string_view t) {
    while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
    while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
    int y = 0, m = 0, d = 0;
    std::size_t i = 0;
    if (t.size() >= 10 && t[4] == '-' && t[7] == '-') {
        // YYYY-MM-DD: eight digits at fixed places (the form of nearly every export; read without from_chars).
        static constexpr int at[8] = {0, 1, 2, 3, 5, 6, 8, 9};
        int digit[8];
        for (int k = 0; k < 8; ++k) {
            digit[k] = t[at[k]] - '0';
            if (digit[k] < 0 || digit[k] > 9) return std::nullopt;
        }
        y = ((digit[0] * 10 + digit[1]) * 10 + digit[2]) * 10 + digit[3];
        m = digit[4] * 10 + digit[5];
        d = digit[6] * 10 + digit[7];
        i = 10;
    } else if (take_number(t, i, 1, 2, d) && i < t.size() && t[i] == '/' && take_number(t, ++i, 1, 2, m) &&
               i < t.size() && t[i] == '/') {
        ++i;
        std::size_t start = i;
        if (!take_number(t, i, 4, 4, y) || i - start != 4) return std::nullopt;
    } else {
        return std::nullopt;
    }
    if (!time_or_nothing(t.substr(i))) return std::nullopt;
    if (!valid_ymd(y, m, d)) return std::nullopt;
    return date_from_ymd(y, m, d);
}

std::optional<Date> parse_date_with_format(std::string_view t, std::string_view f) {
    while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
    while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
    int y = -1, m = -1, d = -1, ignored = 0;
    std::size_t i = 0;
    for (std::size_t k = 0; k < f.size(); ++k) {
        if (f[k] != '%' || k + 1 == f.size()) {
            if (i >= t.size() || t[i] != f[k]) return std::nullopt;
            ++i;
            continue;
        }
        char code = f[++k];
        switch (code) {
            case 'd': if (!take_number(t, i, 1, 2, d)) return std::nullopt; break;
            case 'm': if (!take_number(t, i, 1, 2, m)) return std::nullopt; break;
            case 'Y': {
                std::size_t start = i;
                if (!take_number(t, i, 4, 4, y) || i - start != 4) return std::nullopt;
                break;
            }
            case 'y': {
                std::size_t start = i;
                if (!take_number(t, i, 2, 2, y) || i - start != 2) return std::nullopt;
                y += y < 70 ? 2000 : 1900;
                break;
            }
            case 'H': case 'M': case 'S':
                if (!take_number(t, i, 1, 2, ignored)) return std::nullopt;
                break;
            case 'b': case 'B': {
                std::size_t j = i;
                while (j < t.size() && ((t[j] >= 'a' && t[j] <= 'z') || (t[j] >= 'A' && t[j] <= 'Z'))) ++j;
                std::string word;
                for (std::size_t c = i; c < j; ++c) word += static_cast<char>(t[c] >= 'A' && t[c] <= 'Z' ? t[c] - 'A' + 'a' : t[c]);
                m = -1;
                for (int n = 0; n < 12; ++n)
                    if (word == kMonths[n] || (word.size() == 3 && std::string_view(kMonths[n]).substr(0, 3) == word) ||
                        (word == "sept" && n == 8))
                        m = n + 1;
                if (m < 0) return std::nullopt;
                i = j;
                break;
            }
            case '%':
                if (i >= t.size() || t[i] != '%') return std::nullopt;
                ++i;
                break;
            default: return std::nullopt;
        }
    }
    if (!time_or_nothing(t.substr(i))) return std::nullopt;
    if (!valid_ymd(y, m, d)) return std::nullopt;
    return date_from_ymd(y, m, d);
}

void check_date_format(std::string_view f) {
    bool day = false, month = false, year = false;
    for (std::size_t k = 0; k < f.size(); ++k) {
        if (f[k] != '%') continue;
        if (k + 1 == f.size())
            throw UsageError("--date-format '" + std::string(f) + "': a % at the end stands for nothing");
        char c = f[++k];
        if (c == 'd') day = true;
        else if (c == 'm' || c == 'b' || c == 'B') month = true;
        else if (c == 'Y' || c == 'y') year = true;
        else if (c != 'H' && c != 'M' && c != 'S' && c != '%')
            throw UsageError("--date-format '" + std::string(f) + "': unknown code %" + std::string(1, c) +
                             " (known: %d day, %m month, %b month name, %Y four-digit year, %y two-digit year, %H %M %S "
                             "time, %% a percent sign)");
    }
    if (!day || !month || !year)
        throw UsageError("--date-format '" + std::string(f) +
                         "' needs a day (%d), a month (%m or %b) and a year (%Y or %y), such as %d.%m.%Y");
}

std::string expected_date_text(const std::string& format, const OptionHints& hints) {
    if (!format.empty()) return "a date in the form " + format + " given with " + hints.name("date-format");
    return "a date such as 03/10/2018 or 3/10/2018 (day first, as in the UK), with or without a time, or "
           "2018-10-03; for any other form give " + hints.name("date-format") + ", such as " +
           hints.with("date-format", "%m/%d/%Y");
}

std::string format_date(Date date) {
    int y, m, d;
    ymd_from_date(date, y, m, d);
    char buf[48];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
    return buf;
}

void append_date(std::string& out, Date date) {
    int y, m, d;
    ymd_from_date(date, y, m, d);
    if (y < 0 || y > 9999) {
        out += format_date(date);
        return;
    }
    char buf[10] = {static_cast<char>('0' + y / 1000),     static_cast<char>('0' + y / 100 % 10),
                    static_cast<char>('0' + y / 10 % 10),  static_cast<char>('0' + y % 10),
                    '-',
                    static_cast<char>('0' + m / 10),       static_cast<char>('0' + m % 10),
                    '-',
                    static_cast<char>('0' + d / 10),       static_cast<char>('0' + d % 10)};
    out.append(buf, sizeof buf);
}

std::string format_date_in_words(Date date) {
    static const char* const months[] = {"January", "February", "March",     "April",   "May",      "June",
                                         "July",    "August",   "September", "October", "November", "December"};
    int y, m, d;
    ymd_from_date(date, y, m, d);
    return std::to_string(d) + " " + months[(m - 1) % 12] + " " + std::to_string(y);
}

Date add_months(Date date, int months) {
    int y, m, d;
    ymd_from_date(date, y, m, d);
    int total = y * 12 + (m - 1) + months;
    int ny = total >= 0 ? total / 12 : (total - 11) / 12;
    int nm = total - ny * 12 + 1;
    int nd = std::min(d, days_in_month(ny, nm));
    return date_from_ymd(ny, nm, nd);
}

}  // namespace casesample
