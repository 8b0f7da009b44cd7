/* tables.docx: every table of the report's sections, in order, as native Word tables in the
 * three-line style of journals (rules above and below the header and at the bottom, no vertical
 * rules), each under its title and above its footnotes, in sections of their own orientation
 * (landscape for a section with a table too wide for portrait). The WordprocessingML is written here;
 * the package is zipped by minizip, deterministically: the parts in a fixed order, each dated
 * 1980-01-01, so the same inputs give the same bytes. The cells' text is table_cell_text's, the
 * report's. */
#include "writers.h"

#include <errno.h>
#include <minizip/zip.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/text.h"
#include "xml.h"

#define W_NS "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
#define R_NS "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
#define PAGE_SHORT 11906        /* A4, twentieths of a point */
#define PAGE_LONG 16838
#define PAGE_MARGIN 1134        /* 2 cm */
#define CELL_MARGIN 60
#define CHAR_TWIPS 105          /* an average character at 9 pt */
#define INDENT_TWIPS 200
#define ROW_TWIPS 260           /* a row of one line at 9 pt */
#define CELL_TEXT 256
#define XML_HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"

typedef struct docx_writer {
    const document *d;
    textbuf body;
    int landscape;              /* of the section being written */
} docx_writer;

static int text_width(const char *text)
{
    size_t n = 0, longest = 0;
    for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
        if (*c == '\n') {
            longest = n > longest ? n : longest;
            n = 0;
        } else if ((*c & 0xC0) != 0x80) {
            n++;
        }
    }
    return (int)(n > longest ? n : longest);
}

/* ---- column widths and orientation ---- */

/* The longest word of a text (the narrowest a column can be). */
static int longest_word(const char *text)
{
    int longest = 0, n = 0;
    for (const unsigned char *c = (const unsigned char *)text;; c++) {
        if (*c && *c != ' ' && *c != '\n') {
            n += (*c & 0xC0) != 0x80;
            continue;
        }
        longest = n > longest ? n : longest;
        n = 0;
        if (!*c)
            return longest;
    }
}

static long chars_twips(int chars)
{
    return (long)(chars + 1) * CHAR_TWIPS + 2 * CELL_MARGIN;
}

/* The narrowest each column can be: its header's longest word (bold) and its cells' longest words. */
static void column_minimums(const table *t, long *minimums)
{
    char text[CELL_TEXT];
    for (size_t c = 0; c < t->n_columns; c++) {
        int chars = longest_word(t->columns[c].header) * 11 / 10;
        for (size_t r = 0; r < t->n_rows; r++) {
            if (t->rows[r].role == TABLE_ROW_NOTE)
                continue;
            if (c == 0)
                snprintf(text, sizeof text, "%s", t->rows[r].label);
            else
                table_cell_text(&t->rows[r].cells[c], text, sizeof text);
            int w = longest_word(text);
            chars = w > chars ? w : chars;
        }
        minimums[c] = chars_twips(chars);
    }
}

/* The natural widths of a table's columns (twips); returns their sum. */
static long column_widths(const table *t, long *widths)
{
    char text[CELL_TEXT];
    long total = 0;
    for (size_t c = 0; c < t->n_columns; c++) {
        int chars = text_width(t->columns[c].header) * 11 / 10;
        for (size_t r = 0; r < t->n_rows; r++) {
            const table_row *row = &t->rows[r];
            if (row->role == TABLE_ROW_NOTE)
                continue;
            if (c == 0)
                snprintf(text, sizeof text, "%s%s", table_row_is_member(row) ? "  " : "", row->label);
            else
                table_cell_text(&row->cells[c], text, sizeof text);
            int w = text_width(text);
            chars = w > chars ? w : chars;
        }
        if (t->columns[c].wrap && chars > (int)t->columns[c].wrap)
            chars = (int)t->columns[c].wrap;
        widths[c] = chars_twips(chars);
        total += widths[c];
    }
    return total;
}

static long text_area(int landscape)
{
    return (landscape ? PAGE_LONG : PAGE_SHORT) - 2 * PAGE_MARGIN;
}

/* Whether a section (the blocks after first up to the next section) has a table too wide for portrait:
 * wider than a fifth more than its text area (a little narrower, its text wraps). */
