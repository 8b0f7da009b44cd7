#include "ingest.h"

#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cpus.h"
#include "common/sha256.h"
#include "common/text.h"

/* Bounds on input-sized allocations: beyond them the input is refused, not read. */
#define INGEST_MAX_COLUMNS 10000u
#define INGEST_MAX_FIELD (16u * 1024u * 1024u)
#define INGEST_MAX_RECORDS 50000000u
#define INGEST_MAX_TEXT ((size_t)4 * 1024 * 1024 * 1024)
#define INGEST_MAX_INPUT ((size_t)4 * 1024 * 1024 * 1024)
_Static_assert(INGEST_MAX_TEXT - 1 <= UINT32_MAX, "a cell's offset into the text fits in 32 bits");
/* Bytes read and handed to libcsv at a time: the field limit is checked after each piece. */
#define INGEST_CHUNK ((size_t)65536)
/* The second part of a split read is read and kept in blocks of this size (aligned on it in the file). */
#define INGEST_BLOCK ((size_t)1024 * 1024)

struct ingest_table {
    size_t n_wanted;
    size_t n_records;
    size_t record_capacity;
    uint32_t *offsets;        /* [n_records * n_wanted] into text (at most INGEST_MAX_TEXT: 32 bits) */
    uint32_t *lengths;        /* [n_records * n_wanted] */
    unsigned char *malformed; /* [n_records] */
    char *text;
    size_t text_used, text_capacity;
    char **header;
    size_t n_header;
    long *column_of_header;   /* header index -> wanted index, -1 if unused */
    unsigned char *present;   /* [n_wanted] 0 for an optional column the header lacks */
    char **unused;
    size_t n_unused;
    /* A split read's second part: records from tail_first on are tail's (its cells and text its own,
     * its header borrowed while it is read). No tail: tail_first is SIZE_MAX. */
    struct ingest_table *tail;
    size_t tail_first;
};

/* libcsv callback state. */
typedef struct ingest_reader {
    ingest_table *table;
    const char *path;
    const char *const *wanted;
    const unsigned char *optional;
    char delimiter;
    char header_separator;    /* another separator the header's first field holds, 0 if none */
    int in_header;
    size_t field_index;
    embolo_error error;
    char *message;
    size_t message_size;
} ingest_reader;

static void reader_fail(ingest_reader *reader, embolo_error err, const char *format, ...)
{
    va_list args;
    char reason[512];
    if (reader->error != EMBOLO_OK)
        return;
    reader->error = err;
    if (reader->message_size == 0)
        return;
    va_start(args, format);
    vsnprintf(reason, sizeof reason, format, args);
    va_end(args);
    snprintf(reader->message, reader->message_size, "%s: %s", reader->path, reason);
}

static int header_add(ingest_reader *reader, const char *field, size_t length)
{
    ingest_table *t = reader->table;
    if (t->n_header >= INGEST_MAX_COLUMNS) {
        reader_fail(reader, EMBOLO_ERROR_TOO_LARGE, "the header has more than %u columns", INGEST_MAX_COLUMNS);
        return 0;
    }
    if (t->n_header % 64 == 0) {
        char **grown = realloc(t->header, (t->n_header + 64) * sizeof *grown);
        if (!grown) {
            reader_fail(reader, EMBOLO_ERROR_NOMEM, "out of memory");
            return 0;
        }
        t->header = grown;
    }
    char *name = malloc(length + 1);
    if (!name) {
        reader_fail(reader, EMBOLO_ERROR_NOMEM, "out of memory");
        return 0;
    }
    if (!text_normalize(field, length, name, length + 1))
        name[0] = '\0';
    t->header[t->n_header++] = name;
    return 1;
}

static int records_grow(ingest_reader *reader)
{
    ingest_table *t = reader->table;
    size_t capacity = t->record_capacity ? t->record_capacity * 2 : 1024;
    if (t->n_records >= INGEST_MAX_RECORDS) {
        reader_fail(reader, EMBOLO_ERROR_TOO_LARGE, "more than %u records", INGEST_MAX_RECORDS);
        return 0;
    }
    size_t cells = capacity * (t->n_wanted ? t->n_wanted : 1);
    uint32_t *offsets = realloc(t->offsets, cells * sizeof *offsets);
    if (offsets)
        t->offsets = offsets;
    uint32_t *lengths = realloc(t->lengths, cells * sizeof *lengths);
    if (lengths)
        t->lengths = lengths;
    unsigned char *malformed = realloc(t->malformed, capacity);
    if (malformed)
        t->malformed = malformed;
    if (!offsets || !lengths || !malformed) {
        reader_fail(reader, EMBOLO_ERROR_NOMEM, "out of memory");
        return 0;
    }
    t->record_capacity = capacity;
    return 1;
}

