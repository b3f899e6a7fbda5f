/* The console: a terminal on the 16550 UART (COM1), with Linux's line
 * discipline for what programs use (n_tty's rules):
 *
 * - input from the receive interrupt into a 4 KiB ring (bytes beyond are
 *   dropped while nobody reads), through IGNCR/ICRNL/INLCR;
 * - ISIG: VINTR, VQUIT and VSUSP send SIGINT, SIGQUIT and SIGTSTP to the
 *   foreground process group of the session the console controls
 *   (proc/ctty.h), flushing the input unless NOFLSH;
 * - ICANON: a read returns complete lines only, one at a time; VERASE and
 *   VKILL edit the line being typed (ECHOE, ECHOK, ECHOKE erase their echo);
 *   VEOF ends a line without itself and, alone, reads as end of file;
 * - without ICANON, VMIN and VTIME decide when a read returns;
 * - ECHO (ECHOCTL: control characters as ^X; ECHONL) and output through
 *   OPOST/ONLCR;
 * - background groups reading get SIGTTIN, writing under TOSTOP or
 *   changing the settings SIGTTOU (proc/ctty.c).
 * Not done: VWERASE, VREPRINT, VLNEXT, VDISCARD, IXON flow control (the
 * UART is never stopped), parity and speed (the settings are kept only).
 *
 * con_lock (irqsave spinlock) protects the ring, the termios and the
 * window size, serialises writers to the UART, and is the condition lock
 * of rx_wait.  con_write_lock (mutex) lets one write(2) piece (up to 4 KiB)
 * out at a time, so lines from processes sharing the console are not cut
 * into each other's (Linux's tty atomic_write_lock); it is waited for
 * interruptibly, and readers never take it.  con_read_turn (mutex) is the
 * readers' turn between peek and consume (fs/sys_rw.c), one for every open
 * file of the console. */
#include <arch/cpu.h>
#include <arch/ioapic.h>
#include <arch/trap.h>
#include <drivers/console.h>
#include <drivers/uart.h>
#include <fs/kernel_api.h>
#include <fs/pipe_ring.h>
#include <fs/poll_head.h>
#include <kernel/errno.h>
#include <kernel/mutex.h>
#include <kernel/printk.h>
#include <kernel/string.h>
#include <kernel/uaccess.h>
#include <kernel/clock.h>
#include <proc/ctty.h>
#include <proc/signal.h>

#define COM1 0x3f8
#define REG_DATA 0
#define REG_IER 1
#define REG_IIR 2
#define REG_MCR 4
#define REG_LSR 5
#define LSR_DATA_READY 0x01
#define IER_RX 0x01
#define MCR_DTR_RTS_OUT2 0x0b /* OUT2 gates the UART's interrupt line on PC hardware */
#define CONSOLE_IRQ 4

/* termios bits used here (asm-generic/termbits.h) */
#define T_IGNCR 0000200
#define T_ICRNL 0000400
#define T_INLCR 0000100
#define T_IXON 0002000
#define T_OPOST 0000001
#define T_ONLCR 0000004
#define T_CS8 0000060
#define T_CREAD 0000200
#define T_B115200 0010002
#define T_ISIG 0000001
#define T_ICANON 0000002
#define T_ECHO 0000010
#define T_ECHOE 0000020
#define T_ECHOK 0000040
#define T_ECHONL 0000100
#define T_NOFLSH 0000200
#define T_TOSTOP 0000400
#define T_ECHOCTL 0001000
#define T_ECHOKE 0004000
#define T_IEXTEN 0100000
#define V_INTR 0
#define V_QUIT 1
#define V_ERASE 2
#define V_KILL 3
#define V_EOF 4
#define V_TIME 5
#define V_MIN 6
#define V_START 8
#define V_STOP 9
#define V_SUSP 10
#define V_EOL 11
#define V_REPRINT 12
#define V_DISCARD 13
#define V_WERASE 14
#define V_LNEXT 15
#define K_TCSBRK 0x5409
#define K_TCFLSH 0x540b
#define K_TCIFLUSH 0
#define K_TCOFLUSH 1
#define K_TCIOFLUSH 2
#define NS_PER_DECISECOND 100000000ull

