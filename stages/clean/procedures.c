/* Cleaning of the procedures file (procedures.md, sections 1-3), in its order of work: (1) the
 * patient records' id checks, (2) the procedure codes up to E_PROC_UNKNOWN_MODALITY, (3) a missing
 * start or treatment filled from the patient's earliest procedure left, (4) the patient records'
 * own cleaning (clean_run), (5) the remaining codes, the values and the derived per-patient data.
 * The values are read with the study's rules: normalizing, missing-value tokens, date_format and the
 * treatment variable's levels and aliases. */
#include "clean.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/text.h"
#include "common/textmap.h"

#define FIELD_MAX_TEXT 4096
#define NO_RECORD ((size_t)-1)
#define MORTALITY_WINDOW_DAYS 30

static const struct {
    const char *code;
    const char *message;
} procedure_codes[] = {
    {"E_PROC_MALFORMED_ROW", "the procedure record has a different number of fields than the header"},
    {"E_PROC_MISSING_ID", "the patient identifier of the procedure is missing"},
    {"E_PROC_UNKNOWN_PATIENT", "no patient record has this identifier"},
    {"E_PROC_MISSING_DATE", "the procedure date is missing"},
    {"E_PROC_BAD_DATE", "the procedure date is not a valid calendar date"},
    {"E_PROC_AFTER_AS_OF", "the procedure is after the as-of date (not yet part of this report)"},
    {"E_PROC_MISSING_MODALITY", "the modality is missing"},
    {"E_PROC_UNKNOWN_MODALITY", "the modality is not a known level or alias of the treatment"},
    {"E_PROC_PATIENT_EXCLUDED", "the patient's record is excluded"},
    {"E_PROC_BEFORE_START", "the procedure is before the patient's start date"},
    {"E_PROC_AFTER_DEATH", "the procedure is after the patient's death"},
    {"E_PROC_DUPLICATE", "the patient has an earlier procedure on the same day, which is kept"},
    {"W_PROC_BAD_GRADE", "the AE grade is not valid on the study's scale: the AE is unknown"},
    {"W_PROC_INVALID_VALUE", "the value is invalid and treated as missing"},
    {"W_INDEX_DATE_MISMATCH", "the patient file's start differs from the index procedure's date (the patient "
                              "file's is used)"},
    {"W_INDEX_MODALITY_MISMATCH", "the patient file's treatment differs from the index procedure's modality (the "
                                  "patient file's is used)"},
};

const char *clean_procedure_code_at(size_t i)
{
    return i < sizeof procedure_codes / sizeof procedure_codes[0] ? procedure_codes[i].code : NULL;
}

const char *clean_procedure_code_message(const char *code)
{
    for (size_t i = 0; i < sizeof procedure_codes / sizeof procedure_codes[0]; i++)
        if (strcmp(procedure_codes[i].code, code) == 0)
            return procedure_codes[i].message;
    return NULL;
}

/* ---- fields ---- */

typedef struct field {
    const char *bytes;
    size_t length;
    char normalized[FIELD_MAX_TEXT];
    int valid;     /* no NUL, valid UTF-8, fits */
    int missing;   /* a missing-value token, or a column the file lacks (unless filled) */
} field;

static size_t column_of(const clean_columns *columns, const char *name)
{
    for (size_t i = 0; name && i < columns->n; i++)
        if (text_equal_folded(columns->names[i], name))
            return i;
    return NO_RECORD;
}

static void field_read(const study *s, const ingest_table *table, size_t record, size_t column, field *out)
{
    out->bytes = ingest_value(table, record, column, &out->length);
    out->valid = text_normalize(out->bytes, out->length, out->normalized, sizeof out->normalized);
    out->missing = (out->length == 0 && !ingest_column_present(table, column)) ||
                   (out->valid && study_is_missing(s, out->normalized));
}

/* The field as identifiers, operators and terms are displayed (text_display). */
static void field_display(const field *f, char *out, size_t size)
{
    text_display(f->bytes, f->length, out, size);
}

/* ---- the run ---- */

