/* End to end (EMBOLO_BIN), issue 13 in the documents: what the report (pdftotext), the workbook
 * (ssconvert) and the Word tables (python-docx) say. Values that match no level in one table of the
 * cohort flow and of the workbook (not shown under share); an endpoint without events warned under its
 * tables, in the Summary and the Results paragraph; the Results paragraph on the sample, lung and
 * colon (R's survival::colon, tests/fixtures/make_colon_fixture.R) states a direction only where
 * p < 0.05 and reads properly; the audit template on a time/status study says what it cannot give;
 * 1e300 printed whole; an empty reference level never labelled "(reference)" in any of the three. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>

#include "render_testutil.h"
#include "e2eutil.h"

#define COLON FIXTURES "colon"
#define SAMPLE FIXTURES "net_sample_155"
#define LUNG FIXTURES "lung"
#define EN_DASH "\xe2\x80\x93"

/* ---- files and runs ---- */

static void write_template(const scratch *s, const char *name, const char *text, char *path, size_t size)
{
    path_join(path, size, s->dir, name);
    file_write(path, text);
}

/* A copy of a CSV file with the value of column in the first `count` records holding `from` replaced
 * by `to` (from NULL: every record). */
static void write_replaced(const char *source, const char *path, const char *column, const char *from,
                           const char *to, size_t count)
{
    csv_file input;
    csv_load(source, &input);
    size_t c = csv_column(&input, column), done = 0;
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    for (size_t r = 0; r < input.n; r++) {
        for (size_t f = 0; f < input.records[r].n; f++) {
            const char *text = input.records[r].fields[f];
            if (r > 0 && f == c && done < count && (!from || !strcmp(text, from))) {
                text = to;
                done++;
            }
            fprintf(file, "%s\"%s\"", f ? "," : "", text);
        }
        fputc('\n', file);
    }
    assert_int_equal(fclose(file), 0);
    csv_free(&input);
    assert_int_equal(done, count);
}

/* A copy of a text file with the first occurrence of old replaced by new_text. */
static void write_edited(const char *source, const char *path, const char *old, const char *new_text)
{
    char *text = test_file_read(source, NULL);
    assert_non_null(text);
    char *at = strstr(text, old);
    assert_non_null(at);
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    fprintf(file, "%.*s%s%s", (int)(at - text), text, new_text, at + strlen(old));
    assert_int_equal(fclose(file), 0);
    free(text);
}

/* ---- the documents' text ---- */

/* The output of a command made of format with the output folder in place of each %s (at most 2). */
static char *output_text(const char *format, const char *out)
{
    char command[1024];
    snprintf(command, sizeof command, format, out, out);
    char *text = test_command_output(command);
    assert_non_null(text);
    return text;
}

static char *pdf_text(const char *out)
{
    return output_text("pdftotext -layout '%s/report.pdf' -", out);
}

static char *docx_text(const char *out)
{
    return output_text(TEST_DOCX_READER " '%s/tables.docx'", out);
}

/* Every sheet of the workbook as CSV (ssconvert), one after the other. */
static char *xlsx_text(const char *out)
{
    char command[1024];
    snprintf(command, sizeof command,
             "mkdir -p '%s.sheets' && ssconvert -S --export-type=Gnumeric_stf:stf_csv '%s/tables.xlsx' "
             "'%s.sheets/%%n.csv' >/dev/null 2>&1; cat '%s.sheets'/*.csv",
             out, out, out, out);
    char *text = test_command_output(command);
    assert_non_null(text);
    return text;
}

static void expect_in(const char *what, const char *text, const char *fragment)
{
    if (!strstr(text, fragment))
        print_error("%s lacks '%s'\n", what, fragment);
    assert_non_null(strstr(text, fragment));
}

static void expect_not_in(const char *what, const char *text, const char *fragment)
{
    if (strstr(text, fragment))
        print_error("%s has '%s'\n", what, fragment);
    assert_null(strstr(text, fragment));
}

static size_t occurrences(const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *at = text; (at = strstr(at, needle)) != NULL; at += strlen(needle))
        n++;
    return n;
}

/* The line of text holding needle (which may begin with the newline before it), into out ("" when
 * none). */
