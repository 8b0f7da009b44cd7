#include "study.h"

#include "inifile.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static const char *const default_na_values[] = {"", "na", "n/a", ".", "-", "unknown", "missing"};







static int is_known_section(const char *name)
{
    return strcmp(name, "study") == 0 || strcmp(name, "treatment") == 0 ||
           strcmp(name, "analysis") == 0 || strcmp(name, "procedures") == 0 ||
           (strncmp(name, "endpoint.", 9) == 0 && name[9]) ||
           (strncmp(name, "variable.", 9) == 0 && name[9]);
}


/* ---- building the study from the entries ---- */






static int parse_study_number(const char *value, double *out)
{
    return text_parse_number(value, strlen(value), out);
}

static embolo_error normalize_list(char **items, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        size_t size = strlen(items[i]) + 1;
        char *normalized = malloc(size);
        if (!normalized)
            return EMBOLO_ERROR_NOMEM;
        if (!text_normalize(items[i], size - 1, normalized, size)) {
            free(normalized);
            return EMBOLO_ERROR_STUDY;
        }
        free(items[i]);
        items[i] = normalized;
    }
    return EMBOLO_OK;
}

/* The four units of study-file.md (any case); 0 for another spelling. */
static double days_per_unit(const char *unit)
{
    if (text_equal_folded(unit, "days"))
        return 1.0;
    if (text_equal_folded(unit, "weeks"))
        return 7.0;
    if (text_equal_folded(unit, "months"))
        return 365.25 / 12.0;
    if (text_equal_folded(unit, "years"))
        return 365.25;
    return 0.0;
}

/* Landmarks are keyed by their %g text in results.csv: two that print alike would be one line. */
static void check_landmarks_distinct(ini_doc *parser, const ini_entry *e, const study *s)
{
    for (size_t i = 0; i < s->n_landmarks && parser->error == EMBOLO_OK; i++)
        for (size_t k = 0; k < i; k++)
            if (strcmp(s->landmark_texts[i], s->landmark_texts[k]) == 0) {
                ini_doc_fail(parser, EMBOLO_ERROR_STUDY, e->line,
                             "landmarks %zu and %zu are both %s (as results.csv writes them, %%g)", k + 1, i + 1,
                             s->landmark_texts[i]);
                break;
            }
}

/* delimiter = , (default), ; or tab: the field separator of the CSV. */
static void build_delimiter(ini_doc *parser, study *s)
{
    ini_entry *e = ini_doc_find(parser, "study", "delimiter");
    char *value = e ? ini_trimmed_copy(e->value) : NULL;
    s->delimiter = ',';
    if (!e)
        return;
    size_t raw_length;
    const char *raw = ini_doc_raw_value(parser, e->line, &raw_length);
    if (!value)
        ini_doc_fail(parser, EMBOLO_ERROR_NOMEM, e->line, "out of memory");
    else if (!value[0] && raw_length > 0 && raw[0] == ';')
        s->delimiter = ';';   /* libinih took "= ;" for an empty value and a comment */
    else if (!strcmp(value, ",") || !strcmp(value, ";"))
        s->delimiter = value[0];
    else if (text_equal_folded(value, "tab"))
        s->delimiter = '\t';
    else
        ini_doc_fail(parser, EMBOLO_ERROR_STUDY, e->line, "delimiter '%s' is not ',', ';' or 'tab'", value);
    free(value);
}