/* A patient record as steps (1), (3) and (5) see it. */
typedef struct patient_state {
    unsigned char needs_start, needs_treatment;  /* missing in the patient file: fill from a procedure */
    unsigned char filled_start, filled_treatment;
    long start_day;       /* the start (the patient file's or the filled one), DATASET_NO_DAY if not valid */
    long death_day;       /* step (3)'s death date: DATASET_NO_DAY when none or not valid */
    size_t fill;          /* the procedure record that fills, NO_RECORD */
    size_t row;           /* the dataset row after step (4), NO_RECORD when excluded */
    size_t index;         /* the index procedure's record, NO_RECORD */
} patient_state;

/* A procedure record as steps (2) and (5) see it. */
typedef struct procedure_state {
    const char *code;     /* the `procedure` line's code; NULL while the record is included */
    size_t column;        /* the column at fault (procedure columns), NO_RECORD for none */
    size_t patient;       /* the patient record its id names */
    long day;
    int level;
    int session;
} procedure_state;

/* Sorts a patient's procedures into sessions. */
typedef struct session_key {
    size_t patient;
    long day;
    size_t record;
} session_key;

typedef struct procedure_run {
    const study *s;
    const study_procedures *sp;
    ingest_table *table;                 /* the patient file (steps 3 fill it) */
    const clean_columns *columns;
    const ingest_table *procedures;
    const clean_columns *procedure_columns;
    int has_as_of;
    long as_of;
    size_t patient_id_column, start_column, treatment_column;     /* in columns */
    size_t id_column, date_column, modality_column, grade_column, /* in procedure_columns */
        term_column, success_column, activity_column, operator_column;
    size_t n_patients, n_records;
    patient_state *patients;
    procedure_state *records;
    session_key *order;  /* the records left after the patient checks, by patient, date and record */
    size_t n_order;
    text_map ids;        /* normalized patient id -> patient record */
    text_map operators;  /* normalized operator -> its index */
    dataset *data;
    exclusion_log *log;
    procedure_set *set;
} procedure_run;

static const char *procedure_column_name(const procedure_run *run, size_t column)
{
    return column == NO_RECORD ? NULL : run->procedure_columns->names[column];
}

static embolo_error log_procedure(procedure_run *run, size_t record, const char *scope, const char *code,
                                  size_t column)
{
    field id, value;
    char shown[FIELD_MAX_TEXT];
    field_read(run->s, run->procedures, record, run->id_column, &id);
    field_display(&id, shown, sizeof shown);
    if (column != NO_RECORD)
        field_read(run->s, run->procedures, record, column, &value);
    return exclusion_log_add(run->log, record + 1, shown, scope, code, procedure_column_name(run, column),
                             column != NO_RECORD ? value.bytes : NULL, column != NO_RECORD ? value.length : 0,
                             clean_procedure_code_message(code));
}

/* ---- (1) the patient records ---- */

static int patient_id_key(const procedure_run *run, size_t record, field *id)
{
    if (ingest_record_malformed(run->table, record))
        return 0;
    field_read(run->s, run->table, record, run->patient_id_column, id);
    return id->valid && !id->missing;
}

/* The earliest valid event date of the death endpoint up to the as-of date; none when one is
 * invalid (the endpoint then excludes the record). */
static long raw_death_day(const procedure_run *run, size_t record)
{
    const study_endpoint *ep = &run->s->endpoints[run->sp->death_endpoint];
    long death = DATASET_NO_DAY;
    for (size_t k = 0; k < ep->n_event_dates; k++) {
        field f;
        long day;
        field_read(run->s, run->table, record, column_of(run->columns, ep->event_dates[k]), &f);
        if (f.missing)
            continue;
        if (!f.valid || !text_parse_date(f.bytes, f.length, run->s->date_format, &day))
            return DATASET_NO_DAY;
        if ((!run->has_as_of || day <= run->as_of) && (death == DATASET_NO_DAY || day < death))
            death = day;
    }
    return death;
}

