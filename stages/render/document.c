/* The document model (document.h): the template's report sections as blocks and its workbook sheets
 * as lists of tables; each table is built once, by its builder (build.h), however many places show
 * it. This is where a table is placed: a section's function and a sheet's entry. */
#include "document.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/keys.h"
#include "common/text.h"
#include "narrative.h"

#define PARAGRAPH_SIZE 16384
#define SHEET_NAME_MAX 31
#define SUBGROUP_SUFFIX " by subgroup"

static void doc_fail(document *d, embolo_error err)
{
    if (d->error == EMBOLO_OK)
        d->error = err;
}

static const char *doc_string(document *d, const char *text)
{
    const char *copy = table_string(d->strings, text);
    if (!copy)
        doc_fail(d, EMBOLO_ERROR_NOMEM);
    return copy;
}

/* Room for one more item (growing by doubling from 16); 0 when out of memory (recorded). */
static int doc_grow(document *d, void **items, size_t count, size_t *capacity, size_t item_size)
{
    if (count < *capacity)
        return 1;
    size_t grown = *capacity ? 2 * *capacity : 16;
    void *bigger = d->error == EMBOLO_OK ? realloc(*items, grown * item_size) : NULL;
    if (!bigger) {
        doc_fail(d, EMBOLO_ERROR_NOMEM);
        return 0;
    }
    *items = bigger;
    *capacity = grown;
    return 1;
}

/* The table of a kind, built on first use; NULL when out of memory (recorded). */
static table *doc_table(document *d, build_table_kind kind, size_t index)
{
    for (size_t i = 0; i < d->n_tables; i++)
        if (d->tables[i].kind == kind && d->tables[i].index == index)
            return d->tables[i].table;
    void *items = d->tables;
    if (!doc_grow(d, &items, d->n_tables, &d->tables_capacity, sizeof *d->tables))
        return NULL;
    d->tables = items;
    table *t = build_table(&d->build, kind, index);
    if (!t || table_error(t) != EMBOLO_OK) {
        table_free(t);
        doc_fail(d, EMBOLO_ERROR_NOMEM);
        return NULL;
    }
    d->tables[d->n_tables++] = (doc_table_entry){kind, index, t};
    return t;
}

int document_table_is_note(const table *t)
{
    if (t->fill || t->n_rows == 0)
        return 0;
    for (size_t r = 0; r < t->n_rows; r++)
        if (t->rows[r].role != TABLE_ROW_NOTE)
            return 0;
    return 1;
}

/* ---- blocks ---- */

/* A block: text (copied), a table or a figure. */
static void doc_add(document *d, doc_block_kind kind, const char *text, table *t, const figure *f)
{
    void *items = d->blocks;
    const char *copy = text ? doc_string(d, text) : NULL;
    if ((text && !copy) || (kind == DOC_TABLE && !t) ||
        !doc_grow(d, &items, d->n_blocks, &d->blocks_capacity, sizeof *d->blocks))
        return;
    d->blocks = items;
    d->blocks[d->n_blocks++] = (doc_block){kind, copy, t, f};
}

static void doc_text(document *d, doc_block_kind kind, const char *text)
{
    doc_add(d, kind, text, NULL, NULL);
}

static void doc_put_table(document *d, build_table_kind kind, size_t index)
{
    doc_add(d, DOC_TABLE, NULL, doc_table(d, kind, index), NULL);
}

/* The figures built since the list had first of them: numbered in order and placed as blocks. */
static size_t doc_put_figures(document *d, size_t first)
{
    if (d->figures.error != EMBOLO_OK)
        doc_fail(d, d->figures.error);
    for (size_t i = first; i < d->figures.n && d->error == EMBOLO_OK; i++) {
        d->figures.items[i]->number = i + 1;
        doc_add(d, DOC_FIGURE, NULL, NULL, d->figures.items[i]);
    }
    return d->figures.n - first;
}

/* A section of figures only, with its heading only when it has some. */
static void doc_figure_section(document *d, const char *title,
                               void (*build)(const build_context *b, figure_list *out))
{
    size_t first = d->figures.n;
    build(&d->build, &d->figures);
    if (d->figures.n > first)
        doc_text(d, DOC_SECTION, title);
    doc_put_figures(d, first);
}

