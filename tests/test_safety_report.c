/* The procedures' tables end to end: the sample with its procedures through the audit template, with
 * and without --as-of 2012-12-31. Each table of tables.docx (the report's tables, whose rows
 * test_formats finds on the report's pages) shows the numbers of results.csv as formatted: the AEs and
 * outcomes by modality, the month and the 12 months with their thresholds and both flags, the sessions,
 * the procedures of the windows, the month's major AEs (from procedures.csv and the input's terms); the
 * workbook's Safety sheet holds the same numbers at full precision and its Procedures sheet every line
 * of procedures.csv; the share template's report and workbook hold no operator name, AE term or
 * procedure date and no count from 1 to 4 in the procedures' count rows; without a procedures file
 * none of this shows and nothing fails. Under valgrind only the runs (python, poppler and gnumeric are
 * not run there). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/text.h"
#include "driver.h"
#include "render/build.h"
#include "render/format.h"
#include "render_testutil.h"
#include "e2eutil.h"

#define SAMPLE FIXTURES "net_sample_155"
#define EN "\xe2\x80\x93"

typedef struct run {
    char dir[64];
    test_results *results;
    test_docx *docx;     /* NULL under share (no Word tables) */
    char *pdf;           /* pdftotext, every run of white space one space */
    csv_file safety, procedures_sheet, procedures_csv;
    int has_safety, has_procedures_sheet;
    char sheet_text_path[128];  /* every sheet's CSV, concatenated */
} run;

typedef struct fixture {
    run as_of, latest, share, plain;
    csv_file input;       /* the procedures file */
} fixture;

static const char *const modalities[] = {"", "TACE", "TARE", "TAE"};

/* ---- runs ---- */

static char *folded_pdf(const char *dir)
{
    char command[256];
    snprintf(command, sizeof command, "pdftotext '%s/report.pdf' -", dir);
    char *text = test_command_output(command);
    assert_non_null(text);
    char *o = text;
    for (const char *c = text; *c; c++)
        if (!isspace((unsigned char)*c) || (o > text && o[-1] != ' '))
            *o++ = isspace((unsigned char)*c) ? ' ' : *c;
    *o = '\0';
    return text;
}

static void sheets_read(run *r)
{
    char command[512], path[256];
    snprintf(command, sizeof command, "mkdir '%s/sheets' && ssconvert -S --export-type=Gnumeric_stf:stf_csv "
                                      "'%s/tables.xlsx' '%s/sheets/%%s.csv' >/dev/null 2>&1; cat '%s'/sheets/*.csv "
                                      "> '%s/all-sheets.txt'", r->dir, r->dir, r->dir, r->dir, r->dir);
    assert_int_equal(system(command), 0);
    snprintf(r->sheet_text_path, sizeof r->sheet_text_path, "%s/all-sheets.txt", r->dir);
    snprintf(path, sizeof path, "%s/sheets/Safety.csv", r->dir);
    if ((r->has_safety = file_exists(path)))
        csv_load(path, &r->safety);
    snprintf(path, sizeof path, "%s/sheets/Procedures.csv", r->dir);
    if ((r->has_procedures_sheet = file_exists(path)))
        csv_load(path, &r->procedures_sheet);
}

static void run_make(run *r, const char *study, const char *template_path, int as_of)
{
    char message[512] = "", path[256];
    memset(r, 0, sizeof *r);
    snprintf(r->dir, sizeof r->dir, "/tmp/test_safety_report.XXXXXX");
    assert_non_null(mkdtemp(r->dir));
    driver_options options = {.command = DRIVER_RUN, .study_path = study, .input_path = SAMPLE ".csv",
                              .template_path = template_path, .out_dir = r->dir, .quiet = 1, .has_as_of = as_of,
                              .as_of = text_days_from_civil(2012, 12, 31)};
    embolo_error err = driver_run(&options, message, sizeof message);
    if (err != EMBOLO_OK)
        print_error("%s\n", message);
    assert_int_equal(err, EMBOLO_OK);
    r->results = test_results_read(r->dir);
    snprintf(path, sizeof path, "%s/procedures.csv", r->dir);
    if (file_exists(path))
        csv_load(path, &r->procedures_csv);
    if (test_under_valgrind())
        return; /* python, poppler and gnumeric are not run under valgrind */
    r->pdf = folded_pdf(r->dir);
    snprintf(path, sizeof path, "%s/tables.docx", r->dir);
    if (file_exists(path))
        r->docx = test_docx_read(path);
    sheets_read(r);
}