static embolo_error index_patients(procedure_run *run)
{
    const study_variable *treatment = &run->s->variables[run->s->treatment];
    for (size_t r = 0; r < run->n_patients; r++) {
        patient_state *p = &run->patients[r];
        field f;
        *p = (patient_state){.start_day = DATASET_NO_DAY, .death_day = DATASET_NO_DAY, .fill = NO_RECORD,
                             .row = NO_RECORD, .index = NO_RECORD};
        if (patient_id_key(run, r, &f) && text_map_insert(&run->ids, f.normalized, r, NULL) != EMBOLO_OK)
            return EMBOLO_ERROR_NOMEM;
        field_read(run->s, run->table, r, run->start_column, &f);
        p->needs_start = f.missing;
        if (!f.missing && (!f.valid || !text_parse_date(f.bytes, f.length, run->s->date_format, &p->start_day)))
            p->start_day = DATASET_NO_DAY;
        field_read(run->s, run->table, r, run->treatment_column, &f);
        p->needs_treatment = f.missing && !(f.valid && study_match_level(treatment, f.normalized) >= 0);
        if (p->needs_start || p->needs_treatment)
            p->death_day = raw_death_day(run, r);
    }
    return EMBOLO_OK;
}

/* ---- (2) the codes up to E_PROC_UNKNOWN_MODALITY ---- */

static const char *check_identity(procedure_run *run, size_t record, procedure_state *q)
{
    field f;
    q->column = run->id_column;
    field_read(run->s, run->procedures, record, run->id_column, &f);
    if (f.missing)
        return "E_PROC_MISSING_ID";
    q->patient = f.valid ? text_map_find(&run->ids, f.normalized) : TEXT_MAP_NONE;
    return q->patient == TEXT_MAP_NONE ? "E_PROC_UNKNOWN_PATIENT" : NULL;
}

static const char *check_date_and_modality(procedure_run *run, size_t record, procedure_state *q)
{
    field f;
    q->column = run->date_column;
    field_read(run->s, run->procedures, record, run->date_column, &f);
    if (f.missing)
        return "E_PROC_MISSING_DATE";
    if (!f.valid || !text_parse_date(f.bytes, f.length, run->s->date_format, &q->day))
        return "E_PROC_BAD_DATE";
    if (run->has_as_of && q->day > run->as_of)
        return "E_PROC_AFTER_AS_OF";
    q->column = run->modality_column;
    field_read(run->s, run->procedures, record, run->modality_column, &f);
    q->level = f.valid ? study_match_level(&run->s->variables[run->s->treatment], f.normalized) : -1;
    if (q->level < 0)
        return f.missing ? "E_PROC_MISSING_MODALITY" : "E_PROC_UNKNOWN_MODALITY";
    return NULL;
}

static void check_procedures_before_fill(procedure_run *run)
{
    for (size_t r = 0; r < run->n_records; r++) {
        procedure_state *q = &run->records[r];
        *q = (procedure_state){.column = NO_RECORD, .patient = NO_RECORD, .level = -1};
        if (ingest_record_malformed(run->procedures, r))
            q->code = "E_PROC_MALFORMED_ROW";
        else if (!(q->code = check_identity(run, r, q)))
            q->code = check_date_and_modality(run, r, q);
        if (!q->code)
            q->column = NO_RECORD;
    }
}

/* ---- (3) the fill ---- */

static int earlier(const procedure_run *run, size_t a, size_t b)
{
    return b == NO_RECORD || run->records[a].day < run->records[b].day ||
           (run->records[a].day == run->records[b].day && a < b);
}

static embolo_error fill_patient(procedure_run *run, size_t record, patient_state *p)
{
    const procedure_state *q = &run->records[p->fill];
    embolo_error err = EMBOLO_OK;
    if (p->needs_start) {
        char date[11];
        text_format_date(q->day, date);
        err = ingest_set_value(run->table, record, run->start_column, date, strlen(date));
        p->filled_start = err == EMBOLO_OK;
        p->start_day = q->day;
    }
    if (p->needs_treatment && err == EMBOLO_OK) {
        const char *level = run->s->variables[run->s->treatment].levels[q->level];
        err = ingest_set_value(run->table, record, run->treatment_column, level, strlen(level));
        p->filled_treatment = err == EMBOLO_OK;
    }
    return err;
}

static embolo_error fill_from_procedures(procedure_run *run)
{
    embolo_error err = EMBOLO_OK;
    for (size_t r = 0; r < run->n_records; r++) {
        const procedure_state *q = &run->records[r];
        patient_state *p = q->code ? NULL : &run->patients[q->patient];
        if (p && (p->needs_start || p->needs_treatment) && (p->death_day == DATASET_NO_DAY || q->day <= p->death_day) &&
            earlier(run, r, p->fill))
            p->fill = r;
    }
    for (size_t r = 0; r < run->n_patients && err == EMBOLO_OK; r++)
        if (run->patients[r].fill != NO_RECORD)
            err = fill_patient(run, r, &run->patients[r]);
    return err;
}

