/* The figure files end to end (issue 16): a run of the round-2 sample with its procedures on a
 * template that asks for every kind of figure in every format (tests/fixtures/figures/figures.ini,
 * 72 dpi). figures/index.csv lists every file with its number, title, endpoint, variable, size and dpi;
 * check_figures.py checks each file against it (raster size in pixels = mm / 25.4 * dpi and the dpi
 * recorded, TIFF LZW, SVG as XML with its text, EPS bounding box, qpdf, pdfinfo, embedded fonts) and
 * compares one PNG per kind with its golden (tests/fixtures/figures/golden/, within a per-pixel
 * tolerance); the numbers at risk of a Kaplan-Meier figure (PDF text and SVG text) are counted again
 * from patients.csv, its medians and tests are those of results.csv; the curve figures' plots align;
 * a second run gives the same bytes; under share the procedures' figures name no operator or date.
 * The pipeline runs in this process, so valgrind checks the drawing (the other programs are skipped
 * under valgrind). To renew the goldens after a deliberate change of the drawing:
 * /usr/bin/python3 tests/fixtures/figures/check_figures.py OUT/figures --golden tests/fixtures/figures/golden --update */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcntl.h>
#include <unistd.h>
#include <gsl/gsl_cdf.h>

#include "testutil.h"
#include "e2eutil.h"
#include "common/text.h"
#include "driver.h"
#include "render/figure.h"
#include "render/writers.h"

#define FIGURES_FIXTURES "tests/fixtures/figures/"
#define CHECK_FIGURES "/usr/bin/python3 " FIGURES_FIXTURES "check_figures.py"

typedef struct fixture {
    char dir[64], again[64];
    csv_file index;
} fixture;

/* ---- helpers ---- */

static void run_template(char *dir, size_t size, const char *template_path)
{
    char message[512] = "";
    snprintf(dir, size, "/tmp/test_figures.XXXXXX");
    assert_non_null(mkdtemp(dir));
    driver_options options = {.command = DRIVER_RUN, .study_path = FIGURES_FIXTURES "net_sample_155.figures.study.ini",
                              .input_path = FIXTURES "net_sample_155.csv",
                              .template_path = template_path, .out_dir = dir, .quiet = 1};
    embolo_error err = driver_run(&options, message, sizeof message);
    if (err != EMBOLO_OK)
        print_error("driver_run: %s\n", message);
    assert_int_equal(err, EMBOLO_OK);
}

static void run_figures_into(char *dir, size_t size)
{
    run_template(dir, size, FIGURES_FIXTURES "figures.ini");
}

static char *output_of(const char *command)
{
    FILE *pipe = popen(command, "r");
    assert_non_null(pipe);
    size_t size = 0, capacity = 1 << 16;
    char *text = malloc(capacity);
    assert_non_null(text);
    for (size_t got; (got = fread(text + size, 1, capacity - size - 1, pipe)) > 0;) {
        size += got;
        if (size + 1 == capacity) {
            capacity *= 2;
            assert_non_null(text = realloc(text, capacity));
        }
    }
    text[size] = '\0';
    pclose(pipe);
    return text;
}

/* The file of index.csv whose name ends in suffix (after its number), e.g. "-hpfs-by-grade.pdf". */
static const char *figure_file(const fixture *f, const char *suffix)
{
    for (size_t r = 1; r < f->index.n; r++) {
        const char *name = csv_get(&f->index, r, 0);
        size_t n = strlen(name), k = strlen(suffix);
        if (n > k && !strcmp(name + n - k, suffix) && strspn(name, "0123456789") == n - k)
            return name;
    }
    print_error("no figure file *%s in index.csv\n", suffix);
    fail();
    return "";
}

/* The pdftotext -layout text of a figure file. */
static char *pdf_text(const fixture *f, const char *name)
{
    char command[400];
    snprintf(command, sizeof command, "pdftotext -layout '%s/figures/%s' - 2>/dev/null", f->dir, name);
    return output_of(command);
}

