/* journal.c -- an append-only file of records for resumable jobs.  Each
 * record goes to the kernel in one write(2) on an O_APPEND descriptor, so
 * it survives the process being killed at any moment; lmk_journal_sync
 * (fdatasync) makes it survive a power loss too, and callers batch it.
 *
 * One job at a time: opening takes an exclusive flock(2) on the file (per
 * open file description, so a second open in the same process is refused
 * too; the kernel drops it when the holder dies, even by SIGKILL).  A
 * last line without its newline (a write cut short by a crash, a full
 * disk, a power loss) is cut off on open, so the next record starts on a
 * line of its own instead of being glued onto the torn one. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "lmskit.h"

/* An open, locked journal. */
struct lmk_journal {
    int fd;
    lmk_buf line; /* scratch: the record plus its newline */
};

/* The pid holding a flock on fd's file, read from /proc/locks (Linux);
 * 0 when it cannot be told.  Lines look like
 * "3: FLOCK  ADVISORY  WRITE 4242 00:2f:1234 0 EOF"; a waiter's line
 * has "->" after the number and is skipped. */
static long lock_holder(int fd) {
    struct stat st;
    if (fstat(fd, &st) != 0) return 0;
    FILE *f = fopen("/proc/locks", "re");
    if (!f) return 0;
    char line[256];
    long found = 0;
    while (!found && fgets(line, sizeof line, f)) {
        char type[16], mode[16];
        long pid;
        unsigned int major_, minor_;
        unsigned long ino;
        if (strstr(line, "->")) continue;
        if (sscanf(line, "%*d: %15s %*s %15s %ld %x:%x:%lu", type, mode, &pid, &major_, &minor_,
                   &ino) == 6 &&
            strcmp(type, "FLOCK") == 0 && ino == (unsigned long)st.st_ino &&
            makedev(major_, minor_) == st.st_dev)
            found = pid;
    }
    fclose(f);
    return found;
}

/* Reads the whole file into content (from offset 0, whatever the file
 * position). */
static lmk_kind read_all(int fd, lmk_buf *content) {
    char chunk[65536];
    off_t at = 0;
    for (;;) {
        ssize_t n = pread(fd, chunk, sizeof chunk, at);
        if (n < 0) {
            if (errno == EINTR) continue;
            return LMK_TRANSPORT;
        }
        if (n == 0) return LMK_OK;
        if (lmk_buf_add(content, chunk, (size_t)n) != LMK_OK) return LMK_NOMEM;
        at += n;
    }
}

/* Opens and locks the journal at path, reading what it holds and cutting
 * off a torn last line (lmskit.h says what each out-parameter gets). */
lmk_kind lmk_journal_open(const char *path, lmk_buf *content, size_t *torn, long *holder,
                          lmk_journal **out, const char **why) {
    *out = NULL;
    *torn = 0;
    *holder = 0;
    *why = NULL;
    int fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        *why = strerror(errno);
        return LMK_USAGE;
    }
    while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EINTR) continue;
        if (errno == EWOULDBLOCK) {
            *holder = lock_holder(fd);
            *why = "in use by another job";
        } else {
            *why = strerror(errno);
        }
        close(fd);
        return LMK_USAGE;
    }
    lmk_buf_reset(content);
    lmk_kind k = read_all(fd, content);
    if (k != LMK_OK) {
        *why = k == LMK_NOMEM ? "out of memory" : strerror(errno);
        close(fd);
        return k;
    }
    if (content->len > 0 && content->data[content->len - 1] != '\n') {
        size_t keep = content->len;
        while (keep > 0 && content->data[keep - 1] != '\n') keep--;
        if (ftruncate(fd, (off_t)keep) != 0 || fdatasync(fd) != 0) {
            *why = strerror(errno);
            close(fd);
            return LMK_TRANSPORT;
        }
        *torn = content->len - keep;
        content->len = keep;
        content->data[keep] = '\0';
    }
    lmk_journal *j = calloc(1, sizeof *j);
    if (!j) {
        close(fd);
        return LMK_NOMEM;
    }
    j->fd = fd;
    lmk_buf_init(&j->line);
    *out = j;
    return LMK_OK;
}

/* Appends one record and its newline with one write(2), continued after
 * EINTR or a short write. */
lmk_kind lmk_journal_append(lmk_journal *j, const char *record, size_t len) {
    if (memchr(record, '\n', len)) return LMK_USAGE; /* one record, one line */
    lmk_buf_reset(&j->line);
    if (lmk_buf_add(&j->line, record, len) != LMK_OK ||
        lmk_buf_add(&j->line, "\n", 1) != LMK_OK)
        return LMK_NOMEM;
    size_t done = 0;
    while (done < j->line.len) {
        ssize_t n = write(j->fd, j->line.data + done, j->line.len - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            return LMK_TRANSPORT;
        }
        done += (size_t)n;
    }
    return LMK_OK;
}

/* fdatasync: the records so far survive a power loss. */
lmk_kind lmk_journal_sync(lmk_journal *j) {
    return fdatasync(j->fd) == 0 ? LMK_OK : LMK_TRANSPORT;
}

/* Syncs, closes (dropping the lock) and frees; NULL is a no-op. */
void lmk_journal_close(lmk_journal *j) {
    if (!j) return;
    fdatasync(j->fd);
    close(j->fd); /* drops the lock */
    lmk_buf_free(&j->line);
    free(j);
}