static void build_study_section(ini_doc *parser, study *s)
{
    ini_entry *e;
    if ((e = ini_doc_find(parser, "study", "title")) && !(s->title = ini_trimmed_copy(e->value)))
        ini_doc_fail(parser, EMBOLO_ERROR_NOMEM, e->line, "out of memory");
    if ((e = ini_doc_find(parser, "study", "id")) && !(s->id_column = ini_trimmed_copy(e->value)))
        ini_doc_fail(parser, EMBOLO_ERROR_NOMEM, e->line, "out of memory");
    e = ini_doc_find(parser, "study", "time_unit");
    s->time_unit = ini_trimmed_copy(e ? e->value : "days");
    if (!s->time_unit)
        ini_doc_fail(parser, EMBOLO_ERROR_NOMEM, 0, "out of memory");
    else if ((s->days_per_unit = days_per_unit(s->time_unit)) == 0.0)
        ini_doc_fail(parser, EMBOLO_ERROR_STUDY, e ? e->line : 0,
                    "time_unit '%s' is not one of days, weeks, months, years", s->time_unit);
    else
        for (char *c = s->time_unit; *c; c++)
            *c = (char)tolower((unsigned char)*c);
    build_delimiter(parser, s);
    if ((e = ini_doc_find(parser, "study", "date_format"))) {
        char *format = ini_trimmed_copy(e->value);
        if (!format)
            ini_doc_fail(parser, EMBOLO_ERROR_NOMEM, e->line, "out of memory");
        else if (text_equal_folded(format, "ISO"))
            s->date_format = DATE_FORMAT_ISO;
        else if (text_equal_folded(format, "MDY"))
            s->date_format = DATE_FORMAT_MDY;
        else if (text_equal_folded(format, "DMY"))
            s->date_format = DATE_FORMAT_DMY;
        else
            ini_doc_fail(parser, EMBOLO_ERROR_STUDY, e->line, "date_format '%s' is not ISO, MDY or DMY", format);
        free(format);
    }
    if ((e = ini_doc_find(parser, "study", "as_of"))) {
        if (!text_parse_date(e->value, strlen(e->value), DATE_FORMAT_ISO, &s->as_of))
            ini_doc_fail(parser, EMBOLO_ERROR_STUDY, e->line, "as_of '%s' is not a date YYYY-MM-DD", e->value);
        else
            s->has_as_of = 1;
    }
    if ((e = ini_doc_find(parser, "study", "landmarks"))) {
        char **items = NULL;
        size_t count = 0;
        embolo_error err = ini_split_list(e->value, ',', &items, &count);
        if (err != EMBOLO_OK) {
            ini_doc_fail(parser, err, e->line, "cannot read landmarks");
            return;
        }
        s->landmarks = calloc(count ? count : 1, sizeof *s->landmarks);
        s->landmark_texts = calloc(count ? count : 1, sizeof *s->landmark_texts);
        if (!s->landmarks || !s->landmark_texts) {
            ini_strings_free(items, count);
            ini_doc_fail(parser, EMBOLO_ERROR_NOMEM, e->line, "out of memory");
            return;
        }
        for (size_t i = 0; i < count && parser->error == EMBOLO_OK; i++) {
            char text[64];
            if (!parse_study_number(items[i], &s->landmarks[i]) || s->landmarks[i] < 0) {
                ini_doc_fail(parser, EMBOLO_ERROR_STUDY, e->line, "landmark '%s' is not a number >= 0", items[i]);
                break;
            }
            snprintf(text, sizeof text, "%g", s->landmarks[i]);
            if (!(s->landmark_texts[i] = ini_string_copy(text)))
                ini_doc_fail(parser, EMBOLO_ERROR_NOMEM, e->line, "out of memory");
            s->n_landmarks = i + 1;
        }
        ini_strings_free(items, count);
        check_landmarks_distinct(parser, e, s);
    }
    if ((e = ini_doc_find(parser, "study", "na_values"))) {
        embolo_error err = ini_split_list(e->value, ',', &s->na_values, &s->n_na_values);
        if (err == EMBOLO_OK)
            err = normalize_list(s->na_values, s->n_na_values);
        if (err != EMBOLO_OK)
            ini_doc_fail(parser, err, e->line, "cannot read na_values");
        else if (s->n_na_values == 0)
            ini_doc_fail(parser, EMBOLO_ERROR_STUDY, e->line,
                         "na_values is empty: list the missing-value tokens, or remove the key for the default list");
    } else {
        size_t count = sizeof default_na_values / sizeof default_na_values[0];
        s->na_values = calloc(count, sizeof *s->na_values);
        if (!s->na_values) {
            ini_doc_fail(parser, EMBOLO_ERROR_NOMEM, 0, "out of memory");
            return;
        }
        for (size_t i = 0; i < count; i++)
            if ((s->na_values[s->n_na_values++] = ini_string_copy(default_na_values[i])) == NULL)
                ini_doc_fail(parser, EMBOLO_ERROR_NOMEM, 0, "out of memory");
    }
}

/* Copies the value of section.key (trimmed) into *out; a required key that is absent is an error. */
static void take_string(ini_doc *parser, const char *section, const char *key, int required,
                        int section_line, char **out)
{
    ini_entry *e = ini_doc_find(parser, section, key);
    if (!e) {
        if (required)
            ini_doc_fail(parser, EMBOLO_ERROR_STUDY, section_line, "[%s] needs the key '%s'", section, key);
        return;
    }
    if (!(*out = ini_trimmed_copy(e->value)))
        ini_doc_fail(parser, EMBOLO_ERROR_NOMEM, e->line, "out of memory");
    else if (!(*out)[0])
        ini_doc_fail(parser, EMBOLO_ERROR_STUDY, e->line, "'%s' in [%s] is empty", key, section);
}

static void take_list(ini_doc *parser, const char *section, const char *key, int required,
                      int section_line, int normalize, char ***out, size_t *count)
{
    ini_entry *e = ini_doc_find(parser, section, key);
    embolo_error err;
    if (!e) {
        if (required)
            ini_doc_fail(parser, EMBOLO_ERROR_STUDY, section_line, "[%s] needs the key '%s'", section, key);
        return;
    }
    err = ini_split_list(e->value, ',', out, count);
    if (err == EMBOLO_OK && normalize)
        err = normalize_list(*out, *count);
    if (err != EMBOLO_OK)
        ini_doc_fail(parser, err, e->line, "cannot read the list '%s'", key);
    else if (*count == 0)
        ini_doc_fail(parser, EMBOLO_ERROR_STUDY, e->line, "'%s' in [%s] is empty", key, section);
}

/* The item of list a that is also in list b (compared as text_equal_folded), NULL if none. */
static const char *lists_common(char **a, size_t na, char **b, size_t nb)
{
    for (size_t i = 0; i < na; i++)
        for (size_t k = 0; k < nb; k++)
            if (text_equal_folded(a[i], b[k]))
                return a[i];
    return NULL;
}

/* A status value may mean one thing only; a date column cannot be both the event and the competing
 * event. */
static void check_competing(ini_doc *parser, const char *section, const study_endpoint *ep)
{
    const char *twice = NULL, *what = NULL;
    if (ep->form == ENDPOINT_TIME_STATUS) {
        if ((twice = lists_common(ep->event_values, ep->n_event_values, ep->censor_values, ep->n_censor_values)))
            what = "event_values and censor_values";
        else if ((twice = lists_common(ep->competing_values, ep->n_competing_values, ep->event_values,
                                       ep->n_event_values)))
            what = "competing_values and event_values";
        else if ((twice = lists_common(ep->competing_values, ep->n_competing_values, ep->censor_values,
                                       ep->n_censor_values)))
            what = "competing_values and censor_values";
    } else if ((twice = lists_common(ep->competing_dates, ep->n_competing_dates, ep->event_dates,
                                     ep->n_event_dates))) {
        what = "competing_dates and event_dates";
    }
    if (twice) {
        const char *key = ep->form == ENDPOINT_TIME_STATUS ? (strstr(what, "competing") ? "competing_values" : "censor_values")
                                                           : "competing_dates";
        ini_entry *e = ini_doc_find(parser, section, key);
        ini_doc_fail(parser, EMBOLO_ERROR_STUDY, e ? e->line : ep->line, "'%s' is in both %s of [%s]", twice, what,
                     section);
    }
}

