/* Report templates: parsing, defaults, rejections with file and line, and the shipped templates. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "common/text.h"
#include "render/draw.h"
#include "render/template.h"

static report_template *parse_ok(const char *text)
{
    report_template *t = NULL;
    char message[512];
    embolo_error err = template_parse(text, strlen(text), "t.ini", &t, message, sizeof message);
    if (err != EMBOLO_OK)
        print_error("unexpected failure: %s\n", message);
    assert_int_equal(err, EMBOLO_OK);
    assert_non_null(t);
    return t;
}

static void expect_rejected(const char *text, const char *fragment)
{
    report_template *t = NULL;
    char message[512];
    embolo_error err = template_parse(text, strlen(text), "t.ini", &t, message, sizeof message);
    assert_int_equal(err, EMBOLO_ERROR_TEMPLATE);
    assert_null(t);
    if (!strstr(message, fragment))
        print_error("message '%s' lacks '%s'\n", message, fragment);
    assert_non_null(strstr(message, fragment));
}

static void test_default_has_every_document_part(void **state)
{
    (void)state;
    report_template *t = NULL;
    assert_int_equal(template_default(&t), EMBOLO_OK);
    assert_string_equal(t->name, "manuscript");
    assert_true(template_has_section(t, SECTION_KM_FIGURES));
    assert_true(template_has_sheet(t, SHEET_PATIENTS));
    assert_false(template_has_section(t, SECTION_AUDIT));
    assert_int_equal(t->p_decimals, 3);
    assert_false(t->share);
    template_free(t);
}

static void test_sections_and_sheets_keep_their_order(void **state)
{
    (void)state;
    report_template *t = parse_ok("[template]\nname = x\nsections = cox, flow,\n  km_figures\n"
                                  "sheets = Cox, summary\n[format]\np_decimals = 4\n[figures]\nci_bands = yes\n");
    assert_string_equal(t->name, "x");
    assert_int_equal(t->n_sections, 3);
    assert_int_equal(t->sections[0], SECTION_COX);
    assert_int_equal(t->sections[1], SECTION_FLOW);
    assert_int_equal(t->sections[2], SECTION_KM_FIGURES);
    assert_int_equal(t->n_sheets, 2);
    assert_int_equal(t->sheets[0], SHEET_COX);
    assert_int_equal(t->p_decimals, 4);
    assert_true(t->ci_bands);
    assert_int_equal(t->patients_max_rows, TEMPLATE_PATIENTS_MAX_ROWS);
    template_free(t);
    t = parse_ok("[workbook]\npatients_max_rows = 1048575\n");
    assert_int_equal(t->patients_max_rows, 1048575);
    template_free(t);
}

static void test_share_drops_the_patients_sheet(void **state)
{
    (void)state;
    report_template *t = parse_ok("[template]\nshare = yes\nsheets = summary, patients, cox\n");
    assert_true(t->share);
    assert_int_equal(t->min_count, 5);
    assert_false(template_has_sheet(t, SHEET_PATIENTS));
    assert_int_equal(t->n_sheets, 2);
    template_free(t);
}

/* tables.docx with the report: yes by default, no under share unless the template asks for it. */
static void test_docx_defaults(void **state)
{
    (void)state;
    report_template *t = NULL;
    assert_int_equal(template_default(&t), EMBOLO_OK);
    assert_true(t->docx);
    assert_false(t->yes_no_both);
    template_free(t);
    t = parse_ok("[template]\nname = x\n");
    assert_true(t->docx);
    template_free(t);
    t = parse_ok("[template]\nshare = yes\n");
    assert_false(t->docx);
    template_free(t);
    t = parse_ok("[template]\nshare = yes\ndocx = yes\n");
    assert_true(t->docx);
    template_free(t);
    t = parse_ok("[template]\ndocx = no\n[format]\nyes_no_rows = both\n");
    assert_false(t->docx);
    assert_true(t->yes_no_both);
    template_free(t);
}