/* ---- the report's sections ---- */

static void section_paragraph(document *d, const char *title,
                              void (*write)(const render_input *in, char *out, size_t size))
{
    char *text = malloc(PARAGRAPH_SIZE);
    if (!text) {
        doc_fail(d, EMBOLO_ERROR_NOMEM);
        return;
    }
    doc_text(d, DOC_SECTION, title);
    write(d->build.in, text, PARAGRAPH_SIZE);
    doc_text(d, DOC_PARAGRAPH, text);
    free(text);
}

static void section_methods(document *d)
{
    section_paragraph(d, "Statistical methods", narrative_methods);
}

static void section_results_text(document *d)
{
    section_paragraph(d, "Results", narrative_results);
    doc_text(d, DOC_NOTE, "Generated from this run's numbers; the tables and figures below give every estimate.");
}

/* Whether a categorical value matched no level (its table is shown then). */
static int has_unmatched(const document *d)
{
    return d->build.in->log && d->build.in->log->n_unmatched > 0;
}

static void section_flow(document *d)
{
    doc_text(d, DOC_SECTION, "Cohort flow");
    size_t first = d->figures.n;
    figure_build_flow(&d->build, &d->figures);
    doc_put_figures(d, first);
    doc_put_table(d, BUILD_FLOW_REASONS, 0);
    if (has_unmatched(d))
        doc_put_table(d, BUILD_UNMATCHED, 0);
    doc_put_table(d, BUILD_FLOW_ENDPOINTS, 0);
    doc_put_table(d, BUILD_MISSING, 0);
}

static void section_table1(document *d)
{
    doc_text(d, DOC_SECTION, "Baseline characteristics");
    doc_put_table(d, BUILD_TABLE1, 0);
}

/* Whether a table of a kind shows more than notes (it is built, once, to know). */
static int doc_table_has_rows(document *d, build_table_kind kind, size_t index)
{
    table *t = doc_table(d, kind, index);
    return t && !document_table_is_note(t);
}

static void section_subgroups(document *d)
{
    doc_text(d, DOC_SECTION, "Survival by subgroup");
    for (size_t e = 0; e < d->build.s->n_endpoints; e++) {
        doc_put_table(d, BUILD_SURVIVAL, e);
        if (doc_table_has_rows(d, BUILD_PAIRWISE, e))
            doc_put_table(d, BUILD_PAIRWISE, e);
    }
}

static void section_km_figures(document *d)
{
    size_t first = d->figures.n;
    doc_text(d, DOC_SECTION, "Kaplan-Meier curves");
    figure_build_km(&d->build, &d->figures);
    if (doc_put_figures(d, first) == 0)
        doc_text(d, DOC_NOTE, "No Kaplan-Meier curve was estimated in this run.");
}

static void section_cif_figures(document *d)
{
    doc_figure_section(d, "Cumulative incidence with competing events", figure_build_cif);
}

static void section_subgroup_forest(document *d)
{
    doc_figure_section(d, "Treatment effect by subgroup", figure_build_subgroup_forest);
}

static void section_cusum(document *d)
{
    doc_figure_section(d, "CUSUM of major adverse events", figure_build_cusum);
}

static void section_funnel(document *d)
{
    doc_figure_section(d, "Major adverse events by operator", figure_build_funnel);
}

static void section_volume(document *d)
{
    doc_figure_section(d, "Procedure volume", figure_build_volume);
}

/* Whether an endpoint has a Cox model. */
static int has_cox(const document *d, size_t endpoint)
{
    const build_cox_model *models[BUILD_COX_MODELS];
    return build_cox_models_of(&d->build, d->build.s->endpoints[endpoint].name, models) > 0;
}

