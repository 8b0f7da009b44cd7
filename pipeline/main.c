/* embolo's command line (outputs.md): run, check, simulate, --help, --version. */
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/text.h"
#include "driver.h"
#include "simulate.h"

#define DEFAULT_STUDY "inputs/net_sample_155.study.ini"
#define DEFAULT_INPUT "inputs/net_sample_155.csv"
#define DEFAULT_OUT "outputs"
#define DEFAULT_TEMPLATE "templates/manuscript.ini"
/* Blocks of this size and more are mapped on their own and given back to the system when freed. glibc
 * otherwise raises the threshold to the largest block freed, so that a large cohort's per-fit arrays
 * (8 MB each at 1,000,000 rows) stay in the threads' arenas after use: 800 MB instead of 630 MB at the
 * peak of a 1,000,000-patient run, for about 1.5 s more of page faults. */
#define MALLOC_MAP_THRESHOLD (4 * 1024 * 1024)

static const char usage_text[] =
    "usage: embolo run [--study FILE] [--input CSV] [--procedures CSV] [--template FILE] [--out DIR]\n"
    "                  [--as-of YYYY-MM-DD] [--previous DIR] [--strict] [--quiet] [--no-wait]\n"
    "       embolo check [--study FILE] [--input CSV] [--procedures CSV] [--out DIR] [--strict] [--quiet]\n"
    "                    [--no-wait]\n"
    "       embolo simulate [--n N] [--seed S] [--out CSV] [--procedures-out CSV]\n"
    "       embolo --help | --version     (embolo COMMAND --help: that command's usage)\n"
    "\n"
    "run    ingest, clean, weight, model and write the outputs to --out\n"
    "check  ingest and clean only: exclusions.csv, patients.csv and manifest.json\n"
    "--procedures CSV  a procedures file, one row per session (overrides the study's [procedures] file)\n"
    "--previous DIR  compare with an earlier output set of the same study (results.csv section changes)\n"
    "simulate  write a synthetic cohort of N patients (default 155) in the columns of " DEFAULT_INPUT ",\n"
    "       the same for the same seed S (1 to 4294967295, default 1), to the file --out CSV (written\n"
    "       under a temporary name, then renamed), or to standard output without --out; with\n"
    "       --procedures-out CSV also its procedures, one row per session, consistent with the cohort\n"
    "--strict  any excluded row or endpoint or invalid value fails the run (exit 65) once the\n"
    "       exclusion log is written\n"
    "--input -  reads the cohort from standard input (--procedures - likewise, not both)\n"
    "--out DIR  is replaced as a whole when the run succeeds: DIR must be absent, empty or an earlier\n"
    "       embolo output set; a second run on it waits for the first (--no-wait: fails at once, 73)\n"
    "Defaults: --study " DEFAULT_STUDY " --input " DEFAULT_INPUT " --out " DEFAULT_OUT "\n"
    "          --template " DEFAULT_TEMPLATE " (the same built in when that file is not there)\n"
    "Exit codes: 0 ok, 64 usage, 65 bad data or study file, 66 file not found, 73 output not writable,\n"
    "70 internal error.\n";

static const char run_usage[] =
    "usage: embolo run [--study FILE] [--input CSV] [--procedures CSV] [--template FILE] [--out DIR]\n"
    "                  [--as-of YYYY-MM-DD] [--previous DIR] [--strict] [--quiet] [--no-wait]\n"
    "\n"
    "Ingests, cleans, weights and models the cohort and writes report.pdf, tables.xlsx, results.csv,\n"
    "exclusions.csv, patients.csv and manifest.json (with procedures also procedures.csv) to --out.\n"
    "  --study FILE       the study file (default " DEFAULT_STUDY ")\n"
    "  --input CSV        the patient file (default " DEFAULT_INPUT "; - : standard input)\n"
    "  --procedures CSV   a procedures file, one row per session (overrides the study's [procedures] file;\n"
    "                     - : standard input, unless --input is -)\n"
    "  --template FILE    the report template (default " DEFAULT_TEMPLATE ", else built in)\n"
    "  --out DIR          the output directory (default " DEFAULT_OUT "), replaced as a whole: absent, empty\n"
    "                     or an earlier embolo output set\n"
    "  --no-wait          fail at once (exit 73) while another run on --out holds its lock, instead of waiting\n"
    "  --as-of DATE       the data cut-off YYYY-MM-DD (overrides the template's period and the study's as_of)\n"
    "  --previous DIR     an earlier output set of the same study (last month's) to compare with: what changed\n"
    "                     since, in results.csv's section changes (overrides the template's previous)\n"
    "  --strict           any excluded row or endpoint or invalid value fails the run (exit 65) after\n"
    "                     exclusions.csv, patients.csv and manifest.json are written\n"
    "  --quiet            no progress or warnings on stderr\n";

