/* Cleaning (stages/clean/clean.h) on small cohorts held in memory: each verdict code of study-file.md,
 * which code wins, synonyms and case, dates to times in months, the as-of date, duplicate ids, and
 * rows read = rows analysed + rows excluded. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clean/clean.h"
#include "common/study.h"
#include "ingest/ingest.h"
#include "testutil.h"

#define MONTH 30.4375

/* Two date endpoints as in the NET study, a treatment, variables of each kind. */
static const char net_study[] =
    "[study]\n"
    "id = pid\n"
    "time_unit = months\n"
    "[endpoint.hpfs]\n"
    "start = start\n"
    "event_dates = prog, death\n"
    "censor_date = last\n"
    "[endpoint.os]\n"
    "start = start\n"
    "event_dates = death\n"
    "censor_date = last\n"
    "[variable.age]\n"
    "type = numeric\n"
    "min = 18\n"
    "max = 100\n"
    "[variable.burden]\n"
    "type = numeric\n"
    "cut = 50\n"
    "[variable.grade]\n"
    "type = categorical\n"
    "levels = G1, G2, G3\n"
    "aliases = G1: 1 | grade 1, G2: 2, G3: 3\n"
    "[variable.status]\n"
    "type = categorical\n"
    "levels = yes, no, unknown\n"
    "[variable.modality]\n"
    "type = categorical\n"
    "levels = TACE, TARE, TAE\n"
    "aliases = TARE: y90 | y-90, TAE: bland embolization\n"
    "[treatment]\n"
    "variable = modality\n"
    "ps_covariates = age\n";

static const char net_header[] = "pid,start,prog,death,last,age,burden,grade,status,modality,notes\n";

/* One time/status endpoint whose times are in days, reported in months; no id column. */
static const char time_study[] =
    "[study]\n"
    "time_unit = months\n"
    "[endpoint.os]\n"
    "time = t\n"
    "status = s\n"
    "event_values = dead, 1\n"
    "censor_values = alive, 0\n"
    "time_unit = days\n"
    "[variable.x]\n"
    "type = numeric\n";

/* Everything one cleaning run owns. */
typedef struct cleaned {
    study *study;
    clean_columns *columns;
    ingest_table *table;
    dataset *data;
    exclusion_log *log;
} cleaned;

static void cleaned_free(cleaned *c)
{
    dataset_free(c->data);
    exclusion_log_free(c->log);
    ingest_table_free(c->table);
    clean_columns_free(c->columns);
    study_free(c->study);
    memset(c, 0, sizeof *c);
}

/* Cleans csv (length bytes) under study_text on threads threads (0: the machine's); as_of = NULL:
 * none beyond the study's. Checks the invariants every run must keep. */
static void clean_bytes_on(cleaned *c, const char *study_text, const char *csv, size_t length, const char *as_of,
                           size_t threads)
{
    clean_options options = {.threads = threads};
    char message[512];
    memset(c, 0, sizeof *c);
    c->study = test_study_parse(study_text);
    assert_int_equal(clean_columns_new(c->study, &c->columns), EMBOLO_OK);
    c->table = test_ingest_parse(csv, length, c->columns->names, c->columns->n);
    if (as_of) {
        options.has_as_of = 1;
        assert_true(text_parse_date(as_of, strlen(as_of), DATE_FORMAT_ISO, &options.as_of));
    }
    embolo_error err = clean_run(c->study, c->columns, c->table, &options, &c->data, &c->log, message, sizeof message);
    if (err != EMBOLO_OK)
        print_error("clean_run: %s\n", message);
    assert_int_equal(err, EMBOLO_OK);
    /* rows read = rows analysed + rows excluded (one row-scope line per excluded record). */
    size_t row_lines = 0;
    for (size_t i = 0; i < c->log->n; i++)
        row_lines += strcmp(c->log->items[i].scope, "row") == 0;
    assert_int_equal(c->data->rows_read, ingest_record_count(c->table));
    assert_int_equal(c->data->rows_read, c->data->n + row_lines);
    /* At most one line per record and scope (one per invalid value: per column in scope "value"); a
     * record excluded at row scope has no other line. */
    for (size_t i = 0; i < c->log->n; i++) {
        const exclusion *a = &c->log->items[i];
        assert_non_null(clean_code_message(a->code));
        /* An invalid value says why and what is allowed; every other line has its code's message. */
        if (strcmp(a->code, "W_INVALID_VALUE") == 0)
            assert_non_null(strstr(a->message, "is treated as missing"));
        else
            assert_string_equal(a->message, clean_code_message(a->code));
        assert_true((strcmp(a->scope, "value") == 0) == (strcmp(a->code, "W_INVALID_VALUE") == 0));
        /* The lines are in record order: those of a's record follow it. */
        if (i + 1 < c->log->n)
            assert_true(a->row <= c->log->items[i + 1].row);
        for (size_t k = i + 1; k < c->log->n; k++) {
            const exclusion *b = &c->log->items[k];
            if (a->row != b->row)
                break;
            if (strcmp(a->scope, "value") == 0 && strcmp(b->scope, "value") == 0)
                assert_string_not_equal(a->column, b->column);
            else
                assert_string_not_equal(a->scope, b->scope);
            assert_string_not_equal(a->scope, "row");
            assert_string_not_equal(b->scope, "row");
        }
    }
}

static void clean_bytes(cleaned *c, const char *study_text, const char *csv, size_t length, const char *as_of)
{
    clean_bytes_on(c, study_text, csv, length, as_of, 0);
}

static void clean_text(cleaned *c, const char *study_text, const char *csv, const char *as_of)
{
    clean_bytes(c, study_text, csv, strlen(csv), as_of);
}

/* Cleans the rows (without header) of a cohort in the columns of net_header under net_study. */
static void clean_net(cleaned *c, const char *rows, const char *as_of)
{
    char csv[4096];
    int n = snprintf(csv, sizeof csv, "%s%s", net_header, rows);
    assert_true(n > 0 && (size_t)n < sizeof csv);
    clean_text(c, net_study, csv, as_of);
}

/* The log line of a record (from 1) and scope, NULL if none. */
static const exclusion *line_for(const cleaned *c, size_t row, const char *scope)
{
    for (size_t i = 0; i < c->log->n; i++)
        if (c->log->items[i].row == row && strcmp(c->log->items[i].scope, scope) == 0)
            return &c->log->items[i];
    return NULL;
}

/* The W_INVALID_VALUE line of a record (from 1) and column, NULL if none. */
static const exclusion *value_line(const cleaned *c, size_t row, const char *column)
{
    for (size_t i = 0; i < c->log->n; i++) {
        const exclusion *e = &c->log->items[i];
        if (e->row == row && strcmp(e->scope, "value") == 0 && strcmp(e->column, column) == 0) {
            assert_string_equal(e->code, "W_INVALID_VALUE");
            return e;
        }
    }
    return NULL;
}

static size_t lines_of_row(const cleaned *c, size_t row)
{
    size_t n = 0;
    for (size_t i = 0; i < c->log->n; i++)
        n += c->log->items[i].row == row;
    return n;
}

/* Fails unless record row has a line of scope with code (and, when column is given, that column). */
#define assert_verdict(c, row, scope, code, column) assert_verdict_at((c), (row), (scope), (code), (column), __LINE__)

