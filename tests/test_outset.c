/* The output set (pipeline/outset.c, stages/common/outdir.c): in-process tests of the module, then the
 * program attacked: killed (SIGKILL, SIGINT) at random moments of runs slowed by tests/fault_inject.c,
 * overlapping runs, names planted where embolo puts its lock and private directory, a 4,080-character
 * --out, input from a FIFO and standard input, an input replaced while it is read. After every attack
 * --out holds exactly one run's complete set and nothing else, and nothing is left beside it but what
 * a SIGKILL leaves (which the next run removes). Under valgrind the program runs are skipped or few. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/outdir.h"
#include "common/sha256.h"
#include "outset.h"
#include "testutil.h"

#define STUDY "tests/fixtures/data/net_sample_155.study.ini"
#define INPUT "tests/fixtures/data/net_sample_155.csv"
#define SLOW_US "1500"

typedef struct scratch {
    char dir[64];     /* references and inputs */
    char parent[96];  /* holds --out, and nothing else */
    char out[128];
    char err[128];
    char input_b[128];  /* the sample's first 100 records: another input, another set */
} scratch;

static void file_write(const char *path, const char *text, size_t length)
{
    FILE *file = fopen(path, "wb");
    assert_non_null(file);
    assert_int_equal(fwrite(text, 1, length, file), length);
    assert_int_equal(fclose(file), 0);
}

static int scratch_setup(void **state)
{
    scratch *s = calloc(1, sizeof *s);
    if (!s)
        return -1;
    snprintf(s->dir, sizeof s->dir, "/tmp/embolo-outset-XXXXXX");
    if (!mkdtemp(s->dir))
        return -1;
    snprintf(s->parent, sizeof s->parent, "%s/run", s->dir);
    snprintf(s->out, sizeof s->out, "%s/out", s->parent);
    snprintf(s->err, sizeof s->err, "%s.err", s->dir);
    if (mkdir(s->parent, 0755) != 0)
        return -1;
    snprintf(s->input_b, sizeof s->input_b, "%s.b.csv", s->dir);
    size_t length = 0;
    char *text = test_file_read(INPUT, &length);
    if (!text)
        return -1;
    char *end = text;
    for (int line = 0; line < 101 && end; line++)
        end = strchr(end, '\n') ? strchr(end, '\n') + 1 : NULL;
    FILE *file = fopen(s->input_b, "wb");
    int ok = end && file && fwrite(text, 1, (size_t)(end - text), file) == (size_t)(end - text);
    if (file)
        ok = fclose(file) == 0 && ok;
    free(text);
    *state = s;
    return ok ? 0 : -1;
}

static int scratch_teardown(void **state)
{
    scratch *s = *state;
    char command[512];
    snprintf(command, sizeof command, "chmod -R u+rwx '%s' 2>/dev/null; rm -rf '%s' '%s' '%s'", s->dir, s->dir,
             s->err, s->input_b);
    int removed = system(command);
    free(s);
    return removed == 0 ? 0 : -1;
}

static void path_join(char *out, size_t size, const char *a, const char *b)
{
    assert_true((size_t)snprintf(out, size, "%s/%s", a, b) < size);
}

/* ---- the module in-process ---- */

static void write_file(outdir *d, const char *name, const char *text)
{
    FILE *file;
    char message[512];
    assert_int_equal(outdir_open(d, name, &file, message, sizeof message), EMBOLO_OK);
    fputs(text, file);
    assert_int_equal(outdir_close(d, file, name, 1, message, sizeof message), EMBOLO_OK);
}

/* A set as the render stage writes one: its files, then a manifest that lists them. */
static void write_set(outdir *d, const char *const *names)
{
    char manifest[1024] = "{\n  \"version\": \"test\",\n  \"files\": [";
    for (size_t i = 0; names[i]; i++) {
        if (strchr(names[i], '/') && names[i][strlen(names[i]) - 1] != '/')
            continue;
        char message[256];
        if (names[i][strlen(names[i]) - 1] == '/') {
            char dir[64];
            snprintf(dir, sizeof dir, "%.*s", (int)strlen(names[i]) - 1, names[i]);
            assert_int_equal(outdir_mkdir(d, dir, message, sizeof message), EMBOLO_OK);
        } else
            write_file(d, names[i], names[i]);
    }
    for (size_t i = 0; names[i]; i++)
        if (strchr(names[i], '/') && names[i][strlen(names[i]) - 1] != '/')
            write_file(d, names[i], names[i]);
    FILE *file;
    char message[256];
    assert_int_equal(outdir_open(d, "manifest.json", &file, message, sizeof message), EMBOLO_OK);
    for (size_t i = 0; i < outdir_count(d); i++)
        snprintf(manifest + strlen(manifest), sizeof manifest - strlen(manifest), "%s\"%s\"", i ? ", " : "",
                 outdir_name(d, i));
    fprintf(file, "%s],\n  \"rows_read\": 0\n}\n", manifest);
    assert_int_equal(outdir_close(d, file, "manifest.json", 1, message, sizeof message), EMBOLO_OK);
}

