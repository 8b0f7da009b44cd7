/* The compare stage (`embolo run --previous DIR`, docs/results-changes.md): last month's set (as of
 * 2012-11-30) against this month's (2012-12-31) on the sample with its procedures, with edits this
 * test makes (a changed progression date, a re-graded patient, a deleted patient, an added
 * procedure): each found exactly once, with the new follow-up of December, and nothing else; the same
 * on one as-of date (a correction run); verdicts, invalid values, new and future patients; a time/status
 * study without ids; the headline estimates; the share template (counts only, <5); the template's
 * previous key; every refusal and warning; and that --previous changes no other line (R's references
 * hold). The lists are checked in process (compare_load, compare_run on cleaned data), the counts
 * through the program (EMBOLO_BIN). Rendered with the audit template, the month's pair shows each edit
 * exactly once in the report's "Since the last report" (pdftotext), every change on the workbook's
 * Changes sheet (ssconvert) and the same tables in tables.docx (python-docx); the share template shows
 * counts only, "<5" for a small one. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clean/clean.h"
#include "common/changes.h"
#include "common/sha256.h"
#include "common/study.h"
#include "common/text.h"
#include "compare/compare.h"
#include "ingest/ingest.h"
#include "testutil.h"
#include "e2eutil.h"
#include "render_testutil.h"

#define STUDY FIXTURES "net_sample_155.procedures.study.ini"
#define PLAIN_STUDY FIXTURES "net_sample_155.study.ini"
#define INPUT FIXTURES "net_sample_155.csv"
#define PROCEDURES FIXTURES "net_sample_155.procedures.csv"
#define LUNG_STUDY FIXTURES "lung.study.ini"
#define LUNG_INPUT FIXTURES "lung.csv"

/* ---- editing a fixture ---- */

/* One edit of a CSV's data line: the line that begins with id and a comma (or, id NULL, data record
 * `record`, from 1) gets `value` in field `column`, or is removed, or gets the line `before` before it.
 * Lines edited hold no quoted comma. */
typedef struct edit {
    const char *id;
    int record;
    int column;
    const char *value;
    int remove;
    const char *before;
} edit;

static int edit_matches(const edit *e, const char *line, int record)
{
    size_t length = e->id ? strlen(e->id) : 0;
    return e->id ? strncmp(line, e->id, length) == 0 && line[length] == ',' : e->record == record;
}

/* The line with field `column` replaced by value. */
static void replace_field(const char *line, int column, const char *value, char *out, size_t size)
{
    const char *start = line;
    for (int c = 0; c < column && start; c++) {
        start = strchr(start, ',');
        start = start ? start + 1 : NULL;
    }
    assert_non_null(start);
    const char *end = start + strcspn(start, ",");
    int n = snprintf(out, size, "%.*s%s%s", (int)(start - line), line, value, end);
    assert_true(n > 0 && (size_t)n < size);
}

/* Writes SOURCE with the edits applied and the extra lines (NULL-terminated) appended into DIR/name. */
static void edit_csv(const char *source, const scratch *s, const char *name, const edit *edits, size_t n_edits,
                     const char *const *extra, char *out, size_t out_size)
{
    char *text = test_file_read(source, NULL);
    assert_non_null(text);
    path_join(out, out_size, s->dir, name);
    FILE *file = fopen(out, "w");
    assert_non_null(file);
    int record = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"), record++) {
        char edited[4096];
        int removed = 0;
        snprintf(edited, sizeof edited, "%s", line);
        for (size_t k = 0; k < n_edits; k++) {
            if (record == 0 || !edit_matches(&edits[k], edited, record))
                continue;
            if (edits[k].remove)
                removed = 1;
            else if (edits[k].before)
                fprintf(file, "%s\n", edits[k].before);
            else {
                char replaced[4096];
                replace_field(edited, edits[k].column, edits[k].value, replaced, sizeof replaced);
                snprintf(edited, sizeof edited, "%s", replaced);
            }
        }
        if (!removed)
            fprintf(file, "%s\n", edited);
    }
    for (size_t k = 0; extra && extra[k]; k++)
        fprintf(file, "%s\n", extra[k]);
    assert_int_equal(fclose(file), 0);
    free(text);
}

/* The sample with the month's edits: NET-00002's hepatic progression 2006-07-10 -> 2006-08-10 (column
 * 13), NET-00003 graded G2 (column 5, was G1), NET-00010 deleted; its procedures with one more for
 * NET-00005 on 2012-06-01 (before the previous cut-off: recorded late). */
static void edited_sample(const scratch *s, char *input, size_t input_size, char *procedures, size_t procedures_size)
{
    const edit edits[] = {
        {.id = "NET-00002", .column = 13, .value = "2006-08-10"},
        {.id = "NET-00003", .column = 5, .value = "G2"},
        {.id = "NET-00010", .remove = 1},
    };
    const char *added[] = {"NET-00005,2012-06-01,TACE,2,Fever,yes,,IR-02", NULL};
    edit_csv(INPUT, s, "edited.csv", edits, sizeof edits / sizeof edits[0], NULL, input, input_size);
    edit_csv(PROCEDURES, s, "edited.procedures.csv", NULL, 0, added, procedures, procedures_size);
}

/* ---- running the program ---- */

/* `embolo run --study STUDY --input INPUT --out DIR/out_name --quiet` and more arguments (NULL-ended). */
static void run_args(const scratch *s, const char *study, const char *input, const char *out_name, char *out,
                     size_t out_size, const char *const *more)
{
    const char *args[32] = {"run", "--study", study, "--input", input, "--out", NULL, "--quiet"};
    size_t n = 8;
    path_join(out, out_size, s->dir, out_name);
    args[6] = out;
    for (size_t k = 0; more && more[k] && n < 31; k++)
        args[n++] = more[k];
    args[n] = NULL;
    int code = run_embolo(args, s->err);
    if (code != 0) {
        char *err = test_file_read(s->err, NULL);
        print_error("embolo run --study %s --input %s: exit %d: %s\n", study, input, code, err ? err : "");
        free(err);
    }
    assert_int_equal(code, 0);
}

/* ---- results.csv's changes lines ---- */

typedef struct change_line {
    const char *endpoint, *model, *variable, *level, *stat, *value;
} change_line;

static int is_count_model(const char *model)
{
    static const char *const models[] = {CHANGES_PATIENTS, CHANGES_VERDICTS, CHANGES_UNMATCHED, CHANGES_VALUES,
                                         CHANGES_DATES,    CHANGES_TIMES,    CHANGES_EVENTS,    CHANGES_PROCEDURES};
    for (size_t k = 0; k < sizeof models / sizeof models[0]; k++)
        if (!strcmp(model, models[k]))
            return 1;
    return 0;
}

/* Every count line of section changes is one of want (with its value) or 0; every one of want is there. */
static void check_counts(const char *out, const change_line *want, size_t n_want)
{
    char path[300];
    csv_file r;
    size_t found = 0, bad = 0;
    path_join(path, sizeof path, out, "results.csv");
    csv_load(path, &r);
    for (size_t i = 1; i < r.n; i++) {
        const char *const *f = (const char *const *)r.records[i].fields;
        if (strcmp(f[0], CHANGES_SECTION) || !is_count_model(f[2]))
            continue;
        const char *expected = "0";
        for (size_t k = 0; k < n_want; k++)
            if (!strcmp(f[1], want[k].endpoint) && !strcmp(f[2], want[k].model) && !strcmp(f[3], want[k].variable) &&
                !strcmp(f[4], want[k].level) && !strcmp(f[5], want[k].stat)) {
                expected = want[k].value;
                found++;
            }
        if (strcmp(f[6], expected)) {
            print_error("%s: changes,%s,%s,%s,%s,%s is %s, want %s\n", path, f[1], f[2], f[3], f[4], f[5], f[6],
                        expected);
            bad++;
        }
    }
    if (found != n_want)
        print_error("%s: %zu of the %zu expected lines found\n", path, found, n_want);
    csv_free(&r);
    assert_int_equal(bad, 0);
    assert_int_equal(found, n_want);
}