static void build_endpoint(ini_doc *parser, const char *section, study_endpoint *ep)
{
    int line = ini_doc_section_line(parser, section);
    ini_entry *e;
    ep->line = line;
    ep->time_scale = 0.0;
    take_string(parser, section, "label", 0, line, &ep->label);
    int has_time = ini_doc_find(parser, section, "time") != NULL ||
                   ini_doc_find(parser, section, "status") != NULL;
    int has_dates = ini_doc_find(parser, section, "start") != NULL ||
                    ini_doc_find(parser, section, "event_dates") != NULL ||
                    ini_doc_find(parser, section, "censor_date") != NULL;
    if (has_time && has_dates) {
        ini_doc_fail(parser, EMBOLO_ERROR_STUDY, line,
                    "[%s] mixes the date form (start, event_dates, censor_date) and the time/status form", section);
        return;
    }
    if (has_time) {
        ep->form = ENDPOINT_TIME_STATUS;
        take_string(parser, section, "time", 1, line, &ep->time);
        take_string(parser, section, "status", 1, line, &ep->status);
        take_list(parser, section, "event_values", 1, line, 1, &ep->event_values, &ep->n_event_values);
        take_list(parser, section, "censor_values", 1, line, 1, &ep->censor_values, &ep->n_censor_values);
        take_list(parser, section, "competing_values", 0, line, 1, &ep->competing_values, &ep->n_competing_values);
        if ((e = ini_doc_find(parser, section, "competing_dates")))
            ini_doc_fail(parser, EMBOLO_ERROR_STUDY, e->line,
                         "competing_dates belongs to the date form; [%s] has time and status (use competing_values)",
                         section);
        if ((e = ini_doc_find(parser, section, "time_unit"))) {
            char *unit = ini_trimmed_copy(e->value);
            double days = unit ? days_per_unit(unit) : 0.0;
            if (!unit)
                ini_doc_fail(parser, EMBOLO_ERROR_NOMEM, e->line, "out of memory");
            else if (days == 0.0)
                ini_doc_fail(parser, EMBOLO_ERROR_STUDY, e->line,
                            "time_unit '%s' is not one of days, weeks, months, years", unit);
            else
                ep->time_scale = days;
            free(unit);
        }
    } else {
        ep->form = ENDPOINT_DATES;
        take_string(parser, section, "start", 1, line, &ep->start);
        take_list(parser, section, "event_dates", 1, line, 0, &ep->event_dates, &ep->n_event_dates);
        take_string(parser, section, "censor_date", 1, line, &ep->censor_date);
        take_list(parser, section, "competing_dates", 0, line, 0, &ep->competing_dates, &ep->n_competing_dates);
        if ((e = ini_doc_find(parser, section, "competing_values")))
            ini_doc_fail(parser, EMBOLO_ERROR_STUDY, e->line,
                         "competing_values belongs to the time/status form; [%s] has dates (use competing_dates)",
                         section);
    }
    if (parser->error == EMBOLO_OK)
        check_competing(parser, section, ep);
}

static int find_level(const study_variable *v, const char *normalized)
{
    for (size_t i = 0; i < v->n_levels; i++) {
        char buffer[INI_MAX_LINE + 1];
        if (text_normalize(v->levels[i], strlen(v->levels[i]), buffer, sizeof buffer) &&
            strcmp(buffer, normalized) == 0)
            return (int)i;
    }
    return -1;
}

/* Splits an alias group "LEVEL: spellings" (or "\"LEVEL\": spellings" for a level that holds ':')
 * in place: *level and *spellings point into group. Returns 0 without a ':' after the level. */
static int split_alias_group(char *group, char **level, char **spellings)
{
    char *colon;
    while (*group == ' ' || *group == '\t')
        group++;
    if (*group == '"') {
        char *close = strchr(group + 1, '"');
        if (!close)
            return 0;
        *close = '\0';
        colon = close + 1;
        while (*colon == ' ' || *colon == '\t')
            colon++;
        if (*colon != ':')
            return 0;
        *level = group + 1;
    } else {
        if (!(colon = strchr(group, ':')))
            return 0;
        *colon = '\0';
        *level = group;
    }
    *spellings = colon + 1;
    return 1;
}

/* An alias may not be another level's name nor name two levels: either would misread a value. */
static int alias_is_clear(ini_doc *parser, const ini_entry *e, const study_variable *v, const char *alias,
                          size_t level)
{
    int named = find_level(v, alias);
    if (named >= 0 && (size_t)named != level) {
        ini_doc_fail(parser, EMBOLO_ERROR_STUDY, e->line, "alias '%s' of %s level %s is the name of its level %s",
                     alias, v->name, v->levels[level], v->levels[named]);
        return 0;
    }
    for (size_t i = 0; i < v->n_aliases; i++)
        if (strcmp(v->aliases[i].text, alias) == 0 && v->aliases[i].level != level) {
            ini_doc_fail(parser, EMBOLO_ERROR_STUDY, e->line, "alias '%s' of %s names two levels: %s and %s", alias,
                         v->name, v->levels[v->aliases[i].level], v->levels[level]);
            return 0;
        }
    return 1;
}

