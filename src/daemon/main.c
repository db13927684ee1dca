/* nudged: the reminder daemon. */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        printf("nudged %s\n", NUDGE_VERSION);
        return 0;
    }
    fprintf(stderr, "usage: nudged [--rules PATH] | --check | --preview | --version | --help\n");
    return 2;
}