/* Starts a record: every wanted cell empty until its field arrives. */
static int record_begin(ingest_reader *reader)
{
    ingest_table *t = reader->table;
    if (t->n_records == t->record_capacity && !records_grow(reader))
        return 0;
    for (size_t c = 0; c < t->n_wanted; c++) {
        t->offsets[t->n_records * t->n_wanted + c] = 0;
        t->lengths[t->n_records * t->n_wanted + c] = 0;
    }
    t->malformed[t->n_records] = 0;
    return 1;
}

/* Copies a field into the table's text: EMBOLO_OK, TOO_LARGE beyond INGEST_MAX_TEXT or NOMEM. */
static embolo_error table_append_text(ingest_table *t, const char *field, size_t length, size_t *offset)
{
    if (t->text_used + length + 1 > t->text_capacity) {
        size_t capacity = t->text_capacity ? t->text_capacity : 65536;
        while (capacity < t->text_used + length + 1)
            capacity *= 2;
        if (capacity > INGEST_MAX_TEXT)
            return EMBOLO_ERROR_TOO_LARGE;
        char *grown = realloc(t->text, capacity);
        if (!grown)
            return EMBOLO_ERROR_NOMEM;
        t->text = grown;
        t->text_capacity = capacity;
    }
    memcpy(t->text + t->text_used, field, length);
    t->text[t->text_used + length] = '\0';
    *offset = t->text_used;
    t->text_used += length + 1;
    return EMBOLO_OK;
}

static int text_append(ingest_reader *reader, const char *field, size_t length, size_t *offset)
{
    embolo_error err = table_append_text(reader->table, field, length, offset);
    if (err == EMBOLO_ERROR_TOO_LARGE)
        reader_fail(reader, err, "the needed columns hold more than %zu GiB", INGEST_MAX_TEXT >> 30);
    else if (err != EMBOLO_OK)
        reader_fail(reader, err, "out of memory");
    return err == EMBOLO_OK;
}

/* The separator (',', ';' or tab, not the delimiter) that a field holds most often; 0 for none. */
static char other_separator(const char *field, size_t length, char delimiter)
{
    static const char separators[] = {',', ';', '\t'};
    size_t best_count = 0;
    char best = 0;
    for (size_t k = 0; k < sizeof separators; k++) {
        size_t count = 0;
        for (size_t i = 0; i < length; i++)
            count += field[i] == separators[k];
        if (separators[k] != delimiter && count > best_count) {
            best_count = count;
            best = separators[k];
        }
    }
    return best;
}

static const char *separator_name(char separator)
{
    return separator == '\t' ? "tab" : separator == ';' ? ";" : ",";
}

static void on_field(void *field, size_t length, void *data)
{
    ingest_reader *reader = data;
    ingest_table *t = reader->table;
    if (reader->error != EMBOLO_OK)
        return;
    if (length > INGEST_MAX_FIELD) {
        reader_fail(reader, EMBOLO_ERROR_TOO_LARGE, "a field of record %zu is larger than 16 MiB",
                    t->n_records + (reader->in_header ? 0 : 1));
        return;
    }
    if (reader->in_header) {
        if (reader->field_index == 0)
            reader->header_separator = other_separator(field ? field : "", length, reader->delimiter);
        header_add(reader, field ? field : "", length);
        reader->field_index++;
        return;
    }
    if (reader->field_index == 0 && !record_begin(reader))
        return;
    if (reader->field_index < t->n_header && t->column_of_header[reader->field_index] >= 0) {
        size_t cell = t->n_records * t->n_wanted + (size_t)t->column_of_header[reader->field_index];
        size_t offset;
        if (!text_append(reader, field ? field : "", length, &offset))
            return;
        t->offsets[cell] = (uint32_t)offset;
        t->lengths[cell] = (uint32_t)length;
    }
    reader->field_index++;
}

static embolo_error header_resolve(ingest_reader *reader)
{
    ingest_table *t = reader->table;
    t->column_of_header = malloc((t->n_header ? t->n_header : 1) * sizeof *t->column_of_header);
    t->unused = calloc(t->n_header ? t->n_header : 1, sizeof *t->unused);
    t->present = malloc(t->n_wanted ? t->n_wanted : 1);
    if (!t->column_of_header || !t->unused || !t->present)
        return EMBOLO_ERROR_NOMEM;
    memset(t->present, 1, t->n_wanted);
    for (size_t h = 0; h < t->n_header; h++)
        t->column_of_header[h] = -1;
    for (size_t w = 0; w < t->n_wanted; w++) {
        char name[1024];
        long found = -1;
        if (!text_normalize(reader->wanted[w], strlen(reader->wanted[w]), name, sizeof name))
            name[0] = '\0';
        for (size_t h = 0; h < t->n_header && found < 0; h++)
            if (strcmp(t->header[h], name) == 0)
                found = (long)h;
        if (found < 0 && reader->optional && reader->optional[w]) {
            t->present[w] = 0;
            continue;
        }
        if (found < 0 && t->n_header == 1 && reader->header_separator) {
            reader_fail(reader, EMBOLO_ERROR_DATA, "the header is one field and the file seems to be separated by "
                        "'%s', not '%s': set delimiter = %s in [study] (the column '%s' is not found)",
                        separator_name(reader->header_separator), separator_name(reader->delimiter),
                        separator_name(reader->header_separator), reader->wanted[w]);
            return reader->error;
        }
        if (found < 0) {
            reader_fail(reader, EMBOLO_ERROR_DATA, "the header lacks the column '%s' that the study file needs",
                        reader->wanted[w]);
            return reader->error;
        }
        for (size_t h = (size_t)found + 1; h < t->n_header; h++)
            if (strcmp(t->header[h], name) == 0) {
                reader_fail(reader, EMBOLO_ERROR_DATA, "the column '%s' that the study file needs appears twice in "
                            "the header (columns %ld and %zu)", reader->wanted[w], found + 1, h + 1);
                return reader->error;
            }
        if (t->column_of_header[found] < 0)
            t->column_of_header[found] = (long)w;
    }
    for (size_t h = 0; h < t->n_header; h++)
        if (t->column_of_header[h] < 0)
            t->unused[t->n_unused++] = t->header[h];
    return EMBOLO_OK;
}