static void assert_verdict_at(const cleaned *c, size_t row, const char *scope, const char *code, const char *column,
                              int line)
{
    const exclusion *e = line_for(c, row, scope);
    if (!e || strcmp(e->code, code) != 0 || (column && strcmp(e->column, column) != 0)) {
        print_error("row %zu scope %s: got %s (column %s), want %s (column %s)\n", row, scope,
                    e ? e->code : "no line", e ? e->column : "-", code, column ? column : "any");
        for (size_t i = 0; i < c->log->n; i++)
            if (c->log->items[i].row == row)
                print_error("  line: %s %s %s '%s'\n", c->log->items[i].scope, c->log->items[i].code,
                            c->log->items[i].column, c->log->items[i].value);
        _fail(__FILE__, line);
    }
}

/* Index in data of record row, -1 if it was excluded at row scope. */
static int analysed_index(const cleaned *c, size_t row)
{
    for (size_t i = 0; i < c->data->n; i++)
        if (c->data->record[i] == row)
            return (int)i;
    return -1;
}

static int variable_index(const cleaned *c, const char *name)
{
    int v = study_find_variable(c->study, name);
    assert_true(v >= 0);
    return v;
}

/* ---- the verdict codes ---- */

static void test_row_scope_codes(void **state)
{
    (void)state;
    cleaned c;
    static const char csv_rows[] =
        "P1,2010-01-01,,,2011-01-01,60,30,G1,yes,TACE,\n"            /* 1 included */
        "P2,2010-01-01,,,2011-01-01,60\n"                            /* 2 E_MALFORMED_ROW */
        ",2010-01-01,,,2011-01-01,60,30,G1,yes,TACE,\n"              /* 3 E_MISSING_ID */
        "NA,2010-01-01,,,2011-01-01,60,30,G1,yes,TACE,\n"            /* 4 E_MISSING_ID (token) */
        " p1 ,2010-01-01,,,2011-01-01,60,30,G1,yes,TACE,\n"          /* 5 E_DUPLICATE_ID (case, space) */
        "P6,2010-01-01,,,2011-01-01,60,30,G1,yes,,\n"                /* 6 E_MISSING_TREATMENT */
        "P7,2010-01-01,,,2011-01-01,60,30,G1,yes,unknown,\n"         /* 7 E_MISSING_TREATMENT (token) */
        "P8,2010-01-01,,,2011-01-01,60,30,G1,yes,surgery,\n"         /* 8 E_UNKNOWN_TREATMENT */
        "P9,,,,2011-01-01,60,30,G1,yes,TACE,\n"                      /* 9 E_MISSING_START */
        "P10,2010-02-30,,,2011-01-01,60,30,G1,yes,TACE,\n"           /* 10 E_BAD_DATE (start) */
        "P11,2010-01-01,,0000-00-00,2011-01-01,60,30,G1,yes,TACE,\n" /* 11 E_BAD_DATE (death: both) */
        "P12,2010-01-01,,,2009-12-31,60,30,G1,yes,TACE,\n"           /* 12 E_CENSOR_BEFORE_START */
        "P13,2010-01-01,,,,60,30,G1,yes,TACE,\n"                     /* 13 E_NO_FOLLOWUP */
        "P14,2010-01-01,,2009-06-01,2011-01-01,60,30,G1,yes,TACE,\n" /* 14 E_EVENT_BEFORE_START (both) */
        "P15,2010-01-01,,,2011-01-01,60,30,G1,yes,TACE\n";           /* 15 E_MALFORMED_ROW (one short) */
    clean_net(&c, csv_rows, NULL);
    assert_int_equal(c.data->rows_read, 15);
    assert_int_equal(c.data->n, 1);
    assert_int_equal(analysed_index(&c, 1), 0);
    assert_int_equal(lines_of_row(&c, 1), 0);
    assert_verdict(&c, 2, "row", "E_MALFORMED_ROW", NULL);
    assert_verdict(&c, 3, "row", "E_MISSING_ID", "pid");
    assert_verdict(&c, 4, "row", "E_MISSING_ID", "pid");
    assert_verdict(&c, 5, "row", "E_DUPLICATE_ID", "pid");
    assert_verdict(&c, 6, "row", "E_MISSING_TREATMENT", "modality");
    assert_verdict(&c, 7, "row", "E_MISSING_TREATMENT", "modality");
    assert_verdict(&c, 8, "row", "E_UNKNOWN_TREATMENT", "modality");
    assert_string_equal(line_for(&c, 8, "row")->value, "surgery");
    assert_verdict(&c, 9, "row", "E_MISSING_START", "start");
    assert_verdict(&c, 10, "row", "E_BAD_DATE", "start");
    assert_string_equal(line_for(&c, 10, "row")->value, "2010-02-30");
    assert_verdict(&c, 11, "row", "E_BAD_DATE", "death");
    assert_verdict(&c, 12, "row", "E_CENSOR_BEFORE_START", "last");
    assert_verdict(&c, 13, "row", "E_NO_FOLLOWUP", NULL);
    assert_verdict(&c, 14, "row", "E_EVENT_BEFORE_START", "death");
    assert_verdict(&c, 15, "row", "E_MALFORMED_ROW", NULL);
    /* The ids as written (trimmed). */
    assert_string_equal(line_for(&c, 5, "row")->id, "p1");
    assert_string_equal(line_for(&c, 8, "row")->id, "P8");
    for (size_t row = 2; row <= 15; row++)
        assert_int_equal(lines_of_row(&c, row), 1);
    cleaned_free(&c);
}

static void test_endpoint_scope_codes(void **state)
{
    (void)state;
    cleaned c;
    clean_net(&c,
              "P1,2010-01-01,2009-12-01,,2011-01-01,60,30,G1,yes,TACE,\n"   /* hpfs: progression before start */
              "P2,2010-01-01,2010-13-01,,2011-01-01,60,30,G1,yes,TACE,\n"   /* hpfs: bad progression date */
              "P3,2010-01-01,2010-06-01,,2011-01-01,60,30,G1,yes,TACE,\n"   /* included, hpfs event */
              "P4,2010-01-01,,2010-03-01,2010-02-01,60,30,G1,yes,TACE,\n"   /* included: censor date unused */
              "P5,2010-01-01,,,2010-02-31,60,30,G1,yes,TACE,\n"             /* bad censor date: both */
              "P6,2010-01-01,,2010-01-01,2010-01-01,60,30,G1,yes,TACE,\n", /* event at time 0 */
              NULL);
    assert_int_equal(c.data->rows_read, 6);
    assert_int_equal(c.data->n, 5);
    assert_verdict(&c, 1, "hpfs", "E_EVENT_BEFORE_START", "prog");
    assert_null(line_for(&c, 1, "os"));
    assert_null(line_for(&c, 1, "row"));
    assert_verdict(&c, 2, "hpfs", "E_BAD_DATE", "prog");
    assert_string_equal(line_for(&c, 2, "hpfs")->value, "2010-13-01");
    assert_null(line_for(&c, 2, "os"));
    assert_int_equal(lines_of_row(&c, 3), 0);
    assert_int_equal(lines_of_row(&c, 4), 0);
    assert_verdict(&c, 5, "row", "E_BAD_DATE", "last");
    assert_int_equal(lines_of_row(&c, 6), 0);

    int hpfs = 0, os = 1;
    int r1 = analysed_index(&c, 1), r3 = analysed_index(&c, 3), r4 = analysed_index(&c, 4), r6 = analysed_index(&c, 6);
    assert_true(r1 >= 0 && r3 >= 0 && r4 >= 0 && r6 >= 0);
    /* An excluded endpoint: no time, event -1, no days. */
    assert_true(isnan(c.data->time[hpfs][r1]));
    assert_int_equal(c.data->event[hpfs][r1], -1);
    assert_true(c.data->start_day[hpfs][r1] == DATASET_NO_DAY);
    assert_int_equal(c.data->event[os][r1], 0);
    assert_close(c.data->time[os][r1], 365 / MONTH, 1e-12);
    /* Progression 2010-06-01: 151 days. */
    assert_int_equal(c.data->event[hpfs][r3], 1);
    assert_close(c.data->time[hpfs][r3], 151 / MONTH, 1e-12);
    assert_int_equal(c.data->end_day[hpfs][r3], text_days_from_civil(2010, 6, 1));
    assert_int_equal(c.data->start_day[hpfs][r3], text_days_from_civil(2010, 1, 1));
    assert_int_equal(c.data->event[os][r3], 0);
    /* Death 2010-03-01 (59 days) is the event of both endpoints, whatever the censor date says. */
    assert_int_equal(c.data->event[hpfs][r4], 1);
    assert_int_equal(c.data->event[os][r4], 1);
    assert_close(c.data->time[os][r4], 59 / MONTH, 1e-12);
    assert_close(c.data->time[os][r6], 0.0, 0);
    assert_int_equal(c.data->event[os][r6], 1);
    cleaned_free(&c);
}