static int section_is_wide(const document *d, size_t first)
{
    for (size_t i = first + 1; i < d->n_blocks && d->blocks[i].kind != DOC_SECTION; i++) {
        const table *t = d->blocks[i].table;
        long *widths = d->blocks[i].kind == DOC_TABLE ? calloc(t->n_columns, sizeof *widths) : NULL;
        int wide = widths && column_widths(t, widths) > text_area(0) * 6 / 5;
        free(widths);
        if (wide)
            return 1;
    }
    return 0;
}

static int section_has_tables(const document *d, size_t first)
{
    for (size_t i = first + 1; i < d->n_blocks && d->blocks[i].kind != DOC_SECTION; i++)
        if (d->blocks[i].kind == DOC_TABLE && !document_table_is_note(d->blocks[i].table))
            return 1;
    return 0;
}

static void section_properties(textbuf *b, int landscape)
{
    xml_printf(b, "<w:sectPr><w:pgSz w:w=\"%d\" w:h=\"%d\"%s/><w:pgMar w:top=\"%d\" w:right=\"%d\" w:bottom=\"%d\" "
                  "w:left=\"%d\" w:header=\"567\" w:footer=\"567\" w:gutter=\"0\"/></w:sectPr>",
               landscape ? PAGE_LONG : PAGE_SHORT, landscape ? PAGE_SHORT : PAGE_LONG,
               landscape ? " w:orient=\"landscape\"" : "", PAGE_MARGIN, PAGE_MARGIN, PAGE_MARGIN, PAGE_MARGIN);
}

/* Ends the section so far (in the orientation it had) when the next one turns the page. */
static void orientation(docx_writer *w, int landscape)
{
    if (landscape == w->landscape)
        return;
    textbuf_string(&w->body, "<w:p><w:pPr>");
    section_properties(&w->body, w->landscape);
    textbuf_string(&w->body, "</w:pPr></w:p>");
    w->landscape = landscape;
}

/* ---- paragraphs ---- */

static void paragraph(textbuf *b, const char *style, const char *text)
{
    xml_printf(b, "<w:p><w:pPr><w:pStyle w:val=\"%s\"/></w:pPr><w:r><w:t xml:space=\"preserve\">", style);
    xml_escaped(b, text);
    textbuf_string(b, "</w:t></w:r></w:p>");
}

/* A run of text; '\n' breaks the line. */
static void run(textbuf *b, const char *text, int bold, int italic)
{
    xml_printf(b, "<w:r>%s%s%s%s<w:t xml:space=\"preserve\">", bold || italic ? "<w:rPr>" : "", bold ? "<w:b/>" : "",
               italic ? "<w:i/>" : "", bold || italic ? "</w:rPr>" : "");
    for (const char *line = text;;) {
        size_t length = strcspn(line, "\n");
        char part[CELL_TEXT];
        snprintf(part, sizeof part, "%.*s", (int)(length < sizeof part ? length : sizeof part - 1), line);
        xml_escaped(b, part);
        if (!line[length])
            break;
        textbuf_string(b, "</w:t><w:br/><w:t xml:space=\"preserve\">");
        line += length + 1;
    }
    textbuf_string(b, "</w:t></w:r>");
}

/* ---- tables ---- */

typedef struct cell_style {
    long width;
    int span;                /* columns covered (gridSpan) */
    int rule_below, rule_above;
    int left, bold, italic, indent, keep_next;
} cell_style;

static void cell(textbuf *b, const char *text, const cell_style *s)
{
    xml_printf(b, "<w:tc><w:tcPr><w:tcW w:w=\"%ld\" w:type=\"dxa\"/>", s->width);
    if (s->span > 1)
        xml_printf(b, "<w:gridSpan w:val=\"%d\"/>", s->span);
    if (s->rule_below || s->rule_above)
        xml_printf(b, "<w:tcBorders>%s%s</w:tcBorders>",
                   s->rule_above ? "<w:top w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/>" : "",
                   s->rule_below ? "<w:bottom w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/>" : "");
    textbuf_string(b, "<w:vAlign w:val=\"bottom\"/></w:tcPr><w:p><w:pPr><w:pStyle w:val=\"TableText\"/>");
    if (s->keep_next)
        textbuf_string(b, "<w:keepNext/>");
    if (s->indent)
        xml_printf(b, "<w:ind w:left=\"%d\"/>", INDENT_TWIPS);
    xml_printf(b, "<w:jc w:val=\"%s\"/></w:pPr>", s->left ? "left" : "center");
    if (text[0])
        run(b, text, s->bold, s->italic);
    textbuf_string(b, "</w:p></w:tc>");
}