static embolo_error publish_set(const char *out, const char *const *names, char *message, size_t size)
{
    outset *set = outset_new();
    outset_options options = {.quiet = 1};
    assert_non_null(set);
    embolo_error err = outset_open(set, out, &options, message, size);
    if (err == EMBOLO_OK) {
        write_set(outset_dir(set), names);
        err = outset_publish(set, message, size);
    }
    outset_free(set);
    return err;
}

static void test_outdir_names(void **state)
{
    (void)state;
    assert_true(outdir_valid_name("results.csv"));
    assert_true(outdir_valid_name("figures/km-os_1.pdf"));
    assert_false(outdir_valid_name(""));
    assert_false(outdir_valid_name("/etc/passwd"));
    assert_false(outdir_valid_name("../x"));
    assert_false(outdir_valid_name("a/../b"));
    assert_false(outdir_valid_name("a//b"));
    assert_false(outdir_valid_name("a/"));
    assert_false(outdir_valid_name("."));
    assert_false(outdir_valid_name("a b"));
    assert_false(outdir_valid_name("new\nline"));
}

/* A file written on another thread is created unlisted and takes its place in the list when outdir_list
 * is called: the list's order is the order of listing, not of creation. Its name is taken meanwhile. */
static void test_outdir_unlisted_file(void **state)
{
    scratch *s = *state;
    char message[512], path[256];
    FILE *file;
    path_join(path, sizeof path, s->dir, "unlisted");
    assert_int_equal(mkdir(path, 0700), 0);
    int dir_fd = open(path, O_RDONLY | O_DIRECTORY);
    assert_true(dir_fd >= 0);
    outdir *d = outdir_new(dir_fd, path, "out");
    assert_non_null(d);
    assert_int_equal(outdir_open_unlisted(d, "patients.csv", &file, message, sizeof message), EMBOLO_OK);
    fputs("row,id\n", file);
    assert_int_equal(outdir_close(d, file, "patients.csv", 1, message, sizeof message), EMBOLO_OK);
    assert_int_equal(outdir_count(d), 0);
    assert_int_equal(outdir_open(d, "patients.csv", &file, message, sizeof message), EMBOLO_ERROR_OUTPUT);
    write_file(d, "results.csv", "x");
    assert_int_equal(outdir_list(d, "patients.csv", message, sizeof message), EMBOLO_OK);
    assert_int_equal(outdir_count(d), 2);
    assert_string_equal(outdir_name(d, 0), "results.csv");
    assert_string_equal(outdir_name(d, 1), "patients.csv");
    const char *files[] = {"patients.csv", "results.csv", NULL};
    assert_true(test_dir_holds_only(path, files));
    outdir_free(d);
    close(dir_fd);
}

/* A set is published where nothing was, replaced by the next (files it no longer has go), and nothing
 * is left beside --out: no lock, no private directory. */
static void test_publish_and_replace(void **state)
{
    scratch *s = *state;
    char message[512], path[256];
    static const char *const only_out[] = {"out", NULL};
    const char *first[] = {"a.csv", "b.csv", "figures/", "figures/km.pdf", NULL};
    const char *second[] = {"a.csv", NULL};
    assert_int_equal(publish_set(s->out, first, message, sizeof message), EMBOLO_OK);
    const char *first_files[] = {"a.csv", "b.csv", "figures", "manifest.json", NULL};
    assert_true(test_dir_holds_only(s->out, first_files));
    path_join(path, sizeof path, s->out, "figures");
    const char *figures[] = {"km.pdf", NULL};
    assert_true(test_dir_holds_only(path, figures));
    assert_true(test_dir_holds_only(s->parent, only_out));
    assert_int_equal(publish_set(s->out, second, message, sizeof message), EMBOLO_OK);
    const char *second_files[] = {"a.csv", "manifest.json", NULL};
    assert_true(test_dir_holds_only(s->out, second_files));
    assert_true(test_dir_holds_only(s->parent, only_out));
}

