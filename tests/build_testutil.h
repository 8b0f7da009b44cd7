/* For the tests of the table builders: a hand-made run, and a table model compared with its expected
 * lines, one per row as test_model_line (render_testutil.h) writes it. Include after cmocka.h. */
#ifndef EMBOLO_BUILD_TESTUTIL_H
#define EMBOLO_BUILD_TESTUTIL_H

#include <stdio.h>
#include <string.h>

#include "render/build.h"
#include "render/table.h"
#include "render_testutil.h"

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

static inline void expect_model(const table *t, const char *title, const char *const *lines, size_t n)
{
    char line[1024];
    assert_non_null(t);
    assert_int_equal(table_error(t), EMBOLO_OK);
    assert_string_equal(t->title, title);
    for (size_t r = 0; r < t->n_rows && r < n; r++) {
        test_model_line(t, &t->rows[r], line, sizeof line);
        if (strcmp(line, lines[r]))
            print_error("row %zu: '%s'\n     want '%s'\n", r, line, lines[r]);
        assert_string_equal(line, lines[r]);
    }
    assert_int_equal(t->n_rows, n);
}

#endif