static void test_period_gives_the_month_end(void **state)
{
    (void)state;
    report_template *t = parse_ok("[template]\nperiod = 2012-02\n");
    assert_true(t->has_period);
    assert_int_equal(template_period_start(t), text_days_from_civil(2012, 2, 1));
    assert_int_equal(template_period_end(t), text_days_from_civil(2012, 2, 29));
    template_free(t);
    t = parse_ok("[template]\nperiod = 2012-12\n");
    assert_int_equal(template_period_end(t), text_days_from_civil(2012, 12, 31));
    template_free(t);
}

static void test_benchmarks_are_read(void **state)
{
    (void)state;
    report_template *t = parse_ok("[benchmarks]\nsource = Chen 2017\nhpfs.grade.G1 = 18.5\nos.grade.G3 = 9.3\n");
    assert_int_equal(t->n_benchmarks, 2);
    assert_string_equal(t->benchmarks[0].endpoint, "hpfs");
    assert_string_equal(t->benchmarks[0].variable, "grade");
    assert_string_equal(t->benchmarks[0].level, "G1");
    assert_true(t->benchmarks[1].median == 9.3);
    assert_int_equal(t->benchmarks[1].line, 4);
    assert_string_equal(t->benchmark_source, "Chen 2017");
    template_free(t);
}

static void test_rule_breaches_name_the_line(void **state)
{
    (void)state;
    expect_rejected("[template]\nname = x\n[pages]\n", "t.ini:3: unknown section [pages]");
    expect_rejected("[template]\nsections = flow, appendix\n", "t.ini:2: unknown section 'appendix'");
    expect_rejected("[template]\nsheets = summary, charts\n", "t.ini:2: unknown sheet 'charts'");
    expect_rejected("[template]\ncolour = red\n", "t.ini:2: unknown key 'colour'");
    expect_rejected("[template]\nperiod = 2012-13\n", "t.ini:2: period must be YYYY-MM");
    expect_rejected("[format]\np_decimals = 0\n", "t.ini:2: p_decimals must be");
    expect_rejected("[figures]\nci_bands = maybe\n", "t.ini:2: ci_bands must be yes or no");
    expect_rejected("[benchmarks]\nhpfs.G1 = 18.5\n", "t.ini:2: benchmark key");
    expect_rejected("[benchmarks]\nhpfs.grade.G1 = soon\n", "t.ini:2: benchmark 'hpfs.grade.G1'");
    expect_rejected("[template]\nsections = flow, flow\n", "listed twice");
    expect_rejected("[workbook]\npatients_max_rows = 2000000\n", "t.ini:2: patients_max_rows must be");
    expect_rejected("[template]\ndocx = maybe\n", "t.ini:2: docx must be yes or no");
    expect_rejected("[format]\nyes_no_rows = all\n", "t.ini:2: yes_no_rows must be one or both");
}