/* A file embolo did not write, in --out or in a subdirectory of the set: refused, nothing touched. */
static void test_refuses_what_it_did_not_write(void **state)
{
    scratch *s = *state;
    char message[512], path[256];
    const char *names[] = {"a.csv", "figures/", "figures/km.pdf", NULL};
    assert_int_equal(publish_set(s->out, names, message, sizeof message), EMBOLO_OK);
    path_join(path, sizeof path, s->out, "figures/notes.txt");
    file_write(path, "mine", 4);
    assert_int_equal(publish_set(s->out, names, message, sizeof message), EMBOLO_ERROR_OUTPUT);
    assert_non_null(strstr(message, "figures/notes.txt"));
    assert_int_equal(unlink(path), 0);
    path_join(path, sizeof path, s->out, "a.csv");
    assert_int_equal(unlink(path), 0);
    assert_int_equal(symlink("/etc/passwd", path), 0);
    assert_int_equal(publish_set(s->out, names, message, sizeof message), EMBOLO_ERROR_OUTPUT);
    assert_non_null(strstr(message, "'a.csv'"));
    static const char *const only_out[] = {"out", NULL};
    assert_true(test_dir_holds_only(s->parent, only_out));
    char link[64] = {0};
    assert_true(readlink(path, link, sizeof link - 1) > 0);
    assert_string_equal(link, "/etc/passwd");
}

/* A run that does not publish (failed, or aborted by a signal) leaves --out and its directory as they were. */
static void test_abort_leaves_nothing(void **state)
{
    scratch *s = *state;
    char message[512];
    const char *names[] = {"a.csv", NULL};
    outset_options options = {.quiet = 1};
    assert_int_equal(publish_set(s->out, names, message, sizeof message), EMBOLO_OK);
    test_set before;
    test_set_take(s->out, &before);
    for (int aborted = 0; aborted < 2; aborted++) {
        outset *set = outset_new();
        assert_int_equal(outset_open(set, s->out, &options, message, sizeof message), EMBOLO_OK);
        write_file(outset_dir(set), "b.csv", "half");
        if (aborted)
            outset_abort(set);
        outset_free(set);
        test_set after;
        test_set_take(s->out, &after);
        assert_true(test_set_equal(&before, &after, NULL));
        test_set_free(&after);
        static const char *const only_out[] = {"out", NULL};
        assert_true(test_dir_holds_only(s->parent, only_out));
    }
    test_set_free(&before);
}

/* A second set on the same --out: --no-wait fails at once while the first holds the lock. */
static void test_lock_no_wait(void **state)
{
    scratch *s = *state;
    char message[512];
    outset_options wait = {.quiet = 1}, no_wait = {.quiet = 1, .no_wait = 1};
    outset *first = outset_new(), *second = outset_new();
    assert_int_equal(outset_open(first, s->out, &wait, message, sizeof message), EMBOLO_OK);
    assert_int_equal(outset_open(second, s->out, &no_wait, message, sizeof message), EMBOLO_ERROR_OUTPUT);
    assert_non_null(strstr(message, "another embolo run"));
    outset_free(second);
    outset_free(first);
    second = outset_new();
    assert_int_equal(outset_open(second, s->out, &no_wait, message, sizeof message), EMBOLO_OK);
    outset_free(second);
}

/* A private directory a killed run left is removed; look-alikes that are not embolo's stay. */
static void test_stale_private_directories(void **state)
{
    scratch *s = *state;
    char message[512], path[256], inside[256];
    path_join(path, sizeof path, s->parent, ".out.embolo-tmp-Ab12Cd");
    assert_int_equal(mkdir(path, 0700), 0);
    path_join(inside, sizeof inside, path, "set");
    assert_int_equal(mkdir(inside, 0777), 0);
    path_join(inside, sizeof inside, path, "set/results.csv");
    file_write(inside, "partial", 7);
    path_join(path, sizeof path, s->parent, ".out.embolo-tmp-XXXXXX");
    assert_int_equal(mkdir(path, 0755), 0);
    path_join(inside, sizeof inside, path, "victim.txt");
    file_write(inside, "victim", 6);
    path_join(path, sizeof path, s->parent, ".out.embolo-tmp-link00");
    assert_int_equal(symlink(s->dir, path), 0);
    const char *names[] = {"a.csv", NULL};
    assert_int_equal(publish_set(s->out, names, message, sizeof message), EMBOLO_OK);
    const char *left[] = {"out", ".out.embolo-tmp-XXXXXX", ".out.embolo-tmp-link00", NULL};
    assert_true(test_dir_holds_only(s->parent, left));
    char *victim = test_file_read(inside, NULL);
    assert_non_null(victim);
    assert_string_equal(victim, "victim");
    free(victim);
}

/* ---- the program ---- */

static int skip_program_runs(void)
{
    if (test_under_valgrind())
        print_message("(skipped under valgrind: the program runs are traced there too)\n");
    return test_under_valgrind();
}