static void section_cox(document *d)
{
    int any = 0;
    doc_text(d, DOC_SECTION, "Cox proportional-hazards models");
    for (size_t e = 0; e < d->build.s->n_endpoints; e++) {
        if (!has_cox(d, e))
            continue;
        any = 1;
        doc_put_table(d, BUILD_COX, e);
        doc_put_table(d, BUILD_COX_FIT, e);
        size_t first = d->figures.n;
        figure_build_forest(&d->build, e, &d->figures);
        doc_put_figures(d, first);
    }
    if (!any)
        doc_text(d, DOC_NOTE, "No Cox model was fitted in this run.");
}

/* A warning of the run as an item, its subject named by labels. */
static void doc_warning(document *d, size_t index)
{
    char text[2048];
    build_warning_text(&d->build, index, text, sizeof text);
    doc_text(d, DOC_BULLET, text);
}

/* Without weights: why, in the warnings that speak of the propensity model. */
static void propensity_without_weights(document *d)
{
    const results *r = d->build.r;
    doc_text(d, DOC_NOTE, "No propensity weights in this run, so no weighted analyses:");
    for (size_t i = 0; i < r->n_warnings; i++)
        if (strstr(r->warnings[i], "propensity"))
            doc_warning(d, i);
}

static int has_weights(const document *d)
{
    const study *s = d->build.s;
    return s->treatment >= 0 &&
           !isnan(build_value(&d->build, KEY_PS, "", "", s->variables[s->treatment].name, "", KEY_STAT_N));
}

static void section_propensity(document *d)
{
    doc_text(d, DOC_SECTION, "Propensity-score diagnostics");
    if (d->build.s->treatment < 0) {
        doc_text(d, DOC_NOTE, "The study file has no [treatment] section: no propensity model was fitted.");
        return;
    }
    if (!has_weights(d)) {
        propensity_without_weights(d);
        return;
    }
    doc_put_table(d, BUILD_WEIGHTS, 0);
    doc_put_table(d, BUILD_BALANCE, 0);
    size_t first = d->figures.n;
    figure_build_love(&d->build, &d->figures);
    figure_build_propensity(&d->build, &d->figures);
    doc_put_figures(d, first);
}

static void section_model_checks(document *d)
{
    const results *r = d->build.r;
    doc_text(d, DOC_SECTION, "Model checks");
    table *zph = doc_table(d, BUILD_ZPH, 0), *epv = doc_table(d, BUILD_EPV, 0);
    if (zph && zph->n_rows > 0)
        doc_put_table(d, BUILD_ZPH, 0);
    else
        doc_text(d, DOC_NOTE, "No proportional-hazards test in this run (no multivariable model).");
    if (epv && epv->n_rows > 0)
        doc_put_table(d, BUILD_EPV, 0);
    doc_text(d, DOC_SUBHEADING, "Warnings of the run");
    if (r->n_warnings == 0)
        doc_text(d, DOC_NOTE, "The run gave no warning.");
    for (size_t i = 0; i < r->n_warnings; i++)
        doc_warning(d, i);
}

static void section_audit(document *d)
{
    doc_text(d, DOC_SECTION, "Audit of the month");
    if (build_has_procedures(&d->build))
        doc_put_table(d, BUILD_AUDIT_PROCEDURES, 0);
    doc_put_table(d, BUILD_AUDIT, 0);
}

/* ---- the procedures' sections: nothing without a procedures file ---- */

static void section_safety(document *d)
{
    if (!build_has_procedures(&d->build))
        return;
    doc_text(d, DOC_SECTION, "Treatment sessions and adverse events");
    doc_put_table(d, BUILD_SESSIONS, 0);
    doc_put_table(d, BUILD_SAFETY, 0);
}

static void section_audit_safety(document *d)
{
    if (!build_has_procedures(&d->build))
        return;
    doc_text(d, DOC_SECTION, "Safety audit against the thresholds");
    doc_put_table(d, BUILD_AUDIT_SAFETY, 0);
}

static void section_major_aes(document *d)
{
    if (!build_has_procedures(&d->build))
        return;
    doc_text(d, DOC_SECTION, "Major adverse events of the month");
    doc_put_table(d, BUILD_MAJOR_AES, 0);
}

static void section_benchmarks(document *d)
{
    doc_text(d, DOC_SECTION, "Medians beside published benchmarks");
    doc_put_table(d, BUILD_BENCHMARKS, 0);
}