static spinlock_t con_lock = SPINLOCK_INIT;
static uint8_t rx_buf[4096];
static struct pipe_ring rx = {rx_buf, sizeof rx_buf, 0, 0};
/* ICANON: the bytes at the ring's head that form complete lines (ended by
 * a newline, VEOL or VEOF); the rest is the line being edited, which a read
 * does not see.  con_lock. */
static size_t canon_len;
static uint64_t last_rx_ns; /* when the last byte arrived (VTIME's inter-byte timer); con_lock */
static struct waitq rx_wait = WAITQ_INIT(rx_wait);
/* Pollers and epoll entries of the console (fs/poll_head.h): woken by input. */
static struct poll_head console_poll_head = {SPINLOCK_INIT, LIST_HEAD_INIT(console_poll_head.hooks)};
/* Linux's defaults (stty sane), so programs that save and restore them see
 * the same values as there. */
static struct k_termios termios = {
    .c_iflag = T_ICRNL | T_IXON,
    .c_oflag = T_OPOST | T_ONLCR,
    .c_cflag = T_B115200 | T_CS8 | T_CREAD,
    .c_lflag = T_ISIG | T_ICANON | T_ECHO | T_ECHOE | T_ECHOK | T_ECHOCTL | T_ECHOKE | T_IEXTEN,
    .c_cc = {[V_INTR] = 3, [V_QUIT] = 28, [V_ERASE] = 127, [V_KILL] = 21, [V_EOF] = 4, [V_MIN] = 1,
             [V_START] = 17, [V_STOP] = 19, [V_SUSP] = 26, [V_REPRINT] = 18, [V_DISCARD] = 15, [V_WERASE] = 23,
             [V_LNEXT] = 22},
};
static struct k_winsize winsize = {24, 80, 0, 0};
/* The console as a controlling terminal; it is ttyS0 to Linux (4:64). */
static struct ctty console_ctty = CTTY_INIT(console_ctty, 4, 64);

/* Output with the termios' output processing (OPOST, ONLCR); con_lock held. */
static void output_locked(const char *s, size_t n)
{
    if ((termios.c_oflag & (T_OPOST | T_ONLCR)) == (T_OPOST | T_ONLCR))
        uart_write(s, n);
    else
        uart_write_raw(s, n);
}

/* Whether c is the enabled special character cc (0 disables, as Linux's
 * _POSIX_VDISABLE). */
static bool is_char(uint8_t c, int cc)
{
    return termios.c_cc[cc] && c == termios.c_cc[cc];
}

/* A control character echoes as ^X with ECHOCTL (tab and newline as they are). */
static bool echoes_as_caret(uint8_t c)
{
    return (termios.c_lflag & T_ECHOCTL) && (c < 32 || c == 127) && c != '\t' && c != '\n';
}

static void echo_locked(uint8_t c)
{
    if (echoes_as_caret(c)) {
        char caret[2] = {'^', (char)(c == 127 ? '?' : c + 64)};
        output_locked(caret, 2);
    } else {
        output_locked((const char *)&c, 1);
    }
}

/* Drops n bytes from the ring's head (con_lock held). */
static void drop_locked(size_t n)
{
    n = ring_drop(&rx, n);
    canon_len -= MIN(n, canon_len);
}

/* ICANON editing: takes back the last byte of the line being edited,
 * erasing its echo with ECHOE.  False if the line is empty. */
static bool erase_last_locked(void)
{
    if (rx.len <= canon_len)
        return false;
    uint8_t c = rx.buf[(rx.head + rx.len - 1) % rx.cap];
    rx.len--;
    if ((termios.c_lflag & (T_ECHO | T_ECHOE)) == (T_ECHO | T_ECHOE))
        for (int i = echoes_as_caret(c) ? 2 : 1; i > 0; i--)
            output_locked("\b \b", 3);
    return true;
}

/* One received byte through the line discipline (con_lock held).  Returns
 * the keyboard signal it stands for (ISIG), 0 for none. */
