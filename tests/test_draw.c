/* The drawing layer over libharu: embedded UTF-8 fonts, widths and wrapping, tables across pages,
 * thinned step curves, axes, pens, figure slots, deterministic output, and failures that name the
 * file instead of crashing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "render/draw.h"

#define DAY_2012_12_31 15705L

typedef struct scratch {
    char dir[64];
    char paths[8][128];
    size_t n;
} scratch;

static int setup(void **state)
{
    scratch *s = calloc(1, sizeof *s);
    if (!s)
        return -1;
    snprintf(s->dir, sizeof s->dir, "/tmp/test_draw.XXXXXX");
    if (!mkdtemp(s->dir)) {
        free(s);
        return -1;
    }
    *state = s;
    return 0;
}

static int teardown(void **state)
{
    scratch *s = *state;
    for (size_t i = 0; i < s->n; i++)
        unlink(s->paths[i]);
    rmdir(s->dir);
    free(s);
    return 0;
}

/* A path in the scratch directory, removed at teardown. */
static const char *scratch_path(scratch *s, const char *name)
{
    char dir[64];
    assert_true(s->n < 8);
    memcpy(dir, s->dir, sizeof dir);
    snprintf(s->paths[s->n], sizeof s->paths[0], "%s/%s", dir, name);
    return s->paths[s->n++];
}

static long file_size(const char *path)
{
    struct stat info;
    return stat(path, &info) == 0 ? (long)info.st_size : -1;
}

static char *file_bytes(const char *path, long *size)
{
    FILE *file = fopen(path, "rb");
    assert_non_null(file);
    *size = file_size(path);
    char *bytes = malloc((size_t)*size + 1);
    assert_non_null(bytes);
    assert_int_equal(fread(bytes, 1, (size_t)*size, file), (size_t)*size);
    bytes[*size] = '\0';
    fclose(file);
    return bytes;
}

/* Whether size bytes (which may hold NULs) contain needle. */
static int bytes_contain(const char *bytes, long size, const char *needle)
{
    size_t n = strlen(needle);
    for (long i = 0; i + (long)n <= size; i++)
        if (memcmp(bytes + i, needle, n) == 0)
            return 1;
    return 0;
}

static draw_doc *doc_open(void)
{
    draw_info info = {.title = "Test \xe2\x80\x93 report", .creator = "embolo test", .footer = "footer",
                      .day = DAY_2012_12_31};
    draw_doc *d = NULL;
    assert_int_equal(draw_open(&info, &d), EMBOLO_OK);
    assert_non_null(d);
    return d;
}

static void doc_save(draw_doc *d, const char *path)
{
    char message[512] = "";
    embolo_error err = draw_save(d, path, message, sizeof message);
    if (err != EMBOLO_OK)
        print_error("draw_save: %s\n", message);
    assert_int_equal(err, EMBOLO_OK);
    draw_free(d);
}

/* qpdf exits 0 (or 3: warnings only) for a structurally valid file. */
static void expect_valid_pdf(const char *path)
{
    char command[512];
    snprintf(command, sizeof command, "qpdf --check '%s' >/dev/null 2>&1", path);
    int status = system(command);
    assert_true(status == 0 || WEXITSTATUS(status) == 3);
}

static void draw_sample_page(draw_doc *d)
{
    draw_new_page(d, 0);
    draw_heading(d, "Symbols");
    draw_paragraph(d, "HR 2.69 (1.52\xe2\x80\x93" "4.77), p \xe2\x89\xa4 0.001, 60.1 \xc2\xb1 10.2, \xcf\x87\xc2\xb2 = 3.4",
                   DRAW_REGULAR, 10.0, 0.0);
    draw_box box = draw_block(d, 200.0);
    draw_plot p = {.area = {box.x + 40, box.y + 30, box.w - 60, box.h - 40}, .font_size = 7.0};
    p.x = (draw_axis){.min = 0, .max = 84, .step = 12, .decimals = -1, .title = "Time (months)"};
    p.y = (draw_axis){.min = 0, .max = 1, .step = 0.2, .decimals = 1, .title = "Survival"};
    double x[] = {0, 10, 20, 30}, y[] = {1, 0.8, 0.5, 0.4}, lo[] = {1, 0.7, 0.4, 0.3}, hi[] = {1, 0.9, 0.6, 0.5};
    size_t censored[] = {0, 1, 0, 2};
    draw_step_band(d, &p, x, lo, hi, 4, 40, draw_series_pen(0, 1), 0.2);
    draw_steps(d, &p, x, y, 4, 40, draw_series_pen(0, 1.2));
    draw_marks(d, &p, x, y, censored, 4, 4.0, draw_series_pen(0, 0.7));
    draw_axes(d, &p);
}