static void line_with(const char *text, const char *needle, char *out, size_t size)
{
    const char *at = strstr(text, needle);
    out[0] = '\0';
    if (!at)
        return;
    if (*at == '\n')
        at++;
    const char *start = at, *end = at;
    while (start > text && start[-1] != '\n')
        start--;
    while (*end && *end != '\n')
        end++;
    snprintf(out, size, "%.*s", (int)(end - start), start);
}

/* The Results paragraph of a report: from its heading to the note after it, lines joined. */
static char *results_paragraph(const char *out)
{
    char *text = output_text("pdftotext '%s/report.pdf' -", out);
    const char *start = strstr(text, "Of "), *end = start ? strstr(start, "Generated from this run") : NULL;
    assert_non_null(start);
    assert_non_null(end);
    size_t n = (size_t)(end - start);
    char *paragraph = malloc(n + 1);
    assert_non_null(paragraph);
    size_t used = 0;
    for (size_t i = 0; i < n; i++)
        paragraph[used++] = start[i] == '\n' ? ' ' : start[i];
    while (used > 0 && paragraph[used - 1] == ' ')
        used--;
    paragraph[used] = '\0';
    free(text);
    return paragraph;
}

/* Every sentence stating a direction ("had a higher hazard", "was lower after") has its p < 0.05, and
 * every "did not differ significantly" its p >= 0.05. */
static void check_directions(const char *paragraph)
{
    size_t sentences = 0;
    for (const char *s = paragraph; *s;) {
        const char *end = strstr(s, "). ");
        size_t n = end ? (size_t)(end - s) + 2 : strlen(s);
        char sentence[2048];
        snprintf(sentence, sizeof sentence, "%.*s", (int)n, s);
        s += n;
        while (*s == ' ')
            s++;
        /* The E-values' sentences state no direction (their hazard ratios' p are in the tables). */
        if (!strstr(sentence, "hazard") || !strncmp(sentence, "E-values", 8))
            continue;
        sentences++;
        const char *p = strstr(sentence, "p ");
        double value = p && p[2] == '<' ? 0.0 : p ? strtod(p + 4, NULL) : NAN;
        int differs = strstr(sentence, "did not differ significantly") == NULL;
        int first_part_significant = value < 0.05;
        if (differs != first_part_significant)
            print_error("'%s': p %g\n", sentence, value);
        assert_int_equal(differs, first_part_significant);
    }
    assert_true(sentences > 0);
}

/* ---- values that match no level ---- */

/* colon with 30 treatments written Lev+5-FU and a differentiation written wel: one table in the
 * cohort flow (so in the Word tables) and in the workbook's Summary; under share without the values. */
static void test_unmatched_values_in_the_documents(void **state)
{
    scratch *s = *state;
    char input[256], edited[256], out[256], shared[256], template_path[256], line[512];
    path_join(input, sizeof input, s->dir, "colon-typo.csv");
    path_join(edited, sizeof edited, s->dir, "colon-typo1.csv");
    write_replaced(COLON ".csv", edited, "rx", "Lev+5FU", "Lev+5-FU", 30);
    write_replaced(edited, input, "differ", "well", "wel", 1);
    run_into(s, "out", out, sizeof out, "--study", COLON ".study.ini", "--input", input, (char *)NULL);
    write_template(s, "share.ini", "[template]\nname = s\nshare = yes\ndocx = yes\nsections = flow\nsheets = summary\n",
                   template_path, sizeof template_path);
    run_into(s, "share", shared, sizeof shared, "--study", COLON ".study.ini", "--input", input, "--template",
             template_path, (char *)NULL);
    if (test_under_valgrind())
        skip();
    char *pdf = pdf_text(out), *docx = docx_text(out), *xlsx = xlsx_text(out);
    assert_int_equal(occurrences(pdf, "Values that match no level or alias"), 1);
    line_with(pdf, "Lev+5-FU", line, sizeof line);
    expect_in("the report's line", line, "30");
    expect_in("the report's line", line, "records excluded (E_UNKNOWN_TREATMENT)");
    expect_in("the report", pdf, "Treatment (levels: Obs, Lev, Lev+5FU)");
    line_with(pdf, " wel ", line, sizeof line);
    expect_in("the report's line", line, "treated as missing (W_INVALID_VALUE)");
    assert_int_equal(occurrences(docx, "Values that match no level or alias"), 1);
    expect_in("tables.docx", docx, "R\tLev+5-FU\t30\trecords excluded (E_UNKNOWN_TREATMENT)");
    expect_in("tables.docx", docx, "R\twel\t1\ttreated as missing (W_INVALID_VALUE)");
    assert_int_equal(occurrences(xlsx, "Values that match no level or alias"), 1);
    expect_in("tables.xlsx", xlsx, "Lev+5-FU,30,");
    free(pdf);
    free(docx);
    free(xlsx);
    /* Under share: the table, but no value from the input anywhere. */
    pdf = pdf_text(shared);
    docx = docx_text(shared);
    xlsx = xlsx_text(shared);
    char *manifest = output_text("cat '%s/manifest.json'", shared);
    const char *texts[] = {pdf, docx, xlsx, manifest};
    for (size_t i = 0; i < 4; i++) {
        expect_in("a shared file", texts[i], "(a value not shown)");
        expect_not_in("a shared file", texts[i], "Lev+5-FU");
        expect_not_in("a shared file", texts[i], "'wel'");
    }
    expect_in("the shared report", pdf, "Values that match no level or alias");
    for (size_t i = 0; i < 4; i++)
        free((void *)texts[i]);
}

