/* fast_driver.h — the generation loop for one vector width (template, see fast_kernel.h).
 *
 * Temporal blocking. A pass advances `d` generations (d = the board's depth, 1..FAST_HALO)
 * with one sweep over the board: the halo refresh copies d rows above and below every
 * block, then each tile of T output rows is carried through all d generations before the
 * next tile starts. Generation 1 reads T + 2d rows of the board, generations 2..d-1 work in
 * two small per-thread scratch buffers (T + 2d rows each, sized to stay in L2), and
 * generation d writes the T rows into the other board buffer. The "cone" shrinks by one row
 * per side per generation, so the tile's outputs are exact; the price is the recomputed
 * overlap, about (d - 1) / T extra work. Large boards then stream from memory once per d
 * generations instead of once per generation. With d = 1 a pass is a plain generation.
 *
 * Blocks. Each lane band is split into one block per thread, and each block is a separate
 * stretch of memory with its own halo rows and a guard gap after it (fast.c). A pass is,
 * for every thread: refresh the halo rows of its own block from the rows they mirror (a few
 * words per lane, read from the neighbouring blocks' previous generation), carry its tiles
 * through the pass's generations, then one barrier. Threads write only inside their own
 * block, read other blocks only for the halo copy, and keep their own src/dst pointers,
 * swapped in lockstep, so no shared state changes inside the region. One OpenMP parallel
 * region covers all passes, so threads are forked once per call.
 */

static inline void FK_FN(fk_rows_)(int flavour, const fast_geom *g, const FK_CELL *src,
                                   FK_CELL *dst, int64_t n)
{
    if (flavour == FAST_EXPERT)
        FK_FN(fk_rows_expert_)(g, src, dst, n);
#ifdef FAST_SEP_K
    else if (flavour == FAST_SEPARABLE)
        FK_FN(fk_rows_separable_)(g, src, dst, n);
#endif
    else
        FK_FN(fk_rows_circuit_)(g, src, dst, n);
}

/* Tile [j0, j0 + n) of slots through d generations: board `src` -> board `dst`. */
static void FK_FN(fk_tile_)(int flavour, const fast_geom *g, const FK_CELL *src, FK_CELL *dst,
                            int64_t j0, int64_t n, int d, FK_CELL *sa, FK_CELL *sb)
{
    const int64_t pitch = g->pitch;
    if (d == 1) {
        FK_FN(fk_rows_)(flavour, g, src + (j0 - 1) * pitch, dst + j0 * pitch, n);
        return;
    }
    /* scratch row r holds slot j0 - d + r; generation k is valid on rows [k, n + 2d - k) */
    FK_FN(fk_rows_)(flavour, g, src + (j0 - d) * pitch, sa + pitch, n + 2 * d - 2);
    FK_CELL *p = sa, *q = sb;
    for (int k = 2; k < d; k++) {
        FK_FN(fk_rows_)(flavour, g, p + (k - 1) * pitch, q + k * pitch, n + 2 * d - 2 * k);
        FK_CELL *t = p;
        p = q;
        q = t;
    }
    FK_FN(fk_rows_)(flavour, g, p + (d - 1) * pitch, dst + j0 * pitch, n);
}

/* The halo rows of block k for a pass of d generations. On a full board (every lane holds
 * exactly nblocks * B' rows, as for every power-of-two board) each halo row is a whole vector
 * row: the neighbouring block's edge row in the same lanes, or, above block 0 and below the
 * last block, the last (first) block's edge row with the lanes rotated by one, since lane L's
 * band continues lane L-1's (torus wrap included: lane 0 follows the last lane). Those are
 * vector copies, a shuffle at most. Other boards, and passes deeper than a block, take the
 * general per-word plan (fast_fill_halo). */
static void FK_FN(fk_halo_)(const fast_board *b, FK_CELL *base, int64_t k, int d)
{
    const int64_t nb = b->nblocks, br = b->brows, nw = b->g.nw, pitch = b->g.pitch;
    if (!b->full || d > br) {
        fast_fill_halo(b, (uint64_t *)base, k, d);
        return;
    }
    FK_CELL *const first = base + (k * b->bstride + FAST_HALO) * pitch; /* block row 0 */
    const FK_CELL *const above = base + ((k > 0 ? k - 1 : nb - 1) * b->bstride + FAST_HALO) * pitch;
    const FK_CELL *const below = base + ((k < nb - 1 ? k + 1 : 0) * b->bstride + FAST_HALO) * pitch;
    for (int t = 1; t <= d; t++) {
        FK_CELL *up = first - t * pitch, *down = first + (br + t - 1) * pitch;
        const FK_CELL *from_up = above + (br - t) * pitch, *from_down = below + (t - 1) * pitch;
        if (k > 0)
            for (int64_t i = 0; i < nw; i++)
                up[i] = from_up[i];
        else
            for (int64_t i = 0; i < nw; i++)
                up[i] = FK_LANES_UP(from_up[i]);
        if (k < nb - 1)
            for (int64_t i = 0; i < nw; i++)
                down[i] = from_down[i];
        else
            for (int64_t i = 0; i < nw; i++)
                down[i] = FK_LANES_DOWN(from_down[i]);
    }
}

static void FK_FN(fk_run_)(fast_board *b, int64_t steps)
{
    const fast_geom *g = &b->g;
    const int64_t ntiles = b->ntiles, tile = b->tile, brows = b->brows, pitch = g->pitch;
    const int64_t nblocks = b->nblocks, bstride = b->bstride;
    const int64_t scratch_rows = b->scratch_rows, scratch_stride = b->scratch_stride;
    const int flavour = b->flavour, depth = b->depth;
    FK_CELL *const buf0 = b->buf[b->cur], *const buf1 = b->buf[b->cur ^ 1];
    FK_CELL *const scratch = b->scratch;
    const int64_t passes = (steps + depth - 1) / depth;

#pragma omp parallel num_threads(b->threads) if (b->threads > 1)
    {
        const int me = fast_thread_num(), nth = fast_num_threads();
        FK_CELL *src = buf0, *dst = buf1;
        FK_CELL *sa = scratch + (int64_t)me * scratch_stride * pitch;
        FK_CELL *sb = sa + scratch_rows * pitch;
        for (int64_t done = 0; done < steps;) {
            const int d = steps - done < depth ? (int)(steps - done) : depth;
            for (int64_t k = me; k < nblocks; k += nth) {
                FK_FN(fk_halo_)(b, src, k, d);
                const int64_t first = k * bstride + FAST_HALO, end = first + brows;
                for (int64_t t = 0; t < ntiles; t++) {
                    const int64_t j0 = first + t * tile;
                    const int64_t n = j0 + tile < end ? tile : end - j0;
                    FK_FN(fk_tile_)(flavour, g, src, dst, j0, n, d, sa, sb);
                }
            }
            FK_CELL *tmp = src;
            src = dst;
            dst = tmp;
            done += d;
            if (done < steps) {
#pragma omp barrier
            }
        }
    }
    b->cur ^= (int)(passes & 1);
}
