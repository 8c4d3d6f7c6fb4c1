/* separable_kernel.h — the kernel for a separable rule circuit (a template, like expert.c).
 *
 * A separable circuit (gatenet.ir.separable) is a *row* circuit, 3 cells -> K feature bits,
 * applied to each of the three rows of a neighbourhood, and a *combine* circuit that reads
 * the three rows' features and the centre cell. Every input row is the top row of one output
 * row, the middle of the next and the bottom of the one after, so its features are computed
 * once, when the column walk loads the row, and slid down the window with it: per output
 * word the kernel evaluates the row circuit once and the combine circuit once, instead of
 * the row logic three times. That is the sharing a hand-written bit-sliced Life kernel uses
 * (expert.c computes a full adder per row); here the row logic is whatever was learned.
 *
 * fast.c instantiates it once per width, after fast_kernel.h, with
 *   FK_SEP_K        the number of feature bits per row,
 *   FK_SEP_ROW      void fn(const FK_CELL in[3], FK_CELL out[FK_SEP_K])   (W, C, E -> features)
 *   FK_SEP_COMBINE  FK_CELL fn(const FK_CELL in[3 * FK_SEP_K + 1])   (top, mid, bottom, centre)
 * and, for a circuit with a pair level (gatenet.ir.separable), also
 *   FK_SEP_P        the number of pair bits,
 *   FK_SEP_PAIR     void fn(const FK_CELL in[2 * FK_SEP_K], FK_CELL out[FK_SEP_P])
 *                   (an upper row's features, then the lower row's -> the pair's bits),
 * when FK_SEP_COMBINE reads (pair bits, the remaining row's features, centre). Output rows
 * j and j + 1 both read rows j and j + 1: their pair is computed once, for both (the
 * expert kernel's second level of sharing), and the column walk makes two rows per step.
 * Layout, traversal, masks and carries are fast_kernel.h's, so a speed difference from the
 * circuit or expert kernels is the difference in logic, nothing else.
 */

/* Scheduled for register pressure where fast.c asks for it, as expert.c explains. */
#ifdef FK_SCHED_PRESSURE
#pragma GCC push_options
#pragma GCC optimize("schedule-insns", "sched-pressure")
#endif

/* One input row's features and its centre word. */
typedef struct {
    FK_CELL f[FK_SEP_K];
    FK_CELL c;
} FK_FN(sp_row_);

static inline FK_FN(sp_row_) FK_FN(sp_load_)(const FK_CELL *row, int64_t i,
                                             const FK_FN(fk_col_) *col, const int inner)
{
    FK_FN(sp_row_) r;
    FK_CELL in[3];
    if (inner)
        FK_FN(fk_load_inner_)(row, i, col->pf, &in[0], &in[1], &in[2]);
    else
        FK_FN(fk_load_)(row, i, col, &in[0], &in[1], &in[2]);
    FK_SEP_ROW(in, r.f);
    r.c = in[1];
    return r;
}

#ifndef FK_SEP_P
/* The next state of the middle row's word from the window's three rows. */
static inline FK_CELL FK_FN(sp_out_)(const FK_FN(sp_row_) *top, const FK_FN(sp_row_) *mid,
                                     const FK_FN(sp_row_) *bot)
{
    FK_CELL in[3 * FK_SEP_K + 1];
    for (int q = 0; q < FK_SEP_K; q++) {
        in[q] = top->f[q];
        in[FK_SEP_K + q] = mid->f[q];
        in[2 * FK_SEP_K + q] = bot->f[q];
    }
    in[3 * FK_SEP_K] = mid->c;
    return FK_SEP_COMBINE(in);
}

/* One column of `n` output rows (same contract as fk_column_circuit_). Unrolled by three
 * with the window's roles rotating, so sliding it copies no features. */
