/*
 * bcryptprimitives.dll for Wine 8.0 (Debian bookworm), which lacks it.
 *
 * Rust's standard library for x86_64-pc-windows-gnu (since Rust 1.78) takes
 * its random bytes (HashMap seeds) from ProcessPrng in bcryptprimitives.dll,
 * a DLL every Windows 10 and 11 has; Wine added it in 9.x. Without it every
 * Rust .exe fails to start under Debian's wine64 ("Library
 * bcryptprimitives.dll ... not found", status c0000135). CI builds this file
 * with mingw-w64 and copies it into the Wine prefix's system32 (.ci/run);
 * it is never shipped and never used on real Windows.
 *
 * ProcessPrng(PBYTE, SIZE_T) -> BOOL, documented by Microsoft as always
 * returning TRUE; here it is BCryptGenRandom with the system-preferred RNG
 * (Wine implements that), called in ULONG-sized pieces. It returns FALSE if
 * BCryptGenRandom fails, so a broken RNG shows up instead of zero bytes.
 */
#include <windows.h>
#include <bcrypt.h>

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG chunk = len > 0x40000000u ? 0x40000000u : (ULONG)len;
        if (!BCRYPT_SUCCESS(BCryptGenRandom(NULL, data, chunk, BCRYPT_USE_SYSTEM_PREFERRED_RNG)))
            return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