static void on_record(int terminator, void *data)
{
    ingest_reader *reader = data;
    ingest_table *t = reader->table;
    (void)terminator;
    if (reader->error != EMBOLO_OK)
        return;
    if (reader->in_header) {
        reader->in_header = 0;
        reader->field_index = 0;
        embolo_error err = header_resolve(reader);
        if (err != EMBOLO_OK && reader->error == EMBOLO_OK)
            reader_fail(reader, err, "out of memory");
        return;
    }
    if (reader->field_index == 0 && !record_begin(reader))
        return;
    t->malformed[t->n_records] = reader->field_index != t->n_header;
    t->n_records++;
    reader->field_index = 0;
}

static embolo_error reader_finish(ingest_reader *reader, struct csv_parser *parser)
{
    if (csv_fini(parser, on_field, on_record, reader) != 0 && reader->error == EMBOLO_OK)
        reader_fail(reader, EMBOLO_ERROR_DATA, "cannot finish parsing the CSV");
    if (reader->error != EMBOLO_OK)
        return reader->error;
    if (reader->in_header) {
        reader_fail(reader, EMBOLO_ERROR_DATA, "the file is empty: no header");
        return reader->error;
    }
    return EMBOLO_OK;
}

/* A quote still open at the end of the file makes the last record malformed. The scan follows
 * libcsv's lenient rules: white space may precede an opening quote, and a closing quote followed by
 * anything but a delimiter, a line end or white space is taken literally and the field stays quoted
 * (so `"a"b` swallows the following lines). */
typedef enum quote_state { FIELD_START, UNQUOTED, QUOTED, QUOTE_SEEN } quote_state;

static int ends_field(char c, char delimiter)
{
    return c == delimiter || c == '\n' || c == '\r';
}

static quote_state quote_step(quote_state state, char c, char delimiter)
{
    int end = ends_field(c, delimiter), space = (c == ' ' || c == '\t') && c != delimiter;
    switch (state) {
    case FIELD_START:
        return c == '"' ? QUOTED : end || space ? FIELD_START : UNQUOTED;
    case UNQUOTED:
        return end ? FIELD_START : UNQUOTED;
    case QUOTED:
        return c == '"' ? QUOTE_SEEN : QUOTED;
    case QUOTE_SEEN:
        return end ? FIELD_START : space ? QUOTE_SEEN : QUOTED;
    }
    return state;
}

/* quote_step over n bytes with no quote character: such bytes cannot open a quoted field, and each end
 * of field among them leaves FIELD_START (from any state but QUOTED), so only the bytes after the last
 * one are stepped through. */
static quote_state quote_plain(quote_state state, const char *data, size_t n, char delimiter)
{
    size_t i = 0;
    for (; i < n && state == QUOTE_SEEN; i++)
        state = quote_step(state, data[i], delimiter);
    if (state == QUOTED)
        return QUOTED;
    for (size_t k = n; k-- > i;)
        if (ends_field(data[k], delimiter)) {
            state = FIELD_START;
            i = k + 1;
            break;
        }
    for (; i < n; i++)
        state = quote_step(state, data[i], delimiter);
    return state;
}

/* quote_step over n bytes, a stretch between quote characters at a time (quote_step on every byte was
 * 6% of a check run). */
static quote_state quote_run(quote_state state, const char *data, size_t n, char delimiter)
{
    while (n > 0) {
        const char *quote = memchr(data, '"', n);
        size_t plain = quote ? (size_t)(quote - data) : n;
        state = quote_plain(state, data, plain, delimiter);
        if (!quote)
            break;
        state = quote_step(state, '"', delimiter);
        data += plain + 1;
        n -= plain + 1;
    }
    return state;
}

static embolo_error table_new(size_t n_wanted, ingest_table **out)
{
    *out = calloc(1, sizeof **out);
    if (!*out)
        return EMBOLO_ERROR_NOMEM;
    (*out)->n_wanted = n_wanted;
    (*out)->tail_first = SIZE_MAX;
    return EMBOLO_OK;
}

