/* `embolo simulate`: deterministic for a seed, the header of the sample cohort, the published marginals
 * and medians, and a cohort the program (EMBOLO_BIN) reads with the sample study file and no exclusion.
 * Scratch files go to a mkdtemp directory under /tmp, removed at the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/text.h"
#include "ingest/ingest.h"
#include "simulate.h"
#include "testutil.h"

#define SAMPLE_CSV "inputs/net_sample_155.csv"
#define SAMPLE_STUDY "inputs/net_sample_155.study.ini"
#define COHORT_N 20000UL
#define COHORT_SEED 2024UL

static char scratch[64];

/* A path in the scratch directory. */
static const char *scratch_path(const char *name, char *out, size_t size)
{
    snprintf(out, size, "%s/%s", scratch, name);
    return out;
}

/* The whole of a file, NUL-terminated (NULL if it cannot be read). */
static size_t count_lines(const char *text)
{
    size_t lines = 0;
    for (; *text; text++)
        lines += *text == '\n';
    return lines;
}

static void simulate_file(const char *name, unsigned long n, unsigned long seed, char *path, size_t size)
{
    char message[512] = "";
    embolo_error err = simulate_to_path(scratch_path(name, path, size), n, seed, message, sizeof message);
    if (err != EMBOLO_OK)
        print_error("simulate_to_path: %s\n", message);
    assert_int_equal(err, EMBOLO_OK);
}

/* Runs EMBOLO_BIN with args (NULL-terminated, without argv[0]), stdout to stdout_path (NULL: discarded)
 * and stderr discarded; the exit status. */
static int run_embolo(const char *stdout_path, const char *const *args)
{
    const char *bin = getenv("EMBOLO_BIN");
    char *argv[16];
    size_t argc = 0;
    if (!bin || !bin[0])
        fail_msg("EMBOLO_BIN is not set: run `make check-tests` or EMBOLO_BIN=build/embolo build/tests/test_simulate");
    argv[argc++] = (char *)bin;
    while (args[argc - 1] && argc < 15) {
        argv[argc] = (char *)args[argc - 1];
        argc++;
    }
    argv[argc] = NULL;
    return test_run_program(bin, argv, stdout_path, NULL);
}

/* ---- determinism, header ---- */

static void test_same_seed_gives_identical_bytes(void **state)
{
    (void)state;
    char a_path[128], b_path[128], c_path[128];
    size_t a_size = 0, b_size = 0, c_size = 0;
    simulate_file("a.csv", 3000, 42, a_path, sizeof a_path);
    simulate_file("b.csv", 3000, 42, b_path, sizeof b_path);
    char *a = test_file_read(a_path, &a_size), *b = test_file_read(b_path, &b_size);
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(count_lines(a), 3001);
    assert_int_equal(a_size, b_size);
    assert_memory_equal(a, b, a_size);

    /* The program writes the same bytes, to a file and to standard output. */
    const char *to_file[] = {"simulate", "--n", "3000", "--seed", "42", "--out", scratch_path("c.csv", c_path, sizeof c_path), NULL};
    assert_int_equal(run_embolo(NULL, to_file), 0);
    char *c = test_file_read(c_path, &c_size);
    assert_non_null(c);
    assert_int_equal(c_size, a_size);
    assert_memory_equal(c, a, a_size);
    free(c);
    const char *to_stdout[] = {"simulate", "--seed", "42", "--n", "3000", NULL};
    assert_int_equal(run_embolo(scratch_path("d.csv", c_path, sizeof c_path), to_stdout), 0);
    c = test_file_read(c_path, &c_size);
    assert_non_null(c);
    assert_int_equal(c_size, a_size);
    assert_memory_equal(c, a, a_size);
    free(c);
    free(a);
    free(b);
}

static void test_different_seeds_differ(void **state)
{
    (void)state;
    char a_path[128], b_path[128];
    size_t a_size = 0, b_size = 0;
    simulate_file("s1.csv", 500, 1, a_path, sizeof a_path);
    simulate_file("s2.csv", 500, 2, b_path, sizeof b_path);
    char *a = test_file_read(a_path, &a_size), *b = test_file_read(b_path, &b_size);
    assert_non_null(a);
    assert_non_null(b);
    assert_true(a_size != b_size || memcmp(a, b, a_size) != 0);
    /* Same header, different rows. */
    const char *a_row = strchr(a, '\n'), *b_row = strchr(b, '\n');
    assert_non_null(a_row);
    assert_non_null(b_row);
    assert_int_equal(a_row - a, b_row - b);
    assert_memory_equal(a, b, (size_t)(a_row - a));
    free(a);
    free(b);
}

