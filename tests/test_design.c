/* The model rows and designs (stages/model/design.c): the shared multivariable design. A weighted view
 * of it is, field by field and bit for bit, the design that design_new makes with the weights; it is
 * only given when the design is there and every one of its rows has a weight; the last user frees it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "clean/clean.h"
#include "common/dataset.h"
#include "common/results.h"
#include "common/study.h"
#include "testutil.h"
#include "ingest/ingest.h"
#include "model/design.h"
#include "sample_cohort.h"
#include "weight/weight.h"

typedef struct cohort {
    sample_cohort sample;
    study *s;
    dataset *data;
    results *r;
    endpoint_rows *rows;      /* endpoint 0, before the weights */
    endpoint_rows weighted;   /* the same rows with the weights gathered */
} cohort;

/* The sample, weighted; with blanked > 0, hormonal_syndrome (in no model of the study) missing in that
 * many rows afterwards. */
static void cohort_read(cohort *c, size_t blanked)
{
    char message[512];
    *c = (cohort){0};
    sample_cohort_read(&c->sample);
    c->s = c->sample.s;
    c->data = c->sample.data;
    assert_non_null(c->r = results_new());
    assert_int_equal(weight_run(c->s, c->data, c->r, message, sizeof message), EMBOLO_OK);
    assert_non_null(c->data->weight);
    for (size_t i = 0; i < blanked; i++)
        dataset_set_value(c->data, test_variable_named(c->s, "hormonal_syndrome"), 3 * i, NAN);
    double *weight = c->data->weight;
    c->data->weight = NULL;
    assert_int_equal(endpoint_rows_new(c->data, 0, &c->rows), EMBOLO_OK);
    c->data->weight = weight;
    assert_null(c->rows->weight);
    c->weighted = *c->rows;
    c->weighted.weight = NULL;
    assert_int_equal(endpoint_rows_gather_weight(&c->weighted, c->data), EMBOLO_OK);
}

static void cohort_free(cohort *c)
{
    free(c->weighted.weight);
    endpoint_rows_free(c->rows);
    results_free(c->r);
    sample_cohort_free(&c->sample);
}

static void expect_same_design(const design *a, const design *b)
{
    assert_int_equal(a->n, b->n);
    assert_int_equal(a->p, b->p);
    assert_int_equal(a->events, b->events);
    assert_int_equal(a->dropped, b->dropped);
    assert_int_equal(a->n_terms, b->n_terms);
    assert_memory_equal(a->time, b->time, a->n * sizeof *a->time);
    assert_memory_equal(a->status, b->status, a->n * sizeof *a->status);
    assert_memory_equal(a->cause, b->cause, a->n * sizeof *a->cause);
    assert_memory_equal(a->row, b->row, a->n * sizeof *a->row);
    assert_memory_equal(a->x, b->x, a->n * a->p * sizeof *a->x);
    for (size_t j = 0; j < a->p; j++) {
        assert_int_equal(a->columns[j].variable, b->columns[j].variable);
        assert_int_equal(a->columns[j].level, b->columns[j].level);
        assert_int_equal(a->columns[j].term, b->columns[j].term);
    }
    assert_memory_equal(a->reference, b->reference, a->n_terms * sizeof *a->reference);
    assert_non_null(a->weight);
    assert_non_null(b->weight);
    assert_memory_equal(a->weight, b->weight, a->n * sizeof *a->weight);
    assert_memory_equal(a->column_rows, b->column_rows, a->p * sizeof *a->column_rows);
    assert_memory_equal(a->column_events, b->column_events, a->p * sizeof *a->column_events);
}

/* design_level_counts against a count over x and the status, row by row. */
static void expect_level_counts(const design *d)
{
    size_t rows[64], events[64];
    assert_true(d->p > 0 && d->p <= 64);
    design_level_counts(d, rows, events);
    for (size_t j = 0; j < d->p; j++) {
        size_t expected_rows = 0, expected_events = 0;
        for (size_t i = 0; i < d->n; i++) {
            expected_rows += d->x[i * d->p + j] != 0.0;
            expected_events += d->x[i * d->p + j] != 0.0 && d->status[i] == 1;
        }
        assert_int_equal(rows[j], expected_rows);
        assert_int_equal(events[j], expected_events);
        assert_true(rows[j] > 0);
        assert_true(events[j] <= rows[j]);
    }
}

