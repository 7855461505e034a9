/* Which compiler extensions the program was built with (PortableKernelsTest): bit 0 clang's vector
 * shuffles and under-aligned vector types, bit 1 streaming stores, bit 2 prefetches (kernels/philox4x32.cl). */
__kernel void probe_build_features(__global int *out)
{
    int f = 0;
#ifdef RP_CLANG_EXTENSIONS
    f |= 1;
#endif
#ifdef PHILOX_HAVE_NT_STORE
    f |= 2;
#endif
#ifdef RP_HAVE_PREFETCH
    f |= 4;
#endif
    out[0] = f;
}