/* The arguments of `embolo run` on input into out (NULL-terminated in args, room for 16). */
static void run_args(const char **args, const char *input, const char *out)
{
    const char *template[] = {"run", "--study", STUDY, "--input", input, "--out", out, "--quiet", NULL};
    memcpy(args, template, sizeof template);
}

static int run_plain(const char *input, const char *out, const char *err)
{
    const char *args[16];
    run_args(args, input, out);
    test_spawn_options o = {.stderr_path = err};
    return test_run_embolo(args, &o);
}

/* The sets of input A (the sample) and B (its first 100 records). */
typedef struct references {
    test_set a, b;
} references;

static void references_make(const scratch *s, references *r)
{
    char out[256];
    path_join(out, sizeof out, s->dir, "reference-a");
    assert_int_equal(run_plain(INPUT, out, s->err), 0);
    test_set_take(out, &r->a);
    path_join(out, sizeof out, s->dir, "reference-b");
    assert_int_equal(run_plain(s->input_b, out, s->err), 0);
    test_set_take(out, &r->b);
    assert_int_equal(r->a.n, 8);  /* the seven files and figures/ */
    assert_string_equal(r->a.names[5], "results.csv");
    assert_false(r->a.sizes[5] == r->b.sizes[5] && !memcmp(r->a.contents[5], r->b.contents[5], r->a.sizes[5]));
}

static void references_free(references *r)
{
    test_set_free(&r->a);
    test_set_free(&r->b);
}

/* The names manifest.json's "files" lists at the top of the set (a directory as "NAME/", not the
 * files inside it). */
static size_t manifest_top_names(const char *files, const char *end)
{
    size_t n = 0;
    for (const char *c = files; (c = strchr(c, '"')) != NULL && c < end;) {
        const char *close = strchr(c + 1, '"');
        if (!close || close > end)
            break;
        const char *slash = memchr(c + 1, '/', (size_t)(close - c - 1));
        n += !slash || slash + 1 == close;
        c = close + 1;
    }
    return n;
}

/* Whether manifest.json's "files" lists exactly the set's entries (a directory with its '/'). */
static int manifest_lists(const test_set *set)
{
    for (size_t i = 0; i < set->n; i++) {
        if (strcmp(set->names[i], "manifest.json"))
            continue;
        const char *files = set->contents[i] ? strstr(set->contents[i], "\"files\": [") : NULL;
        const char *end = files ? strchr(files, ']') : NULL;
        if (!files || !end || manifest_top_names(files + strlen("\"files\": ["), end) != set->n)
            return 0;
        for (size_t k = 0; k < set->n; k++) {
            char quoted[300];
            snprintf(quoted, sizeof quoted, "\"%s%s\"", set->names[k], set->contents[k] ? "" : "/");
            const char *at = strstr(files, quoted);
            if (!at || at > end)
                return 0;
        }
        return 1;
    }
    return 0;
}

static const char *const manifest_only[] = {"manifest.json", NULL};
/* The files that name the input's path: with another path, only the data files compare. */
static const char *const path_named[] = {"manifest.json", "report.pdf", "tables.xlsx", NULL};

/* --out is one run's complete set: A's or B's, every file but those in skip byte for byte. */
static int out_is_one_set_but(const char *out, const references *r, const char *const *skip)
{
    test_set got;
    test_set_take(out, &got);
    int ok = manifest_lists(&got) &&
             (test_set_compare(&r->a, &got, skip, 1) || test_set_compare(&r->b, &got, skip, 1));
    if (!ok) {
        print_error("%s is neither set; against A:\n", out);
        test_set_equal(&r->a, &got, skip);
    }
    test_set_free(&got);
    return ok;
}

static int out_is_one_set(const char *out, const references *r)
{
    return out_is_one_set_but(out, r, manifest_only);
}

/* Whether what is beside --out is "out" and nothing else, but for what a SIGKILL leaves (a lock file,
 * private directories): any such with any_stale, else those listed in allowed (NULL: none). */
static int beside_out_within(const char *dir, const test_set *allowed, int any_stale)
{
    test_set s;
    int clean = 1, has_out = 0;
    test_set_take(dir, &s);
    for (size_t i = 0; i < s.n; i++) {
        const char *name = s.names[i];
        int stale = !strcmp(name, ".out.lock") || !strncmp(name, ".out.embolo-tmp-", 16);
        int listed = any_stale;
        for (size_t k = 0; allowed && k < allowed->n && !listed; k++)
            listed = !strcmp(allowed->names[k], name);
        has_out = has_out || !strcmp(name, "out");
        if (strcmp(name, "out") && !(stale && listed)) {
            print_error("left beside --out: %s\n", name);
            clean = 0;
        }
    }
    test_set_free(&s);
    return clean && has_out;
}

