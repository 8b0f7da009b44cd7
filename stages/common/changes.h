/* What changed since an earlier output set of the same study (`embolo run --previous DIR`): the
 * compare stage (stages/compare/) fills a change_set, the render stage shows it (the audit report's
 * "Since the last report", the workbook's Changes sheet). The counts are the lines of results.csv's
 * section `changes` (docs/results-changes.md), whose keys are below: a count lives there only, the
 * change_set holds the lists behind it.
 *
 * Under a share template the change_set holds no item and no estimate (no id, date or value): the
 * counts alone are shown, each from 1 to min_count - 1 hidden as "<MIN" (result_row.below). */
#ifndef EMBOLO_CHANGES_H
#define EMBOLO_CHANGES_H

#include <limits.h>
#include <stddef.h>
#include "error.h"

/* ---- results.csv keys: section, then models (docs/results-changes.md) ---- */
#define CHANGES_SECTION "changes"
#define CHANGES_PREVIOUS "previous"         /* stats as_of, days_since, study_file_changed, procedures_compared */
#define CHANGES_PATIENTS "patients"         /* variable all: previous, current, matched, new, no_longer_present,
                                               now_excluded, now_included */
#define CHANGES_VERDICTS "verdicts"         /* variable OLD, level NEW: records */
#define CHANGES_UNMATCHED "unmatched"       /* variable CODE: previous, current */
#define CHANGES_VALUES "values"             /* variable NAME: changed */
#define CHANGES_DATES "dates"               /* variable COLUMN: changed, followup_extended */
#define CHANGES_TIMES "times"               /* variable COLUMN: changed, followup_extended */
#define CHANGES_EVENTS "events"             /* endpoint NAME, variable all: previous, current, new, ... */
#define CHANGES_PROCEDURES "procedures"     /* variable all: previous, current, new, ... */
#define CHANGES_ESTIMATES "estimates"       /* variable all: compared, previous_outside_ci */
/* An estimate's line: model "km:unweighted" (median), "cox:multivariable", "cox:weighted_univariate",
 * "cox:weighted_multivariable" (hr); stats previous, current, change, current_lower, current_upper,
 * previous_outside_ci. */
/* The stats of the count lines (docs/results-changes.md, "Lines"). */
#define CHANGES_STAT_PREVIOUS "previous"
#define CHANGES_STAT_CURRENT "current"
#define CHANGES_STAT_MATCHED "matched"
#define CHANGES_STAT_NEW "new"
#define CHANGES_STAT_NO_LONGER_PRESENT "no_longer_present"
#define CHANGES_STAT_NOW_EXCLUDED "now_excluded"
#define CHANGES_STAT_NOW_INCLUDED "now_included"
#define CHANGES_STAT_RECORDS "records"
#define CHANGES_STAT_CHANGED "changed"
#define CHANGES_STAT_FOLLOWUP_EXTENDED "followup_extended"
#define CHANGES_STAT_NEW_AFTER "new_after_previous_cutoff"
#define CHANGES_STAT_NEW_BEFORE "new_before_previous_cutoff"
#define CHANGES_STAT_NEW_UNDATED "new_undated"
#define CHANGES_STAT_REMOVED "removed"
#define CHANGES_STAT_COMPETING_NEW "competing_new"
#define CHANGES_STAT_COMPETING_REMOVED "competing_removed"
#define CHANGES_STAT_GRADE_CHANGED "grade_changed"
#define CHANGES_STAT_PREVIOUS_UNMATCHED "previous_unmatched"
#define CHANGES_STAT_CURRENT_UNMATCHED "current_unmatched"
#define CHANGES_STAT_COMPARED "compared"
#define CHANGES_STAT_OUTSIDE "previous_outside_ci"
#define CHANGES_STAT_DAYS_SINCE "days_since"
#define CHANGES_ABSENT "absent"             /* the verdict of a record a set does not hold */
#define CHANGES_INCLUDED "included"         /* the verdict of an analysed record (of an endpoint: analysed for it) */

#define CHANGE_NO_DAY LONG_MIN

