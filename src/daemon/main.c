/* nudged: the reminder daemon, its rule checker and its previewer. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "daemon/answers.h"
#include "daemon/modes.h"
#include "engine/clock.h"
#include "store/store.h"
#include "time/timestamp.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: nudged [--rules PATH] [--state DIR] [--backend auto|libnotify|stdout] [--watch] [-v|-q]\n"
            "       nudged --check [--rules PATH]\n"
            "       nudged --preview [--from TIMESTAMP] [--days N] [--seed N] [--json] [--rules PATH]\n"
            "                        [--state DIR] [--answers FILE]\n"
            "       nudged --version | --help\n"
            "\n"
            "Runs the reminders of a Lua rule file (default: $XDG_CONFIG_HOME/nudge/rules.lua and\n"
            "rules.d/*.lua, else the bundled example plan).\n"
            "\n"
            "  --rules PATH     a rule file, or a folder whose *.lua load in name order\n"
            "  --state DIR      where the history database lives (default $XDG_STATE_HOME/nudge)\n"
            "  --check          load the rules without running them; report every error\n"
            "  --preview        show what would fire, on a simulated clock\n"
            "  --from TS        preview start (systemd timestamp; default now)\n"
            "  --days N         preview length in days (default 7)\n"
            "  --seed N         PRNG seed for jitter, windows and nudge.random (default 0)\n"
            "  --json           preview as one JSON object per line\n"
            "  --answers FILE   replay scripted answers, check-ins and events in the preview\n"
            "                   (the format is in nudged(1))\n"
            "  --backend NAME   where notifications go: auto (libnotify when a notification\n"
            "                   server is on the session bus, else stdout), libnotify, stdout\n"
            "  --watch          reload when a rule file changes (as SIGHUP does)\n"
            "  -v, -q           more or less logging\n");
}

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "nudged: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'nudged --help'.\n");
    return 2;
}

static int parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
    char *e;
    if (!s || !*s || *s == '-') return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &e, 10);
    if (errno || *e || v > max) return -1;
    *out = v;
    return 0;
}

/* nudged's command line. */
struct cli {
    const char *rules, *from, *backend, *state, *answers;
    bool check, preview, json, watch;
    unsigned long long days, seed;
    int verbosity;
};

/* Reads argv into o. Returns -1 to go on, else the exit code (--help, --version, a usage
 * error, said on stderr). */
static int parse_cli(int argc, char **argv, struct cli *o)
{
    enum { OPT_CHECK = 256, OPT_PREVIEW, OPT_FROM, OPT_DAYS, OPT_SEED, OPT_JSON, OPT_BACKEND,
           OPT_VERSION, OPT_WATCH, OPT_STATE, OPT_ANSWERS };
    static const struct option longopts[] = {
        {"rules", required_argument, NULL, 'r'},
        {"check", no_argument, NULL, OPT_CHECK},
        {"preview", no_argument, NULL, OPT_PREVIEW},
        {"from", required_argument, NULL, OPT_FROM},
        {"days", required_argument, NULL, OPT_DAYS},
        {"seed", required_argument, NULL, OPT_SEED},
        {"json", no_argument, NULL, OPT_JSON},
        {"answers", required_argument, NULL, OPT_ANSWERS},
        {"backend", required_argument, NULL, OPT_BACKEND},
        {"watch", no_argument, NULL, OPT_WATCH},
        {"state", required_argument, NULL, OPT_STATE},
        {"verbose", no_argument, NULL, 'v'},
        {"quiet", no_argument, NULL, 'q'},
        {"version", no_argument, NULL, OPT_VERSION},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    *o = (struct cli){.backend = "auto", .days = 7};
    bool preview_opt = false;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "r:vqh", longopts, NULL)) != -1) {
        switch (c) {
        case 'r': o->rules = optarg; break;
        case OPT_CHECK: o->check = true; break;
        case OPT_PREVIEW: o->preview = true; break;
        case OPT_FROM: o->from = optarg; preview_opt = true; break;
        case OPT_DAYS:
            if (parse_uint(optarg, 36600, &o->days) < 0 || o->days == 0)
                return usage_error("--days needs a whole number of days from 1 to 36600, not \"%s\"", optarg);
            preview_opt = true;
            break;
        case OPT_SEED:
            if (parse_uint(optarg, UINT64_MAX, &o->seed) < 0)
                return usage_error("--seed needs a non-negative integer, not \"%s\"", optarg);
            preview_opt = true;
            break;
        case OPT_JSON: o->json = true; preview_opt = true; break;
        case OPT_ANSWERS:
            if (!*optarg) return usage_error("%s", "--answers needs a file");
            o->answers = optarg;
            preview_opt = true;
            break;
        case OPT_BACKEND: o->backend = optarg; break;
        case OPT_WATCH: o->watch = true; break;
        case OPT_STATE:
            if (!*optarg) return usage_error("%s", "--state needs a folder");
            o->state = optarg;
            break;
        case 'v': o->verbosity++; break;
        case 'q': o->verbosity--; break;
        case OPT_VERSION: printf("nudged %s\n", NUDGE_VERSION); return 0;
        case 'h': usage(stdout); return 0;
        default:
            if (optopt && optopt < 256) {
                char opt[3] = {'-', (char)optopt, 0};
                return usage_error("unknown or incomplete option \"%s\"", opt);
            }
            return usage_error("unknown or incomplete option \"%s\"", argv[optind - 1]);
        }
    }
    if (optind < argc) return usage_error("unexpected argument \"%s\"", argv[optind]);
    if (o->check && o->preview) return usage_error("%s", "--check and --preview do not go together");
    if (preview_opt && !o->preview)
        return usage_error("%s", "--from, --days, --seed, --json and --answers go with --preview");
    if (strcmp(o->backend, "auto") && strcmp(o->backend, "stdout") && strcmp(o->backend, "libnotify"))
        return usage_error("unknown backend \"%s\" (auto, libnotify, stdout)", o->backend);
    if (o->watch && (o->check || o->preview)) return usage_error("%s", "--watch goes with the daemon, not --check or --preview");
    return -1;
}

