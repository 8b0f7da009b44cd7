/* "Since the last report" (`embolo run --previous DIR`, docs/results-changes.md): the counts of
 * results.csv's section changes (read there: a count lives in those lines only), the lists of the
 * change set (render_input.changes) capped for the report, every change for the workbook's Changes
 * sheet, and the headline estimates old -> new. Under a share template the change set holds no list:
 * the counts alone, one hidden by the compare stage shown "<5". Without --previous every table here
 * is one note. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "common/changes.h"
#include "common/keys.h"
#include "common/text.h"

#define NO_PREVIOUS "No earlier output set was given (--previous DIR): nothing to compare."
#define ARROW " \xe2\x86\x92 "  /* " → " */
#define NONE_CHANGED "None changed"

static const change_set *changes_of(const build_context *b)
{
    return b->in->changes;
}

/* DIR's cut-off as YYYY-MM-DD, "" when it has none or under share (no dates). */
static void cutoff_text(const build_context *b, char out[11])
{
    const change_set *c = changes_of(b);
    out[0] = '\0';
    if (c && c->has_cutoff && !c->share)
        text_format_date(c->cutoff, out);
}

/* ---- labels ---- */

static const char *endpoint_label(const build_context *b, const char *name)
{
    int e = build_endpoint_index(b->s, name);
    return e >= 0 ? build_endpoint_label(&b->s->endpoints[e]) : name;
}

static const char *variable_label(const build_context *b, const char *name)
{
    int v = study_find_variable(b->s, name);
    return v >= 0 ? build_variable_label(&b->s->variables[v]) : name;
}

/* A verdict as shown: a code, "included", or "no record" for absent. */
static const char *verdict_text(const char *verdict)
{
    return strcmp(verdict, CHANGES_ABSENT) ? verdict : "no record";
}

/* What an item is about, by labels: an endpoint, a variable, a date or time column, "record". */
static const char *item_subject(const build_context *b, const change_item *item)
{
    switch (item->kind) {
    case CHANGE_VERDICT:
        return strcmp(item->subject, "row") ? endpoint_label(b, item->subject) : "record";
    case CHANGE_EVENT_NEW:
    case CHANGE_EVENT_REMOVED:
    case CHANGE_COMPETING_NEW:
    case CHANGE_COMPETING_REMOVED:
        return endpoint_label(b, item->subject);
    case CHANGE_VALUE:
        return variable_label(b, item->subject);
    default:
        return item->subject;
    }
}

static const char *kind_text(change_kind kind)
{
    static const char *const texts[CHANGE_KIND_COUNT] = {
        [CHANGE_PATIENT_NEW] = "New patient",
        [CHANGE_PATIENT_GONE] = "No longer present",
        [CHANGE_VERDICT] = "Verdict changed",
        [CHANGE_EVENT_NEW] = "New event",
        [CHANGE_EVENT_REMOVED] = "Event removed",
        [CHANGE_COMPETING_NEW] = "New competing event",
        [CHANGE_COMPETING_REMOVED] = "Competing event removed",
        [CHANGE_VALUE] = "Value changed",
        [CHANGE_DATE] = "Date changed",
        [CHANGE_TIME] = "Time changed",
        [CHANGE_FOLLOWUP_EXTENDED] = "Follow-up extended",
        [CHANGE_PROCEDURE_NEW] = "New procedure",
        [CHANGE_PROCEDURE_REMOVED] = "Procedure removed",
        [CHANGE_PROCEDURE_GRADE] = "Procedure re-graded",
    };
    return kind >= 0 && kind < CHANGE_KIND_COUNT ? texts[kind] : "";
}

static const char *dating_text(int after_previous)
{
    return after_previous > 0 ? "after the previous cut-off"
           : after_previous == 0 ? "on or before the previous cut-off" : "undated";
}

/* "+26 days", "-182 days", "on the cut-off"; "" for an undated item. */
static void days_text(const change_item *item, char *out, size_t size)
{
    long days = item->days_from_previous;
    if (item->after_previous < 0)
        snprintf(out, size, "%s", "");
    else if (days == 0)
        snprintf(out, size, "%s", "on the cut-off");
    else
        snprintf(out, size, "%s%ld day%s", days > 0 ? "+" : "", days, days == 1 || days == -1 ? "" : "s");
}

