/* sqlite-test: Debian's SQLite (libsqlite3-dev, static) in a nutshell program.
 *
 *   sqlite-test tmpfs DIR       a database file in DIR (tmpfs): create, fill,
 *                               query, update, roll back, reopen; WAL
 *                               mode shared by two processes
 *   sqlite-test format DEV      an empty block-VFS layout on disk DEV
 *   sqlite-test fill DEV [N]    N transactions (0 or none: until killed) on
 *                               DEV, a line "sqlite-disk: committed K" after
 *                               each commit returns
 *   sqlite-test verify DEV      the disk after a crash: integrity, and every
 *                               transaction whole; prints "sqlite-disk:
 *                               K transactions intact"
 *
 * The tmpfs database uses SQLite's default unix VFS, which locks with
 * fcntl(F_SETLK) record locks (kernel/fs/file_lock.c); a second process
 * checks that they keep it out of a write transaction.  The disk uses the
 * block VFS (blockvfs.c): nutshell's disks are raw.  Each transaction of `fill` inserts ROWS rows for its number and adds
 * ROWS to a running total, so `verify` can tell a torn transaction. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "../check.h"
#include "blockvfs.h"

#define ROWS 20

/* Runs SQL that returns no rows; 1 if it worked, else reports why. */
static int exec(sqlite3 *db, const char *sql, const char *check_name)
{
    char *err = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
    if (rc != SQLITE_OK) {
        check(0, check_name, "%s: %s", sql, err ? err : sqlite3_errstr(rc));
        sqlite3_free(err);
        return 0;
    }
    return 1;
}

/* The first column of the first row of a query, as an integer (or -1). */
static sqlite3_int64 query_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    sqlite3_int64 v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* Column col of the first row as text, into buf. */
static const char *query_column(sqlite3 *db, const char *sql, int col, char *buf, size_t len)
{
    sqlite3_stmt *st;
    snprintf(buf, len, "(no row)");
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(buf, len, "(%s)", sqlite3_errmsg(db));
        return buf;
    }
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, col))
        snprintf(buf, len, "%s", (const char *)sqlite3_column_text(st, col));
    sqlite3_finalize(st);
    return buf;
}

static const char *query_text(sqlite3 *db, const char *sql, char *buf, size_t len)
{
    return query_column(db, sql, 0, buf, len);
}

static int integrity_ok(sqlite3 *db, const char *check_name)
{
    char buf[256];
    query_text(db, "PRAGMA integrity_check", buf, sizeof buf);
    check(!strcmp(buf, "ok"), check_name, "integrity_check: %s", buf);
    return !strcmp(buf, "ok");
}

/* The pipes between the two processes of a check: `up` from the partner
 * to this process, `down` back. */
static void close_pipes(int up[2], int down[2])
{
    close(up[0]);
    close(up[1]);
    close(down[0]);
    close(down[1]);
}

/* Forks the partner process of a two-process check, which runs
 * partner(path, its end of up, its end of down) and exits.  -1 after
 * reporting the check failed. */
static pid_t start_partner(const char *name, void (*partner)(const char *, int, int), const char *path, int up[2],
                           int down[2])
{
    if (pipe(up) < 0) {
        check(0, name, "pipe: %s", strerror(errno));
        return -1;
    }
    if (pipe(down) < 0) {
        check(0, name, "pipe: %s", strerror(errno));
        close(up[0]);
        close(up[1]);
        return -1;
    }
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        check(0, name, "fork: %s", strerror(errno));
        close_pipes(up, down);
        return -1;
    }
    if (pid == 0)
        partner(path, up[1], down[0]);
    return pid;
}

/* The child of locks_across_processes: holds a write transaction on the
 * database (SQLite's RESERVED lock, an fcntl lock on the file) from the
 * moment it writes to `held` until it reads from `go`, then commits. */
static _Noreturn void hold_write_lock(const char *path, int held, int go)
{
    sqlite3 *db;
    char c = 'L';
    int ok = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
             sqlite3_exec(db, "BEGIN IMMEDIATE; INSERT INTO item(name, grp) VALUES ('child', 9)", NULL, NULL,
                          NULL) == SQLITE_OK &&
             write(held, &c, 1) == 1 && read(go, &c, 1) == 1 &&
             sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK;
    sqlite3_close(db);
    _exit(ok ? 0 : 1);
}

