/* expert.c — the expert baseline: a hand-written bit-sliced Conway's Life step (B3/S23).
 *
 * This is what a person writes without any learning: count neighbours with adders built
 * from bitwise operations, 64 (or 256, or 512) cells per instruction, and apply the rule to
 * the count. It shares the layout, traversal and wrap-around handling of fast_kernel.h (it
 * is a template instantiated by fast.c once per vector width, after fast_kernel.h, with the
 * same FK_CELL / FK_SUFFIX macros), so any speed difference between the learned circuit and
 * this kernel is the difference between the two rules' logic, nothing else.
 *
 * The count. Let sum9 be the number of live cells in the 3x3 block including the centre.
 * Then Life's next state is  sum9 == 3  or  (centre and sum9 == 4).
 *   1. Horizontal: for every row, a full adder turns W + C + E into two bit-planes
 *      l (weight 1) and h (weight 2). Each row's planes are computed once and slid down the
 *      column, so every output row reuses the planes of its neighbours.
 *   2. Vertical, shared between neighbouring rows: outputs j and j+1 both need rows j and
 *      j+1, so their planes are added once with two half adders (the "pair"), then
 *      row j-1 is added for output j and row j+2 for output j+1.
 *   3. Rule: with sum9 = L0 + 2k (L0 the weight-1 bit, k = M1 + K0 + 2*K1 the count of
 *      weight-2 units), sum9 == 3 is L0 & k == 1 and sum9 == 4 is !L0 & k == 2.
 * About 22 bitwise operations per word for the rule (5 for the new row's full adder, 2 for
 * its share of the pair's half adders, 15 per output) plus the layout's: the two neighbour
 * words (two shifts and an OR each, or one funnel shift each with AVX-512 VBMI2) and, in the
 * first and last word of a row, the mask. The circuit kernel pays the same layout costs.
 *
 * With a three-input instruction (AVX-512's vpternlogq: FK_TERN(a, b, c, imm) is any
 * function of three words, bit (a<<2 | b<<1 | c) of imm) the best structure changes, and the
 * kernel is written in it directly rather than left to the compiler's fusion:
 *   1. each row's full adder is two instructions (XOR3 and MAJ);
 *   2. the pair is dropped: with three-input operations the three rows' planes are summed
 *      directly, L0 = XOR3 and M1 = MAJ of the l planes, K0 = XOR3 and K1 = MAJ of the h
 *      planes (4 instructions), which is cheaper than 2 shared half-adder operations plus
 *      the 4 that finish each output from them;
 *   3. k == 1 and k == 2 are one instruction each (functions of M1, K0, K1), the choice
 *      between them by L0 one more, and the centre's condition the last:
 *      10 logic instructions per output word in all, where GCC's own fusion of the
 *      two-input version leaves 16 (6 of them vpternlogq).
 * fast.c defines FK_TERN for the 512-bit instantiation, and for 64-bit words too when built
 * with FAST_EXPERT_TERN_W64 (a portable emulation; tests/test_fast.py builds the harness
 * tests/c/test_fast.c so), so the immediates below are checked against Life on any CPU.
 */

/* Register pressure. On x86 GCC schedules instructions only after register allocation, so
 * registers are allocated in the order the earlier passes left the instructions, and a
 * column loop that keeps two rows' planes and two output words' logic alive (at a row's
 * ends also the shift counts and the mask) can run out of AVX2's 16 vector registers and
 * spill to the stack. Scheduling before allocation with a register-pressure model removes
 * those spills (counted with gatenet.bench.asm: AVX2 stores per output word 1.5 -> 1.0 for
 * the expert kernel, 2.0 -> 1.0 for the learned paired circuit). fast.c asks for it with
 * FK_SCHED_PRESSURE where it was measured to help, the AVX2 instantiation of this kernel
 * and of separable_kernel.h, alike; not for the flat circuit kernel (fast_kernel.h), whose
 * nine-word window spills *more* with it, nor at the widths where it changed little. */
#ifdef FK_SCHED_PRESSURE
#pragma GCC push_options
#pragma GCC optimize("schedule-insns", "sched-pressure")
#endif

