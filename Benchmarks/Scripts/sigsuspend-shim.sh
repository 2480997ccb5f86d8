# Sourced by instructions.sh and server-instructions.sh. Valgrind 3.19 (Debian 12) crashes on
# libdispatch's sigsuspend with a mask in read-only memory ("the 'impossible' happened", SIGSEGV in
# the tool); a preloaded sigsuspend that copies the mask first lets it run.
# build_sigsuspend_shim DIR: writes DIR/sigsuspend.so, to be named in LD_PRELOAD.
build_sigsuspend_shim() {
  cat > "$1/sigsuspend.c" <<'C'
#define _GNU_SOURCE
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>
/* The kernel's rt_sigsuspend with a writable copy of the mask (see sigsuspend-shim.sh). */
int sigsuspend(const sigset_t *mask) {
    sigset_t copy = *mask;
    return (int)syscall(SYS_rt_sigsuspend, &copy, 8);
}
C
  cc -shared -fPIC -O2 -o "$1/sigsuspend.so" "$1/sigsuspend.c"
}
