/*
 * Philox4x32-10 (Salmon et al., SC'11), exactly as Random123's philox4x32_R(10, ctr, key),
 * on 16 independent blocks at once: lane i of c0..c3 is word 0..3 of block i.
 *
 * Java twin: org.reparamcl.rng.Philox4x32 (same constants, same rounds, same order).
 * Stream layout (SPEC §2): key = (low32(seed), high32(seed));
 * ctr = (low32(block), high32(block), low32(stream), high32(stream)).
 *
 * Implementation note: the rounds keep each 32-bit word in the low half of a 64-bit lane
 * (ulong16, "wide" form) and leave the high halves unspecified. A round is then two 32x32 -> 64
 * products of masked operands (one vpmuludq per 8 lanes on x86; the mask folds into it), two
 * dword swaps that bring each product's high word to the low half (philox_high_to_low: a
 * shuffle, which x86 issues on another port than the multiplier, where a 64-bit shift competes
 * with it: noise +12 % on PoCL) and two three-way xors, with no 32 <-> 64-bit conversions per
 * round; high halves never reach a low half. philox_pack_words then joins two words per 64-bit lane with one shuffle
 * (a shift-and-mask join lets LLVM narrow the last round's products to 64x64-bit multiplies,
 * three times the cost on x86).
 */
#pragma OPENCL FP_CONTRACT OFF

/*
 * Compiler extensions. Clang (PoCL, and the clang-based drivers of AMD, Intel and Apple) gets its
 * vector shuffles, under-aligned vector types (one unaligned vector load or store where vload16 /
 * vstore16 may be split), prefetches and streaming stores; any other OpenCL C compiler gets plain
 * OpenCL C paths that compute the same bits. Building with -DRP_PORTABLE forces those paths on
 * clang too: the tests build the program both ways and hold both to the CPU reference's bits
 * (PortableKernelsTest), so the paths that a non-clang driver takes are tested on PoCL.
 * Drivers whose clang targets SPIR-V (Mesa's rusticl: __SPIR64__) keep the shuffles and streaming
 * stores but get no prefetches, which the SPIR-V translator cannot express (it aborts the process).
 */
#if defined(__SPIR__) || defined(__SPIR32__) || defined(__SPIR64__)
#define RP_SPIR_TARGET 1
#endif
#if defined(__clang__) && !defined(RP_PORTABLE)
#define RP_CLANG_EXTENSIONS 1
#endif
#if defined(__has_builtin) && !defined(RP_PORTABLE)
#if __has_builtin(__builtin_nontemporal_store)
#define PHILOX_HAVE_NT_STORE 1
#endif
#if __has_builtin(__builtin_prefetch) && !defined(RP_SPIR_TARGET)
#define RP_HAVE_PREFETCH 1
#endif
#endif

#define M_PHILOX_4X32_0 0xD2511F53u
#define M_PHILOX_4X32_1 0xCD9E8D57u
#define W_PHILOX_32_A   0x9E3779B9u
#define W_PHILOX_32_B   0xBB67AE85u
#define PHILOX_ROUNDS   10
#define PHILOX_LO32     0xFFFFFFFFul

/* Position of a 64-bit lane's low half among the two 32-bit halves of as_uint2(lane). */
#ifdef __ENDIAN_LITTLE__
#define PHILOX_LOW_HALF 0u
#else
#define PHILOX_LOW_HALF 1u
#endif

/* The high 32 bits of each lane moved to its low half (the high half gets the old low half, or
 * zero): one dword shuffle per 8 lanes, which x86 runs on the shuffle port, beside the multiplier.
 * OpenCL's shuffle() is not used: PoCL expands it lane by lane (7x slower). */
static inline __attribute__((always_inline)) ulong16 philox_high_to_low(ulong16 p)
{
#ifdef RP_CLANG_EXTENSIONS
    const uint16 a = as_uint16(p.lo), b = as_uint16(p.hi);
    return (ulong16)(as_ulong8(__builtin_shufflevector(a, a, 1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14)),
                     as_ulong8(__builtin_shufflevector(b, b, 1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14)));
#else
    return p >> 32;                           /* the same low halves */
#endif
}