/* ---- (5) the remaining codes ---- */

static const char *check_against_patient(const procedure_run *run, procedure_state *q)
{
    const patient_state *p = &run->patients[q->patient];
    const dataset *d = run->data;
    size_t death = run->sp->death_endpoint;
    q->column = run->id_column;
    if (p->row == NO_RECORD)
        return "E_PROC_PATIENT_EXCLUDED";
    q->column = run->date_column;
    if (p->start_day != DATASET_NO_DAY && q->day < p->start_day)
        return "E_PROC_BEFORE_START";
    if (d->event[death][p->row] == 1 && q->day > d->end_day[death][p->row])
        return "E_PROC_AFTER_DEATH";
    q->column = NO_RECORD;
    return NULL;
}

static int by_patient_date_record(const void *a, const void *b)
{
    const session_key *x = a, *y = b;
    if (x->patient != y->patient)
        return x->patient < y->patient ? -1 : 1;
    if (x->day != y->day)
        return x->day < y->day ? -1 : 1;
    return x->record < y->record ? -1 : x->record > y->record;
}

/* E_PROC_DUPLICATE for a later record of the same patient and day; sessions numbered in date order;
 * each patient's index procedure. */
static void number_sessions(procedure_run *run)
{
    qsort(run->order, run->n_order, sizeof *run->order, by_patient_date_record);
    int session = 0;
    for (size_t i = 0; i < run->n_order; i++) {
        const session_key *k = &run->order[i];
        procedure_state *q = &run->records[k->record];
        int same_patient = i > 0 && run->order[i - 1].patient == k->patient;
        if (same_patient && run->order[i - 1].day == k->day) {
            q->code = "E_PROC_DUPLICATE";
            q->column = run->date_column;
            continue;
        }
        session = same_patient ? session + 1 : 1;
        q->session = session;
        if (session == 1)
            run->patients[k->patient].index = k->record;
    }
}

static embolo_error check_procedures_after_fill(procedure_run *run)
{
    for (size_t i = 0; i < run->data->n; i++)
        run->patients[run->data->record[i] - 1].row = i;
    run->order = malloc((run->n_records ? run->n_records : 1) * sizeof *run->order);
    if (!run->order)
        return EMBOLO_ERROR_NOMEM;
    for (size_t r = 0; r < run->n_records; r++) {
        procedure_state *q = &run->records[r];
        if (q->code || (q->code = check_against_patient(run, q)))
            continue;
        run->order[run->n_order++] = (session_key){.patient = q->patient, .day = q->day, .record = r};
    }
    number_sessions(run);
    return EMBOLO_OK;
}

/* ---- the values of an included procedure ---- */

/* The AE ordinal a normalized grade names on the scale, -1 if none. */
static int grade_of(ae_scale scale, const char *g)
{
    static const char *const sir[] = {"none", "mild", "moderate", "severe", "life-threatening", "death"};
    if (scale == AE_SCALE_SIR) {
        for (int i = 0; i <= PROCEDURE_MAX_GRADE; i++)
            if (!strcmp(g, sir[i]))
                return i;
        return strcmp(g, "life threatening") ? -1 : 4;
    }
    if (!strcmp(g, "none"))
        return 0;
    if (!strncmp(g, "grade ", 6))
        g += 6;
    else if (!strncmp(g, "g ", 2))
        g += 2;
    else if (g[0] == 'g')
        g += 1;
    return g[0] >= '0' && g[0] <= '0' + PROCEDURE_MAX_GRADE && !g[1] ? g[0] - '0' : -1;
}

/* Reads the grade; *bad when the value is not valid on the scale. */
static int read_grade(const procedure_run *run, size_t record, int *bad)
{
    field f;
    field_read(run->s, run->procedures, record, run->grade_column, &f);
    int grade = f.valid ? grade_of(run->sp->scale, f.normalized) : -1;
    *bad = 0;
    if (grade >= 0)
        return grade;
    if (f.valid && !f.normalized[0] && ingest_column_present(run->procedures, run->grade_column))
        return run->sp->ae_empty_unknown ? PROCEDURE_UNKNOWN : 0;
    *bad = !f.missing;
    return PROCEDURE_UNKNOWN;
}

