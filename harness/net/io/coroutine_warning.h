// coroutine_warning.h: the one place that silences GCC 12's
// -Wmismatched-new-delete for Asio coroutines. GCC reports the coroutine
// frame's operator delete as mismatched with its operator new, a false
// positive: both are Asio's own frame allocator. Include it after the other
// includes of a file that spawns or awaits Asio coroutines; it applies to the
// rest of that translation unit.
#pragma once

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