/*
 * Philox4x32-10 in wide form: the low 32 bits of each lane of c0..c3 (counter) and k0, k1 (key)
 * are used, the high bits ignored; the outputs' low 32 bits are the words, their high bits
 * unspecified.
 */
static inline __attribute__((always_inline)) void philox4x32_10_x16_wide(ulong16 *c0, ulong16 *c1, ulong16 *c2, ulong16 *c3,
                                                                         ulong16 k0, ulong16 k1)
{
    ulong16 x0 = *c0, x1 = *c1, x2 = *c2, x3 = *c3;
    #pragma unroll
    for (int r = 0; r < PHILOX_ROUNDS; r++) {
        const ulong16 p0 = (x0 & PHILOX_LO32) * (ulong)M_PHILOX_4X32_0;
        const ulong16 p1 = (x2 & PHILOX_LO32) * (ulong)M_PHILOX_4X32_1;
        const ulong16 n0 = philox_high_to_low(p1) ^ x1 ^ k0;
        const ulong16 n2 = philox_high_to_low(p0) ^ x3 ^ k1;
        x1 = p1;
        x3 = p0;
        x0 = n0;
        x2 = n2;
        k0 += W_PHILOX_32_A;                     /* carries only reach the ignored high half */
        k1 += W_PHILOX_32_B;
    }
    *c0 = x0; *c1 = x1; *c2 = x2; *c3 = x3;
}

/* Philox4x32-10 on 16 blocks, lane i of each vector being block i (per-lane keys). */
static inline __attribute__((always_inline)) void philox4x32_10_x16(uint16 *c0, uint16 *c1, uint16 *c2, uint16 *c3, uint16 k0, uint16 k1)
{
    ulong16 x0 = convert_ulong16(*c0), x1 = convert_ulong16(*c1), x2 = convert_ulong16(*c2), x3 = convert_ulong16(*c3);
    philox4x32_10_x16_wide(&x0, &x1, &x2, &x3, convert_ulong16(k0), convert_ulong16(k1));
    *c0 = convert_uint16(x0); *c1 = convert_uint16(x1); *c2 = convert_uint16(x2); *c3 = convert_uint16(x3);
}

/* The blocks b (one 64-bit block index per lane) of a stream in wide form. */
static inline __attribute__((always_inline)) void philox_blocks_x16_wide(ulong16 b, uint k0, uint k1, uint s0, uint s1,
                                                                         ulong16 *x0, ulong16 *x1, ulong16 *x2, ulong16 *x3)
{
    *x0 = b;                                      /* low32(b); the high half is ignored */
    *x1 = b >> 32;
    *x2 = (ulong16)(s0);
    *x3 = (ulong16)(s1);
    philox4x32_10_x16_wide(x0, x1, x2, x3, (ulong16)(k0), (ulong16)(k1));
}

/* The 16 consecutive blocks first, first+1, ..., first+15 of a stream in wide form
 * (block indices are 64-bit and wrap modulo 2^64). */
