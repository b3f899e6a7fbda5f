/* The CMOS RTC (MC146818 layout) behind ports 0x70/0x71.  The time is read
 * twice until two reads agree, so a read never straddles an update. */
#include <arch/cpu.h>
#include <kernel/errno.h>
#include <kernel/rtc.h>

#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71
#define NMI_DISABLE 0x80

enum { SEC = 0, MIN = 2, HOUR = 4, DAY = 7, MONTH = 8, YEAR = 9, STATUS_A = 10, STATUS_B = 11, CENTURY = 0x32 };

static uint8_t cmos(uint8_t reg)
{
    outb(CMOS_INDEX, NMI_DISABLE | reg);
    return inb(CMOS_DATA);
}

struct rtc_time {
    uint8_t sec, min, hour, day, month, year, century;
};

static void read_raw(struct rtc_time *t)
{
    for (int spins = 0; spins < 100000 && (cmos(STATUS_A) & 0x80); spins++) /* update in progress */
        cpu_relax();
    *t = (struct rtc_time){cmos(SEC), cmos(MIN), cmos(HOUR), cmos(DAY), cmos(MONTH), cmos(YEAR), cmos(CENTURY)};
}

static unsigned bcd(uint8_t v) { return (v & 0x0f) + (v >> 4) * 10u; }

int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    /* Howard Hinnant's algorithm: years start in March so leap days come last. */
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

int rtc_read_epoch(uint64_t *seconds)
{
    struct rtc_time a, b;
    read_raw(&a);
    for (int tries = 0; tries < 5; tries++) {
        read_raw(&b);
        if (!__builtin_memcmp(&a, &b, sizeof a))
            break;
        a = b;
    }
    if (a.sec == 0xff && a.min == 0xff)
        return -ENODEV;
    uint8_t status_b = cmos(STATUS_B);
    bool binary = status_b & 0x04, h24 = status_b & 0x02;
    bool pm = a.hour & 0x80;
    unsigned sec = binary ? a.sec : bcd(a.sec), min = binary ? a.min : bcd(a.min);
    unsigned hour = binary ? (a.hour & 0x7f) : bcd(a.hour & 0x7f);
    unsigned day = binary ? a.day : bcd(a.day), month = binary ? a.month : bcd(a.month);
    unsigned year = binary ? a.year : bcd(a.year);
    unsigned century = a.century && a.century != 0xff ? (binary ? a.century : bcd(a.century)) : 20;
    if (!h24)
        hour = (hour % 12) + (pm ? 12 : 0);
    if (sec > 59 || min > 59 || hour > 23 || day < 1 || day > 31 || month < 1 || month > 12 || century < 19 ||
        century > 30)
        return -ENODEV;
    int64_t days = days_from_civil(century * 100 + year, month, day);
    if (days < 0)
        return -ENODEV;
    *seconds = (uint64_t)days * 86400 + hour * 3600 + min * 60 + sec;
    return 0;
}
