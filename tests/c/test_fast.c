/* test_fast.c — sanitizer harness for the fast runtime.
 *
 * Build and run (tests/test_fast.py does this with a generated circuit header):
 *   gcc -g -O1 -fopenmp -fsanitize=address,undefined -fno-sanitize-recover=all \
 *       -DGATENET_CIRCUIT_HEADER='"fast_test_circuit.h"' test_fast.c -o test_fast
 * It includes fast.c itself so it can reach the static scalar circuit function, and checks
 * every supported width, both flavours, 1-3 threads (changed between runs of generations,
 * which re-lays the board out) and temporal-blocking depths 1, 2, 3, 8 on awkward board shapes
 * against a cell-by-cell reference: the circuit flavour against the circuit itself applied
 * cell by cell (so any circuit header works), the expert flavour against Life.
 * With -DFAST_LUT3_HEADER_W512 (see fast.c) the 512-bit kernel runs the LUT3 form, so it is
 * checked against the two-input circuit cell by cell (tests/test_fast_lut3.py).
 * With -DFAST_EXPERT_TERN_W64 the 64-bit expert runs the 512-bit expert's three-input
 * operations, emulated (see fast.c); the harness then says "ok tern".
 * Exit status 0 and "ok" on success; the first mismatch is printed and exits 1.
 */
#include "fast.c"

static uint64_t rng_state = 0x9E3779B97F4A7C15u;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Cell (y, x) of a torus. */
static uint8_t at(const uint8_t *c, int64_t W, int64_t H, int64_t y, int64_t x)
{
    return c[((y % H + H) % H) * W + (x % W + W) % W];
}

/* One generation, cell by cell: the circuit (its uint64 instantiation, bit 0) or Life. */
static void reference_step(const uint8_t *in, uint8_t *out, int64_t W, int64_t H, int life)
{
    for (int64_t y = 0; y < H; y++)
        for (int64_t x = 0; x < W; x++) {
            uint64_t nb[9];
            int k = 0, count = 0;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) {
                    const uint8_t v = at(in, W, H, y + dy, x + dx);
                    nb[k++] = v ? ~UINT64_C(0) : 0;
                    count += v;
                }
            const uint8_t c = at(in, W, H, y, x);
            out[y * W + x] = life ? (uint8_t)(count == 3 || (c && count == 4))
                                  : (uint8_t)(fast_circuit_w64(nb) & 1u);
        }
}

static int check(int64_t W, int64_t H, int width, int flavour, int threads, int depth)
{
    const size_t n = (size_t)(W * H);
    uint8_t *a = malloc(n), *ref = malloc(n), *got = malloc(n);
    for (size_t k = 0; k < n; k++)
        a[k] = (uint8_t)(rng() % 3 == 0);
    fast_board *b = fast_new(W, H, width, flavour, threads);
    if (!b || !a || !ref || !got || fast_set_depth(b, depth) < 0) {
        fprintf(stderr, "setup failed: %s\n", fast_error());
        return 1;
    }
    fast_set_cells(b, a);
    memcpy(ref, a, n);
    /* advance in uneven chunks, some shorter and some longer than the depth, so partial
     * and full temporal-blocking passes and multi-generation calls are all covered; the
     * thread count changes between chunks */
    static const int chunks[] = {1, 11, 2, 3, 9};
    int bad = 0, done = 0;
    for (size_t c = 0; c < sizeof chunks / sizeof chunks[0] && !bad; c++) {
        for (int k = 0; k < chunks[c]; k++) {
            reference_step(ref, got, W, H, flavour == FAST_EXPERT);
            memcpy(ref, got, n);
        }
        done += chunks[c];
        fast_step(b, chunks[c]);
        fast_get_cells(b, got);
        int64_t pop = 0;
        for (size_t k = 0; k < n; k++)
            pop += ref[k];
        if (memcmp(got, ref, n) != 0 || fast_population(b) != pop) {
            fprintf(stderr,
                    "MISMATCH %lldx%lld width=%d flavour=%d threads=%d depth=%d gen=%d\n",
                    (long long)W, (long long)H, width, flavour, threads, depth, done);
            bad = 1;
        }
        /* a new thread count moves the cells into a new block layout: nothing may change */
        if (fast_set_threads(b, 1 + (threads + (int)c) % 3) < 0) {
            fprintf(stderr, "fast_set_threads failed: %s\n", fast_error());
            bad = 1;
        }
    }
    fast_free(b);
    free(a);
    free(ref);
    free(got);
    return bad;
}

int main(void)
{
    static const int64_t shapes[][2] = {
        {1, 1},  {64, 1},  {1, 64}, {5, 3},  {64, 63}, {65, 64}, {130, 65}, {7, 200},
        {2, 37}, {3, 300}, {63, 9}, {128, 17}, {200, 8}, {1, 9},  {129, 1},  {33, 33},
        /* full boards (every lane holds the same number of rows for 1..3 threads at some
         * width): the vector halo copies with lane rotation */
        {96, 48}, {70, 96}, {64, 192},
    };
    /* 1: plain; 2: no intermediate scratch; 3 and 8: odd and even scratch swaps, 8 = all
     * halo rows in use */
    static const int depths[] = {1, 2, 3, FAST_HALO};
    int fails = 0, runs = 0;
    for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++)
        for (int width = 0; width < FAST_NWIDTHS; width++) {
            if (!fast_width_supported(width))
                continue;
            /* the separable flavour (when built with one) computes the circuit's rule */
            for (int flavour = 0; flavour < (fast_has_separable() ? 3 : 2); flavour++)
                for (int threads = 1; threads <= 3; threads++)
                    for (size_t d = 0; d < sizeof depths / sizeof depths[0]; d++) {
                        fails += check(shapes[k][0], shapes[k][1], width, flavour, threads,
                                       depths[d]);
                        runs++;
                    }
        }
    /* bad arguments are refused, not crashed on */
    if (fast_new(0, 5, FAST_W64, 0, 1) || fast_new(5, -1, FAST_W64, 0, 1) ||
        fast_new(5, 5, 7, 0, 1) || fast_new(5, 5, FAST_W64, 5, 1) ||
        fast_new(5, 5, FAST_W64, 0, 0) || fast_step(NULL, 1) >= 0 ||
        fast_set_cells(NULL, NULL) >= 0 || fast_set_depth(NULL, 1) >= 0) {
        fprintf(stderr, "bad arguments were accepted\n");
        fails++;
    }
    if (fails) {
        fprintf(stderr, "%d of %d runs failed\n", fails, runs);
        return 1;
    }
#ifdef FAST_EXPERT_TERN_W64
    printf("ok tern %d runs\n", runs);
#else
    printf("ok %d runs\n", runs);
#endif
    return 0;
}
