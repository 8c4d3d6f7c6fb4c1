/* probe.c — what this CPU sustains: logic and shift instructions per second at each vector
 * width, and the effective clock.
 *
 * A throughput bound for the kernels needs the machine's real rates, not a data-sheet issue
 * width times the nominal clock (a boosting CPU beats that, and the "bound" is then no
 * bound). Each probe runs PROBE_CHAINS independent dependency chains of one instruction
 * kind, so the out-of-order core can issue as many per cycle as it has ports for; an empty
 * asm statement after every operation makes the value opaque, so the compiler can neither
 * fold the chain nor drop it. The clock probe is one chain of dependent scalar additions:
 * one per cycle, so additions per second is cycles per second.
 *
 * Widths as in fast.h: 0 = 64-bit scalar, 1 = 256-bit AVX2, 2 = 512-bit AVX-512F.
 * Every function returns operations per second, or -1 for a width this build or CPU lacks
 * (the caller checks fast_width_supported first).
 */
#define _POSIX_C_SOURCE 199309L /* clock_gettime under -std=c11 */
#include <stdint.h>
#include <time.h>

#define PROBE_CHAINS 12

/* This thread's CPU time, not the wall clock: a probe preempted by another process would
 * otherwise report the share of the core it got, not the rate the core sustains. */
static double probe_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* One probe per (width, kind): twelve chains in twelve named variables (an array would live
 * in memory). OP(x, k) is the operation; CONSTRAINT keeps x in a register of the width's
 * kind ("r" general purpose, "x" AVX, "v" any AVX-512 register). */
#define PROBE_STEP(v, CONSTRAINT, OP)                                                        \
    v = OP(v, k);                                                                           \
    __asm__ volatile("" : "+" CONSTRAINT(v))
#define PROBE_EACH(M, ...)                                                                   \
    M(x0, __VA_ARGS__); M(x1, __VA_ARGS__); M(x2, __VA_ARGS__); M(x3, __VA_ARGS__);          \
    M(x4, __VA_ARGS__); M(x5, __VA_ARGS__); M(x6, __VA_ARGS__); M(x7, __VA_ARGS__);          \
    M(x8, __VA_ARGS__); M(x9, __VA_ARGS__); M(x10, __VA_ARGS__); M(x11, __VA_ARGS__)
#define PROBE_DEFINE(NAME, TYPE, TARGET, CONSTRAINT, OP)                                    \
    __attribute__((target(TARGET), noinline)) static double NAME(int64_t iters)             \
    {                                                                                       \
        TYPE k;                                                                             \
        for (unsigned b = 0; b < sizeof k; b++)                                             \
            ((unsigned char *)&k)[b] = (unsigned char)(0x5b ^ (b * 29u));                   \
        TYPE x0 = k, x1 = k, x2 = k, x3 = k, x4 = k, x5 = k;                                \
        TYPE x6 = k, x7 = k, x8 = k, x9 = k, x10 = k, x11 = k;                              \
        const double t0 = probe_now();                                                      \
        for (int64_t n = 0; n < iters; n++) {                                               \
            PROBE_EACH(PROBE_STEP, CONSTRAINT, OP);                                         \
        }                                                                                   \
        const double t = probe_now() - t0;                                                  \
        TYPE sink = x0 ^ x1 ^ x2 ^ x3 ^ x4 ^ x5 ^ x6 ^ x7 ^ x8 ^ x9 ^ x10 ^ x11;            \
        __asm__ volatile("" : : CONSTRAINT(sink));                                          \
        return t > 0 ? (double)iters * PROBE_CHAINS / t : -1.0;                             \
    }

typedef uint64_t probe_v4 __attribute__((vector_size(32)));
typedef uint64_t probe_v8 __attribute__((vector_size(64)));

#define PROBE_XOR(a, b) ((a) ^ (b))
#define PROBE_ANDN(a, b) ((a) & ~(b))
#define PROBE_SHL(a, b) ((a) << 1)

PROBE_DEFINE(probe_logic_w64, uint64_t, "arch=x86-64", "r", PROBE_XOR)
PROBE_DEFINE(probe_shift_w64, uint64_t, "arch=x86-64", "r", PROBE_SHL)
PROBE_DEFINE(probe_logic_w256, probe_v4, "avx2", "x", PROBE_XOR)
PROBE_DEFINE(probe_shift_w256, probe_v4, "avx2", "x", PROBE_SHL)
PROBE_DEFINE(probe_logic_w512, probe_v8, "avx512f", "v", PROBE_XOR)
PROBE_DEFINE(probe_shift_w512, probe_v8, "avx512f", "v", PROBE_SHL)

/* Logic instructions (XOR: every bitwise op here, vpternlogq included, issues on the same
 * vector ALU ports) per second at `width`, over `iters` iterations of PROBE_CHAINS ops. */
double probe_logic_rate(int width, int64_t iters)
{
    switch (width) {
    case 0: return probe_logic_w64(iters);
    case 1: return probe_logic_w256(iters);
    case 2: return probe_logic_w512(iters);
    default: return -1.0;
    }
}

/* Shifts by a constant per second at `width`. */
double probe_shift_rate(int width, int64_t iters)
{
    switch (width) {
    case 0: return probe_shift_w64(iters);
    case 1: return probe_shift_w256(iters);
    case 2: return probe_shift_w512(iters);
    default: return -1.0;
    }
}

/* Dependent scalar additions per second: the effective clock in Hz (one per cycle; eight
 * per loop iteration, so the loop's own counter and branch hide beside the chain). */
double probe_clock_hz(int64_t iters)
{
    uint64_t x = 1;
    const double t0 = probe_now();
#define PROBE_ADD x += 1; __asm__ volatile("" : "+r"(x))
    for (int64_t n = 0; n < iters; n++) {
        PROBE_ADD; PROBE_ADD; PROBE_ADD; PROBE_ADD; PROBE_ADD; PROBE_ADD; PROBE_ADD; PROBE_ADD;
    }
#undef PROBE_ADD
    const double t = probe_now() - t0;
    __asm__ volatile("" : : "r"(x));
    return t > 0 ? 8.0 * (double)iters / t : -1.0;
}