/* ---- an endpoint without events ---- */

/* lung with event_values = 2, which no record has: the report's cohort flow and survival table, the
 * workbook's Summary and the Results paragraph say so; nothing reads "not reached". */
static void test_endpoint_without_events_in_the_documents(void **state)
{
    scratch *s = *state;
    char study[256], out[256];
    const char *problem = "no record has an event value (2) in the column event: the endpoint has no events, so no "
                          "median, survival difference or hazard ratio can be estimated";
    char flow[512], survival[512], summary[512], sentence[512];
    path_join(study, sizeof study, s->dir, "lung.study.ini");
    write_edited(LUNG ".study.ini", study, "event_values = 1\ncensor_values = 0",
                 "event_values = 2\ncensor_values = 0, 1");
    run_into(s, "out", out, sizeof out, "--study", study, "--input", LUNG ".csv", (char *)NULL);
    if (test_under_valgrind())
        skip();
    snprintf(flow, sizeof flow, "Warning: Overall survival: %s.", problem);
    snprintf(survival, sizeof survival, "Warning: %s.", problem);
    snprintf(summary, sizeof summary, "\"Overall survival\",Warning,\"%s\"", problem);
    snprintf(sentence, sizeof sentence, "For overall survival, %s.", problem);
    char *docx = docx_text(out), *xlsx = xlsx_text(out), *paragraph = results_paragraph(out);
    expect_in("tables.docx", docx, flow);
    expect_in("tables.docx", docx, survival);
    expect_in("tables.xlsx", xlsx, summary);
    expect_in("the Results paragraph", paragraph, sentence);
    expect_not_in("the Results paragraph", paragraph, "not reached");
    free(docx);
    free(xlsx);
    free(paragraph);
}

/* ---- the Results paragraph ---- */