/* aliases = LEVEL: alias | alias, LEVEL: alias */
static void build_aliases(ini_doc *parser, ini_entry *e, study_variable *v)
{
    char **groups = NULL;
    size_t n_groups = 0, total = 0;
    embolo_error err = ini_split_list(e->value, ',', &groups, &n_groups);
    if (err != EMBOLO_OK) {
        ini_doc_fail(parser, err, e->line, "cannot read aliases");
        return;
    }
    for (size_t g = 0; g < n_groups; g++)
        for (const char *c = groups[g]; *c; c++)
            total += *c == '|';
    total += n_groups;
    v->aliases = calloc(total ? total : 1, sizeof *v->aliases);
    if (!v->aliases)
        ini_doc_fail(parser, EMBOLO_ERROR_NOMEM, e->line, "out of memory");
    for (size_t g = 0; g < n_groups && parser->error == EMBOLO_OK; g++) {
        char *level_text = NULL, *spelling_text = NULL;
        char level_name[INI_MAX_LINE + 1];
        char **spellings = NULL;
        size_t n_spellings = 0;
        int colons = 0;
        for (const char *c = groups[g]; *c; c++)
            colons += *c == ':';
        if (!split_alias_group(groups[g], &level_text, &spelling_text)) {
            ini_doc_fail(parser, EMBOLO_ERROR_STUDY, e->line, "alias group '%s' lacks 'LEVEL:'", groups[g]);
            break;
        }
        int level = text_normalize(level_text, strlen(level_text), level_name, sizeof level_name)
                        ? find_level(v, level_name) : -1;
        if (level < 0) {
            ini_doc_fail(parser, EMBOLO_ERROR_STUDY, e->line, "alias names '%s', which is not a level of %s%s",
                         level_text, v->name,
                         colons > 1 ? " (write a level that holds ':' in double quotes: \"A:B\": alias)" : "");
            break;
        }
        err = ini_split_list(spelling_text, '|', &spellings, &n_spellings);
        if (err == EMBOLO_OK)
            err = normalize_list(spellings, n_spellings);
        if (err != EMBOLO_OK) {
            ini_strings_free(spellings, n_spellings);
            ini_doc_fail(parser, err, e->line, "cannot read aliases");
            break;
        }
        for (size_t k = 0; k < n_spellings; k++) {
            if (parser->error != EMBOLO_OK || !alias_is_clear(parser, e, v, spellings[k], (size_t)level)) {
                free(spellings[k]);
                continue;
            }
            v->aliases[v->n_aliases].text = spellings[k];
            v->aliases[v->n_aliases].level = (size_t)level;
            v->n_aliases++;
        }
        free(spellings);
    }
    ini_strings_free(groups, n_groups);
}

static void build_cut_levels(ini_doc *parser, ini_entry *e, study_variable *v)
{
    char *text = ini_trimmed_copy(e->value);
    size_t length = text ? strlen(text) : 0;
    v->levels = calloc(2, sizeof *v->levels);
    if (!text || !v->levels) {
        free(text);
        ini_doc_fail(parser, EMBOLO_ERROR_NOMEM, e->line, "out of memory");
        return;
    }
    v->levels[0] = malloc(length + 3);
    v->levels[1] = malloc(length + 2);
    if (!v->levels[0] || !v->levels[1]) {
        free(text);
        ini_doc_fail(parser, EMBOLO_ERROR_NOMEM, e->line, "out of memory");
        return;
    }
    v->n_levels = 2;
    snprintf(v->levels[0], length + 3, "<=%s", text);
    snprintf(v->levels[1], length + 2, ">%s", text);
    v->reference = 0;
    free(text);
}

static void build_variable(ini_doc *parser, const char *section, study_variable *v)
{
    int line = ini_doc_section_line(parser, section);
    ini_entry *e;
    char *type = NULL;
    v->line = line;
    take_string(parser, section, "column", 0, line, &v->column);
    if (!v->column && !(v->column = ini_string_copy(v->name)))
        ini_doc_fail(parser, EMBOLO_ERROR_NOMEM, line, "out of memory");
    take_string(parser, section, "label", 0, line, &v->label);
    take_string(parser, section, "type", 1, line, &type);
    if (!type)
        return;
    if (text_equal_folded(type, "numeric"))
        v->type = VARIABLE_NUMERIC;
    else if (text_equal_folded(type, "categorical"))
        v->type = VARIABLE_CATEGORICAL;
    else
        ini_doc_fail(parser, EMBOLO_ERROR_STUDY, ini_doc_find(parser, section, "type")->line,
                    "type '%s' of %s is not numeric or categorical", type, v->name);
    free(type);
    if (parser->error != EMBOLO_OK)
        return;
    const char *numeric_keys[] = {"min", "max", "cut"};
    const char *factor_keys[] = {"levels", "reference", "aliases"};
    for (size_t i = 0; i < 3; i++) {
        const char *wrong = v->type == VARIABLE_NUMERIC ? factor_keys[i] : numeric_keys[i];
        if ((e = ini_doc_find(parser, section, wrong)))
            ini_doc_fail(parser, EMBOLO_ERROR_STUDY, e->line, "'%s' does not apply to the %s variable %s",
                        wrong, v->type == VARIABLE_NUMERIC ? "numeric" : "categorical", v->name);
    }
    if (v->type == VARIABLE_NUMERIC) {
        double *targets[] = {&v->min, &v->max, &v->cut};
        int *flags[] = {&v->has_min, &v->has_max, &v->has_cut};
        for (size_t i = 0; i < 3 && parser->error == EMBOLO_OK; i++) {
            if (!(e = ini_doc_find(parser, section, numeric_keys[i])))
                continue;
            if (!parse_study_number(e->value, targets[i]))
                ini_doc_fail(parser, EMBOLO_ERROR_STUDY, e->line, "%s '%s' of %s is not a number",
                            numeric_keys[i], e->value, v->name);
            *flags[i] = 1;
            if (i == 2 && parser->error == EMBOLO_OK)
                build_cut_levels(parser, e, v);
        }
        if (v->has_min && v->has_max && v->min > v->max)
            ini_doc_fail(parser, EMBOLO_ERROR_STUDY, line, "min of %s is above its max", v->name);
        return;
    }
    take_list(parser, section, "levels", 1, line, 0, &v->levels, &v->n_levels);
    if (parser->error != EMBOLO_OK)
        return;
    for (size_t i = 0; i < v->n_levels; i++) {
        char normalized[INI_MAX_LINE + 1];
        if (!text_normalize(v->levels[i], strlen(v->levels[i]), normalized, sizeof normalized) ||
            find_level(v, normalized) != (int)i) {
            ini_doc_fail(parser, EMBOLO_ERROR_STUDY, ini_doc_find(parser, section, "levels")->line,
                        "level '%s' of %s is given twice", v->levels[i], v->name);
            return;
        }
    }
    if ((e = ini_doc_find(parser, section, "reference"))) {
        char normalized[INI_MAX_LINE + 1];
        int level = text_normalize(e->value, strlen(e->value), normalized, sizeof normalized)
                        ? find_level(v, normalized) : -1;
        if (level < 0)
            ini_doc_fail(parser, EMBOLO_ERROR_STUDY, e->line, "reference '%s' is not a level of %s", e->value,
                        v->name);
        else
            v->reference = (size_t)level;
    }
    if ((e = ini_doc_find(parser, section, "aliases")))
        build_aliases(parser, e, v);
}

