/* The figure files (figures/): each figure of the document, in each format the template asks for,
 * drawn from its model by the report's own drawing code (figure_draw) on a cairo picture of the
 * figure's size (draw_picture), and figures/index.csv listing them. Named NN-ENDPOINT-WHAT.EXT
 * (03-os-by-grade.pdf; NN-WHAT without an endpoint): the figure's number in the report, then the
 * names as file names allow them. The plots of the figures that align (Kaplan-Meier, cumulative
 * incidence) share their margins, so every one of a run has the same x origin and width. */
#include "writers.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cpus.h"
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

/* One figure's files drawn in memory: the bytes of each format the template gives, up to the first
 * that failed (its error and message). */
typedef struct figure_drawn {
    unsigned char *bytes[DRAW_FORMAT_COUNT];
    size_t size[DRAW_FORMAT_COUNT];
    double width, height;
    int failed_format;        /* DRAW_FORMAT_COUNT: none failed */
    int complete;             /* drawn (or failed): its files can be written */
    embolo_error err;
    char message[1024];
} figure_drawn;

/* The figure files being drawn: every thread that helps takes the figures in order from next (under
 * lock) and draws each into its slot; after a failure no later figure is taken (the first failure in
 * figure order is the one reported, and every figure before it is drawn). figures_finish writes each
 * figure's files as soon as it is complete, drawing while the next is not; drawing counts the figures
 * taken and not yet complete. Only figures_finish touches the outdir's files; the helpers only read
 * the document. */
struct figures_work {
    const document *d;
    outdir *out;
    figure_drawn *drawn;      /* [d->figures.n] */
    double left, right;       /* the aligned figures' plot margins */
    char creator[64];
    embolo_error setup;       /* the measuring document failed: nothing is drawn */
    char setup_message[256];
    pthread_mutex_t lock;
    pthread_cond_t drawn_one;  /* signalled when a figure is complete */
    int cond_ready;
    size_t next, drawing;
    int stopped;
    pthread_t threads[FIGURES_MAX_THREADS];
    size_t n_threads;
};

/* Draws the files of figure i into its slot, one per format. */
static void figure_draw_files(figures_work *w, size_t i, draw_raster_memory *memory)
{
    const report_template *t = w->d->build.t;
    const figure *f = w->d->figures.items[i];
    figure_drawn *out = &w->drawn[i];
    char stem[160], caption[600];
    figure_job job = {.f = f,
                      .box = {FILE_MARGIN, FILE_MARGIN, out->width - 2 * FILE_MARGIN, out->height - 2 * FILE_MARGIN},
                      .style = {.font = f->font_pt}};
    if (f->align) {
        job.style.plot_left = w->left;
        job.style.plot_right = w->right;
    }
    figure_stem(f, stem, sizeof stem);
    figure_caption(f, caption, sizeof caption);
    for (int k = 0; k < DRAW_FORMAT_COUNT && out->err == EMBOLO_OK; k++) {
        if (!(t->figure_formats & 1u << k))
            continue;
        char name[200], display[1200];
        snprintf(name, sizeof name, "figures/%s.%s", stem, draw_format_name((draw_format)k));
        outdir_display_name(w->out, name, display, sizeof display);
        draw_picture_info info = {.format = (draw_format)k, .width = out->width, .height = out->height,
                                  .dpi = t->dpi, .title = caption, .creator = w->creator, .day = w->d->day,
                                  .raster_memory = memory};
        out->err = draw_picture(&info, paint_figure, &job, display, &out->bytes[k], &out->size[k], out->message,
                                sizeof out->message);
        if (out->err != EMBOLO_OK)
            out->failed_format = k;
    }
}

/* The next figure to draw, or 0 when none is left (i is set to it). */
static int figures_take(figures_work *w, size_t *i)
{
    pthread_mutex_lock(&w->lock);
    int taken = !w->stopped && w->next < w->d->figures.n;
    if (taken) {
        *i = w->next++;
        w->drawing++;
    }
    pthread_mutex_unlock(&w->lock);
    return taken;
}

/* Figure i is drawn (or failed: no later one is taken). */
static void figures_done(figures_work *w, size_t i)
{
    pthread_mutex_lock(&w->lock);
    w->stopped = w->stopped || w->drawn[i].err != EMBOLO_OK;
    w->drawn[i].complete = 1;
    w->drawing--;
    pthread_cond_broadcast(&w->drawn_one);
    pthread_mutex_unlock(&w->lock);
}