static void test_results_paragraph_on_three_studies(void **state)
{
    scratch *s = *state;
    char template_path[256], out[256], results[300];
    write_template(s, "text.ini", "[template]\nname = text\nsections = results_text\nsheets =\n", template_path,
                   sizeof template_path);
    /* colon: R's numbers (colon.expected.csv) in the sentences. */
    run_into(s, "colon", out, sizeof out, "--study", COLON ".study.ini", "--input", COLON ".csv", "--template",
             template_path, (char *)NULL);
    path_join(results, sizeof results, out, "results.csv");
    compare_results(COLON ".expected.csv", results);
    if (test_under_valgrind())
        skip();
    char *text = results_paragraph(out);
    expect_in("colon", text, "Of 929 patients, 929 were analysed and 0 excluded.");
    expect_in("colon", text,
              "Median follow-up (reverse Kaplan-Meier, overall survival) was 2352.0 days (95% CI "
              "2313.0" EN_DASH "2396.0).");
    expect_in("colon", text,
              "Median time to recurrence and OS were 1236.0 and 2083.0 days for Obs (n = 315), 1183.0 "
              "and 2152.0 days for Lev (n = 310) and not reached for Lev+5FU (n = 304).");
    expect_in("colon", text,
              "For time to recurrence, Lev+5FU had a lower hazard than Obs (unadjusted HR 0.60, 95% CI "
              "0.47" EN_DASH "0.76, p < 0.001;");
    expect_in("colon", text,
              "For overall survival, the hazards of Lev and Obs did not differ significantly "
              "(unadjusted HR 0.97, 95% CI 0.78" EN_DASH "1.21, p = 0.809;");
    check_directions(text);
    free(text);
    run_into(s, "lung", out, sizeof out, "--study", LUNG ".study.ini", "--input", LUNG ".csv", "--template",
             template_path, (char *)NULL);
    text = results_paragraph(out);
    expect_in("lung", text,
              "Median follow-up (reverse Kaplan-Meier, overall survival) was 588.0 days (95% CI "
              "511.0" EN_DASH "1010.0).");
    expect_in("lung", text, "Median OS was 270.0 days for male (n = 138) and 426.0 days for female (n = 90).");
    free(text);
    run_into(s, "sample", out, sizeof out, "--study", SAMPLE ".study.ini", "--input", SAMPLE ".csv", "--template",
             template_path, (char *)NULL);
    text = results_paragraph(out);
    expect_in("the sample", text, "Median follow-up (reverse Kaplan-Meier, overall survival) was");
    expect_in("the sample", text,
              "For overall survival, TARE had a higher hazard than TACE (unadjusted HR 2.39, 95% CI "
              "1.33" EN_DASH "4.30, p = 0.004;");
    expect_in("the sample", text,
              "For hepatic progression-free survival, the hazards of TARE and TACE did not differ "
              "significantly (unadjusted HR 1.44");
    expect_in("the sample", text,
              "the hazard of TAE did not differ significantly from that of TACE unadjusted (HR 1.55, "
              "95% CI 0.99" EN_DASH "2.42, p = 0.054), but was higher after propensity weighting");
    expect_not_in("the sample", text, "not reached months");
    check_directions(text);
    free(text);
}

/* ---- the audit template on a time/status study ---- */

static void test_audit_template_says_what_it_cannot_give(void **state)
{
    scratch *s = *state;
    char out[256], results[300];
    run_into(s, "audit", out, sizeof out, "--study", COLON ".study.ini", "--input", COLON ".csv", "--template",
             "templates/audit.ini", "--as-of", "2012-12-31", (char *)NULL);
    path_join(results, sizeof results, out, "results.csv");
    compare_results(COLON ".expected.csv", results);
    if (test_under_valgrind())
        skip();
    const char *skipped = "6 benchmarks of the template were skipped: the study lacks their endpoint, variable or "
                          "level (the warnings name them).";
    const char *times = "Overall survival: times and status, not dates: its procedures and events in the month and to "
                        "date cannot be counted (the audit needs the date form).";
    char *pdf = output_text("pdftotext '%s/report.pdf' - 2>/dev/null | tr '\\n' ' '", out), *xlsx = xlsx_text(out);
    expect_in("the report", pdf, "6 benchmarks of the template were skipped: the study lacks their endpoint,");
    expect_in("the report", pdf, "Overall survival: times and status, not dates: its procedures and events in the");
    expect_in("tables.xlsx", xlsx, skipped);
    expect_in("tables.xlsx", xlsx, times);
    expect_not_in("tables.xlsx", xlsx, "The template names no benchmark.");
    free(pdf);
    free(xlsx);
}

/* ---- numbers ---- */

/* A variable of 1e300 in every record: its mean and quartiles print 1e+300, not 300 digits cut by a
 * buffer, in the report and the Word tables; the workbook shows them in General. */
