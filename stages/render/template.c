#include "template.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void template_set_defaults(report_template *t)
{
    static const report_section sections[] = {SECTION_FLOW, SECTION_TABLE1, SECTION_SUBGROUPS,
                                              SECTION_KM_FIGURES, SECTION_COX, SECTION_PROPENSITY,
                                              SECTION_MODEL_CHECKS, SECTION_METHODS, SECTION_RESULTS_TEXT};
    static const workbook_sheet sheets[] = {SHEET_SUMMARY, SHEET_SUBGROUPS, SHEET_COX, SHEET_TABLE1,
                                            SHEET_BALANCE, SHEET_KM_CURVES, SHEET_EXCLUSIONS, SHEET_PATIENTS,
                                            SHEET_DICTIONARY, SHEET_METHODS};
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
    t->min_count = 5;
}

embolo_error template_default(report_template **out)
{
    report_template *t = calloc(1, sizeof *t);
    *out = NULL;
    if (!t)
        return EMBOLO_ERROR_NOMEM;
    template_set_defaults(t);
    *out = t;
    return EMBOLO_OK;
}

embolo_error template_read(const char *path, report_template **out, char *message, size_t message_size)
{
    *out = NULL;
    snprintf(message, message_size, "%s: templates are not supported yet", path);
    return EMBOLO_ERROR_DATA;
}

void template_free(report_template *t)
{
    if (!t)
        return;
    free(t->path);
    free(t->name);
    free(t->title);
    free(t->subtitle);
    for (size_t i = 0; i < t->n_benchmarks; i++) {
        free(t->benchmarks[i].endpoint);
        free(t->benchmarks[i].variable);
        free(t->benchmarks[i].level);
    }
    free(t->benchmark_source);
    free(t);
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
