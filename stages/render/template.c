#include "template.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/inifile.h"
#include "common/text.h"
#include "draw.h"

static const char *const section_names[SECTION_COUNT] = {
    [SECTION_FLOW] = "flow",           [SECTION_TABLE1] = "table1",        [SECTION_SUBGROUPS] = "subgroups",
    [SECTION_KM_FIGURES] = "km_figures", [SECTION_COX] = "cox",            [SECTION_PROPENSITY] = "propensity",
    [SECTION_MODEL_CHECKS] = "model_checks", [SECTION_METHODS] = "methods", [SECTION_RESULTS_TEXT] = "results_text",
    [SECTION_AUDIT] = "audit",         [SECTION_BENCHMARKS] = "benchmarks",
    [SECTION_SAFETY] = "safety",       [SECTION_AUDIT_SAFETY] = "audit_safety", [SECTION_MAJOR_AES] = "major_aes",
    [SECTION_CHANGES] = "changes",
    [SECTION_RMST] = "rmst",           [SECTION_CIF] = "cif",              [SECTION_MULTICENTRE] = "multicentre",
    [SECTION_FINEGRAY] = "finegray",   [SECTION_SUBGROUP_EFFECTS] = "subgroup_effects",
    [SECTION_CIF_FIGURES] = "cif_figures",
    [SECTION_SUBGROUP_FOREST] = "subgroup_forest", [SECTION_CUSUM] = "cusum", [SECTION_FUNNEL] = "funnel",
    [SECTION_VOLUME] = "volume",
};

static const char *const figure_kind_names[FIGURE_KIND_COUNT] = {
    [FIGURE_KIND_FLOW] = "flow", [FIGURE_KIND_KM] = "km", [FIGURE_KIND_CIF] = "cif", [FIGURE_KIND_FOREST] = "forest",
    [FIGURE_KIND_SUBGROUP_FOREST] = "subgroup_forest", [FIGURE_KIND_LOVE] = "love",
    [FIGURE_KIND_PROPENSITY] = "propensity", [FIGURE_KIND_CUSUM] = "cusum", [FIGURE_KIND_FUNNEL] = "funnel",
    [FIGURE_KIND_VOLUME] = "volume",
};

static const char *const sheet_names[SHEET_COUNT] = {
    [SHEET_SUMMARY] = "summary", [SHEET_SUBGROUPS] = "subgroups", [SHEET_COX] = "cox", [SHEET_TABLE1] = "table1",
    [SHEET_BALANCE] = "balance", [SHEET_KM_CURVES] = "km_curves", [SHEET_EXCLUSIONS] = "exclusions",
    [SHEET_PATIENTS] = "patients", [SHEET_DICTIONARY] = "dictionary", [SHEET_METHODS] = "methods",
    [SHEET_AUDIT] = "audit", [SHEET_BENCHMARKS] = "benchmarks",
    [SHEET_PROCEDURES] = "procedures", [SHEET_SAFETY] = "safety",
    [SHEET_CHANGES] = "changes",
    [SHEET_RMST] = "rmst", [SHEET_CIF] = "cif", [SHEET_MULTICENTRE] = "multicentre", [SHEET_FINEGRAY] = "finegray",
    [SHEET_SUBGROUP_EFFECTS] = "subgroup_effects",
};