/* Where several codes apply the first of the table wins. */
static void test_first_code_wins(void **state)
{
    (void)state;
    cleaned c;
    clean_net(&c,
              "P1,2010-01-01,,,2011-01-01,60,30,G1,yes,TACE,\n"
              ",2010-01-01,,,2011-01-01,60,30,G1,yes\n"                      /* malformed before missing id */
              "P3,,,,2011-01-01,60,30,G1,yes,,\n"                            /* treatment before start */
              "P1,2010-01-01,,,2011-01-01,60,30,G1,yes,surgery,\n"           /* duplicate before treatment */
              "P5,2010-01-01,2009-01-01,2010-02-30,2011-01-01,60,30,G1,yes,TACE,\n" /* bad date before event<start */
              "P6,2010-01-01,,,,60,30,G1,yes,TACE,\n",
              NULL);
    assert_verdict(&c, 2, "row", "E_MALFORMED_ROW", NULL);
    assert_verdict(&c, 3, "row", "E_MISSING_TREATMENT", "modality");
    assert_verdict(&c, 4, "row", "E_DUPLICATE_ID", "pid");
    assert_verdict(&c, 5, "row", "E_BAD_DATE", NULL);
    assert_verdict(&c, 6, "row", "E_NO_FOLLOWUP", NULL);
    assert_int_equal(c.data->n, 1);
    cleaned_free(&c);
}

static void test_duplicate_ids(void **state)
{
    (void)state;
    cleaned c;
    clean_net(&c,
              "A,2010-01-01,,,2011-01-01,60,30,G1,yes,,\n"           /* 1 excluded (missing treatment): A kept */
              "A,2010-01-01,,,2011-01-01,60,30,G1,yes,TACE,\n"       /* 2 duplicate of 1 */
              "B,2010-01-01,,,2011-01-01,60\n"                       /* 3 malformed: B not seen */
              "B,2010-01-01,,,2011-01-01,60,30,G1,yes,TACE,\n"       /* 4 included */
              "\"b\",2010-01-01,,,2011-01-01,60,30,G1,yes,TACE,\n"   /* 5 duplicate of 4 */
              "C,2010-01-01,,,2011-01-01,60,30,G1,yes,TACE,\n",      /* 6 included */
              NULL);
    assert_verdict(&c, 1, "row", "E_MISSING_TREATMENT", NULL);
    assert_verdict(&c, 2, "row", "E_DUPLICATE_ID", "pid");
    assert_verdict(&c, 3, "row", "E_MALFORMED_ROW", NULL);
    assert_int_equal(lines_of_row(&c, 4), 0);
    assert_verdict(&c, 5, "row", "E_DUPLICATE_ID", "pid");
    assert_int_equal(c.data->n, 2);
    assert_string_equal(c.data->id[0], "B");
    assert_int_equal(c.data->record[0], 4);
    assert_string_equal(c.data->id[1], "C");
    assert_int_equal(c.data->record[1], 6);
    cleaned_free(&c);
}

/* ---- values ---- */

static void test_invalid_and_missing_values(void **state)
{
    (void)state;
    cleaned c;
    clean_net(&c,
              "P1,2010-01-01,,,2011-01-01,250,30,G4,maybe,TACE,\n"   /* age above max, unknown level x2 */
              "P2,2010-01-01,,,2011-01-01,NA,,missing,,TACE,\n"     /* missing, not invalid */
              "P3,2010-01-01,,,2011-01-01,6\xFF,abc,G1,yes,TACE,\n" /* invalid UTF-8, not a number */
              "P4,2010-01-01,,,2011-01-01,nan,inf,G1,yes,TACE,\n"
              "P5,2010-01-01,,,2011-01-01,\"6,2\",0x10,G1,yes,TACE,\n"
              "P6,2010-01-01,,,2011-01-01,17.9,-5,G1,yes,TACE,\n", /* below min; no bound on burden */
              NULL);
    /* Invalid values never exclude the row. */
    assert_int_equal(c.data->n, 6);
    int age = variable_index(&c, "age"), burden = variable_index(&c, "burden"), grade = variable_index(&c, "grade");
    int status = variable_index(&c, "status");
    assert_string_equal(value_line(&c, 1, "age")->value, "250");
    assert_string_equal(value_line(&c, 1, "grade")->value, "G4");
    assert_string_equal(value_line(&c, 1, "status")->value, "maybe");
    assert_null(value_line(&c, 1, "burden"));
    assert_int_equal(lines_of_row(&c, 1), 3);
    assert_true(isnan(dataset_value(c.data, age, 0)));
    assert_true(isnan(dataset_value(c.data, grade, 0)));
    assert_true(isnan(dataset_value(c.data, status, 0)));
    assert_close(dataset_value(c.data, burden, 0), 0, 0);
    /* Missing values are counted but not logged. */
    assert_int_equal(lines_of_row(&c, 2), 0);
    assert_true(isnan(dataset_value(c.data, age, 1)) && isnan(dataset_value(c.data, burden, 1)));
    assert_true(isnan(dataset_value(c.data, grade, 1)) && isnan(dataset_value(c.data, status, 1)));
    for (size_t row = 3; row <= 5; row++) {
        assert_non_null(value_line(&c, row, "age"));
        assert_non_null(value_line(&c, row, "burden"));
        assert_int_equal(lines_of_row(&c, row), 2);
        assert_true(isnan(dataset_value(c.data, age, row - 1)));
        assert_true(isnan(dataset_value(c.data, burden, row - 1)));
    }
    assert_string_equal(value_line(&c, 3, "age")->value, "6\xFF");
    assert_string_equal(value_line(&c, 5, "age")->value, "6,2");
    assert_string_equal(value_line(&c, 6, "age")->value, "17.9");
    assert_int_equal(lines_of_row(&c, 6), 1);
    assert_int_equal(c.data->missing[age], 6);
    assert_int_equal(c.data->missing[burden], 4);
    assert_int_equal(c.data->missing[grade], 2);
    cleaned_free(&c);
}

