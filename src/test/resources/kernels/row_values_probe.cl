/* Test probe (RowValuesTest): the 64 lanes rp_row_values (reparam.cl) gives for a run at p0. */
__kernel void probe_row_values(__global const float *x, long p0, long np, long dim, __global float *out)
{
    float16 v[4];
    rp_row_values(x, p0, np, dim, v);
    vstore16(v[0], 0, out);
    vstore16(v[1], 1, out);
    vstore16(v[2], 2, out);
    vstore16(v[3], 3, out);
}