static void test_header_is_the_samples(void **state)
{
    (void)state;
    char path[128];
    simulate_file("h.csv", 155, 1, path, sizeof path);
    char *got = test_file_read(path, NULL), *want = test_file_read(SAMPLE_CSV, NULL);
    assert_non_null(got);
    if (!want)
        fail_msg("cannot read %s (run the tests from the project directory)", SAMPLE_CSV);
    size_t got_length = strcspn(got, "\r\n"), want_length = strcspn(want, "\r\n");
    assert_int_equal(got_length, want_length);
    assert_memory_equal(got, want, want_length);
    free(got);
    free(want);
}

/* ---- the marginals of a large cohort ---- */

enum { C_AGE, C_SEX, C_SITE, C_GRADE, C_KI67, C_BURDEN, C_MODALITY, C_START, C_PROGRESSION, C_DEATH, C_FOLLOWUP, N_COLUMNS };
static const char *const columns[N_COLUMNS] = {"age", "sex", "primary_site", "grade", "ki67_pct", "tumor_burden_pct",
                                               "modality", "treatment_date", "hepatic_progression_date",
                                               "death_date", "last_followup_date"};

/* Index of a value among names, or -1. */
static int level_of(const ingest_table *t, size_t record, size_t column, const char *const *names, int n_names)
{
    size_t length;
    const char *value = ingest_value(t, record, column, &length);
    for (int i = 0; i < n_names; i++)
        if (strlen(names[i]) == length && memcmp(names[i], value, length) == 0)
            return i;
    return -1;
}

static double number_of(const ingest_table *t, size_t record, size_t column)
{
    size_t length;
    double value = NAN;
    const char *text = ingest_value(t, record, column, &length);
    assert_true(text_parse_number(text, length, &value));
    return value;
}

/* Day number of an ISO date, or -1 for an empty value. */
static long date_of(const ingest_table *t, size_t record, size_t column)
{
    size_t length;
    long day = -1;
    const char *text = ingest_value(t, record, column, &length);
    if (length == 0)
        return -1;
    assert_int_equal(length, 10);
    assert_true(text_parse_date(text, length, DATE_FORMAT_ISO, &day));
    return day;
}

static void assert_share(double count, double n, double want, double tolerance)
{
    if (fabs(count / n - want) > tolerance) {
        print_error("share %.4f, want %.4f +- %.4f\n", count / n, want, tolerance);
        fail();
    }
}

