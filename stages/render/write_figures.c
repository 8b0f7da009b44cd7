/* The figure files (figures/): each figure of the document, in each format the template asks for,
 * drawn from its model by the report's own drawing code (figure_draw) on a cairo picture of the
 * figure's size (draw_picture), and figures/index.csv listing them. Named NN-ENDPOINT-WHAT.EXT
 * (03-os-by-grade.pdf; NN-WHAT without an endpoint): the figure's number in the report, then the
 * names as file names allow them. The plots of the figures that align (Kaplan-Meier, cumulative
 * incidence) share their margins, so every one of a run has the same x origin and width. */
#include "writers.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "files.h"

#define POINTS_PER_MM (72.0 / 25.4)
/* White space around the figure inside its file, in points. */
#define FILE_MARGIN 4.0
#define NAME_MAX_PART 60

typedef struct figure_job {
    const figure *f;
    draw_box box;
    figure_style style;
} figure_job;

static void paint_figure(draw_doc *d, void *arg)
{
    const figure_job *job = arg;
    figure_draw(d, job->f, job->box, &job->style);
}

/* A part of a file name: lower-case letters and digits, every other run of characters one '-'. */
static void name_part(char *out, size_t size, const char *text)
{
    size_t n = 0;
    for (const unsigned char *c = (const unsigned char *)text; *c && n + 1 < size && n < NAME_MAX_PART; c++) {
        if (isalnum(*c) && *c < 0x80)
            out[n++] = (char)tolower(*c);
        else if (n > 0 && out[n - 1] != '-')
            out[n++] = '-';
    }
    while (n > 0 && out[n - 1] == '-')
        n--;
    out[n] = '\0';
}

/* "03-os-by-grade", "01-flow". */
static void figure_stem(const figure *f, char *out, size_t size)
{
    char endpoint[NAME_MAX_PART + 1], what[NAME_MAX_PART + 1];
    name_part(endpoint, sizeof endpoint, f->endpoint);
    name_part(what, sizeof what, f->what);
    snprintf(out, size, "%02zu%s%s%s%s", f->number, endpoint[0] ? "-" : "", endpoint, what[0] ? "-" : "", what);
}

/* The margins the plots of the figures that align share: the largest any needs at its font. */
static void figures_align(draw_doc *measure, const figure_list *list, double *left, double *right)
{
    *left = *right = 0.0;
    for (size_t i = 0; i < list->n; i++) {
        double l, r;
        if (!list->items[i]->align)
            continue;
        figure_measure(measure, list->items[i], list->items[i]->font_pt, &l, &r);
        *left = l > *left ? l : *left;
        *right = r > *right ? r : *right;
    }
}

static embolo_error write_bytes(outdir *out, const char *name, const unsigned char *bytes, size_t size, char *message,
                                size_t message_size)
{
    FILE *file;
    embolo_error err = outdir_open(out, name, &file, message, message_size);
    if (err != EMBOLO_OK)
        return err;
    errno = 0;
    int ok = fwrite(bytes, 1, size, file) == size;
    return outdir_close(out, file, name, ok, message, message_size);
}

static void index_header(FILE *index)
{
    fputs("file,figure,title,endpoint,variable,width_mm,height_mm,dpi,format\n", index);
}

static void index_line(FILE *index, const char *file, const figure *f, double width, double height, int dpi,
                       draw_format format)
{
    files_csv_text(index, file);
    fprintf(index, ",%zu,", f->number);
    files_csv_text(index, f->title);
    fputc(',', index);
    files_csv_text(index, f->endpoint);
    fputc(',', index);
    files_csv_text(index, f->variable);
    fprintf(index, ",%.2f,%.2f,", width / POINTS_PER_MM, height / POINTS_PER_MM);
    if (draw_format_is_raster(format))
        fprintf(index, "%d", dpi);
    else
        fputs("NA", index);
    fprintf(index, ",%s\n", draw_format_name(format));
}

typedef struct figures_writer {
    const document *d;
    outdir *out;
    draw_doc *measure;
    FILE *index;
    double left, right;
    char creator[64];
} figures_writer;

/* The files of one figure, one per format. */
static embolo_error figure_files(figures_writer *w, const figure *f, char *message, size_t message_size)
{
    const report_template *t = w->d->build.t;
    char stem[160], caption[600];
    double width = f->width_mm * POINTS_PER_MM, height = f->height_mm * POINTS_PER_MM;
    if (!(height > 0))
        height = figure_height(w->measure, f, width - 2 * FILE_MARGIN, f->font_pt) + 2 * FILE_MARGIN;
    figure_job job = {.f = f, .box = {FILE_MARGIN, FILE_MARGIN, width - 2 * FILE_MARGIN, height - 2 * FILE_MARGIN},
                      .style = {.font = f->font_pt}};
    if (f->align) {
        job.style.plot_left = w->left;
        job.style.plot_right = w->right;
    }
    figure_stem(f, stem, sizeof stem);
    figure_caption(f, caption, sizeof caption);
    embolo_error err = EMBOLO_OK;
    for (int k = 0; k < DRAW_FORMAT_COUNT && err == EMBOLO_OK; k++) {
        if (!(t->figure_formats & 1u << k))
            continue;
        char name[200], display[1200];
        unsigned char *bytes = NULL;
        size_t size = 0;
        snprintf(name, sizeof name, "figures/%s.%s", stem, draw_format_name((draw_format)k));
        outdir_display_name(w->out, name, display, sizeof display);
        draw_picture_info info = {.format = (draw_format)k, .width = width, .height = height, .dpi = t->dpi,
                                  .title = caption, .creator = w->creator, .day = w->d->day};
        err = draw_picture(&info, paint_figure, &job, display, &bytes, &size, message, message_size);
        if (err == EMBOLO_OK)
            err = write_bytes(w->out, name, bytes, size, message, message_size);
        free(bytes);
        if (err == EMBOLO_OK)
            index_line(w->index, name + strlen("figures/"), f, width, height, t->dpi, (draw_format)k);
    }
    return err;
}

embolo_error figures_write(const document *d, outdir *out, char *message, size_t message_size)
{
    static const char index_name[] = "figures/index.csv";
    figures_writer w = {.d = d, .out = out};
    if (d->build.t->figure_formats == 0 || d->figures.n == 0)
        return EMBOLO_OK;
    embolo_error err = outdir_mkdir(out, "figures", message, message_size);
    if (err == EMBOLO_OK && (err = draw_open_measure(NULL, &w.measure)) != EMBOLO_OK)
        snprintf(message, message_size, "figures: %s", embolo_error_message(err));
    if (err == EMBOLO_OK && draw_failed(w.measure)) {
        err = EMBOLO_ERROR_OUTPUT;
        snprintf(message, message_size, "figures: cannot load the DejaVu fonts");
    }
    if (err == EMBOLO_OK)
        err = outdir_open(out, index_name, &w.index, message, message_size);
    if (err == EMBOLO_OK) {
        snprintf(w.creator, sizeof w.creator, "embolo %s", d->build.in->version ? d->build.in->version : "");
        figures_align(w.measure, &d->figures, &w.left, &w.right);
        index_header(w.index);
        for (size_t i = 0; i < d->figures.n && err == EMBOLO_OK; i++)
            err = figure_files(&w, d->figures.items[i], message, message_size);
        errno = 0;
        embolo_error closed = outdir_close(out, w.index, index_name, err == EMBOLO_OK && !ferror(w.index), message,
                                           err == EMBOLO_OK ? message_size : 0);
        err = err == EMBOLO_OK ? closed : err;
    }
    draw_free(w.measure);
    return err;
}