/* The message of an invalid value names what is allowed: the range, the levels. */
static void test_invalid_value_messages(void **state)
{
    (void)state;
    cleaned c;
    clean_net(&c,
              "P1,2010-01-01,,,2011-01-01,250,30,G4,maybe,TACE,\n"
              "P2,2010-01-01,,,2011-01-01,sixty,30,G1,yes,TACE,\n"
              "P3,2010-01-01,,,2011-01-01,6\xFF,30,G1,yes,TACE,\n",
              NULL);
    assert_string_equal(value_line(&c, 1, "age")->message,
                        "the value is outside the allowed range of age (18 to 100) and is treated as missing");
    assert_string_equal(value_line(&c, 1, "grade")->message,
                        "the value is not a level or alias of grade (levels: G1, G2, G3) and is treated as missing");
    assert_string_equal(value_line(&c, 2, "age")->message, "the value is not a number and is treated as missing");
    assert_non_null(strstr(value_line(&c, 3, "age")->message, "not valid text"));
    cleaned_free(&c);
    /* One bound only. */
    char study[2048];
    snprintf(study, sizeof study, "%s", net_study);
    char *max = strstr(study, "max = 100\n");
    assert_non_null(max);
    memmove(max, max + strlen("max = 100\n"), strlen(max + strlen("max = 100\n")) + 1);
    clean_text(&c, study, "pid,start,prog,death,last,age,burden,grade,status,modality\n"
                          "P1,2010-01-01,,,2011-01-01,12.5,1,G1,yes,TACE\n", NULL);
    assert_string_equal(value_line(&c, 1, "age")->message,
                        "the value is below the allowed minimum of age (18) and is treated as missing");
    cleaned_free(&c);
}

/* Every categorical value that matches no level is counted per variable and distinct value (as
 * normalized: case and inner spaces do not make a new value), the treatment's too. */
static void test_unmatched_values_are_counted(void **state)
{
    (void)state;
    cleaned c;
    clean_net(&c,
              "P1,2010-01-01,,2010-06-01,2011-01-01,60,30,G4,maybe,TACE,\n"
              "P2,2010-01-01,,,2011-01-01,60,30,g4,yes,Lev+5-FU,\n" /* excluded: its grade is not read */
              "P3,2010-01-01,,,2011-01-01,60,30,G 4,yes,TARE,\n"
              "P4,2010-01-01,,,2011-01-01,60,30, G4 ,MAYBE,TAE,\n"
              "P5,2010-01-01,,,2011-01-01,60,30,,x\xFFy,TACE,\n"
              "P6,2010-01-01,,,2011-01-01,60,30,G1,yes,lev+5-fu,\n"
              "P7,2010-01-01,,,2011-01-01,60,30,G1,yes,LEV+5-FU,\n"
              "P8,2010-01-01,,,2011-01-01,60,30,G1,yes,PRRT,\n"
              "P8,2010-01-01,,,2011-01-01,60,30,G9,no,TACE,\n", /* a duplicate id: not counted */
              NULL);
    int grade = variable_index(&c, "grade"), status = variable_index(&c, "status"),
        modality = variable_index(&c, "modality");
    const struct {
        int *variable;
        const char *value;
        size_t count;
    } want[] = {{&grade, "G4", 2}, {&status, "maybe", 2}, {&modality, "Lev+5-FU", 3}, {&grade, "G 4", 1},
                {&status, "x?y", 1}, {&modality, "PRRT", 1}};
    assert_int_equal(c.log->n_unmatched, 6);
    for (size_t i = 0; i < 6; i++) {
        const unmatched_value *u = &c.log->unmatched[i];
        assert_int_equal(u->variable, *want[i].variable);
        assert_string_equal(u->value, want[i].value);
        assert_int_equal(u->count, want[i].count);
    }
    results *r = results_new();
    assert_non_null(r);
    assert_int_equal(clean_warn(c.study, c.data, c.log, r), EMBOLO_OK);
    static const char *const warnings[] = {
        "grade: 2 rows have 'G4', which is not a level (levels: G1, G2, G3); the values are treated as missing "
        "(W_INVALID_VALUE)",
        "grade: 1 row has 'G 4', which is not a level (levels: G1, G2, G3); the value is treated as missing "
        "(W_INVALID_VALUE)",
        "status: 2 rows have 'maybe', which is not a level (levels: yes, no, unknown); the values are treated as "
        "missing (W_INVALID_VALUE)",
        "status: 1 row has 'x?y', which is not a level (levels: yes, no, unknown); the value is treated as missing "
        "(W_INVALID_VALUE)",
        "modality: 3 rows have 'Lev+5-FU', which is not a level (levels: TACE, TARE, TAE); the rows are excluded "
        "(E_UNKNOWN_TREATMENT)",
        "modality: 1 row has 'PRRT', which is not a level (levels: TACE, TARE, TAE); the row is excluded "
        "(E_UNKNOWN_TREATMENT)",
    };
    assert_int_equal(r->n_warnings, 6);
    for (size_t i = 0; i < 6; i++)
        assert_string_equal(r->warnings[i], warnings[i]);
    results_free(r);
    cleaned_free(&c);
}

/* Past CLEAN_MAX_LISTED_VALUES values of one variable, the rest are counted in one warning; the
 * label names the variable when there is one. */
static void test_unmatched_values_beyond_the_listed(void **state)
{
    (void)state;
    cleaned c;
    char csv[4096], study[2048];
    size_t used = (size_t)snprintf(csv, sizeof csv, "t,s,x\n5,0,a\n");
    for (int i = 0; i < 9; i++)
        for (int k = 0; k <= (i < 3 ? 2 - i : 0); k++)
            used += (size_t)snprintf(csv + used, sizeof csv - used, "5,1,v%d\n", i);
    snprintf(study, sizeof study, "%s", time_study);
    char *numeric = strstr(study, "type = numeric\n");
    assert_non_null(numeric);
    snprintf(numeric, sizeof study - (size_t)(numeric - study), "label = Arm\ntype = categorical\nlevels = a, b\n");
    clean_text(&c, study, csv, NULL);
    assert_int_equal(c.log->n_unmatched, 9);
    results *r = results_new();
    assert_non_null(r);
    assert_int_equal(clean_warn(c.study, c.data, c.log, r), EMBOLO_OK);
    assert_int_equal(r->n_warnings, CLEAN_MAX_LISTED_VALUES + 1);
    assert_string_equal(r->warnings[0], "Arm: 3 rows have 'v0', which is not a level (levels: a, b); the values are "
                                        "treated as missing (W_INVALID_VALUE)");
    assert_non_null(strstr(r->warnings[1], "2 rows have 'v1'"));
    assert_non_null(strstr(r->warnings[4], "1 row has 'v4'"));
    assert_string_equal(r->warnings[5], "Arm: and 4 more values that are not a level, in 4 rows (exclusions.csv "
                                        "lists them); treated as missing (W_INVALID_VALUE)");
    results_free(r);
    cleaned_free(&c);
}