static void test_marginals_of_a_large_cohort(void **state)
{
    (void)state;
    static const char *const sites[] = {"pancreas", "gut", "lung", "other"}, *const grades[] = {"G1", "G2", "G3"},
                             *const modalities[] = {"TACE", "TARE", "TAE"}, *const sexes[] = {"F", "M"};
    char path[128], message[512];
    ingest_table *t = NULL;
    simulate_file("large.csv", COHORT_N, COHORT_SEED, path, sizeof path);
    assert_int_equal(ingest_read(path, columns, N_COLUMNS, &t, message, sizeof message), EMBOLO_OK);
    size_t n = ingest_record_count(t);
    assert_int_equal(n, COHORT_N);

    double site[4] = {0}, grade[3] = {0}, modality[3] = {0}, male = 0, age = 0, high = 0;
    double tare_by_burden[2] = {0}, n_by_burden[2] = {0}, tae_by_grade[3] = {0}, deaths = 0, progressions = 0;
    long first_start = 0, last_start = 0, last_followup = 0;
    for (size_t r = 0; r < n; r++) {
        assert_false(ingest_record_malformed(t, r));
        int s = level_of(t, r, C_SITE, sites, 4), g = level_of(t, r, C_GRADE, grades, 3),
            m = level_of(t, r, C_MODALITY, modalities, 3), x = level_of(t, r, C_SEX, sexes, 2);
        assert_true(s >= 0 && g >= 0 && m >= 0 && x >= 0);
        site[s]++;
        grade[g]++;
        modality[m]++;
        male += x;
        double a = number_of(t, r, C_AGE), b = number_of(t, r, C_BURDEN), k = number_of(t, r, C_KI67);
        assert_true(a >= 18 && a <= 100 && a == floor(a));
        assert_true(b >= 0 && b <= 100 && b == floor(b));
        /* WHO grade by ki67: G1 < 3, G2 3-20, G3 > 20. */
        assert_true(g == 0 ? k < 3 : g == 1 ? k >= 3 && k <= 20 : k > 20);
        age += a;
        int h = b > 50;
        high += h;
        n_by_burden[h]++;
        tare_by_burden[h] += m == 1;
        tae_by_grade[g] += m == 2;

        /* Dates: treatment <= progression < death = last follow-up, or censored at last follow-up. */
        long start = date_of(t, r, C_START), progression = date_of(t, r, C_PROGRESSION),
             death = date_of(t, r, C_DEATH), followup = date_of(t, r, C_FOLLOWUP);
        assert_true(start >= 0 && followup >= start);
        if (death >= 0) {
            assert_int_equal(death, followup);
            deaths++;
        }
        if (progression >= 0) {
            assert_true(progression >= start && progression <= followup);
            assert_true(death < 0 || progression < death);
            progressions++;
        }
        first_start = r == 0 || start < first_start ? start : first_start;
        last_start = start > last_start ? start : last_start;
        last_followup = followup > last_followup ? followup : last_followup;
    }
    ingest_table_free(t);

    /* The published marginals (of 155) and mean age 60, 57% male. */
    assert_share(site[0], n, 71.0 / 155, 0.01);
    assert_share(site[1], n, 68.0 / 155, 0.01);
    assert_share(site[2], n, 8.0 / 155, 0.01);
    assert_share(site[3], n, 8.0 / 155, 0.01);
    assert_share(grade[0], n, 75.0 / 155, 0.01);
    assert_share(grade[1], n, 60.0 / 155, 0.01);
    assert_share(grade[2], n, 20.0 / 155, 0.01);
    assert_share(modality[0], n, 50.0 / 155, 0.01);
    assert_share(modality[1], n, 64.0 / 155, 0.01);
    assert_share(modality[2], n, 41.0 / 155, 0.01);
    assert_share(male, n, 0.57, 0.01);
    assert_true(fabs(age / (double)n - 60.0) < 0.5);
    assert_share(high, n, 0.2, 0.03);
    /* Confounded assignment: TARE more often for burden > 50, TAE seldom for G3. */
    assert_true(tare_by_burden[1] / n_by_burden[1] > tare_by_burden[0] / n_by_burden[0] + 0.1);
    assert_true(tae_by_grade[2] / grade[2] < tae_by_grade[0] / grade[0] - 0.1);
    /* Events and censoring both occur; calendar dates as documented. */
    assert_true(deaths > 0.3 * (double)n && deaths < 0.9 * (double)n);
    assert_true(progressions > 0.3 * (double)n && progressions < 0.9 * (double)n);
    assert_true(first_start >= text_days_from_civil(2000, 1, 1));
    assert_true(last_start <= text_days_from_civil(2015, 12, 31));
    assert_int_equal(last_followup, text_days_from_civil(2016, 6, 30));
}

/* ---- through the program ---- */

/* The value of one results.csv line beginning with key (`"km","hpfs",...,"median",`). */
static double result_value(const char *results, const char *key)
{
    const char *line = strstr(results, key);
    if (!line)
        fail_msg("results.csv has no line %s", key);
    return strtod(line + strlen(key), NULL);
}