static void template_set_defaults(report_template *t)
{
    /* The order of templates/manuscript.ini. */
    static const report_section sections[] = {SECTION_METHODS, SECTION_RESULTS_TEXT, SECTION_FLOW, SECTION_TABLE1,
                                              SECTION_SAFETY, SECTION_SUBGROUPS, SECTION_RMST, SECTION_KM_FIGURES,
                                              SECTION_CIF_FIGURES, SECTION_CIF, SECTION_COX, SECTION_MULTICENTRE,
                                              SECTION_FINEGRAY, SECTION_SUBGROUP_EFFECTS, SECTION_SUBGROUP_FOREST,
                                              SECTION_PROPENSITY, SECTION_MODEL_CHECKS};
    static const workbook_sheet sheets[] = {SHEET_SUMMARY, SHEET_METHODS, SHEET_TABLE1, SHEET_SUBGROUPS,
                                            SHEET_RMST, SHEET_CIF, SHEET_COX, SHEET_MULTICENTRE, SHEET_FINEGRAY,
                                            SHEET_SUBGROUP_EFFECTS, SHEET_KM_CURVES, SHEET_BALANCE,
                                            SHEET_EXCLUSIONS, SHEET_PATIENTS, SHEET_PROCEDURES, SHEET_DICTIONARY};
    t->n_sections = sizeof sections / sizeof sections[0];
    memcpy(t->sections, sections, sizeof sections);
    t->n_sheets = sizeof sheets / sizeof sheets[0];
    memcpy(t->sheets, sheets, sizeof sheets);
    t->decimals = 1;
    t->hr_decimals = 2;
    t->p_decimals = 3;
    t->ci_bands = 0;
    t->risk_table = 1;
    t->figures_per_page = 2;
    t->censor_marks = 1;
    t->legend = FIGURE_LEGEND_TOP;
    t->figure_formats = 1u << DRAW_FORMAT_PDF | 1u << DRAW_FORMAT_PNG;
    t->dpi = 300;
    t->font_pt = 9.0;
    t->min_count = 5;
    t->patients_max_rows = TEMPLATE_PATIENTS_MAX_ROWS;
    t->docx = 1;
}

embolo_error template_default(report_template **out)
{
    report_template *t = calloc(1, sizeof *t);
    *out = NULL;
    if (!t || !(t->name = ini_string_copy("manuscript"))) {
        free(t);
        return EMBOLO_ERROR_NOMEM;
    }
    template_set_defaults(t);
    *out = t;
    return EMBOLO_OK;
}

/* ---- reading a template file ---- */

static int is_template_section(const char *name)
{
    return !strcmp(name, "template") || !strcmp(name, "format") || !strcmp(name, "figures") ||
           !strcmp(name, "workbook") || !strcmp(name, "benchmarks") || !strcmp(name, "thresholds");
}

static int name_index(const char *const *names, size_t count, const char *name)
{
    for (size_t i = 0; i < count; i++)
        if (names[i] && text_equal_folded(names[i], name))
            return (int)i;
    return -1;
}

static void list_names(const char *const *names, size_t count, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < count && used < size; i++) {
        int n = snprintf(out + used, size - used, "%s%s", i ? ", " : "", names[i]);
        if (n < 0)
            return;
        used += (size_t)n;
    }
}

/* Reads a list of names into indices; returns the count (0 on error, recorded in doc). */
static size_t take_names(ini_doc *doc, const char *key, const char *const *names, size_t n_names, int *out)
{
    ini_entry *e = ini_doc_find(doc, "template", key);
    char **items = NULL;
    size_t count = 0, taken = 0;
    char known[512];
    if (!e)
        return 0;
    if (ini_split_list(e->value, ',', &items, &count) != EMBOLO_OK) {
        ini_doc_fail(doc, EMBOLO_ERROR_NOMEM, e->line, "out of memory");
        return 0;
    }
    list_names(names, n_names, known, sizeof known);
    for (size_t i = 0; i < count && doc->error == EMBOLO_OK; i++) {
        int index = name_index(names, n_names, items[i]);
        if (index < 0)
            ini_doc_fail(doc, EMBOLO_ERROR_TEMPLATE, e->line, "unknown %s '%s' (known: %s)",
                         strcmp(key, "sheets") ? "section" : "sheet", items[i], known);
        else if (taken >= n_names)
            ini_doc_fail(doc, EMBOLO_ERROR_TEMPLATE, e->line, "too many %s", key);
        else {
            for (size_t k = 0; k < taken; k++)
                if (out[k] == index)
                    ini_doc_fail(doc, EMBOLO_ERROR_TEMPLATE, e->line, "'%s' is listed twice", items[i]);
            out[taken++] = index;
        }
    }
    ini_strings_free(items, count);
    return doc->error == EMBOLO_OK ? taken : 0;
}

