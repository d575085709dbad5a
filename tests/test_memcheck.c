/*
 * test_memcheck.c - the Valgrind annotations (src/vg.c) seen from outside:
 * each misuse of tests/memcheck_cases.c, run under valgrind, must be
 * reported by memcheck exactly once, of the right kind, in the user's
 * function; correct use must be reported nothing.
 *
 * Skipped (exit 77) when the library is built without the annotations
 * (no <valgrind/memcheck.h>, or --disable-valgrind-annotations), when
 * valgrind cannot be run, and when this program itself runs under
 * Valgrind (`make check-valgrind`: no valgrind inside valgrind).
 *
 * VALGRIND names the valgrind program (default: valgrind, from PATH) and
 * DALLOC_MEMCHECK_CASES the case program (default: tests/memcheck_cases,
 * relative to the build directory, where `make check` runs the tests).
 */
#define _POSIX_C_SOURCE 200809L

#include "testutil.h"

#include <stdio.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#if DALLOC_TEST_VALGRIND
#include <valgrind/valgrind.h>
#endif

/* memcheck's --error-exitcode for the runs. */
#define ERROR_EXIT 99
#define MAX_ERRORS 8

typedef struct {
    int status;           /* exit status of valgrind, -1 if it did not exit */
    unsigned errors;      /* <error> records in memcheck's XML */
    char kind[MAX_ERRORS][40];
    char fn[MAX_ERRORS][80]; /* the first frame's function */
} report_t;

static const char *env_or(const char *name, const char *dflt)
{
    const char *v = getenv(name);
    return v != NULL && *v != '\0' ? v : dflt;
}

static const char *valgrind_prog(void) { return env_or("VALGRIND", "valgrind"); }
static const char *cases_prog(void) { return env_or("DALLOC_MEMCHECK_CASES", "tests/memcheck_cases"); }

/* Run argv (output to /dev/null unless keep_output); its exit status, or -1. */
static int run(char *const argv[], int keep_output)
{
    int st;
    pid_t pid;
    fflush(NULL);
    pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        if (!keep_output && freopen("/dev/null", "w", stdout) == NULL)
            _exit(126);
        if (!keep_output && freopen("/dev/null", "w", stderr) == NULL)
            _exit(126);
        execvp(argv[0], argv);
        _exit(127);
    }
    if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
        return -1;
    return WEXITSTATUS(st);
}

/* The text between open and close in [p, end), copied to out (size n). */
static void between(const char *p, const char *end, const char *open, const char *close, char *out, size_t n)
{
    const char *a = strstr(p, open), *b;
    out[0] = '\0';
    if (a == NULL || a >= end)
        return;
    a += strlen(open);
    b = strstr(a, close);
    if (b == NULL || b > end || (size_t)(b - a) >= n)
        return;
    memcpy(out, a, (size_t)(b - a));
    out[b - a] = '\0';
}

static void parse(const char *xml, report_t *r)
{
    const char *p = xml, *e;
    while ((p = strstr(p, "<error>")) != NULL && (e = strstr(p, "</error>")) != NULL) {
        if (r->errors < MAX_ERRORS) {
            const char *stack = strstr(p, "<stack>");
            between(p, e, "<kind>", "</kind>", r->kind[r->errors], sizeof r->kind[0]);
            if (stack != NULL && stack < e)
                between(stack, e, "<fn>", "</fn>", r->fn[r->errors], sizeof r->fn[0]);
        }
        r->errors++;
        p = e;
    }
}

/* The whole file at path, NUL-terminated (malloc), or NULL. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *text = NULL;
    long len;
    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (text = (char *)malloc((size_t)len + 1)) != NULL) {
        if (fread(text, 1, (size_t)len, f) == (size_t)len) {
            text[len] = '\0';
        } else {
            free(text);
            text = NULL;
        }
    }
    fclose(f);
    return text;
}

/* Run case name under memcheck and read its XML report.  *complete:
 * valgrind wrote the report to its end (it gives up early, for one, on the
 * DWARF 5 debug information of clang 14 when older than 3.20). */
static report_t memcheck_run(const char *name, bool *complete)
{
    report_t r;
    char path[512], opt[600];
    char *argv[12], *xml;
    int fd, k = 0;

    memset(&r, 0, sizeof r);
    r.status = -1;
    *complete = false;
    if (snprintf(path, sizeof path, "%s/dalloc-memcheck-XXXXXX", env_or("TMPDIR", "/tmp")) >= (int)sizeof path ||
        (fd = mkstemp(path)) < 0)
        return r;
    close(fd);
    (void)snprintf(opt, sizeof opt, "--xml-file=%s", path);
    argv[k++] = (char *)(uintptr_t)valgrind_prog();
    argv[k++] = (char *)(uintptr_t)"--tool=memcheck";
    argv[k++] = (char *)(uintptr_t)"--xml=yes";
    argv[k++] = opt;
    argv[k++] = (char *)(uintptr_t)"--error-exitcode=99";
    argv[k++] = (char *)(uintptr_t)"--leak-check=no";
    argv[k++] = (char *)(uintptr_t)"--num-callers=12";
    argv[k++] = (char *)(uintptr_t)cases_prog();
    argv[k++] = (char *)(uintptr_t)name;
    argv[k] = NULL;
    r.status = run(argv, 0);
    xml = slurp(path);
    unlink(path);
    if (xml != NULL) {
        *complete = strstr(xml, "</valgrindoutput>") != NULL;
        parse(xml, &r);
        free(xml);
    }
    return r;
}