static void test_program_analyses_it_without_exclusions(void **state)
{
    (void)state;
    static const char *const endpoints[] = {"hpfs", "os"}, *const grades[] = {"G1", "G2", "G3"};
    static const double published[2][3] = {{18.5, 12.2, 4.9}, {125.1, 33.9, 9.3}};
    char csv[128], check_out[128], run_out[128], file[256], key[128];
    /* Under valgrind (tens of times slower) a smaller cohort, and no medians: they need the large one. */
    int full = !test_under_valgrind();
    const char *simulate[] = {"simulate", "--n", full ? "20000" : "2000", "--seed", "2024", "--out", scratch_path("cohort.csv", csv, sizeof csv), NULL};
    assert_int_equal(run_embolo(NULL, simulate), 0);

    scratch_path("check", check_out, sizeof check_out);
    scratch_path("run", run_out, sizeof run_out);
    const char *check[] = {"check", "--quiet", "--study", SAMPLE_STUDY, "--input", csv, "--out", check_out, NULL};
    const char *run[] = {"run", "--quiet", "--study", SAMPLE_STUDY, "--input", csv, "--out", run_out, NULL};
    assert_int_equal(run_embolo(NULL, check), 0);
    assert_int_equal(run_embolo(NULL, run), 0);

    const char *dirs[] = {check_out, run_out};
    for (int d = 0; d < 2; d++) {
        snprintf(file, sizeof file, "%s/exclusions.csv", dirs[d]);
        char *exclusions = test_file_read(file, NULL);
        assert_non_null(exclusions);
        assert_int_equal(count_lines(exclusions), 1); /* the header only */
        free(exclusions);
        snprintf(file, sizeof file, "%s/patients.csv", dirs[d]);
        char *patients = test_file_read(file, NULL);
        assert_non_null(patients);
        assert_int_equal(count_lines(patients), (full ? COHORT_N : 2000) + 1);
        free(patients);
    }

    /* Median HPFS and OS by grade near the published ones. */
    if (!full)
        return;
    snprintf(file, sizeof file, "%s/results.csv", run_out);
    char *results = test_file_read(file, NULL);
    assert_non_null(results);
    for (int e = 0; e < 2; e++)
        for (int g = 0; g < 3; g++) {
            snprintf(key, sizeof key, "\"km\",\"%s\",\"unweighted\",\"grade\",\"%s\",\"median\",", endpoints[e],
                     grades[g]);
            assert_close(result_value(results, key), published[e][g], 0.15);
        }
    free(results);
}

/* ---- procedures ---- */

/* --procedures-out: the cohort is byte for byte the one without it; the procedures are the same for
 * the seed, and the program includes every one of them (none before the start, after the death or
 * on the same day), with session 1 on each patient's treatment date and modality. */
static void test_procedures_are_consistent_with_the_cohort(void **state)
{
    (void)state;
    char alone[128], cohort[128], procedures[128], again[128], again_procedures[128], out[128], file[256];
    size_t alone_size = 0, cohort_size = 0, a_size = 0, b_size = 0;
    simulate_file("alone.csv", 2000, 7, alone, sizeof alone);
    char message[512];
    scratch_path("with.csv", cohort, sizeof cohort);
    scratch_path("with.procedures.csv", procedures, sizeof procedures);
    assert_int_equal(simulate_to_paths(cohort, procedures, 2000, 7, message, sizeof message), EMBOLO_OK);
    const char *twice[] = {"simulate", "--n", "2000", "--seed", "7", "--out", scratch_path("again.csv", again, sizeof again),
                           "--procedures-out", scratch_path("again.procedures.csv", again_procedures,
                                                            sizeof again_procedures), NULL};
    assert_int_equal(run_embolo(NULL, twice), 0);
    char *a = test_file_read(alone, &alone_size), *b = test_file_read(cohort, &cohort_size);
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(alone_size, cohort_size);
    assert_memory_equal(a, b, alone_size);
    free(a);
    free(b);
    a = test_file_read(procedures, &a_size);
    b = test_file_read(again_procedures, &b_size);
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(a_size, b_size);
    assert_memory_equal(a, b, a_size);
    assert_true(strncmp(a, "patient_id,procedure_date,modality,ae_grade,ae_term,technical_success,activity_gbq,operator\n",
                        90) == 0);
    size_t records = count_lines(a) - 1;
    assert_true(records > 2000 * 13 / 10 && records < 2000 * 18 / 10);
    free(a);
    free(b);
    const char *check[] = {"check", "--quiet", "--study", "inputs/net_sample_155.procedures.study.ini", "--input",
                           cohort, "--procedures", procedures, "--out", scratch_path("pcheck", out, sizeof out), NULL};
    assert_int_equal(run_embolo(NULL, check), 0);
    snprintf(file, sizeof file, "%s/exclusions.csv", out);
    char *exclusions = test_file_read(file, NULL);
    assert_non_null(exclusions);
    assert_int_equal(count_lines(exclusions), 1); /* the header only: no procedure excluded, no W_INDEX_* */
    free(exclusions);
    snprintf(file, sizeof file, "%s/procedures.csv", out);
    char *included = test_file_read(file, NULL);
    assert_non_null(included);
    assert_int_equal(count_lines(included), records + 1);
    free(included);
}