static void test_huge_numbers_print_whole(void **state)
{
    scratch *s = *state;
    char input[256], study[256], template_path[256], out[256], command[600];
    path_join(input, sizeof input, s->dir, "big.csv");
    path_join(study, sizeof study, s->dir, "big.study.ini");
    write_replaced(SAMPLE ".csv", input, "ki67_pct", NULL, "1e300", 155);
    write_edited(SAMPLE ".study.ini", study, "[variable.age]",
                 "[variable.ki67]\nlabel = Ki-67\ntype = numeric\ncolumn = ki67_pct\n\n[variable.age]");
    write_template(s, "t.ini", "[template]\nname = t\nsections = table1\nsheets = table1\ndocx = yes\n", template_path,
                   sizeof template_path);
    run_into(s, "out", out, sizeof out, "--study", study, "--input", input, "--template", template_path, (char *)NULL);
    if (test_under_valgrind())
        skip();
    char *pdf = pdf_text(out), *docx = docx_text(out);
    const char *texts[] = {pdf, docx};
    for (size_t i = 0; i < 2; i++) {
        expect_in("a document", texts[i], "1e+300 \xc2\xb1 0.0");
        expect_in("a document", texts[i], "1e+300 [1e+300" EN_DASH "1e+300]");
        expect_not_in("a document", texts[i], "0000000000");
    }
    free(pdf);
    free(docx);
    snprintf(command, sizeof command, "python3 tests/fixtures/workbook/check_xlsx.py '%s/tables.xlsx' && echo ok", out);
    char *checked = test_command_output(command);
    expect_in("check_xlsx.py", checked, "ok");
    free(checked);
}

/* ---- the reference level ---- */

/* lung with reference = 4, a level no patient has: every Cox model's hazard ratios are against 0, and
 * the report, the Word tables and the workbook label 0 "(reference)", never 4. */
static void test_reference_label_in_every_writer(void **state)
{
    scratch *s = *state;
    char study[256], template_path[256], out[256], line[512];
    path_join(study, sizeof study, s->dir, "lung.study.ini");
    write_edited(LUNG ".study.ini", study, "levels = 0, 1, 2, 3", "levels = 0, 1, 2, 3, 4\nreference = 4");
    write_template(s, "t.ini", "[template]\nname = t\nsections = cox\nsheets = cox\ndocx = yes\n", template_path,
                   sizeof template_path);
    run_into(s, "out", out, sizeof out, "--study", study, "--input", LUNG ".csv", "--template", template_path,
             (char *)NULL);
    if (test_under_valgrind())
        skip();
    char *pdf = pdf_text(out), *docx = docx_text(out), *xlsx = xlsx_text(out);
    const char *ecog = strstr(pdf, "ECOG performance score");
    assert_non_null(ecog);
    line_with(ecog, "\n   0 ", line, sizeof line);
    expect_in("the report's level 0", line, "1 (reference)");
    assert_int_equal(occurrences(line, "1 (reference)"), 2);
    line_with(ecog, "\n   4 ", line, sizeof line);
    expect_not_in("the report's level 4", line, "reference");
    expect_in("tables.docx", docx, "R\t0\t1 (reference)\t\t1 (reference)\t\t\n"); /* its E-value: none */
    expect_in("tables.docx", docx, "R\t4\tNA\tNA\tNA\tNA\t");
    expect_in("tables.xlsx", xlsx, "\"Overall survival\",\"ECOG performance score\",0,1,,,,1,,,,,\n");
    expect_in("tables.xlsx", xlsx, "\"Overall survival\",\"ECOG performance score\",4,,,,,,,,,,\n");
    free(pdf);
    free(docx);
    free(xlsx);
}

int main(void)
{
#define E2E_TEST(f) cmocka_unit_test_setup_teardown(f, scratch_setup, scratch_teardown)
    const struct CMUnitTest tests[] = {
        E2E_TEST(test_unmatched_values_in_the_documents),
        E2E_TEST(test_endpoint_without_events_in_the_documents),
        E2E_TEST(test_results_paragraph_on_three_studies),
        E2E_TEST(test_audit_template_says_what_it_cannot_give),
        E2E_TEST(test_huge_numbers_print_whole),
        E2E_TEST(test_reference_label_in_every_writer),
    };
#undef E2E_TEST
    return cmocka_run_group_tests(tests, NULL, NULL);
}
