/* fast.c — the fast runtime: board storage, halos, width dispatch and OpenMP threads.
 *
 * Build (one translation unit per circuit; the circuit is an input):
 *   gcc -O3 -fopenmp -fPIC -shared -DGATENET_CIRCUIT_HEADER='"circuit.h"' fast.c -o fast.so
 * A circuit header defines `static inline cell gatenet_circuit(const cell in[9])` over a
 * `cell` type that the includer defines, using only & | ^ ~. It is included once per width,
 * with `cell` standing for uint64_t, a 256-bit and a 512-bit GCC vector, each under the
 * matching `#pragma GCC target`, so one .so holds every width and picks one at run time
 * (__builtin_cpu_supports). Either give one guard-less header as GATENET_CIRCUIT_HEADER, or
 * one header per width as FAST_CIRCUIT_HEADER_W64/_W256/_W512 whose functions are named
 * fast_circuit_w64/_w256/_w512 (what gatenet.fast emits: emitted headers have include
 * guards). No -march flag is needed or wanted: the scalar path must run on any x86-64.
 * Optionally FAST_LUT3_HEADER_W512 names a header (gatenet.emit.ternary) defining
 * `__m512i fast_circuit_lut3_w512(const __m512i in[9])`, the same rule as three-input LUTs:
 * the 512-bit circuit kernel then runs it (one vpternlogq per LUT) instead of the netlist.
 *
 * See fast.h for the layout. One pass (of `depth` generations, fast_driver.h) is:
 *   1. refresh `depth` halo rows above and below every lane band (a few words per lane);
 *   2. carry every tile of vector slots through the pass's generations, tiles spread over
 *      OpenMP threads.
 * Each output word is written by exactly one thread from inputs nobody writes during the
 * pass, and a tile's result does not depend on who computes it, so results depend on
 * neither the thread count nor the depth. The row pitch is an odd number of cache lines
 * (see fast_new) so walking down a column does not thrash one L1 set.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime under -std=c11 */
#include "fast.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#ifdef GATENET_CIRCUIT_HEADER
#define FAST_CIRCUIT_HEADER_W64 GATENET_CIRCUIT_HEADER
#define FAST_CIRCUIT_HEADER_W256 GATENET_CIRCUIT_HEADER
#define FAST_CIRCUIT_HEADER_W512 GATENET_CIRCUIT_HEADER
#endif
#if !defined(FAST_CIRCUIT_HEADER_W64) || !defined(FAST_CIRCUIT_HEADER_W256) || \
    !defined(FAST_CIRCUIT_HEADER_W512)
#error "define GATENET_CIRCUIT_HEADER (or FAST_CIRCUIT_HEADER_W64/_W256/_W512)"
#endif

#if defined(__x86_64__) || defined(__i386__)
#define FAST_X86 1
#else
#define FAST_X86 0
#endif

/* Horizontal geometry, shared by all lanes (lanes split rows, never columns). */
typedef struct {
    int64_t nw;         /* 64-bit words per row */
    int64_t pitch;      /* cells from one vector row to the next (>= nw, see fast_new) */
    int r;              /* valid bits in the last word, 1..64 */
    uint64_t last_mask; /* those bits */
} fast_geom;

/* Halo rows above and below every lane band: the deepest temporal blocking possible. */
#define FAST_HALO 8

struct fast_board {
    int64_t width, height;
    int vec_width;    /* FAST_W64 / FAST_W256 / FAST_W512 */
    int lanes;        /* uint64 words per cell: 1, 4, 8 */
    int flavour;      /* FAST_CIRCUIT / FAST_EXPERT */
    int threads;
    fast_geom g;
    int64_t band;     /* B: board rows per lane */
    int64_t active;   /* lanes holding at least one board row */
    int64_t slots;    /* B + 2*FAST_HALO vector rows per buffer (halo, B rows, halo) */
    int depth;        /* generations per pass over the board (temporal blocking), 1..HALO */
    int64_t ntiles, tile;
    void *buf[2];     /* two generations, 64-byte aligned */
    int cur;          /* which buffer holds the current generation */
    void *scratch;    /* per thread: two tiles of scratch_rows rows (depth > 1 only) */
    int64_t scratch_rows;
};

