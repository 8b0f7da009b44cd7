/* The PDF report: the title page with provenance and contents, then the document's blocks in order,
 * drawn with the drawing layer (draw.h) on libharu pages: sections on new pages (landscape when a
 * table is too wide for portrait), paragraphs, tables with their footnotes, and the document's figures
 * drawn from their models (figure_draw: the same drawing as the figure files, on the report's page). */
#include "writers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/text.h"
#include "figure.h"
#include "format.h"

#define TITLE_LABEL_WIDTH 118.0
#define MAX_SECTIONS 64

typedef struct pdf_writer {
    const document *d;
    draw_doc *doc;
    double plot_left, plot_right;   /* the figures in slots that align: their plots' common margins */
    size_t section_number;
    char section_titles[MAX_SECTIONS][128];
    size_t section_pages[MAX_SECTIONS];
} pdf_writer;

/* ---- helpers ---- */

/* A small-print paragraph. */
static void pdf_note(pdf_writer *w, const char *text)
{
    draw_paragraph(w->doc, text, DRAW_REGULAR, 7.5, 0.0);
    draw_gap(w->doc, 4.0);
}

static void pdf_count(const pdf_writer *w, char *out, size_t size, double count)
{
    format_count(out, size, w->d->build.t, count);
}

/* ---- tables ---- */

static void block_table(pdf_writer *w, size_t i)
{
    table *t = w->d->blocks[i].table;
    if (document_table_is_note(t)) {
        for (size_t r = 0; r < t->n_rows; r++)
            pdf_note(w, t->rows[r].label);
        return;
    }
    draw_table(w->doc, t);
}

/* ---- sections ---- */

/* Whether the section starting at block first has a table too wide for a portrait page. */
static int section_is_wide(pdf_writer *w, size_t first)
{
    int wide = 0;
    for (size_t i = first + 1; i < w->d->n_blocks && w->d->blocks[i].kind != DOC_SECTION; i++)
        if (w->d->blocks[i].kind == DOC_TABLE && !document_table_is_note(w->d->blocks[i].table))
            wide |= draw_table_width(w->doc, w->d->blocks[i].table) > 1.1 * draw_frame_width(0);
    return wide;
}

static void section_start(pdf_writer *w, size_t i)
{
    char heading[160];
    draw_new_page(w->doc, section_is_wide(w, i));
    size_t k = w->section_number++;
    snprintf(heading, sizeof heading, "%zu  %.140s", k + 1, w->d->blocks[i].text);
    if (k < MAX_SECTIONS) {
        build_copy(w->section_titles[k], sizeof w->section_titles[k], heading);
        w->section_pages[k] = draw_page_count(w->doc);
    }
    draw_heading(w->doc, heading);
}

/* ---- figures ---- */

#define POINTS_PER_MM (72.0 / 25.4)

/* The width of the report's figure slots. */
static double slot_width(const pdf_writer *w)
{
    double frame = draw_frame_width(0);
    return w->d->build.t->figures_per_page >= 4 ? (frame - 14.0) / 2 : frame;
}

/* The font of a figure drawn width wide: its own, smaller in a box much narrower than the figure. */
static double report_font(const figure *f, double width)
{
    double scale = width / (f->width_mm * POINTS_PER_MM);
    scale = scale > 1.0 ? 1.0 : scale < 0.72 ? 0.72 : scale;
    return f->font_pt * scale;
}

/* The margins the plots of the slot figures that align share: the largest any of them needs. */
static void figures_align(pdf_writer *w)
{
    const figure_list *list = &w->d->figures;
    for (size_t i = 0; i < list->n; i++) {
        const figure *f = list->items[i];
        double left, right;
        if (!f->align || !f->slot)
            continue;
        figure_measure(w->doc, f, report_font(f, slot_width(w)), &left, &right);
        w->plot_left = left > w->plot_left ? left : w->plot_left;
        w->plot_right = right > w->plot_right ? right : w->plot_right;
    }
}

static void block_figure(pdf_writer *w, const doc_block *b)
{
    const figure *f = b->figure;
    draw_doc *doc = w->doc;
    draw_box box;
    figure_style style = {0};
    if (f->slot) {
        box = draw_slot(doc, (size_t)w->d->build.t->figures_per_page);
        style.font = report_font(f, box.w);
        if (f->align) {
            style.plot_left = w->plot_left;
            style.plot_right = w->plot_right;
        }
    } else {
        double width = draw_frame(doc).w;
        style.font = report_font(f, width);
        double height = figure_height(doc, f, width, style.font), most = draw_frame(doc).h;
        box = draw_block(doc, height < most ? height : most);
        box.w = width;
    }
    figure_draw(doc, f, box, &style);
    if (!f->slot)
        draw_gap(doc, 10.0);
}

static void block_draw(pdf_writer *w, size_t i)
{
    const doc_block *b = &w->d->blocks[i];
    char text[2100];
    switch (b->kind) {
    case DOC_SECTION:
        section_start(w, i);
        break;
    case DOC_SUBHEADING:
        draw_subheading(w->doc, b->text);
        break;
    case DOC_PARAGRAPH:
        draw_paragraph(w->doc, b->text, DRAW_REGULAR, 10.0, 0.0);
        draw_gap(w->doc, 6.0);
        break;
    case DOC_NOTE:
        pdf_note(w, b->text);
        break;
    case DOC_BULLET:
        snprintf(text, sizeof text, "\xe2\x80\xa2 %.2000s", b->text);
        draw_paragraph(w->doc, text, DRAW_REGULAR, 8.5, 6.0);
        break;
    case DOC_TABLE:
        block_table(w, i);
        break;
    case DOC_FIGURE:
        block_figure(w, b);
        break;
    }
}

