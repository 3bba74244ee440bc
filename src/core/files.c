/* files.c -- small questions about files and descriptors the Lua layer
 * asks: is a descriptor a terminal, a file's permission bits, a path's
 * real (absolute, symlink-free) form. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lmskit.h"

/* realpath(3): the absolute path, symlinks resolved (malloc'd), or NULL. */
char *lmk_realpath(const char *path) { return realpath(path, NULL); }

/* 1 when fd is a terminal. */
int lmk_isatty(int fd) { return isatty(fd) == 1; }

/* The permission bits (st_mode & 07777) of path, or -1 when stat fails. */
int lmk_file_mode(const char *path) {
    struct stat st;
    if (stat(path, &st) != 0) return -1;
    return (int)(st.st_mode & 07777);
}