static void row_start(textbuf *b, int header)
{
    xml_printf(b, "<w:tr><w:trPr><w:cantSplit/>%s</w:trPr>", header ? "<w:tblHeader/>" : "");
}

static long span_width(const long *widths, size_t first, size_t count)
{
    long w = 0;
    for (size_t c = first; c < first + count; c++)
        w += widths[c];
    return w;
}

/* The spans' row: each span over its columns with a rule under it; the other columns empty. */
static void header_spans(textbuf *b, const table *t, const long *widths)
{
    row_start(b, 1);
    for (size_t c = 0; c < t->n_columns;) {
        const table_span *span = NULL;
        for (size_t k = 0; k < t->n_spans; k++)
            if (t->spans[k].first == c)
                span = &t->spans[k];
        size_t count = span ? span->count : 1;
        cell_style s = {.width = span_width(widths, c, count), .span = (int)count, .rule_below = span != NULL,
                        .bold = 1, .keep_next = 1};
        cell(b, span ? span->text : "", &s);
        c += count;
    }
    textbuf_string(b, "</w:tr>");
}

static void header_row(textbuf *b, const table *t, const long *widths)
{
    row_start(b, 1);
    for (size_t c = 0; c < t->n_columns; c++) {
        cell_style s = {.width = widths[c], .span = 1, .rule_below = 1, .bold = 1, .left = c == 0, .keep_next = 1};
        cell(b, t->columns[c].header, &s);
    }
    textbuf_string(b, "</w:tr>");
}

/* Whether a table (its title, header and rows) fits on one page: its rows then keep with the next, so
 * that it starts on a new page rather than break, as in the report; a longer one breaks where it must,
 * its header repeated. */
static int table_fits_page(const table *t, int landscape)
{
    long height = (landscape ? PAGE_SHORT : PAGE_LONG) - 2 * PAGE_MARGIN;
    return (long)(t->n_rows + 4 + (t->n_spans > 0)) * ROW_TWIPS < height;
}

static void body_row(textbuf *b, const table *t, const long *widths, size_t r, int keep)
{
    const table_row *row = &t->rows[r];
    int last = r + 1 == t->n_rows, total = row->role == TABLE_ROW_TOTAL;
    char text[CELL_TEXT];
    row_start(b, 0);
    if (row->role == TABLE_ROW_NOTE) {
        cell_style s = {.width = span_width(widths, 0, t->n_columns), .span = (int)t->n_columns, .left = 1,
                        .italic = 1, .keep_next = keep || last};
        cell(b, row->label, &s);
        textbuf_string(b, "</w:tr>");
        return;
    }
    for (size_t c = 0; c < t->n_columns; c++) {
        cell_style s = {.width = widths[c], .span = 1, .rule_above = total,
                        .left = c == 0 || t->columns[c].align == TABLE_LEFT,
                        .keep_next = keep || last || row->role == TABLE_ROW_HEADING};
        if (c == 0) {
            s.bold = row->role == TABLE_ROW_HEADING || total;
            s.indent = table_row_is_member(row);
            cell(b, row->label, &s);
            continue;
        }
        table_cell_text(&row->cells[c], text, sizeof text);
        cell(b, text, &s);
    }
    textbuf_string(b, "</w:tr>");
}

/* Fits the widths to the page: a table wider than the text area gives up the width its columns do not
 * need (down to their longest word, the stub first), wrapping their text. Returns the total. */
static long fit_widths(const table *t, long *widths, long natural, long area)
{
    long *minimums = calloc(t->n_columns, sizeof *minimums), spare = 0, total = 0;
    if (!minimums || natural <= area) {
        free(minimums);
        return natural;
    }
    column_minimums(t, minimums);
    long stub_spare = widths[0] > minimums[0] ? widths[0] - minimums[0] : 0;
    long cut = natural - area < stub_spare ? natural - area : stub_spare;
    widths[0] -= cut;
    natural -= cut;
    for (size_t c = 0; c < t->n_columns; c++)
        spare += widths[c] > minimums[c] ? widths[c] - minimums[c] : 0;
    for (size_t c = 0; c < t->n_columns; c++) {
        long own = widths[c] > minimums[c] ? widths[c] - minimums[c] : 0;
        if (natural > area && spare > 0)
            widths[c] -= own * (natural - area < spare ? natural - area : spare) / spare;
        total += widths[c];
    }
    free(minimums);
    return total;
}