/* "out" alone, or (allow_stale) also what any SIGKILL leaves. */
static int beside_out_is_clean(const char *dir, int allow_stale)
{
    return beside_out_within(dir, NULL, allow_stale);
}

static double ms_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) * 1e3 + (double)(now.tv_nsec - start->tv_nsec) / 1e6;
}

static void sleep_ms(double ms)
{
    struct timespec pause = {(time_t)(ms / 1e3), (long)((ms - 1e3 * (double)(time_t)(ms / 1e3)) * 1e6)};
    while (nanosleep(&pause, &pause) != 0 && errno == EINTR)
        continue;
}

static pid_t spawn_slowed(const char *input, const char *out, const char *err, int no_wait)
{
    static const char *const env[] = {"EMBOLO_SLOW_US=" SLOW_US, NULL};
    const char *args[16];
    run_args(args, input, out);
    if (no_wait) {
        args[8] = "--no-wait";
        args[9] = NULL;
    }
    test_spawn_options o = {.env = env, .preload = 1, .stderr_path = err};
    return test_spawn_embolo(args, &o);
}

/* SIGKILL and SIGINT at random moments (a fixed seed) of runs whose file operations are slowed: every
 * outcome is one complete set; SIGINT leaves nothing beside --out and exits 130; what a SIGKILL left
 * is gone after the next run. */
static void test_kill_at_random_moments(void **state)
{
    scratch *s = *state;
    references r;
    int tries = 52, interrupted = 0, killed = 0;
    unsigned seed = 14;
    if (skip_program_runs())
        return;
    references_make(s, &r);
    assert_int_equal(run_plain(INPUT, s->out, s->err), 0);
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    assert_int_equal(test_wait(spawn_slowed(INPUT, s->out, s->err, 0)), 0);
    double run_ms = ms_since(&start);
    for (int i = 0; i < tries; i++) {
        int sig = i % 2 ? SIGINT : SIGKILL;
        /* A SIGINT may come before this run has removed what the last SIGKILL left: what was there
         * may stay, nothing new. */
        test_set before = {0};
        if (sig == SIGINT)
            test_set_take(s->parent, &before);
        pid_t pid = spawn_slowed(rand_r(&seed) % 2 ? INPUT : s->input_b, s->out, s->err, 0);
        sleep_ms(run_ms * 1.1 * (double)rand_r(&seed) / RAND_MAX);
        kill(pid, sig);
        int code = test_wait(pid);
        if (sig == SIGINT) {
            if (code != 0 && code != 130 && code != -SIGINT)
                fail_msg("try %d: SIGINT gave %d", i, code);
            interrupted += code == 130;
        } else {
            if (code != 0 && code != -SIGKILL)
                fail_msg("try %d: SIGKILL gave %d", i, code);
            killed += code == -SIGKILL;
        }
        if (!out_is_one_set(s->out, &r))
            fail_msg("try %d (signal %d, exit %d): --out is not one complete set", i, sig, code);
        int clean = sig == SIGKILL ? beside_out_is_clean(s->parent, 1) : beside_out_within(s->parent, &before, 0);
        test_set_free(&before);
        if (!clean)
            fail_msg("try %d (signal %d, exit %d): something was left beside --out", i, sig, code);
    }
    assert_int_equal(run_plain(INPUT, s->out, s->err), 0);
    assert_true(out_is_one_set(s->out, &r));
    assert_true(beside_out_is_clean(s->parent, 0));
    print_message("%d tries: %d runs ended by SIGINT (exit 130), %d by SIGKILL\n", tries, interrupted, killed);
    /* The harness did hit runs in progress. */
    assert_true(interrupted >= tries / 8 && killed >= tries / 8);
    references_free(&r);
}

/* Two runs on the same --out with different inputs, started together: both succeed (the second waits
 * for the first), and --out is one of the two sets. */
static void test_overlapping_runs(void **state)
{
    scratch *s = *state;
    references r;
    char err_b[160];
    if (skip_program_runs())
        return;
    snprintf(err_b, sizeof err_b, "%s.b", s->err);
    references_make(s, &r);
    for (int pair = 0; pair < 20; pair++) {
        pid_t a = spawn_slowed(INPUT, s->out, s->err, 0);
        pid_t b = spawn_slowed(s->input_b, s->out, err_b, 0);
        int code_a = test_wait(a), code_b = test_wait(b);
        if (code_a || code_b)
            fail_msg("pair %d: exits %d and %d", pair, code_a, code_b);
        assert_true(out_is_one_set(s->out, &r));
        assert_true(beside_out_is_clean(s->parent, 0));
    }
    unlink(err_b);
    references_free(&r);
}