void figures_help(figures_work *w)
{
    draw_raster_memory memory = {0};
    size_t i;
    if (!w || w->setup != EMBOLO_OK)
        return;
    while (figures_take(w, &i)) {
        figure_draw_files(w, i, &memory);
        figures_done(w, i);
    }
    draw_raster_memory_free(&memory);
}

static void *figures_worker(void *arg)
{
    figures_help(arg);
    return NULL;
}

/* The plots' shared margins and every figure's size, measured on this thread before any is drawn
 * (the measuring document is not shared). */
static void figures_measure(figures_work *w)
{
    draw_doc *measure = NULL;
    embolo_error err = draw_open_measure(NULL, &measure);
    if (err != EMBOLO_OK) {
        w->setup = err;
        snprintf(w->setup_message, sizeof w->setup_message, "figures: %s", embolo_error_message(err));
    } else if (draw_failed(measure)) {
        w->setup = EMBOLO_ERROR_OUTPUT;
        snprintf(w->setup_message, sizeof w->setup_message, "figures: cannot load the DejaVu fonts");
    } else {
        figures_align(measure, &w->d->figures, &w->left, &w->right);
        for (size_t i = 0; i < w->d->figures.n; i++) {
            const figure *f = w->d->figures.items[i];
            figure_drawn *drawn = &w->drawn[i];
            drawn->width = f->width_mm * POINTS_PER_MM;
            drawn->height = f->height_mm * POINTS_PER_MM;
            if (!(drawn->height > 0))
                drawn->height = figure_height(measure, f, drawn->width - 2 * FILE_MARGIN, f->font_pt) + 2 * FILE_MARGIN;
        }
    }
    draw_free(measure);
}

void figures_free(figures_work *w)
{
    if (!w)
        return;
    for (size_t i = 0; w->drawn && i < w->d->figures.n; i++)
        for (int k = 0; k < DRAW_FORMAT_COUNT; k++)
            free(w->drawn[i].bytes[k]);
    free(w->drawn);
    if (w->cond_ready)
        pthread_cond_destroy(&w->drawn_one);
    pthread_mutex_destroy(&w->lock);
    free(w);
}

embolo_error figures_begin(const document *d, outdir *out, size_t workers, figures_work **work)
{
    *work = NULL;
    if (d->build.t->figure_formats == 0 || d->figures.n == 0)
        return EMBOLO_OK;
    figures_work *w = calloc(1, sizeof *w);
    if (!w)
        return EMBOLO_ERROR_NOMEM;
    if (pthread_mutex_init(&w->lock, NULL) != 0) {
        free(w);
        return EMBOLO_ERROR_NOMEM;
    }
    w->d = d;
    w->out = out;
    w->cond_ready = pthread_cond_init(&w->drawn_one, NULL) == 0;
    w->drawn = calloc(d->figures.n, sizeof *w->drawn);
    if (!w->drawn || !w->cond_ready) {
        figures_free(w);
        return EMBOLO_ERROR_NOMEM;
    }
    for (size_t i = 0; i < d->figures.n; i++)
        w->drawn[i].failed_format = DRAW_FORMAT_COUNT;
    snprintf(w->creator, sizeof w->creator, "embolo %s", d->build.in->version ? d->build.in->version : "");
    figures_measure(w);
    /* The caller draws too (figures_finish), and so may others (figures_help): no more threads of its
     * own than figures besides the caller's first. */
    size_t wanted = workers < FIGURES_MAX_THREADS ? workers : FIGURES_MAX_THREADS;
    wanted = wanted < d->figures.n - 1 ? wanted : d->figures.n - 1;
    while (w->setup == EMBOLO_OK && w->n_threads < wanted &&
           pthread_create(&w->threads[w->n_threads], NULL, figures_worker, w) == 0)
        w->n_threads++;
    *work = w;
    return EMBOLO_OK;
}