/* An endpoint without events, or whose event or censor values match no record, is named. */
static void test_endpoint_tallies_and_warnings(void **state)
{
    (void)state;
    cleaned c;
    results *r = results_new();
    assert_non_null(r);
    /* Status 2 means death here, but the study says 1: no record has an event value. */
    clean_text(&c, time_study, "t,s,x\n5,2,1\n6,0,2\n7,2,3\nbad,dead,4\n", NULL);
    assert_int_equal(c.data->tally[0].analysed, 1);
    assert_int_equal(c.data->tally[0].events, 0);
    assert_int_equal(c.data->tally[0].event_values, 1);
    assert_int_equal(c.data->tally[0].censor_values, 1);
    cleaned_free(&c);
    clean_text(&c, time_study, "t,s,x\n5,2,1\n6,0,2\n7,2,3\n", NULL);
    assert_int_equal(c.data->tally[0].event_values, 0);
    assert_int_equal(clean_warn(c.study, c.data, c.log, r), EMBOLO_OK);
    assert_int_equal(r->n_warnings, 1);
    assert_string_equal(r->warnings[0], "os: no record has one of the event values (dead, 1) in the column 's': the "
                                        "endpoint has no events");
    cleaned_free(&c);
    /* Censor values that match nothing; then a date endpoint without events. */
    clean_text(&c, time_study, "t,s,x\n5,1,1\n6,9,2\n", NULL);
    assert_int_equal(clean_warn(c.study, c.data, c.log, r), EMBOLO_OK);
    assert_int_equal(r->n_warnings, 2);
    assert_non_null(strstr(r->warnings[1], "os: no record has one of the censor values (alive, 0)"));
    cleaned_free(&c);
    clean_net(&c, "P1,2010-01-01,,,2011-01-01,60,30,G1,yes,TACE,\nP2,2010-01-01,2010-06-01,,2011-01-01,60,30,G1,"
                  "yes,TACE,\n", NULL);
    assert_int_equal(c.data->tally[0].events, 1);
    assert_int_equal(c.data->tally[1].analysed, 2);
    assert_int_equal(c.data->tally[1].events, 0);
    assert_int_equal(clean_warn(c.study, c.data, c.log, r), EMBOLO_OK);
    assert_int_equal(r->n_warnings, 3);
    assert_string_equal(r->warnings[2], "os: no events among its 2 analysed rows: no median, survival differences or "
                                        "hazard ratios can be estimated");
    cleaned_free(&c);
    results_free(r);
}

static void test_synonyms_case_and_cut(void **state)
{
    (void)state;
    cleaned c;
    clean_net(&c,
              "P1,2010-01-01,,,2011-01-01, 62 ,50,grade 1,YES,Y-90,\n"
              "P2,2010-01-01,,,2011-01-01,1e1,50.5,g2,No,  tare ,\n"
              "P3,2010-01-01,,,2011-01-01,18,-1e3,  GRADE   1 ,Unknown,Bland   Embolization,\n"
              "P4,2010-01-01,,,2011-01-01,100,51,3,unknown,tace,\n",
              NULL);
    assert_int_equal(c.data->n, 4);
    int age = variable_index(&c, "age"), burden = variable_index(&c, "burden"), grade = variable_index(&c, "grade");
    int status = variable_index(&c, "status"), modality = variable_index(&c, "modality");
    static const double ages[] = {62, NAN, 18, 100}; /* 1e1 = 10 is below the minimum */
    static const double burdens[] = {0, 1, 0, 1};     /* cut 50: <=50 is level 0 */
    static const double grades[] = {0, 1, 0, 2};
    static const double statuses[] = {0, 1, 2, 2};    /* the level "unknown" wins over the token */
    static const double modalities[] = {1, 1, 2, 0};
    for (size_t i = 0; i < 4; i++) {
        assert_close(dataset_value(c.data, age, i), ages[i], 0);
        assert_close(dataset_value(c.data, burden, i), burdens[i], 0);
        assert_close(dataset_value(c.data, grade, i), grades[i], 0);
        assert_close(dataset_value(c.data, status, i), statuses[i], 0);
        assert_close(dataset_value(c.data, modality, i), modalities[i], 0);
    }
    assert_non_null(value_line(&c, 2, "age"));
    assert_int_equal(c.log->n, 1);
    cleaned_free(&c);
}

static void test_na_values_replace_the_tokens(void **state)
{
    (void)state;
    cleaned c;
    static const char study_text[] = "[study]\nna_values = ?, not done\n"
                                     "[endpoint.os]\ntime = t\nstatus = s\nevent_values = 1\ncensor_values = 0\n"
                                     "[variable.x]\ntype = numeric\n[variable.g]\ntype = categorical\nlevels = a, b\n";
    clean_text(&c, study_text, "t,s,x,g\n1,1,?,NOT  DONE\n2,0,NA,-\n3,1,,a\n", NULL);
    assert_int_equal(c.data->n, 3);
    /* "?" and "not done" are missing; NA, "-" and empty are no longer tokens: invalid. */
    assert_int_equal(lines_of_row(&c, 1), 0);
    assert_non_null(value_line(&c, 2, "x"));
    assert_non_null(value_line(&c, 2, "g"));
    assert_non_null(value_line(&c, 3, "x"));
    assert_int_equal(lines_of_row(&c, 3), 1);
    assert_int_equal(c.data->missing[0], 3);
    assert_int_equal(c.data->missing[1], 2);
    cleaned_free(&c);
}

/* ---- times ---- */

static void test_time_status_endpoint(void **state)
{
    (void)state;
    cleaned c;
    static const char csv[] = "t,s,x\n"
                              "304.375,dead,1\n" /* 1: 10 months, event */
                              "0,ALIVE,2\n"      /* 2: time 0 allowed */
                              "-1,1,3\n"         /* 3: E_BAD_TIME negative */
                              "abc,1,4\n"        /* 4: E_BAD_TIME */
                              ",0,5\n"           /* 5: E_BAD_TIME missing */
                              "nan,1,6\n"        /* 6: E_BAD_TIME */
                              "inf,0,7\n"        /* 7: E_BAD_TIME */
                              "5,maybe,8\n"      /* 8: E_BAD_STATUS */
                              "5,,9\n"           /* 9: E_BAD_STATUS missing */
                              " 60.875 , 0 ,10\n" /* 10: 2 months, censored */
                              "1e2,1,11\n";      /* 11: 100 days */
    clean_text(&c, time_study, csv, NULL);
    assert_int_equal(c.data->rows_read, 11);
    assert_int_equal(c.data->n, 4);
    for (size_t row = 3; row <= 7; row++)
        assert_verdict(&c, row, "row", "E_BAD_TIME", "t");
    assert_verdict(&c, 8, "row", "E_BAD_STATUS", "s");
    assert_verdict(&c, 9, "row", "E_BAD_STATUS", "s");
    /* Without an id column the id is the record number. */
    assert_string_equal(line_for(&c, 8, "row")->id, "8");
    static const size_t rows[] = {1, 2, 10, 11};
    static const double times[] = {10.0, 0.0, 2.0, 100 / MONTH};
    static const int events[] = {1, 0, 0, 1};
    for (size_t i = 0; i < 4; i++) {
        int r = analysed_index(&c, rows[i]);
        assert_int_equal(r, (int)i);
        assert_close(c.data->time[0][r], times[i], 1e-12);
        assert_int_equal(c.data->event[0][r], events[i]);
        assert_true(c.data->start_day[0][r] == DATASET_NO_DAY);
        char id[16];
        snprintf(id, sizeof id, "%zu", rows[i]);
        assert_string_equal(c.data->id[r], id);
    }
    cleaned_free(&c);

    /* A time that is finite as written but not in the study's unit (1e307 years in days) is E_BAD_TIME. */
    static const char years_study[] = "[study]\ntime_unit = days\n[endpoint.os]\ntime = t\nstatus = s\n"
                                      "event_values = 1\ncensor_values = 0\ntime_unit = years\n";
    clean_text(&c, years_study, "t,s\n1e307,1\n2,0\n1e306,bad\n", NULL);
    assert_int_equal(c.data->n, 1);
    assert_verdict(&c, 1, "row", "E_BAD_TIME", "t");
    assert_verdict(&c, 3, "row", "E_BAD_TIME", "t");
    assert_close(c.data->time[0][0], 730.5, 1e-15);
    cleaned_free(&c);

    /* An as-of date does not change time/status endpoints. */
    clean_text(&c, time_study, "t,s,x\n304.375,dead,1\n", "1970-01-02");
    assert_int_equal(c.data->n, 1);
    assert_close(c.data->time[0][0], 10.0, 1e-12);
    assert_int_equal(c.data->event[0][0], 1);
    cleaned_free(&c);
}