static double result_value(const char *dir, const char *const key[6])
{
    char path[128];
    csv_file results;
    double value = NAN;
    snprintf(path, sizeof path, "%s/results.csv", dir);
    csv_load(path, &results);
    for (size_t r = 1; r < results.n && isnan(value); r++) {
        int match = 1;
        for (size_t c = 0; c < 6; c++)
            match = match && !strcmp(csv_get(&results, r, c), key[c]);
        if (match)
            value = strtod(csv_get(&results, r, 6), NULL);
    }
    csv_free(&results);
    if (isnan(value))
        print_error("no result %s,%s,%s,%s,%s,%s\n", key[0], key[1], key[2], key[3], key[4], key[5]);
    assert_false(isnan(value));
    return value;
}

static void expect_text(const char *text, const char *fragment, const char *where)
{
    if (!strstr(text, fragment))
        print_error("%s lacks '%s'\n", where, fragment);
    assert_non_null(strstr(text, fragment));
}

/* The patients of a grade at risk at time t of the endpoint hpfs (time >= t), from patients.csv. */
static long at_risk(const csv_file *patients, const char *grade, double t)
{
    size_t time = csv_column(patients, "hpfs_time"), level = csv_column(patients, "grade");
    long n = 0;
    for (size_t r = 1; r < patients->n; r++)
        n += !strcmp(csv_get(patients, r, level), grade) && strtod(csv_get(patients, r, time), NULL) >= t - 1e-9;
    return n;
}

/* ---- setup ---- */

static int setup(void **state)
{
    static fixture f;
    char path[128];
    memset(&f, 0, sizeof f);
    run_figures_into(f.dir, sizeof f.dir);
    snprintf(path, sizeof path, "%s/figures/index.csv", f.dir);
    csv_load(path, &f.index);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    csv_free(&f->index);
    remove_tree(f->dir);
    if (f->again[0])
        remove_tree(f->again);
    return 0;
}

/* ---- tests ---- */

/* index.csv: its header, five formats of every figure, numbered as the files are, the kinds' sizes,
 * dpi for raster files only. */
static void test_index(void **state)
{
    const fixture *f = *state;
    const char *header[] = {"file", "figure", "title", "endpoint", "variable", "width_mm", "height_mm", "dpi", "format"};
    assert_int_equal(f->index.records[0].n, 9);
    for (size_t c = 0; c < 9; c++)
        assert_string_equal(csv_get(&f->index, 0, c), header[c]);
    assert_true(f->index.n > 5 * 30);
    assert_int_equal((f->index.n - 1) % 5, 0);
    for (size_t r = 1; r < f->index.n; r++) {
        const char *name = csv_get(&f->index, r, 0), *format = csv_get(&f->index, r, 8);
        int raster = !strcmp(format, "png") || !strcmp(format, "tiff");
        assert_int_equal(atoi(name), atoi(csv_get(&f->index, r, 1)));
        assert_int_equal(atoi(csv_get(&f->index, r, 1)), (int)((r - 1) / 5 + 1));
        assert_string_equal(csv_get(&f->index, r, 7), raster ? "72" : "NA");
        assert_string_equal(strrchr(name, '.') + 1, format);
        assert_string_equal(csv_get(&f->index, r, 5), "174.00");
    }
    const char *km = figure_file(f, "-hpfs-by-grade.png");
    assert_string_equal(cell_of(&f->index, km, "endpoint"), "hpfs");
    assert_string_equal(cell_of(&f->index, km, "variable"), "grade");
    assert_string_equal(cell_of(&f->index, km, "height_mm"), "130.00");
    assert_string_equal(cell_of(&f->index, km, "title"), "Hepatic progression-free survival by WHO grade");
    assert_string_equal(cell_of(&f->index, figure_file(f, "-cusum.svg"), "endpoint"), "");
    figure_file(f, "-hp-cif-by-grade.eps");
    figure_file(f, "-hpfs-subgroup-forest.tiff");
    figure_file(f, "-funnel.pdf");
    figure_file(f, "-volume.png");
}