static void test_thresholds(void **state)
{
    (void)state;
    static const char *const levels[] = {"TACE", "TARE", "TAE"};
    procedure_thresholds *th = NULL;
    char message[512];
    report_template *t = parse_ok("[thresholds]\nmajor_ae = 0.12\nmajor_ae.tare = 0.08\ncusum_h = 4\n"
                                  "cusum_p1.TAE = 0.2\n");
    assert_int_equal(t->n_thresholds, 4);
    assert_int_equal(template_thresholds(t, levels, 3, &th, message, sizeof message), EMBOLO_OK);
    assert_true(th->all[THRESHOLD_MAJOR_AE] == 0.12);
    assert_true(th->level[0][THRESHOLD_MAJOR_AE] == 0.12);
    assert_true(th->level[1][THRESHOLD_MAJOR_AE] == 0.08);
    assert_true(th->level[2][THRESHOLD_CUSUM_P1] == 0.2);
    assert_true(th->level[1][THRESHOLD_CUSUM_H] == 4.0);
    assert_true(th->all[THRESHOLD_MORTALITY_30D] == procedure_threshold_default(THRESHOLD_MORTALITY_30D));
    procedure_thresholds_free(th);
    template_free(t);
    /* A level the treatment lacks, or a CUSUM whose p0 is not below its p1 at a level. */
    t = parse_ok("[template]\nname = x\n[thresholds]\nmajor_ae.RFA = 0.1\n");
    assert_int_equal(template_thresholds(t, levels, 3, &th, message, sizeof message), EMBOLO_ERROR_TEMPLATE);
    assert_non_null(strstr(message, "t.ini:4:"));
    assert_non_null(strstr(message, "RFA"));
    template_free(t);
    t = parse_ok("[thresholds]\ncusum_p0.TACE = 0.2\n");
    assert_int_equal(template_thresholds(t, levels, 3, &th, message, sizeof message), EMBOLO_ERROR_TEMPLATE);
    assert_non_null(strstr(message, "t.ini:2:"));
    template_free(t);
    expect_rejected("[thresholds]\nmajor = 0.1\n", "t.ini:2: unknown threshold 'major'");
    expect_rejected("[thresholds]\nmajor_ae. = 0.1\n", "t.ini:2: unknown threshold");
    expect_rejected("[thresholds]\nmortality_30d = 1\n", "t.ini:2: threshold mortality_30d must be");
    expect_rejected("[thresholds]\ntechnical_success.TACE = 0\n", "t.ini:2: threshold technical_success.TACE");
    expect_rejected("[thresholds]\ncusum_h = -1\n", "t.ini:2: threshold cusum_h must be a number above 0");
    expect_rejected("[thresholds]\nmajor_ae = high\n", "t.ini:2: threshold major_ae");
    expect_rejected("[x]\n[thresholds]\ncusum_p0 = 0.3\ncusum_p1 = 0.2\n", "unknown section");
    expect_rejected("[thresholds]\ncusum_p0 = 0.3\ncusum_p1 = 0.2\n", "t.ini:3: cusum_p0 (0.3) must be below");
}

/* Whole-number keys beyond int's range are refused before any conversion (UBSan caught the cast of
 * 1e20), and so are fractions just inside the range. */
static void test_whole_numbers_are_checked_before_the_cast(void **state)
{
    (void)state;
    expect_rejected("[format]\ndecimals = 1e20\n", "t.ini:2: decimals must be a whole number from 0 to 6");
    expect_rejected("[format]\nhr_decimals = -1e300\n", "t.ini:2: hr_decimals must be");
    expect_rejected("[template]\nmin_count = 4294967301\n", "t.ini:2: min_count must be");
    expect_rejected("[figures]\nper_page = 2.5\n", "t.ini:2: per_page must be");
    expect_rejected("[workbook]\npatients_max_rows = 1e300\n", "t.ini:2: patients_max_rows must be");
    report_template *t = parse_ok("[format]\ndecimals = 6\n[figures]\nper_page = 4e0\n");
    assert_int_equal(t->decimals, 6);
    assert_int_equal(t->figures_per_page, 4);
    template_free(t);
}

static void test_shipped_templates_parse(void **state)
{
    (void)state;
    const char *paths[] = {"templates/manuscript.ini", "templates/audit.ini", "templates/share.ini"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        report_template *t = NULL;
        char message[512];
        embolo_error err = template_read(paths[i], &t, message, sizeof message);
        if (err != EMBOLO_OK)
            print_error("%s\n", message);
        assert_int_equal(err, EMBOLO_OK);
        assert_true(t->n_sections > 0);
        template_free(t);
    }
}

/* Round 2's sections and sheets (issue 18) by name; the built-in default lists the same sections and
 * sheets as templates/manuscript.ini, round 2's among them, and share.ini shows them too. */