/* Waits until path exists (the lock of a running run); 0 after 20 s. */
static int wait_for_path(const char *path)
{
    struct stat info;
    for (int i = 0; i < 20000; i++) {
        if (lstat(path, &info) == 0)
            return 1;
        sleep_ms(1);
    }
    return 0;
}

/* --no-wait while another run holds the lock: exit 73 at once, one line; the other run is unharmed.
 * SIGTERM: exit 143, the earlier set kept. */
static void test_no_wait_and_sigterm(void **state)
{
    scratch *s = *state;
    references r;
    char lock[256];
    if (skip_program_runs())
        return;
    references_make(s, &r);
    path_join(lock, sizeof lock, s->parent, ".out.lock");
    assert_int_equal(run_plain(INPUT, s->out, s->err), 0);
    pid_t first = spawn_slowed(s->input_b, s->out, s->err, 0);
    assert_true(wait_for_path(lock));
    char err2[160];
    snprintf(err2, sizeof err2, "%s.2", s->err);
    const char *args[16];
    run_args(args, INPUT, s->out);
    args[8] = "--no-wait";
    args[9] = NULL;
    test_spawn_options o = {.stderr_path = err2};
    assert_int_equal(test_run_embolo(args, &o), 73);
    const char *needles[] = {"another embolo run", ".out.lock", NULL};
    test_assert_one_line(err2, needles);
    unlink(err2);
    assert_int_equal(test_wait(first), 0);
    test_set got;
    test_set_take(s->out, &got);
    assert_true(test_set_equal(&r.b, &got, manifest_only));
    test_set_free(&got);
    /* SIGTERM once the run holds the lock: exit 143, B's set as it was, nothing beside. */
    pid_t second = spawn_slowed(INPUT, s->out, s->err, 0);
    assert_true(wait_for_path(lock));
    kill(second, SIGTERM);
    assert_int_equal(test_wait(second), 143);
    test_set_take(s->out, &got);
    assert_true(test_set_equal(&r.b, &got, manifest_only));
    test_set_free(&got);
    assert_true(beside_out_is_clean(s->parent, 0));
    references_free(&r);
}

/* Every name embolo might use, planted beforehand: links to a victim and files of someone else. The
 * victims stay as they were; embolo refuses (73, one line) or works around them. */
static void test_planted_names(void **state)
{
    scratch *s = *state;
    char victim[256], lock[256], path[256], message_dir[256];
    if (skip_program_runs())
        return;
    path_join(victim, sizeof victim, s->dir, "victim.txt");
    file_write(victim, "victim", 6);
    path_join(lock, sizeof lock, s->parent, ".out.lock");
    const char *lock_needles[] = {".out.lock", NULL};
    /* The lock file: a link to the victim, another's file, a FIFO (never waited on). */
    assert_int_equal(symlink(victim, lock), 0);
    assert_int_equal(run_plain(INPUT, s->out, s->err), 73);
    test_assert_one_line(s->err, lock_needles);
    assert_int_equal(unlink(lock), 0);
    file_write(lock, "someone's", 9);
    assert_int_equal(run_plain(INPUT, s->out, s->err), 73);
    test_assert_one_line(s->err, lock_needles);
    char *kept = test_file_read(lock, NULL);
    assert_string_equal(kept, "someone's");
    free(kept);
    assert_int_equal(unlink(lock), 0);
    assert_int_equal(mkfifo(lock, 0600), 0);
    assert_int_equal(run_plain(INPUT, s->out, s->err), 73);
    assert_int_equal(unlink(lock), 0);
    /* --out holding a link under an output's name, and no manifest: not a set. */
    assert_int_equal(mkdir(s->out, 0755), 0);
    path_join(path, sizeof path, s->out, "results.csv");
    assert_int_equal(symlink(victim, path), 0);
    const char *out_needles[] = {s->out, NULL};
    assert_int_equal(run_plain(INPUT, s->out, s->err), 73);
    test_assert_one_line(s->err, out_needles);
    assert_int_equal(unlink(path), 0);
    /* A set with an old-style temporary name and a link in place of one of its files. */
    assert_int_equal(run_plain(INPUT, s->out, s->err), 0);
    path_join(path, sizeof path, s->out, ".results.csv.tmp.12345");
    assert_int_equal(symlink(victim, path), 0);
    assert_int_equal(run_plain(INPUT, s->out, s->err), 73);
    assert_int_equal(unlink(path), 0);
    path_join(path, sizeof path, s->out, "patients.csv");
    assert_int_equal(unlink(path), 0);
    assert_int_equal(symlink(victim, path), 0);
    assert_int_equal(run_plain(INPUT, s->out, s->err), 73);
    assert_int_equal(unlink(path), 0);
    /* --out a link to a directory of someone's files: refused; to an empty directory: followed. */
    path_join(message_dir, sizeof message_dir, s->dir, "papers");
    assert_int_equal(mkdir(message_dir, 0755), 0);
    path_join(path, sizeof path, message_dir, "draft.txt");
    file_write(path, "draft", 5);
    char link_out[256], target[256];
    path_join(link_out, sizeof link_out, s->dir, "linked");
    assert_int_equal(symlink(message_dir, link_out), 0);
    assert_int_equal(run_plain(INPUT, link_out, s->err), 73);
    const char *papers[] = {"draft.txt", NULL};
    assert_true(test_dir_holds_only(message_dir, papers));
    path_join(target, sizeof target, s->dir, "empty");
    assert_int_equal(mkdir(target, 0755), 0);
    assert_int_equal(unlink(link_out), 0);
    assert_int_equal(symlink(target, link_out), 0);
    assert_int_equal(run_plain(INPUT, link_out, s->err), 0);
    struct stat info;
    assert_int_equal(lstat(link_out, &info), 0);
    assert_true(S_ISLNK(info.st_mode));
    path_join(path, sizeof path, target, "manifest.json");
    assert_int_equal(access(path, R_OK), 0);
    /* --out a regular file. */
    path_join(path, sizeof path, s->dir, "plain");
    file_write(path, "plain", 5);
    assert_int_equal(run_plain(INPUT, path, s->err), 73);
    kept = test_file_read(victim, NULL);
    assert_string_equal(kept, "victim");
    free(kept);
    kept = test_file_read(path, NULL);
    assert_string_equal(kept, "plain");
    free(kept);
}

