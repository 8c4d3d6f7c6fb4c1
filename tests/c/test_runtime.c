/* test_runtime.c — sanitizer harness for runtime.c and writeup_baseline.c.
 *
 * Build (tests/test_sanitizers.py does this) with a generated Life circuit named
 * gatenet_circuit in "circuit.h" on the include path:
 *
 *   gcc -fsanitize=address,undefined -fno-omit-frame-pointer -g -Wall -Wextra -Werror \
 *       -I<dir of circuit.h> -Ic c/test_runtime.c -o test_runtime
 *
 * Compares both runtimes with a direct neighbour-counting Life reference over many board
 * shapes and step counts; prints FAIL lines and exits 1 on any difference.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t cell;
#include "circuit.h"
#define conway gatenet_circuit
#include "runtime.c"
#include "writeup_baseline.c"

static int failures = 0;

#define CHECK(cond, ...)                                     \
    do {                                                     \
        if (!(cond)) {                                       \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);      \
            printf(__VA_ARGS__);                             \
            printf("\n");                                    \
            failures++;                                      \
        }                                                    \
    } while (0)

/* B3/S23 on a torus, counting the eight neighbours directly. */
static void reference_step(const uint8_t *src, uint8_t *dst, size_t w, size_t h)
{
    for (size_t y = 0; y < h; y++)
        for (size_t x = 0; x < w; x++) {
            int n = 0;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) {
                    if (dy == 0 && dx == 0)
                        continue;
                    size_t yy = (y + h + (size_t)(dy + 1) - 1) % h;
                    size_t xx = (x + w + (size_t)(dx + 1) - 1) % w;
                    n += src[yy * w + xx];
                }
            uint8_t c = src[y * w + x];
            dst[y * w + x] = (uint8_t)(n == 3 || (c && n == 2));
        }
}

static uint64_t reference_population(const uint8_t *cells, size_t n)
{
    uint64_t p = 0;
    for (size_t i = 0; i < n; i++)
        p += cells[i];
    return p;
}

static int padding_is_zero(const gatenet_board *b)
{
    for (size_t y = 0; y < b->height; y++)
        if (b->cells[y * b->words_per_row + b->words_per_row - 1] & ~b->last_mask)
            return 0;
    return 1;
}

static void test_shape(size_t w, size_t h, uint64_t seed, double density, int steps)
{
    size_t n = w * h;
    uint8_t *ref = malloc(n), *tmp = malloc(n), *got = malloc(n);
    gatenet_board *b = gatenet_board_new(w, h);
    CHECK(ref && tmp && got && b, "allocation for %zux%zu", w, h);
    if (!(ref && tmp && got && b))
        goto done;

    gatenet_board_fill_random(b, seed, density);
    gatenet_board_store(b, ref);
    CHECK(padding_is_zero(b), "padding after fill %zux%zu", w, h);
    gatenet_board_load(b, ref);  /* round trip */
    gatenet_board_store(b, got);
    CHECK(memcmp(ref, got, n) == 0, "load/store round trip %zux%zu", w, h);

    for (int s = 1; s <= steps; s++) {
        reference_step(ref, tmp, w, h);
        memcpy(ref, tmp, n);
        gatenet_board_step(b, 1);
        gatenet_board_store(b, got);
        CHECK(memcmp(ref, got, n) == 0, "runtime %zux%zu differs at step %d", w, h, s);
        CHECK(gatenet_board_population(b) == reference_population(ref, n),
              "population %zux%zu step %d", w, h, s);
        CHECK(padding_is_zero(b), "padding %zux%zu step %d", w, h, s);
        if (memcmp(ref, got, n) != 0)
            break;
    }
done:
    gatenet_board_free(b);
    free(ref);
    free(tmp);
    free(got);
}

/* The write-up's runtime on a width that is a multiple of 64. */
static void test_writeup(size_t w, size_t h, uint64_t seed, int steps)
{
    size_t n = w * h, nw = w / 64 * h;
    uint8_t *ref = malloc(n), *tmp = malloc(n), *got = malloc(n);
    uint64_t *words = malloc(nw * sizeof *words);
    gatenet_board *b = gatenet_board_new(w, h);
    writeup_sim *s = writeup_new(w, h);
    CHECK(ref && tmp && got && words && b && s, "allocation for writeup %zux%zu", w, h);
    if (!(ref && tmp && got && words && b && s))
        goto done;

    /* same word layout: move the words across directly */
    gatenet_board_fill_random(b, seed, 0.4);
    gatenet_board_store(b, ref);
    writeup_load(s, b->cells);
    for (int k = 1; k <= steps; k++) {
        reference_step(ref, tmp, w, h);
        memcpy(ref, tmp, n);
    }
    writeup_step(s, (uint64_t)steps);
    writeup_store(s, words);
    memcpy(b->cells, words, nw * sizeof *words);
    gatenet_board_store(b, got);
    CHECK(memcmp(ref, got, n) == 0, "writeup %zux%zu differs after %d steps", w, h, steps);
done:
    writeup_free(s);
    gatenet_board_free(b);
    free(words);
    free(ref);
    free(tmp);
    free(got);
}

int main(void)
{
    static const size_t shapes[][2] = {  /* width, height */
        {1, 1}, {64, 1}, {1, 64}, {5, 3}, {3, 5}, {64, 63}, {63, 64}, {65, 64}, {64, 65},
        {130, 65}, {65, 130}, {7, 200}, {200, 7}, {2, 2}, {127, 3}, {128, 3}, {129, 2},
        {512, 64},
    };
    const size_t n_shapes = sizeof shapes / sizeof shapes[0];
    for (size_t i = 0; i < n_shapes; i++) {
        test_shape(shapes[i][0], shapes[i][1], i, 0.35, 40);
        test_shape(shapes[i][0], shapes[i][1], 1000 + i, 0.9, 3);
    }

    /* edge cases of the constructor and of fill_random */
    CHECK(gatenet_board_new(0, 5) == NULL, "width 0 accepted");
    CHECK(gatenet_board_new(5, 0) == NULL, "height 0 accepted");
    CHECK(gatenet_board_new(SIZE_MAX, SIZE_MAX) == NULL, "overflowing size accepted");
    gatenet_board *b = gatenet_board_new(100, 10);
    gatenet_board_fill_random(b, 7, 1.0);
    CHECK(gatenet_board_population(b) == 1000, "density 1 is not full");
    gatenet_board_fill_random(b, 7, 0.0);
    CHECK(gatenet_board_population(b) == 0, "density 0 is not empty");
    gatenet_board_free(b);
    gatenet_board_free(NULL);

    test_writeup(64, 1, 1, 10);
    test_writeup(64, 64, 2, 30);
    test_writeup(128, 5, 3, 30);
    test_writeup(192, 70, 4, 12);
    CHECK(writeup_new(65, 4) == NULL, "writeup accepted width 65");
    writeup_free(NULL);

    if (failures) {
        printf("%d failure(s)\n", failures);
        return 1;
    }
    printf("ok\n");
    return 0;
}