static void run_free(run *r)
{
    remove_tree(r->dir);
    test_results_free(r->results);
    test_docx_free(r->docx);
    free(r->pdf);
    if (r->has_safety)
        csv_free(&r->safety);
    if (r->has_procedures_sheet)
        csv_free(&r->procedures_sheet);
    if (r->procedures_csv.n)
        csv_free(&r->procedures_csv);
}

static int setup(void **state)
{
    static fixture f;
    run_make(&f.as_of, SAMPLE ".procedures.study.ini", "templates/audit.ini", 1);
    run_make(&f.latest, SAMPLE ".procedures.study.ini", "templates/audit.ini", 0);
    run_make(&f.share, SAMPLE ".procedures.study.ini", "templates/share.ini", 0);
    run_make(&f.plain, SAMPLE ".study.ini", "templates/audit.ini", 1);
    csv_load(SAMPLE ".procedures.csv", &f.input);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    run_free(&f->as_of);
    run_free(&f->latest);
    run_free(&f->share);
    run_free(&f->plain);
    csv_free(&f->input);
    return 0;
}

/* ---- results.csv as the tables show it ---- */

static double value_of(const run *r, const char *section, const char *model, int modality, const char *stat)
{
    return test_result(r->results, section, "", model, modality ? "modality" : "all", modalities[modality], stat);
}

static double rate_part(const run *r, const char *section, const char *model, int modality, const char *prefix,
                        const char *suffix)
{
    char stat[128];
    snprintf(stat, sizeof stat, "%s_%s", prefix, suffix);
    return value_of(r, section, model, modality, stat);
}

/* "6.9 (3.6–11.7)": a rate and its CI in percent, "NA" without procedures. */
static void rate_text(const run *r, const char *section, const char *model, int modality, const char *prefix,
                      char *out, size_t size)
{
    double rate = rate_part(r, section, model, modality, prefix, "rate");
    if (isnan(rate)) {
        snprintf(out, size, "NA");
        return;
    }
    format_estimate_ci(out, size, 100 * rate, 100 * rate_part(r, section, model, modality, prefix, "lower"),
                       100 * rate_part(r, section, model, modality, prefix, "upper"), 1);
}

static void count_text(double count, char *out, size_t size)
{
    snprintf(out, size, "%.0f", count);
}

/* ---- tables.docx ---- */

static const test_docx_table *docx_table(const run *r, const char *title)
{
    const test_docx_table *t = test_docx_table_titled(r->docx, title);
    if (!t)
        print_error("tables.docx has no table '%s'\n", title);
    assert_non_null(t);
    return t;
}

static size_t docx_row(const test_docx_table *t, const char *label, size_t from)
{
    for (size_t row = from; row < t->n_rows; row++)
        if (!strcmp(test_docx_cell(t, row, 0), label))
            return row;
    print_error("%s: no row '%s'\n", t->title, label);
    fail();
    return 0;
}

static void expect_cell(const test_docx_table *t, size_t row, size_t col, const char *want)
{
    if (strcmp(test_docx_cell(t, row, col), want))
        print_error("%s, row '%s', column %zu: '%s', want '%s'\n", t->title, test_docx_cell(t, row, 0), col,
                    test_docx_cell(t, row, col), want);
    assert_string_equal(test_docx_cell(t, row, col), want);
}