/* The headline estimates of each endpoint that has some; none: a note. */
static void section_changes_estimates(document *d)
{
    size_t placed = 0;
    for (size_t e = 0; e < d->build.s->n_endpoints; e++)
        if (build_changes_estimates_of(&d->build, e) > 0) {
            doc_put_table(d, BUILD_CHANGES_ESTIMATES, e);
            placed++;
        }
    if (placed == 0)
        doc_text(d, DOC_NOTE, "No headline estimate was compared (the earlier set has no results.csv).");
}

/* Since the last report (--previous DIR): what was compared with, the counts, and (not under share)
 * the lists that hold something and the estimates. Without --previous the section is left out. */
static void section_changes(document *d)
{
    static const build_table_kind lists[] = {BUILD_CHANGES_PATIENTS, BUILD_CHANGES_VERDICTS, BUILD_CHANGES_EVENTS,
                                             BUILD_CHANGES_VALUES, BUILD_CHANGES_PROCEDURES};
    const change_set *c = d->build.in->changes;
    char *text = c ? malloc(PARAGRAPH_SIZE) : NULL;
    if (!c)
        return;
    if (!text) {
        doc_fail(d, EMBOLO_ERROR_NOMEM);
        return;
    }
    doc_text(d, DOC_SECTION, "Since the last report");
    build_changes_header(&d->build, text, PARAGRAPH_SIZE);
    doc_text(d, DOC_PARAGRAPH, text);
    free(text);
    doc_put_table(d, BUILD_CHANGES_COUNTS, 0);
    if (c->share)
        return;
    for (size_t k = 0; k < sizeof lists / sizeof lists[0]; k++) {
        table *t = doc_table(d, lists[k], 0);
        if (t && t->n_rows > 0)
            doc_put_table(d, lists[k], 0);
    }
    if (c->n_items == 0)
        doc_text(d, DOC_NOTE, "No patient, verdict, event, value, date or procedure changed.");
    section_changes_estimates(d);
}

/* ---- round 2: each section only when the study asks for its analyses ---- */

static int endpoint_any(const document *d, size_t e)
{
    (void)d;
    (void)e;
    return 1;
}

static int endpoint_competing(const document *d, size_t e)
{
    return study_endpoint_has_competing(&d->build.s->endpoints[e]);
}

static int study_has_competing(const document *d)
{
    for (size_t e = 0; e < d->build.s->n_endpoints; e++)
        if (endpoint_competing(d, e))
            return 1;
    return 0;
}

static int study_has_forest(const document *d)
{
    return d->build.s->n_forest > 0 && d->build.s->treatment >= 0;
}

/* A section of per-endpoint tables: for each endpoint that wants them, the table of each kind; a
 * kind after the first only when the one before it shows more than notes. */
static void section_endpoints(document *d, const char *title, const build_table_kind *kinds, size_t n_kinds,
                              int (*wanted)(const document *d, size_t e))
{
    doc_text(d, DOC_SECTION, title);
    for (size_t e = 0; e < d->build.s->n_endpoints; e++) {
        if (!wanted(d, e))
            continue;
        doc_put_table(d, kinds[0], e);
        for (size_t k = 1; k < n_kinds && doc_table_has_rows(d, kinds[k - 1], e); k++)
            doc_put_table(d, kinds[k], e);
    }
}

static void section_rmst(document *d)
{
    static const build_table_kind kinds[] = {BUILD_RMST};
    if (d->build.s->has_rmst_tau)
        section_endpoints(d, "Restricted mean survival time", kinds, 1, endpoint_any);
}

static void section_cif(document *d)
{
    static const build_table_kind kinds[] = {BUILD_CIF};
    if (study_has_competing(d))
        section_endpoints(d, "Cumulative incidence (competing risks)", kinds, 1, endpoint_competing);
}

static void section_multicentre(document *d)
{
    static const build_table_kind kinds[] = {BUILD_CENTRE_LOGRANK, BUILD_CENTRE_COX, BUILD_CENTRE_FIT};
    if (d->build.s->centre >= 0)
        section_endpoints(d, "Multicentre analyses", kinds, 3, endpoint_any);
}