/* Every file against index.csv, and one PNG per kind against its golden. */
static void test_files_and_goldens(void **state)
{
    const fixture *f = *state;
    char command[300];
    if (test_under_valgrind())
        skip();
    snprintf(command, sizeof command, CHECK_FIGURES " '%s/figures' --golden " FIGURES_FIXTURES "golden 2>&1", f->dir);
    char *report = output_of(command);
    if (!strstr(report, " 0 problems"))
        print_error("%s", report);
    assert_non_null(strstr(report, " 0 problems"));
    free(report);
}

/* The numbers at risk of the KM figure by grade, in its PDF and its SVG, are the patients of each grade
 * whose time is at least the tick's; its medians and log-rank p are results.csv's. */
static void test_km_numbers(void **state)
{
    const fixture *f = *state;
    const char *pdf = figure_file(f, "-hpfs-by-grade.pdf"), *grades[] = {"G1", "G2", "G3"};
    char path[300], line[64], label[64];
    csv_file patients;
    if (test_under_valgrind())
        skip();
    snprintf(path, sizeof path, "%s/patients.csv", f->dir);
    csv_load(path, &patients);
    char *text = pdf_text(f, pdf);
    snprintf(path, sizeof path, "%s/figures/%.*s.svg", f->dir, (int)(strlen(pdf) - 4), pdf);
    char *svg = test_file_read(path, NULL);
    assert_non_null(svg);
    const char *table = strstr(text, "Number at risk");
    assert_non_null(table);
    for (size_t g = 0; g < 3; g++) {
        const char *row = strstr(table, grades[g]);
        assert_non_null(row);
        for (int k = 0; k <= 7; k++) {
            long want = at_risk(&patients, grades[g], 12.0 * k), got = 0;
            int used = 0;
            row += strcspn(row, " ");
            assert_int_equal(sscanf(row, "%ld%n", &got, &used), 1);
            row += used;
            if (got != want)
                print_error("%s at %d months: %ld at risk in the figure, %ld in patients.csv\n", grades[g], 12 * k, got,
                            want);
            assert_int_equal(got, want);
            snprintf(line, sizeof line, ">%ld</text>", want);
            expect_text(svg, line, "the SVG");
        }
        const char *key[6] = {"km", "hpfs", "unweighted", "grade", grades[g], "median"};
        snprintf(label, sizeof label, "%s (n = %ld; median %.1f)", grades[g], at_risk(&patients, grades[g], 0.0),
                 result_value(f->dir, key));
        expect_text(text, label, pdf);
    }
    expect_text(text, "Log-rank p < 0.001", pdf);
    free(svg);
    free(text);
    csv_free(&patients);
}

/* The weighted KM figure: the IPTW robust score test (chi-square with levels - 1 df and its p) and
 * the unweighted numbers at risk; the CIF figure: Gray's p. */
static void test_tests_named(void **state)
{
    const fixture *f = *state;
    char want[160];
    if (test_under_valgrind())
        skip();
    const char *weighted = figure_file(f, "-hpfs-weighted-by-modality.pdf");
    char *text = pdf_text(f, weighted);
    const char *score[6] = {"cox", "hpfs", "weighted_univariate", "", "", "robust_score_chisq"};
    double chisq = result_value(f->dir, score);
    snprintf(want, sizeof want, "IPTW robust score test: \xcf\x87\xc2\xb2(2) = %.2f, p = %.3f", chisq,
             gsl_cdf_chisq_Q(chisq, 2.0));
    expect_text(text, want, weighted);
    expect_text(text, "Number at risk (unweighted)", weighted);
    free(text);
    const char *cif = figure_file(f, "-hp-cif-by-grade.pdf");
    const char *gray[6] = {"gray", "hp", "", "grade", "", "p"};
    text = pdf_text(f, cif);
    snprintf(want, sizeof want, "Gray's test p = %.3f", result_value(f->dir, gray));
    expect_text(text, want, cif);
    free(text);
}

