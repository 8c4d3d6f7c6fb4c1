/* fast_kernel.h — the circuit step kernel, instantiated once per vector width by fast.c.
 *
 * This file is a template: fast.c defines, before each inclusion,
 *   FK_CELL     the cell type (uint64_t or a GCC vector of uint64_t),
 *   FK_SUFFIX   a token appended to every function name (w64, w256, w512),
 *   FK_CIRCUIT  the generated circuit function over FK_CELL,
 * and wraps the inclusion in `#pragma GCC target(...)` for the matching instruction set.
 * No include guard on purpose.
 *
 * Traversal. A generation is computed tile by tile (a tile is a run of vector slots, the
 * unit OpenMP distributes); inside a tile, column by column (word index i), and inside a
 * column, slot by slot down the tile. Walking down a column keeps a sliding window of three
 * rows (above, centre, below) in registers, each already split into its west-shifted,
 * centre and east-shifted words, so each input word is loaded and shifted once per
 * generation (plus two rows per tile), not three times.
 */

#define FK_CAT_(a, b) a##b
#define FK_CAT(a, b) FK_CAT_(a, b)
#define FK_FN(name) FK_CAT(name, FK_SUFFIX)

/* Prefetch (see fk_load_) only where a cell fills half a cache line or more: with 64-bit
 * cells the word two columns on is nearly always in the line just loaded. */
#define FK_PREFETCH(addr, rw)                                                                \
    do {                                                                                     \
        if (sizeof(FK_CELL) >= 32)                                                           \
            __builtin_prefetch((addr), (rw));                                                \
    } while (0)

/* Run `column(g, src, dst, n, i, inner)` over every word column of a generation: the first
 * and last word of a row through the general path (inner = 0: wrap-around carries, the
 * padding mask), the words between through the fixed-shift path (inner = 1). `column` is
 * always_inline, so each call is its own specialised loop. Shared by both kernel flavours. */
#define FK_EACH_COLUMN(column, g, src, dst, n)                                               \
    do {                                                                                     \
        const int64_t nw_ = (g)->nw;                                                         \
        for (int64_t i_ = 0; i_ < nw_; i_++) {                                               \
            if (i_ == 0 || i_ == nw_ - 1)                                                    \
                column(g, src, dst, n, i_, 0);                                               \
            else                                                                             \
                column(g, src, dst, n, i_, 1);                                               \
        }                                                                                    \
    } while (0)

/* Per-column constants: where the horizontal carries come from and the output mask.
 * Bits beyond the board's width in the last word are kept zero (the invariant that makes
 * the wrap-around carries below correct); the mask restores it after the rule ran. */
typedef struct {
    int64_t im, ip; /* word index of the west / east neighbour word (wraps around) */
    int sw, se;     /* shift that brings the carry bit in: 63 inside, r-1 at a wrap */
    int64_t pf;     /* word to prefetch while walking this column (see fk_load_) */
    FK_CELL mask;   /* valid bits of this word, in every lane */
} FK_FN(fk_col_);

static inline FK_FN(fk_col_) FK_FN(fk_column_)(const fast_geom *g, int64_t i)
{
    FK_FN(fk_col_) c;
    const int64_t last = g->nw - 1;
    const FK_CELL zero = {0};
    c.im = i ? i - 1 : last;
    c.ip = i < last ? i + 1 : 0;
    c.sw = i ? 63 : g->r - 1;
    c.se = i < last ? 63 : g->r - 1;
    c.pf = i + 2 <= last ? i + 2 : i;
    c.mask = zero | (i < last ? ~(uint64_t)0 : g->last_mask);
    return c;
}

/* Load word i of one row and its west- and east-shifted versions, and prefetch word i + 2 of
 * the same row: the next column's walk needs it as its east neighbour (the kernels also
 * prefetch, for writing, the output word two columns on). Walking down a
 * column steps a whole row each time; on wide boards that is a new page every step, where
 * hardware prefetchers stop, so without this every step waits for the cache hierarchy
 * (measured at 8192 x 8192, one thread: a third of the time went to waiting).
 * West-shifted: bit x holds cell x-1 (the western neighbour), so W = (w << 1) | carry
 * from the top bit of the previous word; at i = 0 the carry is cell W-1, bit r-1 of the
 * last word, which is exactly `last >> (r-1)` because the bits above it are zero.
 * East-shifted: bit x holds cell x+1; at the last word the carry is cell 0 (bit 0 of word
 * 0) shifted to bit r-1; whatever lands above bit r-1 is garbage that the mask removes
 * (the rule is bitwise, so bit x of the output depends only on bit x of the inputs). */