/* The AE table: its counts, grades, rates with their CIs and Fisher's p in each modality's column. */
static void check_safety_docx(const run *r)
{
    static const struct {
        const char *label, *prefix, *events, *denominator;
    } rates[] = {
        {"Major adverse event, % (95% CI)", "major_ae", "Procedures with a major AE", "Procedures with a known grade"},
        {"30-day mortality per procedure, % (95% CI)", "mort30", "Deaths within 30 days",
         "Procedures with a known 30-day status"},
        {"30-day mortality per patient, % (95% CI)", "mort30_patient", "Patients who died within 30 days",
         "Patients with a known 30-day status"},
        {"Technical success, % (95% CI)", "tech_success", "Successful procedures", "Procedures with a known result"},
    };
    const test_docx_table *t = docx_table(r, "Adverse events and outcomes per procedure, by modality");
    char want[128], percent[32];
    for (int m = 0; m < 4; m++) {
        size_t col = (size_t)m + 1;
        expect_cell(t, 0, col, m ? modalities[m] : "All");
        count_text(value_of(r, "safety", "", m, "procedures"), want, sizeof want);
        expect_cell(t, docx_row(t, "Procedures", 1), col, want);
        count_text(value_of(r, "safety", "", m, "patients"), want, sizeof want);
        expect_cell(t, docx_row(t, "Patients", 1), col, want);
        double count = value_of(r, "safety", "", m, "grade@3"), procedures = value_of(r, "safety", "", m, "procedures");
        format_percent(percent, sizeof percent, 100 * count / procedures, 1);
        snprintf(want, sizeof want, "%.0f (%s)", count, percent);
        expect_cell(t, docx_row(t, "Grade 3 (severe)", 1), col, want);
        for (size_t k = 0; k < sizeof rates / sizeof rates[0]; k++) {
            size_t row = docx_row(t, rates[k].label, 1);
            rate_text(r, "safety", "", m, rates[k].prefix, want, sizeof want);
            expect_cell(t, row, col, want);
            count_text(rate_part(r, "safety", "", m, rates[k].prefix, "events"), want, sizeof want);
            expect_cell(t, docx_row(t, rates[k].events, row), col, want);
            count_text(rate_part(r, "safety", "", m, rates[k].prefix, "n"), want, sizeof want);
            expect_cell(t, docx_row(t, rates[k].denominator, row), col, want);
        }
    }
    for (size_t k = 0; k < sizeof rates / sizeof rates[0]; k++) {
        char stat[64];
        snprintf(stat, sizeof stat, "%s_p", rates[k].prefix);
        double p = test_result(r->results, "safety", "", "fisher", "modality", "", stat);
        if (isnan(p))
            want[0] = '\0';
        else
            format_p(want, sizeof want, p, 3);
        expect_cell(t, docx_row(t, rates[k].label, 1), 5, want);
    }
}

/* What the review column says of a rate against its threshold. */
static const char *review_of(const run *r, const char *window, int m, const char *prefix)
{
    double beyond = rate_part(r, "audit_safety", window, m, prefix, strcmp(prefix, "tech_success") ? "above" : "below");
    double flag = rate_part(r, "audit_safety", window, m, prefix, "flag");
    if (isnan(beyond))
        return "no data";
    if (beyond == 0)
        return "no";
    return flag == 1 ? "REVIEW, beyond chance" : "REVIEW";
}

static size_t check_audit_window(const run *r, const test_docx_table *t, size_t row, size_t first, const char *window,
                                 int m, const char *prefix)
{
    char want[128];
    count_text(rate_part(r, "audit_safety", window, m, prefix, "events"), want, sizeof want);
    expect_cell(t, row, first, want);
    count_text(rate_part(r, "audit_safety", window, m, prefix, "n"), want, sizeof want);
    expect_cell(t, row, first + 1, want);
    rate_text(r, "audit_safety", window, m, prefix, want, sizeof want);
    expect_cell(t, row, first + 2, want);
    const char *review = review_of(r, window, m, prefix);
    expect_cell(t, row, first + 3, review);
    return !strncmp(review, "REVIEW", 6);
}

/* The month and the 12 months: every group's threshold, counts, rate and what prompts a review; returns
 * how many cells say REVIEW. */
static size_t check_audit_docx(const run *r, const char *title)
{
    static const struct {
        const char *label, *prefix;
    } measures[] = {{"Major adverse events per procedure", "major_ae"},
                    {"30-day mortality per procedure", "mort30"},
                    {"Technical success per procedure", "tech_success"}};
    const test_docx_table *t = docx_table(r, title);
    size_t reviews = 0;
    for (size_t k = 0; k < sizeof measures / sizeof measures[0]; k++) {
        size_t row = docx_row(t, measures[k].label, 1);
        for (int m = 0; m < 4; m++) {
            char want[64];
            row = docx_row(t, m ? modalities[m] : "All", row + 1);
            format_percent(want, sizeof want, 100 * rate_part(r, "audit_safety", "month", m, measures[k].prefix,
                                                              "threshold"), 1);
            expect_cell(t, row, 1, want);
            reviews += check_audit_window(r, t, row, 2, "month", m, measures[k].prefix);
            reviews += check_audit_window(r, t, row, 6, "rolling_12m", m, measures[k].prefix);
        }
    }
    return reviews;
}