/* ---- title page ---- */

/* One provenance line: a bold label and its value, wrapped beside it. */
static void title_line(pdf_writer *w, const char *label, const char *value)
{
    const char *starts[8];
    size_t lengths[8];
    char line[512];
    draw_doc *doc = w->doc;
    double width = draw_frame(doc).w - TITLE_LABEL_WIDTH;
    size_t n = draw_wrap(doc, value, DRAW_REGULAR, 9.0, width, starts, lengths, 8);
    for (size_t i = 0; i < (n ? n : 1); i++) {
        draw_box box = draw_block(doc, 13.0);
        if (i == 0)
            draw_text(doc, box.x, box.y + 3.5, label, DRAW_BOLD, 9.0, DRAW_LEFT);
        snprintf(line, sizeof line, "%.*s", n ? (int)lengths[i] : 0, n ? starts[i] : "");
        draw_text(doc, box.x + TITLE_LABEL_WIDTH, box.y + 3.5, line, DRAW_REGULAR, 9.0, DRAW_LEFT);
    }
}

static void title_counts(pdf_writer *w)
{
    char read[32], analysed[32], excluded[32], text[160];
    const dataset *data = w->d->build.data;
    pdf_count(w, read, sizeof read, (double)data->rows_read);
    pdf_count(w, analysed, sizeof analysed, (double)data->n);
    pdf_count(w, excluded, sizeof excluded, (double)build_rows_excluded(&w->d->build));
    snprintf(text, sizeof text, "%s read, %s analysed, %s excluded", read, analysed, excluded);
    title_line(w, "Records", text);
}

static void title_provenance(pdf_writer *w)
{
    const render_input *in = w->d->build.in;
    char text[600], date[11];
    if (in->has_as_of)
        text_format_date(in->as_of, date);
    title_line(w, "Study", in->study->title && in->study->title[0] ? in->study->title : "(untitled)");
    title_line(w, "As-of date", in->has_as_of ? date : "not set");
    title_line(w, "Input file", in->input_path ? in->input_path : "");
    title_line(w, "Input SHA-256", in->input_sha256 ? in->input_sha256 : "");
    title_line(w, "Study file", in->study->path ? in->study->path : "");
    title_line(w, "Study file SHA-256", in->study_sha256 ? in->study_sha256 : "");
    snprintf(text, sizeof text, "%s%s%s%s", in->template->name ? in->template->name : "default",
             in->template_path ? " (" : " (built in)", in->template_path ? in->template_path : "",
             in->template_path ? ")" : "");
    title_line(w, "Template", text);
    if (in->template_sha256 && in->template_sha256[0])
        title_line(w, "Template SHA-256", in->template_sha256);
    title_counts(w);
    title_line(w, "Time unit", in->study->time_unit ? in->study->time_unit : "");
    snprintf(text, sizeof text, "embolo %s", in->version ? in->version : "");
    title_line(w, "Program", text);
}

/* Draws the title page; returns the cursor where the contents go. */
static double title_page(pdf_writer *w)
{
    draw_doc *doc = w->doc;
    draw_new_page(doc, 0);
    draw_gap(doc, 60.0);
    draw_paragraph(doc, w->d->title, DRAW_BOLD, 20.0, 0.0);
    if (w->d->subtitle)
        draw_paragraph(doc, w->d->subtitle, DRAW_REGULAR, 13.0, 0.0);
    draw_gap(doc, 24.0);
    title_provenance(w);
    draw_gap(doc, 24.0);
    draw_subheading(doc, "Contents");
    return draw_cursor(doc);
}

/* The contents, once the sections' pages are known. */
static void title_contents(pdf_writer *w, double cursor)
{
    draw_doc *doc = w->doc;
    draw_return_to_page(doc, 0, cursor);
    for (size_t k = 0; k < w->section_number && k < MAX_SECTIONS; k++) {
        char page[16];
        draw_box box = draw_block(doc, 14.0);
        snprintf(page, sizeof page, "%zu", w->section_pages[k]);
        draw_text(doc, box.x, box.y + 3.5, w->section_titles[k], DRAW_REGULAR, 10.0, DRAW_LEFT);
        draw_text(doc, box.x + 320.0, box.y + 3.5, page, DRAW_REGULAR, 10.0, DRAW_RIGHT);
    }
}

/* ---- the report ---- */

static void pdf_writer_free(pdf_writer *w)
{
    draw_free(w->doc);
    free(w);
}

embolo_error pdf_write(const document *d, const char *path, char *message, size_t message_size)
{
    const render_input *in = d->build.in;
    char creator[64];
    pdf_writer *w = calloc(1, sizeof *w);
    embolo_error err = EMBOLO_ERROR_NOMEM;
    if (!w)
        goto cleanup;
    w->d = d;
    snprintf(creator, sizeof creator, "embolo %s", in->version ? in->version : "");
    draw_info info = {.title = d->title, .creator = creator, .footer = d->footer, .day = d->day};
    err = draw_open(&info, &w->doc);
    if (err != EMBOLO_OK)
        goto cleanup;
    figures_align(w);
    double contents = title_page(w);
    for (size_t i = 0; i < d->n_blocks && !draw_failed(w->doc); i++)
        block_draw(w, i);
    title_contents(w, contents);
    err = draw_save(w->doc, path, message, message_size);
cleanup:
    if (err == EMBOLO_ERROR_NOMEM && (!w || !w->doc))
        snprintf(message, message_size, "%s: cannot draw the report: %s", path, embolo_error_message(err));
    if (w)
        pdf_writer_free(w);
    return err;
}