/* The x position of the text element holding exactly text in an SVG (NAN if none). */
static double svg_text_x(const char *svg, const char *text)
{
    char needle[128];
    snprintf(needle, sizeof needle, ">%s</text>", text);
    const char *at = strstr(svg, needle);
    while (at && at > svg && strncmp(at, "<text x=\"", 9))
        at--;
    return at && at > svg ? strtod(at + 9, NULL) : NAN;
}

/* Every Kaplan-Meier and cumulative-incidence figure has its plot at the same x origin and width:
 * the x axis title, centred under the plot, starts at the same x in each (whatever its legend and
 * risk-table labels). */
static void test_plots_aligned(void **state)
{
    const fixture *f = *state;
    double first = NAN;
    size_t curves = 0;
    for (size_t r = 1; r < f->index.n; r++) {
        char path[300];
        if (strcmp(csv_get(&f->index, r, 8), "svg"))
            continue;
        snprintf(path, sizeof path, "%s/figures/%s", f->dir, csv_get(&f->index, r, 0));
        char *svg = test_file_read(path, NULL);
        assert_non_null(svg);
        double x = svg_text_x(svg, "Time (months)");
        free(svg);
        if (isnan(x))
            continue;
        first = curves++ ? first : x;
        if (fabs(x - first) > 0.005)
            print_error("%s: the x axis title at %g, the first figure's at %g\n", path, x, first);
        assert_true(fabs(x - first) <= 0.005);
    }
    assert_int_equal(curves, 3 * 6 + 6);  /* 3 endpoints' KM figures (all, 4 variables, weighted), 6 CIF */
}

/* A second run of the same inputs writes the same bytes in every figure file. */
static void test_reruns_identical(void **state)
{
    fixture *f = *state;
    run_figures_into(f->again, sizeof f->again);
    for (size_t r = 1; r < f->index.n; r++) {
        char a[300], b[300];
        size_t size_a = 0, size_b = 0;
        snprintf(a, sizeof a, "%s/figures/%s", f->dir, csv_get(&f->index, r, 0));
        snprintf(b, sizeof b, "%s/figures/%s", f->again, csv_get(&f->index, r, 0));
        char *first = test_file_read(a, &size_a), *second = test_file_read(b, &size_b);
        assert_non_null(first);
        assert_non_null(second);
        if (size_a != size_b || memcmp(first, second, size_a))
            print_error("%s differs between two runs\n", csv_get(&f->index, r, 0));
        assert_true(size_a == size_b && !memcmp(first, second, size_a));
        free(first);
        free(second);
    }
}

/* Whether text holds a date, YYYY-MM-DD. */
static int has_date(const char *text)
{
    for (const char *at = text; (at = strchr(at, '-')) != NULL; at++)
        if (at - text >= 4 && strspn(at - 4, "0123456789") == 4 && strspn(at + 1, "0123456789") == 2 && at[3] == '-')
            return 1;
    return 0;
}

/* Under share the procedures' figures name no operator (the funnel's points are unlabelled) and show
 * no procedure's date (the CUSUM's signals and its date labels). */
static void test_share_hides_operators_and_dates(void **state)
{
    (void)state;
    char dir[64], path[300];
    csv_file index;
    run_template(dir, sizeof dir, FIGURES_FIXTURES "share.ini");
    snprintf(path, sizeof path, "%s/figures/index.csv", dir);
    csv_load(path, &index);
    assert_int_equal(index.n, 4);
    for (size_t r = 1; r < index.n; r++) {
        snprintf(path, sizeof path, "%s/figures/%s", dir, csv_get(&index, r, 0));
        char *svg = test_file_read(path, NULL);
        assert_non_null(svg);
        if (strstr(svg, "IR-0") || has_date(svg))
            print_error("%s names an operator or a date\n", path);
        assert_null(strstr(svg, "IR-0"));
        assert_false(has_date(svg));
        free(svg);
    }
    assert_non_null(strstr(csv_get(&index, 2, 0), "-funnel.svg"));
    csv_free(&index);
    remove_tree(dir);
}