/* The procedures and patients of the windows and to date, by modality. */
static void check_audit_procedures_docx(const run *r, const char *title)
{
    const test_docx_table *t = docx_table(r, title);
    for (int m = 0; m < 4; m++) {
        size_t row = docx_row(t, m ? modalities[m] : "All", 1);
        char want[32];
        const char *stats[] = {"procedures", "patients"};
        for (size_t s = 0; s < 2; s++) {
            count_text(value_of(r, "audit_safety", "month", m, stats[s]), want, sizeof want);
            expect_cell(t, row, 1 + 3 * s, want);
            count_text(value_of(r, "audit_safety", "rolling_12m", m, stats[s]), want, sizeof want);
            expect_cell(t, row, 2 + 3 * s, want);
            count_text(value_of(r, "safety", "", m, stats[s]), want, sizeof want);
            expect_cell(t, row, 3 + 3 * s, want);
        }
    }
}

static void check_sessions_docx(const run *r)
{
    const test_docx_table *t = docx_table(r, "Treatment sessions per patient, by the modality of the first procedure");
    char want[64], percent[32];
    for (int m = 0; m < 4; m++) {
        double patients = value_of(r, "procedures", "", m, "patients"), repeat = value_of(r, "procedures", "", m, "repeat");
        count_text(patients, want, sizeof want);
        expect_cell(t, docx_row(t, "Patients with a procedure", 1), (size_t)m + 1, want);
        format_percent(percent, sizeof percent, 100 * repeat / patients, 1);
        snprintf(want, sizeof want, "%.0f (%s)", repeat, percent);
        expect_cell(t, docx_row(t, "Repeat treatment (2 or more sessions), n (%)", 1), (size_t)m + 1, want);
    }
    count_text(test_result(r->results, "procedures", "", "", "sessions", "2", "patients"), want, sizeof want);
    assert_non_null(strstr(test_docx_cell(t, docx_row(t, "2 sessions", 1), 1), want));
    count_text(test_result(r->results, "procedures", "", "", "crossover", "TACE>TARE", "patients"), want, sizeof want);
    expect_cell(t, docx_row(t, "TACE > TARE", 1), 1, want);
}

/* The AE term of a record of the procedures file. */
static const char *term_of(const fixture *f, const char *record)
{
    size_t row = (size_t)strtoul(record, NULL, 10);
    assert_true(row >= 1 && row < f->input.n);
    return csv_get(&f->input, row, csv_column(&f->input, "ae_term"));
}

/* The month's major AEs: the lines of procedures.csv with major_ae 1 in the month, by date, with the
 * input's terms. */
static size_t check_major_aes_docx(const fixture *f, const run *r, const char *title)
{
    const csv_file *p = &r->procedures_csv;
    char start[16], end[16];
    snprintf(start, sizeof start, "%.0f", value_of(r, "audit_safety", "month", 0, "start"));
    snprintf(end, sizeof end, "%.0f", value_of(r, "audit_safety", "month", 0, "end"));
    size_t date = csv_column(p, "date"), *lines = calloc(p->n, sizeof *lines), n = 0;
    assert_non_null(lines);
    for (size_t i = 1; i < p->n; i++) {
        char compact[16];
        const char *day = csv_get(p, i, date);
        snprintf(compact, sizeof compact, "%.4s%.2s%.2s", day, day + 5, day + 8);
        if (!strcmp(csv_get(p, i, csv_column(p, "major_ae")), "1") && strcmp(compact, start) >= 0 &&
            strcmp(compact, end) <= 0)
            lines[n++] = i;
    }
    if (n == 0) {
        assert_null(test_docx_table_titled(r->docx, title));
        assert_non_null(strstr(r->pdf, "No major adverse event in"));
    }
    for (size_t k = 0; k < n; k++) {
        const test_docx_table *t = docx_table(r, title);
        size_t i = lines[k];
        char grade[64];
        snprintf(grade, sizeof grade, "Grade %s", csv_get(p, i, csv_column(p, "ae_grade")));
        expect_cell(t, k + 1, 0, csv_get(p, i, date));
        expect_cell(t, k + 1, 1, csv_get(p, i, csv_column(p, "modality")));
        assert_non_null(strstr(test_docx_cell(t, k + 1, 2), grade));
        expect_cell(t, k + 1, 3, term_of(f, csv_get(p, i, 0)));
        expect_cell(t, k + 1, 4, csv_get(p, i, 0));
        assert_int_equal(t->n_rows, n + 1);
    }
    free(lines);
    return n;
}