static void table_write(docx_writer *w, const table *t)
{
    textbuf *b = &w->body;
    long *widths = calloc(t->n_columns, sizeof *widths);
    if (!widths) {
        b->failed = 1;
        return;
    }
    long total = fit_widths(t, widths, column_widths(t, widths), text_area(w->landscape));
    paragraph(b, "TableTitle", t->title);
    xml_printf(b, "<w:tbl><w:tblPr><w:tblW w:w=\"%ld\" w:type=\"dxa\"/><w:tblBorders>"
                  "<w:top w:val=\"single\" w:sz=\"8\" w:space=\"0\" w:color=\"000000\"/><w:left w:val=\"nil\"/>"
                  "<w:bottom w:val=\"single\" w:sz=\"8\" w:space=\"0\" w:color=\"000000\"/><w:right w:val=\"nil\"/>"
                  "<w:insideH w:val=\"nil\"/><w:insideV w:val=\"nil\"/></w:tblBorders><w:tblLayout w:type=\"fixed\"/>"
                  "<w:tblCellMar><w:left w:w=\"%d\" w:type=\"dxa\"/><w:right w:w=\"%d\" w:type=\"dxa\"/></w:tblCellMar>"
                  "<w:tblLook w:val=\"0000\"/></w:tblPr><w:tblGrid>",
               total, CELL_MARGIN, CELL_MARGIN);
    for (size_t c = 0; c < t->n_columns; c++)
        xml_printf(b, "<w:gridCol w:w=\"%ld\"/>", widths[c]);
    textbuf_string(b, "</w:tblGrid>");
    if (t->n_spans)
        header_spans(b, t, widths);
    header_row(b, t, widths);
    int keep = table_fits_page(t, w->landscape);
    for (size_t r = 0; r < t->n_rows; r++)
        body_row(b, t, widths, r, keep);
    textbuf_string(b, "</w:tbl>");
    for (size_t k = 0; k < t->n_footnotes; k++)
        paragraph(b, "TableNote", t->footnotes[k]);
    if (!t->n_footnotes)
        paragraph(b, "TableNote", "");
    free(widths);
}

/* ---- the document part ---- */

static void body_write(docx_writer *w)
{
    const document *d = w->d;
    paragraph(&w->body, "Title", d->title);
    if (d->subtitle)
        paragraph(&w->body, "Subtitle", d->subtitle);
    for (size_t i = 0; i < d->n_blocks; i++) {
        const doc_block *block = &d->blocks[i];
        if (block->kind == DOC_SECTION && section_has_tables(d, i)) {
            orientation(w, section_is_wide(d, i));
            paragraph(&w->body, "Heading1", block->text);
        } else if (block->kind == DOC_TABLE && document_table_is_note(block->table)) {
            for (size_t r = 0; r < block->table->n_rows; r++)
                paragraph(&w->body, "TableNote", block->table->rows[r].label);
        } else if (block->kind == DOC_TABLE) {
            table_write(w, block->table);
        }
    }
}

static void document_part(docx_writer *w, textbuf *out)
{
    body_write(w);
    textbuf_string(out, XML_HEAD "<w:document xmlns:w=\"" W_NS "\" xmlns:r=\"" R_NS "\"><w:body>");
    if (w->body.data)
        textbuf_string(out, w->body.data);
    section_properties(out, w->landscape);
    textbuf_string(out, "</w:body></w:document>");
    out->failed |= w->body.failed;
}

/* ---- the other parts ---- */

