/* The three writers on a hand-made document: one section holding one table with a span, a heading
 * with a value, levels, a total, a suppressed count and estimate, a missing p-value, text that XML and
 * PDF must escape or replace, and a footnote. Read back: the Word document (python-docx) cell by cell,
 * the workbook (ssconvert) with the numbers in their own cells and blanks for what is missing, the
 * report (pdftotext) with the same texts. The writers decide nothing of the content: what the model
 * says is what each file shows. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "render_testutil.h"

typedef struct fixture {
    char dir[64];
    study *s;
    dataset *data;
    exclusion_log *log;
    results *r;
    report_template *t;
    render_input in;
    table *table;
    doc_block blocks[2];
    table *sheet_tables[1];
    doc_sheet sheet;
    document d;
} fixture;

static const char *study_text = "[study]\ntitle = Hand\ntime_unit = months\n"
                                "[endpoint.os]\ntime = t\nstatus = s\nevent_values = 1\ncensor_values = 0\n";

/* Variable | n | Estimate (95% CI) | p, the last two under the span "Model A". */
static table *hand_table(void)
{
    const char *headers[] = {"Variable", "n", "Estimate\n(95% CI)", "p"};
    table *t = table_new("Hand-made table & <friends>", headers, 4);
    assert_non_null(t);
    table_add_span(t, 2, 2, "Model A");
    table_set_parts(t, 2, "Estimate", "Lower 95% CI", "Upper 95% CI");
    table_set_flat_headers(t, "Group", "Level");
    table_row *row = table_add_row(t, TABLE_ROW_HEADING, "Group one");
    table_set_values(row, 3, CELL_P, 3, 0.0004, NAN, NAN);
    row = table_add_row(t, TABLE_ROW_LEVEL, "\xe2\x89\xa4" "50");
    table_set_values(row, 1, CELL_COUNT, 0, 12, NAN, NAN);
    table_set_values(row, 2, CELL_ESTIMATE_CI, 2, 1.5, 0.75, 3.0);
    table_set_values(row, 3, CELL_P, 3, 0.0213, NAN, NAN);
    row = table_add_row(t, TABLE_ROW_LEVEL, "other \x01 \xff level");
    table_set_values(row, 1, CELL_COUNT, 0, 3, NAN, NAN);
    table_suppress(row, 1, 5);
    table_set_values(row, 2, CELL_ESTIMATE_CI, 2, 9.0, 8.0, 10.0);
    table_suppress(row, 2, NAN);
    table_set_values(row, 3, CELL_P, 3, NAN, NAN, NAN);
    row = table_add_row(t, TABLE_ROW_TOTAL, "Total");
    table_set_values(row, 1, CELL_COUNT, 0, 40, NAN, NAN);
    table_set_values(row, 2, CELL_ESTIMATE_CI, 2, 2.0, NAN, 4.0);
    table_add_footnote(t, "A \"quoted\" note, with <angle> & ampersand.");
    assert_int_equal(table_error(t), EMBOLO_OK);
    return t;
}

static int setup(void **state)
{
    static fixture f;
    char message[256];
    memset(&f, 0, sizeof f);
    snprintf(f.dir, sizeof f.dir, "/tmp/test_writers.XXXXXX");
    assert_non_null(mkdtemp(f.dir));
    assert_int_equal(study_parse(study_text, strlen(study_text), "hand.ini", &f.s, message, sizeof message), EMBOLO_OK);
    assert_int_equal(dataset_new(f.s, 1, &f.data), EMBOLO_OK);
    f.data->n = f.data->rows_read = 0;
    assert_non_null(f.log = exclusion_log_new());
    assert_non_null(f.r = results_new());
    assert_int_equal(template_default(&f.t), EMBOLO_OK);
    f.in = (render_input){.version = "9.9", .study = f.s, .data = f.data, .log = f.log, .results = f.r,
                          .template = f.t, .input_path = "hand.csv", .input_sha256 = "0", .study_sha256 = "0"};
    f.table = hand_table();
    f.blocks[0] = (doc_block){.kind = DOC_SECTION, .text = "Hand-made section"};
    f.blocks[1] = (doc_block){.kind = DOC_TABLE, .table = f.table};
    f.sheet_tables[0] = f.table;
    f.sheet = (doc_sheet){.name = "Hand", .kind = SHEET_SUMMARY, .tables = f.sheet_tables, .n_tables = 1};
    build_context_init(&f.d.build, &f.in);
    f.d.title = "Hand & title";
    f.d.footer = "Hand";
    f.d.blocks = f.blocks;
    f.d.n_blocks = 2;
    f.d.sheets = &f.sheet;
    f.d.n_sheets = 1;
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    char command[128];
    snprintf(command, sizeof command, "rm -rf '%s'", f->dir);
    assert_int_equal(system(command), 0);
    table_free(f->table);
    dataset_free(f->data);
    exclusion_log_free(f->log);
    results_free(f->r);
    template_free(f->t);
    study_free(f->s);
    return 0;
}

static void write_file(fixture *f, test_writer write, const char *name, char *path, size_t size)
{
    char message[512] = "";
    snprintf(path, size, "%s/%s", f->dir, name);
    embolo_error err = write(&f->d, path, message, sizeof message);
    if (err != EMBOLO_OK)
        print_error("%s\n", message);
    assert_int_equal(err, EMBOLO_OK);
}