static void section_finegray(document *d)
{
    static const build_table_kind kinds[] = {BUILD_FINEGRAY, BUILD_FINEGRAY_FIT};
    if (study_has_competing(d))
        section_endpoints(d, "Competing-risks regression (Fine-Gray)", kinds, 2, endpoint_competing);
}

static void section_subgroup_effects(document *d)
{
    static const build_table_kind kinds[] = {BUILD_SUBGROUP_EFFECTS};
    if (study_has_forest(d))
        section_endpoints(d, "Treatment effect within subgroups", kinds, 1, endpoint_any);
}

static void doc_sections(document *d)
{
    typedef void (*section_builder)(document *d);
    static const section_builder sections[SECTION_COUNT] = {
        [SECTION_FLOW] = section_flow,
        [SECTION_TABLE1] = section_table1,
        [SECTION_SUBGROUPS] = section_subgroups,
        [SECTION_KM_FIGURES] = section_km_figures,
        [SECTION_COX] = section_cox,
        [SECTION_PROPENSITY] = section_propensity,
        [SECTION_MODEL_CHECKS] = section_model_checks,
        [SECTION_METHODS] = section_methods,
        [SECTION_RESULTS_TEXT] = section_results_text,
        [SECTION_AUDIT] = section_audit,
        [SECTION_BENCHMARKS] = section_benchmarks,
        [SECTION_SAFETY] = section_safety,
        [SECTION_AUDIT_SAFETY] = section_audit_safety,
        [SECTION_MAJOR_AES] = section_major_aes,
        [SECTION_CHANGES] = section_changes,
        [SECTION_RMST] = section_rmst,
        [SECTION_CIF] = section_cif,
        [SECTION_MULTICENTRE] = section_multicentre,
        [SECTION_FINEGRAY] = section_finegray,
        [SECTION_SUBGROUP_EFFECTS] = section_subgroup_effects,
        [SECTION_CIF_FIGURES] = section_cif_figures,
        [SECTION_SUBGROUP_FOREST] = section_subgroup_forest,
        [SECTION_CUSUM] = section_cusum,
        [SECTION_FUNNEL] = section_funnel,
        [SECTION_VOLUME] = section_volume,
    };
    const report_template *t = d->build.t;
    for (size_t i = 0; i < t->n_sections && d->error == EMBOLO_OK; i++)
        if ((size_t)t->sections[i] < SECTION_COUNT && sections[t->sections[i]])
            sections[t->sections[i]](d);
}

/* ---- the workbook's sheets ---- */

static int sheet_name_taken(const document *d, const char *name)
{
    for (size_t i = 0; i < d->n_sheets; i++)
        if (text_equal_folded(d->sheets[i].name, name))
            return 1;
    return 0;
}

static doc_sheet *doc_sheet_add(document *d, const char *name, workbook_sheet kind)
{
    void *items = d->sheets;
    const char *copy = doc_string(d, name);
    if (!copy || !doc_grow(d, &items, d->n_sheets, &d->sheets_capacity, sizeof *d->sheets))
        return NULL;
    d->sheets = items;
    doc_sheet *s = &d->sheets[d->n_sheets++];
    *s = (doc_sheet){.name = copy, .kind = kind};
    return s;
}

static void sheet_put(document *d, doc_sheet *s, build_table_kind kind, size_t index)
{
    table *t = s ? doc_table(d, kind, index) : NULL;
    table **tables = t ? realloc(s->tables, (s->n_tables + 1) * sizeof *tables) : NULL;
    if (!tables) {
        doc_fail(d, EMBOLO_ERROR_NOMEM);
        return;
    }
    s->tables = tables;
    s->tables[s->n_tables++] = t;
}

/* The endpoint NAME in capitals + " by subgroup", within Excel's 31 characters and without the
 * characters sheet names cannot hold; "~2", "~3" ... when a shortened name is taken. */