/* -- errors ----------------------------------------------------------------------------- */

static _Thread_local char fast_errbuf[256];

const char *fast_error(void) { return fast_errbuf; }

static int fail(const char *msg)
{
    snprintf(fast_errbuf, sizeof fast_errbuf, "%s", msg);
    return -1;
}

/* -- layout helpers --------------------------------------------------------------------- */

/* The uint64 word holding word i of board row y (lane y / B, slot y % B + 1). */
static inline uint64_t *word_at(uint64_t *base, const fast_board *b, int64_t slot, int lane,
                                int64_t i)
{
    return base + ((slot * b->g.pitch + i) * b->lanes + lane);
}

static inline int64_t slot_of(const fast_board *b, int64_t y)
{
    return y % b->band + FAST_HALO;
}
static inline int lane_of(const fast_board *b, int64_t y) { return (int)(y / b->band); }

/* Copy `d` halo rows above and below every active lane from the rows they mirror (torus
 * wrap included). Lane L's real rows sit at slots HALO .. HALO + n_L - 1; halo row t above
 * (slot HALO - t) is board row L*B - t, halo row t below (slot HALO + n_L + t - 1, inside
 * the band when the last lane is short) is board row L*B + n_L + t - 1, rows taken mod H.
 * Sources are always real rows and destinations never are, so the order does not matter.
 * Slots beyond a short lane's halo hold garbage that no real row's cone reaches. */
static void fast_fill_halo(const fast_board *b, uint64_t *base, int d)
{
    const int64_t H = b->height, B = b->band, nw = b->g.nw;
    for (int64_t L = 0; L < b->active; L++) {
        const int64_t first = L * B;
        const int64_t n = H - first < B ? H - first : B;
        for (int t = 1; t <= d; t++) {
            const int64_t up = ((first - t) % H + H) % H, down = (first + n + t - 1) % H;
            for (int64_t i = 0; i < nw; i++) {
                *word_at(base, b, FAST_HALO - t, (int)L, i) =
                    *word_at(base, b, slot_of(b, up), lane_of(b, up), i);
                *word_at(base, b, FAST_HALO + n + t - 1, (int)L, i) =
                    *word_at(base, b, slot_of(b, down), lane_of(b, down), i);
            }
        }
    }
}