/* ---- the workbook ---- */

/* The Safety sheet's row whose first two cells are these, after row from. */
static size_t sheet_row(const csv_file *s, const char *group, const char *label, size_t from)
{
    for (size_t row = from; row < s->n; row++)
        if (!strcmp(csv_get(s, row, 0), group) && !strcmp(csv_get(s, row, 1), label))
            return row;
    print_error("Safety sheet: no row '%s' / '%s' after %zu\n", group, label, from);
    fail();
    return 0;
}

static size_t sheet_column(const csv_file *s, size_t header_row, const char *header)
{
    for (size_t c = 0; c < s->records[header_row].n; c++)
        if (!strcmp(csv_get(s, header_row, c), header))
            return c;
    print_error("Safety sheet: no column '%s' in row %zu\n", header, header_row);
    fail();
    return 0;
}

static void expect_number(const csv_file *s, size_t row, size_t col, double want)
{
    const char *text = csv_get(s, row, col);
    char *end;
    double got = strtod(text, &end);
    if (end == text || *end)
        print_error("Safety sheet row %zu column %zu: '%s' is not a number (want %.15g)\n", row, col, text, want);
    assert_true(end != text && !*end);
    assert_close(got, want, 1e-11); /* results.csv has 12 significant digits */
}

/* The AE table's rates and limits, and the audit's, at full precision in numeric cells. */
static void check_safety_sheet(const run *r)
{
    const csv_file *s = &r->safety;
    size_t title = sheet_row(s, "Adverse events and outcomes per procedure, by modality", "", 0);
    size_t header = title + 1, row = sheet_row(s, "Major adverse event, % (95% CI)", "", header);
    for (int m = 0; m < 4; m++) {
        size_t col = sheet_column(s, header, m ? modalities[m] : "All");
        expect_number(s, row, col, rate_part(r, "safety", "", m, "major_ae", "rate"));
        expect_number(s, row, col + 1, rate_part(r, "safety", "", m, "major_ae", "lower"));
        expect_number(s, row, col + 2, rate_part(r, "safety", "", m, "major_ae", "upper"));
        expect_number(s, row + 1, col, rate_part(r, "safety", "", m, "major_ae", "events"));
    }
    title = sheet_row(s, "Safety audit: December 2012 and the 12 months to December 2012 against the thresholds", "",
                      row);
    header = title + 1;
    row = sheet_row(s, "30-day mortality per procedure", "All", header);
    expect_number(s, row, sheet_column(s, header, "Threshold"), rate_part(r, "audit_safety", "month", 0, "mort30",
                                                                          "threshold"));
    size_t rate = sheet_column(s, header, "Rate in 12 months");
    expect_number(s, row, rate, rate_part(r, "audit_safety", "rolling_12m", 0, "mort30", "rate"));
    expect_number(s, row, rate + 1, rate_part(r, "audit_safety", "rolling_12m", 0, "mort30", "lower"));
    expect_number(s, row, sheet_column(s, header, "n in 12 months"),
                  rate_part(r, "audit_safety", "rolling_12m", 0, "mort30", "n"));
    title = sheet_row(s, "Major adverse events per operator against the funnel's limits", "", row);
    row = sheet_row(s, "All procedures to date (target: the rate of all)", "IR-02", title);
    expect_number(s, row, 6, test_result(r->results, "funnel", "", "cumulative", "operator", "IR-02", "upper95"));
    assert_string_equal(csv_get(s, row, 9), "above the 95% limit");
}