/* The value cell of a line of DIR/results.csv ("" when absent; the caller frees). */
static char *line_value(const char *out, const char *section, const char *endpoint, const char *model,
                        const char *variable, const char *level, const char *stat)
{
    char path[300];
    csv_file r;
    char *value = NULL;
    path_join(path, sizeof path, out, "results.csv");
    csv_load(path, &r);
    for (size_t i = 1; i < r.n && !value; i++) {
        const char *const *f = (const char *const *)r.records[i].fields;
        if (!strcmp(f[0], section) && !strcmp(f[1], endpoint) && !strcmp(f[2], model) && !strcmp(f[3], variable) &&
            !strcmp(f[4], level) && !strcmp(f[5], stat))
            value = strdup(f[6]);
    }
    csv_free(&r);
    return value ? value : strdup("");
}

/* ---- the comparison in process ---- */

typedef struct in_process {
    study *study;
    clean_columns *columns, *procedure_columns;
    ingest_table *table, *procedure_table;
    dataset *data;
    exclusion_log *log;
    procedure_set *procedures;
    results *results;
    compare_previous *previous;
    change_set *changes;
} in_process;

static void in_process_clean(in_process *r, const char *study_path, const char *input, const char *procedures,
                             long as_of)
{
    char message[2048];
    clean_options options = {.has_as_of = 1, .as_of = as_of};
    assert_int_equal(study_read(study_path, &r->study, message, sizeof message), EMBOLO_OK);
    assert_int_equal(clean_columns_new(r->study, &r->columns), EMBOLO_OK);
    if (procedures)
        clean_columns_allow_index_fill(r->columns, r->study);
    ingest_options read = {.delimiter = r->study->delimiter, .optional = r->columns->optional};
    assert_int_equal(ingest_read_with(input, &read, r->columns->names, r->columns->n, &r->table, NULL, message,
                                      sizeof message), EMBOLO_OK);
    if (!procedures) {
        assert_int_equal(clean_run(r->study, r->columns, r->table, &options, &r->data, &r->log, message,
                                   sizeof message), EMBOLO_OK);
        return;
    }
    assert_int_equal(clean_procedure_columns_new(r->study, &r->procedure_columns), EMBOLO_OK);
    ingest_options read_procedures = {.delimiter = r->study->delimiter};
    assert_int_equal(ingest_read_with(procedures, &read_procedures, r->procedure_columns->names,
                                      r->procedure_columns->n, &r->procedure_table, NULL, message, sizeof message),
                     EMBOLO_OK);
    assert_int_equal(clean_run_with_procedures(r->study, r->columns, r->table, r->procedure_columns,
                                               r->procedure_table, &options, &r->data, &r->log, &r->procedures,
                                               message, sizeof message),
                     EMBOLO_OK);
}

/* Cleans the files as the program does and compares them with previous (a set the program wrote). */
static void in_process_compare(in_process *r, const char *study_path, const char *input, const char *procedures,
                               const char *as_of, const char *previous, int share)
{
    char message[2048], sha256[65];
    long day;
    memset(r, 0, sizeof *r);
    assert_true(text_parse_date(as_of, strlen(as_of), DATE_FORMAT_ISO, &day));
    in_process_clean(r, study_path, input, procedures, day);
    assert_true(sha256_file_hex(study_path, sha256));
    assert_non_null(r->results = results_new());
    compare_this_run run = {.study = r->study, .study_sha256 = sha256, .has_as_of = 1, .as_of = day,
                            .has_procedures = procedures != NULL};
    embolo_error err = compare_load(previous, &run, r->results, &r->previous, message, sizeof message);
    if (err != EMBOLO_OK)
        print_error("compare_load: %s\n", message);
    assert_int_equal(err, EMBOLO_OK);
    compare_current current = {.study = r->study, .data = r->data, .log = r->log, .procedures = r->procedures,
                               .has_as_of = 1, .as_of = day, .share = share, .min_count = 5};
    err = compare_run(r->previous, &current, r->results, &r->changes, message, sizeof message);
    if (err != EMBOLO_OK)
        print_error("compare_run: %s\n", message);
    assert_int_equal(err, EMBOLO_OK);
}

static void in_process_free(in_process *r)
{
    change_set_free(r->changes);
    compare_previous_free(r->previous);
    results_free(r->results);
    procedure_set_free(r->procedures);
    dataset_free(r->data);
    exclusion_log_free(r->log);
    ingest_table_free(r->table);
    ingest_table_free(r->procedure_table);
    clean_columns_free(r->columns);
    clean_columns_free(r->procedure_columns);
    study_free(r->study);
}

/* An item as the test expects it; date NULL: undated; after as change_item.after_previous. */
typedef struct want_item {
    change_kind kind;
    const char *id, *subject, *old_value, *new_value, *date;
    int after;
    long days;
} want_item;

static void check_items(const change_set *c, const want_item *want, size_t n_want)
{
    size_t bad = 0;
    for (size_t i = 0; i < c->n_items || i < n_want; i++) {
        const change_item *got = i < c->n_items ? &c->items[i] : NULL;
        const want_item *w = i < n_want ? &want[i] : NULL;
        char date[11] = "-";
        if (got && got->day != CHANGE_NO_DAY)
            text_format_date(got->day, date);
        int same = got && w && got->kind == w->kind && !strcmp(got->id, w->id) && !strcmp(got->subject, w->subject) &&
                   !strcmp(got->old_value, w->old_value) && !strcmp(got->new_value, w->new_value) &&
                   !strcmp(date, w->date ? w->date : "-") && got->after_previous == w->after &&
                   (!w->date || got->days_from_previous == w->days);
        if (same)
            continue;
        bad++;
        if (got)
            print_error("item %zu: %s %s [%s] '%s' -> '%s' %s after=%d days=%ld\n", i, change_kind_name(got->kind),
                        got->id, got->subject, got->old_value, got->new_value, date, got->after_previous,
                        got->days_from_previous);
        if (w)
            print_error("   want: %s %s [%s] '%s' -> '%s' %s after=%d days=%ld\n", change_kind_name(w->kind), w->id,
                        w->subject, w->old_value, w->new_value, w->date ? w->date : "-", w->after, w->days);
    }
    assert_int_equal(bad, 0);
}

/* ---- the rendered documents (the report's section, the Changes sheet, the Word tables) ---- */

#define AUDIT_TEMPLATE "templates/audit.ini"

/* The month's pair of runs with a template: last month's set (the first, as of 2012-11-30) and this
 * month's edited one (the second, as of 2012-12-31, with --previous). */
static void month_pair(const scratch *s, const char *template, char *previous, char *current, size_t size)
{
    char input[256], procedures[256];
    run_args(s, STUDY, INPUT, "nov", previous, size,
             (const char *[]){"--as-of", "2012-11-30", "--template", AUDIT_TEMPLATE, NULL});
    edited_sample(s, input, sizeof input, procedures, sizeof procedures);
    run_args(s, STUDY, input, "dec", current, size,
             (const char *[]){"--procedures", procedures, "--as-of", "2012-12-31", "--previous", previous,
                              "--template", template, NULL});
}

