/* The table model (stages/render/table.h): the text of each cell format as the report shows it,
 * missing and suppressed cells, the parts a cell spreads over in the workbook, rows filled on demand,
 * and the sticky error of a table. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "render/table.h"
#include "testutil.h"

static const char *text_of(cell_format format, int decimals, double a, double b, double c)
{
    static char out[128];
    table_cell cell = {.format = format, .decimals = (unsigned char)decimals, .value = {a, b, c}};
    table_cell_text(&cell, out, sizeof out);
    return out;
}

static void test_each_format(void **state)
{
    (void)state;
    assert_string_equal(text_of(CELL_COUNT, 0, 155, NAN, NAN), "155");
    assert_string_equal(text_of(CELL_NUMBER, 1, 12.74, NAN, NAN), "12.7");
    assert_string_equal(text_of(CELL_NUMBER, 1, -0.01, NAN, NAN), "0.0");
    assert_string_equal(text_of(CELL_GENERAL, 0, 1001, NAN, NAN), "1001");
    assert_string_equal(text_of(CELL_PERCENT, 1, 0.4839, NAN, NAN), "48.4%");
    assert_string_equal(text_of(CELL_P, 3, 0.0004, NAN, NAN), "<0.001");
    assert_string_equal(text_of(CELL_P, 3, 0.0236, NAN, NAN), "0.024");
    assert_string_equal(text_of(CELL_ESTIMATE_CI, 2, 2.685, 1.52, 4.771), "2.69 (1.52\xe2\x80\x93" "4.77)");
    assert_string_equal(text_of(CELL_ESTIMATE_CI, 1, 123.5, 76.8, NAN), "123.5 (76.8\xe2\x80\x93NA)");
    assert_string_equal(text_of(CELL_PERCENT_CI, 1, 0.648, 0.548, 0.767), "64.8 (54.8\xe2\x80\x93" "76.7)");
    assert_string_equal(text_of(CELL_ESTIMATE_SE, 3, 0.6821, 0.0261, NAN), "0.682 (0.026)");
    assert_string_equal(text_of(CELL_COUNT_PERCENT, 1, 69, 0.44516, NAN), "69 (44.5%)");
    assert_string_equal(text_of(CELL_MEAN_SD, 1, 58.57, 11.77, NAN), "58.6 \xc2\xb1 11.8");
    assert_string_equal(text_of(CELL_MEDIAN_IQR, 1, 60, 50.5, 66.5), "60.0 [50.5\xe2\x80\x93" "66.5]");
    assert_string_equal(text_of(CELL_REFERENCE, 0, 1, NAN, NAN), "1 (reference)");
    assert_string_equal(text_of(CELL_DATE, 0, 15705, NAN, NAN), "2012-12-31");
    assert_string_equal(text_of(CELL_EMPTY, 0, 1, 2, 3), "");
}

/* Missing numbers print NA: an estimate and both limits missing is one "NA". */
/* Huge numbers with an exponent, never hundreds of digits cut by a buffer (issue 13). */
static void test_huge_numbers(void **state)
{
    (void)state;
    assert_string_equal(text_of(CELL_NUMBER, 1, 1e300, NAN, NAN), "1e+300");
    assert_string_equal(text_of(CELL_NUMBER, 1, -2.5e20, NAN, NAN), "-2.5e+20");
    assert_string_equal(text_of(CELL_NUMBER, 1, 999999999999999.0, NAN, NAN), "999999999999999.0");
    assert_string_equal(text_of(CELL_COUNT, 0, 1e300, NAN, NAN), "1e+300");
    assert_string_equal(text_of(CELL_PERCENT, 1, 1e300, NAN, NAN), "1e+302%");
    assert_string_equal(text_of(CELL_ESTIMATE_CI, 2, 1e300, 1, 1e301), "1e+300 (1.00\xe2\x80\x93" "1e+301)");
    assert_string_equal(text_of(CELL_MEAN_SD, 1, 1e300, 0, NAN), "1e+300 \xc2\xb1 0.0");
    assert_string_equal(text_of(CELL_COUNT_PERCENT, 1, 1e300, 0.5, NAN), "1e+300 (50.0%)");
}

static void test_missing(void **state)
{
    (void)state;
    assert_string_equal(text_of(CELL_NUMBER, 1, NAN, NAN, NAN), "NA");
    assert_string_equal(text_of(CELL_ESTIMATE_CI, 1, NAN, NAN, NAN), "NA");
    assert_string_equal(text_of(CELL_P, 3, NAN, NAN, NAN), "NA");
    assert_string_equal(text_of(CELL_COUNT_PERCENT, 1, NAN, NAN, NAN), "NA");
    assert_string_equal(text_of(CELL_DATE, 0, NAN, NAN, NAN), "NA");
}