/* "no identifiers, dates or values; a count from 1 to 4 is shown as <5" (a share template's rule). */
static void share_rule(const build_context *b, char *out, size_t size)
{
    int bound = b->t->min_count;
    if (bound > 1)
        snprintf(out, size, "no identifiers, dates or values; a count from 1 to %d is shown as <%d", bound - 1, bound);
    else
        snprintf(out, size, "no identifiers, dates or values");
}

/* ---- the counts ---- */

/* A level row with a count line of section changes ("<5" when the compare stage hid it); none when
 * there is no such line, or (show_zero 0) when its count is 0. Returns whether a row was added. */
static int count_row(const build_context *b, table *t, const char *label, const char *endpoint, const char *model,
                     const char *variable, const char *level, const char *stat, int show_zero)
{
    const result_row *line = results_find(b->r, CHANGES_SECTION, endpoint, model, variable, level, stat);
    if (!line || (!show_zero && line->below <= 0 && line->value == 0))
        return 0;
    table_row *row = table_add_row(t, TABLE_ROW_LEVEL, label);
    if (line->below > 0) {
        table_set_values(row, 1, CELL_COUNT, 0, NAN, NAN, NAN);
        table_suppress(row, 1, (double)line->below);
    } else {
        build_count(b, row, 1, line->value);
    }
    return 1;
}

typedef struct count_spec {
    const char *label, *stat;
    int show_zero;
} count_spec;

static void count_rows(const build_context *b, table *t, const char *endpoint, const char *model,
                       const count_spec *specs, size_t n)
{
    for (size_t k = 0; k < n; k++)
        count_row(b, t, specs[k].label, endpoint, model, KEY_ALL, "", specs[k].stat, specs[k].show_zero);
}

static int is_changes_line(const result_row *row, const char *model)
{
    return !strcmp(row->section, CHANGES_SECTION) && !strcmp(row->model, model);
}

static void counts_patients(const build_context *b, table *t)
{
    static const count_spec specs[] = {
        {"Analysed in the previous report", CHANGES_STAT_PREVIOUS, 1},
        {"Analysed in this report", CHANGES_STAT_CURRENT, 1},
        {"In both", CHANGES_STAT_MATCHED, 1},
        {"New", CHANGES_STAT_NEW, 1},
        {"No longer present (no record now)", CHANGES_STAT_NO_LONGER_PRESENT, 1},
        {"Now excluded (analysed before)", CHANGES_STAT_NOW_EXCLUDED, 1},
        {"Now included (excluded before)", CHANGES_STAT_NOW_INCLUDED, 1},
    };
    table_add_row(t, TABLE_ROW_HEADING, "Patients");
    count_rows(b, t, "", CHANGES_PATIENTS, specs, sizeof specs / sizeof specs[0]);
}

/* One row per verdict pair that occurs ("Overall survival: included → E_NO_EVENT_DATE"), then the
 * records no id matches, per code. */
static void counts_verdicts(const build_context *b, table *t)
{
    int heading = 0;
    for (size_t i = 0; i < b->r->n; i++) {
        const result_row *row = &b->r->rows[i];
        int verdict = is_changes_line(row, CHANGES_VERDICTS), unmatched = is_changes_line(row, CHANGES_UNMATCHED);
        if (!verdict && !unmatched)
            continue;
        if (!heading++)
            table_add_row(t, TABLE_ROW_HEADING, "Verdicts changed (records)");
        const char *label =
            verdict ? table_format(t, "%s: %s" ARROW "%s", row->endpoint[0] ? endpoint_label(b, row->endpoint) : "Record",
                                   verdict_text(row->variable), verdict_text(row->level))
                    : table_format(t, "No id to match (%s), %s report", row->variable,
                                   strcmp(row->stat, CHANGES_STAT_PREVIOUS) ? "this" : "previous");
        count_row(b, t, label ? label : "", row->endpoint, row->model, row->variable, row->level, row->stat, 1);
    }
}