/* Makes the directories of a path of total length `length` (components of 200 characters) under dir;
 * the last component is not created. */
static char *long_path(const char *dir, size_t length)
{
    char *path = malloc(length + 1);
    assert_non_null(path);
    size_t used = (size_t)snprintf(path, length + 1, "%s", dir);
    while (used + 1 + 200 + 1 + 10 < length) {
        path[used++] = '/';
        memset(path + used, 'd', 200);
        used += 200;
        path[used] = '\0';
        if (used < 4000)
            assert_true(mkdir(path, 0755) == 0 || errno == EEXIST);
    }
    path[used++] = '/';
    memset(path + used, 'o', length - used);
    path[length] = '\0';
    return path;
}

/* A 4,080-character --out works (twice: the second replaces the first), nothing beside it; one of
 * 5,000 is refused with exit 73 and one line. */
static void test_long_out(void **state)
{
    scratch *s = *state;
    char *out = long_path(s->parent, 4080);
    for (int run = 0; run < 2; run++) {
        assert_int_equal(run_plain(INPUT, out, s->err), 0);
        test_set got;
        test_set_take(out, &got);
        assert_int_equal(got.n, 8);
        assert_true(manifest_lists(&got));
        test_set_free(&got);
    }
    char *slash = strrchr(out, '/');
    *slash = '\0';
    const char *only[] = {slash + 1, NULL};
    assert_true(test_dir_holds_only(out, only));
    free(out);
    out = long_path(s->parent, 5000);
    assert_int_equal(run_plain(INPUT, out, s->err), 73);
    const char *needles[] = {"longer than", NULL};
    test_assert_one_line(s->err, needles);
    free(out);
}

static void sha256_of_file(const char *path, char hex[65])
{
    size_t length = 0;
    char *text = test_file_read(path, &length);
    sha256_state state;
    assert_non_null(text);
    sha256_init(&state);
    sha256_update(&state, text, length);
    sha256_final_hex(&state, hex);
    free(text);
}

/* Fails unless out's manifest records input_path and the SHA-256 of expected_file. */
static void assert_manifest_input(const char *out, const char *input_path, const char *expected_file)
{
    char path[256], hex[65], want[512];
    path_join(path, sizeof path, out, "manifest.json");
    char *manifest = test_file_read(path, NULL);
    assert_non_null(manifest);
    sha256_of_file(expected_file, hex);
    snprintf(want, sizeof want, "\"input\": {\"path\": \"%s\", \"sha256\": \"%s\"}", input_path, hex);
    if (!strstr(manifest, want))
        print_error("want %s in\n%s", want, manifest);
    assert_non_null(strstr(manifest, want));
    free(manifest);
}