/* The report's text (pdftotext -layout) from the first `from` on, cut at the first `to` after it (NULL:
 * to its end); the caller frees. */
static char *report_part(const char *out, const char *from, const char *to)
{
    char command[400];
    snprintf(command, sizeof command, "pdftotext -layout '%s/report.pdf' -", out);
    char *text = test_command_output(command);
    assert_non_null(text);
    char *start = strstr(text, from);
    if (!start)
        print_error("%s/report.pdf lacks '%s'\n", out, from);
    assert_non_null(start);
    char *end = to ? strstr(start, to) : NULL;
    if (end)
        *end = '\0';
    char *part = strdup(start);
    assert_non_null(part);
    free(text);
    return part;
}

static size_t occurrences(const char *text, const char *what)
{
    size_t n = 0;
    for (const char *at = strstr(text, what); at; at = strstr(at + 1, what))
        n++;
    return n;
}

/* The text with every run of white space one space (a wrapped paragraph on one line); the caller frees. */
static char *one_line(const char *text)
{
    char *out = malloc(strlen(text) + 1), *to = out;
    assert_non_null(out);
    for (const char *c = text; *c; c++)
        if (!strchr(" \n", *c) || (to > out && to[-1] != ' '))
            *to++ = strchr(" \n", *c) ? ' ' : *c;
    *to = '\0';
    return out;
}

/* The line of text holding id (exactly once) holds each of the texts (NULL-ended). */
static void expect_line(const char *text, const char *id, const char *const *texts)
{
    const char *at = strstr(text, id);
    if (occurrences(text, id) != 1)
        print_error("'%s' is in the section %zu times\n", id, occurrences(text, id));
    assert_int_equal(occurrences(text, id), 1);
    const char *begin = at, *end = strchr(at, '\n');
    while (begin > text && begin[-1] != '\n')
        begin--;
    char line[1024];
    snprintf(line, sizeof line, "%.*s", (int)((end ? end : at + strlen(at)) - begin), begin);
    for (size_t k = 0; texts[k]; k++) {
        if (!strstr(line, texts[k]))
            print_error("the line of %s lacks '%s': %s\n", id, texts[k], line);
        assert_non_null(strstr(line, texts[k]));
    }
}

/* ---- last month against this month, and a correction run ---- */

static void test_month_to_month(void **state)
{
    scratch *s = *state;
    char previous[256], current[256], input[256], procedures[256];
    run_args(s, STUDY, INPUT, "nov", previous, sizeof previous, (const char *[]){"--as-of", "2012-11-30", NULL});
    edited_sample(s, input, sizeof input, procedures, sizeof procedures);
    run_args(s, STUDY, input, "dec", current, sizeof current,
             (const char *[]){"--procedures", procedures, "--as-of", "2012-12-31", "--previous", previous, NULL});
    /* December's follow-up: NET-00064's death on 2012-12-26 (its HPFS event was in 2007), NET-00072's
     * progression on 2012-12-28, three procedures; no patient started in December. */
    const change_line want[] = {
        {"", "patients", "all", "", "previous", "115"},
        {"", "patients", "all", "", "current", "114"},
        {"", "patients", "all", "", "matched", "114"},
        {"", "patients", "all", "", "no_longer_present", "1"},
        {"", "values", "grade", "", "changed", "1"},
        {"", "dates", "hepatic_progression_date", "", "changed", "1"},
        {"hpfs", "events", "all", "", "previous", "85"},
        {"hpfs", "events", "all", "", "current", "86"},
        {"hpfs", "events", "all", "", "new", "1"},
        {"hpfs", "events", "all", "", "new_after_previous_cutoff", "1"},
        {"os", "events", "all", "", "previous", "47"},
        {"os", "events", "all", "", "current", "48"},
        {"os", "events", "all", "", "new", "1"},
        {"os", "events", "all", "", "new_after_previous_cutoff", "1"},
        {"", "procedures", "all", "", "previous", "171"},
        {"", "procedures", "all", "", "current", "174"},
        {"", "procedures", "all", "", "new", "4"},
        {"", "procedures", "all", "", "new_after_previous_cutoff", "3"},
        {"", "procedures", "all", "", "new_before_previous_cutoff", "1"},
        {"", "procedures", "all", "", "previous_unmatched", "1"},
    };
    check_counts(current, want, sizeof want / sizeof want[0]);
    char *as_of = line_value(current, "changes", "", "previous", "", "", "as_of");
    char *days = line_value(current, "changes", "", "previous", "", "", "days_since");
    assert_string_equal(as_of, "20121130");
    assert_string_equal(days, "31");
    free(as_of);
    free(days);

    in_process r;
    in_process_compare(&r, STUDY, input, procedures, "2012-12-31", previous, 0);
    const want_item items[] = {
        {CHANGE_PATIENT_GONE, "NET-00010", "", "", "", NULL, -1, 0},
        {CHANGE_EVENT_NEW, "NET-00064", "os", "", "", "2012-12-26", 1, 26},
        {CHANGE_EVENT_NEW, "NET-00072", "hpfs", "", "", "2012-12-28", 1, 28},
        {CHANGE_VALUE, "NET-00003", "grade", "G1", "G2", NULL, -1, 0},
        {CHANGE_DATE, "NET-00002", "hepatic_progression_date", "2006-07-10", "2006-08-10", NULL, -1, 0},
        {CHANGE_PROCEDURE_NEW, "NET-00005", "", "", "2", "2012-06-01", 0, -182},
        {CHANGE_PROCEDURE_NEW, "NET-00118", "", "", "3", "2012-12-04", 1, 4},
        {CHANGE_PROCEDURE_NEW, "NET-00126", "", "", "2", "2012-12-19", 1, 19},
        {CHANGE_PROCEDURE_NEW, "NET-00132", "", "", "0", "2012-12-14", 1, 14},
    };
    check_items(r.changes, items, sizeof items / sizeof items[0]);
    assert_true(r.changes->has_cutoff && r.changes->procedures_compared && !r.changes->study_file_changed);
    in_process_free(&r);
}

/* The same as-of date: a data-correction run finds the edits and nothing else. */
static void test_same_date_correction(void **state)
{
    scratch *s = *state;
    char previous[256], current[256], input[256], procedures[256];
    run_args(s, STUDY, INPUT, "before", previous, sizeof previous, (const char *[]){"--as-of", "2012-12-31", NULL});
    edited_sample(s, input, sizeof input, procedures, sizeof procedures);
    run_args(s, STUDY, input, "after", current, sizeof current,
             (const char *[]){"--procedures", procedures, "--as-of", "2012-12-31", "--previous", previous, NULL});
    const change_line want[] = {
        {"", "patients", "all", "", "previous", "115"},
        {"", "patients", "all", "", "current", "114"},
        {"", "patients", "all", "", "matched", "114"},
        {"", "patients", "all", "", "no_longer_present", "1"},
        {"", "values", "grade", "", "changed", "1"},
        {"", "dates", "hepatic_progression_date", "", "changed", "1"},
        {"hpfs", "events", "all", "", "previous", "86"},
        {"hpfs", "events", "all", "", "current", "86"},
        {"os", "events", "all", "", "previous", "48"},
        {"os", "events", "all", "", "current", "48"},
        {"", "procedures", "all", "", "previous", "174"},
        {"", "procedures", "all", "", "current", "174"},
        {"", "procedures", "all", "", "new", "1"},
        {"", "procedures", "all", "", "new_before_previous_cutoff", "1"},
        {"", "procedures", "all", "", "previous_unmatched", "1"},
    };
    check_counts(current, want, sizeof want / sizeof want[0]);
    char *days = line_value(current, "changes", "", "previous", "", "", "days_since");
    assert_string_equal(days, "0");
    free(days);

    in_process r;
    in_process_compare(&r, STUDY, input, procedures, "2012-12-31", previous, 0);
    const want_item items[] = {
        {CHANGE_PATIENT_GONE, "NET-00010", "", "", "", NULL, -1, 0},
        {CHANGE_VALUE, "NET-00003", "grade", "G1", "G2", NULL, -1, 0},
        {CHANGE_DATE, "NET-00002", "hepatic_progression_date", "2006-07-10", "2006-08-10", NULL, -1, 0},
        {CHANGE_PROCEDURE_NEW, "NET-00005", "", "", "2", "2012-06-01", 0, -213},
    };
    check_items(r.changes, items, sizeof items / sizeof items[0]);
    in_process_free(&r);
}