static inline void FK_FN(fk_load_)(const FK_CELL *row, int64_t i, const FK_FN(fk_col_) *c,
                                   FK_CELL *w, FK_CELL *m, FK_CELL *e)
{
    FK_PREFETCH(&row[c->pf], 0);
    const FK_CELL x = row[i];
    *m = x;
    *w = (x << 1) | (row[c->im] >> c->sw);
    *e = (x >> 1) | (row[c->ip] << c->se);
}

/* Interior words (neither the first nor the last of a row): the carries come from the
 * adjacent words at a fixed shift and no padding bits need masking. FK_SHIFT_W/E are
 * funnel shifts, one instruction where the ISA has them (AVX-512 VBMI2). */
static inline void FK_FN(fk_load_inner_)(const FK_CELL *row, int64_t i, int64_t pf, FK_CELL *w,
                                         FK_CELL *m, FK_CELL *e)
{
    FK_PREFETCH(&row[pf], 0);
    const FK_CELL x = row[i];
    *m = x;
    *w = FK_SHIFT_W(x, row[i - 1]);
    *e = FK_SHIFT_E(x, row[i + 1]);
}

/* One column of `n` output rows; `inner` is a compile-time constant after inlining, so the
 * interior columns get their own loop with fixed shifts and no mask. The three-row window
 * is unrolled by three with the rows' roles rotating (a, b, c), (b, c, a), (c, a, b), so
 * sliding it costs no register copies. */
static inline __attribute__((always_inline)) void
FK_FN(fk_column_circuit_)(const fast_geom *g, const FK_CELL *restrict src,
                          FK_CELL *restrict dst, int64_t n, int64_t i, const int inner)
{
    const int64_t pitch = g->pitch;
    const FK_FN(fk_col_) c = FK_FN(fk_column_)(g, i);
    const FK_CELL zero = {0};
    FK_CELL aw, am, ae, bw, bm, be, cw = zero, cm = zero, ce = zero;
#define FK_LOAD_(row, w, m, e)                                                               \
    do {                                                                                     \
        if (inner)                                                                           \
            FK_FN(fk_load_inner_)(row, i, c.pf, w, m, e);                                    \
        else                                                                                 \
            FK_FN(fk_load_)(row, i, &c, w, m, e);                                            \
    } while (0)
    /* output row j from rows X (above), Y (centre) and Z (below, loaded here); the
     * neighbourhood order is NW, N, NE, W, C, E, SW, S, SE */
#define FK_ROW_(X, Y, Z, j)                                                                  \
    do {                                                                                     \
        FK_LOAD_(src + ((j) + 2) * pitch, &Z##w, &Z##m, &Z##e);                              \
        const FK_CELL in[9] = {X##w, X##m, X##e, Y##w, Y##m, Y##e, Z##w, Z##m, Z##e};       \
        const FK_CELL out = FK_CIRCUIT(in);                                                  \
        FK_PREFETCH(&dst[(j) * pitch + c.pf], 1);                                            \
        dst[(j) * pitch + i] = inner ? out : out & c.mask;                                   \
    } while (0)
    FK_LOAD_(src, &aw, &am, &ae);
    FK_LOAD_(src + pitch, &bw, &bm, &be);
    int64_t j = 0;
    for (; j + 3 <= n; j += 3) {
        FK_ROW_(a, b, c, j);
        FK_ROW_(b, c, a, j + 1);
        FK_ROW_(c, a, b, j + 2);
    }
    if (j < n)
        FK_ROW_(a, b, c, j);
    if (j + 1 < n)
        FK_ROW_(b, c, a, j + 1);
#undef FK_ROW_
#undef FK_LOAD_
}

/* One generation of the circuit rule for `n` rows: output row j (at dst + j*pitch) from
 * input rows j, j+1, j+2 starting at `src` (the row above the first output row). Input and
 * output may be the board's buffers or a thread's tile scratch: both use the same pitch. */
static void FK_FN(fk_rows_circuit_)(const fast_geom *g, const FK_CELL *restrict src,
                                   FK_CELL *restrict dst, int64_t n)
{
    FK_EACH_COLUMN(FK_FN(fk_column_circuit_), g, src, dst, n);
}