static void test_round2_sections_and_sheets(void **state)
{
    static const report_section sections[] = {SECTION_RMST, SECTION_CIF, SECTION_MULTICENTRE, SECTION_FINEGRAY,
                                              SECTION_SUBGROUP_EFFECTS};
    static const workbook_sheet sheets[] = {SHEET_RMST, SHEET_CIF, SHEET_MULTICENTRE, SHEET_FINEGRAY,
                                            SHEET_SUBGROUP_EFFECTS};
    (void)state;
    report_template *t = parse_ok("[template]\nsections = rmst, cif, multicentre, finegray, subgroup_effects\n"
                                  "sheets = subgroup_effects, finegray, multicentre, cif, rmst\n");
    assert_int_equal(t->n_sections, 5);
    assert_int_equal(t->n_sheets, 5);
    for (size_t k = 0; k < 5; k++) {
        assert_int_equal(t->sections[k], sections[k]);
        assert_int_equal(t->sheets[4 - k], sheets[k]);
    }
    template_free(t);
    report_template *builtin = NULL, *manuscript = NULL, *share = NULL;
    char message[512];
    assert_int_equal(template_default(&builtin), EMBOLO_OK);
    assert_int_equal(template_read("templates/manuscript.ini", &manuscript, message, sizeof message), EMBOLO_OK);
    assert_int_equal(template_read("templates/share.ini", &share, message, sizeof message), EMBOLO_OK);
    assert_int_equal(builtin->n_sections, manuscript->n_sections);
    assert_int_equal(builtin->n_sheets, manuscript->n_sheets);
    assert_memory_equal(builtin->sections, manuscript->sections, builtin->n_sections * sizeof *builtin->sections);
    assert_memory_equal(builtin->sheets, manuscript->sheets, builtin->n_sheets * sizeof *builtin->sheets);
    for (size_t k = 0; k < 5; k++) {
        assert_true(template_has_section(builtin, sections[k]) && template_has_sheet(builtin, sheets[k]));
        assert_true(template_has_section(share, sections[k]) && template_has_sheet(share, sheets[k]));
    }
    template_free(builtin);
    template_free(manuscript);
    template_free(share);
}

/* [figures] (issue 16): the defaults (pdf and png, 300 dpi, 9 pt, legend on top), every key read, a
 * size for every kind and one for a kind (which wins, wherever it is), and each bad value refused
 * with the line. The figure sections by name, in manuscript.ini and audit.ini. */
static void test_figures_keys(void **state)
{
    (void)state;
    report_template *t = NULL;
    assert_int_equal(template_default(&t), EMBOLO_OK);
    assert_int_equal(t->figure_formats, 1u << DRAW_FORMAT_PDF | 1u << DRAW_FORMAT_PNG);
    assert_int_equal(t->dpi, 300);
    assert_true(t->font_pt == 9.0 && t->legend == FIGURE_LEGEND_TOP && t->risk_table && t->censor_marks);
    assert_true(t->width_mm[FIGURE_KIND_KM] == 0.0 && t->height_mm[FIGURE_KIND_KM] == 0.0);
    template_free(t);
    t = parse_ok("[figures]\nwidth_mm.km = 84\nformats = SVG, tiff, eps\ndpi = 1200\nfont_pt = 7.5\nlegend = inside\n"
                 "width_mm = 120\nheight_mm.forest = 200\nx_step = 6\nx_max = 60\nrisk_table = no\n"
                 "censor_marks = no\nci_bands = yes\n");
    assert_int_equal(t->figure_formats, 1u << DRAW_FORMAT_SVG | 1u << DRAW_FORMAT_TIFF | 1u << DRAW_FORMAT_EPS);
    assert_int_equal(t->dpi, 1200);
    assert_true(t->font_pt == 7.5 && t->legend == FIGURE_LEGEND_INSIDE && t->x_step == 6.0 && t->x_max == 60.0);
    assert_true(!t->risk_table && !t->censor_marks && t->ci_bands);
    assert_true(t->width_mm[FIGURE_KIND_KM] == 84.0 && t->width_mm[FIGURE_KIND_CUSUM] == 120.0);
    assert_true(t->height_mm[FIGURE_KIND_FOREST] == 200.0 && t->height_mm[FIGURE_KIND_KM] == 0.0);
    template_free(t);
    t = parse_ok("[figures]\nformats = none\n");
    assert_int_equal(t->figure_formats, 0);
    template_free(t);
    expect_rejected("[figures]\nformats = pdf, gif\n", "t.ini:2: unknown figure format 'gif'");
    expect_rejected("[figures]\nformats = png, PNG\n", "t.ini:2: 'PNG' is listed twice");
    expect_rejected("[figures]\nformats = pdf, none\n", "t.ini:2: unknown figure format 'none'");
    expect_rejected("[figures]\ndpi = 300.5\n", "t.ini:2: dpi must be");
    expect_rejected("[figures]\ndpi = 10\n", "t.ini:2: dpi must be");
    expect_rejected("[figures]\n\nfont_pt = 2\n", "t.ini:3: font_pt must be a number from 4 to 24");
    expect_rejected("[figures]\nlegend = left\n", "t.ini:2: legend must be top, inside or none");
    expect_rejected("[figures]\nwidth_mm.pie = 80\n", "t.ini:2: unknown figure kind 'pie'");
    expect_rejected("[figures]\nheight_mm = 5\n", "t.ini:2: height_mm must be a number of millimetres");
    expect_rejected("[figures]\nx_step = -1\n", "t.ini:2: x_step must be a number >= 0");
    expect_rejected("[figures]\nshape = round\n", "t.ini:2");
    t = parse_ok("[template]\nsections = cif_figures, subgroup_forest, cusum, funnel, volume\n");
    const report_section figures[] = {SECTION_CIF_FIGURES, SECTION_SUBGROUP_FOREST, SECTION_CUSUM, SECTION_FUNNEL,
                                      SECTION_VOLUME};
    assert_int_equal(t->n_sections, 5);
    assert_memory_equal(t->sections, figures, sizeof figures);
    template_free(t);
    char message[512];
    assert_int_equal(template_read("templates/manuscript.ini", &t, message, sizeof message), EMBOLO_OK);
    assert_true(template_has_section(t, SECTION_CIF_FIGURES) && template_has_section(t, SECTION_SUBGROUP_FOREST));
    template_free(t);
    assert_int_equal(template_read("templates/audit.ini", &t, message, sizeof message), EMBOLO_OK);
    for (size_t k = 2; k < 5; k++)
        assert_true(template_has_section(t, figures[k]));
    template_free(t);
}