static inline int fast_thread_num(void)
{
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

/* Tiling. With depth 1, tiles of at most TILE_MAX slots, so the three-row window of a
 * tile's column walk stays in L1. With depth d > 1, a tile's two scratch buffers of T + 2d
 * rows should stay in L2 (SCRATCH_BUDGET per thread), and T should be large against d
 * (the recomputed overlap costs (d-1)/T). Either way at least one tile per thread. */
enum { TILE_MAX = 32, TILE_MIN_DEEP = 8, TILE_MAX_DEEP = 64 };
#define SCRATCH_BUDGET (512u * 1024u)
/* Boards whose two buffers fit in this many bytes stay at depth 1 (they live in L2). */
#define FAST_SMALL_BOARD (768u * 1024u)

static size_t row_bytes(const fast_board *b) { return (size_t)b->g.pitch * b->lanes * 8u; }

static int fast_plan_tiles(fast_board *b)
{
    int64_t cap = TILE_MAX;
    if (b->depth > 1) {
        cap = (int64_t)(SCRATCH_BUDGET / (2 * row_bytes(b))) - 2 * b->depth;
        cap = cap < TILE_MIN_DEEP ? TILE_MIN_DEEP : cap > TILE_MAX_DEEP ? TILE_MAX_DEEP : cap;
    }
    int64_t nt = (b->band + cap - 1) / cap;
    if (nt < b->threads)
        nt = b->threads;
    if (nt > b->band)
        nt = b->band;
    b->tile = (b->band + nt - 1) / nt;
    b->ntiles = (b->band + b->tile - 1) / b->tile;
    /* scratch: two buffers of tile + 2*depth rows per thread */
    free(b->scratch);
    b->scratch = NULL;
    b->scratch_rows = 0;
    if (b->depth > 1) {
        b->scratch_rows = b->tile + 2 * b->depth;
        const size_t bytes = (size_t)b->threads * 2u * (size_t)b->scratch_rows * row_bytes(b);
        b->scratch = aligned_alloc(64, bytes);
        if (!b->scratch)
            return fail("out of memory for the tile scratch");
        memset(b->scratch, 0, bytes);
    }
    return 0;
}

/* -- the kernels, one instantiation per width ------------------------------------------- */

typedef uint64_t fk_v4 __attribute__((vector_size(32)));
typedef uint64_t fk_v8 __attribute__((vector_size(64)));

/* 64-bit words: plain C, any x86-64 (or any other 64-bit target). */
#define cell uint64_t
#define gatenet_circuit fast_circuit_w64
#include FAST_CIRCUIT_HEADER_W64
#undef gatenet_circuit
#undef cell
#define FK_CELL uint64_t
#define FK_SUFFIX w64
#define FK_CIRCUIT fast_circuit_w64
#include "fast_kernel.h"
#include "expert.c"
#include "fast_driver.h"
#undef FK_CELL
#undef FK_SUFFIX
#undef FK_CIRCUIT

#if FAST_X86
/* 256-bit vectors: AVX2. */
#pragma GCC push_options
#pragma GCC target("avx2")
#define cell fk_v4
#define gatenet_circuit fast_circuit_w256
#include FAST_CIRCUIT_HEADER_W256
#undef gatenet_circuit
#undef cell
#define FK_CELL fk_v4
#define FK_SUFFIX w256
#define FK_CIRCUIT fast_circuit_w256
#include "fast_kernel.h"
#include "expert.c"
#include "fast_driver.h"
#undef FK_CELL
#undef FK_SUFFIX
#undef FK_CIRCUIT
#pragma GCC pop_options

/* 512-bit vectors: AVX-512F (vpternlogq lets the compiler fuse 3-input logic). */
#pragma GCC push_options
#pragma GCC target("avx512f")
#define cell fk_v8
#define gatenet_circuit fast_circuit_w512
#include FAST_CIRCUIT_HEADER_W512
#undef gatenet_circuit
#undef cell
#ifdef FAST_LUT3_HEADER_W512
/* The LUT3 mapping of the same rule: one vpternlogq per three-input LUT, immediate = the
 * LUT's truth table. Its function works on __m512i; fk_v8 has the same size, so the vector
 * casts below are free (no instruction). gatenet.fast checks exhaustively that the LUT3
 * circuit and the two-input circuit compute the same truth table before building this. */
#include FAST_LUT3_HEADER_W512
static inline fk_v8 fast_circuit_lut3_w512_cell(const fk_v8 in[9])
{
    __m512i v[9];
    for (int k = 0; k < 9; k++)
        v[k] = (__m512i)in[k];
    return (fk_v8)fast_circuit_lut3_w512(v);
}
#define FK_CIRCUIT fast_circuit_lut3_w512_cell
#else
#define FK_CIRCUIT fast_circuit_w512
#endif
#define FK_CELL fk_v8
#define FK_SUFFIX w512
#include "fast_kernel.h"
#include "expert.c"
#include "fast_driver.h"
#undef FK_CELL
#undef FK_SUFFIX
#undef FK_CIRCUIT
#pragma GCC pop_options
#endif

/* -- CPU features ----------------------------------------------------------------------- */

int fast_uses_lut3(void)
{
#ifdef FAST_LUT3_HEADER_W512
    return 1;
#else
    return 0;
#endif
}

int fast_width_supported(int width)
{
    switch (width) {
    case FAST_W64:
        return 1;
#if FAST_X86
    case FAST_W256:
        return __builtin_cpu_supports("avx2") ? 1 : 0;
    case FAST_W512:
        return __builtin_cpu_supports("avx512f") ? 1 : 0;
#endif
    default:
        return 0;
    }
}

int fast_best_width(void)
{
    for (int w = FAST_NWIDTHS - 1; w > 0; w--)
        if (fast_width_supported(w))
            return w;
    return FAST_W64;
}

int fast_width_bits(int width)
{
    static const int bits[FAST_NWIDTHS] = {64, 256, 512};
    return width >= 0 && width < FAST_NWIDTHS ? bits[width] : -1;
}

int fast_default_threads(void)
{
#ifdef _OPENMP
    return omp_get_num_procs();
#else
    return 1;
#endif
}

/* -- the public API --------------------------------------------------------------------- */

fast_board *fast_new(int64_t width, int64_t height, int vec_width, int flavour, int threads)
{
    fast_errbuf[0] = 0;
    if (width < 1 || height < 1 || width > (INT64_C(1) << 31) || height > (INT64_C(1) << 31)) {
        fail("width and height must be in 1..2^31");
        return NULL;
    }
    if (vec_width == FAST_AUTO)
        vec_width = fast_best_width();
    if (vec_width < 0 || vec_width >= FAST_NWIDTHS) {
        fail("unknown vector width");
        return NULL;
    }
    if (!fast_width_supported(vec_width)) {
        fail("this CPU does not support the requested vector width");
        return NULL;
    }
    if (flavour != FAST_CIRCUIT && flavour != FAST_EXPERT) {
        fail("unknown kernel flavour");
        return NULL;
    }
    if (threads < 1) {
        fail("threads must be >= 1");
        return NULL;
    }
    fast_board *b = calloc(1, sizeof *b);
    if (!b) {
        fail("out of memory");
        return NULL;
    }
    b->width = width;
    b->height = height;
    b->vec_width = vec_width;
    b->lanes = fast_width_bits(vec_width) / 64;
    b->flavour = flavour;
    b->threads = threads;
    b->g.nw = (width + 63) / 64;
    b->g.r = (int)(width - 64 * (b->g.nw - 1));
    b->g.last_mask = b->g.r == 64 ? ~UINT64_C(0) : (UINT64_C(1) << b->g.r) - 1;
    /* Row pitch: an odd number of 64-byte lines. The kernels walk down columns, one row
     * apart; with a power-of-two row size (2048 or 8192 cells) every row of a column
     * would map to the same L1 set and the 8 ways would thrash. */
    {
        const int64_t cell_bytes = 8 * b->lanes;
        int64_t lines = (b->g.nw * cell_bytes + 63) / 64;
        if (lines % 2 == 0)
            lines++;
        b->g.pitch = lines * 64 / cell_bytes;
    }
    b->band = (height + b->lanes - 1) / b->lanes;
    b->active = (height + b->band - 1) / b->band;
    b->slots = b->band + 2 * FAST_HALO;
    /* (B + 2) * pitch cells of lanes * 8 bytes: at most ~2^31 * 2^26 * 64 / lanes */
    const size_t bytes = (size_t)b->slots * (size_t)b->g.pitch * (size_t)b->lanes * 8u;
    for (int k = 0; k < 2; k++) {
        b->buf[k] = aligned_alloc(64, (bytes + 63) / 64 * 64);
        if (!b->buf[k]) {
            fast_free(b);
            fail("out of memory for the board");
            return NULL;
        }
        memset(b->buf[k], 0, bytes);
    }
    b->depth = 2 * bytes <= FAST_SMALL_BOARD ? 1 : 4;
    if (fast_plan_tiles(b) < 0) {
        fast_free(b);
        return NULL;
    }
    return b;
}

void fast_free(fast_board *b)
{
    if (!b)
        return;
    free(b->buf[0]);
    free(b->buf[1]);
    free(b->scratch);
    free(b);
}

int fast_set_cells(fast_board *b, const uint8_t *cells)
{
    if (!b || !cells)
        return fail("null board or cells");
    uint64_t *base = b->buf[b->cur];
    for (int64_t y = 0; y < b->height; y++) {
        const uint8_t *row = cells + y * b->width;
        const int64_t s = slot_of(b, y);
        const int lane = lane_of(b, y);
        for (int64_t i = 0; i < b->g.nw; i++) {
            const int64_t x0 = 64 * i;
            const int n = b->width - x0 < 64 ? (int)(b->width - x0) : 64;
            uint64_t w = 0;
            for (int k = 0; k < n; k++)
                w |= (uint64_t)(row[x0 + k] & 1u) << k;
            *word_at(base, b, s, lane, i) = w;
        }
    }
    return 0;
}

int fast_get_cells(const fast_board *b, uint8_t *cells)
{
    if (!b || !cells)
        return fail("null board or cells");
    uint64_t *base = b->buf[b->cur];
    for (int64_t y = 0; y < b->height; y++) {
        uint8_t *row = cells + y * b->width;
        const int64_t s = slot_of(b, y);
        const int lane = lane_of(b, y);
        for (int64_t i = 0; i < b->g.nw; i++) {
            const int64_t x0 = 64 * i;
            const int n = b->width - x0 < 64 ? (int)(b->width - x0) : 64;
            const uint64_t w = *word_at(base, b, s, lane, i);
            for (int k = 0; k < n; k++)
                row[x0 + k] = (uint8_t)((w >> k) & 1u);
        }
    }
    return 0;
}

int64_t fast_population(const fast_board *b)
{
    if (!b)
        return fail("null board");
    uint64_t *base = b->buf[b->cur];
    int64_t pop = 0;
    for (int64_t y = 0; y < b->height; y++)
        for (int64_t i = 0; i < b->g.nw; i++)
            pop += __builtin_popcountll(*word_at(base, b, slot_of(b, y), lane_of(b, y), i));
    return pop;
}

int fast_step(fast_board *b, int64_t steps)
{
    if (!b)
        return fail("null board");
    if (steps < 0)
        return fail("steps must be >= 0");
    if (steps == 0)
        return 0;
    switch (b->vec_width) {
    case FAST_W64:
        fk_run_w64(b, steps);
        break;
#if FAST_X86
    case FAST_W256:
        fk_run_w256(b, steps);
        break;
    case FAST_W512:
        fk_run_w512(b, steps);
        break;
#endif
    default:
        return fail("unsupported vector width");
    }
    return 0;
}

int fast_set_threads(fast_board *b, int threads)
{
    if (!b)
        return fail("null board");
    if (threads < 1)
        return fail("threads must be >= 1");
    const int old = b->threads;
    b->threads = threads;
    if (fast_plan_tiles(b) < 0) {
        b->threads = old;
        fast_plan_tiles(b);
        return -1;
    }
    return 0;
}

int fast_set_depth(fast_board *b, int depth)
{
    if (!b)
        return fail("null board");
    if (depth < 1 || depth > FAST_HALO)
        return fail("depth must be in 1..8");
    const int old = b->depth;
    b->depth = depth;
    if (fast_plan_tiles(b) < 0) {
        b->depth = old;
        fast_plan_tiles(b);
        return -1;
    }
    return 0;
}

int fast_depth(const fast_board *b) { return b ? b->depth : fail("null board"); }
int fast_max_depth(void) { return FAST_HALO; }

int fast_threads(const fast_board *b) { return b ? b->threads : fail("null board"); }
int fast_vec_width(const fast_board *b) { return b ? b->vec_width : fail("null board"); }
int fast_flavour(const fast_board *b) { return b ? b->flavour : fail("null board"); }
int64_t fast_band_rows(const fast_board *b) { return b ? b->band : fail("null board"); }
int64_t fast_row_words(const fast_board *b) { return b ? b->g.nw : fail("null board"); }

double fast_time_steps(fast_board *b, int64_t steps)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (fast_step(b, steps) < 0)
        return -1.0;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
}