static void take_text(ini_doc *doc, const char *section, const char *key, char **out)
{
    ini_entry *e = ini_doc_find(doc, section, key);
    if (e && !(*out = ini_trimmed_copy(e->value)))
        ini_doc_fail(doc, EMBOLO_ERROR_NOMEM, e->line, "out of memory");
}

static void take_flag(ini_doc *doc, const char *section, const char *key, int *out)
{
    ini_entry *e = ini_doc_find(doc, section, key);
    char *value = e ? ini_trimmed_copy(e->value) : NULL;
    if (!e)
        return;
    if (value && (text_equal_folded(value, "yes") || text_equal_folded(value, "true") || !strcmp(value, "1")))
        *out = 1;
    else if (value && (text_equal_folded(value, "no") || text_equal_folded(value, "false") || !strcmp(value, "0")))
        *out = 0;
    else
        ini_doc_fail(doc, EMBOLO_ERROR_TEMPLATE, e->line, "%s must be yes or no", key);
    free(value);
}

static void take_integer(ini_doc *doc, const char *section, const char *key, int low, int high, int *out)
{
    ini_entry *e = ini_doc_find(doc, section, key);
    double value;
    if (!e)
        return;
    /* The range first: casting a double beyond int's range is undefined. */
    if (!text_parse_number(e->value, strlen(e->value), &value) || !(value >= low && value <= high) ||
        value != floor(value))
        ini_doc_fail(doc, EMBOLO_ERROR_TEMPLATE, e->line, "%s must be a whole number from %d to %d", key, low,
                     high);
    else
        *out = (int)value;
}

/* [format] yes_no_rows = one | both: Table 1's rows of a yes/no variable. */
static void take_yes_no_rows(ini_doc *doc, report_template *t)
{
    ini_entry *e = ini_doc_find(doc, "format", "yes_no_rows");
    char *value = e ? ini_trimmed_copy(e->value) : NULL;
    if (!e)
        return;
    if (value && (text_equal_folded(value, "one") || text_equal_folded(value, "both")))
        t->yes_no_both = text_equal_folded(value, "both");
    else
        ini_doc_fail(doc, value ? EMBOLO_ERROR_TEMPLATE : EMBOLO_ERROR_NOMEM, e->line, "yes_no_rows must be one or both");
    free(value);
}

/* period = YYYY-MM: the reporting month of an audit. */
static void take_period(ini_doc *doc, report_template *t)
{
    ini_entry *e = ini_doc_find(doc, "template", "period");
    int year, month, consumed = 0;
    if (!e)
        return;
    if (sscanf(e->value, " %4d-%2d %n", &year, &month, &consumed) != 2 || e->value[consumed] != '\0' ||
        year < 1 || month < 1 || month > 12)
        ini_doc_fail(doc, EMBOLO_ERROR_TEMPLATE, e->line, "period must be YYYY-MM, e.g. 2012-12");
    else {
        t->has_period = 1;
        t->period_year = year;
        t->period_month = month;
    }
}

/* [benchmarks]: source = citation; ENDPOINT.VARIABLE.LEVEL = published median. */
static void take_benchmarks(ini_doc *doc, report_template *t)
{
    take_text(doc, "benchmarks", "source", &t->benchmark_source);
    for (size_t i = 0; i < doc->n_entries && doc->error == EMBOLO_OK; i++) {
        ini_entry *e = &doc->entries[i];
        if (strcmp(e->section, "benchmarks") || !strcmp(e->key, "source"))
            continue;
        e->used = 1;
        const char *dot1 = strchr(e->key, '.'), *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
        double median;
        if (!dot1 || !dot2 || dot1 == e->key || dot2 == dot1 + 1 || !dot2[1]) {
            ini_doc_fail(doc, EMBOLO_ERROR_TEMPLATE, e->line, "benchmark key '%s' must be ENDPOINT.VARIABLE.LEVEL",
                         e->key);
            break;
        }
        if (!text_parse_number(e->value, strlen(e->value), &median) || !(median > 0)) {
            ini_doc_fail(doc, EMBOLO_ERROR_TEMPLATE, e->line, "benchmark '%s' must be a positive median", e->key);
            break;
        }
        if (t->n_benchmarks == TEMPLATE_MAX_BENCHMARKS) {
            ini_doc_fail(doc, EMBOLO_ERROR_TEMPLATE, e->line, "more than %d benchmarks", TEMPLATE_MAX_BENCHMARKS);
            break;
        }
        template_benchmark *b = &t->benchmarks[t->n_benchmarks++];
        b->endpoint = strndup(e->key, (size_t)(dot1 - e->key));
        b->variable = strndup(dot1 + 1, (size_t)(dot2 - dot1 - 1));
        b->level = strdup(dot2 + 1);
        b->median = median;
        b->line = e->line;
        if (!b->endpoint || !b->variable || !b->level)
            ini_doc_fail(doc, EMBOLO_ERROR_NOMEM, e->line, "out of memory");
    }
}