static void counts_endpoint(const build_context *b, table *t, const study_endpoint *ep, const char *cutoff)
{
    int dated = ep->form == ENDPOINT_DATES;
    const char *on = cutoff[0] ? table_format(t, " (%s)", cutoff) : "";
    const count_spec specs[] = {
        {"In the previous report", CHANGES_STAT_PREVIOUS, 1},
        {"In this report", CHANGES_STAT_CURRENT, 1},
        {table_format(t, "New, dated after the previous cut-off%s", on ? on : ""), CHANGES_STAT_NEW_AFTER, dated},
        {"New, dated on or before it (recorded late or corrected)", CHANGES_STAT_NEW_BEFORE, dated},
        {"New, undated", CHANGES_STAT_NEW_UNDATED, !dated},
        {"Removed", CHANGES_STAT_REMOVED, 1},
        {"New competing events", CHANGES_STAT_COMPETING_NEW, 1},
        {"Competing events removed", CHANGES_STAT_COMPETING_REMOVED, 1},
    };
    table_add_row(t, TABLE_ROW_HEADING, table_format(t, "%s: events", build_endpoint_label(ep)));
    for (size_t k = 0; k < sizeof specs / sizeof specs[0]; k++)
        if (specs[k].label)
            count_row(b, t, specs[k].label, ep->name, CHANGES_EVENTS, KEY_ALL, "", specs[k].stat, specs[k].show_zero);
    if (ep->form == ENDPOINT_TIME_STATUS) {
        count_row(b, t, table_format(t, "Times changed (%s)", ep->time), ep->name, CHANGES_TIMES, ep->time, "",
                  CHANGES_STAT_CHANGED, 1);
        count_row(b, t, "Censored times now later (follow-up extended)", ep->name, CHANGES_TIMES, ep->time, "",
                  CHANGES_STAT_FOLLOWUP_EXTENDED, 1);
    }
}

/* The variables (values) or date columns (dates) with a change, each by name; "None changed (N
 * compared)" when none has; nothing when none was compared. */
static void counts_columns(const build_context *b, table *t, const char *model, const char *heading)
{
    size_t compared = 0, shown = 0;
    for (size_t i = 0; i < b->r->n && compared == 0; i++)
        compared += is_changes_line(&b->r->rows[i], model);
    if (compared == 0)
        return;  /* nothing of the kind compared (a study without date columns) */
    compared = 0;
    table_add_row(t, TABLE_ROW_HEADING, heading);
    for (size_t i = 0; i < b->r->n; i++) {
        const result_row *row = &b->r->rows[i];
        if (!is_changes_line(row, model))
            continue;
        int extended = !strcmp(row->stat, CHANGES_STAT_FOLLOWUP_EXTENDED);
        compared += !extended;
        const char *name = strcmp(model, CHANGES_VALUES) ? row->variable : variable_label(b, row->variable);
        const char *label = extended ? table_format(t, "%s: moved later (follow-up extended)", name) : name;
        shown += count_row(b, t, label ? label : "", "", model, row->variable, "", row->stat, 0);
    }
    if (shown == 0) {
        table_row *row = table_add_row(t, TABLE_ROW_LEVEL, table_format(t, NONE_CHANGED " (%zu compared)", compared));
        build_count(b, row, 1, 0);
    }
}