static void expect_view_is_weighted_design(cohort *c, const size_t *variables, size_t n_variables)
{
    design_share share;
    design *shared = NULL, *view = NULL, *own = NULL;
    assert_int_equal(design_share_init(&share), EMBOLO_OK);
    assert_int_equal(design_share_view(&share, c->data, &c->weighted, &view), EMBOLO_OK);
    assert_null(view);  /* nothing shared yet */
    assert_int_equal(design_share_take(&share, c->data, c->rows, variables, n_variables, &shared), EMBOLO_OK);
    assert_non_null(shared);
    assert_null(shared->weight);
    assert_int_equal(design_share_view(&share, c->data, &c->weighted, &view), EMBOLO_OK);
    assert_non_null(view);
    assert_true(view->view);
    assert_ptr_equal(view->x, shared->x);
    assert_int_equal(design_new(c->data, &c->weighted, variables, n_variables, 1, &own), EMBOLO_OK);
    expect_same_design(view, own);
    expect_level_counts(view);
    expect_level_counts(own);
    design_free(own);
    design_share_give(&share, shared);
    assert_ptr_equal(share.d, shared);  /* the view still uses it */
    design_share_give(&share, view);
    assert_null(share.d);
    design_share_destroy(&share);
}

static void test_view_is_the_weighted_design(void **state)
{
    (void)state;
    cohort c;
    cohort_read(&c, 0);
    assert_true(c.s->n_multivariable > 0);
    expect_view_is_weighted_design(&c, c.s->multivariable, c.s->n_multivariable);
    cohort_free(&c);
}

/* Rows dropped as incomplete: the design copies the rows it keeps, and the view its weights. */
static void test_view_of_a_design_with_dropped_rows(void **state)
{
    (void)state;
    cohort c;
    size_t variables[16];
    cohort_read(&c, 10);
    assert_true(c.s->n_multivariable < 16);
    memcpy(variables, c.s->multivariable, c.s->n_multivariable * sizeof *variables);
    variables[c.s->n_multivariable] = test_variable_named(c.s, "hormonal_syndrome");
    expect_view_is_weighted_design(&c, variables, c.s->n_multivariable + 1);
    design *d = NULL;
    assert_int_equal(design_new(c.data, c.rows, variables, c.s->n_multivariable + 1, 0, &d), EMBOLO_OK);
    assert_int_equal(d->dropped, 10);
    assert_false(d->borrowed);
    expect_level_counts(d);
    design_free(d);
    cohort_free(&c);
}

/* A row of the design without a weight: no view (the weighted design has fewer rows). */
static void test_no_view_when_a_row_has_no_weight(void **state)
{
    (void)state;
    cohort c;
    cohort_read(&c, 0);
    design_share share;
    design *shared = NULL, *view = NULL;
    assert_int_equal(design_share_init(&share), EMBOLO_OK);
    assert_int_equal(design_share_take(&share, c.data, c.rows, c.s->multivariable, c.s->n_multivariable, &shared),
                     EMBOLO_OK);
    double kept = c.weighted.weight[3], kept_data = c.data->weight[c.rows->row[3]];
    c.weighted.weight[3] = NAN;
    c.data->weight[c.rows->row[3]] = NAN;
    assert_int_equal(design_share_view(&share, c.data, &c.weighted, &view), EMBOLO_OK);
    assert_null(view);
    c.weighted.weight[3] = kept;
    c.data->weight[c.rows->row[3]] = kept_data;
    design_share_give(&share, shared);
    assert_null(share.d);
    design_share_give(&share, NULL);
    design_share_destroy(&share);
    cohort_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_view_is_the_weighted_design),
        cmocka_unit_test(test_view_of_a_design_with_dropped_rows),
        cmocka_unit_test(test_no_view_when_a_row_has_no_weight),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
