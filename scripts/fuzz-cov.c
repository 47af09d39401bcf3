/* SanitizerCoverage callbacks for scripts/fuzz-coverage: marks each
 * instrumented block when it first runs and, at exit, writes one line per
 * block ("HIT ADDRESS", the address relative to the executable's load base)
 * to $FUZZ_COVERAGE_OUT. In C so that the callbacks are not instrumented
 * themselves. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t *g_start, *g_stop;
static const uintptr_t *p_beg, *p_end;

void __sanitizer_cov_trace_pc_guard_init(uint32_t *start, uint32_t *stop) {
    if (start == stop || *start) return;
    for (uint32_t *x = start; x < stop; x++) *x = 1;
    g_start = start;
    g_stop = stop;
}

void __sanitizer_cov_trace_pc_guard(uint32_t *guard) { *guard = 0; }

void __sanitizer_cov_pcs_init(const uintptr_t *b, const uintptr_t *e) {
    if (!p_beg) {
        p_beg = b;
        p_end = e;
    }
}

__attribute__((destructor)) static void fuzz_cov_dump(void) {
    const char *path = getenv("FUZZ_COVERAGE_OUT");
    if (!path || !g_start || !p_beg) return;
    uintptr_t base = 0;
    FILE *m = fopen("/proc/self/maps", "r");
    if (m) {
        if (fscanf(m, "%lx", &base) != 1) base = 0;
        fclose(m);
    }
    FILE *f = fopen(path, "w");
    if (!f) return;
    size_t n = (size_t)(g_stop - g_start);
    size_t np = (size_t)(p_end - p_beg) / 2;
    if (np < n) n = np;
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%d %lx\n", g_start[i] == 0, (unsigned long)(p_beg[2 * i] - base));
    fclose(f);
}