int main(int argc, char **argv)
{
    struct cli cli;
    int exit_now = parse_cli(argc, argv, &cli);
    if (exit_now >= 0) return exit_now;
    /* With TZ unset, glibc re-reads /etc/localtime's metadata on every mktime(): a system call
     * per time conversion. Naming the file once keeps conversions in user space; the daemon
     * calls tzset() again when it learns that the zone changed. */
    const char *tz = getenv("TZ");
    if (!tz) setenv("TZ", ":/etc/localtime", 1);
    tzset();

    const char *js = getenv("JOURNAL_STREAM");
    enum log_level lvl = cli.verbosity > 0   ? LOG_LVL_DEBUG
                         : cli.verbosity < 0 ? LOG_LVL_WARNING
                                             : LOG_LVL_INFO;
    log_setup(lvl, js && *js);

    char state_dir[4096];
    if (cli.state)
        snprintf(state_dir, sizeof state_dir, "%s", cli.state);
    else
        store_default_dir(state_dir, sizeof state_dir);
    struct preview_options po = {
        .days = (int)cli.days, .seed = cli.seed, .json = cli.json, .state_dir = state_dir};
    if (cli.preview) {
        usec_t now = clock_now(clock_real());
        char err[512];
        po.from = now / USEC_PER_SEC * USEC_PER_SEC;
        if (cli.from && timestamp_parse(cli.from, now, &po.from, err, sizeof err) < 0)
            return usage_error("%s", err);
    }
    /* A script's mistake is a usage error: the line is named, and nothing is previewed. */
    struct answers answers = {0};
    if (cli.answers) {
        char err[1024];
        if (answers_load(cli.answers, po.from, &answers, err, sizeof err) < 0) {
            fprintf(stderr, "%s\n", err);
            return 2;
        }
        po.answers = &answers;
    }

    struct rule_files files;
    char err[4096];
    if (rule_files_find(cli.rules, &files, err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        answers_free(&answers);
        return 1;
    }
    if (!strcmp(files.origin, "example") && !cli.check && !cli.preview)
        log_notice("no rules in $XDG_CONFIG_HOME/nudge: running the example plan %s; copy it to "
                   "~/.config/nudge/rules.lua to make it yours", files.paths[0]);
    int rc;
    if (cli.check)
        rc = mode_check(&files);
    else if (cli.preview)
        rc = mode_preview(&files, &po);
    else {
        struct run_options ro = {.rules_arg = cli.rules, .backend = cli.backend, .watch = cli.watch,
                                 .state_dir = state_dir};
        rc = mode_run(&files, &ro);
    }
    rule_files_free(&files);
    answers_free(&answers);
    return rc;
}
