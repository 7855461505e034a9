// Deliberately broken OpenCL C for DeviceFaultTest: the build must fail and the exception must
// carry the compiler's log, which names this undeclared identifier.
__kernel void broken_kernel(__global float *out)
{
    out[get_global_id(0)] = undeclared_reparam_identifier * 2.0f;
}