/* The table holding record *record, and the record's index in it. */
static ingest_table *table_segment(const ingest_table *table, size_t *record)
{
    if (*record < table->tail_first)
        return (ingest_table *)table;
    *record -= table->tail_first;
    return table->tail;
}

/* The CSV fed to libcsv in pieces as it is read, so that the field limit stops the read: libcsv
 * holds a field (an open quote: all the rest of the file) until it ends. */
typedef struct ingest_stream {
    struct csv_parser parser;
    int parser_ready;
    ingest_reader reader;
    quote_state quote;
    unsigned char head[3];  /* the first bytes, held until a BOM is told from data */
    size_t n_head;
    int head_done;
} ingest_stream;

static embolo_error stream_begin(ingest_stream *s, const char *path, const ingest_options *options,
                                 const char *const *wanted, size_t n_wanted, char *message, size_t message_size)
{
    char delimiter = options && options->delimiter ? options->delimiter : ',';
    *s = (ingest_stream){.reader = {.path = path, .wanted = wanted, .optional = options ? options->optional : NULL,
                                    .delimiter = delimiter, .in_header = 1, .message = message,
                                    .message_size = message_size},
                         .quote = FIELD_START};
    if (message_size)
        message[0] = '\0';
    embolo_error err = table_new(n_wanted, &s->reader.table);
    if (err == EMBOLO_OK && csv_init(&s->parser, CSV_APPEND_NULL) != 0)
        err = EMBOLO_ERROR_NOMEM;
    s->parser_ready = err == EMBOLO_OK;
    /* libcsv grows a field's buffer by this much at a time (128 bytes by default). */
    if (s->parser_ready) {
        csv_set_blk_size(&s->parser, INGEST_CHUNK);
        csv_set_delim(&s->parser, (unsigned char)delimiter);
    }
    if (err != EMBOLO_OK)
        reader_fail(&s->reader, err, "out of memory");
    return err;
}

/* check 0: the field limit is not checked after the pieces (a split read's first part ends where the
 * one-pass read does not check it). */
static embolo_error stream_parse(ingest_stream *s, const char *data, size_t length, int check)
{
    ingest_reader *reader = &s->reader;
    for (size_t done = 0; done < length && reader->error == EMBOLO_OK;) {
        size_t piece = length - done < INGEST_CHUNK ? length - done : INGEST_CHUNK;
        s->quote = quote_run(s->quote, data + done, piece, reader->delimiter);
        if (csv_parse(&s->parser, data + done, piece, on_field, on_record, reader) != piece) {
            int nomem = csv_error(&s->parser) == CSV_ENOMEM;
            reader_fail(reader, nomem ? EMBOLO_ERROR_NOMEM : EMBOLO_ERROR_DATA, "cannot parse the CSV: %s",
                        csv_strerror(csv_error(&s->parser)));
        }
        if (check && s->parser.entry_pos > INGEST_MAX_FIELD)
            reader_fail(reader, EMBOLO_ERROR_TOO_LARGE, "a field of record %zu is larger than 16 MiB",
                        reader->table->n_records + (reader->in_header ? 0 : 1));
        done += piece;
    }
    return reader->error;
}

/* Feeds the next bytes of the file; a UTF-8 BOM at its start is skipped. check: as stream_parse's. */
static embolo_error stream_feed(ingest_stream *s, const char *data, size_t length, int check)
{
    while (!s->head_done && length > 0) {
        s->head[s->n_head++] = (unsigned char)*data++;
        length--;
        if (s->n_head == 3) {
            s->head_done = 1;
            if (memcmp(s->head, "\xEF\xBB\xBF", 3) != 0 && stream_parse(s, (const char *)s->head, 3, 1) != EMBOLO_OK)
                return s->reader.error;
        }
    }
    return stream_parse(s, data, length, check);
}

/* Ends the file: the table in *out, or the first error. */
static embolo_error stream_end(ingest_stream *s, ingest_table **out)
{
    ingest_reader *reader = &s->reader;
    if (!s->head_done && reader->error == EMBOLO_OK)
        stream_parse(s, (const char *)s->head, s->n_head, 1);
    if (reader->error == EMBOLO_OK)
        reader_finish(reader, &s->parser);
    /* A quote still open at the end of the file makes the last record malformed. */
    if (reader->error == EMBOLO_OK && s->quote == QUOTED && reader->table->n_records > 0) {
        size_t last = reader->table->n_records - 1;
        ingest_table *segment = table_segment(reader->table, &last);
        segment->malformed[last] = 1;
    }
    if (reader->error == EMBOLO_OK) {
        *out = reader->table;
        reader->table = NULL;
    }
    if (s->parser_ready)
        csv_free(&s->parser);
    ingest_table_free(reader->table);
    reader->table = NULL;
    if (reader->error == EMBOLO_ERROR_NOMEM && reader->message_size)
        snprintf(reader->message, reader->message_size, "out of memory while reading %s", reader->path);
    return reader->error;
}

