/* The share template makes the whole --out folder safe to send: every file of a share run (the report's
 * text, every sheet of the workbook, the Word tables, results.csv, the manifest) is read back by
 * tests/fixtures/share/check_share.py, which finds no patient identifier, no patient or procedure
 * date, no free text (operators, AE terms, values that match no level), no count from 1 to 4 in a
 * count column, no estimate beside a hidden count, no hazard ratio of a level with fewer than 5
 * patients or events, and no patients.csv, exclusions.csv or procedures.csv (the manifest says so).
 * Three cohorts: the sample with templates/share.ini, a cohort of 40 with small cells everywhere, and
 * the procedures study, both with every section and sheet and the Word tables. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"
#include "e2eutil.h"

#define CHECKER "tests/fixtures/share/check_share.py"
#define SAMPLE FIXTURES "net_sample_155"
#define PROCEDURES_STUDY FIXTURES "net_sample_155.procedures.study.ini"
#define ROUND2_STUDY FIXTURES "net_sample_155.round2.study.ini"

/* Every section and sheet, the Word tables too, under the share template. */
static const char *const share_everything =
    "[template]\nname = share-everything\nshare = yes\ndocx = yes\nmin_count = 5\n"
    "sections = flow, table1, subgroups, km_figures, cox, propensity, model_checks, methods, results_text, audit, "
    "benchmarks, rmst, cif, multicentre, finegray, subgroup_effects, changes\n"
    "sheets = summary, subgroups, cox, table1, balance, km_curves, exclusions, patients, dictionary, methods, audit, "
    "benchmarks, rmst, cif, multicentre, finegray, subgroup_effects, changes\n"
    "[benchmarks]\nsource = Chen JX et al. 2017\nhpfs.grade.G1 = 18.5\nos.grade.G2 = 33.9\nos.grade.G3 = 9.3\n";

static void write_template(const scratch *s, const char *name, const char *text, char *path, size_t size)
{
    path_join(path, size, s->dir, name);
    file_write(path, text);
}

/* The same template without share: what the checker must object to. */
static void write_unshared(const scratch *s, char *path, size_t size)
{
    char text[2048];
    const char *at = strstr(share_everything, "share = yes");
    assert_non_null(at);
    snprintf(text, sizeof text, "%.*sshare = no%s", (int)(at - share_everything), share_everything,
             at + strlen("share = yes"));
    write_template(s, "unshared.ini", text, path, size);
}

/* The checker's exit status on an output folder (its findings in DIR/checker.txt); extra arguments
 * NULL-terminated. */
static int run_checker(const scratch *s, const char *out, char *report, size_t report_size, ...)
{
    char *argv[40] = {"/usr/bin/python3", CHECKER, (char *)out};
    size_t n = 3;
    va_list more;
    va_start(more, report_size);
    for (char *a; (a = va_arg(more, char *)) != NULL && n < 39;)
        argv[n++] = a;
    va_end(more);
    argv[n] = NULL;
    path_join(report, report_size, s->dir, "checker.txt");
    return test_run_program("/usr/bin/python3", argv, report, NULL);
}

static void assert_checker_passes(const scratch *s, const char *out, int code, const char *report)
{
    (void)s;
    if (code != 0) {
        char *text = test_file_read(report, NULL);
        print_error("%s is not safe to share:\n%.6000s\n", out, text ? text : "");
        free(text);
    }
    assert_int_equal(code, 0);
}

/* A cohort of the sample's first 40 patients (small cells in every table), a grade and a treatment
 * that match no level. */
static void write_small_cohort(const char *path)
{
    csv_file input;
    csv_load(SAMPLE ".csv", &input);
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    size_t grade = csv_column(&input, "grade"), modality = csv_column(&input, "modality");
    for (size_t r = 0; r < input.n && r <= 40; r++) {
        for (size_t f = 0; f < input.records[r].n; f++) {
            const char *text = input.records[r].fields[f];
            if (r == 2 && f == grade)
                text = "G-2x";
            if (r == 4 && f == modality)
                text = "TAEE";
            fprintf(file, "%s\"%s\"", f ? "," : "", text);
        }
        fputc('\n', file);
    }
    assert_int_equal(fclose(file), 0);
    csv_free(&input);
}

