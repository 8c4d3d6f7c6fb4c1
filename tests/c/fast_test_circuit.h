/* fast_test_circuit.h — a hand-written Life circuit in the emitted header's form, so the
 * fast runtime and its sanitizer harness build without Python. It counts the eight
 * neighbours mod 8 with a ripple of half adders (deliberately a different structure from
 * expert.c's) and applies B3/S23: alive next iff count == 3, or count == 2 and alive now.
 * A count of 8 wraps to 0, which is still "not 2 or 3". No include guard: fast.c includes
 * it once per cell width, with `cell` defined differently each time.
 */
static inline cell gatenet_circuit(const cell in[9])
{
    cell s0 = in[0] ^ in[0], s1 = s0, s2 = s0;
    for (int k = 0; k < 9; k++) {
        if (k == 4)
            continue; /* the centre is not a neighbour */
        const cell c0 = s0 & in[k];
        s0 = s0 ^ in[k];
        const cell c1 = s1 & c0;
        s1 = s1 ^ c0;
        s2 = s2 ^ c1;
    }
    return ~s2 & s1 & (s0 | in[4]);
}