/* ordered = yes | no, for factors only (a numeric with a cut is one). */
static void take_ordered(ini_doc *parser, const char *section, study_variable *v)
{
    ini_entry *e = ini_doc_find(parser, section, "ordered");
    char *value = e ? ini_trimmed_copy(e->value) : NULL;
    if (!e)
        return;
    if (!value)
        ini_doc_fail(parser, EMBOLO_ERROR_NOMEM, e->line, "out of memory");
    else if (text_equal_folded(value, "yes"))
        v->ordered = 1;
    else if (!text_equal_folded(value, "no"))
        ini_doc_fail(parser, EMBOLO_ERROR_STUDY, e->line, "ordered '%s' of %s is not yes or no", value, v->name);
    if (parser->error == EMBOLO_OK && v->ordered && !study_variable_is_factor(v))
        ini_doc_fail(parser, EMBOLO_ERROR_STUDY, e->line,
                     "ordered applies to categorical variables; %s is numeric without a cut", v->name);
    free(value);
}

/* Collects the distinct sections with a prefix, in order of first appearance. */
static embolo_error collect_sections(ini_doc *parser, const char *prefix, char ***out, size_t *count)
{
    size_t n = 0, prefix_length = strlen(prefix);
    char **names = calloc(parser->n_entries ? parser->n_entries : 1, sizeof *names);
    if (!names)
        return EMBOLO_ERROR_NOMEM;
    for (size_t i = 0; i < parser->n_entries; i++) {
        const char *section = parser->entries[i].section;
        int seen = 0;
        if (strncmp(section, prefix, prefix_length) != 0)
            continue;
        for (size_t k = 0; k < n && !seen; k++)
            seen = strcmp(names[k], section) == 0;
        if (!seen)
            names[n++] = (char *)section;
    }
    *out = names;
    *count = n;
    return EMBOLO_OK;
}

static void build_endpoints_and_variables(ini_doc *parser, study *s)
{
    char **sections = NULL;
    size_t count = 0;
    if (collect_sections(parser, "endpoint.", &sections, &count) != EMBOLO_OK) {
        ini_doc_fail(parser, EMBOLO_ERROR_NOMEM, 0, "out of memory");
        return;
    }
    if (count == 0)
        ini_doc_fail(parser, EMBOLO_ERROR_STUDY, 0, "no [endpoint.NAME] section");
    s->endpoints = calloc(count ? count : 1, sizeof *s->endpoints);
    if (!s->endpoints)
        ini_doc_fail(parser, EMBOLO_ERROR_NOMEM, 0, "out of memory");
    for (size_t i = 0; i < count && parser->error == EMBOLO_OK; i++) {
        s->n_endpoints = i + 1;
        const char *name = sections[i] + 9;
        /* exclusions.csv's scope column holds "row", "value", an endpoint name or a procedure scope. */
        if (!strcmp(name, "row") || !strcmp(name, "value") || !strcmp(name, "procedure") ||
            !strcmp(name, "procedure_value") || !strcmp(name, "index"))
            ini_doc_fail(parser, EMBOLO_ERROR_STUDY, ini_doc_section_line(parser, sections[i]),
                         "the endpoint name '%s' is reserved (exclusions.csv uses it as a scope)", name);
        else if (!(s->endpoints[i].name = ini_string_copy(name)))
            ini_doc_fail(parser, EMBOLO_ERROR_NOMEM, 0, "out of memory");
        else
            build_endpoint(parser, sections[i], &s->endpoints[i]);
    }
    free(sections);
    if (parser->error != EMBOLO_OK)
        return;
    if (collect_sections(parser, "variable.", &sections, &count) != EMBOLO_OK) {
        ini_doc_fail(parser, EMBOLO_ERROR_NOMEM, 0, "out of memory");
        return;
    }
    s->variables = calloc(count ? count : 1, sizeof *s->variables);
    if (!s->variables)
        ini_doc_fail(parser, EMBOLO_ERROR_NOMEM, 0, "out of memory");
    for (size_t i = 0; i < count && parser->error == EMBOLO_OK; i++) {
        s->n_variables = i + 1;
        if (!(s->variables[i].name = ini_string_copy(sections[i] + 9)))
            ini_doc_fail(parser, EMBOLO_ERROR_NOMEM, 0, "out of memory");
        else
            build_variable(parser, sections[i], &s->variables[i]);
        if (parser->error == EMBOLO_OK)
            take_ordered(parser, sections[i], &s->variables[i]);
    }
    free(sections);
}