static void test_dates_in_months_and_formats(void **state)
{
    (void)state;
    cleaned c;
    static const char mdy_study[] = "[study]\ntime_unit = months\ndate_format = MDY\n"
                                    "[endpoint.os]\nstart = s\nevent_dates = d\ncensor_date = l\n";
    clean_text(&c, mdy_study, "s,d,l\n1/31/2010,,7/31/2010\n2010-01-01,3/4/2010,\n31/1/2010,,7/31/2010\n", NULL);
    assert_int_equal(c.data->n, 2);
    assert_close(c.data->time[0][0], 181 / MONTH, 1e-12);
    assert_int_equal(c.data->event[0][0], 0);
    assert_close(c.data->time[0][1], 62 / MONTH, 1e-12); /* 2010-01-01 to 2010-03-04 */
    assert_int_equal(c.data->event[0][1], 1);
    assert_verdict(&c, 3, "row", "E_BAD_DATE", "s");
    assert_true(c.data->has_newest_date);
    assert_int_equal(c.data->newest_date, text_days_from_civil(2010, 7, 31));
    cleaned_free(&c);

    static const char dmy_study[] = "[study]\ntime_unit = years\ndate_format = DMY\n"
                                    "[endpoint.os]\nstart = s\nevent_dates = d\ncensor_date = l\n";
    clean_text(&c, dmy_study, "s,d,l\n1/2/2010,1/2/2011,\n0001-01-01,,9999-12-31\n", NULL);
    assert_int_equal(c.data->n, 2);
    assert_close(c.data->time[0][0], 365 / 365.25, 1e-12);
    assert_close(c.data->time[0][1], (2932896.0 + 719162.0) / 365.25, 1e-12);
    cleaned_free(&c);
}

/* The earliest event date is the event; an empty one is skipped. */
static void test_earliest_event_date(void **state)
{
    (void)state;
    cleaned c;
    clean_net(&c,
              "P1,2010-01-01,2010-05-01,2010-03-01,2011-01-01,60,30,G1,yes,TACE,\n"
              "P2,2010-01-01,,2010-03-01,2011-01-01,60,30,G1,yes,TACE,\n",
              NULL);
    assert_int_equal(c.data->n, 2);
    assert_close(c.data->time[0][0], 59 / MONTH, 1e-12);
    assert_close(c.data->time[0][1], 59 / MONTH, 1e-12);
    assert_int_equal(c.data->event[0][0], 1);
    cleaned_free(&c);
}

/* ---- the as-of date ---- */

static const char as_of_rows[] =
    "P1,2010-01-01,,2010-09-01,2010-09-01,60,30,G1,yes,TACE,\n" /* 1: death after as-of: censored at it */
    "P2,2010-01-01,,,2011-01-01,60,30,G1,yes,TACE,\n"           /* 2: follow-up beyond: censored at as-of */
    "P3,2010-07-01,,,2011-01-01,60,30,G1,yes,TACE,\n"           /* 3: start after: E_START_AFTER_AS_OF */
    "P4,2010-01-01,2010-03-01,2010-08-01,2010-08-01,60,30,G1,yes,TACE,\n" /* 4: hpfs event kept; os censored */
    "P5,2010-01-01,,,2010-03-01,60,30,G1,yes,TACE,\n"           /* 5: follow-up before: unchanged */
    "P3,2010-07-01,,,,60,30,G1,yes,,\n"                         /* 6: start after as-of wins */
    "P7,2010-06-30,,,2010-06-30,60,30,G1,yes,TACE,\n";          /* 7: starts on the as-of date */

static void check_as_of_verdicts(const cleaned *c)
{
    long as_of = text_days_from_civil(2010, 6, 30), start = text_days_from_civil(2010, 1, 1);
    assert_int_equal(c->data->rows_read, 7);
    assert_int_equal(c->data->n, 5);
    assert_verdict(c, 3, "row", "E_START_AFTER_AS_OF", "start");
    assert_verdict(c, 6, "row", "E_START_AFTER_AS_OF", "start");
    for (size_t e = 0; e < 2; e++) {
        assert_int_equal(c->data->event[e][0], 0);
        assert_close(c->data->time[e][0], (double)(as_of - start) / MONTH, 1e-12);
        assert_int_equal(c->data->end_day[e][0], as_of);
        assert_int_equal(c->data->event[e][1], 0);
        assert_close(c->data->time[e][1], (double)(as_of - start) / MONTH, 1e-12);
        assert_int_equal(c->data->event[e][3], 0);
        assert_close(c->data->time[e][3], 59 / MONTH, 1e-12);
        assert_close(c->data->time[e][4], 0.0, 0);
    }
    assert_int_equal(c->data->event[0][2], 1);
    assert_close(c->data->time[0][2], 59 / MONTH, 1e-12);
    assert_int_equal(c->data->event[1][2], 0);
    assert_close(c->data->time[1][2], (double)(as_of - start) / MONTH, 1e-12);
}

/* Hepatic progression with death competing (study-file.md, "Round 2 keys"). */
static const char competing_study[] =
    "[study]\n"
    "id = pid\n"
    "time_unit = days\n"
    "[endpoint.hp]\n"
    "start = start\n"
    "event_dates = prog\n"
    "competing_dates = death\n"
    "censor_date = last\n"
    "[variable.x]\n"
    "type = numeric\n";

static void test_competing_dates(void **state)
{
    (void)state;
    cleaned c;
    clean_text(&c, competing_study,
               "pid,start,prog,death,last,x\n"
               "P1,2010-01-01,2010-01-11,2010-01-21,2011-01-01,1\n" /* event first */
               "P2,2010-01-01,2010-01-31,2010-01-21,2011-01-01,1\n" /* competing first */
               "P3,2010-01-01,2010-01-21,2010-01-21,,1\n"           /* same day: the event */
               "P4,2010-01-01,,2010-01-06,,1\n"                     /* competing, no censor date needed */
               "P5,2010-01-01,,,2010-01-02,1\n"                     /* censored */
               "P6,2010-01-01,,2009-12-01,2011-01-01,1\n"           /* competing before the start */
               "P7,2010-01-01,,2010-02-30,2011-01-01,1\n"           /* bad competing date */
               "P8,2010-01-01,2010-03-01,2010-01-06,2011-01-01,1\n",
               "2010-01-31");                                           /* competing, as of 2010-01-31 */
    assert_int_equal(c.data->n, 6);
    static const double times[] = {10, 20, 20, 5, 1, 5};
    static const int events[] = {1, 2, 1, 2, 0, 2};
    for (size_t r = 0; r < 5; r++) {
        assert_close(c.data->time[0][r], times[r], 1e-12);
        assert_int_equal(c.data->event[0][r], events[r]);
    }
    assert_verdict(&c, 6, "row", "E_EVENT_BEFORE_START", "death");
    assert_verdict(&c, 7, "row", "E_BAD_DATE", "death");
    assert_close(c.data->time[0][5], times[5], 1e-12);
    assert_int_equal(c.data->event[0][5], events[5]);
    cleaned_free(&c);
    /* Dates after the as-of date are ignored: both after it, censored at it. */
    clean_text(&c, competing_study, "pid,start,prog,death,last,x\nP1,2010-01-01,2010-03-01,2010-02-01,,1\n",
               "2010-01-11");
    assert_int_equal(c.data->n, 1);
    assert_close(c.data->time[0][0], 10, 1e-12);
    assert_int_equal(c.data->event[0][0], 0);
    cleaned_free(&c);
}