embolo_error ingest_parse_with(const char *data, size_t length, const char *path, const ingest_options *options,
                               const char *const *wanted, size_t n_wanted, ingest_table **out, char *message,
                               size_t message_size)
{
    ingest_stream stream;
    *out = NULL;
    if (stream_begin(&stream, path, options, wanted, n_wanted, message, message_size) == EMBOLO_OK)
        stream_feed(&stream, data, length, 1);
    return stream_end(&stream, out);
}

embolo_error ingest_parse_delimited(const char *data, size_t length, const char *path, char delimiter,
                                    const char *const *wanted, size_t n_wanted, ingest_table **out,
                                    char *message, size_t message_size)
{
    ingest_options options = {.delimiter = delimiter};
    return ingest_parse_with(data, length, path, &options, wanted, n_wanted, out, message, message_size);
}

embolo_error ingest_parse(const char *data, size_t length, const char *path, const char *const *wanted,
                          size_t n_wanted, ingest_table **out, char *message, size_t message_size)
{
    return ingest_parse_with(data, length, path, NULL, wanted, n_wanted, out, message, message_size);
}

/* One piece of the input as it is read: counted against the input limit, hashed (hash NULL: not),
 * parsed (check: as stream_parse's). */
static void stream_take(ingest_stream *s, const char *data, size_t length, size_t *total, sha256_state *hash,
                        int check)
{
    *total += length;
    if (*total > INGEST_MAX_INPUT) {
        reader_fail(&s->reader, EMBOLO_ERROR_TOO_LARGE, "the input file is larger than %zu GiB",
                    INGEST_MAX_INPUT >> 30);
        return;
    }
    if (hash)
        sha256_update(hash, data, length);
    stream_feed(s, data, length, check);
}

/* read(2) of up to length bytes, again when interrupted; a failure is the reader's error. */
static ssize_t read_piece(ingest_reader *reader, int fd, char *buffer, size_t length)
{
    ssize_t got;
    do
        got = read(fd, buffer, length);
    while (got < 0 && errno == EINTR);
    if (got < 0)
        reader_fail(reader, EMBOLO_ERROR_FILE_NOT_FOUND, "cannot read the input file: %s", strerror(errno));
    return got;
}

/* Reads fd to its end in pieces, hashing and parsing each; total: the bytes taken before. */
static embolo_error stream_read(ingest_stream *s, int fd, sha256_state *hash, size_t total)
{
    ingest_reader *reader = &s->reader;
    char *buffer = malloc(INGEST_CHUNK);
    if (!buffer)
        reader_fail(reader, EMBOLO_ERROR_NOMEM, "out of memory");
    while (buffer && reader->error == EMBOLO_OK) {
        ssize_t got = read_piece(reader, fd, buffer, INGEST_CHUNK);
        if (got <= 0)
            break;
        stream_take(s, buffer, (size_t)got, &total, hash, 1);
    }
    free(buffer);
    return reader->error;
}

/* stream_take over bytes that follow the *total taken, in pieces that end where the one-pass read's
 * of a regular file do (at multiples of INGEST_CHUNK), so that the field limit is checked at the same
 * places. */
static void stream_take_aligned(ingest_stream *s, const char *data, size_t length, size_t *total,
                                sha256_state *hash)
{
    while (length > 0 && s->reader.error == EMBOLO_OK) {
        size_t piece = INGEST_CHUNK - *total % INGEST_CHUNK;
        if (piece > length)
            piece = length;
        stream_take(s, data, piece, total, hash, 1);
        data += piece;
        length -= piece;
    }
}

/* Reads up to length bytes at offset, fewer only at the end of the file; -1 on a read error. */
static ssize_t read_at(int fd, char *buffer, size_t length, size_t offset)
{
    size_t done = 0;
    while (done < length) {
        ssize_t got = pread(fd, buffer + done, length - done, (off_t)(offset + done));
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return -1;
        if (got == 0)
            break;
        done += (size_t)got;
    }
    return (ssize_t)done;
}

/* Bytes of a split read's second part, kept in file order. */
typedef struct ingest_block {
    struct ingest_block *next;
    size_t length;
    char data[];
} ingest_block;

/* A split read's second part: the bytes from start to the end of the file, read and parsed on a
 * thread of its own into a table of its own (the first part's header borrowed), and kept to be
 * hashed after the first part's or, when the parts cannot be joined, parsed after it. */
typedef struct ingest_part {
    ingest_stream stream;
    char message[512];
    int fd;
    size_t start;
    pthread_t thread;
    int tried, started;          /* part_start was called; the thread runs */
    pthread_mutex_t lock;
    pthread_cond_t grown;
    ingest_block *first, *last;  /* guarded by lock */
    int ended, stop;             /* guarded by lock: the thread is done; it is asked to stop */
    int complete;                /* read and parsed to the end of the file with no error (set before ended) */
} ingest_part;

/* Reads and parses the part a block at a time, adding each block to the part, until the end of the
 * file, an error or a stop. */
