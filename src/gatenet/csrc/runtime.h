/* runtime.h — the scalar reference runtime for bit-parallel cellular automata.
 *
 * A board is a torus of width W >= 1 and height H >= 1, stored row-major, 64 cells per
 * uint64_t word:
 *
 *     words_per_row = ceil(W / 64)
 *     cell (y, x) lives in word  y * words_per_row + x / 64,  bit  x % 64
 *
 * (bit 0 is the least significant bit, so column 0 is bit 0 of a row's first word). The
 * bits of a row's last word beyond column W-1 are padding and are always zero.
 *
 * The rule is a generated circuit, `static inline cell gatenet_circuit(const cell in[9])`,
 * with inputs in the order NW, N, NE, W, C, E, SW, S, SE. A compile unit is
 *
 *     typedef uint64_t cell;
 *     #include "<generated circuit header>"
 *     #define gatenet_circuit <its function name>
 *     #include "runtime.c"
 *
 * so the circuit inlines into the step loop. Several such compile units can be loaded into
 * one process: the host renames the exported functions below with #define before including
 * runtime.c (gatenet.runtime.native does this, appending the circuit's hash).
 *
 * Functions taking sizes return NULL / a negative value on bad arguments; the Python
 * wrapper validates first, so these are a second line of defence, never the only one.
 */
#ifndef GATENET_RUNTIME_H
#define GATENET_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

typedef struct gatenet_board gatenet_board;

/* A new all-dead board; NULL if a side is 0, the size overflows, or memory runs out. */
gatenet_board *gatenet_board_new(size_t width, size_t height);

/* Free a board (NULL is allowed). */
void gatenet_board_free(gatenet_board *b);

/* Fill with random cells: each cell, in row-major order, draws one xorshift64 number r
 * and is alive iff (r >> 11) < density * 2^53. The generator state starts at
 * splitmix64(seed), so every seed (0 included) gives a good stream. */
void gatenet_board_fill_random(gatenet_board *b, uint64_t seed, double density);

/* Copy cells in from / out to a row-major height x width array of bytes (nonzero = alive
 * on the way in; 0/1 on the way out). */
void gatenet_board_load(gatenet_board *b, const uint8_t *cells);
void gatenet_board_store(const gatenet_board *b, uint8_t *cells);

/* Number of live cells. */
uint64_t gatenet_board_population(const gatenet_board *b);

/* Advance `generations` steps of the compiled-in circuit. No allocation. */
void gatenet_board_step(gatenet_board *b, uint64_t generations);

#endif /* GATENET_RUNTIME_H */
