/* One table model, three formats: for every table of tables.docx (the manuscript and the audit
 * templates on the sample, with and without its procedures), the report's text (pdftotext) has its title, its footnotes, and each of
 * its rows on one line with every cell in order; and where the workbook (ssconvert) shows the table,
 * it has the same title, the same row labels in the same order, the same counts and the same
 * footnotes. Skipped under valgrind (python, poppler and gnumeric are not run there). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/text.h"
#include "driver.h"
#include "render_testutil.h"

#define SAMPLE_STUDY "tests/fixtures/data/net_sample_155.study.ini"
#define PROCEDURES_STUDY "tests/fixtures/data/net_sample_155.procedures.study.ini"

typedef struct sheet {
    char name[64];
    char ***rows;
    size_t *n_cells;
    size_t n_rows;
} sheet;

typedef struct run {
    char dir[64];
    char *pdf_lines;   /* pdftotext -layout */
    char *pdf_flat;    /* pdftotext (reading order), white space folded */
    test_docx *docx;
    sheet *sheets;
    size_t n_sheets;
} run;

/* The text with every run of white space as one space. */
static char *folded(const char *text)
{
    char *out = malloc(strlen(text) + 1), *o = out;
    assert_non_null(out);
    for (const char *c = text; *c; c++) {
        if (isspace((unsigned char)*c)) {
            if (o > out && o[-1] != ' ')
                *o++ = ' ';
            continue;
        }
        *o++ = *c;
    }
    *o = '\0';
    return out;
}

/* A CSV file of ssconvert (RFC 4180) as rows of cells. */
static void sheet_read(sheet *s, const char *path)
{
    char *text = test_file_read(path, NULL);
    assert_non_null(text);
    for (const char *at = text; *at;) {
        s->rows = realloc(s->rows, (s->n_rows + 1) * sizeof *s->rows);
        s->n_cells = realloc(s->n_cells, (s->n_rows + 1) * sizeof *s->n_cells);
        assert_true(s->rows && s->n_cells);
        char **cells = NULL;
        size_t n = 0;
        for (;;) {
            cells = realloc(cells, (n + 1) * sizeof *cells);
            assert_non_null(cells);
            assert_non_null(cells[n++] = test_csv_field(&at));
            if (at[-1] != ',' || *at == '\n' || !*at)
                break;
        }
        at += *at == '\n';
        s->rows[s->n_rows] = cells;
        s->n_cells[s->n_rows++] = n;
    }
    free(text);
}

static void run_make(run *r, const char *study_path, const char *template_path, int as_of)
{
    char message[512] = "", command[512], path[256];
    memset(r, 0, sizeof *r);
    snprintf(r->dir, sizeof r->dir, "/tmp/test_formats.XXXXXX");
    assert_non_null(mkdtemp(r->dir));
    driver_options options = {.command = DRIVER_RUN, .study_path = study_path,
                              .input_path = "tests/fixtures/data/net_sample_155.csv", .template_path = template_path,
                              .out_dir = r->dir, .quiet = 1, .has_as_of = as_of,
                              .as_of = text_days_from_civil(2012, 12, 31)};
    assert_int_equal(driver_run(&options, message, sizeof message), EMBOLO_OK);
    snprintf(command, sizeof command, "pdftotext -layout '%s/report.pdf' -", r->dir);
    assert_non_null(r->pdf_lines = test_command_output(command));
    snprintf(command, sizeof command, "pdftotext '%s/report.pdf' -", r->dir);
    char *text = test_command_output(command);
    assert_non_null(text);
    r->pdf_flat = folded(text);
    free(text);
    snprintf(path, sizeof path, "%s/tables.docx", r->dir);
    r->docx = test_docx_read(path);
    snprintf(command, sizeof command, "mkdir '%s/sheets' && ssconvert -S --export-type=Gnumeric_stf:stf_csv "
                                      "'%s/tables.xlsx' '%s/sheets/%%n' >/dev/null 2>&1 && ls '%s/sheets'",
             r->dir, r->dir, r->dir, r->dir);
    char *listing = test_command_output(command);
    assert_non_null(listing);
    for (char *name = strtok(listing, "\n"); name; name = strtok(NULL, "\n")) {
        r->sheets = realloc(r->sheets, (r->n_sheets + 1) * sizeof *r->sheets);
        assert_non_null(r->sheets);
        sheet *s = &r->sheets[r->n_sheets++];
        memset(s, 0, sizeof *s);
        snprintf(path, sizeof path, "%s/sheets/%s", r->dir, name);
        sheet_read(s, path);
    }
    free(listing);
}