static int receive_locked(uint8_t c)
{
    uint32_t iflag = termios.c_iflag, lflag = termios.c_lflag;
    if (c == '\r') {
        if (iflag & T_IGNCR)
            return 0;
        if (iflag & T_ICRNL)
            c = '\n';
    } else if (c == '\n' && (iflag & T_INLCR)) {
        c = '\r';
    }
    if (lflag & T_ISIG) {
        int sig = is_char(c, V_INTR) ? SIGINT : is_char(c, V_QUIT) ? SIGQUIT : is_char(c, V_SUSP) ? SIGTSTP : 0;
        if (sig) {
            if (!(lflag & T_NOFLSH))
                drop_locked(rx.len);
            if (lflag & T_ECHO)
                echo_locked(c);
            return sig;
        }
    }
    bool echo = lflag & T_ECHO;
    if (lflag & T_ICANON) {
        if (is_char(c, V_ERASE)) {
            erase_last_locked();
            return 0;
        }
        if (is_char(c, V_KILL)) {
            if ((lflag & T_ECHOKE) && (lflag & T_ECHOE)) {
                while (erase_last_locked())
                    ;
            } else {
                rx.len = canon_len;
                if (echo && (lflag & T_ECHOK))
                    output_locked("\n", 1);
            }
            return 0;
        }
        bool ends_line = c == '\n' || is_char(c, V_EOF) || is_char(c, V_EOL);
        if (!ring_write(&rx, &c, 1))
            return 0; /* dropped when full */
        if (ends_line)
            canon_len = rx.len;
        if (c == '\n' ? (echo || (lflag & T_ECHONL)) : echo && !is_char(c, V_EOF))
            echo_locked(c);
        return 0;
    }
    if (ring_write(&rx, &c, 1) && echo)
        echo_locked(c);
    return 0;
}

static void console_irq(struct trap_frame *tf, void *arg)
{
    (void)tf;
    (void)arg;
    bool got = false;
    int sig = 0;
    uint64_t flags = spin_lock_irqsave(&con_lock);
    while (inb(COM1 + REG_LSR) & LSR_DATA_READY) {
        int s = receive_locked(inb(COM1 + REG_DATA));
        sig = s ? s : sig;
        got = true;
    }
    if (got) {
        last_rx_ns = clock_monotonic_ns();
        waitq_wake_all(&rx_wait);
    }
    spin_unlock_irqrestore(&con_lock, flags);
    if (sig)
        ctty_signal_foreground(&console_ctty, sig); /* takes process_tree_lock: after con_lock */
    if (got)
        poll_head_notify(&console_poll_head, K_POLLIN | K_POLLRDNORM);
}

void console_init(void)
{
    if (trap_set_handler(VEC_IRQ_BASE + CONSOLE_IRQ, console_irq, NULL) ||
        ioapic_route(CONSOLE_IRQ, false, false)) {
        printk(LOG_WARN, "console: cannot route the UART interrupt; console input unavailable");
        return;
    }
    outb(COM1 + REG_MCR, MCR_DTR_RTS_OUT2);
    outb(COM1 + REG_IER, IER_RX);
    (void)inb(COM1 + REG_IIR); /* clear a pending identification */
    ctty_register(&console_ctty);
}

/* ICANON: the bytes a read may take from the ring right now: up to n of
 * the complete lines, through the first line end, stopping before VEOF.
 * *eof is set when the ring starts with VEOF.  con_lock held. */
static size_t canon_readable_locked(size_t n, bool *eof)
{
    *eof = false;
    size_t k = 0;
    for (; k < n && k < canon_len; k++) {
        uint8_t c = rx.buf[(rx.head + k) % rx.cap];
        if (is_char(c, V_EOF)) {
            *eof = k == 0;
            break;
        }
        if (c == '\n' || is_char(c, V_EOL)) {
            k++;
            break;
        }
    }
    return k;
}

/* Without ICANON: how many bytes a read of n takes now (0: wait), from
 * VMIN and VTIME as Linux's n_tty: VMIN bytes, or what there is once VTIME
 * tenths of a second passed (since the read began when VMIN is 0, since
 * the last byte otherwise).  *deadline gets when to look again (0: only
 * when a byte comes); *done is set when the read ends with what it has.
 * con_lock held. */
static size_t raw_readable_locked(size_t n, uint64_t start, uint64_t now, uint64_t *deadline, bool *done)
{
    size_t vmin = termios.c_cc[V_MIN];
    uint64_t vtime = termios.c_cc[V_TIME] * NS_PER_DECISECOND;
    size_t avail = MIN(n, rx.len);
    *deadline = 0;
    *done = false;
    if (avail >= MAX(MIN(vmin, n), (size_t)1))
        return avail;
    if (!vmin && !vtime) {
        *done = true;
        return avail;
    }
    if (vtime) {
        uint64_t from = vmin ? (avail ? last_rx_ns : 0) : start;
        if (from) {
            *deadline = from + vtime;
            if (now >= *deadline)
                *done = true;
        }
    }
    return *done ? avail : 0;
}

