#include <stddef.h>
#include <stdint.h>
typedef struct probe_unused probe_unused;
double probe_logic_rate_71c4c6e0ec2b613a(int width, int64_t iters);
double probe_shift_rate_71c4c6e0ec2b613a(int width, int64_t iters);
double probe_clock_hz_71c4c6e0ec2b613a(int64_t iters);
