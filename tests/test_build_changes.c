/* The builders of "Since the last report" (stages/render/build_changes.c) on a hand-made change set
 * and its results.csv lines: each table's model line by line (the counts, each list capped at
 * BUILD_CHANGES_LIST_MAX with "and N more", the estimates with their flag, every change for the
 * Changes sheet), the section's opening paragraph, where the document places them; the share
 * template (counts only, a hidden count "<5", no list, no date); and without --previous a note in
 * each table and no section or sheet. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/changes.h"
#include "common/text.h"
#include "render/build.h"
#include "render_testutil.h"

static const char *study_text =
    "[study]\ntitle = Small\nid = pid\ntime_unit = months\n"
    "[endpoint.pfs]\nlabel = Progression-free survival\nstart = start_date\nevent_dates = progression_date\n"
    "censor_date = last_date\n"
    "[endpoint.os]\nlabel = Overall survival\ntime = t\nstatus = s\nevent_values = 1\ncensor_values = 0\n"
    "[variable.grade]\nlabel = Grade\ntype = categorical\nlevels = G1, G2\n"
    "[variable.age]\nlabel = Age (years)\ntype = numeric\n"
    "[analysis]\nsubgroups = grade\nmultivariable = grade, age\n";

#define NEW_PATIENTS (BUILD_CHANGES_LIST_MAX + 3)

typedef struct fixture {
    study *s;
    results *r;
    report_template *t;
    change_set *c;
    render_input in;
    build_context b;
    long cutoff;
} fixture;

static long day_of(const char *date)
{
    long day;
    assert_true(text_parse_date(date, strlen(date), DATE_FORMAT_ISO, &day));
    return day;
}

static void line(results *r, const char *endpoint, const char *model, const char *variable, const char *level,
                 const char *stat, double value)
{
    assert_int_equal(results_add(r, CHANGES_SECTION, endpoint, model, variable, level, stat, value), EMBOLO_OK);
}

/* A count line; under share one from 1 to 4 is hidden as the compare stage writes it. */
static void count(results *r, int share, const char *endpoint, const char *model, const char *variable,
                  const char *level, const char *stat, double value)
{
    if (share && value > 0 && value < 5)
        assert_int_equal(results_add_hidden(r, CHANGES_SECTION, endpoint, model, variable, level, stat, 5),
                         EMBOLO_OK);
    else
        line(r, endpoint, model, variable, level, stat, value);
}