/* The Procedures sheet lists procedures.csv: the same rows, ids, modalities, sessions and grades. */
static void check_procedures_sheet(const run *r)
{
    const csv_file *sheet = &r->procedures_sheet, *p = &r->procedures_csv;
    size_t header = 0;
    while (header < sheet->n && strcmp(csv_get(sheet, header, 0), "row"))
        header++;
    assert_true(header < sheet->n);
    assert_int_equal(sheet->n - header, p->n);
    for (size_t i = 1; i < p->n; i++)
        for (size_t c = 0; c < p->records[0].n; c++) {
            const char *want = csv_get(p, i, c), *got = csv_get(sheet, header + i, c);
            if (!strcmp(want, "NA"))
                want = "";
            if (c == 2) /* ssconvert writes a date cell as 2004/01/09 */
                assert_true(strlen(got) == 10 && !strncmp(got, want, 4) && !strncmp(got + 5, want + 5, 2) &&
                            !strncmp(got + 8, want + 8, 2));
            else if (strcmp(got, want) && !(strtod(got, NULL) == strtod(want, NULL) && *want))
                fail_msg("Procedures sheet row %zu column %zu: '%s', want '%s'", i, c, got, want);
        }
}

/* ---- tests ---- */

/* The runs themselves (under valgrind too): the procedures' lines, procedures.csv but under share. */
static void test_runs(void **state)
{
    fixture *f = *state;
    assert_true(value_of(&f->as_of, "safety", "", 0, "procedures") > 0);
    assert_true(value_of(&f->latest, "audit_safety", "month", 0, "end") > 20120000);
    assert_true(f->as_of.procedures_csv.n > 1 && f->latest.procedures_csv.n > 1);
    assert_int_equal(f->share.procedures_csv.n, 0);
    assert_true(isnan(value_of(&f->plain, "safety", "", 0, "procedures")));
}

static void test_as_of_tables(void **state)
{
    fixture *f = *state;
    if (test_under_valgrind())
        skip();
    const run *r = &f->as_of;
    check_safety_docx(r);
    check_sessions_docx(r);
    check_audit_procedures_docx(r, "Procedures in December 2012, in the 12 months to December 2012 and to date");
    assert_true(check_audit_docx(r, "Safety audit: December 2012 and the 12 months to December 2012 against the "
                                    "thresholds") > 0);
    assert_int_equal(check_major_aes_docx(f, r, "Major adverse events in December 2012"), 1);
    assert_non_null(strstr(r->pdf, "Major adverse events in December 2012 Date Modality Grade Adverse event Record "
                                   "2012-12-04 TACE Grade 3 (severe) Hepatic failure"));
    assert_non_null(strstr(r->pdf, "Safety audit against the thresholds"));
    assert_true(r->has_safety && r->has_procedures_sheet);
    check_safety_sheet(r);
    check_procedures_sheet(r);
}

/* Without --as-of the windows end at the latest included procedure. */
static void test_latest_tables(void **state)
{
    fixture *f = *state;
    if (test_under_valgrind())
        skip();
    const run *r = &f->latest;
    char month[32], title[256];
    long end = build_day_of_number(value_of(r, "audit_safety", "month", 0, "end"));
    assert_true(end > 0);
    build_month_name(end, month, sizeof month);
    check_safety_docx(r);
    snprintf(title, sizeof title, "Procedures in %s, in the 12 months to %s and to date", month, month);
    check_audit_procedures_docx(r, title);
    snprintf(title, sizeof title, "Safety audit: %s and the 12 months to %s against the thresholds", month, month);
    check_audit_docx(r, title);
    snprintf(title, sizeof title, "Major adverse events in %s", month);
    check_major_aes_docx(f, r, title);
    assert_non_null(strstr(r->pdf, "(reference date: the latest included procedure)"));
    check_procedures_sheet(r);
}

static void expect_absent(const char *where, const char *text, const char *needle)
{
    if (needle[0] && strstr(text, needle))
        fail_msg("%s holds '%s'", where, needle);
}