static const char check_usage[] =
    "usage: embolo check [--study FILE] [--input CSV] [--procedures CSV] [--out DIR] [--strict] [--quiet]\n"
    "                    [--no-wait]\n"
    "\n"
    "Ingests and cleans only: writes exclusions.csv, patients.csv and manifest.json (with procedures also\n"
    "procedures.csv) to --out.\n"
    "  --study FILE       the study file (default " DEFAULT_STUDY ")\n"
    "  --input CSV        the patient file (default " DEFAULT_INPUT "; - : standard input)\n"
    "  --procedures CSV   a procedures file, one row per session (overrides the study's [procedures] file;\n"
    "                     - : standard input, unless --input is -)\n"
    "  --out DIR          the output directory (default " DEFAULT_OUT "), replaced as a whole: absent, empty\n"
    "                     or an earlier embolo output set\n"
    "  --no-wait          fail at once (exit 73) while another run on --out holds its lock, instead of waiting\n"
    "  --strict           any excluded row or endpoint or invalid value fails (exit 65) after the files are written\n"
    "  --quiet            no progress or warnings on stderr\n";

static const char simulate_usage[] =
    "usage: embolo simulate [--n N] [--seed S] [--out CSV] [--procedures-out CSV]\n"
    "\n"
    "Writes a synthetic NET cohort in the columns of " DEFAULT_INPUT ".\n"
    "  --n N              patients, 1 to 1000000000 (default 155)\n"
    "  --seed S           1 to 4294967295 (default 1): the same seed gives the same file\n"
    "  --out CSV          the file (written under a temporary name, then renamed); standard output without it\n"
    "  --procedures-out CSV  also the cohort's procedures, one row per session (pipeline/simulate.h)\n";