static void add_counts(results *r, int share)
{
    static const struct {
        const char *endpoint, *model, *variable, *level, *stat;
        double value;
    } lines[] = {
        {"", CHANGES_PATIENTS, "all", "", "previous", 40},
        {"", CHANGES_PATIENTS, "all", "", "current", 62},
        {"", CHANGES_PATIENTS, "all", "", "matched", 38},
        {"", CHANGES_PATIENTS, "all", "", "new", NEW_PATIENTS},
        {"", CHANGES_PATIENTS, "all", "", "no_longer_present", 1},
        {"", CHANGES_PATIENTS, "all", "", "now_excluded", 1},
        {"", CHANGES_PATIENTS, "all", "", "now_included", 0},
        {"", CHANGES_VERDICTS, "included", "E_BAD_DATE", "records", 1},
        {"pfs", CHANGES_VERDICTS, "included", "E_NO_START", "records", 1},
        {"", CHANGES_VALUES, "grade", "", "changed", 1},
        {"", CHANGES_VALUES, "age", "", "changed", 0},
        {"", CHANGES_DATES, "progression_date", "", "changed", 1},
        {"", CHANGES_DATES, "last_date", "", "changed", 0},
        {"", CHANGES_DATES, "last_date", "", "followup_extended", 1},
        {"pfs", CHANGES_EVENTS, "all", "", "previous", 20},
        {"pfs", CHANGES_EVENTS, "all", "", "current", 21},
        {"pfs", CHANGES_EVENTS, "all", "", "new", 2},
        {"pfs", CHANGES_EVENTS, "all", "", "new_after_previous_cutoff", 1},
        {"pfs", CHANGES_EVENTS, "all", "", "new_before_previous_cutoff", 1},
        {"pfs", CHANGES_EVENTS, "all", "", "new_undated", 0},
        {"pfs", CHANGES_EVENTS, "all", "", "removed", 1},
        {"os", CHANGES_EVENTS, "all", "", "previous", 10},
        {"os", CHANGES_EVENTS, "all", "", "current", 11},
        {"os", CHANGES_EVENTS, "all", "", "new", 1},
        {"os", CHANGES_EVENTS, "all", "", "new_after_previous_cutoff", 0},
        {"os", CHANGES_EVENTS, "all", "", "new_before_previous_cutoff", 0},
        {"os", CHANGES_EVENTS, "all", "", "new_undated", 1},
        {"os", CHANGES_EVENTS, "all", "", "removed", 0},
        {"os", CHANGES_TIMES, "t", "", "changed", 1},
        {"os", CHANGES_TIMES, "t", "", "followup_extended", 0},
        {"", CHANGES_PROCEDURES, "all", "", "previous", 30},
        {"", CHANGES_PROCEDURES, "all", "", "current", 31},
        {"", CHANGES_PROCEDURES, "all", "", "new", 1},
        {"", CHANGES_PROCEDURES, "all", "", "new_after_previous_cutoff", 1},
        {"", CHANGES_PROCEDURES, "all", "", "new_before_previous_cutoff", 0},
        {"", CHANGES_PROCEDURES, "all", "", "new_undated", 0},
        {"", CHANGES_PROCEDURES, "all", "", "removed", 0},
        {"", CHANGES_PROCEDURES, "all", "", "grade_changed", 1},
        {"", CHANGES_PROCEDURES, "all", "", "previous_unmatched", 2},
        {"", CHANGES_PROCEDURES, "all", "", "current_unmatched", 0},
        {"", CHANGES_ESTIMATES, "all", "", "compared", 3},
        {"", CHANGES_ESTIMATES, "all", "", "previous_outside_ci", 1},
    };
    if (!share) {
        line(r, "", CHANGES_PREVIOUS, "", "", "as_of", 20121130);
        line(r, "", CHANGES_PREVIOUS, "", "", "days_since", 31);
    }
    for (size_t k = 0; k < sizeof lines / sizeof lines[0]; k++)
        count(r, share, lines[k].endpoint, lines[k].model, lines[k].variable, lines[k].level, lines[k].stat,
              lines[k].value);
}

static void item(change_set *c, change_kind kind, const char *id, const char *subject, const char *old_value,
                 const char *new_value, const char *date)
{
    assert_int_equal(change_set_add(c, kind, id, subject, old_value, new_value, date ? day_of(date) : CHANGE_NO_DAY),
                     EMBOLO_OK);
}

static void estimate(change_set *c, const char *endpoint, const char *model, const char *variable, const char *level,
                     double previous, double current, double lower, double upper)
{
    change_estimate e = {.endpoint = (char *)endpoint, .model = (char *)model, .variable = (char *)variable,
                         .level = (char *)level, .previous = previous, .current = current, .current_lower = lower,
                         .current_upper = upper, .change = current - previous};
    e.outside = isnan(upper) ? -1 : previous < lower || previous > upper;
    assert_int_equal(change_set_add_estimate(c, &e), EMBOLO_OK);
}