static int64_t console_read(struct file *f, void *buf, size_t n, uint64_t *pos, unsigned io)
{
    (void)f;
    (void)pos;
    int bg = ctty_check_io(&console_ctty, false); /* a background group gets SIGTTIN */
    if (bg)
        return bg;
    uint64_t start = clock_monotonic_ns();
    uint64_t flags = spin_lock_irqsave(&con_lock);
    int64_t r;
    for (;;) {
        bool eof = false, done = false;
        uint64_t deadline = 0;
        size_t k = (termios.c_lflag & T_ICANON) ? canon_readable_locked(n, &eof)
                                                 : raw_readable_locked(n, start, clock_monotonic_ns(), &deadline, &done);
        if (eof) {
            drop_locked(1); /* even when peeking: an EOF copies nothing that could be lost */
            r = 0;
            break;
        }
        if (k || done) {
            struct pipe_ring copy = rx;
            ring_read(&copy, buf, k);
            if (!(io & IO_PEEK))
                drop_locked(k);
            r = (int64_t)k;
            break;
        }
        if (io & IO_NONBLOCK) {
            r = -EAGAIN;
            break;
        }
        r = waitq_wait_locked_interruptible(&rx_wait, &con_lock, deadline);
        if (r && r != -ETIMEDOUT)
            break;
    }
    spin_unlock_irqrestore(&con_lock, flags);
    return r;
}

/* After a peek: removes what reached the user.  A VEOF right after the
 * removed bytes ended that read, so it goes too (as on a terminal, where
 * "abc" Ctrl-D returns "abc" and the next read waits again). */
static void console_consume(struct file *f, size_t n)
{
    (void)f;
    uint64_t flags = spin_lock_irqsave(&con_lock);
    n = MIN(n, rx.len);
    uint8_t last = n ? rx.buf[(rx.head + n - 1) % rx.cap] : 0;
    bool ended_line = n && (last == '\n' || is_char(last, V_EOL));
    drop_locked(n);
    if (n && !ended_line && (termios.c_lflag & T_ICANON) && canon_len && is_char(rx.buf[rx.head], V_EOF))
        drop_locked(1);
    spin_unlock_irqrestore(&con_lock, flags);
}

#define CONSOLE_WRITE_SLICE 128

static struct mutex con_write_lock = MUTEX_INIT(con_write_lock);
static struct mutex con_read_turn = MUTEX_INIT(con_read_turn);

static struct mutex *console_read_turn(struct file *f)
{
    (void)f;
    return &con_read_turn;
}

static int64_t console_write(struct file *f, const void *buf, size_t n, uint64_t *pos, unsigned io)
{
    (void)f;
    (void)pos;
    (void)io;
    uint64_t flags = spin_lock_irqsave(&con_lock);
    bool tostop = termios.c_lflag & T_TOSTOP;
    spin_unlock_irqrestore(&con_lock, flags);
    int bg = tostop ? ctty_check_io(&console_ctty, true) : 0; /* a background group gets SIGTTOU */
    if (bg)
        return bg;
    if (mutex_lock_interruptible(&con_write_lock))
        return -EINTR;
    /* The UART takes one byte per port write (an exit to the hypervisor
     * each): a large write goes out in slices so interrupts and other
     * threads are never held off for long. */
    const char *p = buf;
    for (size_t done = 0; done < n;) {
        size_t slice = MIN(n - done, (size_t)CONSOLE_WRITE_SLICE);
        flags = spin_lock_irqsave(&con_lock);
        output_locked(p + done, slice);
        spin_unlock_irqrestore(&con_lock, flags);
        done += slice;
    }
    mutex_unlock(&con_write_lock);
    return (int64_t)n;
}

static struct poll_head *console_get_poll_head(struct file *f)
{
    (void)f;
    return &console_poll_head;
}

