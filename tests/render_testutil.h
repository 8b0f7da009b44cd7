/* For the tests of the render stage's writers: a hand-made run's document built, then written. */
#ifndef EMBOLO_RENDER_TESTUTIL_H
#define EMBOLO_RENDER_TESTUTIL_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/document.h"
#include "render/writers.h"
#include "testutil.h"

/* python-docx is Debian's package: its interpreter, whatever python3 the PATH finds first. */
#define TEST_DOCX_READER "/usr/bin/python3 tests/fixtures/docx/read_docx.py"

typedef embolo_error (*test_writer)(const document *d, const char *path, char *message, size_t message_size);

static inline embolo_error test_write_document(const render_input *in, test_writer write, const char *path,
                                               char *message, size_t message_size)
{
    embolo_error err;
    document *d = document_build(in, &err);
    if (d)
        err = write(d, path, message, message_size);
    document_free(d);
    return err;
}

/* A row of a table model as one line: its role's letter, its label, then each cell's text
 * ("P Procedures | 174 | 69"). */
static inline void test_model_line(const table *t, const table_row *row, char *out, size_t size)
{
    static const char roles[] = {'P', 'H', 'L', 'T', 'N'};
    size_t used = (size_t)snprintf(out, size, "%c %s", roles[row->role], row->label);
    for (size_t c = 1; c < t->n_columns && used < size; c++) {
        char text[256];
        table_cell_text(&row->cells[c], text, sizeof text);
        used += (size_t)snprintf(out + used, size - used, " | %s", text);
    }
}

/* The standard output of a shell command (its error output is dropped); NULL when it cannot run. */
static inline char *test_command_output(const char *command)
{
    char line[2048];
    snprintf(line, sizeof line, "%s 2>/dev/null", command);
    FILE *pipe = popen(line, "r");
    size_t size = 0, capacity = 1 << 16;
    char *text = pipe ? malloc(capacity) : NULL;
    for (size_t got; text && (got = fread(text + size, 1, capacity - size - 1, pipe)) > 0;) {
        size += got;
        if (capacity - size < 2) {
            char *grown = realloc(text, capacity *= 2);
            if (!grown) {
                free(text);
                text = NULL;
            }
            text = grown;
        }
    }
    if (text)
        text[size] = '\0';
    if (pipe)
        pclose(pipe);
    return text;
}

/* ---- results.csv ---- */

typedef struct test_result_line {
    char *keys[6];
    double value;   /* NAN for NA */
} test_result_line;

typedef struct test_results {
    test_result_line *lines;
    size_t n;
} test_results;

/* One quoted field starting at *at; moves *at past it and its comma. */
static inline char *test_csv_field(const char **at)
{
    const char *c = *at;
    size_t n = 0;
    char *out = malloc(strlen(c) + 1);
    if (!out)
        return NULL;
    if (*c == '"') {
        for (c++; *c && !(c[0] == '"' && c[1] != '"'); c++)
            out[n++] = *c == '"' ? *++c : *c;
        c += *c == '"';
    } else {
        while (*c && *c != ',' && *c != '\n')
            out[n++] = *c++;
    }
    out[n] = '\0';
    *at = c + (*c == ',');
    return out;
}

/* The lines of DIR/results.csv; fails the test when it cannot be read. */
static inline test_results *test_results_read(const char *dir)
{
    char path[512];
    snprintf(path, sizeof path, "%s/results.csv", dir);
    char *text = test_file_read(path, NULL);
    test_results *r = calloc(1, sizeof *r);
    assert_true(text && r);
    r->lines = calloc(strlen(text) / 20 + 1, sizeof *r->lines);
    assert_non_null(r->lines);
    const char *at = strchr(text, '\n');
    for (at = at ? at + 1 : ""; *at; at += *at == '\n') {
        test_result_line *line = &r->lines[r->n++];
        for (size_t k = 0; k < 6; k++)
            assert_non_null(line->keys[k] = test_csv_field(&at));
        char *value = test_csv_field(&at);
        assert_non_null(value);
        line->value = strcmp(value, "NA") ? strtod(value, NULL) : NAN;
        free(value);
    }
    free(text);
    return r;
}

static inline void test_results_free(test_results *r)
{
    for (size_t i = 0; r && i < r->n; i++)
        for (size_t k = 0; k < 6; k++)
            free(r->lines[i].keys[k]);
    if (r)
        free(r->lines);
    free(r);
}

/* The line with these keys, NULL if none. */
static inline const test_result_line *test_result_find(const test_results *r, const char *section,
                                                       const char *endpoint, const char *model, const char *variable,
                                                       const char *level, const char *stat)
{
    const char *keys[6] = {section, endpoint, model, variable, level, stat};
    for (size_t i = 0; i < r->n; i++) {
        size_t k = 0;
        while (k < 6 && !strcmp(r->lines[i].keys[k], keys[k]))
            k++;
        if (k == 6)
            return &r->lines[i];
    }
    return NULL;
}

/* A value of results.csv, NAN when there is no such line. */
static inline double test_result(const test_results *r, const char *section, const char *endpoint, const char *model,
                                 const char *variable, const char *level, const char *stat)
{
    const test_result_line *line = test_result_find(r, section, endpoint, model, variable, level, stat);
    return line ? line->value : NAN;
}

/* ---- tables.docx read back (tests/fixtures/docx/read_docx.py) ---- */