static void test_competing_values(void **state)
{
    (void)state;
    cleaned c;
    static const char study_text[] = "[endpoint.rel]\ntime = t\nstatus = s\nevent_values = 1\ncensor_values = 0\n"
                                     "competing_values = 3, other death\n[variable.x]\ntype = numeric\n";
    clean_text(&c, study_text, "t,s,x\n5,1,1\n6,3,1\n7, Other  Death ,1\n8,0,1\n9,2,1\n", NULL);
    assert_int_equal(c.data->n, 4);
    static const int events[] = {1, 2, 2, 0};
    for (size_t r = 0; r < 4; r++)
        assert_int_equal(c.data->event[0][r], events[r]);
    assert_verdict(&c, 5, "row", "E_BAD_STATUS", "s");
    cleaned_free(&c);
}

static void test_as_of_option(void **state)
{
    (void)state;
    cleaned c;
    clean_net(&c, as_of_rows, "2010-06-30");
    check_as_of_verdicts(&c);
    cleaned_free(&c);
}

static void test_as_of_from_study_and_override(void **state)
{
    (void)state;
    cleaned c;
    char csv[2048], study_text[2048];
    snprintf(csv, sizeof csv, "%s%s", net_header, as_of_rows);
    snprintf(study_text, sizeof study_text, "[study]\nas_of = 2010-06-30\n%s", net_study + strlen("[study]\n"));
    clean_text(&c, study_text, csv, NULL);
    check_as_of_verdicts(&c);
    cleaned_free(&c);
    /* The option overrides the study's date (2000-01-01 would leave every record out). */
    snprintf(study_text, sizeof study_text, "[study]\nas_of = 2000-01-01\n%s", net_study + strlen("[study]\n"));
    clean_text(&c, study_text, csv, "2010-06-30");
    check_as_of_verdicts(&c);
    cleaned_free(&c);
    /* A late cut-off leaves every record in but the duplicate. */
    clean_net(&c, as_of_rows, "2030-01-01");
    assert_int_equal(c.data->n, 6);
    assert_verdict(&c, 6, "row", "E_DUPLICATE_ID", "pid");
    cleaned_free(&c);
}

/* ---- columns ---- */

static void test_columns_of_a_study(void **state)
{
    (void)state;
    study *s = test_study_parse(net_study);
    clean_columns *columns = NULL;
    assert_int_equal(clean_columns_new(s, &columns), EMBOLO_OK);
    /* id, the endpoints' date columns once each, then the variables' columns. */
    static const char *const want[] = {"pid", "start", "prog", "death", "last", "age", "burden", "grade",
                                       "status", "modality"};
    assert_int_equal(columns->n, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < columns->n; i++)
        assert_string_equal(columns->names[i], want[i]);
    clean_columns_free(columns);
    study_free(s);
}

static void test_code_messages(void **state)
{
    (void)state;
    static const char *const codes[] = {
        "E_MALFORMED_ROW", "E_START_AFTER_AS_OF", "E_MISSING_ID", "E_DUPLICATE_ID", "E_MISSING_TREATMENT",
        "E_UNKNOWN_TREATMENT", "E_MISSING_START", "E_BAD_DATE", "E_EVENT_BEFORE_START", "E_CENSOR_BEFORE_START",
        "E_NO_FOLLOWUP", "E_BAD_TIME", "E_BAD_STATUS", "W_INVALID_VALUE",
    };
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        const char *message = clean_code_message(codes[i]);
        assert_non_null(message);
        assert_true(strlen(message) > 10);
    }
    assert_null(clean_code_message("E_NONSENSE"));
    assert_null(clean_code_message(""));
}

/* The recorded dates of each analysed row (patients.csv's date.COLUMN): every date column of the
 * date-form endpoints once, in the study's order; as recorded, after the as-of date too; NA when
 * missing or not a date. */
static void test_recorded_dates(void **state)
{
    (void)state;
    cleaned c;
    clean_net(&c, "P1,2010-01-05,2010-06-01,2011-01-01,2015-05-05,60,10,G1,yes,TACE,\n"
                  "P2,2010-02-05,,,2011-01-01,60,10,G1,yes,TACE,\n"
                  "P3,2010-03-05,2010-02-30,,2011-01-01,60,10,G1,yes,TACE,\n",
              "2012-12-31");
    assert_int_equal(c.data->n_dates, 4);
    const char *columns[] = {"start", "prog", "death", "last"};
    for (size_t k = 0; k < 4; k++)
        assert_string_equal(c.data->date_column[k], columns[k]);
    char date[11];
    /* P1's last follow-up, after the as-of date and never read (both endpoints have an event). */
    text_format_date(c.data->date_day[3][0], date);
    assert_string_equal(date, "2015-05-05");
    text_format_date(c.data->date_day[0][1], date);
    assert_string_equal(date, "2010-02-05");
    assert_true(c.data->date_day[1][1] == DATASET_NO_DAY);
    assert_true(c.data->date_day[2][1] == DATASET_NO_DAY);
    /* P3's bad progression date excludes its HPFS, the row stays for OS; its date is NA. */
    int p3 = analysed_index(&c, 3);
    assert_true(p3 >= 0);
    assert_true(c.data->date_day[1][p3] == DATASET_NO_DAY);
    /* The newest date of the data stays the newest the analysis read (file dates do not change). */
    text_format_date(c.data->newest_date, date);
    assert_string_equal(date, "2011-01-01");
    cleaned_free(&c);
    clean_text(&c, time_study, "t,s,x\n10,dead,1\n", NULL);
    assert_int_equal(c.data->n_dates, 0);
    assert_null(c.data->date_day);
    cleaned_free(&c);
}


/* ---- two threads ---- */

/* Record i (from 0) of a cohort of n in net_header's columns, with every kind of verdict: ids seen
 * again across the halves and within each (in another case too), the first record of an id excluded
 * (start after the as-of date, missing treatment), malformed rows, missing ids, unknown treatments
 * whose values recur in both halves, invalid values, bad dates and every endpoint code. */
/* Empties text unless keep. */
static void keep_if(char *text, int keep)
{
    if (!keep)
        text[0] = '\0';
}