static void run_free(run *r)
{
    char command[128];
    snprintf(command, sizeof command, "rm -rf '%s'", r->dir);
    assert_int_equal(system(command), 0);
    for (size_t i = 0; i < r->n_sheets; i++) {
        for (size_t row = 0; row < r->sheets[i].n_rows; row++) {
            for (size_t c = 0; c < r->sheets[i].n_cells[row]; c++)
                free(r->sheets[i].rows[row][c]);
            free(r->sheets[i].rows[row]);
        }
        free(r->sheets[i].rows);
        free(r->sheets[i].n_cells);
    }
    free(r->sheets);
    free(r->pdf_lines);
    free(r->pdf_flat);
    test_docx_free(r->docx);
}

static const char *sheet_cell(const sheet *s, size_t row, size_t col)
{
    return row < s->n_rows && col < s->n_cells[row] ? s->rows[row][col] : "";
}

/* ---- the report ---- */

static void expect_in_pdf(const run *r, const char *what, const char *text)
{
    char *want = folded(text);
    if (!strstr(r->pdf_flat, want))
        print_error("the report lacks the %s '%s'\n", what, want);
    assert_non_null(strstr(r->pdf_flat, want));
    free(want);
}

/* Whether a line holds the texts in order. */
static int line_holds(const char *line, size_t length, char *const *cells, size_t n)
{
    const char *at = line, *end = line + length;
    for (size_t c = 0; c < n; c++) {
        if (!cells[c][0])
            continue;
        const char *found = strstr(at, cells[c]);
        if (!found || found + strlen(cells[c]) > end)
            return 0;
        at = found + strlen(cells[c]);
    }
    return 1;
}

/* A body row of the docx table is one line of the report, its cells in order (or, where long text
 * wraps, each of its cells in the report's text). */
static void expect_row_in_pdf(const run *r, const test_docx_table *t, size_t row)
{
    for (const char *line = r->pdf_lines; *line;) {
        size_t length = strcspn(line, "\n");
        if (line_holds(line, length, t->rows[row], t->n_cells[row]))
            return;
        line += length + (line[length] == '\n');
    }
    char **cells = calloc(t->n_cells[row], sizeof *cells);
    assert_non_null(cells);
    for (size_t c = 0; c < t->n_cells[row]; c++)
        cells[c] = folded(t->rows[row][c]);
    int wrapped = 1;
    for (size_t c = 0; c < t->n_cells[row]; c++) {
        wrapped &= strstr(r->pdf_flat, cells[c]) != NULL;
        free(cells[c]);
    }
    free(cells);
    if (wrapped)
        return;
    print_error("%s: no line of the report holds the row '%s' with its cells\n", t->title, t->rows[row][0]);
    fail();
}

static void check_in_pdf(const run *r, const test_docx_table *t, size_t header_rows)
{
    expect_in_pdf(r, "title", t->title);
    for (size_t k = 0; k < t->n_notes; k++)
        expect_in_pdf(r, "footnote", t->notes[k]);
    for (size_t row = header_rows; row < t->n_rows; row++)
        expect_row_in_pdf(r, t, row);
}

/* ---- the workbook ---- */

/* Where the workbook lists a docx table: its sheet, its title's row, and (joined tables) the key. */
typedef struct listed {
    const sheet *s;
    size_t title_row;
    char key[256];
} listed;

static int find_listed(const run *r, const test_docx_table *t, listed *out)
{
    for (size_t i = 0; i < r->n_sheets; i++)
        for (size_t row = 0; row < r->sheets[i].n_rows; row++) {
            const char *title = sheet_cell(&r->sheets[i], row, 0);
            size_t n = strlen(title);
            *out = (listed){.s = &r->sheets[i], .title_row = row};
            if (!strcmp(title, t->title))
                return 1;
            /* "Cox models" joins "Cox models, Overall survival"; ": patients ..." stays after the key. */
            if (n && !strncmp(t->title, title, strcspn(title, ":")) && !strncmp(t->title + strcspn(title, ":"), ", ", 2)) {
                const char *key = t->title + strcspn(title, ":") + 2;
                snprintf(out->key, sizeof out->key, "%.*s", (int)strcspn(key, ":"), key);
                if (!strcmp(t->title + strcspn(title, ":") + 2 + strlen(out->key), title + strcspn(title, ":")))
                    return 1;
            }
        }
    return 0;
}

/* The list's header row: the first after the title whose first cells are headers (not the note). */
static size_t header_row(const listed *l)
{
    size_t row = l->title_row + 1;
    while (row < l->s->n_rows && (!strncmp(sheet_cell(l->s, row, 0), "A blank numeric cell", 20) ||
                                  (!sheet_cell(l->s, row, 0)[0] && !sheet_cell(l->s, row, 1)[0])))
        row++;
    return row;
}

static int integer_text(const char *text)
{
    text += text[0] == '<';  /* "<5": a count below the minimum */
    for (const char *c = text; *c; c++)
        if (!isdigit((unsigned char)*c))
            return 0;
    return text[0] != '\0';
}