static void counts_procedures(const build_context *b, table *t, const char *cutoff)
{
    if (!results_find(b->r, CHANGES_SECTION, "", CHANGES_PROCEDURES, KEY_ALL, "", CHANGES_STAT_PREVIOUS))
        return;
    const char *on = cutoff[0] ? table_format(t, " (%s)", cutoff) : "";
    const count_spec specs[] = {
        {"In the previous report", CHANGES_STAT_PREVIOUS, 1},
        {"In this report", CHANGES_STAT_CURRENT, 1},
        {table_format(t, "New, dated after the previous cut-off%s", on ? on : ""), CHANGES_STAT_NEW_AFTER, 1},
        {"New, dated on or before it (recorded late or corrected)", CHANGES_STAT_NEW_BEFORE, 1},
        {"New, undated", CHANGES_STAT_NEW_UNDATED, 0},
        {"Removed", CHANGES_STAT_REMOVED, 1},
        {"Re-graded (another adverse-event grade)", CHANGES_STAT_GRADE_CHANGED, 1},
        {"Of patients in the previous report only", CHANGES_STAT_PREVIOUS_UNMATCHED, 1},
        {"Of patients in this report only", CHANGES_STAT_CURRENT_UNMATCHED, 1},
    };
    table_add_row(t, TABLE_ROW_HEADING, "Procedures");
    for (size_t k = 0; k < sizeof specs / sizeof specs[0]; k++)
        if (specs[k].label)
            count_row(b, t, specs[k].label, "", CHANGES_PROCEDURES, KEY_ALL, "", specs[k].stat, specs[k].show_zero);
}

static void counts_estimates(const build_context *b, table *t)
{
    static const count_spec specs[] = {
        {"Compared", CHANGES_STAT_COMPARED, 1},
        {"Previous value outside the new 95% CI", CHANGES_STAT_OUTSIDE, 1},
    };
    if (!results_find(b->r, CHANGES_SECTION, "", CHANGES_ESTIMATES, KEY_ALL, "", CHANGES_STAT_COMPARED))
        return;
    table_add_row(t, TABLE_ROW_HEADING, "Headline estimates (medians, hazard ratios)");
    count_rows(b, t, "", CHANGES_ESTIMATES, specs, sizeof specs / sizeof specs[0]);
}

table *build_changes_counts(const build_context *b)
{
    static const char *const headers[] = {"What changed", "n"};
    char cutoff[11];
    table *t = table_new("What changed since the last report", headers, 2);
    if (!t)
        return NULL;
    table_set_flat_headers(t, "Group", "What changed");
    table_set_align(t, 0, TABLE_LEFT);
    if (!changes_of(b)) {
        table_add_row(t, TABLE_ROW_NOTE, NO_PREVIOUS);
        return t;
    }
    cutoff_text(b, cutoff);
    counts_patients(b, t);
    counts_verdicts(b, t);
    for (size_t e = 0; e < b->s->n_endpoints; e++)
        counts_endpoint(b, t, &b->s->endpoints[e], cutoff);
    counts_columns(b, t, CHANGES_VALUES, "Past values changed (per variable)");
    counts_columns(b, t, CHANGES_DATES, "Past dates changed (per date column)");
    counts_procedures(b, t, cutoff);
    counts_estimates(b, t);
    if (changes_of(b)->has_cutoff)
        table_add_footnote(t, "Events and procedures are dated against the previous report's cut-off: after it is "
                              "new follow-up; on or before it was recorded late or corrected. A past date changed is "
                              "one known at that cut-off that is now another or missing.");
    if (changes_of(b)->share) {
        char rule[256];
        share_rule(b, rule, sizeof rule);
        table_add_footnote(t, "Counts only (a report to share): %s.", rule);
    }
    return t;
}

/* ---- the lists of the report, capped ---- */

typedef void (*list_fill)(const build_context *b, table *t, table_row *row, const change_item *item);

typedef struct list_spec {
    const char *title;
    const char *const *headers;
    size_t n_columns;
    change_kind kinds[4];
    size_t n_kinds;
    list_fill fill;
    const char *footnote;  /* under a list that lists something */
} list_spec;

static void fill_date(table *t, table_row *row, size_t column, const change_item *item)
{
    if (item->day == CHANGE_NO_DAY)
        table_set_text(t, row, column, "undated");
    else
        table_set_values(row, column, CELL_DATE, 0, (double)item->day, NAN, NAN);
}

static void fill_days(table *t, table_row *row, size_t column, const change_item *item)
{
    char text[64];
    days_text(item, text, sizeof text);
    table_set_text(t, row, column, text);
}

static void fill_patient(const build_context *b, table *t, table_row *row, const change_item *item)
{
    (void)b;
    table_set_text(t, row, 1, item->kind == CHANGE_PATIENT_NEW ? "new" : "no longer present (no record now)");
}

