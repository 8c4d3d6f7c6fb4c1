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
 * fast_circuit_w64/_w256/_w512 (what gatenet.runtime.fast emits: emitted headers have include
 * guards). No -march flag is needed or wanted: the scalar path must run on any x86-64.
 * Optionally FAST_LUT3_HEADER_W512 names a header (gatenet.emit.ternary) defining
 * `__m512i fast_circuit_lut3_w512(const __m512i in[9])`, the same rule as three-input LUTs:
 * the 512-bit circuit kernel then runs it (one vpternlogq per LUT) instead of the netlist.
 * Optionally FAST_SEP_K (feature bits per row) with FAST_SEP_ROW_HEADER_W64/_W256/_W512 and
 * FAST_SEP_COMBINE_HEADER_W64/_W256/_W512 (functions fast_sep_row_<w>, fast_sep_combine_<w>)
 * give a separable circuit of the same rule: the FAST_SEPARABLE flavour then runs it with
 * separable_kernel.h (each row's features computed once per row); FAST_SEP_P (pair bits)
 * with FAST_SEP_PAIR_HEADER_W64/_W256/_W512 (fast_sep_pair_<w>) adds the pair level.
 * FAST_SEP_LUT3 with FAST_SEP_ROW_LUT3_HEADER, FAST_SEP_COMBINE_LUT3_HEADER (and with a pair
 * FAST_SEP_PAIR_LUT3_HEADER) give the separable circuit's parts as three-input LUTs
 * (gatenet.emit.ternary.to_c_features: fast_sep_row_lut3, fast_sep_combine_lut3,
 * fast_sep_pair_lut3 on __m512i): the 512-bit separable kernel then runs those.
 * FAST_EXPERT_TERN_W64 (tests only) builds the 64-bit expert kernel from the three-input
 * operations the 512-bit one runs as vpternlogq, each emulated bit by bit (see expert.c).
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

#include <stdatomic.h>
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
#include <immintrin.h>
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

/* Halo rows above and below every block: the deepest temporal blocking possible. */
#define FAST_HALO 8
/* Untouched bytes after every block and every thread's scratch. Threads walk down columns,
 * and the hardware prefetcher follows that stride well past the end of a thread's rows; if
 * the next thread's rows were there, the prefetches would keep pulling its freshly written
 * lines across cores (measured at 512 x 512 with two threads: each half-board generation
 * took 1.8 times as long as on private memory; 16 KB apart still 1.4 times; 18 KB apart
 * the penalty was gone). */
#define FAST_GUARD_BYTES (32u * 1024u)

struct fast_board {
    int64_t width, height;
    int vec_width;    /* FAST_W64 / FAST_W256 / FAST_W512 */
    int lanes;        /* uint64 words per cell: 1, 4, 8 */
    int flavour;      /* FAST_CIRCUIT / FAST_EXPERT / FAST_SEPARABLE */
    int threads;
    fast_geom g;
    int64_t nblocks;  /* blocks per lane band: one memory region per thread */
    int64_t brows;    /* board rows per block and lane (B') */
    int64_t band;     /* board rows per lane, B = nblocks * B' */
    int64_t bstride;  /* vector rows from one block to the next: halo, B' rows, halo, guard */
    int64_t slots;    /* vector rows per buffer: nblocks * bstride */
    int64_t *halo;    /* halo copy plan, see fast_plan_halo */
    int full;         /* every lane holds exactly `band` rows (H == lanes * band) */
    int depth;        /* generations per pass over the board (temporal blocking), 1..HALO */
    int64_t ntiles, tile; /* tiles per block and rows per tile */
    void *buf[2];     /* two generations, 64-byte aligned */
    int cur;          /* which buffer holds the current generation */
    void *scratch;    /* per thread: two tiles of scratch_rows rows (depth > 1 only) */
    int64_t scratch_rows, scratch_stride;
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

/* Board row y lives in lane y / B, block (y / B') % nblocks, block row y % B'. */
static inline int64_t slot_of(const fast_board *b, int64_t y)
{
    return (y / b->brows) % b->nblocks * b->bstride + FAST_HALO + y % b->brows;
}
static inline int lane_of(const fast_board *b, int64_t y) { return (int)(y / b->band); }

/* Offset (in uint64 words) of word 0 of vector row `slot`, lane `lane`; word i is at
 * offset + i * lanes. */
static inline int64_t word_offset(const fast_board *b, int64_t slot, int64_t lane)
{
    return slot * b->g.pitch * b->lanes + lane;
}
static inline int64_t row_offset(const fast_board *b, int64_t y)
{
    return word_offset(b, slot_of(b, y), lane_of(b, y));
}

/* The halo plan. Block k of lane L holds board rows [first, first + n) with
 * first = (L * nblocks + k) * B' and n = min(B', H - first) (n <= 0: no rows). Its halo row t
 * above (slot HALO - t of the block) is board row first - t, and halo row t below (slot
 * HALO + n + t - 1, inside the block's rows when n < B') is board row first + n + t - 1, rows
 * taken mod H (the torus). For every block, t = 1..HALO, side and lane the plan stores the
 * destination and source word offsets (-1, -1 when the lane has no rows in the block), so a
 * pass copies without a single division. Sources are always real rows and destinations never
 * are; halo words of a block are written only by the thread that owns the block. */
static int64_t *halo_entry(const fast_board *b, int64_t k, int t, int side, int64_t L)
{
    return b->halo + 2 * (((k * FAST_HALO + (t - 1)) * 2 + side) * b->lanes + L);
}

static int fast_plan_halo(fast_board *b)
{
    free(b->halo);
    b->halo = malloc(sizeof(int64_t) * 2u * (size_t)(b->nblocks * FAST_HALO * 2 * b->lanes));
    if (!b->halo)
        return fail("out of memory for the halo plan");
    const int64_t H = b->height;
    for (int64_t k = 0; k < b->nblocks; k++)
        for (int t = 1; t <= FAST_HALO; t++)
            for (int64_t L = 0; L < b->lanes; L++) {
                const int64_t first = (L * b->nblocks + k) * b->brows;
                const int64_t n = H - first < b->brows ? H - first : b->brows;
                const int64_t base = k * b->bstride + FAST_HALO;
                int64_t *up = halo_entry(b, k, t, 0, L), *down = halo_entry(b, k, t, 1, L);
                if (n <= 0) {
                    up[0] = up[1] = down[0] = down[1] = -1;
                    continue;
                }
                up[0] = word_offset(b, base - t, L);
                up[1] = row_offset(b, ((first - t) % H + H) % H);
                down[0] = word_offset(b, base + n + t - 1, L);
                down[1] = row_offset(b, (first + n + t - 1) % H);
            }
    return 0;
}

/* Refresh the `d` innermost halo rows above and below block k (all lanes) from the rows
 * they mirror. */
static void fast_fill_halo(const fast_board *b, uint64_t *base, int64_t k, int d)
{
    const int64_t nw = b->g.nw, lanes = b->lanes;
    for (int t = 1; t <= d; t++)
        for (int side = 0; side < 2; side++) {
            const int64_t *e = halo_entry(b, k, t, side, 0);
            for (int64_t L = 0; L < lanes; L++, e += 2) {
                if (e[0] < 0)
                    continue;
                uint64_t *to = base + e[0];
                const uint64_t *from = base + e[1];
                for (int64_t i = 0; i < nw; i++)
                    to[i * lanes] = from[i * lanes];
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

static inline int fast_num_threads(void)
{
#ifdef _OPENMP
    return omp_get_num_threads();
#else
    return 1;
#endif
}

/* Tiling, per block. With depth 1, tiles of at most TILE_MAX rows, so the three-row window
 * of a tile's column walk stays in L1. With depth d > 1, a tile's two scratch buffers of
 * T + 2d rows should stay in L2 (SCRATCH_BUDGET per thread), and T should be large against
 * d (the recomputed overlap costs (d-1)/T). */
enum { TILE_MAX = 32, TILE_MIN_DEEP = 8, TILE_MAX_DEEP = 64 };
#define SCRATCH_BUDGET (512u * 1024u)
/* Boards up to this many bytes are "tiny" for the default depth (fast_default_depth). */
#define FAST_TINY_BOARD (128u * 1024u)

static size_t row_bytes(const fast_board *b) { return (size_t)b->g.pitch * b->lanes * 8u; }

static int64_t guard_rows(const fast_board *b)
{
    return (int64_t)((FAST_GUARD_BYTES + row_bytes(b) - 1) / row_bytes(b));
}

static int fast_plan_tiles(fast_board *b)
{
    int64_t cap = TILE_MAX;
    if (b->depth > 1) {
        cap = (int64_t)(SCRATCH_BUDGET / (2 * row_bytes(b))) - 2 * b->depth;
        cap = cap < TILE_MIN_DEEP ? TILE_MIN_DEEP : cap > TILE_MAX_DEEP ? TILE_MAX_DEEP : cap;
    }
    const int64_t nt = (b->brows + cap - 1) / cap;
    b->tile = (b->brows + nt - 1) / nt;
    b->ntiles = (b->brows + b->tile - 1) / b->tile;
    /* scratch: two buffers of tile + 2*depth rows per thread, then a guard */
    free(b->scratch);
    b->scratch = NULL;
    b->scratch_rows = b->scratch_stride = 0;
    if (b->depth > 1) {
        b->scratch_rows = b->tile + 2 * b->depth;
        b->scratch_stride = 2 * b->scratch_rows + guard_rows(b);
        const size_t bytes = (size_t)b->threads * (size_t)b->scratch_stride * row_bytes(b);
        b->scratch = aligned_alloc(64, bytes);
        if (!b->scratch)
            return fail("out of memory for the tile scratch");
        memset(b->scratch, 0, bytes);
    }
    return 0;
}

/* Blocks and buffers for `threads` threads: one block per thread (fewer when the lane band
 * has fewer rows than threads), new zeroed buffers, the halo plan and the tiles. On failure
 * the board is left without buffers (the caller restores or frees it). */
static int fast_layout(fast_board *b, int threads)
{
    const int64_t per_lane = (b->height + b->lanes - 1) / b->lanes;
    b->threads = threads;
    b->nblocks = threads < per_lane ? threads : per_lane;
    b->brows = (b->height + b->lanes * b->nblocks - 1) / (b->lanes * b->nblocks);
    b->band = b->nblocks * b->brows;
    b->full = b->height == b->lanes * b->band;
    b->bstride = b->brows + 2 * FAST_HALO + guard_rows(b);
    b->slots = b->nblocks * b->bstride;
    /* slots * pitch cells of lanes * 8 bytes: at most ~2^32 * 2^26 * 64 / lanes */
    const size_t bytes = (size_t)b->slots * row_bytes(b);
    b->buf[0] = b->buf[1] = NULL;
    for (int k = 0; k < 2; k++) {
        b->buf[k] = aligned_alloc(64, (bytes + 63) / 64 * 64);
        if (!b->buf[k])
            return fail("out of memory for the board");
        memset(b->buf[k], 0, bytes);
    }
    b->cur = 0;
    if (fast_plan_halo(b) < 0)
        return -1;
    return fast_plan_tiles(b);
}

/* Board bytes that matter for caching: the real rows of both buffers. */
static size_t board_bytes(const fast_board *b)
{
    return 2u * (size_t)b->band * row_bytes(b);
}

/* The last-level cache in bytes: the largest cache level Linux lists for CPU 0, read once;
 * 8 MiB where that is unknown. Exported, so Python asks the runtime instead of reading
 * sysfs a second time. */
int64_t fast_llc_bytes(void)
{
    static _Atomic int64_t cached = 0;
    int64_t llc = atomic_load(&cached);
    if (llc)
        return llc;
    llc = INT64_C(8) << 20;
    for (int index = 0; index < 8; index++) {
        char path[96];
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/size", index);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        long kb = 0;
        char unit = 0;
        if (fscanf(f, "%ld%c", &kb, &unit) == 2 && unit == 'K' && kb > 0 &&
            (int64_t)kb * 1024 > llc)
            llc = (int64_t)kb * 1024;
        fclose(f);
    }
    atomic_store(&cached, llc);
    return llc;
}

/* Default temporal-blocking depth, from the real rows' bytes in both buffers. Tiny boards
 * (up to 512 x 512 at AVX-512) take a microsecond or two per generation, so the fixed costs
 * of a pass (a barrier, the halo copy) matter: depth 4 pays them once per four
 * generations. Boards that fit in the last-level cache gain nothing from it and pay the
 * recomputed overlap: depth 1. Larger boards would stream from memory every generation:
 * depth 4 reads them once per four. Measured on the 2-core Zen 4 this was built on (32 MiB
 * L3: an 8192 x 8192 board ran fastest at depth 1, a 16384 x 16384 one twice as fast at
 * depth 4 as at depth 1); fast_set_depth overrides it. */
static int fast_default_depth(const fast_board *b)
{
    const size_t bytes = board_bytes(b);
    if (bytes <= FAST_TINY_BOARD)
        return 4;
    return (int64_t)bytes <= fast_llc_bytes() ? 1 : 4;
}

/* -- the kernels, one instantiation per width ------------------------------------------- */

typedef uint64_t fk_v4 __attribute__((vector_size(32)));
typedef uint64_t fk_v8 __attribute__((vector_size(64)));

/* The emitted circuits keep every value in the polarity that makes each gate one
 * operation (and, or, xor, and-not; see gatenet.emit.c) and mark the values they read
 * complemented with GATENET_OPAQUE. Without it GCC's folding rewrites x & ~(y & ~z) as
 * x & (~y | z) and spends an extra NOT; an empty asm that claims to modify the value in
 * its register stops that, at no cost. With AVX-512 the compiler should see everything,
 * since it fuses up to three inputs into one vpternlogq: there the macro stays a no-op. */
#if defined(__GNUC__) && FAST_X86
#define GATENET_OPAQUE(v) __asm__("" : "+r"(v))
#endif

/* 64-bit words: plain C, any x86-64 (or any other 64-bit target). */
#define cell uint64_t
#define gatenet_circuit fast_circuit_w64
#include FAST_CIRCUIT_HEADER_W64
#undef gatenet_circuit
#undef cell
#ifdef FAST_SEP_K
#define cell uint64_t
#include FAST_SEP_ROW_HEADER_W64
#include FAST_SEP_COMBINE_HEADER_W64
#ifdef FAST_SEP_P
#include FAST_SEP_PAIR_HEADER_W64
#endif
#undef cell
#endif
/* West/east neighbour words of an interior word (fk_load_inner_): two shifts and an OR;
 * the 512-bit kernels redefine them as funnel shifts. */
#define FK_SHIFT_W(x, prev) (((x) << 1) | ((prev) >> 63))
#define FK_SHIFT_E(x, next) (((x) >> 1) | ((next) << 63))
/* A vector row with its lanes rotated by one (fk_halo_): lane L takes lane L-1 (UP) or lane
 * L+1 (DOWN), wrapping around. One lane: nothing to rotate. */
#define FK_LANES_UP(v) (v)
#define FK_LANES_DOWN(v) (v)
#define FK_CELL uint64_t
#define FK_SUFFIX w64
#define FK_CIRCUIT fast_circuit_w64
#include "fast_kernel.h"
#ifdef FAST_EXPERT_TERN_W64
/* Tests only (tests/test_fast.py builds tests/c/test_fast.c so): the 64-bit expert written
 * in three-input operations, each one emulated bit by bit as vpternlogq defines it, so the
 * 512-bit expert's structure and immediates are checked against Life on a CPU without
 * AVX-512. */
static inline uint64_t fk_tern_w64(uint64_t a, uint64_t b, uint64_t c, int imm)
{
    uint64_t r = 0;
    for (int k = 0; k < 8; k++)
        if ((imm >> k) & 1)
            r |= ((k & 4) ? a : ~a) & ((k & 2) ? b : ~b) & ((k & 1) ? c : ~c);
    return r;
}
#define FK_TERN(a, b, c, imm) fk_tern_w64((a), (b), (c), (imm))
#endif
#include "expert.c"
#undef FK_TERN
#ifdef FAST_SEP_K
#define FK_SEP_ROW fast_sep_row_w64
#define FK_SEP_COMBINE fast_sep_combine_w64
#define FK_SEP_PAIR fast_sep_pair_w64
#define FK_SEP_K FAST_SEP_K
#ifdef FAST_SEP_P
#define FK_SEP_P FAST_SEP_P
#endif
#include "separable_kernel.h"
#undef FK_SEP_K
#undef FK_SEP_P
#undef FK_SEP_PAIR
#undef FK_SEP_ROW
#undef FK_SEP_COMBINE
#endif
#include "fast_driver.h"
#undef FK_CELL
#undef FK_SUFFIX
#undef FK_CIRCUIT

#if FAST_X86
/* 256-bit vectors: AVX2 (and PREFETCHW, so the kernels' write prefetches ask for the line
 * in a writable state; CPUs before it execute the instruction as a no-op). */
#pragma GCC push_options
#pragma GCC target("avx2,prfchw")
#undef GATENET_OPAQUE
#define GATENET_OPAQUE(v) __asm__("" : "+x"(v))
#define cell fk_v4
#define gatenet_circuit fast_circuit_w256
#include FAST_CIRCUIT_HEADER_W256
#undef gatenet_circuit
#undef cell
#ifdef FAST_SEP_K
#define cell fk_v4
#include FAST_SEP_ROW_HEADER_W256
#include FAST_SEP_COMBINE_HEADER_W256
#ifdef FAST_SEP_P
#include FAST_SEP_PAIR_HEADER_W256
#endif
#undef cell
#endif
#undef FK_LANES_UP
#undef FK_LANES_DOWN
#define FK_LANES_UP(v) __builtin_shuffle((v), (fk_v4){3, 0, 1, 2})
#define FK_LANES_DOWN(v) __builtin_shuffle((v), (fk_v4){1, 2, 3, 0})
#define FK_CELL fk_v4
#define FK_SUFFIX w256
#define FK_CIRCUIT fast_circuit_w256
#include "fast_kernel.h"
#define FK_SCHED_PRESSURE /* see expert.c: measured to remove spills at this width */
#include "expert.c"
#ifdef FAST_SEP_K
#define FK_SEP_ROW fast_sep_row_w256
#define FK_SEP_COMBINE fast_sep_combine_w256
#define FK_SEP_PAIR fast_sep_pair_w256
#define FK_SEP_K FAST_SEP_K
#ifdef FAST_SEP_P
#define FK_SEP_P FAST_SEP_P
#endif
#include "separable_kernel.h"
#undef FK_SEP_K
#undef FK_SEP_P
#undef FK_SEP_PAIR
#undef FK_SEP_ROW
#undef FK_SEP_COMBINE
#endif
#undef FK_SCHED_PRESSURE
#include "fast_driver.h"
#undef FK_CELL
#undef FK_SUFFIX
#undef FK_CIRCUIT
#pragma GCC pop_options

/* 512-bit vectors: AVX-512F (vpternlogq lets the compiler fuse 3-input logic) and VBMI2,
 * whose funnel shifts (vpshldq/vpshrdq) make each interior neighbour word one instruction
 * instead of two shifts and an OR. CPUs with AVX-512F but not VBMI2 (Skylake-X) use the
 * 256-bit kernels instead (fast_width_supported). PREFETCHW as for AVX2. */
#pragma GCC push_options
#pragma GCC target("avx512f,avx512vbmi2,prfchw")
#undef FK_SHIFT_W
#undef FK_SHIFT_E
#define FK_SHIFT_W(x, prev) ((fk_v8)_mm512_shldi_epi64((__m512i)(x), (__m512i)(prev), 1))
#define FK_SHIFT_E(x, next) ((fk_v8)_mm512_shrdi_epi64((__m512i)(x), (__m512i)(next), 1))
#undef GATENET_OPAQUE
#define GATENET_OPAQUE(v) ((void)0)
#define cell fk_v8
#define gatenet_circuit fast_circuit_w512
#include FAST_CIRCUIT_HEADER_W512
#undef gatenet_circuit
#undef cell
#ifdef FAST_SEP_K
#define cell fk_v8
#include FAST_SEP_ROW_HEADER_W512
#include FAST_SEP_COMBINE_HEADER_W512
#ifdef FAST_SEP_P
#include FAST_SEP_PAIR_HEADER_W512
#endif
#undef cell
#endif
#ifdef FAST_LUT3_HEADER_W512
/* The LUT3 mapping of the same rule: one vpternlogq per three-input LUT, immediate = the
 * LUT's truth table. Its function works on __m512i; fk_v8 has the same size, so the vector
 * casts below are free (no instruction). gatenet.runtime.fast checks exhaustively that the LUT3
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
#undef FK_LANES_UP
#undef FK_LANES_DOWN
#define FK_LANES_UP(v) __builtin_shuffle((v), (fk_v8){7, 0, 1, 2, 3, 4, 5, 6})
#define FK_LANES_DOWN(v) __builtin_shuffle((v), (fk_v8){1, 2, 3, 4, 5, 6, 7, 0})
#define FK_CELL fk_v8
#define FK_SUFFIX w512
#include "fast_kernel.h"
/* The expert written in vpternlogq (see expert.c); the casts between fk_v8 and __m512i
 * are free. */
#define FK_TERN(a, b, c, imm)                                                                  \
    ((fk_v8)_mm512_ternarylogic_epi64((__m512i)(a), (__m512i)(b), (__m512i)(c), (imm)))
#include "expert.c"
#undef FK_TERN
#ifdef FAST_SEP_K
#ifdef FAST_SEP_LUT3
/* The separable parts as LUT3 netlists (one vpternlogq per LUT); the casts between fk_v8
 * and __m512i are free, as for the circuit's LUT3 form above. gatenet.runtime.fast checks
 * exhaustively that each LUT3 part computes its two-input part's outputs. */
#include FAST_SEP_ROW_LUT3_HEADER
#include FAST_SEP_COMBINE_LUT3_HEADER
#ifdef FAST_SEP_P
#include FAST_SEP_PAIR_LUT3_HEADER
#define FAST_SEP_COMBINE_IN (FAST_SEP_P + FAST_SEP_K + 1)
#else
#define FAST_SEP_COMBINE_IN (3 * FAST_SEP_K + 1)
#endif
static inline void fast_sep_row_lut3_cell(const fk_v8 in[3], fk_v8 out[FAST_SEP_K])
{
    const __m512i v[3] = {(__m512i)in[0], (__m512i)in[1], (__m512i)in[2]};
    __m512i o[FAST_SEP_K];
    fast_sep_row_lut3(v, o);
    for (int q = 0; q < FAST_SEP_K; q++)
        out[q] = (fk_v8)o[q];
}
static inline fk_v8 fast_sep_combine_lut3_cell(const fk_v8 in[FAST_SEP_COMBINE_IN])
{
    __m512i v[FAST_SEP_COMBINE_IN], o[1];
    for (int q = 0; q < FAST_SEP_COMBINE_IN; q++)
        v[q] = (__m512i)in[q];
    fast_sep_combine_lut3(v, o);
    return (fk_v8)o[0];
}
#ifdef FAST_SEP_P
static inline void fast_sep_pair_lut3_cell(const fk_v8 in[2 * FAST_SEP_K], fk_v8 out[FAST_SEP_P])
{
    __m512i v[2 * FAST_SEP_K], o[FAST_SEP_P];
    for (int q = 0; q < 2 * FAST_SEP_K; q++)
        v[q] = (__m512i)in[q];
    fast_sep_pair_lut3(v, o);
    for (int q = 0; q < FAST_SEP_P; q++)
        out[q] = (fk_v8)o[q];
}
#endif
#define FK_SEP_ROW fast_sep_row_lut3_cell
#define FK_SEP_COMBINE fast_sep_combine_lut3_cell
#define FK_SEP_PAIR fast_sep_pair_lut3_cell
#else
#define FK_SEP_ROW fast_sep_row_w512
#define FK_SEP_COMBINE fast_sep_combine_w512
#define FK_SEP_PAIR fast_sep_pair_w512
#endif
#define FK_SEP_K FAST_SEP_K
#ifdef FAST_SEP_P
#define FK_SEP_P FAST_SEP_P
#endif
#include "separable_kernel.h"
#undef FK_SEP_K
#undef FK_SEP_P
#undef FK_SEP_PAIR
#undef FK_SEP_ROW
#undef FK_SEP_COMBINE
#endif
#include "fast_driver.h"
#undef FK_CELL
#undef FK_SUFFIX
#undef FK_CIRCUIT
#pragma GCC pop_options
#endif

/* -- CPU features ----------------------------------------------------------------------- */

int fast_has_separable(void)
{
#ifdef FAST_SEP_K
    return 1;
#else
    return 0;
#endif
}

int fast_sep_uses_lut3(void)
{
#ifdef FAST_SEP_LUT3
    return 1;
#else
    return 0;
#endif
}

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
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vbmi2") ? 1 : 0;
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
    if (flavour != FAST_CIRCUIT && flavour != FAST_EXPERT && flavour != FAST_SEPARABLE) {
        fail("unknown kernel flavour");
        return NULL;
    }
    if (flavour == FAST_SEPARABLE && !fast_has_separable()) {
        fail("this library was built without a separable circuit");
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
    b->depth = 1;
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
    if (fast_layout(b, threads) < 0) {
        fast_free(b);
        return NULL;
    }
    b->depth = fast_default_depth(b);
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
    free(b->halo);
    free(b);
}

int fast_set_cells(fast_board *b, const uint8_t *cells)
{
    if (!b || !cells)
        return fail("null board or cells");
    uint64_t *base = b->buf[b->cur];
    for (int64_t y = 0; y < b->height; y++) {
        const uint8_t *row = cells + y * b->width;
        uint64_t *words = base + row_offset(b, y);
        for (int64_t i = 0; i < b->g.nw; i++) {
            const int64_t x0 = 64 * i;
            const int n = b->width - x0 < 64 ? (int)(b->width - x0) : 64;
            uint64_t w = 0;
            for (int k = 0; k < n; k++)
                w |= (uint64_t)(row[x0 + k] & 1u) << k;
            words[i * b->lanes] = w;
        }
    }
    return 0;
}

int fast_get_cells(const fast_board *b, uint8_t *cells)
{
    if (!b || !cells)
        return fail("null board or cells");
    const uint64_t *base = b->buf[b->cur];
    for (int64_t y = 0; y < b->height; y++) {
        uint8_t *row = cells + y * b->width;
        const uint64_t *words = base + row_offset(b, y);
        for (int64_t i = 0; i < b->g.nw; i++) {
            const int64_t x0 = 64 * i;
            const int n = b->width - x0 < 64 ? (int)(b->width - x0) : 64;
            const uint64_t w = words[i * b->lanes];
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
    const uint64_t *base = b->buf[b->cur];
    int64_t pop = 0;
    for (int64_t y = 0; y < b->height; y++) {
        const uint64_t *words = base + row_offset(b, y);
        for (int64_t i = 0; i < b->g.nw; i++)
            pop += __builtin_popcountll(words[i * b->lanes]);
    }
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
    if (threads == b->threads)
        return 0;
    /* One block per thread: a new layout, so the cells move to new buffers. */
    fast_board old = *b;
    b->halo = NULL;
    b->scratch = NULL;
    if (fast_layout(b, threads) < 0) {
        free(b->buf[0]);
        free(b->buf[1]);
        free(b->halo);
        free(b->scratch);
        *b = old;
        return -1;
    }
    const uint64_t *from = old.buf[old.cur];
    uint64_t *to = b->buf[b->cur];
    for (int64_t y = 0; y < b->height; y++) {
        const uint64_t *src = from + row_offset(&old, y);
        uint64_t *dst = to + row_offset(b, y);
        for (int64_t i = 0; i < b->g.nw; i++)
            dst[i * b->lanes] = src[i * b->lanes];
    }
    free(old.buf[0]);
    free(old.buf[1]);
    free(old.halo);
    free(old.scratch);
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