#ifdef FK_TERN
/* imm bytes: bit (a<<2 | b<<1 | c) of the immediate is f(a, b, c) */
#define EX_XOR3 0x96 /* a ^ b ^ c */
#define EX_MAJ 0xE8  /* at least two of a, b, c */
#define EX_K_IS_1 0x14 /* (a=M1, b=K0, c=K1): M1 + K0 + 2*K1 == 1 */
#define EX_K_IS_2 0x42 /* M1 + K0 + 2*K1 == 2: both M1 and K0 without K1, or K1 alone */
#define EX_SELECT 0xE2 /* b ? a : c */
#define EX_FINAL 0xE0  /* (a=g, b=L0, c=centre): g & (L0 | centre) */
#endif

/* Full adder: a + b + c = lo + 2*hi (5 operations; 2 with FK_TERN). */
static inline void FK_FN(ex_full_add_)(FK_CELL a, FK_CELL b, FK_CELL c, FK_CELL *lo,
                                       FK_CELL *hi)
{
#ifdef FK_TERN
    *lo = FK_TERN(a, b, c, EX_XOR3);
    *hi = FK_TERN(a, b, c, EX_MAJ);
#else
    const FK_CELL t = a ^ b;
    *lo = t ^ c;
    *hi = (a & b) | (t & c);
#endif
}

/* One row's horizontal planes and its centre word. */
typedef struct {
    FK_CELL l, h, c;
} FK_FN(ex_row_);

static inline FK_FN(ex_row_) FK_FN(ex_load_)(const FK_CELL *row, int64_t i,
                                             const FK_FN(fk_col_) *col, const int inner)
{
    FK_FN(ex_row_) r;
    FK_CELL w, e;
    if (inner)
        FK_FN(fk_load_inner_)(row, i, col->pf, &w, &r.c, &e);
    else
        FK_FN(fk_load_)(row, i, col, &w, &r.c, &e);
    FK_FN(ex_full_add_)(w, r.c, e, &r.l, &r.h);
    return r;
}

/* The next state from a pair's half-adder planes (pair = rows j, j+1:
 * l_j + l_j1 = sl + 2*cl, h_j + h_j1 = sh + 2*ch), the third row's planes x and the centre. */
static inline FK_CELL FK_FN(ex_rule_)(FK_CELL sl, FK_CELL cl, FK_CELL sh, FK_CELL ch,
                                      const FK_FN(ex_row_) *x, FK_CELL centre)
{
    const FK_CELL L0 = sl ^ x->l;        /* weight 1 */
    const FK_CELL M1 = cl | (sl & x->l); /* weight-2 carry out of the weight-1 column */
    const FK_CELL K0 = sh ^ x->h;        /* weight 2 */
    const FK_CELL K1 = ch | (sh & x->h); /* weight 4 */
    /* k = M1 + K0 + 2*K1 = kx + 2*(ky + K1) */
    const FK_CELL kx = K0 ^ M1, ky = K0 & M1;
    const FK_CELL k_is_1 = kx & ~K1;          /* kx=1 forces ky=0 */
    const FK_CELL k_is_2 = ~kx & (K1 ^ ky);
    return (L0 & k_is_1) | (~L0 & centre & k_is_2);
}

#ifdef FK_TERN
/* The next state of the middle row's word from three rows' planes, in three-input
 * operations (10 per output word with the row's full adder; see the top of the file).
 * vpternlogq overwrites its first operand, so the compiler must copy a first operand still
 * needed afterwards; the order below puts a value that dies there first wherever one
 * exists (`up` is the row leaving the window, and XOR3/MAJ are symmetric), so the compiler
 * can reuse its register. */
