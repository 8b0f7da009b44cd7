/* The share template: every cell of the workbook (read back by gnumeric's ssconvert) and every line
 * of the report's text is free of patient identifiers and dates, and no count from 1 to 4 appears in
 * a column of counts; the Patients sheet is absent. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <csv.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#define SAMPLE "tests/fixtures/data/net_sample_155"
#define MAX_COLUMNS 128

typedef struct sheet_reader {
    const char *sheet;
    size_t row, column;
    int counted[MAX_COLUMNS];  /* the column is headed n, events, n at risk, deaths or patients */
    char (*ids)[32];
    size_t n_ids;
    size_t cells, violations;
} sheet_reader;

static int is_count_heading(const char *text)
{
    static const char *const headings[] = {"n", "events", "n at risk", "deaths", "patients"};
    for (size_t i = 0; i < sizeof headings / sizeof headings[0]; i++)
        if (!strcasecmp(text, headings[i]))
            return 1;
    return 0;
}

/* YYYY-MM-DD or D/M/YYYY anywhere in the text. */
static int has_date(const char *text)
{
    for (const char *c = text; *c; c++) {
        int y, m, d, used = 0;
        if ((sscanf(c, "%4d-%2d-%2d%n", &y, &m, &d, &used) == 3 && used == 10) ||
            (sscanf(c, "%2d/%2d/%4d%n", &d, &m, &y, &used) == 3 && used >= 8))
            return 1;
    }
    return 0;
}

static void violation(sheet_reader *r, const char *what, const char *text)
{
    print_error("%s, row %zu, column %zu: %s '%s'\n", r->sheet, r->row + 1, r->column + 1, what, text);
    r->violations++;
}

static void on_cell(void *data, size_t length, void *user)
{
    sheet_reader *r = user;
    const char *text = data ? data : "";
    (void)length;
    r->cells++;
    if (r->column < MAX_COLUMNS && r->row < 2 && is_count_heading(text))
        r->counted[r->column] = 1;
    for (size_t i = 0; i < r->n_ids; i++)
        if (strstr(text, r->ids[i]))
            violation(r, "patient identifier", text);
    if (has_date(text))
        violation(r, "date", text);
    char *end;
    double number = strtod(text, &end);
    if (r->column < MAX_COLUMNS && r->counted[r->column] && r->row >= 1 && end != text && !*end && number >= 1 &&
        number <= 4)
        violation(r, "count below 5", text);
    r->column++;
}

static void on_row(int terminator, void *user)
{
    sheet_reader *r = user;
    (void)terminator;
    r->row++;
    r->column = 0;
}

/* The patient_id column of the input. */
static size_t read_ids(char (*ids)[32], size_t capacity)
{
    FILE *file = fopen(SAMPLE ".csv", "r");
    char line[4096];
    size_t n = 0;
    assert_non_null(file);
    assert_non_null(fgets(line, sizeof line, file));
    while (n < capacity && fgets(line, sizeof line, file)) {
        size_t length = strcspn(line, ",");
        assert_true(length > 0 && length < 32);
        memcpy(ids[n], line, length);
        ids[n++][length] = '\0';
    }
    fclose(file);
    return n;
}

typedef struct share_run {
    char dir[64];
    char out[128];
    char (*ids)[32];
    size_t n_ids;
} share_run;

static int run_setup(void **state)
{
    static share_run run;
    snprintf(run.dir, sizeof run.dir, "/tmp/embolo-share-XXXXXX");
    if (!mkdtemp(run.dir))
        return -1;
    snprintf(run.out, sizeof run.out, "%s/out", run.dir);
    run.ids = calloc(1000, sizeof *run.ids);
    if (!run.ids)
        return -1;
    run.n_ids = read_ids(run.ids, 1000);
    const char *bin = getenv("EMBOLO_BIN");
    if (!bin)
        return -1;
    char *argv[] = {(char *)bin, "run", "--study", SAMPLE ".study.ini", "--input", SAMPLE ".csv", "--template",
                    "templates/share.ini", "--out", run.out, "--quiet", NULL};
    if (test_run_program(bin, argv, NULL, NULL) != 0)
        return -1;
    *state = &run;
    return 0;
}

static int run_teardown(void **state)
{
    share_run *run = *state;
    char command[256];
    snprintf(command, sizeof command, "rm -rf '%s'", run->dir);
    free(run->ids);
    return system(command) == 0 ? 0 : -1;
}

static size_t check_sheet(const share_run *run, const char *path, const char *name)
{
    struct csv_parser parser;
    sheet_reader reader = {.sheet = name, .ids = run->ids, .n_ids = run->n_ids};
    size_t size = 0;
    char *text = test_file_read(path, &size);
    assert_non_null(text);
    assert_int_equal(csv_init(&parser, CSV_APPEND_NULL), 0);
    assert_int_equal(csv_parse(&parser, text, size, on_cell, on_row, &reader), size);
    csv_fini(&parser, on_cell, on_row, &reader);
    csv_free(&parser);
    free(text);
    assert_int_equal(reader.violations, 0);
    return reader.cells;
}

static void test_workbook_cells_are_safe_to_share(void **state)
{
    share_run *run = *state;
    char book[192], pattern[192], sheets_dir[160];
    if (test_under_valgrind())
        skip();
    snprintf(book, sizeof book, "%s/tables.xlsx", run->out);
    snprintf(sheets_dir, sizeof sheets_dir, "%s/sheets", run->dir);
    assert_int_equal(mkdir(sheets_dir, 0777), 0);
    snprintf(pattern, sizeof pattern, "%s/%%n.csv", sheets_dir);
    char *argv[] = {"ssconvert", "-S", "--export-type=Gnumeric_stf:stf_csv", book, pattern, NULL};
    assert_int_equal(test_run_program("/usr/bin/ssconvert", argv, "/dev/null", "/dev/null"), 0);
    DIR *dir = opendir(sheets_dir);
    struct dirent *entry;
    size_t sheets = 0, cells = 0;
    assert_non_null(dir);
    while ((entry = readdir(dir))) {
        char path[512];
        if (entry->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", sheets_dir, entry->d_name);
        cells += check_sheet(run, path, entry->d_name);
        sheets++;
    }
    closedir(dir);
    assert_int_equal(sheets, 5); /* summary, two subgroup sheets, cox, table1: no Patients sheet */
    assert_true(cells > 500);
}

static void test_the_checks_catch_what_they_look_for(void **state)
{
    (void)state;
    assert_true(has_date("seen 2012-01-31"));
    assert_true(has_date("3/12/2011"));
    assert_false(has_date("12.5 (3.1-20.0)"));
    assert_true(is_count_heading("Events"));
    assert_false(is_count_heading("HR"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_checks_catch_what_they_look_for),
        cmocka_unit_test(test_workbook_cells_are_safe_to_share),
    };
    return cmocka_run_group_tests(tests, run_setup, run_teardown);
}