/* --input from a FIFO, from `-` (standard input) and from /dev/stdin: the same set as the file's. */
static void test_fifo_and_stdin(void **state)
{
    scratch *s = *state;
    references r;
    char fifo[256];
    if (skip_program_runs())
        return;
    references_make(s, &r);
    path_join(fifo, sizeof fifo, s->dir, "cohort.fifo");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    pid_t writer = fork();
    assert_true(writer >= 0);
    if (writer == 0) {
        size_t length = 0;
        char *text = test_file_read(INPUT, &length);
        int fd = open(fifo, O_WRONLY);
        _exit(text && fd >= 0 && write(fd, text, length) == (ssize_t)length ? 0 : 1);
    }
    assert_int_equal(run_plain(fifo, s->out, s->err), 0);
    int status;
    assert_int_equal(waitpid(writer, &status, 0), writer);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_true(out_is_one_set_but(s->out, &r, path_named));
    assert_manifest_input(s->out, fifo, INPUT);
    const char *inputs[] = {"-", "/dev/stdin"};
    for (size_t i = 0; i < 2; i++) {
        const char *args[16];
        run_args(args, inputs[i], s->out);
        test_spawn_options o = {.stdin_path = INPUT, .stderr_path = s->err};
        assert_int_equal(test_run_embolo(args, &o), 0);
        assert_true(out_is_one_set_but(s->out, &r, path_named));
        assert_manifest_input(s->out, inputs[i], INPUT);
    }
    references_free(&r);
}

/* The input file replaced (renamed over) while embolo reads it: the manifest's hash is the hash of the
 * file whose rows were analysed. */
static void test_input_replaced_during_run(void **state)
{
    scratch *s = *state;
    references r;
    char input[256], replacement[256];
    if (skip_program_runs())
        return;
    references_make(s, &r);
    path_join(input, sizeof input, s->dir, "cohort.csv");
    path_join(replacement, sizeof replacement, s->dir, "cohort.new");
    for (int attempt = 0; attempt < 3; attempt++) {
        size_t length = 0;
        char *text = test_file_read(INPUT, &length);
        file_write(input, text, length);
        free(text);
        text = test_file_read(s->input_b, &length);
        file_write(replacement, text, length);
        free(text);
        static const char *const env[] = {"EMBOLO_SLOW_READ_US=100000", NULL};
        const char *args[16];
        run_args(args, input, s->out);
        test_spawn_options o = {.env = env, .preload = 1, .stderr_path = s->err};
        pid_t pid = test_spawn_embolo(args, &o);
        sleep_ms(50.0 * (attempt + 1));
        assert_int_equal(rename(replacement, input), 0);
        assert_int_equal(test_wait(pid), 0);
        test_set got;
        test_set_take(s->out, &got);
        int is_a = test_set_compare(&r.a, &got, path_named, 1);
        test_set_free(&got);
        /* The set is A's (read before the rename) or B's, and its hash says which. */
        assert_manifest_input(s->out, input, is_a ? INPUT : s->input_b);
        assert_true(out_is_one_set_but(s->out, &r, path_named));
    }
    references_free(&r);
}

/* `embolo check` replaces a run's set with its own: exclusions, patients and the manifest only. */
static void test_check_publishes_its_own_set(void **state)
{
    scratch *s = *state;
    assert_int_equal(run_plain(INPUT, s->out, s->err), 0);
    const char *args[] = {"check", "--study", STUDY, "--input", INPUT, "--out", s->out, "--quiet", NULL};
    test_spawn_options o = {.stderr_path = s->err};
    assert_int_equal(test_run_embolo(args, &o), 0);
    const char *files[] = {"exclusions.csv", "patients.csv", "manifest.json", NULL};
    assert_true(test_dir_holds_only(s->out, files));
    assert_true(beside_out_is_clean(s->parent, 0));
}

int main(void)
{
#define OUTSET_TEST(f) cmocka_unit_test_setup_teardown(f, scratch_setup, scratch_teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_outdir_names),
        cmocka_unit_test_setup_teardown(test_outdir_unlisted_file, scratch_setup, scratch_teardown),
        OUTSET_TEST(test_publish_and_replace),
        OUTSET_TEST(test_refuses_what_it_did_not_write),
        OUTSET_TEST(test_abort_leaves_nothing),
        OUTSET_TEST(test_lock_no_wait),
        OUTSET_TEST(test_stale_private_directories),
        OUTSET_TEST(test_kill_at_random_moments),
        OUTSET_TEST(test_overlapping_runs),
        OUTSET_TEST(test_no_wait_and_sigterm),
        OUTSET_TEST(test_planted_names),
        OUTSET_TEST(test_long_out),
        OUTSET_TEST(test_fifo_and_stdin),
        OUTSET_TEST(test_input_replaced_during_run),
        OUTSET_TEST(test_check_publishes_its_own_set),
    };
#undef OUTSET_TEST
    if (!getenv("EMBOLO_BIN") || !getenv("EMBOLO_FAULT_LIB"))
        fprintf(stderr, "test_outset: EMBOLO_BIN and EMBOLO_FAULT_LIB must be set: the program tests fail\n");
    return cmocka_run_group_tests(tests, NULL, NULL);
}