static void fill_verdict(const build_context *b, table *t, table_row *row, const change_item *item)
{
    table_set_text(t, row, 1, item_subject(b, item));
    table_set_text(t, row, 2, verdict_text(item->old_value));
    table_set_text(t, row, 3, verdict_text(item->new_value));
}

static void fill_event(const build_context *b, table *t, table_row *row, const change_item *item)
{
    static const char *const texts[] = {"new", "removed", "new competing event", "competing event removed"};
    table_set_text(t, row, 1, item_subject(b, item));
    table_set_text(t, row, 2, texts[item->kind - CHANGE_EVENT_NEW]);
    fill_date(t, row, 3, item);
    fill_days(t, row, 4, item);
}

static void fill_value(const build_context *b, table *t, table_row *row, const change_item *item)
{
    table_set_text(t, row, 1, item_subject(b, item));
    table_set_text(t, row, 2, item->old_value);
    table_set_text(t, row, 3, item->new_value);
}

static void fill_procedure(const build_context *b, table *t, table_row *row, const change_item *item)
{
    static const char *const texts[] = {"new", "removed", "re-graded"};
    (void)b;
    table_set_text(t, row, 1, texts[item->kind - CHANGE_PROCEDURE_NEW]);
    fill_date(t, row, 2, item);
    table_set_text(t, row, 3, item->old_value);
    table_set_text(t, row, 4, item->new_value);
    fill_days(t, row, 5, item);
}

/* "and 15 more" under a kind's rows, pointing to where they all are. */
static void list_more(const build_context *b, table *t, size_t more)
{
    table_row *row = table_add_row(t, TABLE_ROW_PLAIN, table_format(t, "and %zu more", more));
    table_set_text(t, row, 1, template_has_sheet(b->t, SHEET_CHANGES) ? "see the Changes sheet"
                                                                      : "(the template has no changes sheet)");
}

static void list_kind(const build_context *b, table *t, const list_spec *spec, change_kind kind)
{
    const change_set *c = changes_of(b);
    size_t shown = 0, total = 0;
    for (size_t i = 0; i < c->n_items; i++) {
        if (c->items[i].kind != kind)
            continue;
        if (total++ >= BUILD_CHANGES_LIST_MAX)
            continue;
        table_row *row = table_add_row(t, TABLE_ROW_PLAIN, c->items[i].id);
        if (row)
            spec->fill(b, t, row, &c->items[i]);
        shown++;
    }
    if (total > shown)
        list_more(b, t, total - shown);
}

static table *build_list(const build_context *b, const list_spec *spec)
{
    table *t = table_new(spec->title, spec->headers, spec->n_columns);
    if (!t)
        return NULL;
    table_set_align(t, 0, TABLE_LEFT);
    if (!changes_of(b)) {
        table_add_row(t, TABLE_ROW_NOTE, NO_PREVIOUS);
        return t;
    }
    for (size_t k = 0; k < spec->n_kinds; k++)
        list_kind(b, t, spec, spec->kinds[k]);
    if (t->n_rows)
        table_add_footnote(t, "%s", spec->footnote);
    return t;
}

table *build_changes_patients(const build_context *b)
{
    static const char *const headers[] = {"Patient", "Change"};
    static const list_spec spec = {
        "Patients new and no longer present", headers, 2, {CHANGE_PATIENT_NEW, CHANGE_PATIENT_GONE}, 2, fill_patient,
        "New: analysed now, absent from the previous report or not started by its cut-off. A patient excluded in "
        "one of the two reports is under verdicts."};
    return build_list(b, &spec);
}

table *build_changes_verdicts(const build_context *b)
{
    static const char *const headers[] = {"Patient", "Verdict of", "Previous", "Now"};
    static const list_spec spec = {
        "Verdicts changed", headers, 4, {CHANGE_VERDICT}, 1, fill_verdict,
        "A record's verdict, or a patient's for one endpoint: included, or the code of exclusions.csv; no record: "
        "that report has no record of the id."};
    return build_list(b, &spec);
}

