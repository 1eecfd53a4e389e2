#ifndef RELANCE_CRDKAFKA_SHIM_H
#define RELANCE_CRDKAFKA_SHIM_H

#include <pthread.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

/* glibc declares this only under _GNU_SOURCE, which must not be defined here: the module's
 * view of the system headers would then differ from Swift's own Glibc module. */
extern int pthread_setname_np(pthread_t thread, const char *name);

/* Names the calling thread for top, perf and gdb (at most 15 characters). */
static inline void relance_name_current_thread(const char *name) {
    (void)pthread_setname_np(pthread_self(), name);
}

#endif