/* The same inputs twice: nothing changed, every estimate the same; and --previous changes no other line
 * of any file (R's references hold). */
static void test_unchanged_and_references(void **state)
{
    scratch *s = *state;
    char previous[256], current[256], plain[256];
    const char *as_of[] = {"--as-of", "2012-12-31", NULL};
    run_args(s, STUDY, INPUT, "first", previous, sizeof previous, as_of);
    run_args(s, STUDY, INPUT, "plain", plain, sizeof plain, as_of);
    run_args(s, STUDY, INPUT, "second", current, sizeof current,
             (const char *[]){"--as-of", "2012-12-31", "--previous", previous, NULL});
    const change_line want[] = {
        {"", "patients", "all", "", "previous", "115"},      {"", "patients", "all", "", "current", "115"},
        {"", "patients", "all", "", "matched", "115"},       {"hpfs", "events", "all", "", "previous", "86"},
        {"hpfs", "events", "all", "", "current", "86"},      {"os", "events", "all", "", "previous", "48"},
        {"os", "events", "all", "", "current", "48"},        {"", "procedures", "all", "", "previous", "174"},
        {"", "procedures", "all", "", "current", "174"},
    };
    check_counts(current, want, sizeof want / sizeof want[0]);
    char *outside = line_value(current, "changes", "", "estimates", "all", "", "previous_outside_ci");
    char *change = line_value(current, "changes", "os", "cox:multivariable", "modality", "TARE", "change");
    assert_string_equal(outside, "0");
    assert_string_equal(change, "0");
    free(outside);
    free(change);
    char results_path[300];
    path_join(results_path, sizeof results_path, current, "results.csv");
    compare_results(FIXTURES "net_sample_155.procedures.asof_2012-12-31.expected.csv", results_path);
    const char *same[] = {"patients.csv", "exclusions.csv", "procedures.csv", "report.pdf", "tables.xlsx"};
    for (size_t k = 0; k < sizeof same / sizeof same[0]; k++)
        assert_same_file(plain, current, same[k]);
    /* results.csv: the plain run's lines, then only lines of section changes. */
    char a_path[300], b_path[300];
    size_t a_size = 0, b_size = 0;
    path_join(a_path, sizeof a_path, plain, "results.csv");
    path_join(b_path, sizeof b_path, current, "results.csv");
    char *a = test_file_read(a_path, &a_size), *b = test_file_read(b_path, &b_size);
    assert_non_null(a);
    assert_non_null(b);
    assert_true(b_size > a_size);
    assert_memory_equal(a, b, a_size);
    for (char *line = b + a_size; *line; line = strchr(line, '\n') + 1) {
        assert_int_equal(strncmp(line, "\"changes\",", 10), 0);
        assert_non_null(strchr(line, '\n'));
    }
    free(a);
    free(b);
    in_process r;
    in_process_compare(&r, STUDY, INPUT, PROCEDURES, "2012-12-31", previous, 0);
    assert_int_equal(r.changes->n_items, 0);
    in_process_free(&r);
}

/* Every estimate line against the two results files: previous and current as they print them, the
 * change, and the flag from the current CI (the 2008 set against 2012's has flagged ones). */
static void test_estimates(void **state)
{
    scratch *s = *state;
    char previous[256], current[256], path[300];
    csv_file r;
    run_args(s, PLAIN_STUDY, INPUT, "y2008", previous, sizeof previous, (const char *[]){"--as-of", "2008-12-31", NULL});
    run_args(s, PLAIN_STUDY, INPUT, "y2012", current, sizeof current,
             (const char *[]){"--as-of", "2012-12-31", "--previous", previous, NULL});
    path_join(path, sizeof path, current, "results.csv");
    csv_load(path, &r);
    size_t estimates = 0, flagged = 0, compared = 0, open_uppers = 0;
    for (size_t i = 1; i < r.n; i++) {
        const char *const *f = (const char *const *)r.records[i].fields;
        if (strcmp(f[0], "changes") || strcmp(f[5], "previous") || !strchr(f[2], ':'))
            continue;
        char section[16], model[64];
        assert_int_equal(sscanf(f[2], "%15[^:]:%63s", section, model), 2);
        const char *stat = !strcmp(section, "km") ? "median" : "hr";
        char lower[32], upper[32];
        snprintf(lower, sizeof lower, "%s_lower", stat);
        snprintf(upper, sizeof upper, "%s_upper", stat);
        char *was = line_value(previous, section, f[1], model, f[3], f[4], stat);
        char *is = line_value(current, section, f[1], model, f[3], f[4], stat);
        char *low = line_value(current, section, f[1], model, f[3], f[4], lower);
        char *high = line_value(current, section, f[1], model, f[3], f[4], upper);
        char *got_change = line_value(current, "changes", f[1], f[2], f[3], f[4], "change");
        char *got_flag = line_value(current, "changes", f[1], f[2], f[3], f[4], "previous_outside_ci");
        assert_string_equal(f[6], was[0] ? was : "NA");
        double p = atof(was), c = atof(is), lo = atof(low), hi = atof(high);
        /* A median's upper limit NA is a limit not reached: the CI is unbounded above. */
        int open_upper = !strcmp(section, "km") && (!strcmp(high, "NA") || !high[0]);
        int known = strcmp(was, "NA") && was[0] && strcmp(low, "NA") && low[0] &&
                    (open_upper || (strcmp(high, "NA") && high[0]));
        if (known) {
            int outside = p < lo || (!open_upper && p > hi);
            open_uppers += open_upper;
            assert_string_equal(got_flag, outside ? "1" : "0");
            flagged += outside;
        } else
            assert_string_equal(got_flag, "NA");
        if (strcmp(was, "NA") && was[0] && strcmp(is, "NA") && is[0]) {
            assert_close(atof(got_change), c - p, 1e-9);
            compared++;
        }
        estimates++;
        free(was);
        free(is);
        free(low);
        free(high);
        free(got_change);
        free(got_flag);
    }
    csv_free(&r);
    assert_true(estimates > 40);
    assert_true(flagged > 0);
    assert_true(open_uppers > 0);
    char *n_flagged = line_value(current, "changes", "", "estimates", "all", "", "previous_outside_ci");
    char *n_compared = line_value(current, "changes", "", "estimates", "all", "", "compared");
    assert_int_equal(atol(n_flagged), (long)flagged);
    assert_int_equal(atol(n_compared), (long)compared);
    free(n_flagged);
    free(n_compared);
    /* The audit report marks each flagged estimate. */
    run_args(s, PLAIN_STUDY, INPUT, "y2012-audit", current, sizeof current,
             (const char *[]){"--as-of", "2012-12-31", "--previous", previous, "--template", AUDIT_TEMPLATE, NULL});
    if (test_under_valgrind())
        return;
    char *section = report_part(current, "Compared with the earlier output set", "Audit of the month");
    assert_int_equal(occurrences(section, "FLAG: yes"), flagged);
    free(section);
}