/* This month's cohort against last month's set: the sample without 3 patients, 2 of them re-graded. */
static void write_month_cohort(const char *path)
{
    static const char *const gone[] = {"NET-00010", "NET-00011", "NET-00012"};
    static const char *const regraded[] = {"NET-00003", "NET-00004"};
    csv_file input;
    csv_load(SAMPLE ".csv", &input);
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    size_t id = csv_column(&input, "patient_id"), grade = csv_column(&input, "grade");
    for (size_t r = 0; r < input.n; r++) {
        const char *const *fields = (const char *const *)input.records[r].fields;
        int skip = 0, regrade = 0;
        for (size_t k = 0; r > 0 && k < 3; k++)
            skip |= !strcmp(fields[id], gone[k]);
        for (size_t k = 0; r > 0 && k < 2; k++)
            regrade |= !strcmp(fields[id], regraded[k]);
        for (size_t f = 0; !skip && f < input.records[r].n; f++) {
            const char *text = fields[f];
            if (regrade && f == grade)
                text = strcmp(text, "G3") ? "G3" : "G2";
            fprintf(file, "%s\"%s\"", f ? "," : "", text);
        }
        if (!skip)
            fputc('\n', file);
    }
    assert_int_equal(fclose(file), 0);
    csv_free(&input);
}

/* ---- the cohorts ---- */

static void test_sample_with_the_share_template(void **state)
{
    scratch *s = *state;
    char out[256], full[256], full_results[300], report[300];
    run_into(s, "share", out, sizeof out, "--study", SAMPLE ".study.ini", "--input", SAMPLE ".csv", "--template",
             "templates/share.ini", (char *)NULL);
    run_into(s, "full", full, sizeof full, "--study", SAMPLE ".study.ini", "--input", SAMPLE ".csv", (char *)NULL);
    if (test_under_valgrind())
        skip();
    path_join(full_results, sizeof full_results, full, "results.csv");
    int code = run_checker(s, out, report, sizeof report, "--ids", SAMPLE ".csv:patient_id", "--full", full_results,
                           (char *)NULL);
    assert_checker_passes(s, out, code, report);
}

static void test_small_cells_everywhere(void **state)
{
    scratch *s = *state;
    char input[256], template_path[256], out[256], full[256], full_results[300], report[300];
    path_join(input, sizeof input, s->dir, "small.csv");
    write_small_cohort(input);
    write_template(s, "share.ini", share_everything, template_path, sizeof template_path);
    run_into(s, "share", out, sizeof out, "--study", SAMPLE ".study.ini", "--input", input, "--template", template_path,
             (char *)NULL);
    run_into(s, "full", full, sizeof full, "--study", SAMPLE ".study.ini", "--input", input, (char *)NULL);
    if (test_under_valgrind())
        skip();
    path_join(full_results, sizeof full_results, full, "results.csv");
    int code = run_checker(s, out, report, sizeof report, "--ids", SAMPLE ".csv:patient_id", "--text", "G-2x",
                           "--text", "TAEE", "--full", full_results, (char *)NULL);
    assert_checker_passes(s, out, code, report);
}

static void test_procedures_study(void **state)
{
    scratch *s = *state;
    char template_path[256], out[256], full[256], full_results[300], report[300];
    write_template(s, "share.ini", share_everything, template_path, sizeof template_path);
    run_into(s, "share", out, sizeof out, "--study", PROCEDURES_STUDY, "--input", SAMPLE ".csv", "--template",
             template_path, "--as-of", "2012-12-31", (char *)NULL);
    run_into(s, "full", full, sizeof full, "--study", PROCEDURES_STUDY, "--input", SAMPLE ".csv", "--as-of",
             "2012-12-31", (char *)NULL);
    if (test_under_valgrind())
        skip();
    path_join(full_results, sizeof full_results, full, "results.csv");
    /* The as-of date and the audit's windows (the month, the rolling 12 months) may appear. */
    int code = run_checker(s, out, report, sizeof report, "--ids", SAMPLE ".csv:patient_id", "--ids",
                           SAMPLE ".procedures.csv:patient_id", "--free", SAMPLE ".procedures.csv:operator", "--free",
                           SAMPLE ".procedures.csv:ae_term", "--allow-date", "2012-12-31", "--allow-date",
                           "2012-12-01", "--allow-date", "2012-01-01", "--full", full_results, (char *)NULL);
    assert_checker_passes(s, out, code, report);
}