static void subgroup_sheet_name(const document *d, const char *endpoint, char *out, size_t size)
{
    char name[SHEET_NAME_MAX + 1];
    size_t keep = SHEET_NAME_MAX - strlen(SUBGROUP_SUFFIX), n = 0;
    for (const char *c = endpoint; *c && n < keep; c++)
        name[n++] = strchr("[]:*?/\\'", *c) || (unsigned char)*c >= 0x80 ? '_' : (char)toupper((unsigned char)*c);
    name[n] = '\0';
    snprintf(out, size, "%s%s", name, SUBGROUP_SUFFIX);
    for (int k = 2; k < 100 && sheet_name_taken(d, out); k++) {
        name[n < keep - 3 ? n : keep - 3] = '\0';
        snprintf(out, size, "%s~%d%s", name, k, SUBGROUP_SUFFIX);
    }
}

static void sheets_subgroups(document *d)
{
    for (size_t e = 0; e < d->build.s->n_endpoints; e++) {
        char name[64];
        subgroup_sheet_name(d, d->build.s->endpoints[e].name, name, sizeof name);
        doc_sheet *s = doc_sheet_add(d, name, SHEET_SUBGROUPS);
        sheet_put(d, s, BUILD_SURVIVAL, e);
        if (doc_table_has_rows(d, BUILD_PAIRWISE, e))
            sheet_put(d, s, BUILD_PAIRWISE, e);
    }
}

static void sheets_cox(document *d)
{
    doc_sheet *s = doc_sheet_add(d, "Cox models", SHEET_COX);
    if (s)
        s->keyed = 1;
    for (int fit = 0; fit <= 1; fit++)
        for (size_t e = 0; e < d->build.s->n_endpoints; e++)
            if (has_cox(d, e))
                sheet_put(d, s, fit ? BUILD_COX_FIT : BUILD_COX, e);
    if (s && s->n_tables == 0)
        sheet_put(d, s, BUILD_COX, 0);
}

/* The Summary, then the values that match no level when there are any (shown once in the workbook). */
static void sheets_summary(document *d)
{
    doc_sheet *s = doc_sheet_add(d, "Summary", SHEET_SUMMARY);
    sheet_put(d, s, BUILD_SUMMARY, 0);
    if (has_unmatched(d))
        sheet_put(d, s, BUILD_UNMATCHED, 0);
}

static void sheets_balance(document *d)
{
    doc_sheet *s = doc_sheet_add(d, "Balance", SHEET_BALANCE);
    sheet_put(d, s, BUILD_BALANCE, 0);
    if (has_weights(d))
        sheet_put(d, s, BUILD_WEIGHTS, 0);
}

/* A sheet of per-endpoint tables: the tables of each kind for every endpoint that wants them, one
 * kind after the other (a kind's endpoints join into one list), those that show more than notes; the
 * first one's note when none does. */
static void sheet_endpoints(document *d, const char *name, workbook_sheet kind, const build_table_kind *kinds,
                            size_t n_kinds, int (*wanted)(const document *d, size_t e))
{
    doc_sheet *s = doc_sheet_add(d, name, kind);
    int first = -1;
    if (!s)
        return;
    s->keyed = 1;
    for (size_t k = 0; k < n_kinds; k++)
        for (size_t e = 0; e < d->build.s->n_endpoints; e++) {
            if (!wanted(d, e))
                continue;
            first = first < 0 ? (int)e : first;
            if (doc_table_has_rows(d, kinds[k], e))
                sheet_put(d, s, kinds[k], e);
        }
    if (s->n_tables == 0 && first >= 0)
        sheet_put(d, s, kinds[0], (size_t)first);
}

static void sheets_rmst(document *d)
{
    static const build_table_kind kinds[] = {BUILD_RMST};
    if (d->build.s->has_rmst_tau)
        sheet_endpoints(d, "RMST", SHEET_RMST, kinds, 1, endpoint_any);
}

static void sheets_cif(document *d)
{
    static const build_table_kind kinds[] = {BUILD_CIF};
    if (study_has_competing(d))
        sheet_endpoints(d, "Cumulative incidence", SHEET_CIF, kinds, 1, endpoint_competing);
}