static void styles_part(textbuf *b)
{
    static const struct {
        const char *id, *name, *properties;
    } styles[] = {
        {"Normal", "Normal", "<w:pPr><w:spacing w:after=\"120\"/></w:pPr>"},
        {"Title", "Title", "<w:pPr><w:spacing w:after=\"240\"/></w:pPr><w:rPr><w:b/><w:sz w:val=\"36\"/></w:rPr>"},
        {"Subtitle", "Subtitle", "<w:pPr><w:spacing w:after=\"240\"/></w:pPr><w:rPr><w:sz w:val=\"26\"/></w:rPr>"},
        {"Heading1", "heading 1", "<w:pPr><w:keepNext/><w:spacing w:before=\"360\" w:after=\"120\"/>"
                                  "<w:outlineLvl w:val=\"0\"/></w:pPr><w:rPr><w:b/><w:sz w:val=\"28\"/></w:rPr>"},
        {"TableTitle", "Table Title", "<w:pPr><w:keepNext/><w:spacing w:before=\"240\" w:after=\"80\"/></w:pPr>"
                                      "<w:rPr><w:b/></w:rPr>"},
        {"TableText", "Table Text", "<w:pPr><w:spacing w:before=\"20\" w:after=\"20\"/></w:pPr>"
                                    "<w:rPr><w:sz w:val=\"18\"/></w:rPr>"},
        {"TableNote", "Table Note", "<w:pPr><w:spacing w:before=\"60\" w:after=\"60\"/></w:pPr>"
                                    "<w:rPr><w:sz w:val=\"16\"/></w:rPr>"},
    };
    textbuf_string(b, XML_HEAD "<w:styles xmlns:w=\"" W_NS "\"><w:docDefaults><w:rPrDefault><w:rPr>"
               "<w:rFonts w:ascii=\"Arial\" w:hAnsi=\"Arial\" w:eastAsia=\"Arial\" w:cs=\"Arial\"/>"
               "<w:sz w:val=\"20\"/><w:szCs w:val=\"20\"/><w:lang w:val=\"en-GB\"/></w:rPr></w:rPrDefault>"
               "<w:pPrDefault><w:pPr><w:spacing w:after=\"0\" w:line=\"240\" w:lineRule=\"auto\"/></w:pPr>"
               "</w:pPrDefault></w:docDefaults>");
    for (size_t i = 0; i < sizeof styles / sizeof styles[0]; i++)
        xml_printf(b, "<w:style w:type=\"paragraph\"%s w:styleId=\"%s\"><w:name w:val=\"%s\"/>%s%s<w:qFormat/>%s"
                      "</w:style>",
                   i == 0 ? " w:default=\"1\"" : "", styles[i].id, styles[i].name,
                   i == 0 ? "" : "<w:basedOn w:val=\"Normal\"/>", i == 0 ? "" : "<w:next w:val=\"Normal\"/>",
                   styles[i].properties);
    textbuf_string(b, "</w:styles>");
}

static void core_part(const document *d, textbuf *b)
{
    char date[11];
    text_format_date(d->day, date);
    textbuf_string(b, XML_HEAD "<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/"
               "core-properties\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/"
               "terms/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><dc:title>");
    xml_escaped(b, d->title);
    xml_printf(b, "</dc:title><dc:creator>embolo</dc:creator><dcterms:created xsi:type=\"dcterms:W3CDTF\">"
                  "%sT00:00:00Z</dcterms:created><dcterms:modified xsi:type=\"dcterms:W3CDTF\">%sT00:00:00Z"
                  "</dcterms:modified></cp:coreProperties>",
               date, date);
}

static void app_part(const document *d, textbuf *b)
{
    textbuf_string(b, XML_HEAD "<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/"
               "extended-properties\"><Application>embolo ");
    xml_escaped(b, d->build.in->version ? d->build.in->version : "");
    textbuf_string(b, "</Application></Properties>");
}

static const char content_types[] =
    XML_HEAD "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
    "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
    "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
    "<Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument."
    "wordprocessingml.document.main+xml\"/>"
    "<Override PartName=\"/word/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument."
    "wordprocessingml.styles+xml\"/>"
    "<Override PartName=\"/word/settings.xml\" ContentType=\"application/vnd.openxmlformats-officedocument."
    "wordprocessingml.settings+xml\"/>"
    "<Override PartName=\"/docProps/core.xml\" ContentType=\"application/vnd.openxmlformats-package."
    "core-properties+xml\"/>"
    "<Override PartName=\"/docProps/app.xml\" ContentType=\"application/vnd.openxmlformats-officedocument."
    "extended-properties+xml\"/></Types>";