table *build_changes_events(const build_context *b)
{
    static const char *const headers[] = {"Patient", "Endpoint", "Change", "Date", "Days from the\nprevious cut-off"};
    static const list_spec spec = {
        "Events new and removed", headers, 5,
        {CHANGE_EVENT_NEW, CHANGE_EVENT_REMOVED, CHANGE_COMPETING_NEW, CHANGE_COMPETING_REMOVED}, 4, fill_event,
        "Dated by this report's event date (a removed event by the previous report's) against the previous "
        "report's cut-off: after it is new follow-up, on or before it was recorded late or corrected; undated: "
        "an endpoint of times and status."};
    return build_list(b, &spec);
}

table *build_changes_values(const build_context *b)
{
    static const char *const headers[] = {"Patient", "Variable or column", "Previous", "Now"};
    static const list_spec spec = {
        "Past values and dates changed", headers, 4, {CHANGE_VALUE, CHANGE_DATE, CHANGE_TIME}, 3, fill_value,
        "Values as patients.csv writes them (NA: missing). A date is listed when it was known at the previous "
        "cut-off and is now another or missing; follow-up extended (a later last follow-up) is counted above and "
        "listed on the Changes sheet."};
    return build_list(b, &spec);
}

table *build_changes_procedures(const build_context *b)
{
    static const char *const headers[] = {"Patient", "Change", "Date", "Previous\ngrade", "Grade",
                                          "Days from the\nprevious cut-off"};
    static const list_spec spec = {
        "Procedures new, removed or re-graded", headers, 6,
        {CHANGE_PROCEDURE_NEW, CHANGE_PROCEDURE_REMOVED, CHANGE_PROCEDURE_GRADE}, 3, fill_procedure,
        "Procedures matched by patient and date, of patients analysed in both reports; grade: the adverse-event "
        "grade (NA: unknown)."};
    return build_list(b, &spec);
}

/* ---- the estimates ---- */

/* The results section and model of an estimate's "section:model". */
static void estimate_model(const change_estimate *e, char *section, char *model, size_t size)
{
    const char *colon = strchr(e->model, ':');
    size_t length = colon ? (size_t)(colon - e->model) : strlen(e->model);
    snprintf(section, size, "%.*s", (int)length, e->model);
    snprintf(model, size, "%s", colon ? colon + 1 : "");
}

static void estimate_heading(const build_context *b, table *t, const change_estimate *e)
{
    char section[64], model[64];
    estimate_model(e, section, model, sizeof section);
    const char *name = build_model_name(model);
    if (!strcmp(section, KEY_KM))
        table_add_row(t, TABLE_ROW_HEADING, table_format(t, "Median, %s (Kaplan-Meier)",
                                                         b->s->time_unit ? b->s->time_unit : "time"));
    else
        table_add_row(t, TABLE_ROW_HEADING, table_format(t, "Hazard ratio, %s", name ? name : model));
}

static const char *estimate_label(const build_context *b, table *t, const change_estimate *e)
{
    char level[256];
    if (!strcmp(e->variable, KEY_ALL) || !e->variable[0])
        return "All patients";
    build_level(level, sizeof level, e->level);
    if (!level[0])
        return table_format(t, "%s, per unit", variable_label(b, e->variable));
    return table_format(t, "%s %s", variable_label(b, e->variable), level);
}

static const char *outside_text(const change_estimate *e)
{
    if (e->outside > 0)
        return "FLAG: yes";
    if (e->outside == 0)
        return "no";
    return isnan(e->previous) || isnan(e->current) ? "" : "CI limit NA";
}

size_t build_changes_estimates_of(const build_context *b, size_t endpoint)
{
    const change_set *c = changes_of(b);
    size_t n = 0;
    for (size_t i = 0; c && i < c->n_estimates; i++)
        n += !strcmp(c->estimates[i].endpoint, b->s->endpoints[endpoint].name);
    return n;
}

static void estimate_row(const build_context *b, table *t, const change_estimate *e)
{
    int decimals = strncmp(e->model, KEY_KM ":", strlen(KEY_KM ":")) ? b->t->hr_decimals : b->t->decimals;
    table_row *row = table_add_row(t, TABLE_ROW_LEVEL, estimate_label(b, t, e));
    build_number(row, 1, e->previous, decimals);
    table_set_values(row, 2, CELL_ESTIMATE_CI, decimals, e->current, e->current_lower, e->current_upper);
    build_number(row, 3, e->change, decimals);
    table_set_text(t, row, 4, outside_text(e));
}

