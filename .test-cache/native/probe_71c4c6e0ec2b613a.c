/* gatenet.bench.ceiling */
#define probe_logic_rate probe_logic_rate_71c4c6e0ec2b613a
#define probe_shift_rate probe_shift_rate_71c4c6e0ec2b613a
#define probe_clock_hz probe_clock_hz_71c4c6e0ec2b613a

#include "probe.c"