/* Two processes on one database with the default unix VFS: while one holds
 * a write transaction the other's write is refused (SQLITE_BUSY, no
 * waiting), and succeeds once the first committed.  Without working record
 * locks (the unix-none VFS, or fcntl locks that do nothing) the second write
 * would go through at once. */
static void locks_across_processes(const char *path)
{
    const char *name = "sqlite/unix-vfs-locks-across-processes";
    int held[2], go[2];
    pid_t pid = start_partner(name, hold_write_lock, path, held, go);
    if (pid < 0)
        return;
    char c;
    sqlite3 *db = NULL;
    int got_lock = read(held[0], &c, 1) == 1;
    int busy = got_lock && sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
               sqlite3_busy_timeout(db, 0) == SQLITE_OK &&
               sqlite3_exec(db, "INSERT INTO item(name, grp) VALUES ('parent', 9)", NULL, NULL, NULL) == SQLITE_BUSY;
    int released = write(go[1], "G", 1) == 1;
    int status = -1;
    waitpid(pid, &status, 0);
    int after = db && sqlite3_exec(db, "INSERT INTO item(name, grp) VALUES ('parent', 9)", NULL, NULL, NULL) == SQLITE_OK;
    sqlite3_int64 rows = db ? query_int(db, "SELECT count(*) FROM item WHERE grp = 9") : -1;
    check(got_lock && busy && released && status == 0 && after && rows == 2, name,
          "child locked %d, parent's write refused while locked %d, child committed (status 0x%x), "
          "parent's write after %d, %lld rows (want 2)",
          got_lock, busy, (unsigned)status, after, (long long)rows);
    sqlite3_close(db);
    close_pipes(held, go);
}

/* The child of wal_across_processes: makes the database, in WAL mode, with
 * 100 rows, keeps it open (so the log is not checkpointed away), tells the
 * parent on `ready`, waits on `go`, and must then see the parent's row. */
static _Noreturn void wal_writer(const char *path, int ready, int go)
{
    sqlite3 *db;
    char c = 'R', mode[16] = "";
    int ok = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) == SQLITE_OK &&
             !strcmp(query_text(db, "PRAGMA journal_mode=WAL", mode, sizeof mode), "wal") &&
             sqlite3_exec(db, "CREATE TABLE t(v INTEGER); BEGIN;"
                              "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100)"
                              "INSERT INTO t SELECT i FROM n; COMMIT",
                          NULL, NULL, NULL) == SQLITE_OK &&
             write(ready, &c, 1) == 1 && read(go, &c, 1) == 1 && query_int(db, "SELECT count(*) FROM t") == 101;
    sqlite3_close(db);
    _exit(ok ? 0 : 1);
}

/* WAL mode across two processes: readers find the newest pages through the
 * wal-index, a `-shm` file each connection maps MAP_SHARED, so a row one
 * process commits is in the other's mapping at once.  Both keep their
 * connections open, so every read goes through the log, not the database file. */
static void wal_across_processes(const char *dir)
{
    const char *name = "sqlite/wal-mode-across-processes";
    char path[512], wal[520];
    snprintf(path, sizeof path, "%s/sqlite-wal.db", dir);
    snprintf(wal, sizeof wal, "%s-wal", path);
    remove(path);
    int ready[2], go[2];
    pid_t pid = start_partner(name, wal_writer, path, ready, go);
    if (pid < 0)
        return;
    char c, mode[16] = "";
    sqlite3 *db = NULL;
    int made = read(ready[0], &c, 1) == 1;
    int log_exists = made && access(wal, F_OK) == 0;
    int opened = made && sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK;
    int is_wal = opened && !strcmp(query_text(db, "PRAGMA journal_mode", mode, sizeof mode), "wal");
    sqlite3_int64 seen = opened ? query_int(db, "SELECT count(*) FROM t") : -1;
    int wrote = opened && sqlite3_exec(db, "INSERT INTO t VALUES (101)", NULL, NULL, NULL) == SQLITE_OK;
    int released = write(go[1], "G", 1) == 1;
    int status = -1;
    waitpid(pid, &status, 0);
    check(made && log_exists && is_wal && seen == 100 && wrote && released && status == 0, name,
          "child made it %d, -wal file %d, journal_mode %s, parent saw %lld rows (want 100), parent wrote %d, "
          "child saw the parent's row (status 0x%x)",
          made, log_exists, mode, (long long)seen, wrote, (unsigned)status);
    sqlite3_close(db);
    close_pipes(ready, go);
    remove(path);
}