static void test_missing_template_file(void **state)
{
    (void)state;
    report_template *t = NULL;
    char message[512];
    assert_int_equal(template_read("templates/none.ini", &t, message, sizeof message), EMBOLO_ERROR_FILE_NOT_FOUND);
    assert_non_null(strstr(message, "templates/none.ini"));
}

/* previous = DIR: relative to the template's folder, an absolute one as it is; empty refused. */
static void test_previous_is_beside_the_template(void **state)
{
    (void)state;
    report_template *t = NULL;
    char message[512];
    const char relative[] = "[template]\nprevious = audit-2012-11\n";
    assert_int_equal(template_parse(relative, strlen(relative), "outputs/t.ini", &t, message, sizeof message),
                     EMBOLO_OK);
    assert_string_equal(t->previous, "outputs/audit-2012-11");
    template_free(t);
    t = parse_ok("[template]\nprevious = /srv/audit/2012-11\n");
    assert_string_equal(t->previous, "/srv/audit/2012-11");
    template_free(t);
    t = parse_ok("[template]\nname = x\n");
    assert_null(t->previous);
    template_free(t);
    expect_rejected("[template]\nname = x\nprevious =\n", "t.ini:3: previous needs");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_has_every_document_part),
        cmocka_unit_test(test_sections_and_sheets_keep_their_order),
        cmocka_unit_test(test_share_drops_the_patients_sheet),
        cmocka_unit_test(test_docx_defaults),
        cmocka_unit_test(test_period_gives_the_month_end),
        cmocka_unit_test(test_benchmarks_are_read),
        cmocka_unit_test(test_rule_breaches_name_the_line),
        cmocka_unit_test(test_thresholds),
        cmocka_unit_test(test_whole_numbers_are_checked_before_the_cast),
        cmocka_unit_test(test_shipped_templates_parse),
        cmocka_unit_test(test_round2_sections_and_sheets),
        cmocka_unit_test(test_figures_keys),
        cmocka_unit_test(test_missing_template_file),
        cmocka_unit_test(test_previous_is_beside_the_template),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