/* The lists behind the counts, in kind order and by id, as the compare stage gives them. */
static void add_items(change_set *c)
{
    for (int k = 1; k <= NEW_PATIENTS; k++) {
        char id[16];
        snprintf(id, sizeof id, "P%03d", k);
        item(c, CHANGE_PATIENT_NEW, id, "", "", "", NULL);
    }
    item(c, CHANGE_PATIENT_GONE, "Q001", "", "", "", NULL);
    item(c, CHANGE_VERDICT, "Q002", "row", "included", "E_BAD_DATE", NULL);
    item(c, CHANGE_VERDICT, "Q003", "pfs", "included", "E_NO_START", NULL);
    item(c, CHANGE_EVENT_NEW, "Q004", "pfs", "", "", "2012-12-05");
    item(c, CHANGE_EVENT_NEW, "Q005", "pfs", "", "", "2012-11-20");
    item(c, CHANGE_EVENT_NEW, "Q006", "os", "", "", NULL);
    item(c, CHANGE_EVENT_REMOVED, "Q007", "pfs", "", "", "2012-11-29");
    item(c, CHANGE_VALUE, "Q008", "grade", "G1", "G2", NULL);
    item(c, CHANGE_DATE, "Q009", "progression_date", "2011-03-01", "NA", NULL);
    item(c, CHANGE_TIME, "Q010", "t", "306", "316", NULL);
    item(c, CHANGE_FOLLOWUP_EXTENDED, "Q011", "last_date", "2012-10-01", "2012-12-20", NULL);
    item(c, CHANGE_PROCEDURE_NEW, "Q012", "", "", "2", "2012-12-01");
    item(c, CHANGE_PROCEDURE_GRADE, "Q013", "", "1", "3", "2012-11-30");
    estimate(c, "pfs", "km:unweighted", "all", "", 10.0, 10.5, 8.0, 12.0);
    estimate(c, "pfs", "km:unweighted", "grade", "G2", 9.0, 8.25, 6.0, NAN);
    estimate(c, "os", "cox:multivariable", "grade", "G2", 1.0, 2.5, 1.5, 4.0);
    estimate(c, "os", "cox:multivariable", "age", "", 1.01, 1.02, 0.99, 1.05);
}

static void fixture_build(fixture *f, int share)
{
    char message[256];
    memset(f, 0, sizeof *f);
    assert_int_equal(study_parse(study_text, strlen(study_text), "small.ini", &f->s, message, sizeof message),
                     EMBOLO_OK);
    const char *template_text = share ? "[template]\nshare = yes\nsections = changes\nsheets = changes\n"
                                      : "[template]\nsections = changes\nsheets = changes\n";
    assert_int_equal(template_parse(template_text, strlen(template_text), "t.ini", &f->t, message, sizeof message),
                     EMBOLO_OK);
    assert_non_null(f->r = results_new());
    assert_non_null(f->c = change_set_new());
    assert_non_null(f->c->previous_path = text_copy("last-month"));
    f->cutoff = day_of("2012-11-30");
    f->c->has_previous_as_of = f->c->has_cutoff = 1;
    f->c->previous_as_of = f->c->cutoff = f->cutoff;
    f->c->procedures_compared = 1;
    f->c->share = share;
    add_counts(f->r, share);
    if (!share)
        add_items(f->c);
    f->in = (render_input){.version = "9.9", .study = f->s, .results = f->r, .template = f->t, .changes = f->c,
                           .has_as_of = 1, .as_of = day_of("2012-12-31")};
    build_context_init(&f->b, &f->in);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    fixture_build(f, 0);
    *state = f;
    return 0;
}

static void fixture_free(fixture *f)
{
    change_set_free(f->c);
    results_free(f->r);
    template_free(f->t);
    study_free(f->s);
}

static int teardown(void **state)
{
    fixture *f = *state;
    fixture_free(f);
    free(f);
    return 0;
}

static void expect_kind(const build_context *b, build_table_kind kind, size_t index, const char *title,
                        const char *const *lines, size_t n)
{
    table *t = build_table(b, kind, index);
    test_expect_model(t, title, lines, n);
    table_free(t);
}

#define EXPECT(b, kind, index, title, lines) expect_kind(b, kind, index, title, lines, sizeof lines / sizeof lines[0])

/* ---- the counts ---- */