static inline __attribute__((always_inline)) void
FK_FN(sp_column_)(const fast_geom *g, const FK_CELL *restrict src, FK_CELL *restrict dst,
                  int64_t n, int64_t i, const int inner)
{
    const int64_t pitch = g->pitch;
    const FK_FN(fk_col_) col = FK_FN(fk_column_)(g, i);
    FK_FN(sp_row_) a = FK_FN(sp_load_)(src, i, &col, inner);
    FK_FN(sp_row_) b = FK_FN(sp_load_)(src + pitch, i, &col, inner);
    FK_FN(sp_row_) c;
#define SP_ROW_(X, Y, Z, j)                                                                  \
    do {                                                                                     \
        Z = FK_FN(sp_load_)(src + ((j) + 2) * pitch, i, &col, inner);                        \
        const FK_CELL out = FK_FN(sp_out_)(&X, &Y, &Z);                                      \
        FK_PREFETCH(&dst[(j) * pitch + col.pf], 1);                                          \
        dst[(j) * pitch + i] = inner ? out : out & col.mask;                                 \
    } while (0)
    int64_t j = 0;
    for (; j + 3 <= n; j += 3) {
        SP_ROW_(a, b, c, j);
        SP_ROW_(b, c, a, j + 1);
        SP_ROW_(c, a, b, j + 2);
    }
    if (j < n)
        SP_ROW_(a, b, c, j);
    if (j + 1 < n)
        SP_ROW_(b, c, a, j + 1);
#undef SP_ROW_
}
#else
/* The pair level: the bits of two adjacent rows (upper first). */
static inline void FK_FN(sp_pair_)(const FK_FN(sp_row_) *up, const FK_FN(sp_row_) *down,
                                   FK_CELL out[FK_SEP_P])
{
    FK_CELL in[2 * FK_SEP_K];
    for (int q = 0; q < FK_SEP_K; q++) {
        in[q] = up->f[q];
        in[FK_SEP_K + q] = down->f[q];
    }
    FK_SEP_PAIR(in, out);
}

/* The next state from a pair's bits, the remaining row and the centre word. */
static inline FK_CELL FK_FN(sp_finish_)(const FK_CELL pair[FK_SEP_P],
                                        const FK_FN(sp_row_) *single, FK_CELL centre)
{
    FK_CELL in[FK_SEP_P + FK_SEP_K + 1];
    for (int q = 0; q < FK_SEP_P; q++)
        in[q] = pair[q];
    for (int q = 0; q < FK_SEP_K; q++)
        in[FK_SEP_P + q] = single->f[q];
    in[FK_SEP_P + FK_SEP_K] = centre;
    return FK_SEP_COMBINE(in);
}

/* One column, two output rows per step (as expert.c): rows a, b, c, d = j-1 .. j+2; output
 * j is the pair (b, c) below its top row a, output j+1 the same pair above its bottom row d. */
static inline __attribute__((always_inline)) void
FK_FN(sp_column_)(const fast_geom *g, const FK_CELL *restrict src, FK_CELL *restrict dst,
                  int64_t n, int64_t i, const int inner)
{
    const int64_t pitch = g->pitch;
    const FK_FN(fk_col_) col = FK_FN(fk_column_)(g, i);
    FK_FN(sp_row_) a = FK_FN(sp_load_)(src, i, &col, inner);
    FK_FN(sp_row_) b = FK_FN(sp_load_)(src + pitch, i, &col, inner);
    FK_CELL q[FK_SEP_P];
    int64_t j = 0;
    for (; j + 1 < n; j += 2) {
        const FK_FN(sp_row_) c = FK_FN(sp_load_)(src + (j + 2) * pitch, i, &col, inner);
        const FK_FN(sp_row_) d = FK_FN(sp_load_)(src + (j + 3) * pitch, i, &col, inner);
        FK_FN(sp_pair_)(&b, &c, q);
        const FK_CELL o0 = FK_FN(sp_finish_)(q, &a, b.c);
        const FK_CELL o1 = FK_FN(sp_finish_)(q, &d, c.c);
        FK_PREFETCH(&dst[j * pitch + col.pf], 1);
        FK_PREFETCH(&dst[(j + 1) * pitch + col.pf], 1);
        dst[j * pitch + i] = inner ? o0 : o0 & col.mask;
        dst[(j + 1) * pitch + i] = inner ? o1 : o1 & col.mask;
        a = c;
        b = d;
    }
    if (j < n) { /* an odd count: one row left */
        const FK_FN(sp_row_) c = FK_FN(sp_load_)(src + (j + 2) * pitch, i, &col, inner);
        FK_FN(sp_pair_)(&b, &c, q);
        const FK_CELL o0 = FK_FN(sp_finish_)(q, &a, b.c);
        dst[j * pitch + i] = inner ? o0 : o0 & col.mask;
    }
}
#endif

/* One generation of the separable rule for `n` rows (same contract as fk_rows_circuit_). */
static void FK_FN(fk_rows_separable_)(const fast_geom *g, const FK_CELL *restrict src,
                                      FK_CELL *restrict dst, int64_t n)
{
    FK_EACH_COLUMN(FK_FN(sp_column_), g, src, dst, n);
}

#ifdef FK_SCHED_PRESSURE
#pragma GCC pop_options
#endif
