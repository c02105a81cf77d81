/*
 * Test-only stand-in for bcryptprimitives.dll under Wine 8, which lacks it.
 *
 * Rust's standard library (1.78 and later) imports ProcessPrng from
 * bcryptprimitives.dll, so every Rust program fails to start under Debian's
 * Wine 8 without this. It fills the buffer from RtlGenRandom
 * (SystemFunction036 in advapi32) and always succeeds, as ProcessPrng does.
 * Built by `cargo xtask test-windows` into the test binaries' folder; never
 * shipped.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk)) {
            return FALSE;
        }
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
