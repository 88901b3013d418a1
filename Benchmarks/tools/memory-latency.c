// How long this machine takes to fetch a random cache line that is not in the caches, depending
// on how much memory the accesses spread over, one at a time (a pointer chase: each address is
// the value just loaded) and eight at a time (independent chains, as prefetching allows).
//
//   cc -O2 Benchmarks/tools/memory-latency.c -o /tmp/memory-latency && /tmp/memory-latency
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double nanoseconds(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec * 1e9 + now.tv_nsec;
}

int main(void) {
    const size_t sizes[] = {256 << 10, 2 << 20, 8 << 20, 32 << 20, 128 << 20, 512 << 20};
    const size_t steps = 4000000;
    printf("%10s %16s %22s\n", "spread", "one at a time", "eight at a time");
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        size_t lines = sizes[s] / 64;
        uint64_t *memory = aligned_alloc(64, lines * 64);
        size_t *order = malloc(lines * sizeof *order);
        for (size_t i = 0; i < lines; i++) order[i] = i;
        uint64_t x = 88172645463325252ULL;
        for (size_t i = lines - 1; i > 0; i--) {  // a random cycle through every line
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            size_t j = x % (i + 1), t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        for (size_t i = 0; i < lines; i++) memory[order[i] * 8] = order[(i + 1) % lines] * 8;
        size_t at = order[0] * 8;
        double start = nanoseconds();
        for (size_t i = 0; i < steps; i++) at = memory[at];
        double serial = (nanoseconds() - start) / steps;
        size_t chains[8];
        for (int k = 0; k < 8; k++) chains[k] = order[k * (lines / 8)] * 8;
        start = nanoseconds();
        for (size_t i = 0; i < steps / 8; i++)
            for (int k = 0; k < 8; k++) chains[k] = memory[chains[k]];
        double parallel = (nanoseconds() - start) / steps;
        printf("%7zu KiB %13.1f ns %16.1f ns/line   (%zu %zu)\n", sizes[s] >> 10, serial, parallel, at, chains[0]);
        free(memory);
        free(order);
    }
    return 0;
}