static report_t memcheck(const char *name)
{
    bool complete;
    report_t r = memcheck_run(name, &complete);
    ck_assert_msg(complete, "valgrind did not finish case %s (exit %d)", name, r.status);
    return r;
}

/* Case name is reported once, as kind, in case_<name>(). */
static void expect_one(const char *name, const char *kind)
{
    report_t r = memcheck(name);
    char fn[80];
    (void)snprintf(fn, sizeof fn, "case_%s", name);
    ck_assert_msg(r.errors == 1, "case %s: %u errors reported, 1 expected (first: %s in %s)", name, r.errors,
                  r.kind[0], r.fn[0]);
    ck_assert_msg(strcmp(r.kind[0], kind) == 0, "case %s: %s reported, %s expected", name, r.kind[0], kind);
    ck_assert_msg(strcmp(r.fn[0], fn) == 0, "case %s: reported in %s, not in %s", name, r.fn[0], fn);
    ck_assert_msg(r.status == ERROR_EXIT, "case %s: valgrind exited %d", name, r.status);
}

/* (1) read after free through a stale copy */
START_TEST(read_after_free) { expect_one("read_after_free", "InvalidRead"); }
END_TEST

/* (2) one byte past a block's exact size, relocatable and fixed */
START_TEST(write_past_end) { expect_one("write_past_end", "InvalidWrite"); }
END_TEST

START_TEST(fixed_write_past_end) { expect_one("fixed_write_past_end", "InvalidWrite"); }
END_TEST

/* block headers are not the user's */
START_TEST(write_header) { expect_one("write_header", "InvalidWrite"); }
END_TEST

/* (3) a new block's bytes are uninitialised: as allocated, as added by a
 * realloc, and after compaction moved the block */
START_TEST(uninit_branch) { expect_one("uninit_branch", "UninitCondition"); }
END_TEST

START_TEST(uninit_after_realloc) { expect_one("uninit_after_realloc", "UninitCondition"); }
END_TEST

START_TEST(uninit_after_move) { expect_one("uninit_after_move", "UninitCondition"); }
END_TEST

/* (4) a stale copy used after its block moved */
START_TEST(stale_after_move) { expect_one("stale_after_move", "InvalidRead"); }
END_TEST

/* Correct use of every kind of block, compaction, realloc, modules,
 * reset, re-init and deinit: nothing reported. */
START_TEST(clean)
{
    report_t r = memcheck("clean");
    ck_assert_msg(r.errors == 0, "correct use: %u errors reported (first: %s in %s)", r.errors, r.kind[0], r.fn[0]);
    ck_assert_msg(r.status == 0, "correct use: valgrind exited %d", r.status);
}
END_TEST

int main(void)
{
    Suite *s;
    TCase *tc;
#if !DALLOC_TEST_VALGRIND
    puts("test_memcheck: the library is built without Valgrind annotations: skipped");
    return 77;
#else
    char *version[3];
    if (RUNNING_ON_VALGRIND) {
        puts("test_memcheck: already running under Valgrind: skipped");
        return 77;
    }
    version[0] = (char *)(uintptr_t)valgrind_prog();
    version[1] = (char *)(uintptr_t)"--version";
    version[2] = NULL;
    if (run(version, 0) != 0) {
        printf("test_memcheck: cannot run %s: skipped\n", valgrind_prog());
        return 77;
    }
    if (access(cases_prog(), X_OK) != 0) {
        printf("test_memcheck: %s is missing\n", cases_prog());
        return EXIT_FAILURE;
    }
    {
        bool complete;
        report_t r = memcheck_run("none", &complete);
        if (!complete || r.status != 0) {
            printf("test_memcheck: %s cannot run %s (exit %d: a sanitizer build, or debug information"
                   " it cannot read?): skipped\n",
                   valgrind_prog(), cases_prog(), r.status);
            return 77;
        }
    }
#endif
    s = suite_create("memcheck");
    tc = tcase_create("misuse");
    tcase_set_timeout(tc, 300); /* a valgrind run each, on a busy machine */
    tcase_add_test(tc, read_after_free);
    tcase_add_test(tc, write_past_end);
    tcase_add_test(tc, fixed_write_past_end);
    tcase_add_test(tc, write_header);
    tcase_add_test(tc, uninit_branch);
    tcase_add_test(tc, uninit_after_realloc);
    tcase_add_test(tc, uninit_after_move);
    tcase_add_test(tc, stale_after_move);
    tcase_add_test(tc, clean);
    suite_add_tcase(s, tc);
    return test_run_suite(s) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
