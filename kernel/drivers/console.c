/* The console: a minimal terminal on the 16550 UART (COM1).
 *
 * Output goes straight to uart_write (which turns "\n" into "\r\n", i.e.
 * ONLCR is always on).  Input arrives by the receive interrupt into a
 * 4 KiB ring (bytes beyond are dropped while nobody reads).  There is no
 * echo and no line editing: a read returns what has arrived, up to and
 * including the first newline when ICANON is set (the default), and the
 * VEOF character (Ctrl-D) ends a read there: alone, it reads as EOF (0).
 * ICRNL (CR -> NL) applies when set, as it is by default.  TCSETS stores
 * the termios so TCGETS returns what was set; only ICRNL, ICANON and VEOF
 * change behaviour.
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
#include <kernel/errno.h>
#include <kernel/mutex.h>
#include <kernel/printk.h>
#include <kernel/string.h>
#include <kernel/uaccess.h>

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
#define T_ICRNL 0000400
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
#define T_IEXTEN 0100000
#define V_INTR 0
#define V_QUIT 1
#define V_ERASE 2
#define V_KILL 3
#define V_EOF 4
#define V_MIN 6

static spinlock_t con_lock = SPINLOCK_INIT;
static uint8_t rx_buf[4096];
static struct pipe_ring rx = {rx_buf, sizeof rx_buf, 0, 0};
static struct waitq rx_wait = WAITQ_INIT(rx_wait);
static struct k_termios termios = {
    .c_iflag = T_ICRNL | T_IXON,
    .c_oflag = T_OPOST | T_ONLCR,
    .c_cflag = T_B115200 | T_CS8 | T_CREAD,
    .c_lflag = T_ISIG | T_ICANON | T_ECHO | T_ECHOE | T_ECHOK | T_IEXTEN,
    .c_cc = {[V_INTR] = 3, [V_QUIT] = 28, [V_ERASE] = 127, [V_KILL] = 21, [V_EOF] = 4, [V_MIN] = 1},
};
static struct k_winsize winsize = {24, 80, 0, 0};

static void console_irq(struct trap_frame *tf, void *arg)
{
    (void)tf;
    (void)arg;
    bool got = false;
    uint64_t flags = spin_lock_irqsave(&con_lock);
    while (inb(COM1 + REG_LSR) & LSR_DATA_READY) {
        uint8_t c = inb(COM1 + REG_DATA);
        if (c == '\r' && (termios.c_iflag & T_ICRNL))
            c = '\n';
        ring_write(&rx, &c, 1); /* dropped when full */
        got = true;
    }
    if (got)
        waitq_wake_all(&rx_wait);
    spin_unlock_irqrestore(&con_lock, flags);
    if (got)
        poll_notify();
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
}

/* The bytes a read may take from the ring right now: up to n, through
 * the first newline (ICANON), stopping before VEOF.  *eof is set when the
 * ring starts with VEOF.  con_lock held. */
static size_t readable_locked(size_t n, bool *eof)
{
    bool canon = termios.c_lflag & T_ICANON;
    uint8_t veof = termios.c_cc[V_EOF];
    *eof = false;
    size_t k = 0;
    for (; k < n && k < rx.len; k++) {
        uint8_t c = rx.buf[(rx.head + k) % rx.cap];
        if (canon && c == veof) {
            *eof = k == 0;
            break;
        }
        if (canon && c == '\n') {
            k++;
            break;
        }
    }
    return k;
}

static int64_t console_read(struct file *f, void *buf, size_t n, uint64_t *pos, unsigned io)
{
    (void)f;
    (void)pos;
    uint64_t flags = spin_lock_irqsave(&con_lock);
    int64_t r;
    for (;;) {
        bool eof;
        size_t k = readable_locked(n, &eof);
        if (eof) {
            ring_drop(&rx, 1); /* even when peeking: an EOF copies nothing that could be lost */
            r = 0;
            break;
        }
        if (k) {
            struct pipe_ring copy = rx;
            ring_read(&copy, buf, k);
            if (!(io & IO_PEEK))
                ring_drop(&rx, k);
            r = (int64_t)k;
            break;
        }
        if (io & IO_NONBLOCK) {
            r = -EAGAIN;
            break;
        }
        r = waitq_wait_locked_interruptible(&rx_wait, &con_lock, 0);
        if (r)
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
    bool ended_line = n && rx.buf[(rx.head + n - 1) % rx.cap] == '\n';
    ring_drop(&rx, n);
    if (n && !ended_line && (termios.c_lflag & T_ICANON) && rx.len && rx.buf[rx.head] == termios.c_cc[V_EOF])
        ring_drop(&rx, 1);
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
    if (mutex_lock_interruptible(&con_write_lock))
        return -EINTR;
    /* The UART takes one byte per port write (an exit to the hypervisor
     * each): a large write goes out in slices so interrupts and other
     * threads are never held off for long. */
    const char *p = buf;
    for (size_t done = 0; done < n;) {
        size_t slice = MIN(n - done, (size_t)CONSOLE_WRITE_SLICE);
        uint64_t flags = spin_lock_irqsave(&con_lock);
        uart_write(p + done, slice);
        spin_unlock_irqrestore(&con_lock, flags);
        done += slice;
    }
    mutex_unlock(&con_write_lock);
    return (int64_t)n;
}

static unsigned console_poll(struct file *f, bool arm)
{
    (void)arm; /* the input interrupt wakes pollers */
    (void)f;
    uint64_t flags = spin_lock_irqsave(&con_lock);
    unsigned m = K_POLLOUT | K_POLLWRNORM | (rx.len ? K_POLLIN | K_POLLRDNORM : 0);
    spin_unlock_irqrestore(&con_lock, flags);
    return m;
}

static int console_ioctl(struct file *f, unsigned cmd, uint64_t uarg)
{
    (void)f;
    uint64_t flags;
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
        flags = spin_lock_irqsave(&con_lock);
        termios = t;
        if (cmd == K_TCSETSF)
            ring_drop(&rx, rx.len); /* TCSAFLUSH: discard pending input */
        spin_unlock_irqrestore(&con_lock, flags);
        return 0;
    }
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
        int n = (int)rx.len;
        spin_unlock_irqrestore(&con_lock, flags);
        return copy_to_user(uarg, &n, sizeof n);
    }
    default:
        return -ENOTTY;
    }
}

const struct file_ops console_ops = {
    .read = console_read,
    .write = console_write,
    .consume = console_consume,
    .read_turn = console_read_turn,
    .seekable = false,
    .ioctl = console_ioctl,
    .poll = console_poll,
};