/* A suppressed count shows its bound and keeps nothing else; a suppressed estimate a dash. */
static void test_suppressed(void **state)
{
    const char *headers[] = {"Group", "n", "Median"};
    char text[64];
    (void)state;
    table *t = table_new("T", headers, 3);
    assert_non_null(t);
    table_row *row = table_add_row(t, TABLE_ROW_LEVEL, "G3");
    table_set_values(row, 1, CELL_COUNT, 0, 3, NAN, NAN);
    table_set_values(row, 2, CELL_ESTIMATE_CI, 1, 6.2, 5.3, 9.9);
    table_suppress(row, 1, 5);
    table_suppress(row, 2, NAN);
    table_cell_text(&row->cells[1], text, sizeof text);
    assert_string_equal(text, "<5");
    assert_true(row->cells[1].value[0] == 5 && row->cells[1].suppressed);
    table_cell_text(&row->cells[2], text, sizeof text);
    assert_string_equal(text, "\xe2\x80\x94");
    assert_true(isnan(row->cells[2].value[0]) && isnan(row->cells[2].value[1]) && isnan(row->cells[2].value[2]));
    table_free(t);
}

static void test_parts(void **state)
{
    (void)state;
    table_cell ci = {.format = CELL_ESTIMATE_CI}, pair = {.format = CELL_COUNT_PERCENT}, one = {.format = CELL_P};
    table_cell iqr = {.format = CELL_MEDIAN_IQR}, sd = {.format = CELL_MEAN_SD}, text = {.format = CELL_TEXT};
    assert_int_equal(table_cell_parts(&ci), 3);
    assert_int_equal(table_cell_parts(&iqr), 3);
    assert_int_equal(table_cell_parts(&pair), 2);
    assert_int_equal(table_cell_parts(&sd), 2);
    assert_int_equal(table_cell_parts(&one), 1);
    assert_int_equal(table_cell_parts(&text), 1);
}

/* A table's strings, spans, footnotes and rows; a heading's values; membership. */
static void test_building(void **state)
{
    const char *headers[] = {"Variable", "HR (95% CI)", "p"};
    (void)state;
    table *t = table_new("Cox models, Overall survival", headers, 3);
    assert_non_null(t);
    table_set_key(t, "Endpoint", "Overall survival", "Cox models");
    table_add_span(t, 1, 2, "Univariate");
    table_add_footnote(t, "Wald p-values; %d models.", 4);
    table_row *heading = table_add_row(t, TABLE_ROW_HEADING, "WHO grade");
    assert_false(table_row_has_values(heading, 3));
    table_set_values(heading, 2, CELL_P, 3, 0.0001, NAN, NAN);
    assert_true(table_row_has_values(heading, 3));
    table_row *level = table_add_row(t, TABLE_ROW_LEVEL, "G2");
    table_set_text(t, level, 1, "copied");
    assert_true(table_row_is_member(level) && !table_row_is_member(heading));
    assert_int_equal(table_error(t), EMBOLO_OK);
    assert_int_equal(t->n_rows, 2);
    assert_string_equal(t->rows[1].cells[1].text, "copied");
    assert_string_equal(t->footnotes[0], "Wald p-values; 4 models.");
    assert_string_equal(t->spans[0].text, "Univariate");
    assert_string_equal(t->key, "Overall survival");
    assert_true(t->columns[0].align == TABLE_LEFT && t->columns[1].align == TABLE_CENTER);
    table_free(t);
    table_free(NULL);
    assert_int_equal(table_error(NULL), EMBOLO_ERROR_NOMEM);
}

static void fill_square(const void *source, size_t index, table *t, table_row *row)
{
    (void)t;
    snprintf(row->buffer, sizeof row->buffer, "%zu", index);
    row->label = row->buffer;
    table_set_values(row, 1, CELL_GENERAL, 0, (double)(index * index) * *(const double *)source, NAN, NAN);
}

/* Rows filled on demand: each made anew in the writer's scratch row; the table frees the source. */
static void test_rows_on_demand(void **state)
{
    const char *headers[] = {"i", "square"};
    table_row scratch;
    (void)state;
    table *t = table_new("Squares", headers, 2);
    double *scale = malloc(sizeof *scale);
    assert_true(t && scale);
    *scale = 2.0;
    table_set_source(t, 1000, fill_square, scale);
    assert_int_equal(table_scratch_new(t, &scratch), EMBOLO_OK);
    const table_row *row = table_row_at(t, 999, &scratch);
    assert_string_equal(row->label, "999");
    assert_true(row->cells[1].value[0] == 2.0 * 999 * 999);
    row = table_row_at(t, 3, &scratch);
    assert_string_equal(row->label, "3");
    assert_int_equal(t->n_rows, 1000);
    table_scratch_free(&scratch);
    table_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_format), cmocka_unit_test(test_huge_numbers), cmocka_unit_test(test_missing),     cmocka_unit_test(test_suppressed),
        cmocka_unit_test(test_parts),       cmocka_unit_test(test_building),    cmocka_unit_test(test_rows_on_demand),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
