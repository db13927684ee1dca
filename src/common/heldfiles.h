/* Files this process holds POSIX locks on (the state database and its -wal/-shm, through
 * SQLite). Such locks belong to the process, not to a descriptor: closing *any* descriptor of
 * one of these files, even one opened only to read a byte, drops them all, and another reader
 * may then delete the WAL under the daemon. So code about to open a path it did not choose asks
 * heldfiles_contains() first, with stat() (which opens nothing). */
#ifndef NUDGE_HELDFILES_H
#define NUDGE_HELDFILES_H

#include <stdbool.h>
#include <sys/types.h>

struct heldfile {
    dev_t dev;
    ino_t ino;
    bool set;
};

/* Records the file at path (stat()ed now; nothing when it does not exist) into *h too, for
 * heldfiles_remove(h) (which does nothing for an unset h). */
void heldfiles_add(const char *path, struct heldfile *h);
void heldfiles_remove(struct heldfile *h);
bool heldfiles_contains(dev_t dev, ino_t ino);
/* heldfiles_contains() for a path; false when it cannot be stat()ed. */
bool heldfiles_path_held(const char *path);

#endif
