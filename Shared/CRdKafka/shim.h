#ifndef RELANCE_CRDKAFKA_SHIM_H
#define RELANCE_CRDKAFKA_SHIM_H

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#endif