static void test_text_with_symbols_is_embedded_and_valid(void **state)
{
    scratch *s = *state;
    const char *path = scratch_path(s, "symbols.pdf");
    draw_doc *d = doc_open();
    draw_sample_page(d);
    assert_false(draw_failed(d));
    assert_int_equal(draw_page_count(d), 1);
    doc_save(d, path);
    expect_valid_pdf(path);
    long size;
    char *bytes = file_bytes(path, &size);
    assert_memory_equal(bytes, "%PDF-", 5);
    assert_true(bytes_contain(bytes, size, "/FontFile2"));                /* the TrueType fonts are embedded */
    assert_true(bytes_contain(bytes, size, "/CreationDate (D:20121231"));  /* the date given, no clock */
    assert_false(bytes_contain(bytes, size, "/ID "));                     /* no random file identifier */
    assert_false(bytes_contain(bytes, size, "/ID["));
    free(bytes);
}

static void test_the_same_drawing_gives_the_same_bytes(void **state)
{
    scratch *s = *state;
    const char *a = scratch_path(s, "a.pdf"), *b = scratch_path(s, "b.pdf");
    for (int k = 0; k < 2; k++) {
        draw_doc *d = doc_open();
        draw_sample_page(d);
        doc_save(d, k ? b : a);
    }
    long size_a, size_b;
    char *bytes_a = file_bytes(a, &size_a), *bytes_b = file_bytes(b, &size_b);
    assert_int_equal(size_a, size_b);
    assert_memory_equal(bytes_a, bytes_b, (size_t)size_a);
    free(bytes_a);
    free(bytes_b);
}

static void test_widths_follow_the_font(void **state)
{
    (void)state;
    draw_doc *d = doc_open();
    assert_true(fabs(draw_text_width(d, "\xe2\x80\x93", DRAW_REGULAR, 10.0) - 5.0) < 1e-6); /* en dash: 1/2 em */
    double a = draw_text_width(d, "a", DRAW_REGULAR, 10.0), b = draw_text_width(d, "b", DRAW_REGULAR, 10.0);
    assert_true(fabs(draw_text_width(d, "ab", DRAW_REGULAR, 10.0) - (a + b)) < 1e-9);
    assert_true(draw_text_width(d, "ab", DRAW_BOLD, 10.0) > a + b);
    assert_true(draw_text_width(d, "", DRAW_REGULAR, 10.0) == 0.0);
    /* Invalid UTF-8, a NUL-free control character and a character beyond the BMP are shown as '?' or space. */
    assert_true(isfinite(draw_text_width(d, "\xff\xfe\x01 \xf0\x9f\x98\x80", DRAW_REGULAR, 10.0)));
    draw_new_page(d, 0);
    draw_text(d, 100, 100, "\xff\xfe\x01 \xf0\x9f\x98\x80 \xc3", DRAW_REGULAR, 10.0, DRAW_CENTER);
    assert_false(draw_failed(d));
    draw_free(d);
}

static void test_wrapping_keeps_lines_within_the_width(void **state)
{
    (void)state;
    draw_doc *d = doc_open();
    const char *text = "the event date is before the start date and a verylongwordthatcannotfitonanylineatall ends";
    const char *starts[16];
    size_t lengths[16];
    size_t n = draw_wrap(d, text, DRAW_REGULAR, 8.0, 80.0, starts, lengths, 16);
    assert_true(n >= 4);
    size_t covered = 0;
    for (size_t i = 0; i < n; i++) {
        char line[128];
        snprintf(line, sizeof line, "%.*s", (int)lengths[i], starts[i]);
        assert_true(draw_text_width(d, line, DRAW_REGULAR, 8.0) <= 80.0 + 1e-9);
        assert_true(lengths[i] > 0);
        covered += lengths[i];
    }
    assert_true(covered >= strlen(text) - n); /* only the spaces between lines are dropped */
    assert_int_equal(draw_wrap(d, "   ", DRAW_REGULAR, 8.0, 80.0, starts, lengths, 16), 0);
    draw_free(d);
}