/* [thresholds]: KEY = value or KEY.LEVEL = value; rates and the CUSUM's p0 and p1 in (0, 1), its h > 0. */
static int threshold_value_ok(procedure_threshold key, double value)
{
    return key == THRESHOLD_CUSUM_H ? value > 0 : value > 0 && value < 1;
}

static int threshold_key(const char *name, size_t length)
{
    for (int k = 0; k < THRESHOLD_COUNT; k++) {
        const char *known = procedure_threshold_name((procedure_threshold)k);
        if (strlen(known) == length && !strncmp(known, name, length))
            return k;
    }
    return -1;
}

static void take_threshold(ini_doc *doc, report_template *t, ini_entry *e)
{
    const char *dot = strchr(e->key, '.');
    size_t length = dot ? (size_t)(dot - e->key) : strlen(e->key);
    int key = threshold_key(e->key, length);
    double value;
    e->used = 1;
    if (key < 0 || (dot && !dot[1])) {
        ini_doc_fail(doc, EMBOLO_ERROR_TEMPLATE, e->line, "unknown threshold '%s' (known: major_ae, mortality_30d, "
                     "technical_success, cusum_p0, cusum_p1, cusum_h, each also as KEY.LEVEL)", e->key);
        return;
    }
    if (!text_parse_number(e->value, strlen(e->value), &value) || !threshold_value_ok((procedure_threshold)key, value)) {
        ini_doc_fail(doc, EMBOLO_ERROR_TEMPLATE, e->line, "threshold %s must be a number %s", e->key,
                     key == THRESHOLD_CUSUM_H ? "above 0" : "between 0 and 1 (exclusive)");
        return;
    }
    if (t->n_thresholds == TEMPLATE_MAX_THRESHOLDS) {
        ini_doc_fail(doc, EMBOLO_ERROR_TEMPLATE, e->line, "more than %d thresholds", TEMPLATE_MAX_THRESHOLDS);
        return;
    }
    template_threshold *th = &t->thresholds[t->n_thresholds++];
    th->key = (procedure_threshold)key;
    th->value = value;
    th->line = e->line;
    if (dot && !(th->level = strdup(dot + 1)))
        ini_doc_fail(doc, EMBOLO_ERROR_NOMEM, e->line, "out of memory");
}

/* The line of the entry for key at level (NULL: the overall KEY), 0 if there is none. */
static int threshold_line(const report_template *t, procedure_threshold key, const char *level)
{
    for (size_t i = 0; i < t->n_thresholds; i++) {
        const template_threshold *th = &t->thresholds[i];
        if (th->key == key && (level ? th->level && text_equal_folded(th->level, level) : !th->level))
            return th->line;
    }
    return 0;
}

/* Where a CUSUM's p0 >= p1 was set: the level's p1 or p0, else the overall ones. */
static int cusum_line(const report_template *t, const char *level)
{
    int line = level ? threshold_line(t, THRESHOLD_CUSUM_P1, level) : 0;
    if (!line && level)
        line = threshold_line(t, THRESHOLD_CUSUM_P0, level);
    if (!line)
        line = threshold_line(t, THRESHOLD_CUSUM_P1, NULL);
    return line ? line : threshold_line(t, THRESHOLD_CUSUM_P0, NULL);
}

