/*
 * standalone.c - replay inputs of fuzz_heap.c without libFuzzer.
 *
 *   fuzz_heap_replay FILE|DIR...
 *
 * Runs LLVMFuzzerTestOneInput() once on every file named, and on every
 * regular file of every directory named (in name order).  The harness
 * aborts on the first mismatch; otherwise the program prints how many
 * inputs it ran and exits 0.  Built with any C compiler (make fuzz-replay),
 * so the corpus doubles as a regression test under gcc and Valgrind.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned long ran;

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *data = NULL;
    size_t len = 0, cap = 0, got;
    if (f == NULL) {
        perror(path);
        return 1;
    }
    for (;;) {
        if (len == cap) {
            uint8_t *more;
            cap = cap ? 2 * cap : 4096;
            more = (uint8_t *)realloc(data, cap);
            if (more == NULL) {
                fprintf(stderr, "%s: out of memory\n", path);
                free(data);
                fclose(f);
                return 1;
            }
            data = more;
        }
        got = fread(data + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        perror(path);
        free(data);
        fclose(f);
        return 1;
    }
    fclose(f);
    if (getenv("DALLOC_FUZZ_TRACE") != NULL)
        fprintf(stderr, "== %s (%lu bytes)\n", path, (unsigned long)len);
    (void)LLVMFuzzerTestOneInput(data, len);
    free(data);
    ran++;
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_dir(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *de;
    char **names = NULL;
    size_t n = 0, cap = 0, i;
    int bad = 0;
    if (d == NULL) {
        perror(path);
        return 1;
    }
    while ((de = readdir(d)) != NULL) {
        char *full;
        struct stat sb;
        if (de->d_name[0] == '.')
            continue;
        full = (char *)malloc(strlen(path) + strlen(de->d_name) + 2);
        if (full == NULL)
            break;
        sprintf(full, "%s/%s", path, de->d_name);
        if (stat(full, &sb) != 0 || !S_ISREG(sb.st_mode)) {
            free(full);
            continue;
        }
        if (n == cap) {
            char **more;
            cap = cap ? 2 * cap : 64;
            more = (char **)realloc(names, cap * sizeof *names);
            if (more == NULL) {
                free(full);
                break;
            }
            names = more;
        }
        names[n++] = full;
    }
    closedir(d);
    if (n > 0)
        qsort(names, n, sizeof *names, by_name);
    for (i = 0; i < n; i++) {
        bad |= run_file(names[i]);
        free(names[i]);
    }
    free(names);
    return bad;
}

int main(int argc, char **argv)
{
    int i, bad = 0;
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
        return 2;
    }
    for (i = 1; i < argc; i++) {
        struct stat sb;
        if (stat(argv[i], &sb) != 0) {
            perror(argv[i]);
            bad = 1;
        } else if (S_ISDIR(sb.st_mode)) {
            bad |= run_dir(argv[i]);
        } else {
            bad |= run_file(argv[i]);
        }
    }
    printf("%s: %lu input(s) replayed\n", argv[0], ran);
    return bad;
}
