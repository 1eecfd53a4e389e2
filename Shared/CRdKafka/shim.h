#ifndef RELANCE_CRDKAFKA_SHIM_H
#define RELANCE_CRDKAFKA_SHIM_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* pthread_setname_np */
#endif
#include <pthread.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

/* Names the calling thread for top, perf and gdb (at most 15 characters). */
static inline void relance_name_current_thread(const char *name) {
    (void)pthread_setname_np(pthread_self(), name);
}

#endif
