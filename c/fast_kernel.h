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

/* Per-column constants: where the horizontal carries come from and the output mask.
 * Bits beyond the board's width in the last word are kept zero (the invariant that makes
 * the wrap-around carries below correct); the mask restores it after the rule ran. */
typedef struct {
    int64_t im, ip; /* word index of the west / east neighbour word (wraps around) */
    int sw, se;     /* shift that brings the carry bit in: 63 inside, r-1 at a wrap */
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
    c.mask = zero | (i < last ? ~(uint64_t)0 : g->last_mask);
    return c;
}

/* Load word i of one row and its west- and east-shifted versions.
 * West-shifted: bit x holds cell x-1 (the western neighbour), so W = (w << 1) | carry
 * from the top bit of the previous word; at i = 0 the carry is cell W-1, bit r-1 of the
 * last word, which is exactly `last >> (r-1)` because the bits above it are zero.
 * East-shifted: bit x holds cell x+1; at the last word the carry is cell 0 (bit 0 of word
 * 0) shifted to bit r-1; whatever lands above bit r-1 is garbage that the mask removes
 * (the rule is bitwise, so bit x of the output depends only on bit x of the inputs). */
static inline void FK_FN(fk_load_)(const FK_CELL *row, int64_t i, const FK_FN(fk_col_) *c,
                                   FK_CELL *w, FK_CELL *m, FK_CELL *e)
{
    const FK_CELL x = row[i];
    *m = x;
    *w = (x << 1) | (row[c->im] >> c->sw);
    *e = (x >> 1) | (row[c->ip] << c->se);
}

/* One generation of the circuit rule for `n` rows: output row j (at dst + j*pitch) from
 * input rows j, j+1, j+2 starting at `src` (the row above the first output row). Input and
 * output may be the board's buffers or a thread's tile scratch: both use the same pitch. */
static void FK_FN(fk_rows_circuit_)(const fast_geom *g, const FK_CELL *restrict src,
                                   FK_CELL *restrict dst, int64_t n)
{
    const int64_t nw = g->nw, pitch = g->pitch;
    for (int64_t i = 0; i < nw; i++) {
        const FK_FN(fk_col_) c = FK_FN(fk_column_)(g, i);
        FK_CELL aw, am, ae, bw, bm, be, cw, cm, ce;
        FK_FN(fk_load_)(src, i, &c, &aw, &am, &ae);
        FK_FN(fk_load_)(src + pitch, i, &c, &bw, &bm, &be);
        for (int64_t j = 0; j < n; j++) {
            FK_FN(fk_load_)(src + (j + 2) * pitch, i, &c, &cw, &cm, &ce);
            /* neighbourhood order NW, N, NE, W, C, E, SW, S, SE */
            const FK_CELL in[9] = {aw, am, ae, bw, bm, be, cw, cm, ce};
            dst[j * pitch + i] = FK_CIRCUIT(in) & c.mask;
            aw = bw; am = bm; ae = be;
            bw = cw; bm = cm; be = ce;
        }
    }
}