static int cusum_rates_ok(const double *values)
{
    return values[THRESHOLD_CUSUM_P0] < values[THRESHOLD_CUSUM_P1];
}

/* Sets the values of one level (or overall, level NULL) from the template's entries. */
static void thresholds_apply(const report_template *t, const char *level, double *values)
{
    for (size_t i = 0; i < t->n_thresholds; i++)
        if (!t->thresholds[i].level)
            values[t->thresholds[i].key] = t->thresholds[i].value;
    for (size_t i = 0; level && i < t->n_thresholds; i++)
        if (t->thresholds[i].level && text_equal_folded(t->thresholds[i].level, level))
            values[t->thresholds[i].key] = t->thresholds[i].value;
}

static void take_thresholds(ini_doc *doc, report_template *t)
{
    for (size_t i = 0; i < doc->n_entries && doc->error == EMBOLO_OK; i++)
        if (!strcmp(doc->entries[i].section, "thresholds"))
            take_threshold(doc, t, &doc->entries[i]);
    double overall[THRESHOLD_COUNT];
    for (int k = 0; k < THRESHOLD_COUNT; k++)
        overall[k] = procedure_threshold_default((procedure_threshold)k);
    thresholds_apply(t, NULL, overall);
    if (doc->error == EMBOLO_OK && !cusum_rates_ok(overall))
        ini_doc_fail(doc, EMBOLO_ERROR_TEMPLATE, cusum_line(t, NULL),
                     "cusum_p0 (%g) must be below cusum_p1 (%g)", overall[THRESHOLD_CUSUM_P0],
                     overall[THRESHOLD_CUSUM_P1]);
}

/* ---- [figures] ---- */

static void take_number(ini_doc *doc, const char *section, const char *key, double low, double high, double *out)
{
    ini_entry *e = ini_doc_find(doc, section, key);
    double value;
    if (!e)
        return;
    if (!text_parse_number(e->value, strlen(e->value), &value) || !(value >= low && value <= high))
        ini_doc_fail(doc, EMBOLO_ERROR_TEMPLATE, e->line, "%s must be a number from %g to %g", key, low, high);
    else
        *out = value;
}

/* formats = pdf, png, tiff, svg, eps (any of them, once each), or none. */
static void take_formats(ini_doc *doc, report_template *t)
{
    ini_entry *e = ini_doc_find(doc, "figures", "formats");
    char **items = NULL;
    size_t count = 0;
    unsigned formats = 0;
    if (!e)
        return;
    if (ini_split_list(e->value, ',', &items, &count) != EMBOLO_OK) {
        ini_doc_fail(doc, EMBOLO_ERROR_NOMEM, e->line, "out of memory");
        return;
    }
    for (size_t i = 0; i < count && doc->error == EMBOLO_OK; i++) {
        int format = -1;
        for (int k = 0; k < DRAW_FORMAT_COUNT; k++)
            format = text_equal_folded(items[i], draw_format_name((draw_format)k)) ? k : format;
        if (text_equal_folded(items[i], "none") && count == 1)
            continue;
        if (format < 0)
            ini_doc_fail(doc, EMBOLO_ERROR_TEMPLATE, e->line, "unknown figure format '%s' (known: pdf, png, tiff, svg, "
                         "eps; or none alone)", items[i]);
        else if (formats & 1u << format)
            ini_doc_fail(doc, EMBOLO_ERROR_TEMPLATE, e->line, "'%s' is listed twice", items[i]);
        formats |= format >= 0 ? 1u << format : 0;
    }
    if (doc->error == EMBOLO_OK && count == 0)
        ini_doc_fail(doc, EMBOLO_ERROR_TEMPLATE, e->line, "formats must list pdf, png, tiff, svg or eps (or be none)");
    ini_strings_free(items, count);
    if (doc->error == EMBOLO_OK)
        t->figure_formats = formats;
}