typedef enum change_kind {
    CHANGE_PATIENT_NEW,         /* analysed now; in DIR absent or starting after its cut-off */
    CHANGE_PATIENT_GONE,        /* analysed in DIR, no record now (id as DIR wrote it) */
    CHANGE_VERDICT,             /* subject "row" or an endpoint NAME; old -> new: "included", "absent" or a code */
    CHANGE_EVENT_NEW,           /* subject the endpoint; day the event's date (CHANGE_NO_DAY: time/status) */
    CHANGE_EVENT_REMOVED,       /* subject the endpoint; day DIR's event date where it can be told */
    CHANGE_COMPETING_NEW,       /* the same for the competing event of an endpoint that has one */
    CHANGE_COMPETING_REMOVED,
    CHANGE_VALUE,               /* subject a variable NAME; old -> new as patients.csv writes them ("NA") */
    CHANGE_DATE,                /* subject a date column; old (known at DIR's cut-off) -> new ("NA") */
    CHANGE_TIME,                /* subject the time column of a time/status endpoint; old -> new */
    CHANGE_FOLLOWUP_EXTENDED,   /* subject a censor date or time column: moved later, no event (not a correction) */
    CHANGE_PROCEDURE_NEW,       /* day the procedure's date; new the grade */
    CHANGE_PROCEDURE_REMOVED,   /* day the procedure's date; old the grade */
    CHANGE_PROCEDURE_GRADE,     /* day the procedure's date; old -> new grade ("NA": unknown) */
    CHANGE_KIND_COUNT
} change_kind;

typedef struct change_item {
    change_kind kind;
    char *id;            /* the patient's id as written (this run's; DIR's for one it no longer holds) */
    char *subject;       /* as the kind says; "" where none */
    char *old_value;     /* "" where none */
    char *new_value;
    long day;            /* CHANGE_NO_DAY where none */
    long days_from_previous; /* day - DIR's cut-off (negative: before it); 0 where day or the cut-off is unknown */
    int after_previous;  /* 1 dated after DIR's cut-off (new follow-up), 0 on or before it (recorded late or
                            corrected), -1 undated */
} change_item;

typedef struct change_estimate {
    char *endpoint;
    char *model;         /* "km:unweighted", "cox:multivariable", ... (results.csv's section:model) */
    char *variable, *level;
    double previous, current, current_lower, current_upper, change;  /* NAN where missing */
    int outside;         /* 1: previous outside the current 95% CI; 0: inside; -1: a value is missing */
} change_estimate;

typedef struct change_set {
    char *previous_path;        /* DIR as given */
    int has_previous_as_of;     /* DIR's manifest as_of */
    long previous_as_of;
    int has_cutoff;             /* DIR's cut-off: its as_of, else the newest date in its patients.csv and */
    long cutoff;                /* procedures.csv; what event and procedure dates are told against */
    int study_file_changed;     /* DIR was made with a study file of other bytes (a warning says so) */
    int procedures_compared;    /* both sets have procedures */
    int share;                  /* counts only: no items, no estimates */
    change_item *items;         /* in kind order, then by id */
    size_t n_items, items_capacity;
    change_estimate *estimates; /* results.csv order of this run, then those only DIR has */
    size_t n_estimates, estimates_capacity;
} change_set;

change_set *change_set_new(void);
void change_set_free(change_set *set);

/* Appends an item, dated against the set's cut-off (set it first); the texts are copied (NULL: ""). */
embolo_error change_set_add(change_set *set, change_kind kind, const char *id, const char *subject,
                            const char *old_value, const char *new_value, long day);

/* Appends an estimate; its texts are copied. */
embolo_error change_set_add_estimate(change_set *set, const change_estimate *estimate);

/* The number of items of a kind (with subject: of that subject only; NULL: any). */
size_t change_set_count(const change_set *set, change_kind kind, const char *subject);

/* Drops every item and estimate (a share template: counts only). */
void change_set_clear_lists(change_set *set);

/* The name of a kind as docs/results-changes.md writes it ("event_new"). */
const char *change_kind_name(change_kind kind);

#endif