/* The round-2 study (RMST, cumulative incidence, centres, Fine-Gray, subgroup effects): its primary
 * sites lung and other have fewer than 5 deaths and competing events. */
static void test_round2_study(void **state)
{
    scratch *s = *state;
    char template_path[256], out[256], full[256], full_results[300], report[300];
    write_template(s, "share.ini", share_everything, template_path, sizeof template_path);
    run_into(s, "share", out, sizeof out, "--study", ROUND2_STUDY, "--input", SAMPLE ".csv", "--template",
             template_path, (char *)NULL);
    run_into(s, "full", full, sizeof full, "--study", ROUND2_STUDY, "--input", SAMPLE ".csv", (char *)NULL);
    if (test_under_valgrind())
        skip();
    path_join(full_results, sizeof full_results, full, "results.csv");
    int code = run_checker(s, out, report, sizeof report, "--ids", SAMPLE ".csv:patient_id", "--full", full_results,
                           (char *)NULL);
    assert_checker_passes(s, out, code, report);
}

/* The procedures file without the month's procedures (dated December 2012). */
static void write_procedures_without_december(const char *path)
{
    csv_file input;
    csv_load(SAMPLE ".procedures.csv", &input);
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    size_t date = csv_column(&input, "procedure_date");
    for (size_t r = 0; r < input.n; r++) {
        if (r > 0 && !strncmp(input.records[r].fields[date], "2012-12", 7))
            continue;
        for (size_t f = 0; f < input.records[r].n; f++)
            fprintf(file, "%s\"%s\"", f ? "," : "", input.records[r].fields[f]);
        fputc('\n', file);
    }
    assert_int_equal(fclose(file), 0);
    csv_free(&input);
}

/* This month's share and full runs of input and procedures against previous, read back. */
static void check_month(const scratch *s, const char *name, const char *input, const char *procedures,
                        const char *previous)
{
    char out[256], full[256], full_name[64], full_results[300], report[300];
    snprintf(full_name, sizeof full_name, "%s-full", name);
    run_into(s, name, out, sizeof out, "--study", PROCEDURES_STUDY, "--input", input, "--procedures", procedures,
             "--as-of", "2012-12-31", "--previous", previous, "--template", "templates/share.ini", (char *)NULL);
    run_into(s, full_name, full, sizeof full, "--study", PROCEDURES_STUDY, "--input", input, "--procedures",
             procedures, "--as-of", "2012-12-31", "--previous", previous, (char *)NULL);
    if (test_under_valgrind())
        return;
    path_join(full_results, sizeof full_results, full, "results.csv");
    /* The as-of dates of both sets and the audit's windows may appear. */
    int code = run_checker(s, out, report, sizeof report, "--ids", SAMPLE ".csv:patient_id", "--ids",
                           SAMPLE ".procedures.csv:patient_id", "--free", SAMPLE ".procedures.csv:operator", "--free",
                           SAMPLE ".procedures.csv:ae_term", "--allow-date", "2012-12-31", "--allow-date",
                           "2012-11-30", "--allow-date", "2012-12-01", "--allow-date", "2012-01-01", "--full",
                           full_results, (char *)NULL);
    assert_checker_passes(s, out, code, report);
}

/* --previous under templates/share.ini: what changed since last month's set, counts only. 3 patients
 * gone (2 of them analysed last month) and 2 re-graded are counts from 1 to 4, and so would be the
 * patients gone once the totals (115 then, 113 now) and the other counts were shown: those are
 * withheld. Without the month's procedures, the 2 of the patients gone are the only hidden
 * procedure count, and the procedures' other parts are withheld too. */