/* Verdicts (a treatment removed; a progression before the start), an invalid value, a new patient and
 * one not yet started (not reported), on one as-of date without procedures. */
static void test_verdicts_and_values(void **state)
{
    scratch *s = *state;
    char previous[256], current[256], input[256];
    const edit edits[] = {
        {.id = "NET-00002", .column = 11, .value = ""},           /* events in both endpoints */
        {.id = "NET-00030", .column = 13, .value = "2000-01-01"}, /* was 2012-09-05, its HPFS event */
        {.id = "NET-00040", .column = 3, .value = "X"},           /* was M */
    };
    const char *added[] = {"NET-99999,C1,60,F,gut,G1,1.0,20,no,no,no,TACE,2010-01-01,,,2012-06-30,",
                           "NET-99998,C1,60,F,gut,G1,1.0,20,no,no,no,TACE,2013-06-01,,,2014-06-30,", NULL};
    edit_csv(INPUT, s, "edited.csv", edits, sizeof edits / sizeof edits[0], added, input, sizeof input);
    run_args(s, PLAIN_STUDY, INPUT, "before", previous, sizeof previous, (const char *[]){"--as-of", "2012-12-31", NULL});
    run_args(s, PLAIN_STUDY, input, "after", current, sizeof current,
             (const char *[]){"--as-of", "2012-12-31", "--previous", previous, NULL});
    const change_line want[] = {
        {"", "patients", "all", "", "previous", "115"},
        {"", "patients", "all", "", "current", "115"},
        {"", "patients", "all", "", "matched", "114"},
        {"", "patients", "all", "", "new", "1"},
        {"", "patients", "all", "", "now_excluded", "1"},
        {"", "verdicts", "included", "E_MISSING_TREATMENT", "records", "1"},
        {"hpfs", "verdicts", "included", "E_EVENT_BEFORE_START", "records", "1"},
        {"", "values", "sex", "", "changed", "1"},
        {"", "dates", "hepatic_progression_date", "", "changed", "1"},
        {"hpfs", "events", "all", "", "previous", "86"},
        {"hpfs", "events", "all", "", "current", "84"},
        {"os", "events", "all", "", "previous", "48"},
        {"os", "events", "all", "", "current", "47"},
    };
    check_counts(current, want, sizeof want / sizeof want[0]);
    in_process r;
    in_process_compare(&r, PLAIN_STUDY, input, NULL, "2012-12-31", previous, 0);
    const want_item items[] = {
        {CHANGE_PATIENT_NEW, "NET-99999", "", "", "", NULL, -1, 0},
        {CHANGE_VERDICT, "NET-00002", "row", "included", "E_MISSING_TREATMENT", NULL, -1, 0},
        {CHANGE_VERDICT, "NET-00030", "hpfs", "included", "E_EVENT_BEFORE_START", NULL, -1, 0},
        {CHANGE_VALUE, "NET-00040", "sex", "M", "NA", NULL, -1, 0},
        {CHANGE_DATE, "NET-00030", "hepatic_progression_date", "2012-09-05", "2000-01-01", NULL, -1, 0},
    };
    check_items(r.changes, items, sizeof items / sizeof items[0]);
    in_process_free(&r);
}

/* A death recorded late for a censored patient: a new event of HPFS and OS and a new competing event of
 * HP (the round-2 study), all dated before the previous cut-off; a death date that appears is no change
 * of a past value. */
static void test_competing(void **state)
{
    scratch *s = *state;
    char previous[256], current[256], input[256];
    const edit edits[] = {{.id = "NET-00001", .column = 14, .value = "2012-05-01"}};
    edit_csv(INPUT, s, "edited.csv", edits, 1, NULL, input, sizeof input);
    run_args(s, FIXTURES "net_sample_155.round2.study.ini", INPUT, "before", previous, sizeof previous,
             (const char *[]){"--as-of", "2012-12-31", NULL});
    run_args(s, FIXTURES "net_sample_155.round2.study.ini", input, "after", current, sizeof current,
             (const char *[]){"--as-of", "2012-12-31", "--previous", previous, NULL});
    const change_line want[] = {
        {"", "patients", "all", "", "previous", "115"},
        {"", "patients", "all", "", "current", "115"},
        {"", "patients", "all", "", "matched", "115"},
        {"hpfs", "events", "all", "", "previous", "86"},
        {"hpfs", "events", "all", "", "current", "87"},
        {"hpfs", "events", "all", "", "new", "1"},
        {"hpfs", "events", "all", "", "new_before_previous_cutoff", "1"},
        {"os", "events", "all", "", "previous", "48"},
        {"os", "events", "all", "", "current", "49"},
        {"os", "events", "all", "", "new", "1"},
        {"os", "events", "all", "", "new_before_previous_cutoff", "1"},
        {"hp", "events", "all", "", "previous", "59"},
        {"hp", "events", "all", "", "current", "59"},
        {"hp", "events", "all", "", "competing_new", "1"},
    };
    check_counts(current, want, sizeof want / sizeof want[0]);
}

/* A time/status study without an id column (patients matched by record number): a time corrected, a
 * censored one followed longer, a death recorded (undated), a time made invalid (excluded). */
static void test_time_status(void **state)
{
    scratch *s = *state;
    char previous[256], current[256], input[256];
    const edit edits[] = {
        {.record = 1, .column = 0, .value = "316"},  /* 306, a death */
        {.record = 3, .column = 0, .value = "1100"}, /* 1010, censored */
        {.record = 6, .column = 1, .value = "1"},    /* censored -> death */
        {.record = 9, .column = 0, .value = "abc"},  /* 218, a death */
    };
    edit_csv(LUNG_INPUT, s, "lung.csv", edits, sizeof edits / sizeof edits[0], NULL, input, sizeof input);
    run_args(s, LUNG_STUDY, LUNG_INPUT, "before", previous, sizeof previous, NULL);
    run_args(s, LUNG_STUDY, input, "after", current, sizeof current, (const char *[]){"--previous", previous, NULL});
    char *events = line_value(previous, "km", "os", "unweighted", "all", "", "events");
    char *events_now = line_value(current, "km", "os", "unweighted", "all", "", "events");
    const change_line want[] = {
        {"", "patients", "all", "", "previous", "228"},
        {"", "patients", "all", "", "current", "227"},
        {"", "patients", "all", "", "matched", "227"},
        {"", "patients", "all", "", "now_excluded", "1"},
        {"", "verdicts", "included", "E_BAD_TIME", "records", "1"},
        {"os", "events", "all", "", "previous", events},
        {"os", "events", "all", "", "current", events_now},
        {"os", "events", "all", "", "new", "1"},
        {"os", "events", "all", "", "new_undated", "1"},
        {"os", "times", "time", "", "changed", "1"},
        {"os", "times", "time", "", "followup_extended", "1"},
    };
    check_counts(current, want, sizeof want / sizeof want[0]);
    free(events);
    free(events_now);
    in_process r;
    in_process_compare(&r, LUNG_STUDY, input, NULL, "2100-01-01", previous, 0);
    const want_item items[] = {
        {CHANGE_VERDICT, "9", "row", "included", "E_BAD_TIME", NULL, -1, 0},
        {CHANGE_EVENT_NEW, "6", "os", "", "", NULL, -1, 0},
        {CHANGE_TIME, "1", "time", "306", "316", NULL, -1, 0},
        {CHANGE_FOLLOWUP_EXTENDED, "3", "time", "1010", "1100", NULL, -1, 0},
    };
    check_items(r.changes, items, sizeof items / sizeof items[0]);
    in_process_free(&r);
}