static void sheets_multicentre(document *d)
{
    static const build_table_kind kinds[] = {BUILD_CENTRE_LOGRANK, BUILD_CENTRE_COX, BUILD_CENTRE_FIT};
    if (d->build.s->centre >= 0)
        sheet_endpoints(d, "Multicentre", SHEET_MULTICENTRE, kinds, 3, endpoint_any);
}

static void sheets_finegray(document *d)
{
    static const build_table_kind kinds[] = {BUILD_FINEGRAY, BUILD_FINEGRAY_FIT};
    if (study_has_competing(d))
        sheet_endpoints(d, "Fine-Gray", SHEET_FINEGRAY, kinds, 2, endpoint_competing);
}

static void sheets_subgroup_effects(document *d)
{
    static const build_table_kind kinds[] = {BUILD_SUBGROUP_EFFECTS};
    if (study_has_forest(d))
        sheet_endpoints(d, "Subgroup effects", SHEET_SUBGROUP_EFFECTS, kinds, 1, endpoint_any);
}

static void sheets_audit(document *d)
{
    doc_sheet *s = doc_sheet_add(d, "Audit", SHEET_AUDIT);
    if (build_has_procedures(&d->build))
        sheet_put(d, s, BUILD_AUDIT_PROCEDURES, 0);
    sheet_put(d, s, BUILD_AUDIT, 0);
}

/* The included procedures (never under share) and the procedures' tables, with a procedures file. */
static void sheets_procedures(document *d)
{
    if (build_has_procedures(&d->build) && !d->build.t->share)
        sheet_put(d, doc_sheet_add(d, "Procedures", SHEET_PROCEDURES), BUILD_PROCEDURES, 0);
}

static void sheets_safety(document *d)
{
    static const build_table_kind kinds[] = {BUILD_SESSIONS, BUILD_SAFETY, BUILD_AUDIT_SAFETY, BUILD_CUSUM,
                                             BUILD_FUNNEL};
    if (!build_has_procedures(&d->build))
        return;
    doc_sheet *s = doc_sheet_add(d, "Safety", SHEET_SAFETY);
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
        sheet_put(d, s, kinds[k], 0);
}

/* Changes (--previous DIR): every change, then every estimate; under share the counts only. Left out
 * without --previous. */
static void sheets_changes(document *d)
{
    const change_set *c = d->build.in->changes;
    if (!c)
        return;
    doc_sheet *s = doc_sheet_add(d, "Changes", SHEET_CHANGES);
    if (c->share) {
        sheet_put(d, s, BUILD_CHANGES_COUNTS, 0);
        return;
    }
    sheet_put(d, s, BUILD_CHANGES_ITEMS, 0);
    size_t placed = 0;
    for (size_t e = 0; e < d->build.s->n_endpoints; e++)
        if (build_changes_estimates_of(&d->build, e) > 0) {
            sheet_put(d, s, BUILD_CHANGES_ESTIMATES, e);
            placed++;
        }
    if (placed == 0 && d->build.s->n_endpoints > 0)
        sheet_put(d, s, BUILD_CHANGES_ESTIMATES, 0); /* its note */
}