static void *part_run(void *arg)
{
    ingest_part *p = arg;
    ingest_reader *reader = &p->stream.reader;
    size_t offset = p->start;
    int more = 1, at_end = 0;
    while (more) {
        size_t want = INGEST_BLOCK - offset % INGEST_BLOCK;
        ingest_block *block = malloc(sizeof *block + want);
        ssize_t got = block ? read_at(p->fd, block->data, want, offset) : 0;
        if (!block)
            reader_fail(reader, EMBOLO_ERROR_NOMEM, "out of memory");
        else if (got < 0)
            reader_fail(reader, EMBOLO_ERROR_FILE_NOT_FOUND, "cannot read the input file: %s", strerror(errno));
        if (got > 0) {
            block->next = NULL;
            block->length = (size_t)got;
            stream_take_aligned(&p->stream, block->data, block->length, &offset, NULL);
        }
        at_end = got >= 0 && (size_t)got < want;
        more = !at_end && reader->error == EMBOLO_OK;
        pthread_mutex_lock(&p->lock);
        if (got > 0 && p->last)
            p->last->next = block;
        else if (got > 0)
            p->first = block;
        if (got > 0)
            p->last = block;
        else
            free(block);
        more = more && !p->stop;
        pthread_cond_signal(&p->grown);
        pthread_mutex_unlock(&p->lock);
    }
    if (at_end && reader->error == EMBOLO_OK)
        reader_finish(reader, &p->stream.parser);
    pthread_mutex_lock(&p->lock);
    p->complete = at_end && reader->error == EMBOLO_OK;
    p->ended = 1;
    pthread_cond_signal(&p->grown);
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

/* Starts the part's thread once the first part's header is read: its stream begins at a record, with
 * that header's columns. */
static void part_start(ingest_part *p, const ingest_stream *first)
{
    const ingest_reader *r = &first->reader;
    ingest_options options = {.delimiter = r->delimiter};
    p->tried = 1;
    if (stream_begin(&p->stream, r->path, &options, r->wanted, r->table->n_wanted, p->message,
                     sizeof p->message) != EMBOLO_OK)
        return;
    p->stream.head_done = 1;
    p->stream.reader.in_header = 0;
    p->stream.reader.table->n_header = r->table->n_header;
    p->stream.reader.table->column_of_header = r->table->column_of_header;
    p->started = pthread_create(&p->thread, NULL, part_run, p) == 0;
}

/* The part's blocks hashed as its thread adds them, until it ends; returns how many. */
static size_t part_hash(ingest_part *p, sha256_state *hash)
{
    ingest_block *done = NULL;
    size_t n = 0;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        ingest_block *next = done ? done->next : p->first;
        if (!next && p->ended)
            break;
        if (!next) {
            pthread_cond_wait(&p->grown, &p->lock);
            continue;
        }
        pthread_mutex_unlock(&p->lock);
        sha256_update(hash, next->data, next->length);
        done = next;
        n++;
        pthread_mutex_lock(&p->lock);
    }
    pthread_mutex_unlock(&p->lock);
    return n;
}

/* Ends the part's thread: at once (stop) or when it has read to the end of the file. */
static void part_wait(ingest_part *p, int stop)
{
    if (!p->started)
        return;
    pthread_mutex_lock(&p->lock);
    p->stop = p->stop || stop;
    pthread_mutex_unlock(&p->lock);
    pthread_join(p->thread, NULL);
    p->started = 0;
}

static void part_free(ingest_part *p)
{
    ingest_table *table = p->stream.reader.table;
    while (p->first) {
        ingest_block *next = p->first->next;
        free(p->first);
        p->first = next;
    }
    if (p->stream.parser_ready)
        csv_free(&p->stream.parser);
    if (table) {
        table->column_of_header = NULL;
        table->n_header = 0;
    }
    ingest_table_free(table);
    p->stream.reader.table = NULL;
}

/* The first part parsed to exactly the start of a record, where the part's parse began. */
static int stream_at_record_start(const ingest_stream *s)
{
    const struct csv_parser *p = &s->parser;
    /* pstate 0 is libcsv's ROW_NOT_BEGUN: no field of a record seen yet. */
    return s->reader.error == EMBOLO_OK && s->head_done && !s->reader.in_header && s->reader.field_index == 0 &&
           s->quote == FIELD_START && p->pstate == 0 && !p->quoted && p->entry_pos == 0 && p->spaces == 0 &&
           p->status == 0;
}

/* The part's records follow the first part's when the one table would hold them all within its
 * limits; the part's table becomes the first's tail. */
static int stream_join(ingest_stream *s, ingest_part *p)
{
    ingest_table *table = s->reader.table, *tail = p->stream.reader.table;
    if (table->n_records + tail->n_records >= INGEST_MAX_RECORDS || table->text_used > INGEST_MAX_TEXT ||
        tail->text_used > INGEST_MAX_TEXT - table->text_used)
        return 0;
    tail->column_of_header = NULL;
    tail->n_header = 0;
    table->tail = tail;
    table->tail_first = table->n_records;
    table->n_records += tail->n_records;
    p->stream.reader.table = NULL;
    s->quote = p->stream.quote;
    return 1;
}