table *build_changes_estimates(const build_context *b, size_t endpoint)
{
    static const char *const headers[] = {"Estimate", "Previous", "Now (95% CI)", "Change",
                                          "Previous outside\nthe new 95% CI"};
    const change_set *c = changes_of(b);
    const study_endpoint *ep = &b->s->endpoints[endpoint];
    const char *model = NULL;
    char title[600];
    snprintf(title, sizeof title, "Headline estimates, %.500s: previous and now", build_endpoint_label(ep));
    table *t = table_new(title, headers, 5);
    if (!t)
        return NULL;
    table_set_key(t, "Endpoint", build_endpoint_label(ep), "Headline estimates: previous and now");
    table_set_flat_headers(t, "Model", "Estimate");
    table_set_parts(t, 2, "Now", "Lower 95% CI", "Upper 95% CI");
    table_set_align(t, 0, TABLE_LEFT);
    if (!c || build_changes_estimates_of(b, endpoint) == 0) {
        table_add_row(t, TABLE_ROW_NOTE, !c ? NO_PREVIOUS : c->share ? "Counts only (a report to share): no estimate "
                                                                       "is shown."
                                                                     : "No headline estimate of this endpoint was "
                                                                       "compared (the earlier set has no results.csv).");
        return t;
    }
    for (size_t i = 0; i < c->n_estimates; i++) {
        const change_estimate *e = &c->estimates[i];
        if (strcmp(e->endpoint, ep->name))
            continue;
        if (!model || strcmp(model, e->model))
            estimate_heading(b, t, e);
        model = e->model;
        estimate_row(b, t, e);
    }
    table_add_footnote(t, "The unweighted Kaplan-Meier medians (all patients and every subgroup) and the hazard ratios "
                          "of the multivariable and propensity-weighted Cox models; change: now minus previous. FLAG: "
                          "the previous value lies outside this report's 95%% CI (a median's upper limit not reached counts as unbounded; CI limit NA: a limit is missing, not compared).");
    return t;
}

/* ---- every change, for the workbook (rows filled on demand) ---- */

/* Whether an item is an event (dated against the previous cut-off, or undated: time and status). */
static int is_event_kind(change_kind kind)
{
    return kind >= CHANGE_EVENT_NEW && kind <= CHANGE_COMPETING_REMOVED;
}

static void item_fill(const void *source, size_t index, table *t, table_row *row)
{
    const build_context *b = source;
    const change_item *item = &changes_of(b)->items[index];
    (void)t;
    row->label = kind_text(item->kind);
    table_set_text_borrowed(row, 1, item->id);
    table_set_text_borrowed(row, 2, item_subject(b, item));
    table_set_text_borrowed(row, 3, item->kind == CHANGE_VERDICT ? verdict_text(item->old_value) : item->old_value);
    table_set_text_borrowed(row, 4, item->kind == CHANGE_VERDICT ? verdict_text(item->new_value) : item->new_value);
    if (item->day != CHANGE_NO_DAY)
        table_set_values(row, 5, CELL_DATE, 0, (double)item->day, NAN, NAN);
    if (item->after_previous >= 0)
        table_set_values(row, 6, CELL_GENERAL, 0, (double)item->days_from_previous, NAN, NAN);
    if (item->day != CHANGE_NO_DAY || is_event_kind(item->kind))
        table_set_text_borrowed(row, 7, dating_text(item->after_previous));
}

