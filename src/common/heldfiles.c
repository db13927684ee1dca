#include "common/heldfiles.h"

#include <pthread.h>
#include <stddef.h>
#include <sys/stat.h>

/* A handful at most: one state database (and its -wal/-shm) per process, plus tests. */
#define HELD_MAX 32

static struct heldfile held[HELD_MAX];
static size_t n_held;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

void heldfiles_add(const char *path, struct heldfile *h)
{
    struct stat st;
    *h = (struct heldfile){0};
    if (stat(path, &st) < 0) return;
    pthread_mutex_lock(&lock);
    if (n_held < HELD_MAX) {
        *h = (struct heldfile){st.st_dev, st.st_ino, true};
        held[n_held++] = *h;
    }
    pthread_mutex_unlock(&lock);
}

void heldfiles_remove(struct heldfile *h)
{
    if (!h->set) return;
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < n_held; i++)
        if (held[i].dev == h->dev && held[i].ino == h->ino) {
            held[i] = held[--n_held];
            break;
        }
    pthread_mutex_unlock(&lock);
    h->set = false;
}

bool heldfiles_contains(dev_t dev, ino_t ino)
{
    bool found = false;
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < n_held && !found; i++)
        found = held[i].dev == dev && held[i].ino == ino;
    pthread_mutex_unlock(&lock);
    return found;
}

bool heldfiles_path_held(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && heldfiles_contains(st.st_dev, st.st_ino);
}