static void test_counts(void **state)
{
    fixture *f = *state;
    static const char *const lines[] = {
        "H Patients | ",
        "L Analysed in the previous report | 40",
        "L Analysed in this report | 62",
        "L In both | 38",
        "L New | 23",
        "L No longer present (no record now) | 1",
        "L Now excluded (analysed before) | 1",
        "L Now included (excluded before) | 0",
        "H Verdicts changed (records) | ",
        "L Record: included \xe2\x86\x92 E_BAD_DATE | 1",
        "L Progression-free survival: included \xe2\x86\x92 E_NO_START | 1",
        "H Progression-free survival: events | ",
        "L In the previous report | 20",
        "L In this report | 21",
        "L New, dated after the previous cut-off (2012-11-30) | 1",
        "L New, dated on or before it (recorded late or corrected) | 1",
        "L Removed | 1",
        "H Overall survival: events | ",
        "L In the previous report | 10",
        "L In this report | 11",
        "L New, undated | 1",
        "L Removed | 0",
        "L Times changed (t) | 1",
        "L Censored times now later (follow-up extended) | 0",
        "H Past values changed (per variable) | ",
        "L Grade | 1",
        "H Past dates changed (per date column) | ",
        "L progression_date | 1",
        "L last_date: moved later (follow-up extended) | 1",
        "H Procedures | ",
        "L In the previous report | 30",
        "L In this report | 31",
        "L New, dated after the previous cut-off (2012-11-30) | 1",
        "L New, dated on or before it (recorded late or corrected) | 0",
        "L Removed | 0",
        "L Re-graded (another adverse-event grade) | 1",
        "L Of patients in the previous report only | 2",
        "L Of patients in this report only | 0",
        "H Headline estimates (medians, hazard ratios) | ",
        "L Compared | 3",
        "L Previous value outside the new 95% CI | 1",
    };
    table *t = build_table(&f->b, BUILD_CHANGES_COUNTS, 0);
    test_expect_model(t, "What changed since the last report", lines, sizeof lines / sizeof lines[0]);
    assert_int_equal(t->n_footnotes, 1);
    table_free(t);
}

/* No variable or date column changed: one line saying how many were compared. */
static void test_counts_none_changed(void **state)
{
    (void)state;
    fixture f;
    fixture_build(&f, 0);
    results_free(f.r);
    assert_non_null(f.r = results_new());
    line(f.r, "", CHANGES_PATIENTS, "all", "", "previous", 40);
    line(f.r, "", CHANGES_VALUES, "grade", "", "changed", 0);
    line(f.r, "", CHANGES_VALUES, "age", "", "changed", 0);
    line(f.r, "", CHANGES_DATES, "last_date", "", "changed", 0);
    line(f.r, "", CHANGES_DATES, "last_date", "", "followup_extended", 0);
    f.in.results = f.r;
    build_context_init(&f.b, &f.in);
    table *t = build_table(&f.b, BUILD_CHANGES_COUNTS, 0);
    assert_non_null(t);
    char text[1024];
    size_t found = 0;
    for (size_t r = 0; r < t->n_rows; r++) {
        test_model_line(t, &t->rows[r], text, sizeof text);
        found += !strcmp(text, "L None changed (2 compared) | 0") || !strcmp(text, "L None changed (1 compared) | 0");
        assert_null(strstr(text, "Procedures"));  /* not compared: no lines, no heading */
    }
    assert_int_equal(found, 2);
    table_free(t);
    fixture_free(&f);
}

/* ---- the lists ---- */

static void test_patients_capped(void **state)
{
    fixture *f = *state;
    const char *lines[BUILD_CHANGES_LIST_MAX + 2];
    char rows[BUILD_CHANGES_LIST_MAX][32];
    for (int k = 0; k < BUILD_CHANGES_LIST_MAX; k++) {
        snprintf(rows[k], sizeof rows[k], "P P%03d | new", k + 1);
        lines[k] = rows[k];
    }
    lines[BUILD_CHANGES_LIST_MAX] = "P and 3 more | see the Changes sheet";
    lines[BUILD_CHANGES_LIST_MAX + 1] = "P Q001 | no longer present (no record now)";
    expect_kind(&f->b, BUILD_CHANGES_PATIENTS, 0, "Patients new and no longer present", lines,
                BUILD_CHANGES_LIST_MAX + 2);
    /* Without the sheet in the template, the line says so. */
    f->t->n_sheets = 0;
    lines[BUILD_CHANGES_LIST_MAX] = "P and 3 more | (the template has no changes sheet)";
    expect_kind(&f->b, BUILD_CHANGES_PATIENTS, 0, "Patients new and no longer present", lines,
                BUILD_CHANGES_LIST_MAX + 2);
    f->t->n_sheets = 1;
}

