/* fast.h — the fast bit-sliced runtime: SIMD widths, OpenMP threads, lane-local halos.
 *
 * A board of width W and height H (a torus) is stored bit-packed, 64 cells per uint64_t
 * word, in a layout that keeps every neighbour access lane-local:
 *
 *   - a "cell" is LANES uint64_t words processed together (1 for scalar, 4 for AVX2,
 *     8 for AVX-512);
 *   - lane L owns the horizontal band of rows [L*B, (L+1)*B), B >= ceil(H / LANES);
 *   - the band is split into one block of B' = B / T rows per thread (T threads), and
 *     block k is its own stretch of memory: HALO halo rows, then vector slots holding, in
 *     lane L, board rows L*B + k*B' .. L*B + (k+1)*B' - 1, then HALO halo rows and an
 *     untouched guard gap (so one thread's prefetches never reach another's rows);
 *   - the halo rows mirror the rows above and below the block (from the neighbouring
 *     block, or lane, torus wrap-around included) and are refreshed before every pass by
 *     the block's thread. A pass advances `depth` generations at once, tile by tile
 *     (temporal blocking, see fast_driver.h).
 *
 * So vertical neighbours are the previous/next vector slot and horizontal neighbours are
 * in-lane shifts with a carry from the adjacent word; no kernel ever shuffles lanes.
 *
 * The rule comes in two flavours, one per kernel family:
 *   - "circuit": the generated circuit function over `cell`, included by fast.c once per
 *     width (see the build notes at the top of fast.c);
 *   - "expert": the hand-written bit-sliced Life step of expert.c (B3/S23 only);
 *   - "separable": a separable circuit's row and combine functions (separable_kernel.h),
 *     each row's features computed once and slid down the window; only in a library
 *     built with one (fast_has_separable()).
 *
 * All functions return a negative value (or NULL) on bad arguments instead of crashing;
 * fast_error() then describes the problem. The Python wrapper (gatenet.runtime.fast) validates
 * first and uses these codes only as a second line of defence.
 */
#ifndef GATENET_FAST_H
#define GATENET_FAST_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Vector widths. FAST_AUTO picks the widest one the CPU supports. */
enum { FAST_AUTO = -1, FAST_W64 = 0, FAST_W256 = 1, FAST_W512 = 2, FAST_NWIDTHS = 3 };
/* Rule flavours. */
enum { FAST_CIRCUIT = 0, FAST_EXPERT = 1, FAST_SEPARABLE = 2 };

typedef struct fast_board fast_board;

/* 1 if this CPU (and this build) can run `width`, else 0. */
int fast_width_supported(int width);
/* 1 if this library was built with a separable circuit (the FAST_SEPARABLE flavour). */
int fast_has_separable(void);
/* The widest supported width (FAST_AUTO resolved). */
int fast_best_width(void);
/* Cells per vector word for `width` (64, 256, 512), or -1. */
int fast_width_bits(int width);
/* 1 if this build's 512-bit circuit kernel runs the LUT3 (vpternlogq) form, else 0. */
int fast_uses_lut3(void);
/* 1 if this build's 512-bit separable kernel runs its parts' LUT3 forms, else 0. */
int fast_sep_uses_lut3(void);
/* Number of processors OpenMP would use by default (1 without OpenMP). */
int fast_default_threads(void);

/* A new all-dead board. NULL on bad arguments (see fast_error()). */
fast_board *fast_new(int64_t width, int64_t height, int vec_width, int flavour, int threads);
void fast_free(fast_board *b);

/* Copy cells in/out: `cells` is a row-major height*width array of 0/1 bytes. */
int fast_set_cells(fast_board *b, const uint8_t *cells);
int fast_get_cells(const fast_board *b, uint8_t *cells);
/* Advance `steps` generations. */
int fast_step(fast_board *b, int64_t steps);
/* Number of live cells. */
int64_t fast_population(const fast_board *b);
/* Change the thread count (>= 1). The blocks follow the threads, so this moves the cells
 * into a new layout; the depth is kept. */
int fast_set_threads(fast_board *b, int threads);
/* Generations per pass over the board (temporal blocking, 1..fast_max_depth()). The
 * default is 4 for tiny boards (fixed per-pass costs), 1 for boards that fit in the
 * last-level cache and 4 for larger ones (memory traffic); see fast_default_depth in fast.c. */
int fast_set_depth(fast_board *b, int depth);
int fast_depth(const fast_board *b);
int fast_max_depth(void);

/* The last-level cache in bytes, as the default depth reads it (8 MiB if unknown). */
int64_t fast_llc_bytes(void);
/* Rows per lane band (B) and words per row: for reporting and tests. */
int64_t fast_band_rows(const fast_board *b);
int64_t fast_row_words(const fast_board *b);

/* Wall-clock seconds for `steps` generations (monotonic clock, excludes Python). */
double fast_time_steps(fast_board *b, int64_t steps);

/* The message for the last failure in this thread ("" if none). */
const char *fast_error(void);

#ifdef __cplusplus
}
#endif

#endif /* GATENET_FAST_H */