/* legend = top | inside | none. */
static void take_legend(ini_doc *doc, report_template *t)
{
    static const char *const names[] = {[FIGURE_LEGEND_TOP] = "top", [FIGURE_LEGEND_INSIDE] = "inside",
                                        [FIGURE_LEGEND_NONE] = "none"};
    ini_entry *e = ini_doc_find(doc, "figures", "legend");
    char *value = e ? ini_trimmed_copy(e->value) : NULL;
    if (!e)
        return;
    int index = value ? name_index(names, 3, value) : -1;
    if (index < 0)
        ini_doc_fail(doc, value ? EMBOLO_ERROR_TEMPLATE : EMBOLO_ERROR_NOMEM, e->line, "legend must be top, inside or none");
    else
        t->legend = (figure_legend)index;
    free(value);
}

/* width_mm / height_mm: KEY for every kind of figure, KEY.KIND for one (which wins, wherever it is). */
static void take_size(ini_doc *doc, report_template *t, ini_entry *e, int specific)
{
    const char *dot = strchr(e->key, '.');
    int height = !strncmp(e->key, "height_mm", 9);
    double value, high = height ? 1000.0 : 500.0;
    if ((dot != NULL) != specific)
        return;
    e->used = 1;
    int kind = dot ? name_index(figure_kind_names, FIGURE_KIND_COUNT, dot + 1) : -1;
    if (dot && kind < 0) {
        char known[256];
        list_names(figure_kind_names, FIGURE_KIND_COUNT, known, sizeof known);
        ini_doc_fail(doc, EMBOLO_ERROR_TEMPLATE, e->line, "unknown figure kind '%s' (known: %s)", dot + 1, known);
        return;
    }
    if (!text_parse_number(e->value, strlen(e->value), &value) || !(value >= 20.0 && value <= high)) {
        ini_doc_fail(doc, EMBOLO_ERROR_TEMPLATE, e->line, "%s must be a number of millimetres from 20 to %g", e->key,
                     high);
        return;
    }
    double *sizes = height ? t->height_mm : t->width_mm;
    for (int k = 0; k < FIGURE_KIND_COUNT; k++)
        if (kind < 0 || k == kind)
            sizes[k] = value;
}

static void take_sizes(ini_doc *doc, report_template *t)
{
    for (int specific = 0; specific <= 1; specific++)
        for (size_t i = 0; i < doc->n_entries && doc->error == EMBOLO_OK; i++) {
            ini_entry *e = &doc->entries[i];
            size_t base = strcspn(e->key, ".");
            if (!strcmp(e->section, "figures") && ((base == 8 && !strncmp(e->key, "width_mm", 8)) ||
                                                   (base == 9 && !strncmp(e->key, "height_mm", 9))))
                take_size(doc, t, e, specific);
        }
}

static void take_figures(ini_doc *doc, report_template *t)
{
    take_flag(doc, "figures", "ci_bands", &t->ci_bands);
    take_flag(doc, "figures", "risk_table", &t->risk_table);
    take_flag(doc, "figures", "censor_marks", &t->censor_marks);
    take_integer(doc, "figures", "per_page", 1, 4, &t->figures_per_page);
    ini_entry *e = ini_doc_find(doc, "figures", "x_max");
    if (e && (!text_parse_number(e->value, strlen(e->value), &t->x_max) || !(t->x_max >= 0)))
        ini_doc_fail(doc, EMBOLO_ERROR_TEMPLATE, e->line, "x_max must be a number >= 0 (0: the data's longest time)");
    e = ini_doc_find(doc, "figures", "x_step");
    if (e && (!text_parse_number(e->value, strlen(e->value), &t->x_step) || !(t->x_step >= 0)))
        ini_doc_fail(doc, EMBOLO_ERROR_TEMPLATE, e->line, "x_step must be a number >= 0 (0: the data's natural step)");
    take_formats(doc, t);
    take_legend(doc, t);
    take_integer(doc, "figures", "dpi", 72, 2400, &t->dpi);
    take_number(doc, "figures", "font_pt", 4.0, 24.0, &t->font_pt);
    if (doc->error == EMBOLO_OK)
        take_sizes(doc, t);
}