/* Technical success 1 / 0, PROCEDURE_UNKNOWN when missing; *bad when invalid. */
static int read_success(const procedure_run *run, size_t record, int *bad)
{
    static const char *const yes[] = {"yes", "y", "1", "true", "success", "successful"};
    static const char *const no[] = {"no", "n", "0", "false", "failure", "failed"};
    field f;
    field_read(run->s, run->procedures, record, run->success_column, &f);
    *bad = 0;
    for (size_t i = 0; f.valid && i < sizeof yes / sizeof yes[0]; i++) {
        if (!strcmp(f.normalized, yes[i]))
            return 1;
        if (!strcmp(f.normalized, no[i]))
            return 0;
    }
    *bad = !f.missing;
    return PROCEDURE_UNKNOWN;
}

static double read_activity(const procedure_run *run, size_t record, int *bad)
{
    field f;
    double value;
    field_read(run->s, run->procedures, record, run->activity_column, &f);
    *bad = 0;
    if (f.missing)
        return NAN;
    if (f.valid && text_parse_number(f.bytes, f.length, &value) && value > 0)
        return value;
    *bad = 1;
    return NAN;
}

/* The operator's group (new ones labelled with this record's spelling), PROCEDURE_UNKNOWN. */
static embolo_error read_operator(procedure_run *run, size_t record, int *index)
{
    field f;
    char label[FIELD_MAX_TEXT];
    size_t stored;
    field_read(run->s, run->procedures, record, run->operator_column, &f);
    *index = PROCEDURE_UNKNOWN;
    if (f.missing || !f.valid || !f.normalized[0])
        return EMBOLO_OK;
    if (text_map_insert(&run->operators, f.normalized, run->set->n_operators, &stored) != EMBOLO_OK)
        return EMBOLO_ERROR_NOMEM;
    if (stored == run->set->n_operators) {
        field_display(&f, label, sizeof label);
        if (procedure_set_add_operator(run->set, label, &stored) != EMBOLO_OK)
            return EMBOLO_ERROR_NOMEM;
    }
    *index = (int)stored;
    return EMBOLO_OK;
}

static int read_term(const procedure_run *run, size_t record, char *out, size_t size)
{
    field f;
    field_read(run->s, run->procedures, record, run->term_column, &f);
    if (f.missing || !f.valid || !f.normalized[0])
        return 0;
    field_display(&f, out, size);
    return 1;
}

/* The 30-day status of a procedure on `day` (procedures.md, section 3). */
static int death_within_30_days(const procedure_run *run, size_t row, long day)
{
    size_t death = run->sp->death_endpoint;
    int event = run->data->event[death][row];
    long end = run->data->end_day[death][row];
    if (event < 0)
        return PROCEDURE_UNKNOWN;
    if (event == 1 && end - day <= MORTALITY_WINDOW_DAYS)
        return 1;
    return end - day >= MORTALITY_WINDOW_DAYS ? 0 : PROCEDURE_UNKNOWN;
}

/* Reads the optional values of an included record, logging each invalid one. */
static embolo_error read_values(procedure_run *run, size_t record, procedure *item, char *term, size_t size,
                                int *has_term)
{
    embolo_error err = EMBOLO_OK;
    int bad = 0;
    *has_term = 0;
    if (run->grade_column != NO_RECORD && (item->grade = read_grade(run, record, &bad), bad))
        err = log_procedure(run, record, "procedure_value", "W_PROC_BAD_GRADE", run->grade_column);
    if (err == EMBOLO_OK && run->success_column != NO_RECORD && (item->success = read_success(run, record, &bad), bad))
        err = log_procedure(run, record, "procedure_value", "W_PROC_INVALID_VALUE", run->success_column);
    if (err == EMBOLO_OK && run->activity_column != NO_RECORD &&
        (item->activity = read_activity(run, record, &bad), bad))
        err = log_procedure(run, record, "procedure_value", "W_PROC_INVALID_VALUE", run->activity_column);
    if (err == EMBOLO_OK && run->operator_column != NO_RECORD)
        err = read_operator(run, record, &item->operator_index);
    if (err == EMBOLO_OK && run->term_column != NO_RECORD)
        *has_term = read_term(run, record, term, size);
    return err;
}