static inline FK_CELL FK_FN(ex_rule_tern_)(const FK_FN(ex_row_) *up, const FK_FN(ex_row_) *mid,
                                           const FK_FN(ex_row_) *down)
{
    const FK_CELL L0 = FK_TERN(mid->l, up->l, down->l, EX_XOR3); /* weight 1 */
    const FK_CELL M1 = FK_TERN(up->l, mid->l, down->l, EX_MAJ);  /* weight 2 */
    const FK_CELL K0 = FK_TERN(mid->h, up->h, down->h, EX_XOR3); /* weight 2 */
    const FK_CELL K1 = FK_TERN(up->h, mid->h, down->h, EX_MAJ);  /* weight 4 */
    const FK_CELL k_is_1 = FK_TERN(M1, K0, K1, EX_K_IS_1);
    const FK_CELL k_is_2 = FK_TERN(M1, K0, K1, EX_K_IS_2);
    /* sum9 == 3 is L0 & k == 1; sum9 == 4 is !L0 & k == 2, alive only with the centre */
    const FK_CELL g = FK_TERN(k_is_1, L0, k_is_2, EX_SELECT);
    return FK_TERN(g, L0, mid->c, EX_FINAL);
}
#endif

/* One column of `n` output rows; as in fk_column_circuit_, `inner` is a compile-time
 * constant, so interior words get fixed shifts and no mask. */
static inline __attribute__((always_inline)) void
FK_FN(ex_column_)(const fast_geom *g, const FK_CELL *restrict src, FK_CELL *restrict dst,
                  int64_t n, int64_t i, const int inner)
{
    const int64_t pitch = g->pitch;
    const FK_FN(fk_col_) col = FK_FN(fk_column_)(g, i);
    /* window: a = the row above output j, b = the row of output j */
    FK_FN(ex_row_) a = FK_FN(ex_load_)(src, i, &col, inner);
    FK_FN(ex_row_) b = FK_FN(ex_load_)(src + pitch, i, &col, inner);
    int64_t j = 0;
    for (; j + 1 < n; j += 2) {
        const FK_FN(ex_row_) c = FK_FN(ex_load_)(src + (j + 2) * pitch, i, &col, inner);
        const FK_FN(ex_row_) d = FK_FN(ex_load_)(src + (j + 3) * pitch, i, &col, inner);
#ifdef FK_TERN
        const FK_CELL o0 = FK_FN(ex_rule_tern_)(&a, &b, &c);
        const FK_CELL o1 = FK_FN(ex_rule_tern_)(&b, &c, &d);
#else
        /* the shared pair: the rows of outputs j and j+1 */
        const FK_CELL sl = b.l ^ c.l, cl = b.l & c.l;
        const FK_CELL sh = b.h ^ c.h, ch = b.h & c.h;
        const FK_CELL o0 = FK_FN(ex_rule_)(sl, cl, sh, ch, &a, b.c);
        const FK_CELL o1 = FK_FN(ex_rule_)(sl, cl, sh, ch, &d, c.c);
#endif
        FK_PREFETCH(&dst[j * pitch + col.pf], 1); /* see fk_load_ */
        FK_PREFETCH(&dst[(j + 1) * pitch + col.pf], 1);
        dst[j * pitch + i] = inner ? o0 : o0 & col.mask;
        dst[(j + 1) * pitch + i] = inner ? o1 : o1 & col.mask;
        a = c;
        b = d;
    }
    if (j < n) { /* an odd count: one row left */
        const FK_FN(ex_row_) c = FK_FN(ex_load_)(src + (j + 2) * pitch, i, &col, inner);
#ifdef FK_TERN
        const FK_CELL o0 = FK_FN(ex_rule_tern_)(&a, &b, &c);
#else
        const FK_CELL sl = b.l ^ c.l, cl = b.l & c.l;
        const FK_CELL sh = b.h ^ c.h, ch = b.h & c.h;
        const FK_CELL o0 = FK_FN(ex_rule_)(sl, cl, sh, ch, &a, b.c);
#endif
        dst[j * pitch + i] = inner ? o0 : o0 & col.mask;
    }
}

/* One generation of Life for `n` rows (same contract as fk_rows_circuit_). */
static void FK_FN(fk_rows_expert_)(const fast_geom *g, const FK_CELL *restrict src,
                                  FK_CELL *restrict dst, int64_t n)
{
    FK_EACH_COLUMN(FK_FN(ex_column_), g, src, dst, n);
}

#ifdef FK_TERN
#undef EX_XOR3
#undef EX_MAJ
#undef EX_K_IS_1
#undef EX_K_IS_2
#undef EX_SELECT
#undef EX_FINAL
#endif

#ifdef FK_SCHED_PRESSURE
#pragma GCC pop_options
#endif