/* Reads fd up to the part's start (or the end of the file, or an error), starting the part's thread
 * once the header is read; returns 1 when the start is reached. */
static int stream_read_first(ingest_stream *s, int fd, sha256_state *hash, ingest_part *p, size_t *total)
{
    ingest_reader *reader = &s->reader;
    char *buffer = malloc(INGEST_CHUNK);
    if (!buffer)
        reader_fail(reader, EMBOLO_ERROR_NOMEM, "out of memory");
    while (buffer && *total < p->start && reader->error == EMBOLO_OK) {
        if (!p->tried && !reader->in_header)
            part_start(p, s);
        size_t want = INGEST_CHUNK - *total % INGEST_CHUNK;
        if (want > p->start - *total)
            want = p->start - *total;
        ssize_t got = read_piece(reader, fd, buffer, want);
        if (got <= 0)
            break;
        size_t end = *total + (size_t)got;
        /* The piece cut at the start: the one-pass read checks the field limit where the piece ends. */
        stream_take(s, buffer, (size_t)got, total, hash, end != p->start || end % INGEST_CHUNK == 0);
    }
    free(buffer);
    if (!p->tried && !reader->in_header && reader->error == EMBOLO_OK && *total == p->start)
        part_start(p, s);
    return *total == p->start && reader->error == EMBOLO_OK;
}

/* The part's kept bytes parsed after the first part's (its first `hashed` blocks already hashed), then
 * the rest of fd: the one-pass read from the part's start. */
static void stream_read_rest(ingest_stream *s, int fd, sha256_state *hash, const ingest_part *p, size_t hashed,
                             size_t total)
{
    size_t k = 0;
    for (const ingest_block *b = p->first; b && s->reader.error == EMBOLO_OK; b = b->next, k++)
        stream_take_aligned(s, b->data, b->length, &total, k < hashed ? NULL : hash);
    if (s->reader.error == EMBOLO_OK && lseek(fd, (off_t)total, SEEK_SET) < 0)
        reader_fail(&s->reader, EMBOLO_ERROR_FILE_NOT_FOUND, "cannot read the input file: %s", strerror(errno));
    if (s->reader.error == EMBOLO_OK)
        stream_read(s, fd, hash, total);
}

/* The split read of a regular file whose second part starts at `start`. */
static embolo_error stream_read_split(ingest_stream *s, int fd, sha256_state *hash, size_t start)
{
    ingest_part part = {.fd = fd, .start = start};
    size_t total = 0, hashed = 0;
    if (pthread_mutex_init(&part.lock, NULL) != 0)
        return stream_read(s, fd, hash, 0);
    if (pthread_cond_init(&part.grown, NULL) != 0) {
        pthread_mutex_destroy(&part.lock);
        return stream_read(s, fd, hash, 0);
    }
    int reached = stream_read_first(s, fd, hash, &part, &total);
    int joinable = reached && part.started && stream_at_record_start(s);
    if (joinable)
        hashed = part_hash(&part, hash);
    part_wait(&part, !joinable);
    if (!(joinable && part.complete && stream_join(s, &part)) && reached)
        stream_read_rest(s, fd, hash, &part, hashed, total);
    part_free(&part);
    pthread_cond_destroy(&part.grown);
    pthread_mutex_destroy(&part.lock);
    return s->reader.error;
}

/* Where a split read's second part starts: after the first line end at or after INGEST_SPLIT_PERCENT
 * of the file, looked for in the INGEST_CHUNK bytes there; 0 (read in one pass) for standard input, a
 * file that is not regular, or small, or too large, one thread, or no line end found. */
static size_t split_start(int fd, int from_stdin, const ingest_options *options)
{
    struct stat status;
    size_t threads = options && options->threads ? options->threads : cpus_online();
    size_t split_min = options && options->split_min ? options->split_min : INGEST_SPLIT_MIN;
    if (from_stdin || threads < 2 || fstat(fd, &status) != 0 || !S_ISREG(status.st_mode) || status.st_size <= 0 ||
        (uintmax_t)status.st_size < split_min || (uintmax_t)status.st_size > INGEST_MAX_INPUT)
        return 0;
    size_t size = (size_t)status.st_size, target = size * INGEST_SPLIT_PERCENT / 100;
    size_t window = size - target < INGEST_CHUNK ? size - target : INGEST_CHUNK;
    char *bytes = malloc(window);
    ssize_t got = bytes ? read_at(fd, bytes, window, target) : -1;
    const char *line_end = got > 0 ? memchr(bytes, '\n', (size_t)got) : NULL;
    size_t start = line_end ? target + (size_t)(line_end - bytes) + 1 : 0;
    free(bytes);
    return start < size ? start : 0;
}