static int is_help(const char *arg)
{
    return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

/* An option's value: present, not empty, and not the next option ("--input --out X" is a usage error,
 * not a file named "--out"). Prints one line and returns NULL otherwise. */
static const char *option_value(int argc, char **argv, int i)
{
    const char *value = i + 1 < argc ? argv[i + 1] : NULL;
    if (!value || !value[0] || strncmp(value, "--", 2) == 0) {
        fprintf(stderr, "embolo: %s needs a value%s%s%s\n", argv[i], value && value[0] ? " (got the option '" : "",
                value && value[0] ? value : "", value && value[0] ? "')" : "");
        return NULL;
    }
    return value;
}

/* Parses the options after the command; returns 0 and prints one line on a usage error. */
static int parse_options(int argc, char **argv, driver_options *o)
{
    for (int i = 2; i < argc; i++) {
        const char *arg = argv[i], *value;
        const char **target = NULL;
        if (strcmp(arg, "--quiet") == 0 || strcmp(arg, "--strict") == 0) {
            *(arg[2] == 'q' ? &o->quiet : &o->strict) = 1;
            continue;
        }
        if (strcmp(arg, "--no-wait") == 0) {
            o->no_wait = 1;
            continue;
        }
        if (strcmp(arg, "--study") == 0)
            target = &o->study_path;
        else if (strcmp(arg, "--input") == 0)
            target = &o->input_path;
        else if (strcmp(arg, "--out") == 0)
            target = &o->out_dir;
        else if (strcmp(arg, "--procedures") == 0)
            target = &o->procedures_path;
        else if (strcmp(arg, "--template") == 0 && o->command == DRIVER_RUN)
            target = &o->template_path;
        else if (strcmp(arg, "--previous") == 0 && o->command == DRIVER_RUN)
            target = &o->previous_path;
        else if (strcmp(arg, "--as-of") == 0 && o->command == DRIVER_RUN) {
            if (!(value = option_value(argc, argv, i)))
                return 0;
            if (!text_parse_date(value, strlen(value), DATE_FORMAT_ISO, &o->as_of)) {
                fprintf(stderr, "embolo: --as-of needs a date YYYY-MM-DD\n");
                return 0;
            }
            o->has_as_of = 1;
            i++;
            continue;
        } else {
            fprintf(stderr, "embolo: unknown option '%s' (see embolo %s --help)\n", arg, argv[1]);
            return 0;
        }
        if (!(value = option_value(argc, argv, i)))
            return 0;
        *target = value;
        i++;
    }
    /* Standard input is one stream: it cannot be both files. */
    if (strcmp(o->input_path, "-") == 0 && o->procedures_path && strcmp(o->procedures_path, "-") == 0) {
        fprintf(stderr, "embolo: --input - and --procedures - cannot both read standard input\n");
        return 0;
    }
    return 1;
}

/* Parses a whole decimal number from 1 to max (digits only); returns 0 otherwise. */
static int parse_count(const char *text, unsigned long max, unsigned long *out)
{
    unsigned long value = 0;
    if (!*text)
        return 0;
    for (const char *c = text; *c; c++) {
        if (*c < '0' || *c > '9' || value > (max - (unsigned long)(*c - '0')) / 10)
            return 0;
        value = value * 10 + (unsigned long)(*c - '0');
    }
    *out = value;
    return value >= 1;
}

/* `embolo simulate [--n N] [--seed S] [--out CSV] [--procedures-out CSV]`: the exit status. */
static int simulate_main(int argc, char **argv)
{
    unsigned long n = SIMULATE_DEFAULT_N, seed = SIMULATE_DEFAULT_SEED;
    const char *out = NULL, *procedures_out = NULL;
    char message[2048];
    for (int i = 2; i < argc; i++) {
        const char *arg = argv[i], *value;
        if (strcmp(arg, "--n") != 0 && strcmp(arg, "--seed") != 0 && strcmp(arg, "--out") != 0 &&
            strcmp(arg, "--procedures-out") != 0) {
            fprintf(stderr, "embolo: unknown option '%s' (see embolo simulate --help)\n", arg);
            return 64;
        }
        if (!(value = option_value(argc, argv, i)))
            return 64;
        i++;
        if (strcmp(arg, "--out") == 0)
            out = value;
        else if (strcmp(arg, "--procedures-out") == 0)
            procedures_out = value;
        else if (strcmp(arg, "--n") == 0 && !parse_count(value, SIMULATE_MAX_N, &n)) {
            fprintf(stderr, "embolo: --n needs a whole number from 1 to %lu, not '%s'\n", SIMULATE_MAX_N, value);
            return 64;
        } else if (strcmp(arg, "--seed") == 0 && !parse_count(value, SIMULATE_MAX_SEED, &seed)) {
            fprintf(stderr, "embolo: --seed needs a whole number from 1 to %lu, not '%s'\n", SIMULATE_MAX_SEED,
                    value);
            return 64;
        }
    }
    embolo_error err = simulate_to_paths(out, procedures_out, n, seed, message, sizeof message);
    if (err != EMBOLO_OK) {
        fprintf(stderr, "embolo: %s\n", message);
        return embolo_error_exit_code(err);
    }
    return 0;
}

int main(int argc, char **argv)
{
    driver_options options = {.study_path = DEFAULT_STUDY, .input_path = DEFAULT_INPUT, .out_dir = DEFAULT_OUT};
    char message[2048];
    /* Advisory: should it fail, the run only holds more memory. */
    (void)mallopt(M_MMAP_THRESHOLD, MALLOC_MAP_THRESHOLD);
    if (argc < 2) {
        fputs("embolo: no command (run, check or simulate; see embolo --help)\n", stderr);
        return 64;
    }
    if (is_help(argv[1])) {
        fputs(usage_text, stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("embolo %s\n", EMBOLO_VERSION);
        return 0;
    }
    /* `embolo COMMAND --help` (anywhere among the options) prints that command's usage. */
    for (int i = 2; i < argc; i++) {
        const char *command_usage = !strcmp(argv[1], "run")        ? run_usage
                                    : !strcmp(argv[1], "check")    ? check_usage
                                    : !strcmp(argv[1], "simulate") ? simulate_usage
                                                                   : NULL;
        if (command_usage && is_help(argv[i])) {
            fputs(command_usage, stdout);
            return 0;
        }
    }
    if (strcmp(argv[1], "simulate") == 0)
        return simulate_main(argc, argv);
    if (strcmp(argv[1], "run") == 0)
        options.command = DRIVER_RUN;
    else if (strcmp(argv[1], "check") == 0)
        options.command = DRIVER_CHECK;
    else {
        fprintf(stderr, "embolo: unknown command '%s' (see embolo --help)\n", argv[1]);
        return 64;
    }
    if (!parse_options(argc, argv, &options))
        return 64;
    if (options.command == DRIVER_RUN && !options.template_path && access(DEFAULT_TEMPLATE, R_OK) == 0)
        options.template_path = DEFAULT_TEMPLATE;
    embolo_error err = driver_run(&options, message, sizeof message);
    if (err != EMBOLO_OK) {
        fprintf(stderr, "embolo: %s\n", message);
        return embolo_error_exit_code(err);
    }
    return 0;
}