static embolo_error include_procedure(procedure_run *run, size_t record)
{
    const procedure_state *q = &run->records[record];
    const patient_state *p = &run->patients[q->patient];
    char term[FIELD_MAX_TEXT];
    int has_term;
    procedure item = {.record = record + 1, .patient = p->row, .day = q->day, .modality = q->level,
                      .session = q->session, .grade = PROCEDURE_UNKNOWN, .success = PROCEDURE_UNKNOWN,
                      .activity = NAN, .operator_index = PROCEDURE_UNKNOWN};
    embolo_error err = read_values(run, record, &item, term, sizeof term, &has_term);
    if (err != EMBOLO_OK)
        return err;
    item.death30 = death_within_30_days(run, p->row, q->day);
    if (run->data->event[run->sp->death_endpoint][p->row] == 0 && q->day > run->data->end_day[run->sp->death_endpoint][p->row])
        run->set->after_followup++;
    run->data->sessions[p->row]++;
    if (q->level != run->records[p->index].level)
        run->data->crossover[p->row] = 1;
    return procedure_set_add(run->set, &item, has_term ? term : NULL, NULL);
}

/* One `procedure` line per excluded record and the values of the others, in record order. */
static embolo_error collect_procedures(procedure_run *run)
{
    embolo_error err = EMBOLO_OK;
    for (size_t r = 0; r < run->n_records && err == EMBOLO_OK; r++) {
        const procedure_state *q = &run->records[r];
        if (q->code) {
            run->set->excluded++;
            err = log_procedure(run, r, "procedure", q->code, q->column);
        } else {
            err = include_procedure(run, r);
        }
    }
    return err;
}

/* ---- the patients: W_INDEX_* lines and the counts of filled values ---- */

static embolo_error log_index(procedure_run *run, size_t record, const char *code, size_t column,
                              const procedure_state *index)
{
    field id, value;
    char shown[FIELD_MAX_TEXT], message[512], date[11];
    field_read(run->s, run->table, record, run->patient_id_column, &id);
    field_display(&id, shown, sizeof shown);
    field_read(run->s, run->table, record, column, &value);
    text_format_date(index->day, date);
    snprintf(message, sizeof message, "%s; the index procedure (record %zu of the procedures file): %s, %s",
             clean_procedure_code_message(code), (size_t)(index - run->records) + 1, date,
             run->s->variables[run->s->treatment].levels[index->level]);
    return exclusion_log_add(run->log, record + 1, shown, "index", code, run->columns->names[column], value.bytes,
                             value.length, message);
}

static embolo_error check_index_procedures(procedure_run *run)
{
    const dataset *d = run->data;
    size_t treatment = (size_t)run->s->treatment;
    embolo_error err = EMBOLO_OK;
    for (size_t r = 0; r < run->n_patients && err == EMBOLO_OK; r++) {
        const patient_state *p = &run->patients[r];
        if (p->row == NO_RECORD)
            continue;
        run->set->start_from_index += p->filled_start;
        run->set->treatment_from_index += p->filled_treatment;
        if (p->index == NO_RECORD)
            continue;
        const procedure_state *index = &run->records[p->index];
        if (!p->filled_start && p->start_day != DATASET_NO_DAY && p->start_day != index->day)
            err = log_index(run, r, "W_INDEX_DATE_MISMATCH", run->start_column, index);
        double level = dataset_value(d, treatment, p->row);
        if (err == EMBOLO_OK && !p->filled_treatment && !isnan(level) && (int)level != index->level)
            err = log_index(run, r, "W_INDEX_MODALITY_MISMATCH", run->treatment_column, index);
    }
    return err;
}

/* ---- the stage ---- */