embolo_error ingest_read_with(const char *path, const ingest_options *options, const char *const *wanted,
                              size_t n_wanted, ingest_table **out, char sha256_hex[65], char *message,
                              size_t message_size)
{
    ingest_stream stream;
    sha256_state hash;
    int from_stdin = strcmp(path, "-") == 0;
    int fd = from_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    *out = NULL;
    if (fd < 0) {
        snprintf(message, message_size, "%s: cannot open the input file: %s", path, strerror(errno));
        return EMBOLO_ERROR_FILE_NOT_FOUND;
    }
    int hashed = sha256_init(&hash);
    size_t split = split_start(fd, from_stdin, options);
    int begun = stream_begin(&stream, path, options, wanted, n_wanted, message, message_size) == EMBOLO_OK;
    if (begun && split)
        stream_read_split(&stream, fd, &hash, split);
    else if (begun)
        stream_read(&stream, fd, &hash, 0);
    if (!from_stdin)
        close(fd);
    embolo_error err = stream_end(&stream, out);
    if (err == EMBOLO_OK && sha256_hex)
        hashed = sha256_final_hex(&hash, sha256_hex) && hashed;
    else
        sha256_discard(&hash);
    if (err == EMBOLO_OK && !hashed) {
        ingest_table_free(*out);
        *out = NULL;
        snprintf(message, message_size, "out of memory while reading %s", path);
        err = EMBOLO_ERROR_NOMEM;
    }
    return err;
}

embolo_error ingest_read_hashed(const char *path, char delimiter, const char *const *wanted, size_t n_wanted,
                                ingest_table **out, char sha256_hex[65], char *message, size_t message_size)
{
    ingest_options options = {.delimiter = delimiter};
    return ingest_read_with(path, &options, wanted, n_wanted, out, sha256_hex, message, message_size);
}

embolo_error ingest_read(const char *path, const char *const *wanted, size_t n_wanted, ingest_table **out,
                         char *message, size_t message_size)
{
    return ingest_read_with(path, NULL, wanted, n_wanted, out, NULL, message, message_size);
}

embolo_error ingest_read_delimited(const char *path, char delimiter, const char *const *wanted, size_t n_wanted,
                                   ingest_table **out, char *message, size_t message_size)
{
    return ingest_read_hashed(path, delimiter, wanted, n_wanted, out, NULL, message, message_size);
}

void ingest_table_free(ingest_table *table)
{
    if (!table)
        return;
    for (size_t h = 0; h < table->n_header; h++)
        free(table->header[h]);
    free(table->header);
    free(table->column_of_header);
    free(table->present);
    free(table->unused);
    free(table->offsets);
    free(table->lengths);
    free(table->malformed);
    free(table->text);
    ingest_table_free(table->tail);
    free(table);
}

int ingest_read_parts(const ingest_table *table)
{
    return table->tail ? 2 : 1;
}

void ingest_table_release_records(ingest_table *table)
{
    if (!table)
        return;
    free(table->offsets);
    free(table->lengths);
    free(table->malformed);
    free(table->text);
    table->offsets = NULL;
    table->lengths = NULL;
    table->malformed = NULL;
    table->text = NULL;
    ingest_table_free(table->tail);
    table->tail = NULL;
    table->tail_first = SIZE_MAX;
    table->n_records = 0;
    table->record_capacity = 0;
    table->text_used = 0;
    table->text_capacity = 0;
}

size_t ingest_record_count(const ingest_table *table)
{
    return table->n_records;
}

int ingest_record_malformed(const ingest_table *table, size_t record)
{
    table = table_segment(table, &record);
    return table->malformed[record];
}

const char *ingest_value(const ingest_table *table, size_t record, size_t column, size_t *length)
{
    table = table_segment(table, &record);
    size_t cell = record * table->n_wanted + column;
    *length = table->lengths[cell];
    if (table->lengths[cell] == 0)
        return "";
    return table->text + table->offsets[cell];
}

size_t ingest_unused_column_count(const ingest_table *table)
{
    return table->n_unused;
}

const char *ingest_unused_column(const ingest_table *table, size_t index)
{
    return table->unused[index];
}

int ingest_column_present(const ingest_table *table, size_t column)
{
    return table->present[column];
}

embolo_error ingest_set_value(ingest_table *table, size_t record, size_t column, const char *text, size_t length)
{
    size_t offset, used = table->text_used + (table->tail ? table->tail->text_used : 0);
    if (length > INGEST_MAX_FIELD)
        return EMBOLO_ERROR_TOO_LARGE;
    /* A split read's two texts within the bound of the one text that a read in one pass has. */
    if (table->tail && used + length + 1 > INGEST_MAX_TEXT)
        return EMBOLO_ERROR_TOO_LARGE;
    table = table_segment(table, &record);
    size_t cell = record * table->n_wanted + column;
    embolo_error err = table_append_text(table, text, length, &offset);
    if (err != EMBOLO_OK)
        return err;
    table->offsets[cell] = (uint32_t)offset;
    table->lengths[cell] = (uint32_t)length;
    return EMBOLO_OK;
}