table *build_changes_items(const build_context *b)
{
    static const char *const headers[] = {"Change", "Patient", "Of", "Previous", "Now", "Date",
                                          "Days from the\nprevious cut-off", "Dated"};
    const change_set *c = changes_of(b);
    table *t = table_new("Every change since the last report", headers, 8);
    if (!t || !c) {
        if (t)
            table_add_row(t, TABLE_ROW_NOTE, NO_PREVIOUS);
        return t;
    }
    if (c->share || c->n_items == 0) {
        table_add_row(t, TABLE_ROW_NOTE, c->share ? "Counts only (a report to share): no change is listed."
                                                  : "No patient, verdict, event, value, date or procedure changed.");
        return t;
    }
    if (c->n_items > BUILD_SHEET_MAX_ROWS - 1) {
        table_add_row(t, TABLE_ROW_NOTE, table_format(t, "%zu changes: more than an Excel sheet holds (%d rows with "
                                                         "the header).", c->n_items, BUILD_SHEET_MAX_ROWS));
        return t;
    }
    build_context *source = malloc(sizeof *source);
    if (!source) {
        table_free(t);
        return NULL;
    }
    *source = *b;
    table_set_source(t, c->n_items, item_fill, source);
    return t;
}

/* ---- the section's opening paragraph ---- */

static void header_share(const build_context *b, char *out, size_t size)
{
    char rule[256];
    share_rule(b, rule, sizeof rule);
    snprintf(out, size, "Counts of what changed since an earlier output set of this study (--previous). This report "
                        "is for sharing: counts only, %s.", rule);
}

/* "as of 2012-11-30, 31 days before this report's as-of date (2012-12-31)" and what DIR's cut-off is. */
static size_t header_dates(const build_context *b, char *out, size_t size)
{
    const change_set *c = changes_of(b);
    double days = build_value(b, CHANGES_SECTION, "", CHANGES_PREVIOUS, "", "", CHANGES_STAT_DAYS_SINCE);
    char previous[11], current[11];
    int n;
    if (b->in->has_as_of)
        text_format_date(b->in->as_of, current);
    if (c->has_previous_as_of) {
        text_format_date(c->previous_as_of, previous);
        if (isfinite(days) && days == 0)
            n = snprintf(out, size, ", as of %s: the same as-of date as this report (a data-correction run)", previous);
        else if (isfinite(days))
            n = snprintf(out, size, ", as of %s, %.0f days before this report's as-of date (%s)", previous, days, current);
        else
            n = snprintf(out, size, ", as of %s (this report has no as-of date)", previous);
    } else if (c->has_cutoff) {
        text_format_date(c->cutoff, previous);
        n = snprintf(out, size, ", which has no as-of date: its newest date, %s, is taken as its cut-off", previous);
    } else {
        n = snprintf(out, size, ", which has no as-of date and no date: new events are undated");
    }
    return n > 0 ? (size_t)n : 0;
}

void build_changes_header(const build_context *b, char *out, size_t size)
{
    const change_set *c = changes_of(b);
    size_t used;
    if (!c) {
        snprintf(out, size, "%s", NO_PREVIOUS);
        return;
    }
    if (c->share) {
        header_share(b, out, size);
        return;
    }
    used = (size_t)snprintf(out, size, "Compared with the earlier output set %s", c->previous_path ? c->previous_path : "");
    if (used < size)
        used += header_dates(b, out + used, size - used);
    if (used < size)
        used += (size_t)snprintf(out + used, size - used, ". Patients are matched by %s%s.",
                                 b->s->id_column ? "id" : "record number",
                                 c->has_cutoff ? "; events and procedures are dated against the earlier set's "
                                                 "cut-off: after it is new follow-up, on or before it was recorded "
                                                 "late or corrected" : "");
    if (used < size && c->study_file_changed)
        used += (size_t)snprintf(out + used, size - used, " The earlier set was made with another version of the study "
                                 "file: the variables and date columns both have are compared.");
    if (used < size && !c->procedures_compared && b->in->procedures)
        used += (size_t)snprintf(out + used, size - used, " The earlier set has no procedures: procedures are not "
                                 "compared.");
    if (used < size)
        snprintf(out + used, size - used, " The lists show at most %d changes of each kind; %s.", BUILD_CHANGES_LIST_MAX,
                 template_has_sheet(b->t, SHEET_CHANGES) ? "the workbook's Changes sheet lists them all"
                                                         : "a template with the changes sheet lists them all in the "
                                                           "workbook");
}
