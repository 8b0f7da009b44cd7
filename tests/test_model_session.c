/* The model stage in two steps (model.h): started before weighting, finished after it, it gives the
 * lines, warnings and curves of model_run after weight_run, bit for bit and in the same order; a
 * session stopped before it is finished (weighting failed) ends its threads and frees everything. */
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
#include "ingest/ingest.h"
#include "model/model.h"
#include "sample_cohort.h"
#include "testutil.h"
#include "weight/weight.h"

static int same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

static void expect_same_results(const results *a, const results *b)
{
    assert_int_equal(a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        const result_row *x = &a->rows[i], *y = &b->rows[i];
        assert_string_equal(x->section, y->section);
        assert_string_equal(x->endpoint, y->endpoint);
        assert_string_equal(x->model, y->model);
        assert_string_equal(x->variable, y->variable);
        assert_string_equal(x->level, y->level);
        assert_string_equal(x->stat, y->stat);
        assert_true(same_bits(x->value, y->value));
    }
    assert_int_equal(a->n_warnings, b->n_warnings);
    for (size_t i = 0; i < a->n_warnings; i++)
        assert_string_equal(a->warnings[i], b->warnings[i]);
    assert_non_null(a->curves);
    assert_non_null(b->curves);
    assert_int_equal(a->curves->n, b->curves->n);
    for (size_t i = 0; i < a->curves->n; i++) {
        const plot_curve *x = &a->curves->items[i], *y = &b->curves->items[i];
        assert_string_equal(x->endpoint, y->endpoint);
        assert_string_equal(x->model, y->model);
        assert_string_equal(x->level, y->level);
        assert_int_equal(x->n_points, y->n_points);
        for (size_t k = 0; k < x->n_points; k++)
            assert_true(same_bits(x->surv[k], y->surv[k]));
    }
}

/* weight_run then model_run: the reference. */
static results *sequential_run(void)
{
    char message[512];
    sample_cohort c;
    sample_cohort_read(&c);
    results *r = results_new();
    assert_non_null(r);
    assert_int_equal(weight_run(c.s, c.data, r, message, sizeof message), EMBOLO_OK);
    assert_int_equal(model_run(c.s, c.data, r, message, sizeof message), EMBOLO_OK);
    sample_cohort_free(&c);
    return r;
}

static void test_begun_before_weighting(void **state)
{
    (void)state;
    char message[512];
    results *reference = sequential_run();
    sample_cohort c;
    sample_cohort_read(&c);
    results *r = results_new();
    model_session *session = NULL;
    assert_non_null(r);
    assert_int_equal(model_begin(c.s, c.data, r->curve_tick_step, &session), EMBOLO_OK);
    assert_non_null(session);
    assert_int_equal(weight_run(c.s, c.data, r, message, sizeof message), EMBOLO_OK);
    assert_int_equal(model_finish(session, c.data, r, message, sizeof message), EMBOLO_OK);
    model_session_free(session);
    expect_same_results(reference, r);
    assert_true(r->n > 1000);
    results_free(r);
    results_free(reference);
    sample_cohort_free(&c);
}

/* Weighting failed: the session is freed without model_finish, while its threads may still model. */
static void test_stopped_before_finishing(void **state)
{
    (void)state;
    sample_cohort c;
    sample_cohort_read(&c);
    for (int round = 0; round < 3; round++) {
        model_session *session = NULL;
        assert_int_equal(model_begin(c.s, c.data, 0.0, &session), EMBOLO_OK);
        assert_non_null(session);
        model_session_free(session);
    }
    model_session_free(NULL);
    sample_cohort_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_begun_before_weighting),
        cmocka_unit_test(test_stopped_before_finishing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