typedef struct test_docx_table {
    char *title;
    int landscape;
    char ***rows;       /* [n_rows][n_cells[row]] */
    size_t *n_cells;
    size_t n_rows;
    char **notes;
    size_t n_notes;
} test_docx_table;

typedef struct test_docx {
    test_docx_table *tables;
    size_t n;
} test_docx;

/* The tab-separated fields of a line (after its tag), each a copy. */
static inline size_t test_split_tabs(char *line, char ***out)
{
    size_t n = 1;
    for (char *c = line; *c; c++)
        n += *c == '\t';
    *out = calloc(n, sizeof **out);
    assert_non_null(*out);
    for (size_t k = 0; k < n; k++) {
        size_t length = strcspn(line, "\t");
        assert_non_null((*out)[k] = strndup(line, length));
        line += length + (line[length] == '\t');
    }
    return n;
}

static inline void test_docx_line(test_docx *d, char *line)
{
    test_docx_table *t = d->n ? &d->tables[d->n - 1] : NULL;
    char **fields;
    size_t n = test_split_tabs(line + 2, &fields);
    if (line[0] == 'T') {
        d->tables = realloc(d->tables, (d->n + 1) * sizeof *d->tables);
        assert_non_null(d->tables);
        t = &d->tables[d->n++];
        memset(t, 0, sizeof *t);
        t->title = fields[0];
        t->landscape = n > 1 && !strcmp(fields[1], "landscape");
        for (size_t k = 1; k < n; k++)
            free(fields[k]);
        free(fields);
    } else if (line[0] == 'R' && t) {
        t->rows = realloc(t->rows, (t->n_rows + 1) * sizeof *t->rows);
        t->n_cells = realloc(t->n_cells, (t->n_rows + 1) * sizeof *t->n_cells);
        assert_true(t->rows && t->n_cells);
        t->rows[t->n_rows] = fields;
        t->n_cells[t->n_rows++] = n;
    } else if (line[0] == 'N' && t) {
        t->notes = realloc(t->notes, (t->n_notes + 1) * sizeof *t->notes);
        assert_non_null(t->notes);
        t->notes[t->n_notes++] = fields[0];
        for (size_t k = 1; k < n; k++)
            free(fields[k]);
        free(fields);
    } else {
        fail_msg("read_docx.py: %s", line);
    }
}

/* Reads a Word document's tables back; fails the test when the reader finds a fault. */
static inline test_docx *test_docx_read(const char *path)
{
    char command[1024];
    snprintf(command, sizeof command, TEST_DOCX_READER " '%s'; echo \"exit $?\"", path);
    char *text = test_command_output(command);
    test_docx *d = calloc(1, sizeof *d);
    assert_true(text && d);
    char *status = strstr(text, "exit ");
    assert_non_null(status);
    if (strcmp(status, "exit 0\n"))
        fail_msg("%s: %s", path, text);
    *status = '\0';
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
        test_docx_line(d, line);
    free(text);
    return d;
}

static inline void test_docx_free(test_docx *d)
{
    for (size_t i = 0; d && i < d->n; i++) {
        test_docx_table *t = &d->tables[i];
        for (size_t r = 0; r < t->n_rows; r++) {
            for (size_t c = 0; c < t->n_cells[r]; c++)
                free(t->rows[r][c]);
            free(t->rows[r]);
        }
        for (size_t k = 0; k < t->n_notes; k++)
            free(t->notes[k]);
        free(t->rows);
        free(t->n_cells);
        free(t->notes);
        free(t->title);
    }
    if (d)
        free(d->tables);
    free(d);
}

/* The docx table with this title, NULL if none. */
static inline const test_docx_table *test_docx_table_titled(const test_docx *d, const char *title)
{
    for (size_t i = 0; i < d->n; i++)
        if (!strcmp(d->tables[i].title, title))
            return &d->tables[i];
    return NULL;
}

/* A cell of a docx table ("" beyond its row). */
static inline const char *test_docx_cell(const test_docx_table *t, size_t row, size_t col)
{
    return row < t->n_rows && col < t->n_cells[row] ? t->rows[row][col] : "";
}

/* ---- a table model against its expected lines (the builders' golden models) ---- */

/* The table has exactly these rows (rows filled on demand too). */
static inline void test_expect_rows(table *t, const char *const *lines, size_t n)
{
    char line[1024];
    table_row scratch;
    assert_non_null(t);
    assert_int_equal(table_error(t), EMBOLO_OK);
    assert_int_equal(table_scratch_new(t, &scratch), EMBOLO_OK);
    for (size_t r = 0; r < t->n_rows && r < n; r++) {
        test_model_line(t, table_row_at(t, r, &scratch), line, sizeof line);
        if (strcmp(line, lines[r]))
            print_error("row %zu: '%s'\n     want '%s'\n", r, line, lines[r]);
        assert_string_equal(line, lines[r]);
    }
    table_scratch_free(&scratch);
    if (t->n_rows != n)
        print_error("%s: %zu rows, want %zu\n", t->title ? t->title : "(untitled)", t->n_rows, n);
    assert_int_equal(t->n_rows, n);
}

/* The table has this title and exactly these rows. */
static inline void test_expect_model(table *t, const char *title, const char *const *lines, size_t n)
{
    assert_non_null(t);
    assert_string_equal(t->title, title);
    test_expect_rows(t, lines, n);
}

#endif