static embolo_error run_prepare(procedure_run *run)
{
    const clean_columns *pc = run->procedure_columns;
    const study_procedures *sp = run->sp;
    run->patient_id_column = column_of(run->columns, run->s->id_column);
    run->start_column = column_of(run->columns, sp->start);
    run->treatment_column = column_of(run->columns, run->s->variables[run->s->treatment].column);
    run->id_column = column_of(pc, sp->id);
    run->date_column = column_of(pc, sp->date);
    run->modality_column = column_of(pc, sp->modality);
    run->grade_column = column_of(pc, sp->ae_grade);
    run->term_column = column_of(pc, sp->ae_term);
    run->success_column = column_of(pc, sp->technical_success);
    run->activity_column = column_of(pc, sp->activity_gbq);
    run->operator_column = column_of(pc, sp->operator);
    run->n_patients = ingest_record_count(run->table);
    run->n_records = ingest_record_count(run->procedures);
    run->patients = malloc((run->n_patients ? run->n_patients : 1) * sizeof *run->patients);
    run->records = malloc((run->n_records ? run->n_records : 1) * sizeof *run->records);
    run->set = procedure_set_new();
    if (!run->patients || !run->records || !run->set || text_map_init(&run->ids, run->n_patients) != EMBOLO_OK ||
        text_map_init(&run->operators, 16) != EMBOLO_OK)
        return EMBOLO_ERROR_NOMEM;
    run->set->records = run->n_records;
    run->set->has_grade = sp->ae_grade != NULL;
    run->set->has_term = sp->ae_term != NULL;
    run->set->has_success = sp->technical_success != NULL;
    run->set->has_activity = sp->activity_gbq != NULL;
    run->set->has_operator = sp->operator != NULL;
    return EMBOLO_OK;
}

static embolo_error derive_per_patient(procedure_run *run)
{
    size_t n = run->data->n ? run->data->n : 1;
    run->data->sessions = calloc(n, sizeof *run->data->sessions);
    run->data->crossover = calloc(n, sizeof *run->data->crossover);
    if (!run->data->sessions || !run->data->crossover)
        return EMBOLO_ERROR_NOMEM;
    embolo_error err = collect_procedures(run);
    if (err == EMBOLO_OK)
        err = check_index_procedures(run);
    return err;
}

static void run_free(procedure_run *run)
{
    free(run->patients);
    free(run->records);
    free(run->order);
    text_map_free(&run->ids);
    text_map_free(&run->operators);
    procedure_set_free(run->set);
    dataset_free(run->data);
    exclusion_log_free(run->log);
}

embolo_error clean_run_with_procedures(const study *s, const clean_columns *columns, ingest_table *table,
                                       const clean_columns *procedure_columns, const ingest_table *procedure_table,
                                       const clean_options *options, dataset **data, exclusion_log **log,
                                       procedure_set **procedures, char *message, size_t message_size)
{
    procedure_run run = {.s = s, .sp = &s->procedures, .table = table, .columns = columns,
                         .procedures = procedure_table, .procedure_columns = procedure_columns};
    embolo_error err;
    *data = NULL;
    *log = NULL;
    *procedures = NULL;
    run.has_as_of = options && options->has_as_of ? 1 : s->has_as_of;
    run.as_of = options && options->has_as_of ? options->as_of : s->as_of;
    err = run_prepare(&run);
    if (err == EMBOLO_OK)
        err = index_patients(&run);
    if (err == EMBOLO_OK) {
        check_procedures_before_fill(&run);
        err = fill_from_procedures(&run);
    }
    if (err == EMBOLO_OK)
        err = clean_run(s, columns, table, options, &run.data, &run.log, message, message_size);
    if (err == EMBOLO_OK)
        err = check_procedures_after_fill(&run);
    if (err == EMBOLO_OK)
        err = derive_per_patient(&run);
    if (err == EMBOLO_OK && run.set->n + run.set->excluded != run.n_records) {
        snprintf(message, message_size, "internal error: %zu procedure records read but %zu included and %zu excluded",
                 run.n_records, run.set->n, run.set->excluded);
        err = EMBOLO_ERROR_INTERNAL;
    }
    if (err == EMBOLO_OK) {
        *data = run.data;
        *log = run.log;
        *procedures = run.set;
        run.data = NULL;
        run.log = NULL;
        run.set = NULL;
    } else if (err == EMBOLO_ERROR_NOMEM) {
        snprintf(message, message_size, "out of memory while cleaning the procedures");
    }
    run_free(&run);
    return err;
}
