// Linux's epoll for the load generator's new-connection clients (Glibc's Swift module leaves it out).
#include <sys/epoll.h>