/* previous = DIR: an earlier output set to compare with, relative to the template's folder. */
static void take_previous(ini_doc *doc, report_template *t)
{
    ini_entry *e = ini_doc_find(doc, "template", "previous");
    char *value = e ? ini_trimmed_copy(e->value) : NULL;
    if (!e)
        return;
    if (value && !value[0])
        ini_doc_fail(doc, EMBOLO_ERROR_TEMPLATE, e->line, "previous needs the directory of an earlier output set");
    else if (!value || !(t->previous = text_path_beside(t->path ? t->path : "", value)))
        ini_doc_fail(doc, EMBOLO_ERROR_NOMEM, e->line, "out of memory");
    free(value);
}

static void template_build(ini_doc *doc, report_template *t)
{
    int indices[(int)SHEET_COUNT + (int)SECTION_COUNT];
    size_t n;
    take_text(doc, "template", "name", &t->name);
    take_text(doc, "template", "title", &t->title);
    take_text(doc, "template", "subtitle", &t->subtitle);
    if (ini_doc_find(doc, "template", "sections")) {
        n = take_names(doc, "sections", section_names, SECTION_COUNT, indices);
        t->n_sections = n;
        for (size_t i = 0; i < n; i++)
            t->sections[i] = (report_section)indices[i];
    }
    if (ini_doc_find(doc, "template", "sheets")) {
        n = take_names(doc, "sheets", sheet_names, SHEET_COUNT, indices);
        t->n_sheets = n;
        for (size_t i = 0; i < n; i++)
            t->sheets[i] = (workbook_sheet)indices[i];
    }
    take_flag(doc, "template", "share", &t->share);
    t->docx = !t->share;
    take_flag(doc, "template", "docx", &t->docx);
    take_yes_no_rows(doc, t);
    take_integer(doc, "template", "min_count", 1, 100, &t->min_count);
    take_period(doc, t);
    take_previous(doc, t);
    take_integer(doc, "format", "decimals", 0, 6, &t->decimals);
    take_integer(doc, "format", "hr_decimals", 0, 6, &t->hr_decimals);
    take_integer(doc, "format", "p_decimals", 1, 6, &t->p_decimals);
    take_figures(doc, t);
    int max_rows = (int)t->patients_max_rows;
    take_integer(doc, "workbook", "patients_max_rows", 0, 1048575, &max_rows);
    t->patients_max_rows = (size_t)max_rows;
    take_benchmarks(doc, t);
    if (doc->error == EMBOLO_OK)
        take_thresholds(doc, t);
    if (doc->error == EMBOLO_OK && t->share)
        t->n_sheets = template_without_sheet(t->sheets, t->n_sheets, SHEET_PATIENTS);
    if (doc->error == EMBOLO_OK && t->share)
        t->n_sheets = template_without_sheet(t->sheets, t->n_sheets, SHEET_PROCEDURES);
}

embolo_error template_parse(const char *text, size_t length, const char *path, report_template **out,
                            char *message, size_t message_size)
{
    ini_doc doc = {.path = path, .text = text, .length = length, .kind = EMBOLO_ERROR_TEMPLATE,
                   .known_section = is_template_section,
                   .known_sections = "template, format, figures, workbook, benchmarks, thresholds",
                   .message = message, .message_size = message_size};
    report_template *t = NULL;
    *out = NULL;
    if (message_size)
        message[0] = '\0';
    ini_doc_parse(&doc);
    if (doc.error == EMBOLO_OK && template_default(&t) != EMBOLO_OK)
        ini_doc_fail(&doc, EMBOLO_ERROR_NOMEM, 0, "out of memory");
    if (doc.error == EMBOLO_OK) {
        free(t->name);
        t->name = NULL;
        if (!(t->path = ini_string_copy(path)))
            ini_doc_fail(&doc, EMBOLO_ERROR_NOMEM, 0, "out of memory");
    }
    if (doc.error == EMBOLO_OK)
        template_build(&doc, t);
    if (doc.error == EMBOLO_OK)
        ini_doc_check_unused(&doc);
    if (doc.error == EMBOLO_OK && !t->name && !(t->name = ini_string_copy("custom")))
        ini_doc_fail(&doc, EMBOLO_ERROR_NOMEM, 0, "out of memory");
    if (doc.error == EMBOLO_OK) {
        *out = t;
        t = NULL;
    }
    template_free(t);
    ini_doc_free_entries(&doc);
    return doc.error;
}

