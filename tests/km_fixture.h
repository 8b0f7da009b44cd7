/* Reference fixtures shared by tests/test_km.c and tests/test_logrank.c (include after cmocka.h):
 * the lung and veteran rows of tests/fixtures/ (written by make_km_fixtures.py, sorted by time)
 * and R's followup, km and logrank lines for them. Paths are relative to the repository root. */
#ifndef EMBOLO_KM_FIXTURE_H
#define EMBOLO_KM_FIXTURE_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KM_FIXTURE_MAX_ROWS 1000
#define KM_FIXTURE_MAX_LINES 400

typedef struct km_dataset {
    const char *data_path;
    const char *expected_path;
    int has_weight;             /* a weight column follows the two grouping columns */
    const char *variables[2];   /* grouping columns 2 and 3, as named in results.csv */
    const char *levels[2][4];   /* level names by index */
    int n_levels[2];
} km_dataset;

static const km_dataset km_dataset_lung = {
    "tests/fixtures/lung_km.txt", "tests/fixtures/lung_km.expected.csv", 0,
    {"sex", "ph.ecog"}, {{"male", "female"}, {"0", "1", "2", "3"}}, {2, 4}};

static const km_dataset km_dataset_veteran = {
    "tests/fixtures/veteran_km.txt", "tests/fixtures/veteran_km.expected.csv", 1,
    {"trt", "celltype"}, {{"standard", "test"}, {"squamous", "smallcell", "adeno", "large"}}, {2, 4}};

typedef struct km_rows {
    size_t n;
    double time[KM_FIXTURE_MAX_ROWS];
    int status[KM_FIXTURE_MAX_ROWS];
    int group[2][KM_FIXTURE_MAX_ROWS]; /* level index, -1 when missing */
    double weight[KM_FIXTURE_MAX_ROWS];
} km_rows;

typedef struct km_expected {
    char section[16];
    char model[16];
    char variable[16];
    char level[16];
    char stat[32];
    double value; /* NAN for NA */
} km_expected;

typedef struct km_expected_set {
    size_t n;
    km_expected line[KM_FIXTURE_MAX_LINES];
} km_expected_set;

/* Reads the numeric rows; fails the test when the file is missing or malformed. */
static inline void km_rows_read(const km_dataset *dataset, km_rows *rows)
{
    FILE *f = fopen(dataset->data_path, "r");
    char line[256];
    if (f == NULL)
        fail_msg("cannot open %s (run the tests from the repository root)", dataset->data_path);
    rows->n = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        size_t i = rows->n;
        int fields;
        if (line[0] == '#')
            continue;
        assert_true(i < KM_FIXTURE_MAX_ROWS);
        rows->weight[i] = 1.0;
        if (dataset->has_weight)
            fields = sscanf(line, "%lf %d %d %d %lf", &rows->time[i], &rows->status[i],
                            &rows->group[0][i], &rows->group[1][i], &rows->weight[i]);
        else
            fields = sscanf(line, "%lf %d %d %d", &rows->time[i], &rows->status[i],
                            &rows->group[0][i], &rows->group[1][i]);
        assert_int_equal(fields, dataset->has_weight ? 5 : 4);
        rows->n++;
    }
    fclose(f);
}

/* Copies the next quoted field of a results.csv line into out; returns the rest of the line. */
static inline const char *km_expected_field(const char *p, char *out, size_t size)
{
    size_t len = 0;
    if (*p == '"')
        p++;
    while (*p != '\0' && *p != '"' && *p != ',' && *p != '\n' && *p != '\r') {
        if (len + 1 < size)
            out[len++] = *p;
        p++;
    }
    out[len] = '\0';
    if (*p == '"')
        p++;
    if (*p == ',')
        p++;
    return p;
}

/* Reads R's reference lines (the header line is skipped). */
static inline void km_expected_read(const km_dataset *dataset, km_expected_set *set)
{
    FILE *f = fopen(dataset->expected_path, "r");
    char line[512];
    char endpoint[16], value[64];
    if (f == NULL)
        fail_msg("cannot open %s (run the tests from the repository root)",
                 dataset->expected_path);
    set->n = 0;
    assert_non_null(fgets(line, sizeof line, f));
    while (fgets(line, sizeof line, f) != NULL) {
        km_expected *e = &set->line[set->n];
        const char *p = line;
        assert_true(set->n < KM_FIXTURE_MAX_LINES);
        p = km_expected_field(p, e->section, sizeof e->section);
        p = km_expected_field(p, endpoint, sizeof endpoint);
        p = km_expected_field(p, e->model, sizeof e->model);
        p = km_expected_field(p, e->variable, sizeof e->variable);
        p = km_expected_field(p, e->level, sizeof e->level);
        p = km_expected_field(p, e->stat, sizeof e->stat);
        km_expected_field(p, value, sizeof value);
        e->value = strcmp(value, "NA") == 0 ? NAN : strtod(value, NULL);
        set->n++;
    }
    fclose(f);
}

/* Index of a grouping variable by name; -1 for "all". Fails on an unknown name. */
static inline int km_dataset_variable(const km_dataset *dataset, const char *name)
{
    int v = -1;
    if (strcmp(name, "all") != 0) {
        v = strcmp(dataset->variables[0], name) == 0 ? 0 : 1;
        assert_string_equal(dataset->variables[v], name);
    }
    return v;
}

/* Index of a level of grouping variable v by name. Fails on an unknown name. */
static inline int km_dataset_level(const km_dataset *dataset, int v, const char *name)
{
    for (int l = 0; l < dataset->n_levels[v]; l++) {
        if (strcmp(dataset->levels[v][l], name) == 0)
            return l;
    }
    fail_msg("unknown level %s", name);
    return -1;
}

/* The rows of level `level` of variable v (v = -1: all rows), in time order. */
static inline size_t km_rows_subset(const km_rows *rows, int v, int level, double *time,
                                    int *status, double *weight)
{
    size_t m = 0;
    for (size_t i = 0; i < rows->n; i++) {
        if (v >= 0 && rows->group[v][i] != level)
            continue;
        time[m] = rows->time[i];
        status[m] = rows->status[i];
        weight[m] = rows->weight[i];
        m++;
    }
    return m;
}

/* Relative error of got against want (absolute below 1e-300); 0 when both are NAN, INFINITY when
 * only one is. */
static inline double km_relative_error(double got, double want)
{
    if (isnan(got) || isnan(want))
        return isnan(got) && isnan(want) ? 0.0 : INFINITY;
    return fabs(got - want) / (fabs(want) > 1e-300 ? fabs(want) : 1e-300);
}

#endif