/* Resolves a list of variable names into indices. */
static void take_variable_list(ini_doc *parser, study *s, const char *section, const char *key,
                               int required, size_t **out, size_t *count)
{
    char **names = NULL;
    size_t n = 0;
    ini_entry *e = ini_doc_find(parser, section, key);
    if (!e) {
        if (required)
            ini_doc_fail(parser, EMBOLO_ERROR_STUDY, ini_doc_section_line(parser, section),
                        "[%s] needs the key '%s'", section, key);
        return;
    }
    embolo_error err = ini_split_list(e->value, ',', &names, &n);
    if (err != EMBOLO_OK) {
        ini_doc_fail(parser, err, e->line, "cannot read '%s'", key);
        return;
    }
    *out = calloc(n ? n : 1, sizeof **out);
    if (!*out)
        ini_doc_fail(parser, EMBOLO_ERROR_NOMEM, e->line, "out of memory");
    for (size_t i = 0; i < n && parser->error == EMBOLO_OK; i++) {
        int index = study_find_variable(s, names[i]);
        if (index < 0)
            ini_doc_fail(parser, EMBOLO_ERROR_STUDY, e->line, "'%s' names '%s', which no [variable.%s] defines",
                        key, names[i], names[i]);
        for (size_t k = 0; k < i && parser->error == EMBOLO_OK; k++)
            if ((*out)[k] == (size_t)index)
                ini_doc_fail(parser, EMBOLO_ERROR_STUDY, e->line, "'%s' names '%s' twice", key, names[i]);
        (*out)[i] = (size_t)index;
        *count = i + 1;
    }
    ini_strings_free(names, n);
}

/* [analysis] centre: a factor, not among the multivariable covariates. */
static void take_centre(ini_doc *parser, study *s)
{
    ini_entry *e = ini_doc_find(parser, "analysis", "centre");
    char *name = e ? ini_trimmed_copy(e->value) : NULL;
    if (!e)
        return;
    s->centre = name ? study_find_variable(s, name) : -1;
    if (!name)
        ini_doc_fail(parser, EMBOLO_ERROR_NOMEM, e->line, "out of memory");
    else if (s->centre < 0)
        ini_doc_fail(parser, EMBOLO_ERROR_STUDY, e->line, "centre names '%s', which no [variable.%s] defines", name,
                     name);
    else if (!study_variable_is_factor(&s->variables[s->centre]))
        ini_doc_fail(parser, EMBOLO_ERROR_STUDY, e->line, "centre variable '%s' is not categorical", name);
    for (size_t i = 0; i < s->n_multivariable && parser->error == EMBOLO_OK; i++)
        if ((int)s->multivariable[i] == s->centre)
            ini_doc_fail(parser, EMBOLO_ERROR_STUDY, e->line,
                         "centre variable '%s' may not be in multivariable (it is the strata of the stratified model "
                         "and the clusters of the robust one)", name);
    free(name);
}

/* [analysis] rmst_tau, forest (round 2 keys; statistics-2.md). */
static void build_round2_analysis(ini_doc *parser, study *s)
{
    ini_entry *e;
    take_centre(parser, s);
    if (parser->error == EMBOLO_OK && (e = ini_doc_find(parser, "analysis", "rmst_tau"))) {
        if (!parse_study_number(e->value, &s->rmst_tau) || !(s->rmst_tau > 0) || !isfinite(s->rmst_tau))
            ini_doc_fail(parser, EMBOLO_ERROR_STUDY, e->line, "rmst_tau '%s' is not a number > 0", e->value);
        else
            s->has_rmst_tau = 1;
    }
    if (parser->error != EMBOLO_OK)
        return;
    take_variable_list(parser, s, "analysis", "forest", 0, &s->forest, &s->n_forest);
    e = ini_doc_find(parser, "analysis", "forest");
    if (parser->error == EMBOLO_OK && s->n_forest > 0 && s->treatment < 0)
        ini_doc_fail(parser, EMBOLO_ERROR_STUDY, e->line, "forest needs a [treatment] section (its effect is what "
                     "the forest shows)");
    for (size_t i = 0; i < s->n_forest && parser->error == EMBOLO_OK; i++) {
        const study_variable *v = &s->variables[s->forest[i]];
        if ((int)s->forest[i] == s->treatment)
            ini_doc_fail(parser, EMBOLO_ERROR_STUDY, e->line, "forest names the treatment variable '%s' itself",
                         v->name);
        else if (!study_variable_is_factor(v))
            ini_doc_fail(parser, EMBOLO_ERROR_STUDY, e->line, "forest variable '%s' is numeric without a cut",
                         v->name);
    }
}