/* The share run: the procedures' tables are there, with no operator name, AE term or procedure date. */
static void test_share_leaks_nothing(void **state)
{
    fixture *f = *state;
    if (test_under_valgrind())
        skip();
    const run *r = &f->share;
    char *sheets = test_file_read(r->sheet_text_path, NULL);
    assert_non_null(sheets);
    assert_non_null(strstr(r->pdf, "Adverse events and outcomes per procedure, by modality"));
    assert_non_null(strstr(sheets, "Operator 1"));
    assert_false(r->has_procedures_sheet);
    assert_int_equal(r->procedures_csv.n, 0);
    const char *columns[] = {"operator", "ae_term", "procedure_date"};
    for (size_t k = 0; k < 3; k++) {
        size_t c = csv_column(&f->input, columns[k]);
        for (size_t i = 1; i < f->input.n; i++) {
            const char *text = csv_get(&f->input, i, c);
            char slashed[16];
            expect_absent("the share report", r->pdf, text);
            expect_absent("the share workbook", sheets, text);
            if (k == 2 && strlen(text) == 10) {
                snprintf(slashed, sizeof slashed, "%.4s/%.2s/%.2s", text, text + 5, text + 8);
                expect_absent("the share workbook", sheets, slashed);
            }
        }
    }
    free(sheets);
}

/* The columns of counts under a header row of the Safety sheet: the modalities' first cells (their
 * counts; rates are on the headings' rows), the audit's events and n, the CUSUM's and the funnel's
 * procedures and major AEs. */
static void count_columns(const csv_file *s, size_t header, int *counted, size_t n)
{
    static const char *const names[] = {"All", "All patients", "TACE", "TARE", "TAE", "Procedures", "Major AEs"};
    for (size_t c = 0; c < n; c++) {
        const char *text = c < s->records[header].n ? csv_get(s, header, c) : "";
        counted[c] = in_list(text, names, sizeof names / sizeof names[0]) || !strncmp(text, "Events in", 9) ||
                     !strncmp(text, "n in", 4);
    }
}

/* Under share no count of the procedures' tables is from 1 to 4. */
static void test_share_hides_small_counts(void **state)
{
    fixture *f = *state;
    if (test_under_valgrind())
        skip();
    const csv_file *s = &f->share.safety;
    static const char *const not_counts[] = {"Sessions per patient, most", "Sessions per patient, mean", "Mean",
                                             "Minimum", "Maximum", "Median [IQR]"};
    static const char *const headers[] = {"Measure", "Window", "Group"};
    int counted[64] = {0};
    size_t checked = 0, hidden = 0;
    assert_true(f->share.has_safety);
    for (size_t row = 0; row < s->n; row++) {
        const char *label = csv_get(s, row, 1);
        if (in_list(csv_get(s, row, 0), headers, 3)) {
            count_columns(s, row, counted, 64);
            continue;
        }
        if (!label[0] || in_list(label, not_counts, sizeof not_counts / sizeof not_counts[0]))
            continue; /* a heading's rates, or not a count */
        for (size_t c = 0; c < s->records[row].n && c < 64; c++) {
            const char *text = csv_get(s, row, c);
            char *end;
            double number = strtod(text, &end);
            hidden += counted[c] && !strcmp(text, "<5");
            if (!counted[c] || end == text || *end)
                continue;
            checked++;
            if (number >= 1 && number <= 4)
                fail_msg("Safety sheet row %zu ('%s') column %zu: %s", row, label, c, text);
        }
    }
    assert_true(checked > 50);
    assert_true(hidden > 10);
}

/* Without a procedures file the audit shows its patient counts as before, and no procedures section. */
static void test_without_procedures(void **state)
{
    fixture *f = *state;
    if (test_under_valgrind())
        skip();
    const run *r = &f->plain;
    assert_null(strstr(r->pdf, "Safety audit against the thresholds"));
    assert_null(strstr(r->pdf, "Treatment sessions"));
    assert_null(strstr(r->pdf, "Major adverse events"));
    assert_non_null(strstr(r->pdf, "Procedures and events in December 2012 and to date"));
    assert_false(r->has_safety);
    assert_false(r->has_procedures_sheet);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_runs),
        cmocka_unit_test(test_as_of_tables),
        cmocka_unit_test(test_latest_tables),
        cmocka_unit_test(test_share_leaks_nothing),
        cmocka_unit_test(test_share_hides_small_counts),
        cmocka_unit_test(test_without_procedures),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
