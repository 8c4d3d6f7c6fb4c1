/* runtime.c — scalar reference runtime: one uint64_t (64 cells) at a time.
 *
 * See runtime.h for the layout and for how a compile unit is put together. The includer
 * must define `cell` as uint64_t and provide `gatenet_circuit` before including this file.
 *
 * Readability over speed: this is the runtime every faster kernel is checked against.
 */
#include "runtime.h"

#include <stdlib.h>
#include <string.h>

struct gatenet_board {
    size_t width, height;
    size_t words_per_row;
    unsigned last_bit;   /* bit of column W-1 within its word: (W - 1) % 64 */
    uint64_t last_mask;  /* valid bits of a row's last word */
    uint64_t *cells;     /* current generation, height * words_per_row words */
    uint64_t *next;      /* the next generation is written here, then the two swap */
};

gatenet_board *gatenet_board_new(size_t width, size_t height)
{
    if (width == 0 || height == 0)
        return NULL;
    size_t wpr = width / 64 + (width % 64 != 0);
    if (height > SIZE_MAX / 2 / sizeof(uint64_t) / wpr)
        return NULL;
    size_t n = wpr * height;

    gatenet_board *b = malloc(sizeof *b);
    if (!b)
        return NULL;
    b->width = width;
    b->height = height;
    b->words_per_row = wpr;
    b->last_bit = (unsigned)((width - 1) % 64);
    b->last_mask = b->last_bit == 63 ? ~UINT64_C(0) : (UINT64_C(1) << (b->last_bit + 1)) - 1;
    b->cells = calloc(2 * n, sizeof(uint64_t));  /* both buffers in one block */
    if (!b->cells) {
        free(b);
        return NULL;
    }
    b->next = b->cells + n;
    return b;
}

void gatenet_board_free(gatenet_board *b)
{
    if (!b)
        return;
    /* the block starts at whichever buffer has the lower address */
    free(b->cells < b->next ? b->cells : b->next);
    free(b);
}

/* -- filling, copying, counting ------------------------------------------------------ */

static uint64_t splitmix64(uint64_t x)
{
    x += UINT64_C(0x9e3779b97f4a7c15);
    x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
    return x ^ (x >> 31);
}

static uint64_t xorshift64(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *state = x;
}

void gatenet_board_fill_random(gatenet_board *b, uint64_t seed, double density)
{
    uint64_t state = splitmix64(seed);
    if (state == 0)  /* xorshift's one fixed point */
        state = UINT64_C(0x9e3779b97f4a7c55);
    if (!(density > 0.0))  /* also catches NaN */
        density = 0.0;
    if (density > 1.0)
        density = 1.0;
    const double two53 = 9007199254740992.0;
    /* density 1 must mean "always": compare against 2^53 without converting it */
    const int all = density >= 1.0;
    const uint64_t threshold = all ? 0 : (uint64_t)(density * two53);

    for (size_t y = 0; y < b->height; y++) {
        uint64_t *row = b->cells + y * b->words_per_row;
        memset(row, 0, b->words_per_row * sizeof *row);
        for (size_t x = 0; x < b->width; x++) {
            uint64_t r = xorshift64(&state) >> 11;
            if (all || r < threshold)
                row[x / 64] |= UINT64_C(1) << (x % 64);
        }
    }
}

void gatenet_board_load(gatenet_board *b, const uint8_t *cells)
{
    for (size_t y = 0; y < b->height; y++) {
        uint64_t *row = b->cells + y * b->words_per_row;
        const uint8_t *src = cells + y * b->width;
        memset(row, 0, b->words_per_row * sizeof *row);
        for (size_t x = 0; x < b->width; x++)
            row[x / 64] |= (uint64_t)(src[x] != 0) << (x % 64);
    }
}

void gatenet_board_store(const gatenet_board *b, uint8_t *cells)
{
    for (size_t y = 0; y < b->height; y++) {
        const uint64_t *row = b->cells + y * b->words_per_row;
        uint8_t *dst = cells + y * b->width;
        for (size_t x = 0; x < b->width; x++)
            dst[x] = (uint8_t)((row[x / 64] >> (x % 64)) & 1);
    }
}

uint64_t gatenet_board_population(const gatenet_board *b)
{
    uint64_t total = 0;
    size_t n = b->words_per_row * b->height;
    for (size_t i = 0; i < n; i++)
        total += (uint64_t)__builtin_popcountll(b->cells[i]);  /* padding bits are zero */
    return total;
}

/* -- stepping ------------------------------------------------------------------------ */

/* The west and east neighbours of the 64 cells in word i of one row.
 *
 * west bit j = cell x-1 and east bit j = cell x+1, where x = 64 i + j. Inside a word that
 * is a shift; the bit shifted in comes from the adjacent word, or — at the ends of the
 * row — from the other end of the row: column W-1 (bit last_bit of the last word, not
 * bit 63, which may be padding) and column 0. East of the last word lands at last_bit,
 * the position of column W-1; the shift moved a padding zero there, so OR is enough. */
static inline void horizontal(const gatenet_board *b, const uint64_t *row, size_t i,
                              uint64_t *west, uint64_t *east)
{
    const size_t last = b->words_per_row - 1;
    uint64_t from_left = i > 0 ? row[i - 1] >> 63 : (row[last] >> b->last_bit) & 1;
    uint64_t from_right = i < last ? row[i + 1] << 63 : (row[0] & 1) << b->last_bit;
    *west = (row[i] << 1) | from_left;
    *east = (row[i] >> 1) | from_right;
}

static void step_once(gatenet_board *b)
{
    const size_t wpr = b->words_per_row, h = b->height;
    for (size_t y = 0; y < h; y++) {
        /* row indices wrap once per row, not per word */
        const uint64_t *up = b->cells + (y == 0 ? h - 1 : y - 1) * wpr;
        const uint64_t *mid = b->cells + y * wpr;
        const uint64_t *down = b->cells + (y == h - 1 ? 0 : y + 1) * wpr;
        uint64_t *out = b->next + y * wpr;
        for (size_t i = 0; i < wpr; i++) {
            cell in[9];
            horizontal(b, up, i, &in[0], &in[2]);
            in[1] = up[i];
            horizontal(b, mid, i, &in[3], &in[5]);
            in[4] = mid[i];
            horizontal(b, down, i, &in[6], &in[8]);
            in[7] = down[i];
            out[i] = gatenet_circuit(in);
        }
        out[wpr - 1] &= b->last_mask;  /* keep the padding dead whatever the rule says */
    }
    uint64_t *t = b->cells;  /* double buffering */
    b->cells = b->next;
    b->next = t;
}

void gatenet_board_step(gatenet_board *b, uint64_t generations)
{
    for (uint64_t g = 0; g < generations; g++)
        step_once(b);
}