static void test_long_table_repeats_its_header_on_each_page(void **state)
{
    scratch *s = *state;
    const char *path = scratch_path(s, "table.pdf"), *text = scratch_path(s, "table.txt");
    const char *headers[] = {"Name", "Value\n(unit)", "Note"};
    table *t = table_new("Long table", headers, 3);
    assert_non_null(t);
    for (int r = 0; r < 150; r++) {
        char name[32];
        snprintf(name, sizeof name, "row %d", r);
        table_row *row = table_add_row(t, r % 10 ? TABLE_ROW_LEVEL : TABLE_ROW_HEADING, name);
        table_set_values(row, 1, CELL_NUMBER, 1, r + 0.5, NAN, NAN);
        if (r % 10 == 0)
            table_set_text(t, row, 2, "a note that wraps over more than one line here");
    }
    table_set_wrap(t, 2, 14);
    assert_int_equal(table_error(t), EMBOLO_OK);
    draw_doc *d = doc_open();
    draw_new_page(d, 0);
    draw_table(d, t);
    table_free(t);
    size_t pages = draw_page_count(d);
    assert_true(pages >= 3);
    doc_save(d, path);
    expect_valid_pdf(path);
    char command[512];
    snprintf(command, sizeof command, "pdftotext '%s' '%s' 2>/dev/null", path, text);
    assert_int_equal(system(command), 0);
    long size;
    char *extracted = file_bytes(text, &size);
    size_t continued = 0;
    for (const char *at = extracted; (at = strstr(at, "Long table (continued)")); at++)
        continued++;
    assert_int_equal(continued, pages - 1);
    assert_non_null(strstr(extracted, "row 149"));
    free(extracted);
}

static void test_step_curves_are_thinned_to_the_page(void **state)
{
    scratch *s = *state;
    const char *small = scratch_path(s, "few.pdf"), *large = scratch_path(s, "many.pdf");
    size_t n = 200000;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    size_t *count = malloc(n * sizeof *count);
    assert_non_null(x);
    assert_non_null(y);
    assert_non_null(count);
    for (size_t k = 0; k < n; k++) {
        x[k] = 100.0 * (double)k / (double)n;
        y[k] = 1.0 - (double)k / (double)n;
        count[k] = k % 3 == 0;
    }
    for (int many = 0; many <= 1; many++) {
        draw_doc *d = doc_open();
        draw_new_page(d, 0);
        draw_plot p = {.area = {100, 300, 400, 250}, .font_size = 7};
        p.x = (draw_axis){.min = 0, .max = 100, .step = 20, .decimals = -1};
        p.y = (draw_axis){.min = 0, .max = 1, .step = 0.2, .decimals = 1};
        size_t points = many ? n : 50;
        draw_steps(d, &p, x, y, points, 100, draw_series_pen(1, 1));
        draw_marks(d, &p, x, y, count, points, 3, draw_series_pen(1, 0.7));
        draw_step_band(d, &p, x, y, y, points, 100, draw_series_pen(1, 1), 0.2);
        doc_save(d, many ? large : small);
    }
    /* 200,000 steps on 400 points of width: a few thousand path points, not hundreds of thousands. */
    assert_true(file_size(large) - file_size(small) < 60000);
    free(x);
    free(y);
    free(count);
}

static void test_axis_ticks(void **state)
{
    (void)state;
    double ticks[64];
    draw_axis months = {.min = 0, .max = 84, .step = 12};
    assert_int_equal(draw_axis_ticks(&months, ticks, 64), 8);
    assert_true(ticks[7] == 84.0);
    static const double log_ticks[] = {0.1, 0.2, 0.5, 1, 2, 5, 10};
    draw_axis hr = {.min = 0.5, .max = 5, .ticks = log_ticks, .n_ticks = 7, .log = 1};
    assert_int_equal(draw_axis_ticks(&hr, ticks, 64), 4);
    assert_true(ticks[0] == 0.5 && ticks[3] == 5.0);
    draw_plot p = {.area = {100, 100, 200, 100}, .x = hr, .y = months};
    assert_true(fabs(draw_plot_x(&p, 0.5) - 100.0) < 1e-9);
    assert_true(fabs(draw_plot_x(&p, 5.0) - 300.0) < 1e-9);
    assert_true(fabs(draw_plot_x(&p, sqrt(2.5)) - 200.0) < 1e-9); /* geometric middle */
    assert_true(fabs(draw_plot_y(&p, 42) - 150.0) < 1e-9);
}

static void test_series_differ_in_colour_and_dash(void **state)
{
    (void)state;
    for (size_t i = 0; i < 5; i++)
        for (size_t j = i + 1; j < 5; j++) {
            draw_pen a = draw_series_pen(i, 1), b = draw_series_pen(j, 1);
            assert_true(a.r != b.r || a.g != b.g || a.b != b.b);
            assert_true(a.dash != b.dash);
        }
    draw_pen first = draw_series_pen(0, 1); /* Okabe-Ito blue */
    assert_true(fabs(first.r - 0.0) < 1e-3 && fabs(first.g - 0.447) < 1e-3 && fabs(first.b - 0.698) < 1e-3);
}

