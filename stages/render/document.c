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

static void section_flow(document *d)
{
    doc_text(d, DOC_SECTION, "Cohort flow");
    size_t first = d->figures.n;
    figure_build_flow(&d->build, &d->figures);
    doc_put_figures(d, first);
    doc_put_table(d, BUILD_FLOW_REASONS, 0);
    doc_put_table(d, BUILD_FLOW_ENDPOINTS, 0);
    doc_put_table(d, BUILD_MISSING, 0);
}

static void section_table1(document *d)
{
    doc_text(d, DOC_SECTION, "Baseline characteristics");
    doc_put_table(d, BUILD_TABLE1, 0);
}

static void section_subgroups(document *d)
{
    doc_text(d, DOC_SECTION, "Survival by subgroup");
    for (size_t e = 0; e < d->build.s->n_endpoints; e++)
        doc_put_table(d, BUILD_SURVIVAL, e);
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
    doc_put_table(d, BUILD_AUDIT, 0);
}

static void section_benchmarks(document *d)
{
    doc_text(d, DOC_SECTION, "Medians beside published benchmarks");
    doc_put_table(d, BUILD_BENCHMARKS, 0);
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
        sheet_put(d, doc_sheet_add(d, name, SHEET_SUBGROUPS), BUILD_SURVIVAL, e);
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

static void sheets_balance(document *d)
{
    doc_sheet *s = doc_sheet_add(d, "Balance", SHEET_BALANCE);
    sheet_put(d, s, BUILD_BALANCE, 0);
    if (has_weights(d))
        sheet_put(d, s, BUILD_WEIGHTS, 0);
}

static void doc_sheets(document *d)
{
    typedef void (*sheet_builder)(document *d);
    static const struct {
        const char *name;
        build_table_kind table;
        sheet_builder build;  /* NULL: one sheet of one table */
    } sheets[SHEET_COUNT] = {
        [SHEET_SUMMARY] = {"Summary", BUILD_SUMMARY, NULL},
        [SHEET_SUBGROUPS] = {NULL, BUILD_SURVIVAL, sheets_subgroups},
        [SHEET_COX] = {NULL, BUILD_COX, sheets_cox},
        [SHEET_TABLE1] = {"Table 1", BUILD_TABLE1, NULL},
        [SHEET_BALANCE] = {NULL, BUILD_BALANCE, sheets_balance},
        [SHEET_KM_CURVES] = {"KM curves", BUILD_KM_DATA, NULL},
        [SHEET_EXCLUSIONS] = {"Exclusions", BUILD_EXCLUSIONS, NULL},
        [SHEET_PATIENTS] = {"Patients", BUILD_PATIENTS, NULL},
        [SHEET_DICTIONARY] = {"Data dictionary", BUILD_DICTIONARY, NULL},
        [SHEET_METHODS] = {"Methods", BUILD_METHODS, NULL},
        [SHEET_AUDIT] = {"Audit", BUILD_AUDIT, NULL},
        [SHEET_BENCHMARKS] = {"Benchmarks", BUILD_BENCHMARKS, NULL},
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