static void build_treatment_and_analysis(ini_doc *parser, study *s)
{
    ini_entry *e;
    s->treatment = -1;
    if ((e = ini_doc_find(parser, "treatment", "variable"))) {
        char *name = ini_trimmed_copy(e->value);
        s->treatment = name ? study_find_variable(s, name) : -1;
        if (!name)
            ini_doc_fail(parser, EMBOLO_ERROR_NOMEM, e->line, "out of memory");
        else if (s->treatment < 0)
            ini_doc_fail(parser, EMBOLO_ERROR_STUDY, e->line, "treatment variable '%s' is not defined", name);
        else if (s->variables[s->treatment].type != VARIABLE_CATEGORICAL)
            ini_doc_fail(parser, EMBOLO_ERROR_STUDY, e->line, "treatment variable '%s' is not categorical", name);
        free(name);
        take_variable_list(parser, s, "treatment", "ps_covariates", 1, &s->ps_covariates, &s->n_ps_covariates);
        for (size_t i = 0; i < s->n_ps_covariates && parser->error == EMBOLO_OK; i++)
            if ((int)s->ps_covariates[i] == s->treatment)
                ini_doc_fail(parser, EMBOLO_ERROR_STUDY, e->line, "the treatment is among its own ps_covariates");
    } else if (ini_doc_section_line(parser, "treatment")) {
        ini_doc_fail(parser, EMBOLO_ERROR_STUDY, ini_doc_section_line(parser, "treatment"),
                    "[treatment] needs the key 'variable'");
    }
    if ((e = ini_doc_find(parser, "treatment", "trim"))) {
        char **items = NULL;
        size_t n = 0;
        if (ini_split_list(e->value, ',', &items, &n) != EMBOLO_OK || n != 2 ||
            !parse_study_number(items[0], &s->trim_low) || !parse_study_number(items[1], &s->trim_high) ||
            !(s->trim_low >= 0 && s->trim_low < s->trim_high && s->trim_high <= 1))
            ini_doc_fail(parser, EMBOLO_ERROR_STUDY, e->line, "trim must be LO, HI with 0 <= LO < HI <= 1");
        else
            s->has_trim = 1;
        ini_strings_free(items, n);
    }
    take_variable_list(parser, s, "analysis", "subgroups", 0, &s->subgroups, &s->n_subgroups);
    take_variable_list(parser, s, "analysis", "univariate", 0, &s->univariate, &s->n_univariate);
    take_variable_list(parser, s, "analysis", "multivariable", 0, &s->multivariable, &s->n_multivariable);
    for (size_t i = 0; i < s->n_subgroups && parser->error == EMBOLO_OK; i++)
        if (!study_variable_is_factor(&s->variables[s->subgroups[i]]))
            ini_doc_fail(parser, EMBOLO_ERROR_STUDY, ini_doc_find(parser, "analysis", "subgroups")->line,
                        "subgroup variable '%s' is numeric without a cut", s->variables[s->subgroups[i]].name);
    if (parser->error == EMBOLO_OK)
        build_round2_analysis(parser, s);
}



/* ---- [procedures] ---- */

/* Reads KEY = first | second into *second_chosen (0 or 1); absent keeps it. */
static void take_choice(ini_doc *parser, const char *key, const char *first, const char *second, int *second_chosen)
{
    ini_entry *e = ini_doc_find(parser, "procedures", key);
    char *value = e ? ini_trimmed_copy(e->value) : NULL;
    if (!e)
        return;
    if (!value)
        ini_doc_fail(parser, EMBOLO_ERROR_NOMEM, e->line, "out of memory");
    else if (text_equal_folded(value, first) || text_equal_folded(value, second))
        *second_chosen = text_equal_folded(value, second);
    else
        ini_doc_fail(parser, EMBOLO_ERROR_STUDY, e->line, "%s '%s' is not %s or %s", key, value, first, second);
    free(value);
}

/* The death endpoint (a date-form one) and the start column every date-form endpoint shares. */
static void check_procedure_endpoints(ini_doc *parser, study *s, int line)
{
    study_procedures *p = &s->procedures;
    char *name = NULL;
    int found = -1;
    take_string(parser, "procedures", "death_endpoint", 0, line, &name);
    for (size_t e = 0; e < s->n_endpoints && parser->error == EMBOLO_OK; e++)
        if (!strcmp(s->endpoints[e].name, name ? name : "os"))
            found = (int)e;
    if (parser->error == EMBOLO_OK && (found < 0 || s->endpoints[found].form != ENDPOINT_DATES)) {
        ini_entry *e = ini_doc_find(parser, "procedures", "death_endpoint");
        ini_doc_fail(parser, EMBOLO_ERROR_STUDY, e ? e->line : line,
                     "[procedures] needs a date-form death endpoint: death_endpoint %s'%s' %s",
                     e ? "" : "(default) ", name ? name : "os", found < 0 ? "names no [endpoint.NAME]" :
                     "is not in the date form (start, event_dates, censor_date)");
    }
    free(name);
    if (parser->error != EMBOLO_OK)
        return;
    p->death_endpoint = (size_t)found;
    p->start = s->endpoints[found].start;
    for (size_t e = 0; e < s->n_endpoints; e++)
        if (s->endpoints[e].form == ENDPOINT_DATES && !text_equal_folded(s->endpoints[e].start, p->start)) {
            ini_doc_fail(parser, EMBOLO_ERROR_STUDY, s->endpoints[e].line,
                         "with [procedures], every date-form endpoint needs the same start column: [endpoint.%s] "
                         "starts at '%s', [endpoint.%s] at '%s'", s->endpoints[e].name, s->endpoints[e].start,
                         s->endpoints[found].name, p->start);
            return;
        }
}

static void build_procedures(ini_doc *parser, study *s)
{
    study_procedures *p = &s->procedures;
    int line = ini_doc_section_line(parser, "procedures");
    char *file = NULL;
    if (!line)
        return;
    p->present = 1;
    p->line = line;
    if (!s->id_column)
        ini_doc_fail(parser, EMBOLO_ERROR_STUDY, line, "[procedures] needs the patient id: [study] id");
    else if (s->treatment < 0)
        ini_doc_fail(parser, EMBOLO_ERROR_STUDY, line, "[procedures] needs a [treatment] section (its variable "
                     "reads the modality)");
    if (parser->error != EMBOLO_OK)
        return;
    take_string(parser, "procedures", "file", 0, line, &file);
    if (file && !(p->file = text_path_beside(s->path, file)))
        ini_doc_fail(parser, EMBOLO_ERROR_NOMEM, line, "out of memory");
    free(file);
    take_string(parser, "procedures", "id", 1, line, &p->id);
    take_string(parser, "procedures", "date", 1, line, &p->date);
    take_string(parser, "procedures", "modality", 1, line, &p->modality);
    take_string(parser, "procedures", "ae_grade", 0, line, &p->ae_grade);
    take_string(parser, "procedures", "ae_term", 0, line, &p->ae_term);
    take_string(parser, "procedures", "technical_success", 0, line, &p->technical_success);
    take_string(parser, "procedures", "activity_gbq", 0, line, &p->activity_gbq);
    take_string(parser, "procedures", "operator", 0, line, &p->operator);
    int choice = 0;
    take_choice(parser, "ae_scale", "ctcae", "sir", &choice);
    p->scale = choice ? AE_SCALE_SIR : AE_SCALE_CTCAE;
    take_choice(parser, "ae_empty", "none", "unknown", &p->ae_empty_unknown);
    if (parser->error == EMBOLO_OK)
        check_procedure_endpoints(parser, s, line);
}

