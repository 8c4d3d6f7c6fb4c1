/* writeup_baseline.c — the write-up's scalar runtime, reproduced for benchmarks.
 *
 * Faithful to the method the write-up describes, including its costs:
 *   - width must be a multiple of 64; a board is a flat array of 64-cell words;
 *   - every step first builds two whole shifted copies of the board (scratch_left holds
 *     each cell's west neighbour, scratch_right its east neighbour), then
 *   - visits every word, finds the rows above and below with `%` on the word index, and
 *     calls the circuit as `conway(in)` with in[9] = NW, N, NE, W, C, E, SW, S, SE;
 *   - double-buffers by swapping the cell pointers of the board and the output board.
 * Bit order as in runtime.h: cell x of a row is bit x % 64 of word x / 64.
 *
 * The includer defines `cell` (uint64_t) and `conway` (the generated circuit's name), and
 * may rename the exported writeup_* functions with #define (gatenet.runtime.native does).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    cell *cells;
    size_t cells_len;
    size_t width;
    size_t height;
} board_t;

/* https://en.wikipedia.org/wiki/Xorshift — as in the write-up (global state included) */
static uint64_t rand_state = 0x9e3779b97f4a7c55;

static uint64_t rand_uint64_t(void)
{
    uint64_t x = rand_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    rand_state = x;
    return x;
}

/* Build the two shifted boards: dense loops and bitshifts, catching the bits that fall off
 * one word into the next, wrapping around within the row. */
static void board_step_scratch_mut(board_t *board, board_t *scratch_left,
                                   board_t *scratch_right)
{
    size_t step = board->width / 64;
    for (size_t i = 0; i < board->cells_len; i++) {
        size_t row = i - i % step;
        size_t i_prev = row + (i % step + step - 1) % step;
        size_t i_next = row + (i % step + 1) % step;
        scratch_left->cells[i] = (board->cells[i] << 1) | (board->cells[i_prev] >> 63);
        scratch_right->cells[i] = (board->cells[i] >> 1) | (board->cells[i_next] << 63);
    }
}

static void board_step_mut(board_t *board, board_t *s_left, board_t *s_right, board_t *s_out)
{
    board_step_scratch_mut(board, s_left, s_right);

    size_t step = board->width / 64;
    size_t wrap = board->cells_len;

    for (size_t i = 0; i < board->cells_len; i++) {
        cell in[9];
        size_t i_top = (i + wrap - step) % wrap;
        size_t i_bottom = (i + step) % wrap;
        /* top row */
        in[0] = s_left->cells[i_top];
        in[1] = board->cells[i_top];
        in[2] = s_right->cells[i_top];
        /* middle row */
        in[3] = s_left->cells[i];
        in[4] = board->cells[i];
        in[5] = s_right->cells[i];
        /* bottom row */
        in[6] = s_left->cells[i_bottom];
        in[7] = board->cells[i_bottom];
        in[8] = s_right->cells[i_bottom];
        /* update output */
        s_out->cells[i] = conway(in);
    }

    /* double-buffering */
    cell *tmp_cells = board->cells;
    board->cells = s_out->cells;
    s_out->cells = tmp_cells;
}

/* -- glue for Python (not part of the write-up) -------------------------------------- */

/* The board and its three scratch boards, allocated once. */
typedef struct writeup_sim {
    board_t board, left, right, out;
} writeup_sim;

static int board_alloc(board_t *b, size_t width, size_t height)
{
    b->width = width;
    b->height = height;
    b->cells_len = width / 64 * height;
    b->cells = calloc(b->cells_len, sizeof(cell));
    return b->cells != NULL;
}

void writeup_free(writeup_sim *s)
{
    if (!s)
        return;
    free(s->board.cells);
    free(s->left.cells);
    free(s->right.cells);
    free(s->out.cells);
    free(s);
}

/* NULL unless width is a positive multiple of 64 and height positive. */
writeup_sim *writeup_new(size_t width, size_t height)
{
    if (width == 0 || width % 64 != 0 || height == 0 || height > SIZE_MAX / 8 / (width / 64))
        return NULL;
    writeup_sim *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    if (!board_alloc(&s->board, width, height) || !board_alloc(&s->left, width, height) ||
        !board_alloc(&s->right, width, height) || !board_alloc(&s->out, width, height)) {
        writeup_free(s);
        return NULL;
    }
    return s;
}

/* Copy the current cells in / out as cells_len packed words (the layout above). */
void writeup_load(writeup_sim *s, const uint64_t *words)
{
    memcpy(s->board.cells, words, s->board.cells_len * sizeof(cell));
}

void writeup_store(const writeup_sim *s, uint64_t *words)
{
    memcpy(words, s->board.cells, s->board.cells_len * sizeof(cell));
}

/* The write-up's random start: one xorshift64 word per 64 cells. */
void writeup_fill_random(writeup_sim *s)
{
    for (size_t i = 0; i < s->board.cells_len; i++)
        s->board.cells[i] = rand_uint64_t();
}

void writeup_step(writeup_sim *s, uint64_t generations)
{
    for (uint64_t g = 0; g < generations; g++)
        board_step_mut(&s->board, &s->left, &s->right, &s->out);
}