static void test_lists(void **state)
{
    fixture *f = *state;
    static const char *const verdicts[] = {
        "P Q002 | record | included | E_BAD_DATE",
        "P Q003 | Progression-free survival | included | E_NO_START",
    };
    static const char *const events[] = {
        "P Q004 | Progression-free survival | new | 2012-12-05 | +5 days",
        "P Q005 | Progression-free survival | new | 2012-11-20 | -10 days",
        "P Q006 | Overall survival | new | undated | ",
        "P Q007 | Progression-free survival | removed | 2012-11-29 | -1 day",
    };
    static const char *const values[] = {
        "P Q008 | Grade | G1 | G2",
        "P Q009 | progression_date | 2011-03-01 | NA",
        "P Q010 | t | 306 | 316",
    };
    static const char *const procedures[] = {
        "P Q012 | new | 2012-12-01 |  | 2 | +1 day",
        "P Q013 | re-graded | 2012-11-30 | 1 | 3 | on the cut-off",
    };
    EXPECT(&f->b, BUILD_CHANGES_VERDICTS, 0, "Verdicts changed", verdicts);
    EXPECT(&f->b, BUILD_CHANGES_EVENTS, 0, "Events new and removed", events);
    EXPECT(&f->b, BUILD_CHANGES_VALUES, 0, "Past values and dates changed", values);
    EXPECT(&f->b, BUILD_CHANGES_PROCEDURES, 0, "Procedures new, removed or re-graded", procedures);
}

static void test_estimates(void **state)
{
    fixture *f = *state;
    static const char *const pfs[] = {
        "H Median, months (Kaplan-Meier) |  |  |  | ",
        "L All patients | 10.0 | 10.5 (8.0\342\200\22312.0) | 0.5 | no",
        "L Grade G2 | 9.0 | 8.2 (6.0\xe2\x80\x93NA) | -0.8 | CI limit NA",
    };
    static const char *const os[] = {
        "H Hazard ratio, multivariable Cox model |  |  |  | ",
        "L Grade G2 | 1.00 | 2.50 (1.50\342\200\2234.00) | 1.50 | FLAG: yes",
        "L Age (years), per unit | 1.01 | 1.02 (0.99\342\200\2231.05) | 0.01 | no",
    };
    EXPECT(&f->b, BUILD_CHANGES_ESTIMATES, 0, "Headline estimates, Progression-free survival: previous and now", pfs);
    EXPECT(&f->b, BUILD_CHANGES_ESTIMATES, 1, "Headline estimates, Overall survival: previous and now", os);
    table *t = build_table(&f->b, BUILD_CHANGES_ESTIMATES, 1);
    assert_non_null(t);
    assert_string_equal(t->key, "Overall survival");  /* joined with the other endpoint's on the sheet */
    assert_true(t->rows[1].cells[2].value[1] == 1.5 && t->rows[1].cells[2].value[2] == 4.0);
    table_free(t);
    assert_int_equal(build_changes_estimates_of(&f->b, 0), 2);
    assert_null(build_table(&f->b, BUILD_CHANGES_ESTIMATES, 2));
}

/* Every change, one row each, on the Changes sheet (rows filled on demand). */
static void test_items(void **state)
{
    fixture *f = *state;
    const char *lines[NEW_PATIENTS + 13];
    char rows[NEW_PATIENTS][64];
    static const char *const rest[] = {
        "P No longer present | Q001 |  |  |  |  |  | ",
        "P Verdict changed | Q002 | record | included | E_BAD_DATE |  |  | ",
        "P Verdict changed | Q003 | Progression-free survival | included | E_NO_START |  |  | ",
        "P New event | Q004 | Progression-free survival |  |  | 2012-12-05 | 5 | after the previous cut-off",
        "P New event | Q005 | Progression-free survival |  |  | 2012-11-20 | -10 | on or before the previous cut-off",
        "P New event | Q006 | Overall survival |  |  |  |  | undated",
        "P Event removed | Q007 | Progression-free survival |  |  | 2012-11-29 | -1 | on or before the previous cut-off",
        "P Value changed | Q008 | Grade | G1 | G2 |  |  | ",
        "P Date changed | Q009 | progression_date | 2011-03-01 | NA |  |  | ",
        "P Time changed | Q010 | t | 306 | 316 |  |  | ",
        "P Follow-up extended | Q011 | last_date | 2012-10-01 | 2012-12-20 |  |  | ",
        "P New procedure | Q012 |  |  | 2 | 2012-12-01 | 1 | after the previous cut-off",
        "P Procedure re-graded | Q013 |  | 1 | 3 | 2012-11-30 | 0 | on or before the previous cut-off",
    };
    for (int k = 0; k < NEW_PATIENTS; k++) {
        snprintf(rows[k], sizeof rows[k], "P New patient | P%03d |  |  |  |  |  | ", k + 1);
        lines[k] = rows[k];
    }
    for (size_t k = 0; k < 13; k++)
        lines[NEW_PATIENTS + k] = rest[k];
    table *t = build_table(&f->b, BUILD_CHANGES_ITEMS, 0);
    assert_non_null(t);
    assert_non_null(t->fill);
    test_expect_model(t, "Every change since the last report", lines, NEW_PATIENTS + 13);
    table_free(t);
}