static void doc_sheets(document *d)
{
    typedef void (*sheet_builder)(document *d);
    static const struct {
        const char *name;
        build_table_kind table;
        sheet_builder build;  /* NULL: one sheet of one table */
    } sheets[SHEET_COUNT] = {
        [SHEET_SUMMARY] = {NULL, BUILD_SUMMARY, sheets_summary},
        [SHEET_SUBGROUPS] = {NULL, BUILD_SURVIVAL, sheets_subgroups},
        [SHEET_COX] = {NULL, BUILD_COX, sheets_cox},
        [SHEET_TABLE1] = {"Table 1", BUILD_TABLE1, NULL},
        [SHEET_BALANCE] = {NULL, BUILD_BALANCE, sheets_balance},
        [SHEET_KM_CURVES] = {"KM curves", BUILD_KM_DATA, NULL},
        [SHEET_EXCLUSIONS] = {"Exclusions", BUILD_EXCLUSIONS, NULL},
        [SHEET_PATIENTS] = {"Patients", BUILD_PATIENTS, NULL},
        [SHEET_DICTIONARY] = {"Data dictionary", BUILD_DICTIONARY, NULL},
        [SHEET_METHODS] = {"Methods", BUILD_METHODS, NULL},
        [SHEET_AUDIT] = {NULL, BUILD_AUDIT, sheets_audit},
        [SHEET_BENCHMARKS] = {"Benchmarks", BUILD_BENCHMARKS, NULL},
        [SHEET_PROCEDURES] = {NULL, BUILD_PROCEDURES, sheets_procedures},
        [SHEET_SAFETY] = {NULL, BUILD_SAFETY, sheets_safety},
        [SHEET_CHANGES] = {NULL, BUILD_CHANGES_ITEMS, sheets_changes},
        [SHEET_RMST] = {NULL, BUILD_RMST, sheets_rmst},
        [SHEET_CIF] = {NULL, BUILD_CIF, sheets_cif},
        [SHEET_MULTICENTRE] = {NULL, BUILD_CENTRE_LOGRANK, sheets_multicentre},
        [SHEET_FINEGRAY] = {NULL, BUILD_FINEGRAY, sheets_finegray},
        [SHEET_SUBGROUP_EFFECTS] = {NULL, BUILD_SUBGROUP_EFFECTS, sheets_subgroup_effects},
    };
    const report_template *t = d->build.t;
    for (size_t i = 0; i < t->n_sheets && d->error == EMBOLO_OK; i++) {
        workbook_sheet kind = t->sheets[i];
        if ((size_t)kind >= SHEET_COUNT || (kind == SHEET_PATIENTS && t->share))
            continue;
        if (sheets[kind].build)
            sheets[kind].build(d);
        else
            sheet_put(d, doc_sheet_add(d, sheets[kind].name, kind), sheets[kind].table, 0);
    }
}

/* ---- the document ---- */

static const char *document_title(const render_input *in)
{
    if (in->template->title && in->template->title[0])
        return in->template->title;
    if (in->study->title && in->study->title[0])
        return in->study->title;
    return "Survival analysis report";
}

/* The date written into the files: the as-of date, else the newest date in the data, else 1970-01-01.
 * A document to share shows no patient date, so it never takes the newest date of the data. */
static long document_day(const render_input *in)
{
    if (in->has_as_of)
        return in->as_of;
    if (in->data && in->data->has_newest_date && !in->template->share)
        return in->data->newest_date;
    return 0;
}

static void document_heading(document *d, const render_input *in)
{
    char footer[400], date[11];
    d->title = doc_string(d, document_title(in));
    if (in->template->subtitle && in->template->subtitle[0])
        d->subtitle = doc_string(d, in->template->subtitle);
    d->day = document_day(in);
    if (in->has_as_of)
        text_format_date(in->as_of, date);
    snprintf(footer, sizeof footer, "%.300s%s%s", document_title(in), in->has_as_of ? " \xe2\x80\x94 as of " : "",
             in->has_as_of ? date : "");
    d->footer = doc_string(d, footer);
}

document *document_build(const render_input *in, embolo_error *err)
{
    if (!in->results) {
        *err = EMBOLO_ERROR_INTERNAL;  /* the documents show the run's results */
        return NULL;
    }
    document *d = calloc(1, sizeof *d);
    *err = EMBOLO_ERROR_NOMEM;
    if (!d)
        return NULL;
    d->strings = table_new("", (const char *const[]){""}, 1);
    if (!d->strings) {
        free(d);
        return NULL;
    }
    build_context_init(&d->build, in);
    document_heading(d, in);
    if (d->error == EMBOLO_OK)
        doc_sections(d);
    if (d->error == EMBOLO_OK)
        doc_sheets(d);
    *err = d->error;
    if (d->error != EMBOLO_OK) {
        document_free(d);
        return NULL;
    }
    return d;
}

void document_free(document *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n_tables; i++)
        table_free(d->tables[i].table);
    for (size_t i = 0; i < d->n_sheets; i++)
        free(d->sheets[i].tables);
    figure_list_free(&d->figures);
    free(d->tables);
    free(d->sheets);
    free(d->blocks);
    table_free(d->strings);
    free(d);
}
