/* fast_driver.h — the generation loop for one vector width (template, see fast_kernel.h).
 *
 * One OpenMP parallel region covers all `steps` generations, so threads are forked once per
 * call, not once per generation. Per generation there are two barriers: after the halo
 * refresh (one thread copies a few words per lane) and after the tiles (implicit at the end
 * of the `omp for`). Every thread keeps its own copy of the src/dst pointers and swaps them
 * in lockstep, so no shared state changes inside the region. The region sits in the same
 * `#pragma GCC target` scope as the kernels, so its outlined body uses the same ISA.
 */

static void FK_FN(fk_run_)(fast_board *b, int64_t steps)
{
    const fast_geom *g = &b->g;
    const int64_t ntiles = b->ntiles, tile = b->tile, band = b->band;
    const int expert = b->flavour == FAST_EXPERT;
    FK_CELL *const buf0 = b->buf[b->cur], *const buf1 = b->buf[b->cur ^ 1];

#pragma omp parallel num_threads(b->threads) if (b->threads > 1)
    {
        FK_CELL *src = buf0, *dst = buf1;
        for (int64_t s = 0; s < steps; s++) {
#pragma omp single
            fast_fill_halo(b, (uint64_t *)src);
#pragma omp for schedule(static)
            for (int64_t t = 0; t < ntiles; t++) {
                const int64_t j0 = 1 + t * tile;
                const int64_t j1 = j0 + tile < band + 1 ? j0 + tile : band + 1;
                if (expert)
                    FK_FN(fk_rows_expert_)(g, src, dst, j0, j1);
                else
                    FK_FN(fk_rows_circuit_)(g, src, dst, j0, j1);
            }
            FK_CELL *tmp = src;
            src = dst;
            dst = tmp;
        }
    }
}