static unsigned console_poll(struct file *f, bool arm)
{
    (void)arm; /* the input interrupt wakes pollers */
    (void)f;
    uint64_t flags = spin_lock_irqsave(&con_lock);
    bool eof;
    bool readable = (termios.c_lflag & T_ICANON) ? canon_readable_locked(1, &eof) || eof : rx.len;
    unsigned m = K_POLLOUT | K_POLLWRNORM | (readable ? K_POLLIN | K_POLLRDNORM : 0);
    spin_unlock_irqrestore(&con_lock, flags);
    return m;
}

/* New settings: switching ICANON makes the ring's bytes whole lines (on)
 * or plain input (off), as Linux's n_tty_set_termios does.  con_lock held. */
static void set_termios_locked(const struct k_termios *t, bool flush)
{
    termios = *t;
    if (flush)
        drop_locked(rx.len); /* TCSAFLUSH: discard pending input */
    canon_len = rx.len;
    waitq_wake_all(&rx_wait); /* readers look again under the new rules */
}

static int console_ioctl(struct file *f, unsigned cmd, uint64_t uarg)
{
    (void)f;
    uint64_t flags;
    if (ctty_ioctl_cmd(cmd))
        return ctty_ioctl(&console_ctty, cmd, uarg);
    switch (cmd) {
    case K_TCGETS: {
        flags = spin_lock_irqsave(&con_lock);
        struct k_termios t = termios;
        spin_unlock_irqrestore(&con_lock, flags);
        return copy_to_user(uarg, &t, sizeof t);
    }
    case K_TCSETS:
    case K_TCSETSW:
    case K_TCSETSF: {
        struct k_termios t;
        if (copy_from_user(&t, uarg, sizeof t))
            return -EFAULT;
        int bg = ctty_check_io(&console_ctty, true); /* a background group gets SIGTTOU */
        if (bg)
            return bg;
        /* TCSETSW and TCSETSF wait for output to drain: it is written
         * synchronously, so it has. */
        flags = spin_lock_irqsave(&con_lock);
        set_termios_locked(&t, cmd == K_TCSETSF);
        spin_unlock_irqrestore(&con_lock, flags);
        return 0;
    }
    case K_TCSBRK: /* tcdrain (arg 1) and tcsendbreak: output is written synchronously */
        return 0;
    case K_TCFLSH:
        if (uarg > K_TCIOFLUSH)
            return -EINVAL;
        if (uarg != K_TCOFLUSH) {
            flags = spin_lock_irqsave(&con_lock);
            drop_locked(rx.len);
            spin_unlock_irqrestore(&con_lock, flags);
        }
        return 0;
    case K_TIOCGWINSZ: {
        flags = spin_lock_irqsave(&con_lock);
        struct k_winsize w = winsize;
        spin_unlock_irqrestore(&con_lock, flags);
        return copy_to_user(uarg, &w, sizeof w);
    }
    case K_TIOCSWINSZ: {
        struct k_winsize w;
        if (copy_from_user(&w, uarg, sizeof w))
            return -EFAULT;
        flags = spin_lock_irqsave(&con_lock);
        winsize = w;
        spin_unlock_irqrestore(&con_lock, flags);
        return 0;
    }
    case K_FIONREAD: {
        flags = spin_lock_irqsave(&con_lock);
        int n = (int)((termios.c_lflag & T_ICANON) ? canon_len : rx.len);
        spin_unlock_irqrestore(&con_lock, flags);
        return copy_to_user(uarg, &n, sizeof n);
    }
    default:
        return -ENOTTY;
    }
}

/* /dev/ttyS0: a session leader without a terminal acquires it on open. */
static int console_serial_open(struct file *f)
{
    ctty_open(&console_ctty, f->flags & K_O_NOCTTY);
    return 0;
}

/* /dev/tty: the caller's controlling terminal, which can only be this one. */
static int console_tty_open(struct file *f)
{
    (void)f;
    return ctty_open_current(&console_ctty);
}

/* /dev/console never becomes a controlling terminal by an open (Linux). */
#define CONSOLE_FILE_OPS \
    .read = console_read, .write = console_write, .consume = console_consume, .read_turn = console_read_turn, \
    .seekable = false, .ioctl = console_ioctl, .poll = console_poll, .poll_head = console_get_poll_head
const struct file_ops console_ops = {CONSOLE_FILE_OPS};
const struct file_ops console_serial_ops = {CONSOLE_FILE_OPS, .open = console_serial_open};
const struct file_ops console_tty_ops = {CONSOLE_FILE_OPS, .open = console_tty_open};