static int split_record(size_t i, size_t n, char *out, size_t size)
{
    static const char *const treatments[] = {"TACE", "tare", "Y90", "TAE", "bland embolization", "", "chemo",
                                             "Chemo", "PRRT", "TACE ", "CHEMO"};
    static const char *const grades[] = {"G1", "2", "G3", "grade 1", "G4", "", "NA", "g9"};
    static const char *const statuses[] = {"yes", "no", "unknown", "maybe", "x?y", "x\xFFy", ""};
    size_t k = i % 50000;  /* record i + 50000 has record i's id */
    char id[32], start[16], prog[16], death[16], last[16];
    snprintf(id, sizeof id, "%s%zu", i % 53 == 0 ? "p" : "P", i % 89 == 1 ? k + 3 : k);
    snprintf(start, sizeof start, "2010-%02zu-01", 1 + i % 12);
    snprintf(prog, sizeof prog, i % 5 == 0 ? "2011-%02zu-15" : "2009-01-%02zu", 1 + i % 12);
    snprintf(death, sizeof death, "2012-%02zu-%02d", i % 7 == 0 ? 1 + i % 12 : 2, i % 7 == 0 ? 28 : 30);
    snprintf(last, sizeof last, i % 43 == 0 ? "2009-06-%02zu" : "2013-%02zu-01", 1 + i % 12);
    keep_if(id, i % 101 != 7);
    keep_if(start, i % 61 != 0);
    keep_if(prog, i % 5 == 0 || i % 29 == 0);
    keep_if(death, i % 7 == 0 || i % 37 == 0);
    keep_if(last, i % 31 != 0);
    if (i % 97 == 5)
        snprintf(start, sizeof start, "2030-01-01");
    if (i % 211 == 3)
        return snprintf(out, size, "%s,%s,%s\n", id, start, last);
    return snprintf(out, size, "%s,%s,%s,%s,%s,%s,%.1f,%s,%s,%s,n%zu\n", id, start, prog, death, last,
                    i % 23 == 0 ? "150" : i % 41 == 0 ? "abc" : "61", (double)(i % 1000) / 10.0,
                    grades[i % 8], statuses[(i / 3) % 7], treatments[(i / 7 + (i > n / 2 ? 3 : 0)) % 11], i);
}

static char *split_cohort(size_t n, size_t *length)
{
    size_t size = sizeof net_header + n * 160, used = strlen(net_header);
    char *csv = malloc(size);
    assert_non_null(csv);
    memcpy(csv, net_header, used);
    for (size_t i = 0; i < n; i++) {
        int written = split_record(i, n, csv + used, size - used);
        assert_true(written > 0 && (size_t)written < size - used);
        used += (size_t)written;
    }
    *length = used;
    return csv;
}

static void assert_same_rows(const dataset *a, const dataset *b)
{
    const study *s = a->study;
    size_t n = a->n;
    assert_int_equal(a->n, b->n);
    assert_int_equal(a->rows_read, b->rows_read);
    assert_memory_equal(a->record, b->record, n * sizeof *a->record);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(a->id[i], b->id[i]);
    for (size_t e = 0; e < s->n_endpoints; e++) {
        assert_memory_equal(a->time[e], b->time[e], n * sizeof **a->time);
        assert_memory_equal(a->event[e], b->event[e], n * sizeof **a->event);
        assert_memory_equal(a->start_day[e], b->start_day[e], n * sizeof **a->start_day);
        assert_memory_equal(a->end_day[e], b->end_day[e], n * sizeof **a->end_day);
        assert_memory_equal(&a->tally[e], &b->tally[e], sizeof a->tally[e]);
    }
    for (size_t v = 0; v < s->n_variables; v++) {
        assert_int_equal(a->missing[v], b->missing[v]);
        assert_true(!a->code[v] == !b->code[v] && !a->value[v] == !b->value[v]);
        if (a->code[v])
            assert_memory_equal(a->code[v], b->code[v], n * sizeof **a->code);
        else
            assert_memory_equal(a->value[v], b->value[v], n * sizeof **a->value);
        assert_true(!a->cut_number[v] == !b->cut_number[v]);
        if (a->cut_number[v])
            assert_memory_equal(a->cut_number[v], b->cut_number[v], n * sizeof **a->cut_number);
    }
    assert_int_equal(a->n_dates, b->n_dates);
    for (size_t k = 0; k < a->n_dates; k++)
        assert_memory_equal(a->date_day[k], b->date_day[k], n * sizeof **a->date_day);
    assert_int_equal(a->has_newest_date, b->has_newest_date);
    assert_int_equal(a->newest_date, b->newest_date);
}

static void assert_same_log(const exclusion_log *a, const exclusion_log *b)
{
    assert_int_equal(a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        const exclusion *x = &a->items[i], *y = &b->items[i];
        assert_int_equal(x->row, y->row);
        assert_string_equal(x->id, y->id);
        assert_string_equal(x->scope, y->scope);
        assert_string_equal(x->code, y->code);
        assert_string_equal(x->column, y->column);
        assert_string_equal(x->value, y->value);
        assert_string_equal(x->message, y->message);
    }
    assert_int_equal(a->n_unmatched, b->n_unmatched);
    for (size_t i = 0; i < a->n_unmatched; i++) {
        assert_int_equal(a->unmatched[i].variable, b->unmatched[i].variable);
        assert_string_equal(a->unmatched[i].value, b->unmatched[i].value);
        assert_int_equal(a->unmatched[i].count, b->unmatched[i].count);
    }
}

/* The lines of code in records (from 1) of the first half (half 0) or the second (half 1). */
static size_t lines_in_half(const exclusion_log *log, const char *code, size_t n, int half)
{
    size_t count = 0;
    for (size_t i = 0; i < log->n; i++)
        count += strcmp(log->items[i].code, code) == 0 && (log->items[i].row > n / 2) == half;
    return count;
}

/* A cohort large enough to be split cleaned on one thread and on two: the same rows, values, log
 * lines and unmatched values, field by field, with every kind of verdict in both halves. */
static void test_two_threads_as_one(void **state)
{
    (void)state;
    size_t n = CLEAN_SPLIT_MIN_RECORDS + 4321, length;
    char *csv = split_cohort(n, &length);
    cleaned one, two;
    clean_bytes_on(&one, net_study, csv, length, "2020-01-01", 1);
    clean_bytes_on(&two, net_study, csv, length, "2020-01-01", 2);
    static const char *const codes[] = {"E_DUPLICATE_ID", "E_START_AFTER_AS_OF", "E_MALFORMED_ROW", "E_MISSING_ID",
                                        "E_UNKNOWN_TREATMENT", "E_MISSING_TREATMENT", "W_INVALID_VALUE", "E_BAD_DATE",
                                        "E_EVENT_BEFORE_START", "E_NO_FOLLOWUP", "E_MISSING_START"};
    for (size_t k = 0; k < sizeof codes / sizeof codes[0]; k++)
        for (int half = 0; half < 2; half++)
            assert_true(lines_in_half(one.log, codes[k], n, half) > 0);
    assert_true(one.data->n > n / 4);
    assert_true(one.log->n_unmatched >= 6);
    assert_same_rows(one.data, two.data);
    assert_same_log(one.log, two.log);
    cleaned_free(&one);
    cleaned_free(&two);
    free(csv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_competing_dates),
        cmocka_unit_test(test_competing_values),
        cmocka_unit_test(test_row_scope_codes),
        cmocka_unit_test(test_endpoint_scope_codes),
        cmocka_unit_test(test_first_code_wins),
        cmocka_unit_test(test_duplicate_ids),
        cmocka_unit_test(test_invalid_and_missing_values),
        cmocka_unit_test(test_invalid_value_messages),
        cmocka_unit_test(test_unmatched_values_are_counted),
        cmocka_unit_test(test_unmatched_values_beyond_the_listed),
        cmocka_unit_test(test_endpoint_tallies_and_warnings),
        cmocka_unit_test(test_synonyms_case_and_cut),
        cmocka_unit_test(test_na_values_replace_the_tokens),
        cmocka_unit_test(test_time_status_endpoint),
        cmocka_unit_test(test_dates_in_months_and_formats),
        cmocka_unit_test(test_earliest_event_date),
        cmocka_unit_test(test_as_of_option),
        cmocka_unit_test(test_as_of_from_study_and_override),
        cmocka_unit_test(test_columns_of_a_study),
        cmocka_unit_test(test_code_messages),
        cmocka_unit_test(test_recorded_dates),
        cmocka_unit_test(test_two_threads_as_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