/* The sheet column a docx column's first number is in: its header, on one line. */
static size_t sheet_column(const listed *l, size_t header, const char *docx_header)
{
    char want[256];
    snprintf(want, sizeof want, "%s", docx_header);
    for (char *c = want; *c; c++)
        *c = *c == '\n' ? ' ' : *c;
    for (size_t c = 0; c < l->s->n_cells[header]; c++)
        if (!strcmp(sheet_cell(l->s, header, c), want))
            return c;
    return (size_t)-1;
}

/* The sheet row of a docx row: the next with its label in the label or group column. */
static size_t next_sheet_row(const listed *l, size_t from, const char *label)
{
    for (size_t row = from; row < l->s->n_rows; row++)
        for (size_t c = 0; c < 3 && c < l->s->n_cells[row]; c++)
            if (!strcmp(sheet_cell(l->s, row, c), label) && (!l->key[0] || !strcmp(sheet_cell(l->s, row, 0), l->key)))
                return row;
    return (size_t)-1;
}

static int docx_row_has_values(const test_docx_table *t, size_t row)
{
    for (size_t c = 1; c < t->n_cells[row]; c++)
        if (t->rows[row][c][0])
            return 1;
    return 0;
}

/* Same labels in the same order, the same counts, the same footnotes; returns the rows compared. */
static size_t check_in_workbook(const run *r, const test_docx_table *t, size_t header_rows)
{
    listed l;
    if (!find_listed(r, t, &l))
        return 0;
    size_t header = header_row(&l), at = header + 1, compared = 0;
    for (size_t row = header_rows; row < t->n_rows; row++) {
        if (!docx_row_has_values(t, row))
            continue; /* a heading without values: the group column of its rows */
        size_t found = next_sheet_row(&l, at, t->rows[row][0]);
        if (found == (size_t)-1)
            print_error("%s: the workbook has no row '%s' after row %zu\n", t->title, t->rows[row][0], at);
        assert_true(found != (size_t)-1);
        for (size_t c = 1; c < t->n_cells[row]; c++) {
            size_t column = sheet_column(&l, header, test_docx_cell(t, header_rows - 1, c));
            if (column != (size_t)-1 && integer_text(t->rows[row][c]))
                assert_string_equal(sheet_cell(l.s, found, column), t->rows[row][c]);
        }
        at = found + 1;
        compared++;
    }
    for (size_t k = 0; k < t->n_notes; k++)
        assert_true(next_sheet_row(&(listed){.s = l.s}, header, t->notes[k]) != (size_t)-1);
    return compared;
}

/* ---- tests ---- */

/* The header rows of a docx table: one, or two when a row of spans (its stub cell empty) heads it. */
static size_t docx_header_rows(const test_docx_table *t)
{
    return t->n_rows > 1 && !test_docx_cell(t, 0, 0)[0] ? 2 : 1;
}

static void check_formats(const char *study_path, const char *template_path, int as_of, size_t min_in_workbook)
{
    run r;
    size_t in_workbook = 0;
    if (test_under_valgrind())
        skip();
    run_make(&r, study_path, template_path, as_of);
    assert_true(r.docx->n > 0);
    for (size_t i = 0; i < r.docx->n; i++) {
        const test_docx_table *t = &r.docx->tables[i];
        check_in_pdf(&r, t, docx_header_rows(t));
        in_workbook += check_in_workbook(&r, t, docx_header_rows(t)) > 0;
    }
    assert_true(in_workbook >= min_in_workbook);
    run_free(&r);
}

/* Table 1, both survival tables, both Cox tables and their model lists, balance and weights. */
static void test_manuscript(void **state)
{
    (void)state;
    check_formats(SAMPLE_STUDY, NULL, 0, 9);
}

/* The audit's month, the benchmarks and the survival tables. */
static void test_audit(void **state)
{
    (void)state;
    check_formats(SAMPLE_STUDY, "templates/audit.ini", 1, 4);
}

/* The round-2 sample: its new tables too (RMST, pairwise, cumulative incidence, multicentre,
 * Fine-Gray, subgroup effects), each in the report and the workbook. */
static void test_round2(void **state)
{
    (void)state;
    check_formats("tests/fixtures/data/net_sample_155.round2.study.ini", NULL, 0, 9 + 3 * 6 + 3);
}

/* With the sample's procedures: the audit's procedures, patients and safety tables, the sessions and
 * the AEs by modality besides the benchmarks and survival tables. */
static void test_procedures_audit(void **state)
{
    (void)state;
    check_formats(PROCEDURES_STUDY, "templates/audit.ini", 1, 8);
}

/* The manuscript's sessions and AEs by modality with the paper's other tables. */
static void test_procedures_manuscript(void **state)
{
    (void)state;
    check_formats(PROCEDURES_STUDY, NULL, 0, 9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_manuscript),
        cmocka_unit_test(test_audit),
        cmocka_unit_test(test_round2),
        cmocka_unit_test(test_procedures_audit),
        cmocka_unit_test(test_procedures_manuscript),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