/* Procedures re-graded, removed, and one added before another of the same patient and day: one session
 * a day is kept, the earlier record (E_PROC_DUPLICATE for the other), so that session is re-graded. */
static void test_procedures(void **state)
{
    scratch *s = *state;
    char previous[256], current[256], procedures[256];
    const edit edits[] = {
        {.id = "NET-00040,2004-01-09", .column = 3, .value = "3"},
        {.id = "NET-00027,2011-03-20", .remove = 1},
        {.id = "NET-00098,2004-02-13", .before = "NET-00098,2004-02-13,TACE,4,Pain,yes,,IR-02"},
    };
    edit_csv(PROCEDURES, s, "edited.procedures.csv", edits, sizeof edits / sizeof edits[0], NULL, procedures,
             sizeof procedures);
    run_args(s, STUDY, INPUT, "before", previous, sizeof previous, (const char *[]){"--as-of", "2012-12-31", NULL});
    run_args(s, STUDY, INPUT, "after", current, sizeof current,
             (const char *[]){"--procedures", procedures, "--as-of", "2012-12-31", "--previous", previous, NULL});
    const change_line want[] = {
        {"", "patients", "all", "", "previous", "115"},
        {"", "patients", "all", "", "current", "115"},
        {"", "patients", "all", "", "matched", "115"},
        {"hpfs", "events", "all", "", "previous", "86"},
        {"hpfs", "events", "all", "", "current", "86"},
        {"os", "events", "all", "", "previous", "48"},
        {"os", "events", "all", "", "current", "48"},
        {"", "procedures", "all", "", "previous", "174"},
        {"", "procedures", "all", "", "current", "173"},
        {"", "procedures", "all", "", "removed", "1"},
        {"", "procedures", "all", "", "grade_changed", "2"},
    };
    check_counts(current, want, sizeof want / sizeof want[0]);
    in_process r;
    in_process_compare(&r, STUDY, INPUT, procedures, "2012-12-31", previous, 0);
    const want_item items[] = {
        {CHANGE_PROCEDURE_REMOVED, "NET-00027", "", "2", "", "2011-03-20", 0, -652},
        {CHANGE_PROCEDURE_GRADE, "NET-00040", "", "1", "3", "2004-01-09", 0, -3279},
        {CHANGE_PROCEDURE_GRADE, "NET-00098", "", "2", "4", "2004-02-13", 0, -3244},
    };
    check_items(r.changes, items, sizeof items / sizeof items[0]);
    in_process_free(&r);
}

/* A share template: counts only (no previous, estimate or id lines), 1 to 4 written <5, no list. */
static void test_share(void **state)
{
    scratch *s = *state;
    char previous[256], current[256], input[256], procedures[256], path[300];
    csv_file r;
    run_args(s, STUDY, INPUT, "nov", previous, sizeof previous, (const char *[]){"--as-of", "2012-11-30", NULL});
    edited_sample(s, input, sizeof input, procedures, sizeof procedures);
    run_args(s, STUDY, input, "share", current, sizeof current,
             (const char *[]){"--procedures", procedures, "--as-of", "2012-12-31", "--previous", previous,
                              "--template", "templates/share.ini", NULL});
    path_join(path, sizeof path, current, "results.csv");
    csv_load(path, &r);
    size_t lines = 0, hidden = 0;
    for (size_t i = 1; i < r.n; i++) {
        const char *const *f = (const char *const *)r.records[i].fields;
        if (strcmp(f[0], "changes"))
            continue;
        lines++;
        assert_true(is_count_model(f[2]) || !strcmp(f[2], CHANGES_ESTIMATES));
        long value = atol(f[6]);
        hidden += !strcmp(f[6], "<5");
        assert_true(!strcmp(f[6], "<5") || (strspn(f[6], "0123456789") == strlen(f[6]) && (value == 0 || value >= 5)));
    }
    csv_free(&r);
    assert_true(lines > 20);
    assert_true(hidden >= 5);
    char *gone = line_value(current, "changes", "", "patients", "all", "", "no_longer_present");
    char *matched = line_value(current, "changes", "", "patients", "all", "", "matched");
    assert_string_equal(gone, "<5");
    assert_string_equal(matched, "114");
    free(gone);
    free(matched);
    in_process p;
    in_process_compare(&p, STUDY, input, procedures, "2012-12-31", previous, 1);
    assert_int_equal(p.changes->n_items, 0);
    assert_int_equal(p.changes->n_estimates, 0);
    assert_true(p.changes->share);
    in_process_free(&p);
}

/* [template] previous = DIR, relative to the template's folder; --previous wins; an empty one refused. */
static void test_template_previous(void **state)
{
    scratch *s = *state;
    char previous[256], current[256], template[300], bad[300];
    run_args(s, STUDY, INPUT, "nov", previous, sizeof previous, (const char *[]){"--as-of", "2012-11-30", NULL});
    path_join(template, sizeof template, s->dir, "audit.ini");
    file_write(template, "[template]\nname = audit\nperiod = 2012-12\nprevious = nov\n");
    run_args(s, STUDY, INPUT, "dec", current, sizeof current, (const char *[]){"--template", template, NULL});
    char *as_of = line_value(current, "changes", "", "previous", "", "", "as_of");
    assert_string_equal(as_of, "20121130");
    free(as_of);
    path_join(bad, sizeof bad, s->dir, "bad.ini");
    file_write(bad, "[template]\nname = audit\nperiod = 2012-12\nprevious = nowhere\n");
    run_args(s, STUDY, INPUT, "dec2", current, sizeof current,
             (const char *[]){"--template", bad, "--previous", previous, NULL});
    as_of = line_value(current, "changes", "", "previous", "", "", "as_of");
    assert_string_equal(as_of, "20121130");
    free(as_of);
    const char *fails[] = {"run", "--study", STUDY, "--input", INPUT, "--template", bad, "--out", current, NULL};
    expect_failure(s, fails, 66, "nowhere", "no such directory");
    file_write(bad, "[template]\nname = audit\nprevious =\n");
    expect_failure(s, fails, 65, "bad.ini:3", "previous needs");
}