/* A forest plot too narrow for its columns of numbers leaves the last ones out and says so in its
 * title; the plot keeps its hazard ratio axis. */
static void test_narrow_forest_says_what_it_leaves_out(void **state)
{
    (void)state;
    char dir[64], command[300];
    run_template(dir, sizeof dir, FIGURES_FIXTURES "narrow.ini");
    if (!test_under_valgrind()) {
        snprintf(command, sizeof command, "pdftotext '%s/figures/01-hpfs-forest.pdf' - 2>/dev/null | tr '\\n' ' '", dir);
        char *text = output_of(command);
        expect_text(text, "(too narrow for some of its columns: see the tables)", "the 84 mm forest");
        expect_text(text, "Hazard ratio (log scale)", "the 84 mm forest");
        expect_text(text, "Multivariable", "the 84 mm forest");
        free(text);
    }
    remove_tree(dir);
}

/* ---- the figures drawn in parallel (figures_write_threads) on a hand-made document ---- */

typedef struct hand {
    study *s;
    dataset *data;
    results *r;
    report_template *t;
    render_input in;
    document d;
} hand;

static const char *hand_study = "[study]\ntitle = Hand\ntime_unit = months\n"
                                "[endpoint.os]\ntime = t\nstatus = s\nevent_values = 1\ncensor_values = 0\n";

/* A figure of one panel with a line through points, number from 1; width_mm 0: the kind's. */
static figure *hand_figure(const report_template *t, size_t number, double width_mm)
{
    static const double x[] = {0, 2, 5, 9}, y[] = {1, 0.8, 0.55, 0.3};
    figure *f = figure_new(t, FIGURE_KIND_KM);
    assert_non_null(f);
    figure_panel *panel = figure_alloc(f, 1, sizeof *panel);
    figure_series *series = figure_alloc(f, 1, sizeof *series);
    assert_non_null(panel);
    assert_non_null(series);
    *series = (figure_series){.kind = SERIES_LINE, .label = "Line", .pen = {.width = 1, .r = 0.2}, .n = 4,
                              .x = figure_values(f, x, 4), .y = figure_values(f, y, 4)};
    panel->x = (figure_axis){.min = 0, .max = 10, .step = 2, .title = "Months"};
    panel->y = (figure_axis){.min = 0, .max = 1, .step = 0.2, .decimals = 1, .title = "Survival"};
    panel->series = series;
    panel->n_series = 1;
    f->panels = panel;
    f->n_panels = 1;
    f->number = number;
    f->title = figure_text(f, "Hand figure %zu", number);
    f->what = figure_text(f, "hand-%zu", number);
    f->width_mm = width_mm > 0 ? width_mm : f->width_mm;
    assert_int_equal(f->error, EMBOLO_OK);
    return f;
}

static int hand_setup(void **state)
{
    static hand h;
    char message[256];
    memset(&h, 0, sizeof h);
    assert_int_equal(study_parse(hand_study, strlen(hand_study), "hand.ini", &h.s, message, sizeof message),
                     EMBOLO_OK);
    assert_int_equal(dataset_new(h.s, 1, &h.data), EMBOLO_OK);
    assert_non_null(h.r = results_new());
    assert_int_equal(template_default(&h.t), EMBOLO_OK);
    h.t->figure_formats = 1u << DRAW_FORMAT_PDF | 1u << DRAW_FORMAT_PNG | 1u << DRAW_FORMAT_SVG;
    h.t->dpi = 72;
    h.in = (render_input){.version = "9.9", .study = h.s, .data = h.data, .results = h.r, .template = h.t};
    build_context_init(&h.d.build, &h.in);
    *state = &h;
    return 0;
}

static int hand_teardown(void **state)
{
    hand *h = *state;
    figure_list_free(&h->d.figures);
    dataset_free(h->data);
    results_free(h->r);
    template_free(h->t);
    study_free(h->s);
    return 0;
}