static inline __attribute__((always_inline)) void philox_stream_x16_wide(ulong first, uint k0, uint k1, uint s0, uint s1,
                                                                         ulong16 *x0, ulong16 *x1, ulong16 *x2, ulong16 *x3)
{
    philox_blocks_x16_wide((ulong16)(first) + (ulong16)(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                           k0, k1, s0, s1, x0, x1, x2, x3);
}

/* The four words of the 16 consecutive blocks first, first+1, ..., first+15 of a stream
 * (block indices are 64-bit and wrap modulo 2^64). */
static inline __attribute__((always_inline)) void philox_stream_x16(ulong first, uint k0, uint k1, uint s0, uint s1,
                              uint16 *w0, uint16 *w1, uint16 *w2, uint16 *w3)
{
    ulong16 x0, x1, x2, x3;
    philox_stream_x16_wide(first, k0, k1, s0, s1, &x0, &x1, &x2, &x3);
    *w0 = convert_uint16(x0); *w1 = convert_uint16(x1); *w2 = convert_uint16(x2); *w3 = convert_uint16(x3);
}

/*
 * Two wide words per lane packed into one 64-bit lane: the low 32 bits of a, then those of b, in
 * memory order (so on either byte order, as_uint16 of .lo or .hi alternates a, b).
 */
static inline __attribute__((always_inline)) ulong16 philox_pack_words(ulong16 a, ulong16 b)
{
    const uint16 low = (uint16)(0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30) + PHILOX_LOW_HALF;
    return (ulong16)(as_ulong8(shuffle2(as_uint16(a.lo), as_uint16(b.lo), low)),
                     as_ulong8(shuffle2(as_uint16(a.hi), as_uint16(b.hi), low)));
}

/*
 * Stream order from packed lanes: lane i of p01 holds words 0, 1 and lane i of p23 words 2, 3
 * of block i; v0 gets words 0..15 of the 64 (blocks 0..3), v1 16..31, v2 32..47, v3 48..63.
 */
static inline __attribute__((always_inline)) void philox_stream_order_x16(ulong16 p01, ulong16 p23,
                                                                          uint16 *v0, uint16 *v1, uint16 *v2, uint16 *v3)
{
    const ulong16 q0 = shuffle2(p01, p23, (ulong16)(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23));
    const ulong16 q1 = shuffle2(p01, p23, (ulong16)(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31));
    *v0 = as_uint16(q0.lo);
    *v1 = as_uint16(q0.hi);
    *v2 = as_uint16(q1.lo);
    *v3 = as_uint16(q1.hi);
}

/* The 64 words of the 16 consecutive blocks first .. first+15 in stream order: v0 holds words
 * 0..15, v1 16..31, v2 32..47, v3 48..63. */
static inline __attribute__((always_inline)) void philox_stream_words_x16(ulong first, uint k0, uint k1, uint s0, uint s1,
                                    uint16 *v0, uint16 *v1, uint16 *v2, uint16 *v3)
{
    ulong16 x0, x1, x2, x3;
    philox_stream_x16_wide(first, k0, k1, s0, s1, &x0, &x1, &x2, &x3);
    philox_stream_order_x16(philox_pack_words(x0, x1), philox_pack_words(x2, x3), v0, v1, v2, v3);
}

/*
 * uint16 at the alignment of uint: a store through it is one unaligned vector store, where
 * vstore16 may be split into pieces.
 */
#ifdef RP_CLANG_EXTENSIONS
typedef uint16 philox_uint16_a4 __attribute__((aligned(4)));
#endif

/* Writes the 16 words of v at out[base .. base + 16), keeping only those at 0 <= i < n. */
/* Out of line: the cold path of store_x64 (the ends of a fill). */
static __attribute__((noinline)) void store_guarded_x16(__global uint *out, long base, long n, uint16 v)
{
#define PHILOX_STORE_LANE(c, j) if (base + (j) >= 0 && base + (j) < n) { out[base + (j)] = v.s##c; }
    PHILOX_STORE_LANE(0, 0)  PHILOX_STORE_LANE(1, 1)  PHILOX_STORE_LANE(2, 2)  PHILOX_STORE_LANE(3, 3)
    PHILOX_STORE_LANE(4, 4)  PHILOX_STORE_LANE(5, 5)  PHILOX_STORE_LANE(6, 6)  PHILOX_STORE_LANE(7, 7)
    PHILOX_STORE_LANE(8, 8)  PHILOX_STORE_LANE(9, 9)  PHILOX_STORE_LANE(a, 10) PHILOX_STORE_LANE(b, 11)
    PHILOX_STORE_LANE(c, 12) PHILOX_STORE_LANE(d, 13) PHILOX_STORE_LANE(e, 14) PHILOX_STORE_LANE(f, 15)
#undef PHILOX_STORE_LANE
}

/*
 * Streaming (non-temporal) stores: written around the caches, which saves the read of each
 * destination line that an ordinary store makes on a CPU; worth it only for outputs much larger
 * than the caches (the host decides: ClContext.streamingStores). Where the compiler
 * has no such builtin they are ordinary stores, and so are stores to addresses that are not
 * 64-byte aligned (x86's streaming store faults on them). The values stored are the same either way.
 */
#ifdef PHILOX_HAVE_NT_STORE
#define PHILOX_STORE_NT(value, ptr) __builtin_nontemporal_store((value), (ptr))
#else
#define PHILOX_STORE_NT(value, ptr) (*(ptr) = (value))
#endif

/*
 * Writes the 64 words v0, v1, v2, v3 (16 each, in order) at out[base .. base + 64), keeping
 * only those at indices 0 <= i < n: four vector stores when all fit (streaming stores when nt),
 * guarded scalar stores otherwise (only at the ends of a fill).
 */
static inline __attribute__((always_inline)) void store_x64(__global uint *out, long base, long n,
                                                            uint16 v0, uint16 v1, uint16 v2, uint16 v3, int nt)
{
    if (base >= 0 && base + 64 <= n) {
#ifdef RP_CLANG_EXTENSIONS
        __global philox_uint16_a4 *p = (__global philox_uint16_a4 *)(out + base);
        if (nt && ((ulong)p & 63) == 0) {     /* the instruction needs a 64-byte aligned address */
            PHILOX_STORE_NT(v0, p);
            PHILOX_STORE_NT(v1, p + 1);
            PHILOX_STORE_NT(v2, p + 2);
            PHILOX_STORE_NT(v3, p + 3);
        } else {
            p[0] = v0;
            p[1] = v1;
            p[2] = v2;
            p[3] = v3;
        }
#else
        vstore16(v0, 0, out + base);
        vstore16(v1, 0, out + base + 16);
        vstore16(v2, 0, out + base + 32);
        vstore16(v3, 0, out + base + 48);
#endif
    } else {
        store_guarded_x16(out, base, n, v0);
        store_guarded_x16(out, base + 16, n, v1);
        store_guarded_x16(out, base + 32, n, v2);
        store_guarded_x16(out, base + 48, n, v3);
    }
}

/*
 * Writes 64 words in stream order (block-major: word k of block i goes to dst[4 i + k]) from
 * the lane-major vectors w0..w3. Element j of the 64 lands at out[base + j] for 0 <= base + j < n.
 */
static inline __attribute__((always_inline)) void store_interleaved_x16(__global uint *out, long base, long n,
                                  uint16 w0, uint16 w1, uint16 w2, uint16 w3)
{
    uint16 v0, v1, v2, v3;
    philox_stream_order_x16(philox_pack_words(convert_ulong16(w0), convert_ulong16(w1)),
                            philox_pack_words(convert_ulong16(w2), convert_ulong16(w3)), &v0, &v1, &v2, &v3);
    store_x64(out, base, n, v0, v1, v2, v3, 0);
}

/*
 * Known-answer entry: n (a multiple of 16) independent (ctr, key) tests in structure-of-arrays
 * form: ctr[t], ctr[n + t], ctr[2n + t], ctr[3n + t] and key[t], key[n + t]; the output words go to
 * out[4 t + k]. One work-item runs 16 tests, each lane with its own key.
 */
__kernel void philox_kat(__global const uint *ctr, __global const uint *key, __global uint *out, uint n)
{
    const uint g = get_global_id(0);
    uint16 x0 = vload16(g, ctr), x1 = vload16(g, ctr + n), x2 = vload16(g, ctr + 2 * n), x3 = vload16(g, ctr + 3 * n);
    philox4x32_10_x16(&x0, &x1, &x2, &x3, vload16(g, key), vload16(g, key + n));
    store_interleaved_x16(out, 64 * (long)g, 4 * (long)n, x0, x1, x2, x3);
}