static int on_tmpfs(const char *dir)
{
    char path[512];
    snprintf(path, sizeof path, "%s/sqlite-test.db", dir);
    remove(path);
    sqlite3 *db;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    check(rc == SQLITE_OK, "sqlite/open-on-tmpfs", "%s: %s", path, sqlite3_errstr(rc));
    if (rc != SQLITE_OK)
        return check_status();

    /* 1000 rows in one transaction, with a prepared, bound statement. */
    int ok = exec(db, "CREATE TABLE item(id INTEGER PRIMARY KEY, name TEXT, grp INTEGER, price REAL);"
                      "CREATE INDEX item_grp ON item(grp);"
                      "CREATE TABLE grp(id INTEGER PRIMARY KEY, label TEXT);"
                      "INSERT INTO grp VALUES (0,'zero'),(1,'one'),(2,'two'),(3,'three'),(4,'four'),"
                      "(5,'five'),(6,'six');",
                  "sqlite/create-tables");
    sqlite3_stmt *ins = NULL;
    ok = ok && exec(db, "BEGIN", "sqlite/insert-1000-rows") &&
         sqlite3_prepare_v2(db, "INSERT INTO item(name, grp, price) VALUES (?, ?, ?)", -1, &ins, NULL) == SQLITE_OK;
    for (int i = 1; ok && i <= 1000; i++) {
        char name[32];
        snprintf(name, sizeof name, "item-%04d", i);
        sqlite3_bind_text(ins, 1, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(ins, 2, i % 7);
        sqlite3_bind_double(ins, 3, i * 0.5);
        ok = sqlite3_step(ins) == SQLITE_DONE && sqlite3_reset(ins) == SQLITE_OK;
    }
    sqlite3_finalize(ins);
    ok = ok && exec(db, "COMMIT", "sqlite/insert-1000-rows");
    check(ok && query_int(db, "SELECT count(*) FROM item") == 1000, "sqlite/insert-1000-rows", "%s",
          sqlite3_errmsg(db));

    /* Queries: aggregate, index lookup, join with grouping. */
    check(query_int(db, "SELECT CAST(sum(price) * 2 AS INTEGER) FROM item") == 500500, "sqlite/aggregate",
          "sum = %lld", (long long)query_int(db, "SELECT CAST(sum(price) * 2 AS INTEGER) FROM item"));
    char buf[256];
    /* EXPLAIN QUERY PLAN's columns: id, parent, notused, detail. */
    query_column(db, "EXPLAIN QUERY PLAN SELECT * FROM item WHERE grp = 3", 3, buf, sizeof buf);
    check(strstr(buf, "item_grp") != NULL, "sqlite/index-is-used", "plan: %s", buf);
    query_text(db, "SELECT group_concat(label || ':' || n, ',') FROM (SELECT g.label, count(*) AS n FROM item i "
                   "JOIN grp g ON g.id = i.grp GROUP BY g.id ORDER BY g.id LIMIT 3)", buf, sizeof buf);
    check(!strcmp(buf, "zero:142,one:143,two:143"), "sqlite/join-group-by", "got %s", buf);

    /* A rolled-back transaction leaves nothing behind; a committed one stays. */
    ok = exec(db, "BEGIN; DELETE FROM item WHERE grp = 0; UPDATE item SET price = 0; ROLLBACK",
              "sqlite/rollback-undoes");
    check(ok && query_int(db, "SELECT count(*) FROM item WHERE price > 0") == 1000, "sqlite/rollback-undoes",
          "%lld rows with a price", (long long)query_int(db, "SELECT count(*) FROM item WHERE price > 0"));
    ok = exec(db, "DELETE FROM item WHERE grp = 0", "sqlite/delete");
    check(ok && query_int(db, "SELECT count(*) FROM item") == 858, "sqlite/delete", "count %lld",
          (long long)query_int(db, "SELECT count(*) FROM item"));
    integrity_ok(db, "sqlite/integrity-check");
    sqlite3_close(db);

    /* The file holds it all: a new connection reads it back. */
    rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
    check(rc == SQLITE_OK && query_int(db, "SELECT count(*) FROM item") == 858, "sqlite/reopened-file-has-the-data",
          "open %s, %s", sqlite3_errstr(rc), sqlite3_errmsg(db));
    sqlite3_close(db);
    locks_across_processes(path);
    check(remove(path) == 0, "sqlite/database-file-removed", "%s", strerror(errno));
    wal_across_processes(dir);
    return check_status();
}

/* Opens the database on a formatted device; NULL after a message. */
static sqlite3 *open_disk(const char *dev)
{
    int rc = blockvfs_register(dev);
    if (rc != SQLITE_OK) {
        fprintf(stderr, "sqlite-test: %s: %s\n", dev, sqlite3_errstr(rc));
        return NULL;
    }
    sqlite3 *db;
    rc = sqlite3_open_v2(dev, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, BLOCKVFS_NAME);
    /* synchronous=FULL: a commit is on the disk when COMMIT returns. */
    if (rc != SQLITE_OK || sqlite3_exec(db, "PRAGMA synchronous=FULL; PRAGMA journal_mode=DELETE;"
                                            "CREATE TABLE IF NOT EXISTS row(txn INTEGER, i INTEGER, v TEXT);"
                                            "CREATE TABLE IF NOT EXISTS total(n INTEGER);"
                                            "INSERT INTO total SELECT 0 WHERE NOT EXISTS (SELECT * FROM total);",
                                        NULL, NULL, NULL) != SQLITE_OK) {
        fprintf(stderr, "sqlite-test: %s: %s\n", dev, sqlite3_errmsg(db));
        sqlite3_close(db);
        return NULL;
    }
    return db;
}

static int fill(const char *dev, long count)
{
    sqlite3 *db = open_disk(dev);
    if (!db)
        return 1;
    long txn = query_int(db, "SELECT coalesce(max(txn), 0) FROM row");
    for (long done = 0; count <= 0 || done < count; done++) {
        char sql[256];
        int ok = exec(db, "BEGIN", "sqlite-disk/fill");
        txn++;
        for (int i = 0; ok && i < ROWS; i++) {
            snprintf(sql, sizeof sql, "INSERT INTO row VALUES (%ld, %d, printf('%%0200d', %d))", txn, i, i);
            ok = exec(db, sql, "sqlite-disk/fill");
        }
        snprintf(sql, sizeof sql, "UPDATE total SET n = n + %d", ROWS);
        if (!ok || !exec(db, sql, "sqlite-disk/fill") || !exec(db, "COMMIT", "sqlite-disk/fill")) {
            sqlite3_close(db);
            return 1;
        }
        printf("sqlite-disk: committed %ld\n", txn);
        fflush(stdout);
    }
    sqlite3_close(db);
    return 0;
}

static int verify(const char *dev)
{
    sqlite3 *db = open_disk(dev);
    check(db != NULL, "sqlite-disk/opens-after-the-crash", "see the message above");
    if (!db)
        return check_status();
    integrity_ok(db, "sqlite-disk/integrity-check");
    long txns = query_int(db, "SELECT count(DISTINCT txn) FROM row");
    long max = query_int(db, "SELECT coalesce(max(txn), 0) FROM row");
    long torn = query_int(db, "SELECT count(*) FROM (SELECT txn FROM row GROUP BY txn HAVING count(*) != 20)");
    long total = query_int(db, "SELECT n FROM total");
    check(txns == max && torn == 0, "sqlite-disk/every-transaction-whole",
          "%ld transactions numbered up to %ld, %ld of them not %d rows", txns, max, torn, ROWS);
    check(total == txns * ROWS, "sqlite-disk/total-matches-rows", "total %ld for %ld transactions", total, txns);
    printf("sqlite-disk: %ld transactions intact\n", txns);
    sqlite3_close(db);
    return check_status();
}

int main(int argc, char **argv)
{
    if (argc >= 3 && !strcmp(argv[1], "tmpfs"))
        return on_tmpfs(argv[2]);
    if (argc == 3 && !strcmp(argv[1], "format")) {
        if (blockvfs_format(argv[2])) {
            fprintf(stderr, "sqlite-test: format %s: %s\n", argv[2], strerror(errno));
            return 1;
        }
        return 0;
    }
    if ((argc == 3 || argc == 4) && !strcmp(argv[1], "fill"))
        return fill(argv[2], argc == 4 ? atol(argv[3]) : 0);
    if (argc == 3 && !strcmp(argv[1], "verify"))
        return verify(argv[2]);
    fprintf(stderr, "usage: %s tmpfs DIR | format DEV | fill DEV [N] | verify DEV\n", argv[0]);
    return 2;
}