embolo_error study_parse(const char *text, size_t length, const char *path, study **out, char *message,
                         size_t message_size)
{
    ini_doc parser = {.path = path, .text = text, .length = length, .kind = EMBOLO_ERROR_STUDY,
                      .known_section = is_known_section,
                      .known_sections = "study, endpoint.NAME, variable.NAME, treatment, analysis, procedures",
                      .message = message, .message_size = message_size};
    study *s = NULL;
    *out = NULL;
    if (message_size)
        message[0] = '\0';
    ini_doc_parse(&parser);
    if (parser.error != EMBOLO_OK)
        goto cleanup;
    s = calloc(1, sizeof *s);
    if (!s || !(s->path = ini_string_copy(path))) {
        ini_doc_fail(&parser, EMBOLO_ERROR_NOMEM, 0, "out of memory");
        goto cleanup;
    }
    s->treatment = -1;
    s->centre = -1;
    build_study_section(&parser, s);
    if (parser.error == EMBOLO_OK)
        build_endpoints_and_variables(&parser, s);
    if (parser.error == EMBOLO_OK)
        build_treatment_and_analysis(&parser, s);
    if (parser.error == EMBOLO_OK)
        build_procedures(&parser, s);
    if (parser.error == EMBOLO_OK)
        ini_doc_check_unused(&parser);
    if (parser.error == EMBOLO_OK) {
        *out = s;
        s = NULL;
    }
cleanup:
    study_free(s);
    ini_doc_free_entries(&parser);
    return parser.error;
}

embolo_error study_read(const char *path, study **out, char *message, size_t message_size)
{
    char *text = NULL;
    size_t length = 0;
    embolo_error err = text_read_file(path, "study file", INI_MAX_FILE, &text, &length, message, message_size);
    *out = NULL;
    if (err == EMBOLO_ERROR_TOO_LARGE)
        err = EMBOLO_ERROR_STUDY;
    if (err == EMBOLO_OK)
        err = study_parse(text, length, path, out, message, message_size);
    free(text);
    return err;
}

static void variable_free(study_variable *v)
{
    free(v->name);
    free(v->column);
    free(v->label);
    ini_strings_free(v->levels, v->n_levels);
    for (size_t i = 0; i < v->n_aliases; i++)
        free(v->aliases[i].text);
    free(v->aliases);
}

static void endpoint_free(study_endpoint *ep)
{
    free(ep->name);
    free(ep->label);
    free(ep->start);
    ini_strings_free(ep->event_dates, ep->n_event_dates);
    free(ep->censor_date);
    free(ep->time);
    free(ep->status);
    ini_strings_free(ep->event_values, ep->n_event_values);
    ini_strings_free(ep->censor_values, ep->n_censor_values);
    ini_strings_free(ep->competing_dates, ep->n_competing_dates);
    ini_strings_free(ep->competing_values, ep->n_competing_values);
}

void study_free(study *s)
{
    if (!s)
        return;
    free(s->path);
    free(s->title);
    free(s->id_column);
    free(s->time_unit);
    free(s->landmarks);
    ini_strings_free(s->landmark_texts, s->n_landmarks);
    ini_strings_free(s->na_values, s->n_na_values);
    for (size_t i = 0; i < s->n_endpoints; i++)
        endpoint_free(&s->endpoints[i]);
    free(s->endpoints);
    for (size_t i = 0; i < s->n_variables; i++)
        variable_free(&s->variables[i]);
    free(s->variables);
    free(s->ps_covariates);
    free(s->subgroups);
    free(s->univariate);
    free(s->multivariable);
    free(s->procedures.file);
    free(s->procedures.id);
    free(s->procedures.date);
    free(s->procedures.modality);
    free(s->procedures.ae_grade);
    free(s->procedures.ae_term);
    free(s->procedures.technical_success);
    free(s->procedures.activity_gbq);
    free(s->procedures.operator);
    free(s->forest);
    free(s);
}

int study_find_variable(const study *s, const char *name)
{
    for (size_t i = 0; i < s->n_variables; i++)
        if (strcmp(s->variables[i].name, name) == 0)
            return (int)i;
    return -1;
}

int study_endpoint_has_competing(const study_endpoint *endpoint)
{
    return endpoint->n_competing_dates > 0 || endpoint->n_competing_values > 0;
}

int study_variable_is_factor(const study_variable *variable)
{
    return variable->type == VARIABLE_CATEGORICAL || variable->has_cut;
}

int study_match_level(const study_variable *v, const char *normalized)
{
    char level[INI_MAX_LINE + 1];
    for (size_t i = 0; i < v->n_levels; i++)
        if (text_normalize(v->levels[i], strlen(v->levels[i]), level, sizeof level) && strcmp(level, normalized) == 0)
            return (int)i;
    for (size_t i = 0; i < v->n_aliases; i++)
        if (strcmp(v->aliases[i].text, normalized) == 0)
            return (int)v->aliases[i].level;
    return -1;
}

int study_is_missing(const study *s, const char *normalized)
{
    for (size_t i = 0; i < s->n_na_values; i++)
        if (strcmp(normalized, s->na_values[i]) == 0)
            return 1;
    return 0;
}