/* Every refusal: one line naming DIR, exit 66 or 65. */
static void test_refusals(void **state)
{
    scratch *s = *state;
    char dir[256], out[256], file[300], empty[300], foreign[300], study[300], no_id[300];
    path_join(out, sizeof out, s->dir, "out");
#define REFUSED(code, previous, fragment, ...)                                                                     \
    do {                                                                                                           \
        const char *args[] = {"run", "--study", STUDY, "--input", INPUT, "--out", out, "--previous", previous,     \
                              __VA_ARGS__, NULL};                                                                   \
        expect_failure(s, args, code, previous, fragment);                                                        \
        assert_false(file_exists(out));                                                                            \
    } while (0)
    path_join(file, sizeof file, s->dir, "missing");
    REFUSED(66, file, "no such directory", "--quiet");
    path_join(file, sizeof file, s->dir, "a-file");
    file_write(file, "x\n");
    REFUSED(65, file, "not a directory", "--quiet");
    path_join(empty, sizeof empty, s->dir, "empty");
    assert_int_equal(mkdir(empty, 0700), 0);
    REFUSED(65, empty, "not an embolo output set", "--quiet");
    path_join(foreign, sizeof foreign, s->dir, "foreign");
    assert_int_equal(mkdir(foreign, 0700), 0);
    path_join(file, sizeof file, foreign, "manifest.json");
    file_write(file, "{\"version\": \"1\"}\n");
    REFUSED(65, foreign, "not an embolo output set", "--quiet");
    run_args(s, STUDY, INPUT, "shared", dir, sizeof dir, (const char *[]){"--template", "templates/share.ini", NULL});
    REFUSED(65, dir, "a share set", "--quiet");
    run_args(s, LUNG_STUDY, LUNG_INPUT, "lung", dir, sizeof dir, NULL);
    REFUSED(65, dir, "another study", "--quiet");
    run_args(s, STUDY, INPUT, "dec", dir, sizeof dir, (const char *[]){"--as-of", "2012-12-31", NULL});
    REFUSED(65, dir, "is after this run's", "--as-of", "2012-11-30", "--quiet");
    /* The same title with one endpoint, or without the id column. */
    char *text = test_file_read(PLAIN_STUDY, NULL);
    assert_non_null(text);
    char *hpfs = strstr(text, "[endpoint.hpfs]"), *os = strstr(text, "[endpoint.os]");
    assert_true(hpfs && os && os > hpfs);
    path_join(study, sizeof study, s->dir, "os-only.ini");
    FILE *f = fopen(study, "w");
    assert_non_null(f);
    fprintf(f, "%.*s%s", (int)(hpfs - text), text, os);
    assert_int_equal(fclose(f), 0);
    char *id_line = strstr(text, "id = patient_id\n");
    assert_non_null(id_line);
    path_join(no_id, sizeof no_id, s->dir, "no-id.ini");
    f = fopen(no_id, "w");
    assert_non_null(f);
    fprintf(f, "%.*s%s", (int)(id_line - text), text, id_line + strlen("id = patient_id\n"));
    assert_int_equal(fclose(f), 0);
    free(text);
    const char *other_endpoints[] = {"run", "--study", study, "--input", INPUT, "--out", out, "--previous", dir,
                                     "--quiet", NULL};
    expect_failure(s, other_endpoints, 65, "other endpoints", "hpfs, os");
    const char *no_ids[] = {"run", "--study", no_id, "--input", INPUT, "--out", out, "--previous", dir, "--quiet", NULL};
    expect_failure(s, no_ids, 65, "cannot be matched", NULL);
    const char *check[] = {"check", "--study", STUDY, "--input", INPUT, "--out", out, "--previous", dir, NULL};
    expect_failure(s, check, 64, "--previous", NULL);
#undef REFUSED
}

/* Another study file (the plain one beside the procedures one), a set of `check` (no results.csv),
 * procedures on one side only: warnings, and what can be compared is. */
static void test_warnings(void **state)
{
    scratch *s = *state;
    char previous[256], current[256], path[300];
    run_args(s, PLAIN_STUDY, INPUT, "plain", previous, sizeof previous, (const char *[]){"--as-of", "2012-12-31", NULL});
    run_args(s, STUDY, INPUT, "with", current, sizeof current,
             (const char *[]){"--as-of", "2012-12-31", "--previous", previous, NULL});
    path_join(path, sizeof path, current, "manifest.json");
    char *manifest = test_file_read(path, NULL);
    assert_non_null(manifest);
    assert_non_null(strstr(manifest, "was made with another study file"));
    assert_non_null(strstr(manifest, "procedures are not compared"));
    assert_non_null(strstr(manifest, "\"previous\": {\"path\": "));
    free(manifest);
    char *changed = line_value(current, "changes", "", "previous", "", "", "study_file_changed");
    char *procedures = line_value(current, "changes", "", "procedures", "all", "", "previous");
    assert_string_equal(changed, "1");
    assert_string_equal(procedures, "");
    free(changed);
    free(procedures);
    const char *check_args[] = {"check", "--study", PLAIN_STUDY, "--input", INPUT, "--out", previous, "--quiet", NULL};
    assert_int_equal(run_embolo(check_args, s->err), 0);
    run_args(s, PLAIN_STUDY, INPUT, "after-check", current, sizeof current,
             (const char *[]){"--as-of", "2012-12-31", "--previous", previous, NULL});
    path_join(path, sizeof path, current, "manifest.json");
    manifest = test_file_read(path, NULL);
    assert_non_null(manifest);
    assert_non_null(strstr(manifest, "has no results.csv"));
    free(manifest);
    char *compared = line_value(current, "changes", "", "estimates", "all", "", "compared");
    char *matched = line_value(current, "changes", "", "patients", "all", "", "matched");
    assert_string_equal(compared, "");
    /* check has no as-of: all 155 were analysed then, 115 start by 2012-12-31. */
    assert_string_equal(matched, "115");
    free(compared);
    free(matched);
}

/* The workbook's sheets as CSV files DIR/sheets/s_NAME.csv (ssconvert). */
static void convert_sheets(const char *out)
{
    char command[1200];
    snprintf(command, sizeof command,
             "mkdir -p '%s/sheets' && ssconvert -S --export-type=Gnumeric_stf:stf_csv '%s/tables.xlsx' "
             "'%s/sheets/s_%%s.csv' >/dev/null 2>&1", out, out, out);
    assert_int_equal(system(command), 0);
}

static void sheet_load(const char *out, const char *sheet, csv_file *csv)
{
    char path[400];
    snprintf(path, sizeof path, "%s/sheets/s_%s.csv", out, sheet);
    csv_load(path, csv);
}

/* The records of the month's changes as the Changes sheet shows them: kind, patient, of, previous,
 * now, date, days from the previous cut-off, dated. */
static const char *const month_changes[][8] = {
    {"No longer present", "NET-00010", "", "", "", "", "", ""},
    {"New event", "NET-00064", "Overall survival", "", "", "2012-12-26", "26", "after the previous cut-off"},
    {"New event", "NET-00072", "Hepatic progression-free survival", "", "", "2012-12-28", "28",
     "after the previous cut-off"},
    {"Value changed", "NET-00003", "WHO grade", "G1", "G2", "", "", ""},
    {"Date changed", "NET-00002", "hepatic_progression_date", "2006-07-10", "2006-08-10", "", "", ""},
    {"New procedure", "NET-00005", "", "", "2", "2012-06-01", "-182", "on or before the previous cut-off"},
    {"New procedure", "NET-00118", "", "", "3", "2012-12-04", "4", "after the previous cut-off"},
    {"New procedure", "NET-00126", "", "", "2", "2012-12-19", "19", "after the previous cut-off"},
    {"New procedure", "NET-00132", "", "", "0", "2012-12-14", "14", "after the previous cut-off"},
};
#define MONTH_CHANGES (sizeof month_changes / sizeof month_changes[0])

/* The section: what was compared with, the counts, each edit and each new event or procedure exactly
 * once with its values and dates, no other patient; the estimates. */