static void test_header(void **state)
{
    fixture *f = *state;
    char text[2048];
    build_changes_header(&f->b, text, sizeof text);
    assert_string_equal(text, "Compared with the earlier output set last-month, as of 2012-11-30, 31 days before this "
                              "report's as-of date (2012-12-31). Patients are matched by id; events and procedures "
                              "are dated against the earlier set's cut-off: after it is new follow-up, on or before "
                              "it was recorded late or corrected. The lists show at most 20 changes of each kind; "
                              "the workbook's Changes sheet lists them all.");
    f->c->study_file_changed = 1;
    f->c->has_previous_as_of = 0;
    build_changes_header(&f->b, text, sizeof text);
    f->c->study_file_changed = 0;
    f->c->has_previous_as_of = 1;
    assert_non_null(strstr(text, "set last-month, which has no as-of date: its newest date, 2012-11-30, is taken as "
                                 "its cut-off."));
    assert_non_null(strstr(text, "another version of the study file"));
    /* No cut-off (a set of times and status without an as-of date): nothing is dated against it. */
    f->c->has_previous_as_of = f->c->has_cutoff = 0;
    build_changes_header(&f->b, text, sizeof text);
    table *t = build_table(&f->b, BUILD_CHANGES_COUNTS, 0);
    f->c->has_previous_as_of = f->c->has_cutoff = 1;
    assert_non_null(strstr(text, "last-month, which has no as-of date and no date: new events are undated. Patients "
                                 "are matched by id. The lists"));
    assert_non_null(t);
    assert_int_equal(t->n_footnotes, 0);
    for (size_t r = 0; r < t->n_rows; r++)
        assert_null(strstr(t->rows[r].label, "cut-off ("));
    table_free(t);
}

/* ---- the document ---- */

static size_t block_count(const document *d, doc_block_kind kind)
{
    size_t n = 0;
    for (size_t i = 0; i < d->n_blocks; i++)
        n += d->blocks[i].kind == kind;
    return n;
}

static void test_document(void **state)
{
    fixture *f = *state;
    static const char *const titles[] = {
        "What changed since the last report", "Patients new and no longer present", "Verdicts changed",
        "Events new and removed", "Past values and dates changed", "Procedures new, removed or re-graded",
        "Headline estimates, Progression-free survival: previous and now",
        "Headline estimates, Overall survival: previous and now",
    };
    embolo_error err;
    document *d = document_build(&f->in, &err);
    assert_non_null(d);
    assert_int_equal(d->blocks[0].kind, DOC_SECTION);
    assert_string_equal(d->blocks[0].text, "Since the last report");
    assert_int_equal(d->blocks[1].kind, DOC_PARAGRAPH);
    assert_int_equal(block_count(d, DOC_TABLE), sizeof titles / sizeof titles[0]);
    for (size_t i = 2, k = 0; i < d->n_blocks; i++)
        if (d->blocks[i].kind == DOC_TABLE)
            assert_string_equal(d->blocks[i].table->title, titles[k++]);
    assert_int_equal(d->n_sheets, 1);
    assert_string_equal(d->sheets[0].name, "Changes");
    assert_int_equal(d->sheets[0].n_tables, 3);
    assert_string_equal(d->sheets[0].tables[0]->title, "Every change since the last report");
    document_free(d);
}