embolo_error template_read(const char *path, report_template **out, char *message, size_t message_size)
{
    char *text = NULL;
    size_t length = 0;
    embolo_error err = text_read_file(path, "template", INI_MAX_FILE, &text, &length, message, message_size);
    *out = NULL;
    if (err == EMBOLO_ERROR_TOO_LARGE)
        err = EMBOLO_ERROR_TEMPLATE;
    if (err == EMBOLO_OK)
        err = template_parse(text, length, path, out, message, message_size);
    free(text);
    return err;
}

size_t template_without_sheet(workbook_sheet *sheets, size_t n, workbook_sheet sheet)
{
    size_t kept = 0;
    for (size_t i = 0; i < n; i++)
        if (sheets[i] != sheet)
            sheets[kept++] = sheets[i];
    return kept;
}

long template_period_end(const report_template *t)
{
    int year = t->period_year, month = t->period_month + 1;
    if (month == 13) {
        month = 1;
        year++;
    }
    return text_days_from_civil(year, month, 1) - 1;
}

long template_period_start(const report_template *t)
{
    return text_days_from_civil(t->period_year, t->period_month, 1);
}

void template_free(report_template *t)
{
    if (!t)
        return;
    free(t->path);
    free(t->name);
    free(t->title);
    free(t->subtitle);
    free(t->previous);
    for (size_t i = 0; i < t->n_benchmarks; i++) {
        free(t->benchmarks[i].endpoint);
        free(t->benchmarks[i].variable);
        free(t->benchmarks[i].level);
    }
    free(t->benchmark_source);
    for (size_t i = 0; i < t->n_thresholds; i++)
        free(t->thresholds[i].level);
    free(t);
}

embolo_error template_thresholds(const report_template *t, const char *const *levels, size_t n_levels,
                                 procedure_thresholds **out, char *message, size_t message_size)
{
    procedure_thresholds *th = NULL;
    *out = NULL;
    for (size_t i = 0; i < t->n_thresholds; i++) {
        int known = !t->thresholds[i].level;
        for (size_t l = 0; l < n_levels && !known; l++)
            known = text_equal_folded(t->thresholds[i].level, levels[l]);
        if (!known) {
            snprintf(message, message_size, "%s:%d: threshold for '%s', which is not a level of the treatment variable",
                     t->path ? t->path : "template", t->thresholds[i].line, t->thresholds[i].level);
            return EMBOLO_ERROR_TEMPLATE;
        }
    }
    if (procedure_thresholds_new(n_levels, &th) != EMBOLO_OK)
        return EMBOLO_ERROR_NOMEM;
    thresholds_apply(t, NULL, th->all);
    for (size_t l = 0; l < n_levels; l++) {
        thresholds_apply(t, levels[l], th->level[l]);
        if (!cusum_rates_ok(th->level[l])) {
            snprintf(message, message_size, "%s:%d: for %s, cusum_p0 (%g) must be below cusum_p1 (%g)",
                     t->path ? t->path : "template", cusum_line(t, levels[l]), levels[l],
                     th->level[l][THRESHOLD_CUSUM_P0], th->level[l][THRESHOLD_CUSUM_P1]);
            procedure_thresholds_free(th);
            return EMBOLO_ERROR_TEMPLATE;
        }
    }
    *out = th;
    return EMBOLO_OK;
}

int template_has_section(const report_template *t, report_section section)
{
    for (size_t i = 0; i < t->n_sections; i++)
        if (t->sections[i] == section)
            return 1;
    return 0;
}

int template_has_sheet(const report_template *t, workbook_sheet sheet)
{
    for (size_t i = 0; i < t->n_sheets; i++)
        if (t->sheets[i] == sheet)
            return 1;
    return 0;
}

const char *template_figure_kind_name(figure_kind kind)
{
    return kind < FIGURE_KIND_COUNT ? figure_kind_names[kind] : "";
}

const char *template_section_name(report_section section)
{
    return section < SECTION_COUNT ? section_names[section] : "";
}