static void check_report_section(const char *current)
{
    char *section = report_part(current, "Compared with the earlier output set", "Audit of the month");
    char *words = one_line(section);
    assert_non_null(strstr(words, "nov, as of 2012-11-30, 31 days before this report's as-of date (2012-12-31)"));
    free(words);
    expect_line(section, "No longer present (no record now)", (const char *[]){"1", NULL});
    expect_line(section, "NET-00010", (const char *[]){"no longer present", NULL});
    expect_line(section, "NET-00003", (const char *[]){"WHO grade", "G1", "G2", NULL});
    expect_line(section, "NET-00002", (const char *[]){"hepatic_progression_date", "2006-07-10", "2006-08-10", NULL});
    expect_line(section, "NET-00005", (const char *[]){"new", "2012-06-01", "2", "-182 days", NULL});
    expect_line(section, "NET-00064", (const char *[]){"Overall survival", "2012-12-26", "+26 days", NULL});
    expect_line(section, "NET-00072", (const char *[]){"Hepatic progression-free survival", "+28 days", NULL});
    expect_line(section, "NET-00118", (const char *[]){"2012-12-04", "+4 days", NULL});
    expect_line(section, "NET-00126", (const char *[]){"2012-12-19", "+19 days", NULL});
    expect_line(section, "NET-00132", (const char *[]){"2012-12-14", "+14 days", NULL});
    assert_int_equal(occurrences(section, "NET-"), MONTH_CHANGES);
    assert_non_null(strstr(section, "Headline estimates, Overall survival: previous and now"));
    assert_null(strstr(section, "FLAG: yes"));  /* no previous value lies outside the new CI */
    free(section);
}

/* The estimates on the sheet: one row per estimate line of results.csv. */
static size_t estimate_lines(const char *out)
{
    char path[300];
    csv_file r;
    size_t n = 0;
    path_join(path, sizeof path, out, "results.csv");
    csv_load(path, &r);
    for (size_t i = 1; i < r.n; i++) {
        const char *const *f = (const char *const *)r.records[i].fields;
        n += !strcmp(f[0], CHANGES_SECTION) && strchr(f[2], ':') && !strcmp(f[5], "previous");
    }
    csv_free(&r);
    return n;
}

static void check_changes_sheet(const char *current)
{
    csv_file sheet;
    convert_sheets(current);
    sheet_load(current, "Changes", &sheet);
    assert_string_equal(csv_get(&sheet, 0, 0), "Every change since the last report");
    assert_string_equal(csv_get(&sheet, 2, 0), "Change");
    for (size_t i = 0; i < MONTH_CHANGES; i++)
        for (size_t c = 0; c < 8; c++) {
            char got[128];
            snprintf(got, sizeof got, "%s", csv_get(&sheet, 3 + i, c));
            for (char *slash = strchr(got, '/'); c == 5 && slash; slash = strchr(slash, '/'))
                *slash = '-';  /* ssconvert writes a date cell 2012/12/26 */
            if (strcmp(got, month_changes[i][c]))
                print_error("Changes row %zu column %zu: '%s', want '%s'\n", i, c, got, month_changes[i][c]);
            assert_string_equal(got, month_changes[i][c]);
        }
    size_t title = 3 + MONTH_CHANGES;
    while (title < sheet.n && strcmp(csv_get(&sheet, title, 0), "Headline estimates: previous and now"))
        title++;
    assert_true(title < sheet.n);
    assert_string_equal(csv_get(&sheet, title + 1, 0), "Endpoint");
    size_t rows = 0;
    for (size_t r = title + 2; r < sheet.n && csv_get(&sheet, r, 0)[0]; r++)
        rows += strcmp(csv_get(&sheet, r, 2), "") != 0;
    assert_int_equal(rows, estimate_lines(current));
    csv_free(&sheet);
}

static void check_word_tables(const char *current)
{
    char path[300];
    path_join(path, sizeof path, current, "tables.docx");
    test_docx *docx = test_docx_read(path);
    const test_docx_table *counts = test_docx_table_titled(docx, "What changed since the last report");
    const test_docx_table *values = test_docx_table_titled(docx, "Past values and dates changed");
    const test_docx_table *procedures = test_docx_table_titled(docx, "Procedures new, removed or re-graded");
    assert_true(counts && values && procedures);
    assert_string_equal(test_docx_cell(counts, 6, 0), "No longer present (no record now)");
    assert_string_equal(test_docx_cell(counts, 6, 1), "1");
    assert_int_equal(values->n_rows, 3);
    assert_string_equal(test_docx_cell(values, 1, 0), "NET-00003");
    assert_string_equal(test_docx_cell(values, 1, 2), "G1");
    assert_string_equal(test_docx_cell(values, 1, 3), "G2");
    assert_string_equal(test_docx_cell(values, 2, 3), "2006-08-10");
    assert_int_equal(procedures->n_rows, 5);
    assert_string_equal(test_docx_cell(procedures, 1, 5), "-182 days");
    assert_non_null(test_docx_table_titled(docx, "Headline estimates, Hepatic progression-free survival: previous and now"));
    test_docx_free(docx);
}

static void test_rendered(void **state)
{
    scratch *s = *state;
    char previous[256], current[256];
    month_pair(s, AUDIT_TEMPLATE, previous, current, sizeof previous);
    if (test_under_valgrind())
        return;
    check_report_section(current);
    check_changes_sheet(current);
    check_word_tables(current);
    /* Without --previous the audit report has no such section, the workbook no Changes sheet. */
    char *report = report_part(previous, "Audit of the month", NULL);
    assert_null(strstr(report, "Since the last report"));
    free(report);
    convert_sheets(previous);
    char path[400];
    snprintf(path, sizeof path, "%s/sheets/s_Changes.csv", previous);
    assert_false(file_exists(path));
}

/* The share template: the section and the sheet hold counts only, a small one "<5"; no id, no date. */
static void test_rendered_share(void **state)
{
    scratch *s = *state;
    char previous[256], current[256];
    csv_file sheet;
    month_pair(s, "templates/share.ini", previous, current, sizeof previous);
    if (test_under_valgrind())
        return;
    char *section = report_part(current, "Counts of what changed since an earlier output set", NULL);
    expect_line(section, "No longer present (no record now)", (const char *[]){"<5", NULL});
    expect_line(section, "Past values changed (per variable)", (const char *[]){NULL});
    assert_null(strstr(section, "NET-"));
    assert_null(strstr(section, "2012-11-30"));
    assert_null(strstr(section, "Headline estimates,"));
    free(section);
    convert_sheets(current);
    sheet_load(current, "Changes", &sheet);
    assert_string_equal(csv_get(&sheet, 0, 0), "What changed since the last report");
    size_t hidden = 0;
    for (size_t r = 0; r < sheet.n; r++)
        for (size_t c = 0; c < sheet.records[r].n; c++) {
            assert_null(strstr(csv_get(&sheet, r, c), "NET-"));
            hidden += !strcmp(csv_get(&sheet, r, c), "<5");
        }
    assert_true(hidden >= 5);
    csv_free(&sheet);
}

int main(void)
{
#define E2E_TEST(f) cmocka_unit_test_setup_teardown(f, scratch_setup, scratch_teardown)
    const struct CMUnitTest tests[] = {
        E2E_TEST(test_month_to_month),
        E2E_TEST(test_same_date_correction),
        E2E_TEST(test_unchanged_and_references),
        E2E_TEST(test_estimates),
        E2E_TEST(test_verdicts_and_values),
        E2E_TEST(test_competing),
        E2E_TEST(test_time_status),
        E2E_TEST(test_procedures),
        E2E_TEST(test_share),
        E2E_TEST(test_template_previous),
        E2E_TEST(test_refusals),
        E2E_TEST(test_warnings),
        E2E_TEST(test_rendered),
        E2E_TEST(test_rendered_share),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