/* A list with nothing in it is left out of the report; with no item at all a note says so. */
static void test_document_nothing_changed(void **state)
{
    fixture *f = *state;
    embolo_error err;
    change_set *empty = change_set_new();
    assert_non_null(empty);
    empty->has_cutoff = 1;
    empty->cutoff = f->cutoff;
    f->in.changes = empty;
    document *d = document_build(&f->in, &err);
    f->in.changes = f->c;
    assert_non_null(d);
    assert_int_equal(block_count(d, DOC_TABLE), 1);  /* the counts */
    assert_int_equal(block_count(d, DOC_NOTE), 2);   /* nothing listed, no estimate */
    document_free(d);
    change_set_free(empty);
}

/* ---- share ---- */

static void test_share(void **state)
{
    (void)state;
    fixture f;
    static const char *const head[] = {
        "H Patients | ",
        "L Analysed in the previous report | 40",
        "L Analysed in this report | 62",
        "L In both | 38",
        "L New | 23",
        "L No longer present (no record now) | <5",
        "L Now excluded (analysed before) | <5",
        "L Now included (excluded before) | 0",
        "H Verdicts changed (records) | ",
        "L Record: included \xe2\x86\x92 E_BAD_DATE | <5",
        "L Progression-free survival: included \xe2\x86\x92 E_NO_START | <5",
        "H Progression-free survival: events | ",
        "L In the previous report | 20",
        "L In this report | 21",
        "L New, dated after the previous cut-off | <5",
    };
    fixture_build(&f, 1);
    table *t = build_table(&f.b, BUILD_CHANGES_COUNTS, 0);
    assert_non_null(t);
    assert_true(t->n_rows > sizeof head / sizeof head[0]);
    char text[1024];
    for (size_t r = 0; r < t->n_rows; r++) {
        test_model_line(t, &t->rows[r], text, sizeof text);
        if (r < sizeof head / sizeof head[0])
            assert_string_equal(text, head[r]);
        assert_null(strstr(text, "2012"));
    }
    assert_int_equal(t->n_footnotes, 2);
    assert_non_null(strstr(t->footnotes[1], "from 1 to 4 is shown as <5"));
    table_free(t);
    build_changes_header(&f.b, text, sizeof text);
    assert_null(strstr(text, "last-month"));
    assert_null(strstr(text, "2012"));
    embolo_error err;
    document *d = document_build(&f.in, &err);
    assert_non_null(d);
    assert_int_equal(block_count(d, DOC_TABLE), 1);
    assert_int_equal(d->n_sheets, 1);
    assert_int_equal(d->sheets[0].n_tables, 1);
    assert_string_equal(d->sheets[0].tables[0]->title, "What changed since the last report");
    document_free(d);
    fixture_free(&f);
}

/* ---- without --previous ---- */

static void test_without_previous(void **state)
{
    fixture *f = *state;
    embolo_error err;
    f->in.changes = NULL;
    for (int kind = BUILD_CHANGES_COUNTS; kind <= BUILD_CHANGES_ITEMS; kind++) {
        table *t = build_table(&f->b, (build_table_kind)kind, 0);
        assert_non_null(t);
        assert_true(document_table_is_note(t));
        assert_non_null(strstr(t->rows[0].label, "--previous"));
        table_free(t);
    }
    document *d = document_build(&f->in, &err);
    f->in.changes = f->c;
    assert_non_null(d);
    assert_int_equal(d->n_blocks, 0);
    assert_int_equal(d->n_sheets, 0);
    document_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts),          cmocka_unit_test(test_counts_none_changed),
        cmocka_unit_test(test_patients_capped), cmocka_unit_test(test_lists),
        cmocka_unit_test(test_estimates),       cmocka_unit_test(test_items),
        cmocka_unit_test(test_header),          cmocka_unit_test(test_document),
        cmocka_unit_test(test_document_nothing_changed), cmocka_unit_test(test_share),
        cmocka_unit_test(test_without_previous),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