static void test_previous_under_share(void **state)
{
    scratch *s = *state;
    char input[256], procedures[256], previous[256];
    path_join(input, sizeof input, s->dir, "december.csv");
    write_month_cohort(input);
    path_join(procedures, sizeof procedures, s->dir, "november.procedures.csv");
    write_procedures_without_december(procedures);
    run_into(s, "november", previous, sizeof previous, "--study", PROCEDURES_STUDY, "--input", SAMPLE ".csv",
             "--as-of", "2012-11-30", (char *)NULL);
    check_month(s, "share", input, SAMPLE ".procedures.csv", previous);
    check_month(s, "share-without-december", input, procedures, previous);
}

/* The checker finds each kind of leak in the same cohort's folder written without share. */
static void test_the_checker_finds_leaks(void **state)
{
    static const char *const findings[] = {
        "patients.csv is written under the share template",
        "manifest.json: share is False",
        "manifest.json: not_written does not list",
        "results.csv km,",                    /* a count of results.csv */
        "free text 'G-2x'",                   /* a value that matches no level */
        "patient identifier 'NET-",           /* the Patients sheet */
        "Exclusions!",                        /* a date of the exclusion log */
        "(Events): count",                    /* a count column of the workbook */
        "tables.docx table",                  /* n (%) of Table 1 in the Word tables */
        "report.pdf: 'n = ",                  /* a legend of the report */
        "at risk in",                         /* the numbers at risk under a figure */
        "report.pdf: a suppressed hazard ratio",
        "tables.xlsx: a suppressed hazard ratio",
    };
    scratch *s = *state;
    char input[256], template_path[256], out[256], report[300], full_results[300];
    path_join(input, sizeof input, s->dir, "small.csv");
    write_small_cohort(input);
    write_unshared(s, template_path, sizeof template_path);
    run_into(s, "unshared", out, sizeof out, "--study", SAMPLE ".study.ini", "--input", input, "--template",
             template_path, (char *)NULL);
    if (test_under_valgrind())
        skip();
    path_join(full_results, sizeof full_results, out, "results.csv");
    int code = run_checker(s, out, report, sizeof report, "--ids", SAMPLE ".csv:patient_id", "--text", "G-2x",
                           "--full", full_results, (char *)NULL);
    assert_int_equal(code, 1);
    char *text = test_file_read(report, NULL);
    assert_non_null(text);
    for (size_t i = 0; i < sizeof findings / sizeof findings[0]; i++) {
        if (!strstr(text, findings[i]))
            print_error("the checker did not report '%s'\n", findings[i]);
        assert_non_null(strstr(text, findings[i]));
    }
    free(text);
}

/* --strict under share: the failure writes no exclusion log (it names patients) and says so. */
static void test_strict_writes_no_exclusion_log(void **state)
{
    scratch *s = *state;
    char out[256];
    path_join(out, sizeof out, s->dir, "strict");
    const char *args[] = {"run", "--quiet", "--strict", "--study", FIXTURES "net_messy_155.study.ini", "--input",
                          FIXTURES "net_messy_155.csv", "--template", "templates/share.ini", "--out", out, NULL};
    assert_int_equal(run_embolo(args, s->err), 65);
    const char *const only[] = {"manifest.json", NULL};
    assert_true(test_dir_holds_only(out, only));
    const char *const needles[] = {"--strict: 21 exclusions or invalid values",
                                   "the share template writes no exclusions.csv: `embolo check` lists them", NULL};
    test_assert_one_line(s->err, needles);
}

int main(void)
{
#define SHARE_TEST(f) cmocka_unit_test_setup_teardown(f, scratch_setup, scratch_teardown)
    const struct CMUnitTest tests[] = {
        SHARE_TEST(test_sample_with_the_share_template),
        SHARE_TEST(test_small_cells_everywhere),
        SHARE_TEST(test_procedures_study),
        SHARE_TEST(test_round2_study),
        SHARE_TEST(test_previous_under_share),
        SHARE_TEST(test_the_checker_finds_leaks),
        SHARE_TEST(test_strict_writes_no_exclusion_log),
    };
#undef SHARE_TEST
    return cmocka_run_group_tests(tests, NULL, NULL);
}
