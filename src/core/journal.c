/* journal.c -- an append-only file of records for resumable jobs.  Each
 * record goes to the kernel in one write(2) on an O_APPEND descriptor, so
 * it survives the process being killed at any moment; lmk_journal_sync
 * (fdatasync) makes it survive a power loss too, and callers batch it. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lmskit.h"

struct lmk_journal {
    int fd;
    lmk_buf line; /* scratch: the record plus its newline */
};

lmk_kind lmk_journal_open(const char *path, lmk_journal **out, const char **why) {
    *out = NULL;
    lmk_journal *j = calloc(1, sizeof *j);
    if (!j) return LMK_NOMEM;
    j->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (j->fd < 0) {
        *why = strerror(errno);
        free(j);
        return LMK_USAGE;
    }
    lmk_buf_init(&j->line);
    *out = j;
    return LMK_OK;
}

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

lmk_kind lmk_journal_sync(lmk_journal *j) {
    return fdatasync(j->fd) == 0 ? LMK_OK : LMK_TRANSPORT;
}

void lmk_journal_close(lmk_journal *j) {
    if (!j) return;
    fdatasync(j->fd);
    close(j->fd);
    lmk_buf_free(&j->line);
    free(j);
}

int lmk_isatty(int fd) { return isatty(fd) == 1; }

int lmk_file_mode(const char *path) {
    struct stat st;
    if (stat(path, &st) != 0) return -1;
    return (int)(st.st_mode & 07777);
}