/* ---- usage and output errors ---- */

/* Fails if dir holds a file whose name begins with prefix. */
static void assert_no_file_starting(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    struct dirent *entry;
    assert_non_null(d);
    while ((entry = readdir(d)))
        if (strncmp(entry->d_name, prefix, strlen(prefix)) == 0) {
            closedir(d);
            fail_msg("%s/%s left behind", dir, entry->d_name);
        }
    closedir(d);
}

static void test_bad_usage_and_unwritable_output(void **state)
{
    (void)state;
    static const char *const bad[][4] = {
        {"--n", "0", NULL},      {"--n", "abc", NULL},         {"--n", "12x", NULL},        {"--n", "-5", NULL},
        {"--n", "", NULL},       {"--n", "1000000001", NULL},  {"--seed", "0", NULL},       {"--seed", "4294967296", NULL},
        {"--n", NULL},           {"--bogus", NULL},            {"--quiet", NULL},           {"--seed", "1.5", NULL},
    };
    char path[128], dir_path[128];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *args[6] = {"simulate", bad[i][0], bad[i][1], bad[i][1] ? bad[i][2] : NULL, NULL, NULL};
        assert_int_equal(run_embolo(NULL, args), 64);
    }
    /* A directory that does not exist; an existing directory as the output file (the rename fails). */
    const char *missing[] = {"simulate", "--out", scratch_path("no/such/dir/x.csv", path, sizeof path), NULL};
    assert_int_equal(run_embolo(NULL, missing), 73);
    /* A procedures file that cannot be written: the cohort is not left behind either. */
    char cohort_path[128];
    const char *missing_procedures[] = {"simulate", "--n", "20", "--out", scratch_path("lone.csv", cohort_path,
                                        sizeof cohort_path), "--procedures-out", scratch_path("no/dir/p.csv", path,
                                        sizeof path), NULL};
    assert_int_equal(run_embolo(NULL, missing_procedures), 73);
    assert_no_file_starting(scratch, "lone.csv");
    assert_no_file_starting(scratch, ".lone.csv");
    scratch_path("taken", dir_path, sizeof dir_path);
    assert_int_equal(mkdir(dir_path, 0700), 0);
    const char *onto_dir[] = {"simulate", "--n", "50", "--out", dir_path, NULL};
    assert_int_equal(run_embolo(NULL, onto_dir), 73);
    assert_no_file_starting(scratch, ".taken");
    assert_int_equal(rmdir(dir_path), 0);

    /* The library refuses n and seed out of range. */
    char message[256];
    assert_int_equal(simulate_to_path(NULL, 0, 1, message, sizeof message), EMBOLO_ERROR_USAGE);
    assert_int_equal(simulate_to_path(NULL, 10, 0, message, sizeof message), EMBOLO_ERROR_USAGE);
}

/* ---- fixture ---- */

static int make_scratch(void **state)
{
    (void)state;
    snprintf(scratch, sizeof scratch, "/tmp/embolo-simulate-XXXXXX");
    return mkdtemp(scratch) ? 0 : -1;
}

/* Removes the scratch directory and what the tests wrote into it (two levels). */
static int remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *entry;
    char path[512];
    if (!d)
        return -1;
    while ((entry = readdir(d))) {
        if (!strcmp(entry->d_name, ".") || !strcmp(entry->d_name, ".."))
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, entry->d_name);
        struct stat info;
        if (lstat(path, &info) == 0 && S_ISDIR(info.st_mode))
            remove_tree(path);
        else
            unlink(path);
    }
    closedir(d);
    return rmdir(dir);
}

static int remove_scratch(void **state)
{
    (void)state;
    return remove_tree(scratch);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_seed_gives_identical_bytes),
        cmocka_unit_test(test_different_seeds_differ),
        cmocka_unit_test(test_header_is_the_samples),
        cmocka_unit_test(test_marginals_of_a_large_cohort),
        cmocka_unit_test(test_program_analyses_it_without_exclusions),
        cmocka_unit_test(test_procedures_are_consistent_with_the_cohort),
        cmocka_unit_test(test_bad_usage_and_unwritable_output),
    };
    return cmocka_run_group_tests(tests, make_scratch, remove_scratch);
}