static const char package_relationships[] =
    XML_HEAD "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Type=\"" R_NS "/officeDocument\" Target=\"word/document.xml\"/>"
    "<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/package/2006/relationships/metadata/"
    "core-properties\" Target=\"docProps/core.xml\"/>"
    "<Relationship Id=\"rId3\" Type=\"" R_NS "/extended-properties\" Target=\"docProps/app.xml\"/>"
    "</Relationships>";

static const char document_relationships[] =
    XML_HEAD "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Type=\"" R_NS "/styles\" Target=\"styles.xml\"/>"
    "<Relationship Id=\"rId2\" Type=\"" R_NS "/settings\" Target=\"settings.xml\"/></Relationships>";

static const char settings[] =
    XML_HEAD "<w:settings xmlns:w=\"" W_NS "\"><w:defaultTabStop w:val=\"720\"/>"
    "<w:characterSpacingControl w:val=\"doNotCompress\"/><w:compat><w:compatSetting w:name=\"compatibilityMode\" "
    "w:uri=\"http://schemas.microsoft.com/office/word\" w:val=\"15\"/></w:compat></w:settings>";

/* ---- the package ---- */

/* Adds one part to the zip, dated 1980-01-01 (the earliest zip date: no clock). */
static int zip_part(zipFile zip, const char *name, const char *data, size_t length)
{
    zip_fileinfo info;
    memset(&info, 0, sizeof info);
    info.tmz_date.tm_mday = 1;
    info.tmz_date.tm_year = 1980;
    int ok = zipOpenNewFileInZip64(zip, name, &info, NULL, 0, NULL, 0, NULL, Z_DEFLATED, 6, 0) == ZIP_OK;
    ok = ok && zipWriteInFileInZip(zip, data, (unsigned)length) == ZIP_OK;
    return zipCloseFileInZip(zip) == ZIP_OK && ok;
}

typedef struct docx_parts {
    textbuf document, styles, core, app;
} docx_parts;

static int parts_make(const document *d, docx_parts *p)
{
    docx_writer w = {.d = d};
    document_part(&w, &p->document);
    textbuf_free(&w.body);
    styles_part(&p->styles);
    core_part(d, &p->core);
    app_part(d, &p->app);
    return !p->document.failed && !p->styles.failed && !p->core.failed && !p->app.failed;
}

static void parts_free(docx_parts *p)
{
    textbuf_free(&p->document);
    textbuf_free(&p->styles);
    textbuf_free(&p->core);
    textbuf_free(&p->app);
}

static int package_write(zipFile zip, const docx_parts *p)
{
    const struct {
        const char *name, *data;
        size_t length;
    } parts[] = {
        {"[Content_Types].xml", content_types, sizeof content_types - 1},
        {"_rels/.rels", package_relationships, sizeof package_relationships - 1},
        {"docProps/core.xml", p->core.data, p->core.n},
        {"docProps/app.xml", p->app.data, p->app.n},
        {"word/document.xml", p->document.data, p->document.n},
        {"word/_rels/document.xml.rels", document_relationships, sizeof document_relationships - 1},
        {"word/styles.xml", p->styles.data, p->styles.n},
        {"word/settings.xml", settings, sizeof settings - 1},
    };
    int ok = 1;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0] && ok; i++)
        ok = zip_part(zip, parts[i].name, parts[i].data, parts[i].length);
    return ok;
}

embolo_error docx_write(const document *d, const char *path, char *message, size_t message_size)
{
    docx_parts parts = {0};
    embolo_error err = EMBOLO_OK;
    if (!parts_make(d, &parts)) {
        snprintf(message, message_size, "%s: out of memory while writing the Word document", path);
        parts_free(&parts);
        return EMBOLO_ERROR_NOMEM;
    }
    /* The system's reason of the first step that failed (EIO when the library gives none). */
    int error = 0;
    errno = 0;
    zipFile zip = zipOpen64(path, APPEND_STATUS_CREATE);
    if (!zip)
        error = errno ? errno : EIO;
    else {
        errno = 0;
        if (!package_write(zip, &parts))
            error = errno ? errno : EIO;
        errno = 0;
        if (zipClose(zip, NULL) != ZIP_OK && !error)
            error = errno ? errno : EIO;
    }
    if (error) {
        snprintf(message, message_size, "%s: cannot write: %s", path, strerror(error));
        err = EMBOLO_ERROR_OUTPUT;
    }
    parts_free(&parts);
    return err;
}
