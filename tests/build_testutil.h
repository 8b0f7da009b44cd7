/* For the tests of the table builders: a hand-made run, and a table model compared with its expected
 * lines, one per row: "R label | cell | cell ..." (R the role: P plain, H heading, L level, T total, N
 * note; each cell as table_cell_text shows it). Include after cmocka.h. */
#ifndef EMBOLO_BUILD_TESTUTIL_H
#define EMBOLO_BUILD_TESTUTIL_H

#include <stdio.h>
#include <string.h>

#include "render/build.h"
#include "render/table.h"

/* A hand-made run for the builders: its study, data, log, results and template, and their context. */
typedef struct build_fixture {
    study *s;
    dataset *d;
    exclusion_log *log;
    results *r;
    report_template *t;
    render_input in;
    build_context b;
} build_fixture;

static inline void build_fixture_free(build_fixture *f)
{
    dataset_free(f->d);
    exclusion_log_free(f->log);
    results_free(f->r);
    template_free(f->t);
    study_free(f->s);
}

static inline void model_line(const table *t, const table_row *row, char *out, size_t size)
{
    static const char roles[] = {'P', 'H', 'L', 'T', 'N'};
    size_t used = (size_t)snprintf(out, size, "%c %s", roles[row->role], row->label);
    for (size_t c = 1; c < t->n_columns && used < size; c++) {
        char text[128];
        table_cell_text(&row->cells[c], text, sizeof text);
        used += (size_t)snprintf(out + used, size - used, " | %s", text);
    }
}

static inline void expect_model(const table *t, const char *title, const char *const *lines, size_t n)
{
    char line[1024];
    assert_non_null(t);
    assert_int_equal(table_error(t), EMBOLO_OK);
    assert_string_equal(t->title, title);
    for (size_t r = 0; r < t->n_rows && r < n; r++) {
        model_line(t, &t->rows[r], line, sizeof line);
        if (strcmp(line, lines[r]))
            print_error("row %zu: '%s'\n     want '%s'\n", r, line, lines[r]);
        assert_string_equal(line, lines[r]);
    }
    assert_int_equal(t->n_rows, n);
}

#endif