/* Writes the drawn files of figure i and their lines of the index, in format order, up to its failure. */
static embolo_error figure_files_write(figures_work *w, size_t i, FILE *index, char *message, size_t message_size)
{
    const report_template *t = w->d->build.t;
    const figure *f = w->d->figures.items[i];
    const figure_drawn *drawn = &w->drawn[i];
    char stem[160];
    embolo_error err = EMBOLO_OK;
    figure_stem(f, stem, sizeof stem);
    for (int k = 0; k < DRAW_FORMAT_COUNT && err == EMBOLO_OK; k++) {
        if (!(t->figure_formats & 1u << k))
            continue;
        if (k == drawn->failed_format) {
            snprintf(message, message_size, "%s", drawn->message);
            return drawn->err;
        }
        char name[200];
        snprintf(name, sizeof name, "figures/%s.%s", stem, draw_format_name((draw_format)k));
        err = write_bytes(w->out, name, drawn->bytes[k], drawn->size[k], message, message_size);
        if (err == EMBOLO_OK)
            index_line(index, name + strlen("figures/"), f, drawn->width, drawn->height, t->dpi, (draw_format)k);
    }
    return err;
}

/* Whether figure i is complete; with wait, once it is. */
static int figures_complete(figures_work *w, size_t i, int wait)
{
    pthread_mutex_lock(&w->lock);
    while (wait && !w->drawn[i].complete)
        pthread_cond_wait(&w->drawn_one, &w->lock);
    int complete = w->drawn[i].complete;
    pthread_mutex_unlock(&w->lock);
    return complete;
}

/* Draws figures (taking them in order) until figure i is complete; when none is left to take, the
 * others being drawn (i among them), waits for it. */
static void figures_draw_until(figures_work *w, size_t i, draw_raster_memory *memory)
{
    size_t taken;
    while (!figures_complete(w, i, 0)) {
        if (!figures_take(w, &taken)) {
            figures_complete(w, i, 1);
            return;
        }
        figure_draw_files(w, taken, memory);
        figures_done(w, taken);
    }
}

/* No figure is taken any more; waits for those being drawn and for the threads of its own. */
static void figures_stop(figures_work *w)
{
    pthread_mutex_lock(&w->lock);
    w->stopped = 1;
    while (w->drawing > 0)
        pthread_cond_wait(&w->drawn_one, &w->lock);
    pthread_mutex_unlock(&w->lock);
    for (size_t t = 0; t < w->n_threads; t++)
        pthread_join(w->threads[t], NULL);
    w->n_threads = 0;
}

/* Every figure's files in figure order as each is complete (this thread drawing meanwhile), and the
 * index. */
static embolo_error figures_files_write(figures_work *w, char *message, size_t message_size)
{
    static const char index_name[] = "figures/index.csv";
    FILE *index;
    draw_raster_memory memory = {0};
    embolo_error err = outdir_mkdir(w->out, "figures", message, message_size);
    if (err == EMBOLO_OK && w->setup != EMBOLO_OK) {
        err = w->setup;
        snprintf(message, message_size, "%s", w->setup_message);
    }
    if (err == EMBOLO_OK)
        err = outdir_open(w->out, index_name, &index, message, message_size);
    if (err != EMBOLO_OK)
        return err;
    index_header(index);
    for (size_t i = 0; i < w->d->figures.n && err == EMBOLO_OK; i++) {
        figures_draw_until(w, i, &memory);
        err = figure_files_write(w, i, index, message, message_size);
        for (int k = 0; k < DRAW_FORMAT_COUNT; k++) {
            free(w->drawn[i].bytes[k]);
            w->drawn[i].bytes[k] = NULL;
        }
    }
    draw_raster_memory_free(&memory);
    errno = 0;
    embolo_error closed = outdir_close(w->out, index, index_name, err == EMBOLO_OK && !ferror(index), message,
                                       err == EMBOLO_OK ? message_size : 0);
    return err == EMBOLO_OK ? closed : err;
}

embolo_error figures_finish(figures_work *w, char *message, size_t message_size)
{
    if (!w)
        return EMBOLO_OK;
    embolo_error err = figures_files_write(w, message, message_size);
    figures_stop(w);
    return err;
}

embolo_error figures_write_threads(const document *d, outdir *out, size_t threads, char *message,
                                   size_t message_size)
{
    figures_work *w;
    embolo_error err = figures_begin(d, out, threads > 1 ? threads - 1 : 0, &w);
    if (err != EMBOLO_OK) {
        snprintf(message, message_size, "figures: %s", embolo_error_message(err));
        return err;
    }
    err = figures_finish(w, message, message_size);
    figures_free(w);
    return err;
}

embolo_error figures_write(const document *d, outdir *out, char *message, size_t message_size)
{
    return figures_write_threads(d, out, cpus_online(), message, message_size);
}
