#ifndef DUWTJE_CPREFETCH_SHIM_H
#define DUWTJE_CPREFETCH_SHIM_H
// The compiler's prefetch hint, which Swift has no spelling for. A load the engine knows it will
// need soon but cannot use yet (a rule's record once its bucket is read, a visitor's line before
// the walk) can be started early, so that several lines come in together instead of one after the
// other. A hint only: it never faults, also for an address that is not mapped, and changes no value.
static inline __attribute__((always_inline)) void duwtje_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}
#endif