/* The Word table: a row of spans, the header, then every row as the model's text. */
static void test_word(void **state)
{
    fixture *f = *state;
    char path[128];
    static const char *const want[][4] = {
        {"", "", "Model A", ""},
        {"Variable", "n", "Estimate (95% CI)", "p"},
        {"Group one", "", "", "<0.001"},
        {"\xe2\x89\xa4" "50", "12", "1.50 (0.75\xe2\x80\x93" "3.00)", "0.021"},
        {"other   \xef\xbf\xbd level", "<5", "\xe2\x80\x94", "NA"},
        {"Total", "40", "2.00 (NA\xe2\x80\x93" "4.00)", ""},
    };
    write_file(f, docx_write, "hand.docx", path, sizeof path);
    if (test_under_valgrind())
        return;
    test_docx *d = test_docx_read(path);
    assert_int_equal(d->n, 1);
    const test_docx_table *t = &d->tables[0];
    assert_string_equal(t->title, "Hand-made table & <friends>");
    assert_int_equal(t->n_rows, 6);
    /* python-docx repeats a spanning cell once per column it covers: the span row has 3 distinct cells. */
    assert_string_equal(test_docx_cell(t, 0, 2), "Model A");
    for (size_t row = 1; row < 6; row++)
        for (size_t c = 0; c < 4; c++)
            assert_string_equal(test_docx_cell(t, row, c), want[row][c]);
    assert_int_equal(t->n_notes, 1);
    assert_string_equal(t->notes[0], "A \"quoted\" note, with <angle> & ampersand.");
    test_docx_free(d);
}

/* The workbook: the group in its own column, each number in a numeric cell of its own, missing ones
 * blank (never "NA"), the suppressed count "<5" and its estimate blank. */
static void test_workbook(void **state)
{
    fixture *f = *state;
    char path[128], command[512];
    write_file(f, xlsx_write, "hand.xlsx", path, sizeof path);
    if (test_under_valgrind())
        return;
    snprintf(command, sizeof command, "python3 tests/fixtures/workbook/check_xlsx.py '%s' --print --numeric 'Hand:4:2:6'",
             path);
    assert_int_equal(system(command), 0);
    snprintf(command, sizeof command, "ssconvert --export-type=Gnumeric_stf:stf_csv '%s' fd://1", path);
    char *csv = test_command_output(command);
    assert_non_null(csv);
    static const char *const lines[] = {
        "\"Hand-made table & <friends>\",,,,,,",
        ",,,\"Model A\",,,",
        "Group,Level,n,Estimate,\"Lower 95% CI\",\"Upper 95% CI\",p",
        "\"Group one\",,,,,,0.0004",
        "\"Group one\",\342\211\24450,12,1.5,0.75,3,0.0213", /* "≤50" */
        "\"Group one\",\"other   \xef\xbf\xbd level\",<5,,,,",
        ",Total,40,2,,4,",
        "\"A \"\"quoted\"\" note, with <angle> & ampersand.\",,,,,,",
    };
    char *line = NULL;
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        line = strtok(line ? NULL : csv, "\n");
        if (i == 1) /* the note on blank cells, under the title */
            line = strtok(NULL, "\n");
        assert_non_null(line);
        if (strcmp(line, lines[i]))
            print_error("line %zu: %s\n    want: %s\n", i, line, lines[i]);
        assert_string_equal(line, lines[i]);
    }
    free(csv);
}

/* The report: the title and each row's texts as the model shows them, the footnote under it. */
static void test_report(void **state)
{
    fixture *f = *state;
    char path[128], command[256];
    static const char *const texts[] = {"Hand-made table & <friends>", "Model A", "Group one", "<0.001",
                                        "1.50 (0.75\xe2\x80\x93" "3.00)", "0.021", "<5", "\xe2\x80\x94",
                                        "2.00 (NA\xe2\x80\x93" "4.00)", "A \"quoted\" note, with <angle> & ampersand.",
                                        "Hand-made section"};
    write_file(f, pdf_write, "hand.pdf", path, sizeof path);
    if (test_under_valgrind())
        return;
    snprintf(command, sizeof command, "pdftotext -layout '%s' -", path);
    char *text = test_command_output(command);
    assert_non_null(text);
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        if (!strstr(text, texts[i]))
            print_error("the report lacks '%s'\n", texts[i]);
        assert_non_null(strstr(text, texts[i]));
    }
    free(text);
}

/* A file that cannot be created: each writer names it. */
static void test_failures_name_the_file(void **state)
{
    fixture *f = *state;
    const test_writer writers[] = {pdf_write, xlsx_write, docx_write};
    for (size_t k = 0; k < 3; k++) {
        char message[512] = "";
        assert_int_equal(writers[k](&f->d, "/nonexistent-embolo-dir/file", message, sizeof message),
                         EMBOLO_ERROR_OUTPUT);
        assert_non_null(strstr(message, "/nonexistent-embolo-dir/file"));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_word),
        cmocka_unit_test(test_workbook),
        cmocka_unit_test(test_report),
        cmocka_unit_test(test_failures_name_the_file),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