static void test_figure_slots_fill_pages(void **state)
{
    (void)state;
    draw_doc *d = doc_open();
    draw_new_page(d, 0);
    draw_heading(d, "Figures");
    draw_box a = draw_slot(d, 2), b = draw_slot(d, 2);
    assert_int_equal(draw_page_count(d), 1);
    assert_true(b.y + b.h < a.y + 1e-9); /* below the first */
    assert_true(fabs(a.h - b.h) < 1e-9);
    draw_box c = draw_slot(d, 2);
    assert_int_equal(draw_page_count(d), 2);
    assert_true(c.h > a.h); /* a fresh page has no heading above its slots */
    draw_new_page(d, 1);
    draw_box q[4];
    for (int k = 0; k < 4; k++)
        q[k] = draw_slot(d, 4);
    assert_int_equal(draw_page_count(d), 3);
    assert_true(fabs(q[0].y - q[1].y) < 1e-9 && q[1].x > q[0].x); /* side by side */
    assert_true(q[2].y < q[0].y && fabs(q[2].x - q[0].x) < 1e-9);
    draw_slot(d, 4);
    assert_int_equal(draw_page_count(d), 4);
    assert_false(draw_failed(d));
    draw_free(d);
}

static void test_missing_fonts_fail_with_the_file_named(void **state)
{
    scratch *s = *state;
    const char *path = scratch_path(s, "nofont.pdf");
    draw_info info = {.title = "t", .creator = "c", .day = 0, .font_dir = "/nonexistent/fonts"};
    draw_doc *d = NULL;
    char message[512] = "";
    assert_int_equal(draw_open(&info, &d), EMBOLO_OK);
    assert_true(draw_failed(d));
    draw_sample_page(d); /* harmless after the failure */
    table *t = table_new("", (const char *const[]){"a"}, 1);
    draw_table(d, t);
    table_free(t);
    assert_int_equal(draw_save(d, path, message, sizeof message), EMBOLO_ERROR_OUTPUT);
    draw_free(d);
    assert_non_null(strstr(message, path));
    assert_non_null(strstr(message, "/nonexistent/fonts/DejaVuSans.ttf"));
    assert_int_equal(file_size(path), -1);
}

static void test_unwritable_path_fails_with_the_file_named(void **state)
{
    (void)state;
    draw_doc *d = doc_open();
    char message[512] = "";
    draw_sample_page(d);
    assert_int_equal(draw_save(d, "/nonexistent-dir/report.pdf", message, sizeof message), EMBOLO_ERROR_OUTPUT);
    draw_free(d);
    assert_non_null(strstr(message, "/nonexistent-dir/report.pdf"));
    assert_non_null(strstr(message, "cannot write"));
}

static void test_caller_failure_is_reported(void **state)
{
    (void)state;
    draw_doc *d = doc_open();
    char message[512] = "";
    draw_new_page(d, 0);
    draw_fail(d, EMBOLO_ERROR_NOMEM);
    draw_fail(d, EMBOLO_ERROR_OUTPUT); /* the first failure wins */
    draw_paragraph(d, "ignored", DRAW_REGULAR, 9, 0);
    assert_int_equal(draw_save(d, "/tmp/never-written.pdf", message, sizeof message), EMBOLO_ERROR_NOMEM);
    draw_free(d);
    assert_non_null(strstr(message, "out of memory"));
    assert_int_equal(file_size("/tmp/never-written.pdf"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_text_with_symbols_is_embedded_and_valid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_the_same_drawing_gives_the_same_bytes, setup, teardown),
        cmocka_unit_test(test_widths_follow_the_font),
        cmocka_unit_test(test_wrapping_keeps_lines_within_the_width),
        cmocka_unit_test_setup_teardown(test_long_table_repeats_its_header_on_each_page, setup, teardown),
        cmocka_unit_test_setup_teardown(test_step_curves_are_thinned_to_the_page, setup, teardown),
        cmocka_unit_test(test_axis_ticks),
        cmocka_unit_test(test_series_differ_in_colour_and_dash),
        cmocka_unit_test(test_figure_slots_fill_pages),
        cmocka_unit_test_setup_teardown(test_missing_fonts_fail_with_the_file_named, setup, teardown),
        cmocka_unit_test(test_unwritable_path_fails_with_the_file_named),
        cmocka_unit_test(test_caller_failure_is_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