/* Writes the hand document's figures with threads drawing into a new directory (dir); the error. */
static embolo_error hand_write(hand *h, size_t threads, char *dir, size_t size, char *message, size_t message_size)
{
    snprintf(dir, size, "/tmp/test_figures_hand.XXXXXX");
    assert_non_null(mkdtemp(dir));
    int dir_fd = open(dir, O_RDONLY | O_DIRECTORY);
    assert_true(dir_fd >= 0);
    outdir *out = outdir_new(dir_fd, dir, "out");
    assert_non_null(out);
    embolo_error err = figures_write_threads(&h->d, out, threads, message, message_size);
    outdir_free(out);
    close(dir_fd);
    return err;
}

static void hand_figures(hand *h, const double *widths_mm, size_t n)
{
    figure_list_free(&h->d.figures);
    memset(&h->d.figures, 0, sizeof h->d.figures);
    for (size_t i = 0; i < n; i++)
        figure_list_add(&h->d.figures, hand_figure(h->t, i + 1, widths_mm[i]));
    assert_int_equal(h->d.figures.error, EMBOLO_OK);
}

/* Nine figures drawn on one thread and on 2, 3 and 8: the same files, byte for byte, and the same
 * index. */
static void test_parallel_same_files(void **state)
{
    hand *h = *state;
    static const double widths[] = {0, 120, 0, 90, 0, 150, 0, 100, 0};
    static test_set one, many;
    char dir[64], other[64], path[128], message[512] = "";
    hand_figures(h, widths, sizeof widths / sizeof widths[0]);
    assert_int_equal(hand_write(h, 1, dir, sizeof dir, message, sizeof message), EMBOLO_OK);
    snprintf(path, sizeof path, "%s/figures", dir);
    assert_true(test_set_take(path, &one));
    assert_int_equal(one.n, 9 * 3 + 1);
    for (size_t threads = 2; threads <= 8; threads += threads < 3 ? 1 : 5) {
        if (hand_write(h, threads, other, sizeof other, message, sizeof message) != EMBOLO_OK)
            print_error("%zu threads: %s\n", threads, message);
        snprintf(path, sizeof path, "%s/figures", other);
        assert_true(test_set_take(path, &many));
        assert_true(test_set_compare(&one, &many, NULL, 0));
        test_set_free(&many);
        remove_tree(other);
    }
    test_set_free(&one);
    remove_tree(dir);
}

/* Figures 3 and 5 of six cannot be drawn as PNG (too wide for a raster image): on any number of
 * threads the failure reported is figure 3's, naming its file. */
static void test_parallel_first_failure(void **state)
{
    hand *h = *state;
    static const double widths[] = {0, 0, 30000, 0, 30000, 0};
    char dir[64];
    hand_figures(h, widths, sizeof widths / sizeof widths[0]);
    for (size_t threads = 1; threads <= 4; threads++) {
        char message[512] = "";
        assert_int_equal(hand_write(h, threads, dir, sizeof dir, message, sizeof message),
                         EMBOLO_ERROR_INVALID_ARGUMENT);
        if (!strstr(message, "out/figures/03-hand-3.png: the figure failed while sizing the image"))
            print_error("%zu threads: %s\n", threads, message);
        assert_non_null(strstr(message, "out/figures/03-hand-3.png: the figure failed while sizing the image"));
        remove_tree(dir);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_index),
        cmocka_unit_test(test_files_and_goldens),
        cmocka_unit_test(test_km_numbers),
        cmocka_unit_test(test_tests_named),
        cmocka_unit_test(test_plots_aligned),
        cmocka_unit_test(test_reruns_identical),
        cmocka_unit_test(test_share_hides_operators_and_dates),
        cmocka_unit_test(test_narrow_forest_says_what_it_leaves_out),
        cmocka_unit_test_setup_teardown(test_parallel_same_files, hand_setup, hand_teardown),
        cmocka_unit_test_setup_teardown(test_parallel_first_failure, hand_setup, hand_teardown),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
